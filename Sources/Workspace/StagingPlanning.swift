import GRDB

extension Workspace {
    /// What planning needs to know about one page or blog post.
    public struct PlanningFacts: Sendable {
        /// Whether its current body points at other content (`<ri:` or `<ac:image`).
        public var bodyHasReferences: Bool
        public var attachments: [AttachmentInfo]
        public var comments: [CommentInfo]
        public var hasLabels: Bool
        public var hasRestrictions: Bool
    }

    /// The planning facts of each of `contentIDs`, in order, read in one transaction.
    ///
    /// Bodies are searched by SQLite where they lie, not copied out: planning a site reads
    /// every body, and copying each into a string cost more than the rest of planning.
    public func planningFacts(contentIDs: [String]) throws -> [PlanningFacts] {
        try database.read { db in
            let references = try db.cachedStatement(
                sql: """
                    SELECT instr(t.body, '<ri:') > 0 OR instr(t.body, '<ac:image') > 0
                    FROM staged_bodies b JOIN staged_body_texts t ON t.id = b.id
                    WHERE b.content_id = ? ORDER BY CAST(b.id AS INTEGER) DESC, b.id DESC LIMIT 1
                    """)
            let labelled = try db.cachedStatement(
                sql: """
                    SELECT EXISTS (
                      SELECT 1 FROM staged_labellings l JOIN staged_labels x ON x.id = l.label_id WHERE l.content_id = ?)
                    """)
            let restricted = try db.cachedStatement(
                sql: """
                    SELECT EXISTS (
                      SELECT 1 FROM staged_content_permissions p JOIN staged_permission_sets s ON s.id = p.set_id
                      WHERE s.content_id = ?)
                    """)
            return try contentIDs.map { id in
                PlanningFacts(
                    bodyHasReferences: try Bool.fetchOne(references, arguments: [id]) ?? false,
                    attachments: try Self.attachments(db, containerID: id),
                    comments: try Self.comments(db, containerID: id),
                    hasLabels: try Bool.fetchOne(labelled, arguments: [id]) ?? false,
                    hasRestrictions: try Bool.fetchOne(restricted, arguments: [id]) ?? false)
            }
        }
    }
}
