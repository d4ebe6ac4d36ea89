import GRDB

/// Read access to staged data for the stages after staging (conversion, transport).
/// Every query reads from disk; nothing is cached in memory.
extension Workspace {
    public struct SpaceInfo: Sendable, Equatable, Codable {
        public var id: String
        public var key: String?
        public var name: String?
        public var type: String?
        public var status: String?
        public var homePageID: String?
    }

    public struct PageInfo: Sendable, Equatable, Codable {
        public var id: String
        public var className: String
        public var title: String?
        public var parentID: String?
        public var position: Int64?
        public var version: Int64?
        /// Depth in the tree: 0 for top-level pages (blog posts are always 0).
        public var depth: Int
        public var creator: String?
        public var created: String?
    }

    public struct BodyInfo: Sendable, Equatable {
        public var id: String
        public var contentID: String
        public var bodyType: Int64?
        public var body: String
    }

    public struct AttachmentInfo: Sendable, Equatable, Codable {
        public var id: String
        public var title: String?
        public var version: Int64?
        public var mediaType: String?
        public var fileSize: Int64?
        /// `attachments/<container>/<attachment>/<version>` inside the export, or nil when missing.
        public var path: String?
        /// True for the current revision; false for older versions.
        public var isCurrent: Bool
        /// For an older version, the id of the current one (the file it is a version of).
        public var originalID: String?
    }

    public struct CommentInfo: Sendable, Equatable, Codable {
        public var id: String
        public var parentID: String?
        public var inline: Bool
        public var creator: String?
        public var created: String?
    }

    public struct UserInfo: Sendable, Equatable, Codable {
        public var className: String
        public var id: String
        public var name: String?
        public var email: String?
        public var displayName: String?
        public var accountID: String?
    }

    public struct GroupInfo: Sendable, Equatable, Codable {
        public var className: String
        public var id: String
        public var name: String?
    }

    public struct MembershipInfo: Sendable, Equatable, Codable {
        public var groupName: String?
        public var userName: String?
        public var childGroupName: String?
    }

    public struct PermissionInfo: Sendable, Equatable, Codable {
        public var type: String?
        public var groupName: String?
        public var userKey: String?
        public var userName: String?
        public var allUsers: String?
    }

    public func spaces() throws -> [SpaceInfo] {
        try database.read { db in
            try Row.fetchAll(
                db, sql: "SELECT id, key, name, type, status, home_page_id FROM staged_spaces ORDER BY key, id"
            ).map {
                SpaceInfo(
                    id: $0["id"], key: $0["key"], name: $0["name"], type: $0["type"], status: $0["status"],
                    homePageID: $0["home_page_id"])
            }
        }
    }

    /// Current pages of a space in tree order: the home page first, then depth first,
    /// siblings by position (unpositioned ones after, by title).
    public func pages(spaceKey: String) throws -> [PageInfo] {
        try database.read { db in
            try Row.fetchAll(
                db.cachedStatement(
                    sql: """
                        WITH RECURSIVE
                          space AS (SELECT id, home_page_id FROM staged_spaces WHERE key = ?),
                          current AS (
                            SELECT c.* FROM staged_content c JOIN space s ON s.id = c.effective_space_id
                            WHERE c.class = 'Page' AND c.original_id IS NULL AND COALESCE(c.status, 'current') = 'current'),
                          tree(id, depth, path) AS (
                            SELECT c.id, 0,
                                   printf('%d%020d%s', CASE WHEN c.id = (SELECT home_page_id FROM space) THEN 0 ELSE 1 END,
                                          COALESCE(c.position, 99999999999), COALESCE(lower(c.title), '')) || char(1)
                            FROM current c
                            WHERE c.parent_id IS NULL OR c.parent_id NOT IN (SELECT id FROM current)
                            UNION ALL
                            SELECT c.id, t.depth + 1,
                                   t.path || printf('%020d%s', COALESCE(c.position, 99999999999), COALESCE(lower(c.title), ''))
                                   || char(1)
                            FROM current c JOIN tree t ON c.parent_id = t.id)
                        SELECT c.id, c.class, c.title, c.parent_id, c.position, c.version, c.creator, c.created, t.depth
                        FROM tree t JOIN current c ON c.id = t.id
                        ORDER BY t.path
                        """), arguments: [spaceKey]
            ).map(Self.page)
        }
    }

    /// Current blog posts of a space, oldest first.
    public func blogPosts(spaceKey: String) throws -> [PageInfo] {
        try contentList(
            spaceKey: spaceKey, condition: "c.class = 'BlogPost' AND COALESCE(c.status, 'current') = 'current'")
    }

