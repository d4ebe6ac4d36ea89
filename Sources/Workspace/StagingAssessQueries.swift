import GRDB

/// The queries `ferry assess` runs over a staged export: each answers one check in a
/// single pass over an indexed table, never loading the site into memory.
extension Workspace {
    /// A source user as the identity checks need it: key, directory fields, and how much
    /// content (current and historical versions, comments, attachments) they created or last modified.
    public struct AssessUser: Sendable, Equatable {
        public var key: String
        public var username: String
        public var displayName: String?
        public var email: String?
        public var active: Bool
        public var ownedContent: Int
    }

    /// Every user: the `ConfluenceUserImpl` (key) joined by lower-cased name to its directory
    /// entry (email, display name, active), plus directory users without a Confluence key.
    public func assessUsers() throws -> [AssessUser] {
        try database.read { db in
            var owned: [String: Int] = [:]
            let ownership = """
                SELECT u, COUNT(*) AS n FROM (
                    SELECT creator AS u FROM staged_content WHERE creator IS NOT NULL
                    UNION ALL SELECT last_modifier FROM staged_content
                        WHERE last_modifier IS NOT NULL AND last_modifier IS NOT creator
                    UNION ALL SELECT creator FROM staged_attachments WHERE creator IS NOT NULL)
                GROUP BY u
                """
            for row in try Row.fetchAll(db, sql: ownership) {
                owned[row["u"]] = row["n"]
            }
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT c.id AS key, COALESCE(c.name, d.name) AS name, COALESCE(d.email, c.email) AS email,
                           COALESCE(d.display_name, c.display_name) AS display_name, COALESCE(d.active, 1) AS active
                    FROM staged_users c
                    LEFT JOIN staged_users d ON d.lower_name = c.lower_name
                        AND d.class IN ('InternalUser', 'DefaultHibernateUser')
                    WHERE c.class = 'ConfluenceUserImpl'
                    UNION ALL
                    SELECT d.name AS key, d.name, d.email, d.display_name, COALESCE(d.active, 1)
                    FROM staged_users d
                    WHERE d.class IN ('InternalUser', 'DefaultHibernateUser') AND NOT EXISTS (
                        SELECT 1 FROM staged_users c WHERE c.class = 'ConfluenceUserImpl' AND c.lower_name = d.lower_name)
                    ORDER BY 2
                    """)
            var seen = Set<String>()
            return rows.compactMap { row -> AssessUser? in
                let key: String = row["key"]
                guard seen.insert(key).inserted else { return nil }
                let name: String? = row["name"]
                let active: Int64? = row["active"]
                return AssessUser(
                    key: key, username: name ?? key, displayName: row["display_name"], email: row["email"],
                    active: (active ?? 1) != 0, ownedContent: owned[key] ?? 0)
            }
        }
    }

    /// A current page or blog post (one row of a size or title check).
    public struct AssessContent: Sendable, Equatable {
        public var id: String
        public var className: String
        public var title: String?
        public var spaceKey: String?
    }

    /// Current pages and blog posts whose title Cloud refuses: empty, blank, or longer than `maxLength` characters.
    public func contentWithRefusedTitles(maxLength: Int) throws -> [AssessContent] {
        try database.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT c.id, c.class, c.title, COALESCE(c.space_key, s.key) AS space_key
                    FROM staged_content c LEFT JOIN staged_spaces s ON s.id = c.effective_space_id
                    WHERE c.class IN ('Page', 'BlogPost') AND c.original_id IS NULL
                      AND COALESCE(c.status, 'current') = 'current'
                      AND (c.title IS NULL OR length(trim(c.title)) = 0 OR length(c.title) > ?)
                    ORDER BY c.id
                    """, arguments: [maxLength]
            ).map { AssessContent(id: $0["id"], className: $0["class"], title: $0["title"], spaceKey: $0["space_key"]) }
        }
    }

    /// A current attachment above a size limit.
    public struct AssessAttachment: Sendable, Equatable {
        public var id: String
        public var title: String?
        public var containerID: String?
        public var spaceKey: String?
        public var fileSize: Int64
    }

    /// Current attachments larger than `bytes`.
    public func attachments(largerThan bytes: Int64) throws -> [AssessAttachment] {
        try database.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT a.id, a.title, a.container_id, s.key AS space_key, a.file_size
                    FROM staged_attachments a LEFT JOIN staged_spaces s ON s.id = a.effective_space_id
                    WHERE a.original_id IS NULL AND COALESCE(a.status, 'current') = 'current' AND a.file_size > ?
                    ORDER BY a.file_size DESC, a.id
                    """, arguments: [bytes]
            ).map {
                AssessAttachment(
                    id: $0["id"], title: $0["title"], containerID: $0["container_id"], spaceKey: $0["space_key"],
                    fileSize: $0["file_size"])
            }
        }
    }

    /// The pages (current heads) using each macro, at most `limit` per macro.
    public func macroPages(limit: Int) throws -> [(macro: String, occurrences: Int, pages: [AssessContent])] {
        try database.read { db in
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT m.macro, m.occurrences, c.id, c.class, c.title, COALESCE(c.space_key, s.key) AS space_key
                    FROM staged_macro_uses m
                    JOIN staged_bodies b ON b.id = m.body_id
                    JOIN staged_content c ON c.id = b.content_id
                    LEFT JOIN staged_spaces s ON s.id = c.effective_space_id
                    WHERE c.original_id IS NULL AND COALESCE(c.status, 'current') = 'current'
                      AND c.class IN ('Page', 'BlogPost', 'Comment')
                    ORDER BY m.macro, c.id
                    """)
            var result: [(macro: String, occurrences: Int, pages: [AssessContent])] = []
            while let row = try rows.next() {
                let macro: String = row["macro"]
                let occurrences: Int = row["occurrences"]
                let page = AssessContent(
                    id: row["id"], className: row["class"], title: row["title"], spaceKey: row["space_key"])
                if result.last?.macro == macro {
                    result[result.count - 1].occurrences += occurrences
                    if result[result.count - 1].pages.count < limit { result[result.count - 1].pages.append(page) }
                } else {
                    result.append((macro, occurrences, [page]))
                }
            }
            return result
        }
    }

    /// The current pages and blog posts of the selected spaces (all when `spaceKeys` is nil),
    /// with their storage bodies, streamed in id order.
    public func forEachCurrentBody(
        spaceKeys: Set<String>?, _ body: (AssessContent, String) throws -> Void
    ) throws {
        try database.read { db in
            let cursor = try Row.fetchCursor(
                db,
                sql: """
                    SELECT c.id, c.class, c.title, COALESCE(c.space_key, s.key) AS space_key, t.body
                    FROM staged_content c
                    JOIN staged_bodies b ON b.content_id = c.id
                    JOIN staged_body_texts t ON t.id = b.id
                    LEFT JOIN staged_spaces s ON s.id = c.effective_space_id
                    WHERE c.class IN ('Page', 'BlogPost') AND c.original_id IS NULL
                      AND COALESCE(c.status, 'current') = 'current' AND COALESCE(b.body_type, 2) = 2
                    ORDER BY c.id
                    """)
            while let row = try cursor.next() {
                let content = AssessContent(
                    id: row["id"], className: row["class"], title: row["title"], spaceKey: row["space_key"])
                if let keys = spaceKeys, !keys.contains((content.spaceKey ?? "").lowercased()) { continue }
                try body(content, row["body"] ?? "")
            }
        }
    }

    /// Count of current pages and blog posts (for progress).
    public func currentContentCount() throws -> Int {
        try database.read { db in
            try Int.fetchOne(
                db,
                sql: """
                    SELECT COUNT(*) FROM staged_content WHERE class IN ('Page', 'BlogPost') AND original_id IS NULL
                      AND COALESCE(status, 'current') = 'current'
                    """) ?? 0
        }
    }

    /// Unmigratable objects of `className` whose stored properties contain `text` (case-insensitive).
    public func otherObjects(
        className: String, containing text: String? = nil
    ) throws -> [(id: String, properties: String)] {
        try database.read { db in
            var sql = "SELECT id, properties FROM staged_other_objects WHERE class = ?"
            var arguments: StatementArguments = [className]
            if let text {
                sql += " AND lower(properties) LIKE ?"
                arguments += ["%" + text.lowercased() + "%"]
            }
            return try Row.fetchAll(db, sql: sql + " ORDER BY id", arguments: arguments).map {
                (id: $0["id"], properties: $0["properties"] ?? "")
            }
        }
    }
}
