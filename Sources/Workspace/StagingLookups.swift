import GRDB

extension Workspace {
    /// The current page or blog post titled `title` in the space `spaceKey`, for resolving
    /// `<ri:page ri:content-title=…>` links one at a time instead of holding a site-wide map.
    public func contentID(spaceKey: String, title: String, blogPost: Bool = false) throws -> String? {
        try database.read { db in
            try String.fetchOne(
                db.cachedStatement(
                    sql: """
                        SELECT c.id FROM staged_content c JOIN staged_spaces s ON s.id = c.effective_space_id
                        WHERE s.key = ? AND c.title = ? AND c.class = ? AND c.original_id IS NULL
                          AND COALESCE(c.status, 'current') = 'current'
                        ORDER BY CAST(c.id AS INTEGER) LIMIT 1
                        """), arguments: [spaceKey, title, blogPost ? "BlogPost" : "Page"])
        }
    }

    /// A string content property of a content object (`inline-original-selection` of an inline comment, say).
    public func contentProperty(contentID: String, name: String) throws -> String? {
        try database.read { db in
            try String.fetchOne(
                db,
                sql: """
                    SELECT string_value FROM staged_content_properties
                    WHERE content_id = ? AND name = ? ORDER BY CAST(id AS INTEGER) DESC LIMIT 1
                    """, arguments: [contentID, name])
        }
    }
}

extension Workspace.PageInfo {
    /// A content description for objects that are not pages (a comment), built outside this module.
    public static func describing(
        id: String, className: String, parentID: String?, depth: Int, creator: String?, created: String?
    ) -> Workspace.PageInfo {
        Workspace.PageInfo(
            id: id, className: className, title: nil, parentID: parentID, position: nil, version: nil, depth: depth,
            creator: creator, created: created)
    }
}
