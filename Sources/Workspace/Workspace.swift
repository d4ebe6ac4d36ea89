public import FerryModel
public import Foundation
public import GRDB
import GRDBSQLite

/// Ferry's on-disk state: one SQLite database (WAL) in a workspace folder.
///
/// The `staged_*` tables hold what a source (an XML export) contained, written as
/// raw rows while streaming and joined with SQL afterwards, so memory does not grow
/// with the export. Later stages (the migration ledger) add their own tables
/// through ``Workspace/migrator``; staging tables are replaced wholesale by
/// ``resetStaging()`` and never touch them.
public final class Workspace: Sendable {
    public let folder: URL
    public let database: DatabasePool

    public static let databaseFileName = "ferry.sqlite"

    private init(folder: URL, database: DatabasePool) {
        self.folder = folder
        self.database = database
    }

    /// Opens (creating when needed) the workspace in `folder` and migrates its schema.
    public static func open(at folder: URL) throws -> Workspace {
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            var configuration = Configuration()
            // Another ferry process may hold the write lock for a moment (a sync loop and
            // `ferry cutover`, `ferry status` during a run): wait rather than fail.
            configuration.busyMode = .timeout(30)
            configuration.prepareDatabase { db in
                // 4 KiB pages (SQLite's default; it applies to a new file only). Every ledger
                // commit writes each page it touched to the WAL whole: with 16 KiB pages a
                // migration wrote four times the bytes and spent about a fifth more CPU per
                // page, while staging a 2 GB export took as long with either size
                // (docs/benchmarks.md, session 6).
                try db.execute(sql: "PRAGMA page_size = 4096")
                try db.execute(sql: "PRAGMA cache_size = -\(Workspace.cacheKiB)")
                try db.execute(sql: "PRAGMA temp_store = FILE")
            }
            // Two processes opening a new workspace at once (`ferry status --watch` started as
            // `ferry migrate` creates it) can collide while one switches the file to WAL
            // ("database is locked") or both find a migration not yet applied ("already
            // exists"); the loser tries again once the other has committed.
            var attempt = 0
            while true {
                do {
                    let pool = try DatabasePool(
                        path: folder.appendingPathComponent(databaseFileName).path, configuration: configuration)
                    try migrator.migrate(pool)
                    return Workspace(folder: folder, database: pool)
                } catch let error as DatabaseError
                    where attempt < 8
                    && (error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED
                        || "\(error)".contains("already exists"))
                {
                    attempt += 1
                    Thread.sleep(forTimeInterval: 0.1 * Double(attempt))
                }
            }
        } catch let error as DatabaseError {
            throw WorkspaceError.database(path: folder.path, reason: "\(error)")
        } catch let error as CocoaError {
            throw WorkspaceError.database(path: folder.path, reason: error.localizedDescription)
        }
    }

    /// Every schema version, in order. Add later migrations (the ledger) at the end.
    public static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-staging") { db in
            for statement in StagingSchema.statements { try db.execute(sql: statement) }
        }
        Ledger.registerMigrations(&migrator)
        SyncInventory.registerMigrations(&migrator)
        migrator.registerMigration("v3-staged-attachments-file-container") { db in
            try db.execute(sql: StagingSchema.attachmentFileContainerIndex)
        }
        Ledger.registerCountMigrations(&migrator)
        return migrator
    }

    /// The migration ledger kept in this workspace's database.
    public var ledger: Ledger { Ledger(database: database) }

    /// Writes the staged tables through to the database file and syncs it, so that a
    /// power loss after this call cannot lose what the bulk load (run without fsync)
    /// wrote. Call it before recording that staging is complete.
    public func makeStagingDurable() throws {
        try database.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            _ = try Row.fetchAll(db, sql: "PRAGMA wal_checkpoint(TRUNCATE)")
        }
    }

    /// Empties every staging table (a new export is about to be staged).
    public func resetStaging() throws {
        try database.write { db in
            for table in StagingSchema.tables { try db.execute(sql: "DELETE FROM \(table)") }
        }
    }

    /// SQLite's page cache on the writer connection while staging and resolving (a bulk
    /// load), and the everyday size restored afterwards.
    static let bulkCacheKiB = 65_536
    static let cacheKiB = 16_000

    /// Runs `body` with a writer that batches inserts into transactions of
    /// `batchSize` rows, then commits. Resolution runs separately (``resolveStaging()``).
    ///
    /// Staging is a bulk load that can simply be redone from the export, so it runs
    /// with `synchronous = OFF` (no fsync per commit) and a larger page cache; the
    /// durable settings come back when it ends. A crash or interrupt mid-way leaves
    /// partly filled `staged_*` tables: every run starts with ``resetStaging()``, and
    /// callers that keep staging across runs mark it complete only after
    /// ``makeStagingDurable()`` (see `SourceStaging`), so a rerun stages afresh.
    public func stage<T>(batchSize: Int = 20_000, _ body: (StagingWriter) throws -> T) throws -> T {
        try database.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA synchronous = OFF")
            try db.execute(sql: "PRAGMA cache_size = -\(Self.bulkCacheKiB)")
            defer {
                try? db.execute(sql: "PRAGMA synchronous = NORMAL")
                try? db.execute(sql: "PRAGMA cache_size = -\(Self.cacheKiB)")
            }
            let writer = StagingWriter(db: db, batchSize: batchSize)
            try writer.begin()
            do {
                let result = try body(writer)
                try writer.commit()
                return result
            } catch {
                try? writer.rollback()
                throw error
            }
        }
    }
}

