import FerryModel
import Foundation
import GRDB

extension Workspace {
    /// Joins the staged rows on disk, after the whole export was staged: owners of
    /// content properties, the space of every revision, comment and attachment,
    /// attachment sizes and file locations; then records every reference to a
    /// missing object (and every missing attachment file) in `staged_repairs`.
    ///
    /// - Parameter expectAttachmentFiles: false when the export says it was made
    ///   without attachments (`backupAttachments=false`): missing files are then not
    ///   reported one by one.
    public func resolveStaging(expectAttachmentFiles: Bool) throws {
        // A pass that can be redone like staging: no fsync per commit (the page cache
        // stays at its everyday size: SQLite sizes its CREATE INDEX sort buffers from it,
        // and peak memory must not grow with the export).
        try database.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = OFF") }
        defer { try? database.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = NORMAL") } }
        // The reference checks that read only staged rows run on a reader connection, on the
        // other core, while this one builds the indexes and fills the resolved columns; their
        // rows come back through a bounded hand-off and are recorded in the same order as
        // before, between the checks that need resolved columns.
        let parallelChecks = Self.referenceChecks.filter(\.readsOnlyStagedRows).map(\.select)
        let checker = ParallelChecks(database: database, selects: parallelChecks)
        checker.start()
        defer { checker.cancelAndWait() }
        try database.write { db in
            for statement in StagingSchema.resolutionIndexes { try db.execute(sql: statement) }
            for statement in Self.resolutionStatements { try db.execute(sql: statement) }
            let insert = try db.makeStatement(
                sql:
                    "INSERT INTO staged_repairs (kind, class, object_id, count, action, detail) VALUES (?, ?, ?, ?, ?, ?)"
            )
            var parallelIndex = 0
            for check in Self.referenceChecks {
                if check.readsOnlyStagedRows {
                    try checker.rows(of: parallelIndex) { row in try insert.execute(arguments: row) }
                    parallelIndex += 1
                } else {
                    try db.execute(
                        sql: "INSERT INTO staged_repairs (kind, class, object_id, count, action, detail) "
                            + check.select)
                }
            }
            for statement in StagingSchema.resolvedIndexes { try db.execute(sql: statement) }
            if expectAttachmentFiles {
                try db.execute(
                    sql: """
                        INSERT INTO staged_repairs (kind, class, object_id, count, action, detail)
                        SELECT 'missing-attachment-file', 'Attachment', a.id, 1, 'reported',
                               'no file attachments/' || COALESCE(a.file_container_id, '?') || '/' ||
                               a.file_attachment_id || '/' || COALESCE(a.version, 1)
                        FROM staged_attachments a
                        WHERE a.file_path IS NULL AND a.effective_space_id IS NOT NULL
                          AND COALESCE(a.status, 'current') <> 'deleted'
                        ORDER BY a.id
                        """)
            }
            try Self.inferExportType(db)
        }
    }

    private static func inferExportType(_ db: Database) throws {
        let type = try String.fetchOne(db, sql: "SELECT value FROM staged_export WHERE key = 'exportType'")
        guard type == nil else { return }
        let spaces = try String.fetchAll(db, sql: "SELECT key FROM staged_spaces ORDER BY key")
        let crowdUsers =
            try Int.fetchOne(
                db, sql: "SELECT COUNT(*) FROM staged_users WHERE class IN ('InternalUser', 'DefaultHibernateUser')")
            ?? 0
        let inferred = spaces.count == 1 && crowdUsers == 0 ? "space" : "all"
        try db.execute(
            sql: "INSERT OR REPLACE INTO staged_export (key, value) VALUES ('exportType', ?), ('inferred', 'true')",
            arguments: [inferred])
        if inferred == "space", let key = spaces.first {
            try db.execute(
                sql: "INSERT OR REPLACE INTO staged_export (key, value) VALUES ('spaceKey', ?)", arguments: [key])
        }
    }

    static let resolutionStatements = [
        // Old exports list content properties only on their owner.
        """
        UPDATE staged_content_properties SET content_id = (
            SELECT l.owner_id FROM staged_collection_links l
            WHERE l.role = 'contentProperties' AND l.target_id = staged_content_properties.id LIMIT 1)
        WHERE content_id IS NULL
        """,
        """
        UPDATE staged_content_permissions SET set_id = (
            SELECT l.owner_id FROM staged_collection_links l
            WHERE l.role = 'contentPermissions' AND l.target_id = staged_content_permissions.id LIMIT 1)
        WHERE set_id IS NULL
        """,
        """
        UPDATE staged_content SET inline = 1
        WHERE class = 'Comment' AND id IN (
            SELECT content_id FROM staged_content_properties
            WHERE name IN ('inline-comment', 'inline-marker-ref') AND content_id IS NOT NULL)
        """,
        // Missing references: a page whose parent is absent becomes top-level.
        """
        INSERT INTO staged_repairs (kind, class, object_id, count, action, detail)
        SELECT 'missing-reference', c.class, c.id, 1, 'repaired',
               'parent page ' || c.parent_id || ' is not in the export; placed at the top of its space'
        FROM staged_content c
        WHERE c.parent_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM staged_content p WHERE p.id = c.parent_id)
        ORDER BY c.id
        """,
        """
        UPDATE staged_content SET parent_id = NULL
        WHERE parent_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM staged_content p WHERE p.id = staged_content.parent_id)
        """,
        // Spaces: heads got their own space as effective_space_id at insert time; then, in one
        // pass over the rows still without one, legacy drafts by space key, else space
        // descriptions by their space, else revisions from their head; then attachments and
        // comments from what they belong to. (A revision whose head is resolved in the same
        // pass, or later from its container, is caught by the last pass below.)
        """
        UPDATE staged_content SET effective_space_id = COALESCE(
            CASE WHEN space_key IS NOT NULL THEN
                (SELECT s.id FROM staged_spaces s WHERE s.key = staged_content.space_key) END,
            CASE WHEN class = 'SpaceDescription' THEN
                (SELECT s.id FROM staged_spaces s WHERE s.description_id = staged_content.id) END,
            CASE WHEN original_id IS NOT NULL THEN
                (SELECT o.effective_space_id FROM staged_content o WHERE o.id = staged_content.original_id) END)
        WHERE effective_space_id IS NULL
          AND (space_key IS NOT NULL OR class = 'SpaceDescription' OR original_id IS NOT NULL)
        """,
        """
        UPDATE staged_attachments SET effective_space_id = COALESCE(space_id, (
            SELECT c.effective_space_id FROM staged_content c WHERE c.id = staged_attachments.container_id))
        """,
        """
        UPDATE staged_attachments SET effective_space_id = (
            SELECT o.effective_space_id FROM staged_attachments o WHERE o.id = staged_attachments.original_id)
        WHERE effective_space_id IS NULL AND original_id IS NOT NULL
        """,
        """
        UPDATE staged_content SET effective_space_id = COALESCE(
            (SELECT c.effective_space_id FROM staged_content c WHERE c.id = staged_content.container_id),
            (SELECT a.effective_space_id FROM staged_attachments a WHERE a.id = staged_content.container_id))
        WHERE effective_space_id IS NULL AND container_id IS NOT NULL
        """,
        """
        UPDATE staged_content SET effective_space_id = (
            SELECT o.effective_space_id FROM staged_content o WHERE o.id = staged_content.original_id)
        WHERE effective_space_id IS NULL AND original_id IS NOT NULL
        """,
        // Attachment metadata held in content properties (5.x and later).
        """
        UPDATE staged_attachments SET file_size = (
            SELECT COALESCE(p.long_value, CAST(p.string_value AS INTEGER)) FROM staged_content_properties p
            WHERE p.content_id = staged_attachments.id AND p.name = 'FILESIZE' LIMIT 1)
        WHERE file_size IS NULL
        """,
        """
        UPDATE staged_attachments SET media_type = (
            SELECT p.string_value FROM staged_content_properties p
            WHERE p.content_id = staged_attachments.id AND p.name = 'MEDIA_TYPE' LIMIT 1)
        WHERE media_type IS NULL
        """,
        // Files live under the head attachment's id: attachments/<container>/<head>/<version>.
        """
        UPDATE staged_attachments SET
            file_attachment_id = COALESCE(original_id, id),
            file_container_id = COALESCE(
                (SELECT o.container_id FROM staged_attachments o WHERE o.id = staged_attachments.original_id),
                container_id)
        """,
        """
        UPDATE staged_attachments SET file_path = (
            SELECT f.path FROM staged_attachment_files f
            WHERE f.container_id = staged_attachments.file_container_id
              AND f.attachment_id = staged_attachments.file_attachment_id
              AND f.version = COALESCE(staged_attachments.version, 1))
        """,
        """
        UPDATE staged_attachments SET file_size = (
            SELECT f.size FROM staged_attachment_files f WHERE f.path = staged_attachments.file_path)
        WHERE file_size IS NULL AND file_path IS NOT NULL
        """,
    ]

    /// Every reference that points nowhere is skipped, and said so: one SELECT per kind
    /// of object, each giving `staged_repairs` rows in the order they are recorded.
    /// (`+c.original_id`: a scan of the table is cheaper than the index when most rows
    /// are heads.)
    static let referenceChecks: [ReferenceCheck] = [
        ReferenceCheck(
            readsOnlyStagedRows: true,
            select: """
                SELECT 'missing-reference', 'BodyContent', b.id, 1, 'skipped',
                       'owner ' || COALESCE(b.content_class, 'content') || ' ' || COALESCE(b.content_id, '(none)') || ' is not in the export'
                FROM staged_bodies b
                WHERE b.content_id IS NULL OR NOT EXISTS (SELECT 1 FROM staged_content c WHERE c.id = b.content_id)
                ORDER BY b.id
                """),
        ReferenceCheck(
            readsOnlyStagedRows: true,
            select: """
                SELECT 'missing-reference', c.class, c.id, 1, 'skipped',
                       'historical version of ' || c.original_id || ', which is not in the export'
                FROM staged_content c
                WHERE c.original_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM staged_content o WHERE o.id = c.original_id)
                ORDER BY c.id
                """),
        ReferenceCheck(
            readsOnlyStagedRows: true,
            select: """
                SELECT 'missing-reference', 'Comment', c.id, 1, 'skipped',
                       'comment on ' || COALESCE(c.container_id, '(nothing)') || ', which is not in the export'
                FROM staged_content c
                WHERE c.class = 'Comment' AND +c.original_id IS NULL AND (c.container_id IS NULL OR (
                    NOT EXISTS (SELECT 1 FROM staged_content o WHERE o.id = c.container_id)
                    AND NOT EXISTS (SELECT 1 FROM staged_attachments a WHERE a.id = c.container_id)))
                ORDER BY c.id
                """),
        ReferenceCheck(
            readsOnlyStagedRows: true,
            select: """
                SELECT 'missing-reference', 'Attachment', a.id, 1, 'skipped',
                       'attached to ' || COALESCE(a.container_id, '(nothing)') || ', which is not in the export'
                FROM staged_attachments a
                WHERE a.original_id IS NULL AND (a.container_id IS NULL
                    OR NOT EXISTS (SELECT 1 FROM staged_content c WHERE c.id = a.container_id))
                ORDER BY a.id
                """),
        ReferenceCheck(
            readsOnlyStagedRows: true,
            select: """
                SELECT 'missing-reference', c.class, c.id, 1, 'skipped',
                       'space ' || c.space_id || ' is not in the export'
                FROM staged_content c
                WHERE c.space_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM staged_spaces s WHERE s.id = c.space_id)
                ORDER BY c.id
                """),
        ReferenceCheck(
            readsOnlyStagedRows: true,
            select: """
                SELECT 'missing-reference', 'Labelling', l.id, 1, 'skipped',
                       CASE WHEN NOT EXISTS (SELECT 1 FROM staged_labels x WHERE x.id = l.label_id)
                            THEN 'label ' || COALESCE(l.label_id, '(none)') || ' is not in the export'
                            ELSE 'labelled ' || COALESCE(l.content_class, 'content') || ' ' || l.content_id || ' is not in the export' END
                FROM staged_labellings l
                WHERE NOT EXISTS (SELECT 1 FROM staged_labels x WHERE x.id = l.label_id)
                   OR (l.content_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM staged_content c WHERE c.id = l.content_id)
                       AND NOT EXISTS (SELECT 1 FROM staged_attachments a WHERE a.id = l.content_id))
                ORDER BY l.id
                """),
        ReferenceCheck(
            readsOnlyStagedRows: true,
            select: """
                SELECT 'missing-reference', 'ContentPermissionSet', s.id, 1, 'skipped',
                       'restricted content ' || COALESCE(s.content_id, '(none)') || ' is not in the export'
                FROM staged_permission_sets s
                WHERE s.content_id IS NULL OR NOT EXISTS (SELECT 1 FROM staged_content c WHERE c.id = s.content_id)
                ORDER BY s.id
                """),
        ReferenceCheck(
            readsOnlyStagedRows: false,
            select: """
                SELECT 'missing-reference', 'ContentPermission', p.id, 1, 'skipped',
                       'permission set ' || COALESCE(p.set_id, '(none)') || ' is not in the export'
                FROM staged_content_permissions p
                WHERE p.set_id IS NULL OR NOT EXISTS (SELECT 1 FROM staged_permission_sets s WHERE s.id = p.set_id)
                ORDER BY p.id
                """),
        ReferenceCheck(
            readsOnlyStagedRows: true,
            select: """
                SELECT 'missing-reference', 'SpacePermission', p.id, 1, 'skipped',
                       'space ' || p.space_id || ' is not in the export'
                FROM staged_space_permissions p
                WHERE p.space_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM staged_spaces s WHERE s.id = p.space_id)
                ORDER BY p.id
                """),
        ReferenceCheck(
            readsOnlyStagedRows: false,
            select: """
                SELECT 'missing-reference', 'HibernateMembership', m.id, 1, 'skipped',
                       'group ' || COALESCE(m.group_id, '(none)') || ' is not in the export'
                FROM staged_memberships m
                WHERE m.group_id IS NULL OR NOT EXISTS (SELECT 1 FROM staged_groups g WHERE g.id = m.group_id)
                ORDER BY m.id
                """),
    ]
}

/// A SELECT giving `staged_repairs` rows (kind, class, object_id, count, action, detail)
/// for references that point nowhere.
struct ReferenceCheck {
    /// True when the check reads only what staging wrote (not the columns resolution
    /// fills, nor the indexes it builds), so it can run on a reader connection.
    var readsOnlyStagedRows: Bool
    var select: String
}

/// Runs reference checks on a reader connection and thread, handing their rows over in
/// check order through a bounded buffer (memory stays flat however many rows there are:
/// the reader waits while the buffer is full).
final class ParallelChecks: @unchecked Sendable {
    private enum Item {
        case row(StatementArguments)
        case end
    }

