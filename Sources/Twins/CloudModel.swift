import Foundation

/// The kinds of content the twin stores in its content table.
public enum ContentKind: String, Codable, Sendable {
    case page, blogpost
}

struct SpaceRecord: Codable, Sendable {
    var id: Int
    var key: String
    var name: String
    var description: String
    var type: String
    var status: String
    var homepageId: Int
    var createdAt: String
    var authorId: String
}

struct ContentRecord: Codable, Sendable {
    var id: Int
    var kind: ContentKind
    var spaceId: Int
    var parentId: Int?
    var title: String
    var status: String
    var version: Int
    var versionMessage: String
    var minorEdit: Bool
    var createdAt: String
    var updatedAt: String
    var representation: String
    var value: String
    var position: Int
    var authorId: String
    var ownerId: String
}

struct CommentRecord: Codable, Sendable {
    var id: Int
    /// "footer" or "inline".
    var location: String
    var containerId: Int
    var containerKind: ContentKind
    var parentCommentId: Int?
    var representation: String
    var value: String
    var version: Int
    var createdAt: String
    var textSelection: String?
    var textSelectionMatchCount: Int?
    var textSelectionMatchIndex: Int?
    var resolutionStatus: String?
}

struct AttachmentVersion: Codable, Sendable {
    var number: Int
    var fileId: String
    var fileSize: Int64
    var sha256: String
    var createdAt: String
    var comment: String
}

struct AttachmentRecord: Codable, Sendable {
    var id: Int
    var containerId: Int
    var containerKind: ContentKind
    var title: String
    var mediaType: String
    var versions: [AttachmentVersion]

    var current: AttachmentVersion {
        versions.last ?? AttachmentVersion(number: 1, fileId: "", fileSize: 0, sha256: "", createdAt: "", comment: "")
    }
    var displayId: String { "att\(id)" }
}

struct LabelRecord: Codable, Sendable {
    var id: Int
    var labelId: Int
    var containerId: Int
    var prefix: String
    var name: String
}

struct PropertyRecord: Codable, Sendable {
    var id: Int
    var containerId: Int
    /// "page", "blogpost", "space", "comment", "attachment".
    var containerType: String
    var key: String
    var value: JSONValue
    var version: Int
}

struct RestrictionRecord: Codable, Sendable {
    var id: Int
    var contentId: Int
    var operation: String
    var users: [String]
    var groups: [String]
}

struct PermissionRecord: Codable, Sendable {
    var id: Int
    var spaceId: Int
    var subjectType: String
    var identifier: String
    var operationKey: String
    var target: String
}

struct UserRecord: Codable, Sendable {
    var accountId: String
    var email: String
    var displayName: String
    var username: String?
    var userKey: String?
    /// Set for accounts created by `POST /wiki/api/v2/user/access/invite-by-email`.
    var invited: Bool?
}

/// A Cloud user group and its members' account ids.
struct GroupRecord: Codable, Sendable {
    var id: Int
    var name: String
    var members: [String]
}

enum Timestamp {
    static func now() -> String {
        Date().formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}
