/// A body as Cloud stores it: its representation and its text (ADF is JSON text).
public struct ContentBody: Sendable, Hashable, Codable {
    public enum Representation: String, Sendable, Codable {
        case storage
        case atlasDocFormat = "atlas_doc_format"
        case wiki
    }

    public var representation: Representation
    public var value: String

    public init(_ representation: Representation, _ value: String) {
        self.representation = representation
        self.value = value
    }

    public static func storage(_ value: String) -> ContentBody { ContentBody(.storage, value) }
    public static func adf(_ json: String) -> ContentBody { ContentBody(.atlasDocFormat, json) }
}

public struct CloudSpace: Sendable, Hashable, Codable {
    public var id: String
    public var key: String
    public var name: String
    public var homepageId: String?
    public var type: String?
    public var status: String?
}

public struct CloudVersion: Sendable, Hashable, Codable {
    public var number: Int
    public var message: String?
    public var createdAt: String?
}

/// A page or blog post as v2 returns it.
public struct CloudContent: Sendable, Hashable, Codable {
    public var id: String
    public var status: String
    public var title: String
    public var spaceId: String
    public var parentId: String?
    public var position: Int?
    public var version: CloudVersion
    public var body: [String: BodyValue]?

    public struct BodyValue: Sendable, Hashable, Codable {
        public var representation: String?
        public var value: String?
    }

    /// The body text in `representation`, when it was requested.
    public func body(_ representation: ContentBody.Representation) -> String? {
        body?[representation.rawValue]?.value
    }
}

public struct CloudChildPage: Sendable, Hashable, Codable {
    public var id: String
    public var title: String
    public var status: String?
    public var spaceId: String?
    public var childPosition: Int?
}

public struct CloudComment: Sendable, Hashable, Codable {
    public var id: String
    public var status: String?
    public var pageId: String?
    public var blogPostId: String?
    public var parentCommentId: String?
    public var version: CloudVersion?
    public var body: [String: CloudContent.BodyValue]?
    public var resolutionStatus: String?
}

public struct CloudLabel: Sendable, Hashable, Codable {
    public var id: String?
    public var name: String
    public var prefix: String?

    public init(name: String, prefix: String = "global") {
        self.id = nil
        self.name = name
        self.prefix = prefix
    }
}

/// An attachment, with the ids Cloud's editor needs: `fileId` (referenced from ADF
/// media nodes) and `collectionName` (`contentId-<container id>`).
public struct CloudAttachment: Sendable, Hashable {
    public var id: String
    public var title: String
    public var containerId: String
    public var mediaType: String
    public var fileSize: Int
    public var fileId: String
    public var collectionName: String
    public var version: Int
    public var downloadPath: String?
}

public struct CloudProperty: Sendable, Hashable, Codable {
    public var id: String
    public var key: String
    /// The value as JSON text.
    public var valueJSON: String
    public var version: Int
}

public struct CloudRestriction: Sendable, Hashable {
    public var operation: String
    public var userAccountIds: [String]
    public var groupNames: [String]

    public init(operation: String, userAccountIds: [String] = [], groupNames: [String] = []) {
        self.operation = operation
        self.userAccountIds = userAccountIds
        self.groupNames = groupNames
    }
}

public struct CloudSpacePermission: Sendable, Hashable {
    public enum SubjectType: String, Sendable { case user, group }
    public var subjectType: SubjectType
    public var identifier: String
    public var operation: String
    public var target: String

    public init(subjectType: SubjectType, identifier: String, operation: String, target: String) {
        self.subjectType = subjectType
        self.identifier = identifier
        self.operation = operation
        self.target = target
    }
}

public struct CloudMigratedUser: Sendable, Hashable, Codable {
    public var username: String?
    public var key: String?
    public var accountId: String
}

public struct CloudUser: Sendable, Hashable, Codable {
    public var accountId: String
    public var email: String?
    public var displayName: String?
}

/// Where `PUT /content/{id}/move/{position}/{targetId}` puts a page.
public enum MovePosition: String, Sendable {
    /// A sibling just before the target.
    case before
    /// A sibling just after the target.
    case after
    /// The last child of the target.
    case append
}

/// What a comment hangs off.
public enum CommentContainer: Sendable, Hashable {
    case page(String)
    case blogPost(String)
    case reply(to: String)
}
