import GRDB

/// The queries `ferry assess` runs over a staged export: each answers one check in a
/// single pass over an indexed table, never loading the site into memory.
extension Workspace {
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

extension Workspace {
    /// Adds objects read from another source to a finished staging: first removes every
    /// "other object" of `replacing` (so a better source supersedes the export's copy),
    /// then inserts `rows` (a row already staged under the same class and id is kept).
    /// `source`, when given, replaces the staged source name the archive and reports show.
    public func supplementStaging(
        source: String? = nil, replacing classes: [String], with rows: [StagedOtherObject]
    ) throws {
        try database.write { db in
            for className in classes {
                try db.execute(sql: "DELETE FROM staged_other_objects WHERE class = ?", arguments: [className])
            }
            for row in rows {
                try db.execute(
                    sql:
                        "INSERT OR IGNORE INTO staged_other_objects (class, id, properties, xml_bytes) VALUES (?, ?, ?, ?)",
                    arguments: [row.className, row.id, row.propertiesJSON, row.xmlBytes])
            }
            if let source {
                try db.execute(
                    sql: "INSERT OR REPLACE INTO staged_export (key, value) VALUES ('source', ?)", arguments: [source])
            }
        }
    }
}
