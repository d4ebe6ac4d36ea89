/// What the Data Center REST API v1 returns, decoded leniently: every field optional,
/// so a version that leaves one out is read, not refused.
public struct DCUserRef: Decodable, Sendable, Equatable {
    public var type: String?
    public var username: String?
    public var userKey: String?
    public var displayName: String?
    public var email: String?
}

public struct DCVersionRef: Decodable, Sendable, Equatable {
    public var by: DCUserRef?
    public var when: String?
    public var message: String?
    public var number: Int?
    public var minorEdit: Bool?
}

public struct DCHistoryRef: Decodable, Sendable, Equatable {
    public var createdBy: DCUserRef?
    public var createdDate: String?
}

public struct DCSpaceRef: Decodable, Sendable, Equatable {
    public var id: Int?
    public var key: String?
    public var name: String?
    public var type: String?
    public var status: String?
    public var homepage: DCIDRef?
}

public struct DCIDRef: Decodable, Sendable, Equatable {
    public var id: String?
    public var type: String?
    public var title: String?
}

public struct DCStorage: Decodable, Sendable, Equatable {
    public var value: String?
}

public struct DCBody: Decodable, Sendable, Equatable {
    public var storage: DCStorage?
}

public struct DCLabelRef: Decodable, Sendable, Equatable {
    public var id: String?
    public var name: String?
    public var prefix: String?
}

public struct DCExtensions: Decodable, Sendable, Equatable {
    public struct Inline: Decodable, Sendable, Equatable {
        public var markerRef: String?
        public var originalSelection: String?
    }

    public struct Resolution: Decodable, Sendable, Equatable {
        public var status: String?
    }

    public var location: String?
    public var position: Int?
    public var mediaType: String?
    public var fileSize: Int64?
    public var comment: String?
    public var inlineProperties: Inline?
    public var resolution: Resolution?
}

/// A page, blog post, comment or attachment.
public struct DCContent: Decodable, Sendable, Equatable {
    public struct Links: Decodable, Sendable, Equatable {
        public var download: String?
        public var webui: String?
    }

    public var id: String
    public var type: String?
    public var status: String?
    public var title: String?
    public var space: DCSpaceRef?
    public var version: DCVersionRef?
    public var history: DCHistoryRef?
    public var ancestors: [DCIDRef]?
    public var position: Int?
    public var container: DCIDRef?
    public var body: DCBody?
    public var extensions: DCExtensions?
    /// Present when listed with the `restrictions.read.restrictions.user` (etc.) expansion.
    public var restrictions: DCRestrictionExpansion?
    /// Present when listed with the `metadata.labels` expansion.
    public var metadata: DCMetadata?
    public var _links: Links?

    /// The direct parent (the last ancestor).
    public var parentID: String? { ancestors?.last?.id }
    public var storage: String { body?.storage?.value ?? "" }
}

/// One page of a start/limit listing, or of a scan.
struct DCPage<Item: Decodable & Sendable>: Decodable, Sendable {
    struct Links: Decodable, Sendable {
        var next: String?
    }

    var results: [Item]
    var start: Int?
    var limit: Int?
    var size: Int?
    var nextCursor: String?
    var _links: Links?
}

public struct DCGroupRef: Decodable, Sendable, Equatable {
    public var name: String?
}

struct DCRestrictionList: Decodable, Sendable {
    struct Restrictions: Decodable, Sendable {
        var user: DCPage<DCUserRef>?
        var group: DCPage<DCGroupRef>?
    }

    var operation: String?
    var restrictions: Restrictions?
}

/// One entry of `GET /rest/api/space/{key}/permissions` (9.1+).
struct DCRESTSpacePermission: Decodable, Sendable {
    struct Operation: Decodable, Sendable {
        var operationKey: String?
        var targetType: String?
    }

    struct Subject: Decodable, Sendable {
        var type: String?
        var name: String?
        var userKey: String?
        var username: String?
    }

    var operation: Operation?
    var subject: Subject?
}

