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
                try db.execute(sql: "PRAGMA page_size = 16384")
                try db.execute(sql: "PRAGMA cache_size = -16000")
                try db.execute(sql: "PRAGMA temp_store = FILE")
            }
            let pool = try DatabasePool(
                path: folder.appendingPathComponent(databaseFileName).path, configuration: configuration)
            try migrator.migrate(pool)
            return Workspace(folder: folder, database: pool)
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
        return migrator
    }

    /// The migration ledger kept in this workspace's database.
    public var ledger: Ledger { Ledger(database: database) }

    /// Empties every staging table (a new export is about to be staged).
    public func resetStaging() throws {
        try database.write { db in
            for table in StagingSchema.tables { try db.execute(sql: "DELETE FROM \(table)") }
        }
    }

    /// Runs `body` with a writer that batches inserts into transactions of
    /// `batchSize` rows, then commits. Resolution runs separately (``resolveStaging()``).
    public func stage<T>(batchSize: Int = 20_000, _ body: (StagingWriter) throws -> T) throws -> T {
        try database.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA synchronous = OFF")
            defer { try? db.execute(sql: "PRAGMA synchronous = NORMAL") }
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
    private var statements: [String: Statement] = [:]

    init(db: Database, batchSize: Int) {
        self.db = db
        self.batchSize = batchSize
    }

    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    func begin() throws { try db.execute(sql: "BEGIN") }
    func commit() throws { try db.execute(sql: "COMMIT") }
    func rollback() throws { try db.execute(sql: "ROLLBACK") }

    /// Inserts `row`; returns false when a row with the same key already exists
    /// (the caller reports the duplicate).
    @discardableResult
    public func insert<Row: StagedRow>(_ row: Row) throws -> Bool {
        let statement: Statement
        if let cached = statements[Row.table] {
            statement = cached
        } else {
            let placeholders = Array(repeating: "?", count: Row.columns.count).joined(separator: ",")
            statement = try db.makeStatement(
                sql:
                    "INSERT OR IGNORE INTO \(Row.table) (\(Row.columns.joined(separator: ","))) VALUES (\(placeholders))"
            )
            statements[Row.table] = statement
        }
        // Bind and step with the C API: no intermediate argument arrays per row.
        let handle = statement.sqliteStatement
        sqlite3_reset(handle)
        for (offset, value) in row.values.enumerated() {
            let index = Int32(offset + 1)
            switch value {
            case .null: sqlite3_bind_null(handle, index)
            case .integer(let number): sqlite3_bind_int64(handle, index, number)
            case .text(let text):
                var text = text
                text.withUTF8 { utf8 in
                    _ = utf8.withMemoryRebound(to: CChar.self) { chars in
                        if let base = chars.baseAddress {
                            sqlite3_bind_text(handle, index, base, Int32(chars.count), Self.transient)
                        } else {
                            sqlite3_bind_text(handle, index, "", 0, Self.transient)
                        }
                    }
                }
            }
        }
        let code = sqlite3_step(handle)
        guard code == SQLITE_DONE else {
            throw DatabaseError(
                resultCode: ResultCode(rawValue: code), message: db.lastErrorMessage, sql: statement.sql)
        }
        let inserted = db.changesCount > 0
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
