public import ConfluenceCloud
public import ConfluenceExport
import FerryModel
import Foundation
public import Logging
import StorageFormat
import Synchronization
import Transport
public import Workspace

/// Moves staged spaces into a Cloud site (or twin), recording every write in the
/// workspace ledger so a run can be killed anywhere and rerun without duplicating or
/// losing anything.
///
/// Writes run in dependency order through a ready queue (see `Migrator+Schedule.swift`):
/// a fixed pool of ``MigrationOptions/concurrency`` workers takes any write whose
/// dependencies are done, across spaces and tree levels. First stage: spaces → page
/// skeletons (a page once its parent and previous sibling exist) and blog posts → each
/// one's attachments (every version, oldest first, under `--history all`) as soon as it
/// exists. Second stage, once every page and file exists (a body may link to any of them):
/// bodies that reference other content (or the historical versions under `--history all`),
/// comments (parents before replies), labels, restrictions and space permissions.
/// `--attachments-only` stops after the first stage. Threads do not grow with the site.
public final class Migrator: Sendable {
    public let workspace: Workspace
    public let export: ExportPackage
    public let client: ConfluenceCloudClient
    public let options: MigrationOptions
    let logger: Logger
    let events: (@Sendable (MigrationEvent) -> Void)?
    let ledger: Ledger
    /// Set by ``requestStop()`` (Ctrl-C): no new write starts, writes in flight finish.
    let stopRequested = Mutex(false)
    /// The migrating account's id, fetched once (see ``migratingAccount()``).
    let account = Mutex<String?>(nil)
    /// Page work parked until the write it waits for (a create or an upload) finishes,
    /// by that write's key, and the units released since the scheduler last looked.
    let parked = Mutex(ParkedWork())
    /// Source user key or username → Cloud account, from the identity mapping, for mentions.
    let mentionUsers: [String: ConversionContext.User]
    /// The content property every created page and blog post carries.
    public static let sourcePropertyKey = "ferry.source"

    public init(
        workspace: Workspace, export: ExportPackage, client: ConfluenceCloudClient, options: MigrationOptions,
        logger: Logger, events: (@Sendable (MigrationEvent) -> Void)? = nil
    ) {
        self.workspace = workspace
        self.export = export
        self.client = client
        self.options = options
        self.logger = logger
        self.events = events
        self.ledger = workspace.ledger
        var mentionUsers: [String: ConversionContext.User] = [:]
        if let identities = options.identities {
            for (name, accountId) in identities.accounts {
                mentionUsers[name] = ConversionContext.User(
                    accountId: accountId, displayName: identities.displayNames[name])
            }
        }
        self.mentionUsers = mentionUsers
    }

    /// Asks the run to stop gracefully: writes already sent finish and are recorded, no
    /// new write starts, and ``run()`` throws ``MigrationError/interrupted``.
    public func requestStop() {
        stopRequested.withLock { $0 = true }
    }

    var isStopping: Bool { stopRequested.withLock { $0 } }

    // MARK: - planning

    /// The spaces of the source this run covers.
    public func selectedSpaces() throws -> [Workspace.SpaceInfo] {
        try MigrationPlanner(workspace: workspace, options: options).selectedSpaces()
    }

    /// Records every write the selected spaces need; see ``MigrationPlanner``.
    @discardableResult
    public func plan() throws -> MigrationPlan {
        try MigrationPlanner(workspace: workspace, options: options).plan()
    }

    /// Whether a storage body points at other content (pages, attachments, users), which
    /// only exist in Cloud once created: such a page is created first and its body written later.
    static func hasReferences(_ body: String) -> Bool {
        MigrationPlanner.hasReferences(body)
    }

    // MARK: - running

    /// Plans, reconciles what a previous run left in flight, and runs every phase.
    /// `planned`: the caller already ran ``plan()`` (planning reads every staged body, so
    /// it is done once per command).
    public func run(planned: Bool = false) async throws -> MigrationSummary {
        let started = ContinuousClock.now
        let before = client.transportStatistics
        if !planned { try plan() }
        if options.onlyFailed {
            let spaces = Set(try selectedSpaces().compactMap(\.key))
            try ledger.retryFailed(spaces: spaces)
        }
        let reconciled = try ledger.requeueInFlight()
        if reconciled > 0 {
            logger.info(
                "found writes left in flight by an earlier run; each is checked against the target before it is sent again",
                metadata: ["writes": "\(reconciled)"])
        }
        let spaces = try selectedSpaces()
        let scratch = workspace.folder.appendingPathComponent("scratch")
        try await runScheduled(spaces, scratch: scratch)
        if isStopping { throw MigrationError.interrupted }
        try? FileManager.default.removeItem(at: scratch)
        let after = client.transportStatistics
        let tally = try ledger.tally().filter { entry in spaces.contains { $0.key == entry.spaceKey } }
        return MigrationSummary(
            tally: tally, requests: after.requests - before.requests,
            responses429: after.responses429 - before.responses429,
            seconds: (ContinuousClock.now - started).seconds)
    }

