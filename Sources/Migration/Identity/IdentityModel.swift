/// A user of the source site, as identity checks see it.
public struct SourceUser: Sendable, Hashable, Codable {
    /// Confluence's stable user key (`ConfluenceUserImpl` id), or the username on pre-5.x sites.
    public var key: String
    public var username: String
    public var displayName: String?
    public var email: String?
    public var active: Bool
    /// Pages, blog posts, comments and attachments this user created or last modified.
    public var ownedContent: Int

    public init(
        key: String, username: String, displayName: String? = nil, email: String?, active: Bool = true,
        ownedContent: Int = 0
    ) {
        self.key = key
        self.username = username
        self.displayName = displayName
        self.email = email
        self.active = active
        self.ownedContent = ownedContent
    }
}

/// A group of the source site with its members' user keys.
public struct SourceGroup: Sendable, Hashable, Codable {
    public var name: String
    public var memberKeys: [String]

    public init(name: String, memberKeys: [String]) {
        self.name = name
        self.memberKeys = memberKeys
    }
}

/// A user of the Jira site that shares the identity directory (from its CSV export or REST).
public struct JiraUser: Sendable, Hashable, Codable {
    public var username: String
    public var email: String?
    public var displayName: String?
    public var active: Bool

    public init(username: String, email: String?, displayName: String? = nil, active: Bool = true) {
        self.username = username
        self.email = email
        self.displayName = displayName
        self.active = active
    }
}

/// A group that already exists in the Cloud site, with what membership grants there.
public struct CloudGroup: Sendable, Hashable, Codable {
    public var name: String
    public var id: String?
    /// Human-readable grants: product access, admin roles, space permissions.
    public var grants: [String]

    public init(name: String, id: String? = nil, grants: [String] = []) {
        self.name = name
        self.id = id
        self.grants = grants
    }
}
