public import ArgumentParser
import ConfluenceExport
import FerryModel
import Foundation
import Logging
import Migration
import Synchronization
import Workspace

/// `ferry sync`: carry what changed in the source since the migration (or the last pass) over to Cloud.
public struct SyncCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "Carry what changed in the source since the migration over to Cloud (one pass, or until cut-over).",
        discussion: """
            Users keep working during a migration. A sync pass reads the source again \
            (the Data Center site the workspace was migrated from, through REST and \
            within --source-rate: only the content CQL lastmodified reports since the \
            previous pass's frozen time less a 5-minute overlap, plus an inventory \
            listing of the migrated spaces for moves, renames, deletions and \
            restriction changes; or the export, or a newer export given with \
            --from), compares every page and blog post with what Ferry last wrote to \
            Cloud, and writes the differences through the same crash-safe ledger as \
            ferry migrate: new pages, blog posts, comments and attachments first, then \
            edits and renames as new Cloud versions, moves (parents first), deletions to \
            the Cloud trash (children first), restriction changes, new attachment \
            versions and labels. The comparison covers ids, parents and positions, \
            titles, versions, restriction and label sets, so moves, renames and \
            deletions are caught as well as edits. Kill a pass at any moment and run it \
            again: it resumes under the same pass number and writes nothing twice.

            Mass-deletion guard: a pass in which a space loses at least 20 pages and at \
            least 80% of its pages and blog posts (or the whole space is gone from the \
            source) is refused, naming the space and the counts, and writes nothing; \
            --allow-mass-delete applies it.

            Conflicts: every page the pass would touch is read back first. A page whose \
            Cloud version is not the one Ferry's last write left was edited in Cloud: \
            it is reported as a conflict and left alone; --source-wins overwrites it \
            with the source's version.

            --until-cutover repeats passes every --interval (default 10m) until `ferry \
            cutover` is run for the workspace, which makes this loop run a final pass, \
            report the change lag and stop. Ctrl-C stops the loop after the pass in \
            progress.

            Example:
              ferry sync --workspace ./ws
              ferry sync --workspace ./ws --from nightly-export.zip --json
              ferry sync --workspace ./ws --until-cutover --interval 15m
              FERRY_SOURCE_TOKEN=... ferry sync --workspace ./ws   # a workspace migrated from https://dc...
            """
    )

    @OptionGroup public var global: GlobalOptions
    @OptionGroup public var options: ConfigurationOptions

    @Option(
        name: .customLong("from"),
        help: ArgumentHelp(
            "A newer XML export of the same site, or the Data Center URL (default: the source the workspace was migrated from).",
            valueName: "export"))
    public var source: String?

    @Option(name: .long, help: "Most requests per second toward a Data Center source.")
    public var sourceRate: Double = 20

    @Option(name: .long, help: "Most requests in flight toward a Data Center source.")
    public var sourceConcurrency: Int = 4

    @Flag(name: .long, help: "Apply a pass even when a space loses at least 20 pages and 80% of its content.")
    public var allowMassDelete: Bool = false

    @Flag(name: .long, help: "Overwrite pages edited in Cloud since Ferry wrote them (default: report and leave them).")
    public var sourceWins: Bool = false

    @Flag(name: .long, help: "Repeat passes every --interval until `ferry cutover` is run for this workspace.")
    public var untilCutover: Bool = false

    @Option(
        name: .long, help: ArgumentHelp("Time between passes with --until-cutover: 30s, 10m, 1h.", valueName: "time"))
    public var interval: String = "10m"

    @Flag(name: .long, help: "Print each pass's outcome as JSON (one object per line with --until-cutover).")
    public var json: Bool = false

    public init() {}

    public func validate() throws {
        guard sourceRate > 0, (1...64).contains(sourceConcurrency) else {
            throw ValidationError("--source-rate must be above 0 and --source-concurrency between 1 and 64")
        }
        guard SyncRunner.seconds(interval) != nil else {
            throw ValidationError("--interval '\(interval)' is not a duration; use for example 30s, 10m or 1h")
        }
    }

    public func run() async throws {
        let logger = global.makeLogger()
        let configuration = try options.load(logger: logger)
        let workspace = try Workspace.open(at: URL(fileURLWithPath: configuration.workspace.value))
        var runner = SyncRunner(
            workspace: workspace, configuration: configuration, source: source,
            options: SyncOptions(
                allowMassDelete: allowMassDelete, sourceWins: sourceWins, concurrency: configuration.concurrency.value),
            logger: logger)
        runner.sourceRate = sourceRate
        runner.sourceConcurrency = sourceConcurrency
        guard untilCutover else {
            let outcome = try await runner.pass()
            try print(outcome)
            if outcome.failed > 0 { throw ExitCode(1) }
            return
        }
        try await loop(runner, every: SyncRunner.seconds(interval) ?? 600)
    }

    func print(_ outcome: SyncOutcome) throws {
        if json {
            Console.print(try SyncRunner.compactJSON(outcome))
        } else {
            Console.print(SyncRunner.describe(outcome))
        }
    }

    /// Passes until a cut-over is requested (then a final pass and the cut-over record) or Ctrl-C.
    func loop(_ runner: SyncRunner, every seconds: Double) async throws {
        let inventory = runner.workspace.syncInventory
        if let at = try inventory.meta(SyncRunner.cutoverAtKey) { throw SyncError.cutOver(at: at) }
        let stop = StopFlag()
        let signals = [SIGINT, SIGTERM].map { number -> any DispatchSourceSignal in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                Console.printError("\nstopping after the pass in progress (press Ctrl-C again to force)")
                stop.set()
                signal(number, SIG_DFL)
            }
            source.resume()
            return source
        }
        defer { for source in signals { source.cancel() } }
        // The heartbeat tells `ferry cutover` that this loop will run the final pass.
        let heartbeat = Task {
            while !Task.isCancelled {
                try? inventory.setMeta(SyncRunner.heartbeatKey, String(Date().timeIntervalSince1970))
                try? await Task.sleep(for: .seconds(1))
            }
        }
        defer {
            heartbeat.cancel()
            try? inventory.setMeta(SyncRunner.heartbeatKey, nil)
        }
        while true {
            if try inventory.meta(SyncRunner.cutoverRequestedKey) != nil {
                let report = try await runner.cutover()
                if json {
                    Console.print(try SyncRunner.compactJSON(report))
                } else {
                    Console.print(SyncRunner.describe(report))
                }
                return
            }
            let outcome = try await runner.pass()
            try print(outcome)
            if !json {
                Console.printError(
                    "pass \(outcome.pass) done at \(ISO8601DateFormatter().string(from: Date())); next in "
                        + ProgressReporter.format(seconds: seconds) + " (ferry cutover --workspace "
                        + runner.workspace.folder.path + " to finish)")
            }
            let deadline = Date().addingTimeInterval(seconds)
            while Date() < deadline {
                if stop.isSet {
                    Console.printError("stopped: the workspace keeps every pass; run ferry sync again to go on")
                    return
                }
                if try inventory.meta(SyncRunner.cutoverRequestedKey) != nil { break }
                try await Task.sleep(for: .milliseconds(250))
            }
            if stop.isSet {
                Console.printError("stopped: the workspace keeps every pass; run ferry sync again to go on")
                return
            }
        }
    }
}