    /// Drafts of a space: unpublished Page/BlogPost drafts and legacy `Draft` objects.
    public func drafts(spaceKey: String) throws -> [PageInfo] {
        try contentList(
            spaceKey: spaceKey,
            condition: "((c.class IN ('Page', 'BlogPost') AND c.status = 'draft') OR c.class = 'Draft')")
    }

    private func contentList(spaceKey: String, condition: String) throws -> [PageInfo] {
        try database.read { db in
            try Row.fetchAll(
                db.cachedStatement(
                    sql: """
                        SELECT c.id, c.class, c.title, c.parent_id, c.position, c.version, c.creator, c.created, 0 AS depth
                        FROM staged_content c JOIN staged_spaces s ON s.id = c.effective_space_id
                        WHERE s.key = ? AND c.original_id IS NULL AND \(condition)
                        ORDER BY c.created, c.id
                        """), arguments: [spaceKey]
            ).map(Self.page)
        }
    }

    private static func page(_ row: Row) -> PageInfo {
        PageInfo(
            id: row["id"], className: row["class"], title: row["title"], parentID: row["parent_id"],
            position: row["position"], version: row["version"], depth: row["depth"], creator: row["creator"],
            created: row["created"])
    }

    /// Older revisions of a page or blog post, newest first (drafts and deleted revisions left out).
    public func history(contentID: String) throws -> [PageInfo] {
        try database.read { db in
            try Row.fetchAll(
                db.cachedStatement(
                    sql: """
                        SELECT id, class, title, parent_id, position, version, creator, created, 0 AS depth
                        FROM staged_content
                        WHERE original_id = ? AND COALESCE(status, 'current') NOT IN ('draft', 'deleted')
                        ORDER BY version DESC, id
                        """), arguments: [contentID]
            ).map(Self.page)
        }
    }

    /// Who made a version of a page or blog post and when: its last modifier and
    /// modification date, falling back to its creator and creation date.
    public func versionAuthorship(contentID: String) throws -> (author: String?, date: String?) {
        try database.read { db in
            guard
                let row = try Row.fetchOne(
                    db.cachedStatement(
                        sql: """
                            SELECT COALESCE(last_modifier, creator) AS author, COALESCE(modified, created) AS date
                            FROM staged_content WHERE id = ?
                            """), arguments: [contentID])
            else { return (nil, nil) }
            return (row["author"], row["date"])
        }
    }

    /// The body of a content object (the most recent BodyContent when several exist).
    public func body(contentID: String) throws -> BodyInfo? {
        try database.read { db in
            try Row.fetchOne(
                db.cachedStatement(
                    sql: """
                        SELECT b.id, b.content_id, b.body_type, t.body FROM staged_bodies b
                        JOIN staged_body_texts t ON t.id = b.id
                        WHERE b.content_id = ? ORDER BY CAST(b.id AS INTEGER) DESC, b.id DESC LIMIT 1
                        """), arguments: [contentID]
            ).map {
                BodyInfo(id: $0["id"], contentID: $0["content_id"], bodyType: $0["body_type"], body: $0["body"] ?? "")
            }
        }
    }

    /// Every version of every attachment of a page, the current one of each first.
    public func attachments(containerID: String) throws -> [AttachmentInfo] {
        try database.read { db in try Self.attachments(db, containerID: containerID) }
    }

    static func attachments(_ db: Database, containerID: String) throws -> [AttachmentInfo] {
        try Row.fetchAll(
            db.cachedStatement(
                sql: """
                    SELECT a.id, a.title, a.version, a.media_type, a.file_size, a.file_path, a.original_id
                    FROM staged_attachments a
                    WHERE a.file_container_id = ? AND COALESCE(a.status, 'current') = 'current'
                    ORDER BY a.file_attachment_id, a.version DESC
                    """), arguments: [containerID]
        ).map {
            let original: String? = $0["original_id"]
            return AttachmentInfo(
                id: $0["id"], title: $0["title"], version: $0["version"], mediaType: $0["media_type"],
                fileSize: $0["file_size"], path: $0["file_path"], isCurrent: original == nil,
                originalID: original)
        }
    }

    /// Current comments on a page, blog post or attachment, in id order.
    public func comments(containerID: String) throws -> [CommentInfo] {
        try database.read { db in try Self.comments(db, containerID: containerID) }
    }

