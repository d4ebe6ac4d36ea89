public import ArgumentParser
import ConfluenceDataCenter
import ConfluenceExport
import FerryModel
import Foundation
import Logging
import Migration
import Synchronization
import Workspace

/// `ferry migrate`: an export into Cloud, resumable and idempotent.
public struct MigrateCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Migrate an XML export or a live Data Center site into Confluence Cloud (or a twin), resumably.",
        discussion: """
            Stages the export into the workspace (once), plans every target write, and \
            runs them in dependency order with a fixed number of concurrent writers: \
            spaces, page and blog-post skeletons in tree order, attachments (streamed \
            from the export), bodies converted to the Cloud editor's format with links \
            and media resolved, comments, labels, restrictions and space permissions.

            Every write is recorded in the workspace ledger before it is sent and after \
            it is done. Kill the command at any moment and run it again: it reconciles \
            what was in flight against the target and carries on, never creating \
            anything twice. --only-failed retries just the writes that failed.

            --history all replays every historical version of each page and blog post \
            as a Cloud version, oldest first and the current one last, naming the \
            original author and date in each version message; attachment versions are \
            uploaded oldest first as Cloud attachment versions. A workspace keeps the \
            --history of its first run.

            --attachments-only creates the spaces and page skeletons and uploads the \
            attachments, nothing else: run it days before the cut-over to move the \
            bulk of the bytes; the later full run completes the pages and uploads no \
            attachment again.

            --from is an export, or the URL of a live Data Center/Server site \
            (https://wiki.corp.com, with its context path if it has one). Ferry then reads \
            the site through its REST API into the workspace (once; later runs reuse it) \
            and migrates it exactly as it would an export. It sends at most --source-rate \
            requests per second (default 20) with at most --source-concurrency in flight \
            (default 4), so production is never overloaded. Credentials come from \
            FERRY_SOURCE_TOKEN (a personal access token), or FERRY_SOURCE_USER with \
            FERRY_SOURCE_PASSWORD, or token_file under [source] in ferry.toml; never from \
            the command line. Plain http:// is refused except for 127.0.0.1/localhost (a \
            twin) unless --allow-insecure-http is given.

            TARGET is a Cloud site URL (credentials from FERRY_TARGET_EMAIL and \
            FERRY_TARGET_TOKEN), a twin URL, or 'twin' for an in-process twin whose \
            state lives in the workspace. A space whose key already exists in the \
            target is left alone unless --into-existing is given.

            --users applies a reviewed identity mapping (written by ferry users, which \
            also records it in the workspace, so --users may be left out): users marked \
            create are invited to the site, groups created and members added, and \
            mentions, restrictions, space permissions and comment authorship resolve to \
            the mapped Cloud accounts. Every row is checked first; a bad row is reported \
            with its line and nothing is written.

            Example:
              ferry migrate --from site-export.zip --to twin --workspace ./ws
              ferry migrate --from site-export.zip --to twin --workspace ./ws --history all
              ferry migrate --from site-export.zip --to twin --workspace ./ws --attachments-only
              ferry migrate --from site-export.zip --to twin --workspace ./ws --users mapping.csv
              FERRY_SOURCE_TOKEN=... ferry migrate --from https://wiki.corp.com --spaces ENG --to twin --workspace ./ws
              FERRY_TARGET_EMAIL=me@corp.com FERRY_TARGET_TOKEN=... \\
                ferry migrate --from site-export.zip --to https://corp.atlassian.net --workspace ./ws --spaces ENG,OPS
            """
    )

    @OptionGroup public var global: GlobalOptions
    @OptionGroup public var options: ConfigurationOptions

    @Option(
        name: .customLong("from"),
        help: ArgumentHelp(
            "The XML export (a .zip, a folder or an entities.xml), or a Data Center site URL.",
            valueName: "export|url"))
    public var source: String?

    @Option(
        name: .long,
        help: ArgumentHelp("Requests per second sent to a Data Center source (at most).", valueName: "n"))
    public var sourceRate: Double = 20

    @Option(
        name: .long,
        help: ArgumentHelp("Requests in flight to a Data Center source (at most).", valueName: "n"))
    public var sourceConcurrency: Int = 4

    @Flag(
        name: .long,
        help: "Allow a plain http:// Data Center URL that is not on this machine (credentials travel unencrypted).")
    public var allowInsecureHttp: Bool = false

    @Option(
        name: .customLong("to"), help: ArgumentHelp("A Cloud site URL, a twin URL, or 'twin'.", valueName: "target"))
    public var target: String?

    @Option(name: .long, help: ArgumentHelp("Only these space keys (comma-separated).", valueName: "keys"))
    public var spaces: String?

    /// `--history`: the values `MigrationOptions.History` takes.
    public enum HistoryMode: String, ExpressibleByArgument, CaseIterable, Sendable {
        case latest, all
    }

    @Option(
        name: .long,
        help: ArgumentHelp(
            "latest: the current version of each page and attachment; all: every version, oldest first.",
            valueName: "latest|all"))
    public var history: HistoryMode = .latest

    @Flag(
        name: .long,
        help:
            "Only create spaces and page skeletons and upload attachments; a later full run completes the pages without uploading them again."
    )
    public var attachmentsOnly: Bool = false

    @Option(
        name: .long,
        help: ArgumentHelp(
            "The reviewed identity mapping CSV (default: the one ferry users recorded in the workspace).",
            valueName: "mapping.csv"))
    public var users: String?

    @Flag(name: .long, help: "Write into target spaces whose key already exists.")
    public var intoExisting: Bool = false

    @Flag(name: .long, help: "Retry only the writes that failed in earlier runs (and whatever is still pending).")
    public var onlyFailed: Bool = false

    @Flag(name: .long, help: "Print the plan (writes per space and kind, estimated duration) and write nothing.")
    public var dryRun: Bool = false

    @Flag(name: .long, help: "Print the outcome as JSON.")
    public var json: Bool = false

    public init() {}

    public func validate() throws {
        guard sourceRate > 0, sourceRate <= 10_000 else {
            throw ValidationError("--source-rate must be between 0 and 10000.")
        }
        guard (1...64).contains(sourceConcurrency) else {
            throw ValidationError("--source-concurrency must be between 1 and 64.")
        }
    }

    public func run() async throws {
        let logger = global.makeLogger()
        let configuration = try options.load(source: source, target: target, logger: logger)
        guard let source = configuration.source.location?.value else {
            throw ValidationError("give the export with --from (or source.location in ferry.toml)")
        }
        let workspace = try Workspace.open(at: URL(fileURLWithPath: configuration.workspace.value))
        let selected = spaces.map { Set($0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }) }
        let export: ExportPackage
        let recordedSource: String
        if DataCenterSource.isSite(source) {
            let client = try DataCenterSource.client(
                site: source, configuration: configuration, rate: sourceRate, concurrency: sourceConcurrency,
                allowInsecureHTTP: allowInsecureHttp, logger: logger)
            do {
                export = try await DataCenterSource.stage(
                    client: client, workspace: workspace, spaces: selected.map { $0.sorted() },
                    concurrency: sourceConcurrency, history: history == .all, logger: logger)
            } catch {
                try? await client.transport.shutdown()
                throw error
            }
            try? await client.transport.shutdown()
            recordedSource = client.site
        } else {
            export = try SourceStaging.stage(export: URL(fileURLWithPath: source), workspace: workspace, logger: logger)
            recordedSource = URL(fileURLWithPath: source).standardizedFileURL.path
        }
        let mappingPath = users ?? IdentityRecord.read(workspace: workspace.folder)?.mapping
        // Checked before anything is sent: a bad row stops the run with its line number.
        let mapping = try mappingPath.map { try IdentityMappingFile.readMapping(URL(fileURLWithPath: $0)) }
        var migrationOptions = MigrationOptions(
            spaces: selected, concurrency: configuration.concurrency.value,
            history: history == .all ? .all : .latest, intoExisting: intoExisting, onlyFailed: onlyFailed,
            attachmentsOnly: attachmentsOnly)
        if dryRun {
            try printPlan(workspace: workspace, options: migrationOptions)
            return
        }
        guard let targetName = configuration.target.url?.value else {
            throw ValidationError("give the target with --to (a Cloud site URL, a twin URL, or 'twin')")
        }
        let connection = try await TargetConnection.open(
            target: targetName, configuration: configuration, workspace: workspace.folder, logger: logger)
        try MigrationRecord(source: recordedSource, target: targetName).write(workspace.folder)
        var identity: IdentitySummary?
        if let mapping {
            do {
                let application = try await IdentityApplier(
                    client: connection.client, workspace: workspace.folder, logger: logger
                ).apply(mapping, source: try SourceDirectory.load(from: workspace))
                migrationOptions.identities = application.resolved
                identity = IdentitySummary(application, mapping: mappingPath ?? "")
            } catch {
                await connection.close()
                throw error
            }
        }
        var outcome: MigrationOutcome
        do {
            outcome = try await Self.migrate(
                workspace: workspace, export: export, connection: connection, options: migrationOptions, logger: logger
            )
            .marking(attachmentsOnly: attachmentsOnly)
        } catch {
            await connection.close()
            throw error
        }
        await connection.close()
        outcome.identity = identity
        if json {
            try Console.printJSON(outcome)
        } else {
            Console.print(outcome.text)
        }
        if outcome.failed > 0 { throw ExitCode(1) }
    }

    /// Runs a migration with progress, shared by `migrate` and `demo`.
    static func migrate(
        workspace: Workspace, export: ExportPackage, connection: TargetConnection, options: MigrationOptions,
        logger: Logger, showProgress: Bool = true
    ) async throws -> MigrationOutcome {
        let progress = LockedProgress()
        let migrator = Migrator(
            workspace: workspace, export: export, client: connection.client, options: options, logger: logger,
            events: { event in
                switch event {
                case .done(let kind, _, let bytes): progress.advance(kind, bytes: bytes)
                case .skipped(let kind, _), .failed(let kind, _, _): progress.advance(kind)
                }
            })
        // The reported duration covers planning too (it reads every staged body), not staging.
        let started = ContinuousClock.now
        let plan = try migrator.plan()
        // Ctrl-C (or SIGTERM): finish what is in flight, record it, and say how to resume.
        let signals = [SIGINT, SIGTERM].map { number -> any DispatchSourceSignal in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                Console.printError("\nstopping: letting the writes in flight finish (press Ctrl-C again to force)")
                migrator.requestStop()
                signal(number, SIG_DFL)
            }
            source.resume()
            return source
        }
        defer { for source in signals { source.cancel() } }
        var open: [WriteKind: Int] = [:]
        for entry in try workspace.ledger.tally() where entry.state != .done && entry.state != .skipped {
            // Under --attachments-only only spaces, skeletons and attachments are written now.
            if options.attachmentsOnly, MigrationPhase(entry.kind) > .attachments { continue }
            open[entry.kind, default: 0] += entry.count
        }
        progress.start(
            PhaseProgress(
                phases: MigrationPhase.allCases.map { phase in
                    (phase.title, open.filter { MigrationPhase($0.key) == phase }.map(\.value).reduce(0, +))
                }, style: showProgress ? nil : .silent))
        let summary: MigrationSummary
        do {
            summary = try await migrator.run(planned: true)
        } catch MigrationError.interrupted {
            progress.finish()
            let tally = try workspace.ledger.tally()
            let done = tally.filter { $0.state == .done }.map(\.count).reduce(0, +)
            let total = tally.map(\.count).reduce(0, +)
            Console.printError(
                "stopped cleanly: \(done) of \(total) writes done and recorded. Resume with the same ferry migrate command."
            )
            throw ExitCode(130)
        }
        progress.finish()
        var outcome = MigrationOutcome(
            workspace: workspace.folder.path, target: connection.site, plan: plan, summary: summary,
            failures: try workspace.ledger.entries(state: .failed, limit: 20).map {
                MigrationOutcome.Failure(key: $0.key.rawValue, space: $0.spaceKey, error: $0.lastError ?? "")
            })
        let (seconds, attoseconds) = (ContinuousClock.now - started).components
        outcome.seconds = Double(seconds) + Double(attoseconds) / 1e18
        return outcome
    }

    private func printPlan(workspace: Workspace, options: MigrationOptions) throws {
        // Planning records the writes in the ledger (harmless: a later run plans the same keys).
        let plan = try MigrationPlanner(workspace: workspace, options: options).plan()
        let rate = 100.0
        if json {
            try Console.printJSON(
                PlanView(
                    writes: plan.total, estimatedRequests: plan.estimatedRequests, bytes: plan.bytes,
                    estimatedSeconds: Double(plan.estimatedRequests) / rate,
                    spaces: plan.counts.mapValues { $0.reduce(into: [:]) { $0[$1.key.rawValue] = $1.value } }))
            return
        }
        Console.print("Plan (nothing written): \(plan.total) writes, about \(plan.estimatedRequests) requests")
        for (space, kinds) in plan.counts.sorted(by: { $0.key < $1.key }) {
            let parts = kinds.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.key.rawValue) \($0.value)" }
            Console.print("  \(space): " + parts.joined(separator: ", "))
        }
        Console.print(
            "Estimated duration at Cloud's default 100 requests/s: "
                + ProgressReporter.format(seconds: Double(plan.estimatedRequests) / rate))
    }
}

