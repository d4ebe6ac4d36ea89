import GRDB

/// What a staged export holds, per space and in total (the figures `ferry inspect` prints).
public struct StagingSummary: Codable, Sendable, Equatable {
    public struct Counts: Codable, Sendable, Equatable {
        public var key: String?
        public var name: String?
        public var pages = 0
        public var blogPosts = 0
        public var historicalVersions = 0
        public var comments = 0
        public var footerComments = 0
        public var inlineComments = 0
        public var attachments = 0
        public var attachmentBytes: Int64 = 0
        public var attachmentBytesAllVersions: Int64 = 0
        public var labels = 0
        public var restrictions = 0
        public var spacePermissions = 0
        public var drafts = 0
        public var deleted = 0
        public var archived = 0
        /// Bodies of this space's content by type: storage, wiki, raw, or untyped (pre-4.0 wiki).
        public var bodyTypes: [String: Int] = [:]
        public var estimatedXMLBytes: Int64 = 0
        /// True when the estimated XML is over CCMA's 200 MB per-space limit.
        public var overCCMALimit = false
        /// Only in totals.
        public var spaces: Int?
        public var users: Int?
        public var groups: Int?
        public var globalPermissions: Int?
        public var largestBodyBytes: Int64?
        /// Objects of classes Cloud has no place for (settings, audit, app data…), by class.
        public var unmigratable: [String: Int]?

        public init() {}

        enum CodingKeys: String, CodingKey {
            case key, name, pages, blogPosts, historicalVersions, comments, footerComments, inlineComments
            case attachments, attachmentBytes, attachmentBytesAllVersions, labels, restrictions, spacePermissions
            case drafts, deleted, archived, bodyTypes
            case estimatedXMLBytes = "estimatedXmlBytes"
            case overCCMALimit = "overCcmaLimit"
            case spaces, users, groups, globalPermissions, largestBodyBytes, unmigratable
        }
    }

    public struct Macro: Codable, Sendable, Equatable {
        public var name: String
        public var count: Int
        public var pages: Int

        public init(name: String, count: Int, pages: Int) {
            self.name = name
            self.count = count
            self.pages = pages
        }
    }

    /// Repairs grouped by kind and action, with up to five examples each.
    public struct RepairGroup: Codable, Sendable, Equatable {
        public var kind: String
        public var action: String
        public var objects: Int
        public var examples: [String]
    }

    public var totals: Counts
    public var spaces: [Counts]
    public var macros: [Macro]
    /// Every repair; empty when the summary was made with `includeRepairs: false`
    /// (use ``Workspace/forEachRepair(_:)`` to stream them instead).
    public var repairs: [StagedRepair]
    public var repairGroups: [RepairGroup]
    public var export: [String: String]

    /// CCMA fails on a space whose XML passes 200 MB.
    public static let ccmaSpaceLimitBytes: Int64 = 200_000_000
}