    static func comments(_ db: Database, containerID: String) throws -> [CommentInfo] {
        try Row.fetchAll(
            db.cachedStatement(
                sql: """
                    SELECT id, parent_id, inline, creator, created FROM staged_content
                    WHERE container_id = ? AND class = 'Comment' AND original_id IS NULL
                      AND COALESCE(status, 'current') = 'current'
                    ORDER BY created, CAST(id AS INTEGER), id
                    """), arguments: [containerID]
        ).map {
            CommentInfo(
                id: $0["id"], parentID: $0["parent_id"], inline: $0["inline"], creator: $0["creator"],
                created: $0["created"])
        }
    }

    /// Label names on a content object, `namespace:name` for non-global labels.
    public func labels(contentID: String) throws -> [String] {
        try database.read { db in try Self.labels(db, contentID: contentID) }
    }

    static func labels(_ db: Database, contentID: String) throws -> [String] {
        try String.fetchAll(
            db.cachedStatement(
                sql: """
                    SELECT CASE WHEN COALESCE(x.namespace, 'global') = 'global' THEN x.name
                                ELSE x.namespace || ':' || x.name END
                    FROM staged_labellings l JOIN staged_labels x ON x.id = l.label_id
                    WHERE l.content_id = ? ORDER BY x.name
                    """), arguments: [contentID])
    }

    /// View/Edit restrictions of a page or blog post.
    public func restrictions(contentID: String) throws -> [PermissionInfo] {
        try database.read { db in try Self.restrictions(db, contentID: contentID) }
    }

    static func restrictions(_ db: Database, contentID: String) throws -> [PermissionInfo] {
        try Row.fetchAll(
            db.cachedStatement(
                sql: """
                    SELECT p.type, p.group_name, p.user_key, p.user_name, NULL AS all_users
                    FROM staged_content_permissions p JOIN staged_permission_sets s ON s.id = p.set_id
                    WHERE s.content_id = ? ORDER BY p.type, p.id
                    """), arguments: [contentID]
        ).map(Self.permission)
    }

    /// A space's permissions, or the global ones when `spaceKey` is nil.
    public func spacePermissions(spaceKey: String?) throws -> [PermissionInfo] {
        try database.read { db in
            let rows: [Row]
            if let spaceKey {
                rows = try Row.fetchAll(
                    db.cachedStatement(
                        sql: """
                            SELECT p.type, p.group_name, p.user_key, p.user_name, p.all_users FROM staged_space_permissions p
                            JOIN staged_spaces s ON s.id = p.space_id WHERE s.key = ? ORDER BY p.type, p.id
                            """), arguments: [spaceKey])
            } else {
                rows = try Row.fetchAll(
                    db,
                    sql: """
                        SELECT type, group_name, user_key, user_name, all_users FROM staged_space_permissions
                        WHERE space_id IS NULL ORDER BY type, id
                        """)
            }
            return rows.map(Self.permission)
        }
    }

    private static func permission(_ row: Row) -> PermissionInfo {
        PermissionInfo(
            type: row["type"], groupName: row["group_name"], userKey: row["user_key"], userName: row["user_name"],
            allUsers: row["all_users"])
    }

    public func users() throws -> [UserInfo] {
        try database.read { db in
            try Row.fetchAll(
                db,
                sql:
                    "SELECT class, id, name, email, display_name, account_id FROM staged_users ORDER BY lower_name, class"
            ).map {
                UserInfo(
                    className: $0["class"], id: $0["id"], name: $0["name"], email: $0["email"],
                    displayName: $0["display_name"], accountID: $0["account_id"])
            }
        }
    }

    public func groups() throws -> [GroupInfo] {
        try database.read { db in
            try Row.fetchAll(db, sql: "SELECT class, id, name FROM staged_groups ORDER BY lower_name").map {
                GroupInfo(className: $0["class"], id: $0["id"], name: $0["name"])
            }
        }
    }

    /// Group memberships by name (users and nested groups).
    public func memberships() throws -> [MembershipInfo] {
        try database.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT g.name AS group_name, u.name AS user_name, c.name AS child_name
                    FROM staged_memberships m
                    JOIN staged_groups g ON g.id = m.group_id
                    LEFT JOIN staged_users u ON u.id = m.user_id AND u.class IN ('InternalUser', 'DefaultHibernateUser')
                    LEFT JOIN staged_groups c ON c.id = m.child_group_id
                    ORDER BY g.lower_name, u.lower_name, c.lower_name
                    """
            ).map {
                MembershipInfo(groupName: $0["group_name"], userName: $0["user_name"], childGroupName: $0["child_name"])
            }
        }
    }
}
