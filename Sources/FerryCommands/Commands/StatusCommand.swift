public import ArgumentParser
import FerryModel
import Foundation
import Workspace

/// `ferry status`: progress of a migration, read from the ledger.
public struct StatusCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show a migration's progress per space: done, pending, failed (with reasons), rate.",
        discussion: """
            Reads the workspace ledger through its own read-only connection. SQLite's \
            write-ahead log lets readers and the running migration proceed without \
            waiting for each other, and each refresh reads the per-space counters the \
            ledger keeps (not its rows), so any number of people can watch a run without \
            slowing it, however large the migration.

            Example:
              ferry status --workspace ./ws
              ferry status --workspace ./ws --watch --interval 5
              ferry status --workspace ./ws --json | jq '.spaces[] | select(.failed > 0)'
            """
    )

    @OptionGroup public var global: GlobalOptions

    @Option(name: .long, help: ArgumentHelp("The migration's workspace folder.", valueName: "dir"))
    public var workspace: String = FerryConfiguration.defaultWorkspace

    @Flag(name: .long, help: "Print the status as JSON.")
    public var json: Bool = false

    @Flag(name: .long, help: "Redraw every --interval seconds until the migration has nothing left to do or Ctrl-C.")
    public var watch: Bool = false

    @Option(name: .long, help: ArgumentHelp("Seconds between redraws with --watch.", valueName: "seconds"))
    public var interval: Double = 2

    public init() {}

    public func run() async throws {
        _ = global.makeLogger()
        let folder = URL(fileURLWithPath: workspace)
        guard FileManager.default.fileExists(atPath: folder.appendingPathComponent(Workspace.databaseFileName).path)
        else {
            throw ValidationError(
                "\(folder.path) holds no Ferry workspace (no \(Workspace.databaseFileName)); give the --workspace of a migration"
            )
        }
        let store = try Workspace.open(at: folder)
        repeat {
            let view = try StatusView(ledger: store.ledger, workspace: folder.path)
            if json {
                try Console.printJSON(view)
            } else {
                if watch && Console.standardErrorIsTerminal { Console.print("\u{1B}[2J\u{1B}[H", terminator: "") }
                Console.print(view.text)
            }
            if !watch || (view.pending == 0 && view.inFlight == 0 && view.total > 0) { break }
            try await Task.sleep(for: .seconds(max(interval, 0.2)))
        } while !Task.isCancelled
    }
}

struct StatusView: Encodable {
    struct Space: Encodable {
        var key: String
        var total: Int
        var done: Int
        var pending: Int
        var inFlight: Int
        var failed: Int
        var skipped: Int
        var bytesDone: Int64
        var kinds: [String: [String: Int]]
    }

    struct Failure: Encodable {
        var key: String
        var space: String
        var attempts: Int
        var error: String
    }

    var workspace: String
    var total: Int
    var done: Int
    var pending: Int
    var inFlight: Int
    var failed: Int
    var skipped: Int
    var writesPerSecondLastMinute: Double
    var spaces: [Space]
    var failures: [Failure]

    init(ledger: Ledger, workspace: String) throws {
        self.workspace = workspace
        let tally = try ledger.tally()
        func sum(_ rows: [LedgerTally], _ state: WriteState) -> Int {
            rows.filter { $0.state == state }.map(\.count).reduce(0, +)
        }
        spaces = Dictionary(grouping: tally, by: \.spaceKey).sorted { $0.key < $1.key }.map { key, rows in
            var kinds: [String: [String: Int]] = [:]
            for row in rows { kinds[row.kind.rawValue, default: [:]][row.state.rawValue] = row.count }
            return Space(
                key: key, total: rows.map(\.count).reduce(0, +), done: sum(rows, .done), pending: sum(rows, .planned),
                inFlight: sum(rows, .inFlight), failed: sum(rows, .failed), skipped: sum(rows, .skipped),
                bytesDone: rows.filter { $0.state == .done }.map(\.bytes).reduce(0, +), kinds: kinds)
        }
        total = tally.map(\.count).reduce(0, +)
        done = sum(tally, .done)
        pending = sum(tally, .planned)
        inFlight = sum(tally, .inFlight)
        failed = sum(tally, .failed)
        skipped = sum(tally, .skipped)
        writesPerSecondLastMinute = Double(try ledger.finishedCount(since: Date().timeIntervalSince1970 - 60)) / 60
        failures = try ledger.entries(state: .failed, limit: 50).map {
            Failure(key: $0.key.rawValue, space: $0.spaceKey, attempts: $0.attempts, error: $0.lastError ?? "")
        }
    }

    var text: String {
        guard total > 0 else { return "Workspace \(workspace): nothing planned yet (run ferry migrate)." }
        var lines = [
            "Workspace \(workspace): \(done)/\(total) writes done, \(pending) pending, \(inFlight) in flight, "
                + "\(failed) failed, \(skipped) skipped; \(String(format: "%.1f", writesPerSecondLastMinute)) writes/s over the last minute"
        ]
        let width = max(spaces.map(\.key.count).max() ?? 5, 5)
        lines.append(
            "  " + "space".padding(toLength: width, withPad: " ", startingAt: 0)
                + "   done  total  pending  failed  skipped  uploaded")
        for space in spaces {
            let row = [space.done, space.total, space.pending + space.inFlight, space.failed, space.skipped]
                .enumerated().map { index, value in
                    String(value).leftPadded(to: [6, 6, 8, 7, 8][index])
                }.joined(separator: " ")
            lines.append(
                "  " + space.key.padding(toLength: width, withPad: " ", startingAt: 0) + " " + row + "  "
                    + ProgressReporter.format(bytes: space.bytesDone))
        }
        if !failures.isEmpty {
            lines.append("Failures (retry with ferry migrate --only-failed):")
            for failure in failures.prefix(20) {
                lines.append("  \(failure.key) (\(failure.space), \(failure.attempts) attempts): \(failure.error)")
            }
        }
        return lines.joined(separator: "\n")
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