struct PlanView: Encodable {
    var writes: Int
    var estimatedRequests: Int
    var bytes: Int64
    var estimatedSeconds: Double
    var spaces: [String: [String: Int]]
}

/// The progress bars of a migration: one per group of write kinds.
enum MigrationPhase: Int, CaseIterable, Comparable {
    case content, attachments, bodies, comments, labels

    init(_ kind: WriteKind) {
        switch kind {
        case .spaceCreate, .pageCreate, .blogPostCreate, .pageMove, .spaceHomeSet, .contentTrash: self = .content
        case .attachmentUpload: self = .attachments
        case .bodyUpdate, .versionReplay, .propertySet, .contentUpdate: self = .bodies
        case .commentCreate: self = .comments
        case .labelAdd, .labelRemove, .restrictionSet, .spacePermissionAdd: self = .labels
        }
    }

    var title: String {
        switch self {
        case .content: "spaces, pages, blog posts"
        case .attachments: "attachments"
        case .bodies: "bodies and versions"
        case .comments: "comments"
        case .labels: "labels and permissions"
        }
    }

    static func < (left: MigrationPhase, right: MigrationPhase) -> Bool { left.rawValue < right.rawValue }
}

/// The migration's progress, set once the plan's totals are known (events may come from any task).
final class LockedProgress: Sendable {
    private let progress = Mutex<PhaseProgress?>(nil)

