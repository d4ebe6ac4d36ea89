public import FerryModel
import Foundation

/// How a `ferry sync` pass behaves.
public struct SyncOptions: Sendable {
    /// Apply a pass even when the mass-deletion guard trips.
    public var allowMassDelete: Bool
    /// Overwrite pages edited in Cloud since Ferry wrote them (otherwise: a conflict, left alone).
    public var sourceWins: Bool
    /// Concurrent requests for the conflict checks.
    public var concurrency: Int
    /// The guard trips when at least this many pages and blog posts of a space vanish …
    public var massDeleteMinimum: Int
    /// … and they are at least this fraction of the space.
    public var massDeleteFraction: Double

    public init(
        allowMassDelete: Bool = false, sourceWins: Bool = false, concurrency: Int = 8, massDeleteMinimum: Int = 20,
        massDeleteFraction: Double = 0.8
    ) {
        self.allowMassDelete = allowMassDelete
        self.sourceWins = sourceWins
        self.concurrency = concurrency
        self.massDeleteMinimum = massDeleteMinimum
        self.massDeleteFraction = massDeleteFraction
    }
}

/// The kinds of change a pass carries over, as counted in its outcome.
public enum SyncChangeKind: String, Sendable, Codable, CaseIterable {
    case created
    case updated
    case renamed
    case moved
    case deleted
    case restrictions
    case attachments
    case attachmentVersions = "attachment-versions"
    case comments
    case labels
}

/// A page edited in Cloud since Ferry last wrote it.
public struct SyncConflict: Sendable, Codable, Equatable {
    public var space: String
    public var sourceId: String
    public var title: String
    public var targetId: String
    /// The Cloud version Ferry's last write left.
    public var expectedVersion: Int?
    /// The Cloud version found now (`nil`: the page is gone from Cloud).
    public var foundVersion: Int?
    /// `left alone`, or `overwritten` under `--source-wins`.
    public var resolution: String
}

/// Time from a change in the source to its arrival in Cloud.
public struct SyncLag: Sendable, Codable, Equatable {
    public var samples: Int
    public var maxSeconds: Double?
    public var medianSeconds: Double?

    static func of(_ values: [Double]) -> SyncLag {
        let sorted = values.sorted()
        guard let last = sorted.last else { return SyncLag(samples: 0, maxSeconds: nil, medianSeconds: nil) }
        return SyncLag(samples: sorted.count, maxSeconds: last, medianSeconds: sorted[sorted.count / 2])
    }
}

/// What one pass did.
public struct SyncOutcome: Sendable, Codable {
    public struct Failure: Sendable, Codable {
        public var key: String
        public var space: String
        public var error: String
    }

    public var pass: Int
    public var resumed: Bool
    /// The frozen query time: source changes up to this moment are in this pass.
    public var queryTime: String
    /// Change counts per space and kind.
    public var spaces: [String: [String: Int]]
    public var totals: [String: Int]
    public var conflicts: [SyncConflict]
    public var failed: Int
    public var failures: [Failure]
    public var lag: SyncLag
    /// Requests sent to Cloud during the pass.
    public var requests: Int
    public var seconds: Double
    /// How the source was read for this pass (set by the caller that read it).
    public var source: SourceRead?

    public var changes: Int { totals.values.reduce(0, +) }

    /// How a pass read its source.
    public struct SourceRead: Sendable, Codable, Equatable {
        /// `delta` (CQL window and inventory listing of a Data Center site), `full` (the
        /// site read again in full), `export` (an export staged again) or `staged` (a
        /// resumed pass reusing what it read before).
        public var mode: String
        /// Requests sent to the source (a Data Center site) while reading it.
        public var requests: Int?
        /// The start of the CQL window (the previous pass's frozen time less the overlap).
        public var since: String?
        /// Pages and blog posts read again with everything they bring.
        public var restaged: Int?
        /// Pages and blog posts gone from the source, removed from the staging.
        public var removed: Int?

        public init(
            mode: String, requests: Int? = nil, since: String? = nil, restaged: Int? = nil, removed: Int? = nil
        ) {
            self.mode = mode
            self.requests = requests
            self.since = since
            self.restaged = restaged
            self.removed = removed
        }
    }
}

/// A sync pass that cannot run.
public enum SyncError: FerryError, Equatable {
    case massDeletion(space: String, vanished: Int, total: Int)
    case spaceVanished(space: String, pages: Int)
    case cutOver(at: String)
    case historyAll
    case notMigrated(workspace: String)

    public var summary: String {
        switch self {
        case .massDeletion(let space, let vanished, let total):
            "mass-deletion guard: \(vanished) of \(total) pages and blog posts of space \(space) vanished from the source; nothing was written"
        case .spaceVanished(let space, let pages):
            "mass-deletion guard: space \(space) (\(pages) migrated pages and blog posts) is no longer in the source; nothing was written"
        case .cutOver(let at): "this workspace was cut over at \(at); it takes no more sync passes"
        case .historyAll:
            "this workspace was migrated with --history all; ferry sync carries over current versions only"
        case .notMigrated(let workspace): "\(workspace) holds no finished migration to keep in sync"
        }
    }

    public var remedy: String? {
        switch self {
        case .massDeletion, .spaceVanished:
            "check the source (a partial export, a space archived by mistake); if the deletions are intended, run again with --allow-mass-delete"
        case .cutOver: "the source is no longer synced after a cut-over; start a new workspace for a new migration"
        case .historyAll: "re-run ferry migrate --history all with a fresh export to bring the history across"
        case .notMigrated: "run ferry migrate with this --workspace first"
        }
    }
}