/// `ferry cutover`: the final pass, the change lag, and no more syncs.
public struct CutoverCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "cutover",
        abstract: "Finish a live migration: run a final sync pass, report the change lag, refuse later syncs.",
        discussion: """
            When a `ferry sync --until-cutover` loop is running for the workspace, \
            cutover signals it (through the workspace database) and waits for it to run \
            the final pass; otherwise it runs the final pass itself. It prints the \
            pass's changes and the change lag (time from each change in the source to \
            its arrival in Cloud), and records the cut-over: later ferry sync runs for \
            this workspace refuse.

            Example:
              ferry cutover --workspace ./ws
              ferry cutover --workspace ./ws --from final-export.zip --json
            """
    )

    @OptionGroup public var global: GlobalOptions
    @OptionGroup public var options: ConfigurationOptions

    @Option(
        name: .customLong("from"),
        help: ArgumentHelp("A newer XML export for the final pass (default: the recorded source).", valueName: "export")
    )
    public var source: String?

    @Flag(name: .long, help: "Apply the final pass even when the mass-deletion guard trips.")
    public var allowMassDelete: Bool = false

    @Flag(name: .long, help: "Overwrite pages edited in Cloud since Ferry wrote them.")
    public var sourceWins: Bool = false

    @Option(name: .long, help: "Seconds to wait for a running sync loop to finish the final pass.")
    public var wait: Int = 3600

    @Flag(name: .long, help: "Print the cut-over report as JSON.")
    public var json: Bool = false

    public init() {}

    public func run() async throws {
        let logger = global.makeLogger()
        let configuration = try options.load(logger: logger)
        let workspace = try Workspace.open(at: URL(fileURLWithPath: configuration.workspace.value))
        let inventory = workspace.syncInventory
        if let at = try inventory.meta(SyncRunner.cutoverAtKey) { throw SyncError.cutOver(at: at) }
        try inventory.setMeta(SyncRunner.cutoverRequestedKey, ISO8601DateFormatter().string(from: Date()))
        let report: CutoverReport
        if let beat = try inventory.meta(SyncRunner.heartbeatKey).flatMap(Double.init),
            Date().timeIntervalSince1970 - beat < 10
        {
            Console.printError("a ferry sync --until-cutover loop is running: waiting for it to run the final pass")
            let deadline = Date().addingTimeInterval(Double(wait))
            var recorded: CutoverReport?
            while Date() < deadline {
                if let text = try inventory.meta(SyncRunner.cutoverReportKey) {
                    recorded = try JSONDecoder().decode(CutoverReport.self, from: Data(text.utf8))
                    break
                }
                try await Task.sleep(for: .milliseconds(250))
            }
            guard let recorded else {
                throw ValidationError(
                    "the sync loop did not finish the final pass within \(wait) s; it will when its pass ends")
            }
            report = recorded
        } else {
            let runner = SyncRunner(
                workspace: workspace, configuration: configuration, source: source,
                options: SyncOptions(
                    allowMassDelete: allowMassDelete, sourceWins: sourceWins,
                    concurrency: configuration.concurrency.value),
                logger: logger)
            report = try await runner.cutover()
        }
        if json {
            try Console.printJSON(report)
        } else {
            Console.print(SyncRunner.describe(report))
        }
        if report.finalPass.failed > 0 { throw ExitCode(1) }
    }
}

/// Set by Ctrl-C: the loop stops after the pass in progress.
final class StopFlag: Sendable {
    private let flag = Mutex(false)
    func set() { flag.withLock { $0 = true } }
    var isSet: Bool { flag.withLock { $0 } }
}

/// What `ferry cutover` records and prints.
struct CutoverReport: Codable {
    var cutoverAt: String
    var passes: Int
    var finalPass: SyncOutcome
    var lag: SyncLag
}