    func start(_ value: PhaseProgress) { progress.withLock { $0 = value } }

    func advance(_ kind: WriteKind, bytes: Int64 = 0) {
        progress.withLock { $0 }?.advance(phase: MigrationPhase(kind).rawValue, bytes: bytes)
    }

    func finish() { progress.withLock { $0 }?.finish() }
}

/// What `ferry migrate` prints.
struct MigrationOutcome: Encodable {
    struct Failure: Encodable {
        var key: String
        var space: String
        var error: String
    }

    var workspace: String
    var target: String
    var done: Int
    var skipped: Int
    var failed: Int
    var pending: Int
    var pages: Int
    var requests: Int
    var requestsPerPage: Double
    var responses429: Int
    var seconds: Double
    var failures: [Failure]
    /// Set for `--attachments-only`: the writes left pending are the later full run's.
    var attachmentsOnly = false
    /// What applying the identity mapping did, when one was given.
    var identity: IdentitySummary?

    func marking(attachmentsOnly value: Bool) -> MigrationOutcome {
        var copy = self
        copy.attachmentsOnly = value
        return copy
    }

    init(workspace: String, target: String, plan: MigrationPlan, summary: MigrationSummary, failures: [Failure]) {
        self.workspace = workspace
        self.target = target
        done = summary.count(.done)
        skipped = summary.count(.skipped)
        failed = summary.count(.failed)
        pending = summary.count(.planned) + summary.count(.inFlight)
        pages = summary.count(.done, kind: .pageCreate) + summary.count(.done, kind: .blogPostCreate)
        requests = summary.requests
        requestsPerPage = pages > 0 ? Double(summary.requests) / Double(pages) : 0
        responses429 = summary.responses429
        seconds = summary.seconds
        self.failures = failures
    }