    private let database: DatabasePool
    private let selects: [String]
    private let condition = NSCondition()
    private var buffer: [Item] = []
    private var head = 0
    private var cancelled = false
    private var finished = false
    private var failure: (any Error)?
    private static let capacity = 10_000

    init(database: DatabasePool, selects: [String]) {
        self.database = database
        self.selects = selects
    }

    func start() {
        guard !selects.isEmpty else {
            finished = true
            return
        }
        let thread = Thread { [self] in
            do {
                try database.read { db in
                    for select in selects {
                        let cursor = try Row.fetchCursor(db, sql: select)
                        while let row = try cursor.next() {
                            guard push(.row(StatementArguments(row.databaseValues))) else { return }
                        }
                        guard push(.end) else { return }
                    }
                }
                finish(nil)
            } catch {
                finish(error)
            }
        }
        thread.name = "ferry-reference-checks"
        thread.start()
    }

    private func push(_ item: Item) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while !cancelled, buffer.count - head >= Self.capacity { condition.wait() }
        guard !cancelled else { return false }
        buffer.append(item)
        condition.broadcast()
        return true
    }

    private func finish(_ error: (any Error)?) {
        condition.lock()
        failure = error
        finished = true
        condition.broadcast()
        condition.unlock()
    }

    /// Calls `body` with each row of check `index` (checks are consumed in order).
    func rows(of index: Int, _ body: (StatementArguments) throws -> Void) throws {
        while true {
            condition.lock()
            while buffer.count == head, !finished { condition.wait() }
            guard buffer.count > head else {
                let failure = failure
                condition.unlock()
                throw failure ?? ParallelChecksError.endedEarly(check: index)
            }
            let item = buffer[head]
            head += 1
            if head >= 4_096, head * 2 >= buffer.count {
                buffer.removeFirst(head)
                head = 0
            }
            condition.broadcast()
            condition.unlock()
            switch item {
            case .row(let arguments): try body(arguments)
            case .end: return
            }
        }
    }

    /// Stops the reader (if it is still running) and waits for it.
    func cancelAndWait() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        while !finished { condition.wait() }
        condition.unlock()
    }
}

enum ParallelChecksError: FerryError {
    case endedEarly(check: Int)

    var summary: String {
        switch self {
        case .endedEarly(let check): "reference check \(check) of the staged export ended before giving all its rows"
        }
    }

    var remedy: String? { "run the command again; if it fails again, report it with the export" }
}
