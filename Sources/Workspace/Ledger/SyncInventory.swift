import Foundation
public import GRDB

/// What Ferry last wrote to Cloud for each migrated page and blog post, the baseline
/// that `ferry sync` compares a fresh read of the source against.
///
/// One row per content object: where it sat in the source (parent, position, title,
/// version, restriction and label hashes) when Ferry last wrote it, its Cloud id and the
/// Cloud version number Ferry's last write left (a different number in Cloud means
/// somebody edited it there: a conflict). Current attachment versions have their own
/// table. The rows change only after the write they describe is done in the ledger,
/// so an interrupted pass leaves the baseline consistent with Cloud.
public final class SyncInventory: Sendable {
    public let database: any DatabaseWriter

    public init(database: any DatabaseWriter) {
        self.database = database
    }

    /// Adds the sync tables to a workspace's schema migrator.
    public static func registerMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v2-sync") { db in
            try db.execute(
                sql: """
                    CREATE TABLE sync_inventory (
                        source_id TEXT PRIMARY KEY NOT NULL,
                        space_key TEXT NOT NULL,
                        blog_post INTEGER NOT NULL DEFAULT 0,
                        parent_id TEXT,
                        position INTEGER,
                        title TEXT,
                        version INTEGER,
                        restriction_hash TEXT NOT NULL DEFAULT '',
                        label_hash TEXT NOT NULL DEFAULT '',
                        target_id TEXT NOT NULL,
                        target_version INTEGER,
                        deleted INTEGER NOT NULL DEFAULT 0
                    ) WITHOUT ROWID
                    """)
            try db.execute(sql: "CREATE INDEX sync_inventory_space ON sync_inventory(space_key, deleted)")
            try db.execute(
                sql: """
                    CREATE TABLE sync_attachments (
                        attachment_id TEXT PRIMARY KEY NOT NULL,
                        content_id TEXT NOT NULL,
                        version INTEGER NOT NULL
                    ) WITHOUT ROWID
                    """)
            try db.execute(sql: "CREATE TABLE sync_meta (key TEXT PRIMARY KEY NOT NULL, value TEXT)")
            try db.execute(
                sql: """
                    CREATE TABLE sync_passes (
                        seq INTEGER PRIMARY KEY AUTOINCREMENT,
                        started_at REAL NOT NULL,
                        query_time REAL NOT NULL,
                        finished_at REAL,
                        outcome TEXT
                    )
                    """)
        }
    }

    /// One row of the inventory.
    public struct Item: Sendable, Equatable, Codable {
        public var sourceId: String
        public var spaceKey: String
        public var blogPost: Bool
        public var parentId: String?
        public var position: Int64?
        public var title: String?
        public var version: Int64?
        public var restrictionHash: String
        public var labelHash: String
        public var targetId: String
        public var targetVersion: Int?
        public var deleted: Bool

        public init(
            sourceId: String, spaceKey: String, blogPost: Bool, parentId: String?, position: Int64?, title: String?,
            version: Int64?, restrictionHash: String, labelHash: String, targetId: String, targetVersion: Int?,
            deleted: Bool = false
        ) {
            self.sourceId = sourceId
            self.spaceKey = spaceKey
            self.blogPost = blogPost
            self.parentId = parentId
            self.position = position
            self.title = title
            self.version = version
            self.restrictionHash = restrictionHash
            self.labelHash = labelHash
            self.targetId = targetId
            self.targetVersion = targetVersion
            self.deleted = deleted
        }
    }

    /// Whether any row exists (the baseline was taken).
    public func isEmpty() throws -> Bool {
        try database.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM sync_inventory") ?? 0 } == 0
    }

    /// Inserts or replaces rows.
    public func save(_ items: some Sequence<Item>) throws {
        try database.write { db in
            let statement = try db.cachedStatement(
                sql: """
                    INSERT OR REPLACE INTO sync_inventory (source_id, space_key, blog_post, parent_id, position, title,
                        version, restriction_hash, label_hash, target_id, target_version, deleted)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
            for item in items {
                try statement.execute(arguments: [
                    item.sourceId, item.spaceKey, item.blogPost, item.parentId, item.position, item.title,
                    item.version, item.restrictionHash, item.labelHash, item.targetId, item.targetVersion,
                    item.deleted,
                ])
            }
        }
    }

    /// The row of `sourceId`, or `nil`.
    public func item(_ sourceId: String) throws -> Item? {
        try database.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM sync_inventory WHERE source_id = ?", arguments: [sourceId]).map(
                Self.item)
        }
    }

    /// Rows of a space that are not deleted.
    public func items(spaceKey: String) throws -> [Item] {
        try database.read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM sync_inventory WHERE space_key = ? AND deleted = 0 ORDER BY source_id",
                arguments: [spaceKey]
            ).map(Self.item)
        }
    }

    /// Every source id the inventory knows (deleted ones too), for "is this new?".
    public func knownIds(spaceKey: String) throws -> Set<String> {
        try database.read { db in
            Set(
                try String.fetchAll(
                    db, sql: "SELECT source_id FROM sync_inventory WHERE space_key = ?", arguments: [spaceKey]))
        }
    }

    /// The space keys the inventory covers.
    public func spaceKeys() throws -> [String] {
        try database.read { db in
            try String.fetchAll(db, sql: "SELECT DISTINCT space_key FROM sync_inventory ORDER BY space_key")
        }
    }

    /// The attachment versions recorded for a page (attachment id → version).
    public func attachmentVersions(contentId: String) throws -> [String: Int64] {
        try database.read { db in
            var result: [String: Int64] = [:]
            for row in try Row.fetchAll(
                db, sql: "SELECT attachment_id, version FROM sync_attachments WHERE content_id = ?",
                arguments: [contentId])
            {
                result[row["attachment_id"]] = row["version"]
            }
            return result
        }
    }

    /// Records the current version of attachments (attachment id, page id, version).
    public func saveAttachments(_ rows: [(attachmentId: String, contentId: String, version: Int64)]) throws {
        try database.write { db in
            let statement = try db.cachedStatement(
                sql: "INSERT OR REPLACE INTO sync_attachments (attachment_id, content_id, version) VALUES (?, ?, ?)")
            for row in rows {
                try statement.execute(arguments: [row.attachmentId, row.contentId, row.version])
            }
        }
    }

    // MARK: - metadata

    public func meta(_ key: String) throws -> String? {
        try database.read { db in
            try String.fetchOne(db, sql: "SELECT value FROM sync_meta WHERE key = ?", arguments: [key])
        }
    }

    public func setMeta(_ key: String, _ value: String?) throws {
        try database.write { db in
            if let value {
                try db.execute(
                    sql: "INSERT OR REPLACE INTO sync_meta (key, value) VALUES (?, ?)", arguments: [key, value])
            } else {
                try db.execute(sql: "DELETE FROM sync_meta WHERE key = ?", arguments: [key])
            }
        }
    }

    // MARK: - passes

    /// A sync pass: its number, when it started and the frozen query time it reads changes up to.
    public struct Pass: Sendable, Equatable {
        public var number: Int
        public var startedAt: Double
        public var queryTime: Double
        public var finishedAt: Double?
        public var outcome: String?
    }

    /// The unfinished pass an interrupted run left, or a new one. A resumed pass keeps its
    /// number (so its ledger keys are the same) and its frozen query time.
    public func beginPass() throws -> (pass: Pass, resumed: Bool) {
        let now = Date().timeIntervalSince1970
        return try database.write { db in
            if let row = try Row.fetchOne(
                db, sql: "SELECT * FROM sync_passes WHERE finished_at IS NULL ORDER BY seq DESC LIMIT 1")
            {
                return (Self.pass(row), true)
            }
            try db.execute(
                sql: "INSERT INTO sync_passes (started_at, query_time) VALUES (?, ?)", arguments: [now, now])
            return (Pass(number: Int(db.lastInsertedRowID), startedAt: now, queryTime: now), false)
        }
    }

    public func finishPass(_ number: Int, outcome: String) throws {
        try database.write { db in
            try db.execute(
                sql: "UPDATE sync_passes SET finished_at = ?, outcome = ? WHERE seq = ?",
                arguments: [Date().timeIntervalSince1970, outcome, number])
        }
    }

    /// Finished passes, newest first.
    public func passes(limit: Int = 20) throws -> [Pass] {
        try database.read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM sync_passes WHERE finished_at IS NOT NULL ORDER BY seq DESC LIMIT ?",
                arguments: [limit]
            ).map(Self.pass)
        }
    }

    static func pass(_ row: Row) -> Pass {
        Pass(
            number: row["seq"], startedAt: row["started_at"], queryTime: row["query_time"],
            finishedAt: row["finished_at"], outcome: row["outcome"])
    }

    static func item(_ row: Row) -> Item {
        Item(
            sourceId: row["source_id"], spaceKey: row["space_key"], blogPost: row["blog_post"],
            parentId: row["parent_id"], position: row["position"], title: row["title"], version: row["version"],
            restrictionHash: row["restriction_hash"], labelHash: row["label_hash"], targetId: row["target_id"],
            targetVersion: row["target_version"], deleted: row["deleted"])
    }

    /// A short stable digest of `parts` (restriction and label sets), order-insensitive.
    public static func digest(_ parts: [String]) -> String {
        guard !parts.isEmpty else { return "" }
        // FNV-1a, 64 bits: stable across runs and platforms (Hasher is seeded per process).
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in parts.sorted().joined(separator: "\n").utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return String(hash, radix: 16)
    }
}

extension Workspace {
    /// The sync baseline kept in this workspace's database.
    public var syncInventory: SyncInventory { SyncInventory(database: database) }

    /// Source modification time (`lastModificationDate`, as staged) of a content object.
    public func modified(contentID: String) throws -> String? {
        try database.read { db in
            try String.fetchOne(db, sql: "SELECT modified FROM staged_content WHERE id = ?", arguments: [contentID])
        }
    }
}