    var text: String {
        var lines = [
            "Migrated into \(target): \(done) writes done, \(skipped) skipped, \(failed) failed, \(pending) pending",
            "  \(pages) pages and blog posts, \(requests) requests (\(String(format: "%.2f", requestsPerPage)) per page), "
                + "\(responses429) answered 429, \(String(format: "%.1f", seconds)) s",
        ]
        for failure in failures { lines.append("  failed \(failure.key) (\(failure.space)): \(failure.error)") }
        if let identity { lines += identity.lines }
        if attachmentsOnly {
            lines.append(
                "Attachments pre-migrated: run ferry migrate without --attachments-only to complete the pages"
                    + " (no attachment is uploaded again).")
        } else if failed > 0 || pending > 0 {
            lines.append(
                "Run the same command again to retry: it resumes where it stopped (--only-failed for failures only).")
        }
        lines.append("Workspace: \(workspace) (ferry status --workspace \(workspace))")
        return lines.joined(separator: "\n")
    }
}

/// What `ferry migrate` did with the identity mapping.
struct IdentitySummary: Encodable {
    var mapping: String
    var mapped: Int
    var invited: [String]
    var pendingInvites: [String]
    var hiddenAccounts: [String]
    var skippedUsers: [String]
    var createdGroups: [String]
    var mergedGroups: [String]
    var membershipsAdded: Int
    var manualAdminGroups: [String: [String]]