extension Workspace {
    /// Counts what is staged. Revisions, drafts and trash are never counted as pages.
    public func summary(includeRepairs: Bool = true) throws -> StagingSummary {
        try database.read { db in
            let rows = try Row.fetchAll(db, sql: "SELECT id, key, name FROM staged_spaces ORDER BY key, id")
            var bySpace: [String: StagingSummary.Counts] = [:]
            for row in rows {
                var counts = StagingSummary.Counts()
                counts.key = row["key"]
                counts.name = row["name"]
                bySpace[row["id"]] = counts
            }
            try Self.fillAll(&bySpace, db: db)
            let spaces = rows.compactMap { bySpace[$0["id"] as String] }
            var totals = StagingSummary.Counts()
            for space in spaces { totals.add(space) }
            totals.overCCMALimit = spaces.contains { $0.overCCMALimit }
            totals.spaces = spaces.count
            totals.users =
                try Int.fetchOne(db, sql: "SELECT COUNT(DISTINCT COALESCE(lower_name, id)) FROM staged_users") ?? 0
            totals.groups =
                try Int.fetchOne(db, sql: "SELECT COUNT(DISTINCT COALESCE(lower_name, id)) FROM staged_groups") ?? 0
            totals.globalPermissions =
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM staged_space_permissions WHERE space_id IS NULL") ?? 0
            totals.largestBodyBytes =
                try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(body_bytes), 0) FROM staged_bodies") ?? 0
            var unmigratable: [String: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT class, COUNT(*) AS n FROM staged_other_objects GROUP BY class")
            {
                unmigratable[row["class"]] = row["n"]
            }
            totals.unmigratable = unmigratable
            let macros = try Row.fetchAll(
                db,
                sql: """
                    SELECT m.macro AS name, SUM(m.occurrences) AS count, COUNT(DISTINCT c.id) AS pages
                    FROM staged_macro_uses m
                    JOIN staged_bodies b ON b.id = m.body_id
                    JOIN staged_content c ON c.id = b.content_id
                    JOIN staged_spaces s ON s.id = c.effective_space_id
                    WHERE c.class IN ('Page', 'BlogPost') AND c.original_id IS NULL
                      AND COALESCE(c.status, 'current') = 'current'
                    GROUP BY m.macro ORDER BY count DESC, name
                    """
            ).map { StagingSummary.Macro(name: $0["name"], count: $0["count"], pages: $0["pages"]) }
            let repairs =
                includeRepairs
                ? try Row.fetchAll(
                    db, sql: "SELECT kind, class, object_id, count, action, detail FROM staged_repairs ORDER BY seq"
                ).map(Self.repair) : []
            var groups: [StagingSummary.RepairGroup] = []
            for row in try Row.fetchAll(
                db,
                sql:
                    "SELECT kind, action, COUNT(*) AS n FROM staged_repairs GROUP BY kind, action ORDER BY kind, action"
            ) {
                let kind: String = row["kind"]
                let action: String = row["action"]
                let examples = try String.fetchAll(
                    db,
                    sql: """
                        SELECT class || ' ' || object_id FROM staged_repairs WHERE kind = ? AND action = ?
                        ORDER BY seq LIMIT 5
                        """, arguments: [kind, action])
                groups.append(
                    StagingSummary.RepairGroup(kind: kind, action: action, objects: row["n"], examples: examples))
            }
            var export: [String: String] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT key, value FROM staged_export") {
                export[row["key"]] = row["value"]
            }
            return StagingSummary(
                totals: totals, spaces: spaces, macros: macros, repairs: repairs, repairGroups: groups, export: export)
        }
    }

    /// Streams every repair in the order found, without loading them all.
    public func forEachRepair(_ body: (StagedRepair) throws -> Void) throws {
        try database.read { db in
            let cursor = try Row.fetchCursor(
                db, sql: "SELECT kind, class, object_id, count, action, detail FROM staged_repairs ORDER BY seq")
            while let row = try cursor.next() { try body(Self.repair(row)) }
        }
    }

    private static func repair(_ row: Row) -> StagedRepair {
        StagedRepair(
            kind: row["kind"], className: row["class"], objectID: row["object_id"], count: row["count"],
            action: row["action"], detail: row["detail"])
    }

    /// Fills every space's figures with one grouped query per figure (one pass over
    /// each table, whatever the number of spaces).
    private static func fillAll(_ bySpace: inout [String: StagingSummary.Counts], db: Database) throws {
        func grouped(_ sql: String, _ apply: (inout StagingSummary.Counts, Row) -> Void) throws {
            let cursor = try Row.fetchCursor(db, sql: sql)
            while let row = try cursor.next() {
                guard let space: String = row["s"], bySpace[space] != nil else { continue }
                apply(&bySpace[space, default: StagingSummary.Counts()], row)
            }
        }
        func int(_ row: Row, _ column: String) -> Int { (row[column] as Int?) ?? 0 }
        let head = "original_id IS NULL AND COALESCE(status, 'current') = 'current'"
        try grouped(
            """
            SELECT effective_space_id AS s,
                   SUM(class = 'Page' AND \(head)) AS pages,
                   SUM(class = 'BlogPost' AND \(head)) AS blogs,
                   SUM(class = 'Comment' AND inline = 0 AND \(head)) AS footer,
                   SUM(class = 'Comment' AND inline = 1 AND \(head)) AS inline,
                   SUM((class IN ('Page', 'BlogPost') AND status = 'draft') OR class = 'Draft') AS drafts,
                   SUM(class IN ('Page', 'BlogPost') AND original_id IS NULL AND status = 'deleted') AS deleted,
                   SUM(class IN ('Page', 'BlogPost') AND original_id IS NULL AND status = 'archived') AS archived,
                   SUM(xml_bytes) AS bytes
            FROM staged_content WHERE effective_space_id IS NOT NULL GROUP BY effective_space_id
            """
        ) { counts, row in
            counts.pages = int(row, "pages")
            counts.blogPosts = int(row, "blogs")
            counts.footerComments = int(row, "footer")
            counts.inlineComments = int(row, "inline")
            counts.comments = counts.footerComments + counts.inlineComments
            counts.drafts = int(row, "drafts")
            counts.deleted = int(row, "deleted")
            counts.archived = int(row, "archived")
            counts.estimatedXMLBytes += row["bytes"] as Int64? ?? 0
        }
        try grouped(
            """
            SELECT h.effective_space_id AS s, COUNT(*) AS n
            FROM staged_content c JOIN staged_content h ON h.id = c.original_id
            WHERE c.original_id IS NOT NULL AND c.class IN ('Page', 'BlogPost')
              AND COALESCE(c.status, 'current') NOT IN ('draft', 'deleted')
              AND h.original_id IS NULL AND COALESCE(h.status, 'current') = 'current'
            GROUP BY h.effective_space_id
            """
        ) { counts, row in counts.historicalVersions = int(row, "n") }
        try grouped(
            """
            SELECT effective_space_id AS s, SUM(\(head)) AS n,
                   SUM(CASE WHEN \(head) THEN file_size ELSE 0 END) AS current_bytes,
                   SUM(CASE WHEN COALESCE(status, 'current') = 'current' THEN file_size ELSE 0 END) AS all_bytes,
                   SUM(xml_bytes) AS bytes
            FROM staged_attachments WHERE effective_space_id IS NOT NULL GROUP BY effective_space_id
            """
        ) { counts, row in
            counts.attachments = int(row, "n")
            counts.attachmentBytes = row["current_bytes"] as Int64? ?? 0
            counts.attachmentBytesAllVersions = row["all_bytes"] as Int64? ?? 0
            counts.estimatedXMLBytes += row["bytes"] as Int64? ?? 0
        }
        try grouped(
            """
            SELECT COALESCE(c.effective_space_id, a.effective_space_id) AS s, COUNT(*) AS n, SUM(l.xml_bytes) AS bytes
            FROM staged_labellings l
            JOIN staged_labels x ON x.id = l.label_id
            LEFT JOIN staged_content c ON c.id = l.content_id
            LEFT JOIN staged_attachments a ON a.id = l.content_id AND c.id IS NULL
            GROUP BY 1
            """
        ) { counts, row in
            counts.labels = int(row, "n")
            counts.estimatedXMLBytes += row["bytes"] as Int64? ?? 0
        }
        try grouped(
            """
            SELECT c.effective_space_id AS s, COUNT(*) AS n, SUM(p.xml_bytes) AS bytes
            FROM staged_content_permissions p
            JOIN staged_permission_sets ps ON ps.id = p.set_id
            JOIN staged_content c ON c.id = ps.content_id
            GROUP BY 1
            """
        ) { counts, row in
            counts.restrictions = int(row, "n")
            counts.estimatedXMLBytes += row["bytes"] as Int64? ?? 0
        }
        try grouped(
            """
            SELECT space_id AS s, COUNT(*) AS n, SUM(xml_bytes) AS bytes FROM staged_space_permissions
            WHERE space_id IS NOT NULL GROUP BY space_id
            """
        ) { counts, row in
            counts.spacePermissions = int(row, "n")
            counts.estimatedXMLBytes += row["bytes"] as Int64? ?? 0
        }
        try grouped(
            """
            SELECT c.effective_space_id AS s, b.body_type AS type, COUNT(*) AS n, SUM(b.xml_bytes) AS bytes
            FROM staged_bodies b JOIN staged_content c ON c.id = b.content_id
            GROUP BY 1, 2
            """
        ) { counts, row in
            let type: Int? = row["type"]
            let name =
                switch type {
                case nil: "untyped"
                case 0: "wiki"
                case 1: "raw"
                case 2: "storage"
                case let other?: "type-\(other)"
                }
            counts.bodyTypes[name, default: 0] += int(row, "n")
            counts.estimatedXMLBytes += row["bytes"] as Int64? ?? 0
        }
        try grouped(
            """
            SELECT COALESCE(c.effective_space_id, a.effective_space_id) AS s, SUM(p.xml_bytes) AS bytes
            FROM staged_content_properties p
            LEFT JOIN staged_content c ON c.id = p.content_id
            LEFT JOIN staged_attachments a ON a.id = p.content_id AND c.id IS NULL
            GROUP BY 1
            """
        ) { counts, row in counts.estimatedXMLBytes += row["bytes"] as Int64? ?? 0 }
        try grouped("SELECT id AS s, xml_bytes AS bytes FROM staged_spaces") { counts, row in
            counts.estimatedXMLBytes += row["bytes"] as Int64? ?? 0
        }
        for key in Array(bySpace.keys) {
            if var counts = bySpace[key] {
                counts.overCCMALimit = counts.estimatedXMLBytes > StagingSummary.ccmaSpaceLimitBytes
                bySpace[key] = counts
            }
        }
    }
}

extension StagingSummary.Counts {
    public mutating func add(_ other: StagingSummary.Counts) {
        pages += other.pages
        blogPosts += other.blogPosts
        historicalVersions += other.historicalVersions
        comments += other.comments
        footerComments += other.footerComments
        inlineComments += other.inlineComments
        attachments += other.attachments
        attachmentBytes += other.attachmentBytes
        attachmentBytesAllVersions += other.attachmentBytesAllVersions
        labels += other.labels
        restrictions += other.restrictions
        spacePermissions += other.spacePermissions
        drafts += other.drafts
        deleted += other.deleted
        archived += other.archived
        for (type, n) in other.bodyTypes { bodyTypes[type, default: 0] += n }
        estimatedXMLBytes += other.estimatedXMLBytes
    }
}
