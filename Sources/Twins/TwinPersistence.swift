import Foundation
import GRDB

/// Write-through SQLite storage for the twin's state (`--data DIR`), so that a
/// rehearsal survives a restart. Every object is one row of JSON keyed by kind and
/// id; attachment bytes live in their own table, one row per version.
final class TwinPersistence: Sendable {
    let path: String
    private let queue: DatabaseQueue

    init(directory: String) throws {
        let url = URL(fileURLWithPath: directory, isDirectory: true)
        let file = url.appendingPathComponent("cloud-twin.sqlite").path
        path = file
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
            var configuration = Configuration()
            configuration.prepareDatabase { db in
                try db.execute(sql: "PRAGMA journal_mode = WAL")
                try db.execute(sql: "PRAGMA synchronous = NORMAL")
            }
            queue = try DatabaseQueue(path: file, configuration: configuration)
            try queue.write { db in
                try db.execute(
                    sql: """
                        CREATE TABLE IF NOT EXISTS objects (kind TEXT NOT NULL, id INTEGER NOT NULL, json BLOB NOT NULL,
                            PRIMARY KEY (kind, id));
                        CREATE TABLE IF NOT EXISTS blobs (key TEXT PRIMARY KEY, bytes BLOB NOT NULL);
                        CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
                        """)
            }
        } catch {
            throw TwinError.storage(path: file, reason: String(describing: error))
        }
    }

    func loadAll() throws -> (objects: [(String, Int, Data)], nextId: Int?) {
        do {
            return try queue.read { db in
                let rows = try Row.fetchAll(db, sql: "SELECT kind, id, json FROM objects ORDER BY id")
                let objects: [(String, Int, Data)] = rows.map { ($0["kind"], $0["id"], $0["json"]) }
                let next = try Int.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'nextId'")
                return (objects, next)
            }
        } catch {
            throw TwinError.storage(path: path, reason: String(describing: error))
        }
    }

    func blob(_ key: String) -> [UInt8]? {
        try? queue.read { db in try Data.fetchOne(db, sql: "SELECT bytes FROM blobs WHERE key = ?", arguments: [key]) }
            .map { [UInt8]($0) }
    }

    /// Applies one batch of changes in a transaction.
    func write(upserts: [(String, Int, Data)], deletes: [(String, Int)], blobs: [(String, [UInt8])], nextId: Int) throws
    {
        do {
            try queue.write { db in
                for (kind, id, json) in upserts {
                    try db.execute(
                        sql: "INSERT OR REPLACE INTO objects (kind, id, json) VALUES (?, ?, ?)",
                        arguments: [kind, id, json])
                }
                for (kind, id) in deletes {
                    try db.execute(sql: "DELETE FROM objects WHERE kind = ? AND id = ?", arguments: [kind, id])
                }
                for (key, bytes) in blobs {
                    try db.execute(
                        sql: "INSERT OR REPLACE INTO blobs (key, bytes) VALUES (?, ?)", arguments: [key, Data(bytes)])
                }
                try db.execute(
                    sql: "INSERT OR REPLACE INTO meta (key, value) VALUES ('nextId', ?)", arguments: [nextId])
            }
        } catch {
            throw TwinError.storage(path: path, reason: String(describing: error))
        }
    }

    func reset() throws {
        do {
            try queue.write { db in
                try db.execute(sql: "DELETE FROM objects; DELETE FROM blobs; DELETE FROM meta;")
            }
        } catch {
            throw TwinError.storage(path: path, reason: String(describing: error))
        }
    }
}