/// Inserts staged rows inside batched transactions. Obtained from ``Workspace/stage(batchSize:_:)``.
public final class StagingWriter {
    private let db: Database
    private let batchSize: Int
    private var pending = 0
    /// One prepared INSERT per row type (keyed by type: no string hashing per row).
    private var statements: [ObjectIdentifier: Statement] = [:]

    init(db: Database, batchSize: Int) {
        self.db = db
        self.batchSize = batchSize
    }

    func begin() throws { try db.execute(sql: "BEGIN") }
    func commit() throws { try db.execute(sql: "COMMIT") }
    func rollback() throws { try db.execute(sql: "ROLLBACK") }

    /// Inserts `row`; returns false when a row with the same key already exists
    /// (the caller reports the duplicate).
    @discardableResult
    public func insert<Row: StagedRow>(_ row: Row) throws -> Bool {
        let statement: Statement
        if let cached = statements[ObjectIdentifier(Row.self)] {
            statement = cached
        } else {
            let placeholders = Array(repeating: "?", count: Row.columns.count).joined(separator: ",")
            statement = try db.makeStatement(
                sql:
                    "INSERT OR IGNORE INTO \(Row.table) (\(Row.columns.joined(separator: ","))) VALUES (\(placeholders))"
            )
            statements[ObjectIdentifier(Row.self)] = statement
        }
        // Bind and step with the C API: no intermediate argument arrays per row.
        let handle = statement.sqliteStatement
        sqlite3_reset(handle)
        var binder = StagedBinder(statement: handle)
        row.bind(to: &binder)
        let code = sqlite3_step(handle)
        guard code == SQLITE_DONE else {
            throw DatabaseError(
                resultCode: ResultCode(rawValue: code), message: db.lastErrorMessage, sql: statement.sql)
        }
        let inserted = sqlite3_changes(db.sqliteConnection) > 0
        pending += 1
        if pending >= batchSize {
            try commit()
            try begin()
            pending = 0
        }
        return inserted
    }

    /// Sets a key of the export's metadata (`exportType`, `spaceKey`, …).
    public func setMetadata(_ key: String, _ value: String?) throws {
        try db.execute(
            sql: "INSERT OR REPLACE INTO staged_export (key, value) VALUES (?, ?)", arguments: [key, value])
    }
}

public enum WorkspaceError: FerryError {
    case database(path: String, reason: String)

    public var summary: String {
        switch self {
        case .database(let path, let reason): "the workspace database in '\(path)' cannot be used: \(reason)"
        }
    }

    public var remedy: String? {
        "check that the folder is writable and has free space; give a new --workspace folder to start afresh"
    }
}