/// One set of JSON-RPC `getSpacePermissionSets`.
struct DCRPCPermissionSet: Decodable, Sendable {
    struct Entry: Decodable, Sendable {
        var type: String?
        var groupName: String?
        var userName: String?
    }

    var type: String?
    var spacePermissions: [Entry]?
}

/// A space permission as Ferry stages it: the export's permission type and its subject.
public struct DCSpacePermissionGrant: Sendable, Equatable, Codable {
    public var type: String
    public var groupName: String?
    public var userKey: String?
    public var userName: String?
    public var anonymous: Bool
}

/// A content restriction: `read` or `update`, users (keys) and groups.
public struct DCRestrictionGrant: Sendable, Equatable, Codable {
    public var operation: String
    public var userKeys: [String]
    public var userNames: [String]
    public var groups: [String]
}

/// The `metadata` expansion of content: its labels.
public struct DCMetadata: Decodable, Sendable, Equatable {
    public struct Labels: Decodable, Sendable, Equatable {
        public var results: [DCLabelRef]?
    }

    public var labels: Labels?

    /// The labels as Ferry stages them: `name` for global ones, `prefix:name` otherwise.
    public var labelNames: [String]? {
        labels.map { list in
            (list.results ?? []).compactMap { label in
                guard let name = label.name else { return nil }
                let prefix = label.prefix ?? "global"
                return prefix == "global" ? name : "\(prefix):\(name)"
            }
        }
    }
}

/// A content's restrictions as the `restrictions.*` expansion lists them, read into grants.
public struct DCRestrictionExpansion: Decodable, Sendable, Equatable {
    public var grants: [DCRestrictionGrant]

    public init(from decoder: any Decoder) throws {
        let byOperation = try [String: DCRestrictionList](from: decoder)
        grants = DCRestrictionGrant.grants(byOperation)
    }
}

extension DCRestrictionGrant {
    /// The non-empty grants of a `{"read": {...}, "update": {...}}` object, by operation.
    static func grants(_ byOperation: [String: DCRestrictionList]) -> [DCRestrictionGrant] {
        byOperation.keys.sorted().compactMap { operation in
            guard let list = byOperation[operation]?.restrictions else { return nil }
            let users = list.user?.results ?? []
            let groups = (list.group?.results ?? []).compactMap(\.name)
            guard !users.isEmpty || !groups.isEmpty else { return nil }
            return DCRestrictionGrant(
                operation: operation, userKeys: users.compactMap(\.userKey), userNames: users.compactMap(\.username),
                groups: groups)
        }
    }
}

/// What `ferry sync` compares between passes: one page or blog post.
public struct DCInventoryItem: Sendable, Equatable, Codable {
    public var id: String
    public var type: String
    public var parentID: String?
    public var position: Int?
    public var title: String
    public var version: Int
    public var lastModified: String?
    /// A SHA-256 (hex) of the sorted read/update restrictions; equal hashes mean equal restrictions.
    public var restrictionHash: String?
    /// The restrictions themselves (when read).
    public var restrictions: [DCRestrictionGrant]?
    /// The labels (`name`, or `prefix:name` outside the global namespace), when listed
    /// with the `metadata.labels` expansion.
    public var labels: [String]?
}

/// An installed app reported by UPM (`/rest/plugins/1.0/`).
public struct DCInstalledApp: Sendable, Equatable, Codable {
    public var key: String
    public var name: String?
    public var version: String?
    public var enabled: Bool?
    public var userInstalled: Bool?
}

struct DCPluginList: Decodable, Sendable {
    var plugins: [DCInstalledApp]
}

/// A job of the backup and restore API (`JobDetails` in the Data Center REST spec).
public struct DCBackupJob: Sendable, Equatable, Decodable {
    public var id: Int64
    public var jobState: String
    public var fileName: String?
    public var fileExists: Bool?
    public var errorMessage: String?
    public var owner: String?

    /// FINISHED, FAILED or CANCELLED: the job will not change any more.
    public var isOver: Bool { ["FINISHED", "FAILED", "CANCELLED"].contains(jobState) }
}

struct DCBackupJobList: Decodable, Sendable {
    var results: [DCBackupJob]
}