    // MARK: - write plumbing

    /// Runs one write under the ledger's protocol: intent, request(s), done or failed.
    /// `attempted` tells the body that an earlier attempt may have reached the target.
    func perform(
        _ kind: WriteKind, space: String, sourceId: String, discriminator: String? = nil,
        _ body: (_ attempted: Bool) async throws -> (targetId: String?, detail: String?)
    ) async throws {
        let key = WriteKey(kind: kind, sourceId: sourceId, discriminator: discriminator)
        guard !isStopping, let entry = try ledger.beginIfPlanned(key) else { return }
        // Whatever happens to this write, work parked on it may go on (or see it failed).
        defer { release(waitingOn: key) }
        do {
            let result = try await body(entry.attempts > 0)
            try ledger.complete(key, targetId: result.targetId, detail: result.detail)
            events?(.done(kind: kind, space: space, bytes: entry.bytes))
        } catch is CancellationError {
            // Left in flight on purpose: the next run reconciles it before sending again.
            throw CancellationError()
        } catch let skip as SkipWrite {
            try ledger.skip(key, reason: skip.reason)
            try ledger.note(
                spaceKey: space, sourceId: sourceId, kind: "skipped", code: kind.rawValue, message: skip.reason)
            events?(.skipped(kind: kind, space: space))
        } catch {
            let permanent = Self.isPermanent(error)
            let message = "\(error)"
            try ledger.fail(key, error: message, permanent: permanent)
            events?(.failed(kind: kind, space: space, message: message))
            logger.warning("\(kind.rawValue) \(sourceId) in \(space) failed: \(message)")
        }
    }

    static func isPermanent(_ error: any Error) -> Bool {
        if let cloud = error as? CloudError {
            switch cloud {
            case .rejected(_, let status, _): return status != 429 && status < 500
            case .notFound, .malformedResponse: return true
            case .versionConflict, .unresolved: return false
            }
        }
        if error is ExportError || error is MigrationError { return true }
        return false
    }

    func targetId(_ kind: WriteKind, _ sourceId: String) throws -> String? {
        try ledger.result(WriteKey(kind: kind, sourceId: sourceId))?.targetId
    }
}

/// Thrown by a write that must not be made, with the reason the report shows.
struct SkipWrite: Error {
    var reason: String
}

/// Progress of a migration, for the progress bar and `ferry status`.
public enum MigrationEvent: Sendable {
    case done(kind: WriteKind, space: String, bytes: Int64)
    case skipped(kind: WriteKind, space: String)
    case failed(kind: WriteKind, space: String, message: String)
}

/// What `plan()` recorded: writes per space and kind.
public struct MigrationPlan: Sendable, Equatable {
    public private(set) var counts: [String: [WriteKind: Int]] = [:]
    public private(set) var bytes: Int64 = 0

    mutating func add(_ write: PlannedWrite) {
        counts[write.spaceKey, default: [:]][write.kind, default: 0] += 1
        bytes += write.bytes
    }

    public var total: Int { counts.values.flatMap(\.values).reduce(0, +) }

    /// Requests the plan needs at least: creates of pages and blog posts also set their
    /// `ferry.source` property; everything else is one request.
    public var estimatedRequests: Int {
        var requests = 0
        for kinds in counts.values {
            for (kind, count) in kinds {
                requests += (kind == .pageCreate || kind == .blogPostCreate) ? 2 * count : count
            }
        }
        return requests
    }
}

/// The outcome of one `run()`.
public struct MigrationSummary: Sendable {
    public var tally: [LedgerTally]
    public var requests: Int
    public var responses429: Int
    public var seconds: Double

    public func count(_ state: WriteState, kind: WriteKind? = nil) -> Int {
        tally.filter { $0.state == state && (kind == nil || $0.kind == kind) }.map(\.count).reduce(0, +)
    }
}

extension Duration {
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