    init(_ application: IdentityApplication, mapping: String) {
        self.mapping = mapping
        mapped = application.mapped
        invited = application.invited
        pendingInvites = application.pendingInvites
        hiddenAccounts = application.hiddenAccounts
        skippedUsers = application.skippedUsers.sorted()
        createdGroups = application.createdGroups
        mergedGroups = application.mergedGroups
        membershipsAdded = application.membershipsAdded
        manualAdminGroups = application.manualAdminGroups
    }

    var lines: [String] {
        var lines = [
            "Identity mapping \(mapping): \(mapped) users mapped, \(invited.count) invited, "
                + "\(createdGroups.count) groups created, \(mergedGroups.count) merged, \(membershipsAdded) memberships added"
        ]
        if !pendingInvites.isEmpty {
            lines.append("  invitations not complete yet (run again later): \(pendingInvites.joined(separator: ", "))")
        }
        if !hiddenAccounts.isEmpty {
            lines.append(
                "  already on the site but their email is hidden (map them by accountId): \(hiddenAccounts.joined(separator: ", "))"
            )
        }
        if !skippedUsers.isEmpty {
            lines.append(
                "  skipped users (mentions stay plain text, listed in ferry report): \(skippedUsers.joined(separator: ", "))"
            )
        }
        for (group, members) in manualAdminGroups.sorted(by: { $0.key < $1.key }) {
            lines.append(
                "  blocklisted group \(group) not created; re-add by hand: "
                    + (members.isEmpty ? "no members" : members.joined(separator: ", ")))
        }
        return lines
    }
}
