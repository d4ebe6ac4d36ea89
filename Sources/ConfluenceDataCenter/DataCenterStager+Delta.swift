import GRDB
import Workspace

extension DataCenterStager {
    /// What ``stage(_:className:spaceID:)`` wrote.
    public struct Staged: Sendable, Equatable {
        public var contents = 0
        public var versions = 0
        public var comments = 0
        public var attachments = 0
        public var attachmentBytes: Int64 = 0
    }

    /// Stages pages or blog posts (`className` `Page` or `BlogPost`) with everything they
    /// bring (body, versions under `history`, attachments and their files, comments,
    /// labels, restrictions), read with at most `concurrency` requests in flight. Rows
    /// are inserted, never overwritten: call ``removeStaged(contentIDs:)`` first for
    /// content staged before. The caller resolves (``Workspace/resolveStaging(expectAttachmentFiles:)``)
    /// or updates the derived columns it needs.
    public func stage(_ contents: [DCContent], className: String, spaceID: String) async throws -> Staged {
        let bundles = try await details(contents, className: className, spaceID: spaceID)
        try workspace.stage { writer in
            for bundle in bundles {
                for row in bundle.rows { try Self.insert(row, writer) }
            }
        }
        var staged = Staged()
        staged.contents = bundles.count
        for bundle in bundles {
            staged.versions += bundle.versions
            staged.comments += bundle.comments
            staged.attachments += bundle.attachments
            staged.attachmentBytes += bundle.bytes
        }
        return staged
    }

    /// Deletes the staged rows of pages or blog posts: the content, its historical
    /// versions, comments, bodies and properties, attachments and their file records,
    /// labellings and restrictions. Downloaded files stay on disk.
    public func removeStaged(contentIDs: [String]) throws {
        try workspace.database.write { db in
            for id in contentIDs {
                let owned = """
                    SELECT id FROM staged_content
                    WHERE id = :id OR original_id = :id OR (class = 'Comment' AND container_id = :id)
                    """
                let arguments: StatementArguments = ["id": id]
                try db.execute(
                    sql:
                        "DELETE FROM staged_body_texts WHERE id IN (SELECT id FROM staged_bodies WHERE content_id IN (\(owned)))",
                    arguments: arguments)
                try db.execute(sql: "DELETE FROM staged_bodies WHERE content_id IN (\(owned))", arguments: arguments)
                try db.execute(
                    sql: "DELETE FROM staged_content_properties WHERE content_id IN (\(owned))", arguments: arguments)
                try db.execute(
                    sql: """
                        DELETE FROM staged_content_permissions WHERE set_id IN (
                            SELECT id FROM staged_permission_sets WHERE content_id = :id)
                        """, arguments: arguments)
                try db.execute(sql: "DELETE FROM staged_permission_sets WHERE content_id = :id", arguments: arguments)
                try db.execute(sql: "DELETE FROM staged_labellings WHERE content_id = :id", arguments: arguments)
                try db.execute(sql: "DELETE FROM staged_attachments WHERE container_id = :id", arguments: arguments)
                try db.execute(
                    sql: "DELETE FROM staged_attachment_files WHERE container_id = :id", arguments: arguments)
                try db.execute(sql: "DELETE FROM staged_content WHERE id IN (\(owned))", arguments: arguments)
            }
        }
    }
}
