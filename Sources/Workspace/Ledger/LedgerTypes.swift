/// The idempotency key of one target write: the same source object, kind of write and
/// version always produce the same key, so a rerun finds the write it already made.
///
/// Format: `<kind>/<source id>[/<discriminator>]`, for example `page.create/98311`,
/// `attachment.upload/884737/v2`, `label.add/98311/release-notes`.
public struct WriteKey: Hashable, Sendable, Codable, Comparable, CustomStringConvertible {
    public let rawValue: String

    public init(kind: WriteKind, sourceId: String, discriminator: String? = nil) {
        rawValue = [kind.rawValue, sourceId, discriminator].compactMap { $0 }.joined(separator: "/")
    }

    public init(rawValue: String) {
        self.rawValue = rawValue
    }

    public var description: String { rawValue }

    public static func < (lhs: WriteKey, rhs: WriteKey) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// What a write does on the target. The order of cases is the order in which a space's
/// writes become possible (a page must exist before its attachments, and so on).
public enum WriteKind: String, Sendable, Codable, CaseIterable {
    case spaceCreate = "space.create"
    case pageCreate = "page.create"
    case blogPostCreate = "blogpost.create"
    case attachmentUpload = "attachment.upload"
    case bodyUpdate = "body.update"
    case versionReplay = "version.replay"
    case commentCreate = "comment.create"
    case labelAdd = "label.add"
    case propertySet = "property.set"
    case restrictionSet = "restriction.set"
    case spacePermissionAdd = "space-permission.add"
    case pageMove = "page.move"
    case spaceHomeSet = "space.home"
    /// `ferry sync`: a changed title or body written as a new Cloud version.
    case contentUpdate = "content.update"
    /// `ferry sync`: content deleted in the source moved to the Cloud trash.
    case contentTrash = "content.trash"
    /// `ferry sync`: labels removed in the source removed in Cloud.
    case labelRemove = "label.remove"

    /// Whether the write creates an object on the target that `ferry wipe` must delete.
    public var createsTargetObject: Bool {
        switch self {
        case .spaceCreate, .pageCreate, .blogPostCreate, .attachmentUpload, .commentCreate: true
        default: false
        }
    }
}

/// Where a write stands. `inFlight` means the intent was recorded and the request may
/// or may not have reached the target: a restart must reconcile it before retrying.
public enum WriteState: String, Sendable, Codable, CaseIterable {
    case planned
    case inFlight = "in_flight"
    case done
    case failed
    case skipped
}

/// A write the planner wants made.
public struct PlannedWrite: Sendable, Equatable {
    public var key: WriteKey
    public var kind: WriteKind
    public var spaceKey: String
    public var sourceId: String
    /// Bytes the write sends (attachment size), for progress and estimates.
    public var bytes: Int64

    public init(key: WriteKey, kind: WriteKind, spaceKey: String, sourceId: String, bytes: Int64 = 0) {
        self.key = key
        self.kind = kind
        self.spaceKey = spaceKey
        self.sourceId = sourceId
        self.bytes = bytes
    }

    public init(kind: WriteKind, spaceKey: String, sourceId: String, discriminator: String? = nil, bytes: Int64 = 0) {
        self.init(
            key: WriteKey(kind: kind, sourceId: sourceId, discriminator: discriminator), kind: kind,
            spaceKey: spaceKey, sourceId: sourceId, bytes: bytes)
    }
}

/// One row of the ledger.
public struct LedgerEntry: Sendable, Equatable {
    public var key: WriteKey
    public var kind: WriteKind
    public var spaceKey: String
    public var sourceId: String
    public var state: WriteState
    public var targetId: String?
    public var attempts: Int
    public var lastError: String?
    public var bytes: Int64
    public var detail: String?
}

/// Something the report must show about one source object (a degraded conversion,
/// an unresolved reference, a permission Cloud cannot take).
public struct LedgerNote: Sendable, Equatable, Codable {
    public var spaceKey: String
    public var sourceId: String
    /// `degraded`, `skipped`, `unresolved`, `known-limit`, ...
    public var kind: String
    public var code: String
    public var message: String
}

/// Counts per space, kind and state, for `ferry status` and reports.
public struct LedgerTally: Sendable, Equatable, Hashable {
    public var spaceKey: String
    public var kind: WriteKind
    public var state: WriteState
    public var count: Int
    public var bytes: Int64

    public init(spaceKey: String, kind: WriteKind, state: WriteState, count: Int, bytes: Int64) {
        self.spaceKey = spaceKey
        self.kind = kind
        self.state = state
        self.count = count
        self.bytes = bytes
    }
}
