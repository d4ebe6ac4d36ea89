public import FerryModel
import Foundation
public import GRDB

/// The migration ledger: one row per target write, in the workspace database.
///
/// Every write is recorded as an intent (``beginAttempt(_:)``) before its request is
/// sent and as done, with the target's id, after the response (``complete(_:targetId:)``).
/// Each is its own small transaction in WAL mode, so a SIGKILL at any moment leaves
/// every write either planned, in flight (sent or not: reconcile against the target
/// before retrying), done, failed or skipped, and never half-recorded. WAL readers
/// (``tally()``, ``entries(state:)``) never block the writer, so `ferry status`
/// watching a run does not slow it.
///
/// Durability: `synchronous=NORMAL` in WAL survives a crash of the process (the case
/// that matters: kill, OOM, Ctrl-C); after a power loss the last few transactions may
/// be rolled back, which reconciliation against the target repairs the same way.
public final class Ledger: Sendable {
    public let database: any DatabaseWriter

    public init(database: any DatabaseWriter) {
        self.database = database
    }

    /// Adds the ledger's tables to a workspace's schema migrator.
    public static func registerMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v1-ledger") { db in
            try db.execute(
                sql: """
                    CREATE TABLE ledger_writes (
                        key TEXT PRIMARY KEY NOT NULL,
                        kind TEXT NOT NULL,
                        space_key TEXT NOT NULL,
                        source_id TEXT NOT NULL,
                        state TEXT NOT NULL DEFAULT 'planned',
                        target_id TEXT,
                        attempts INTEGER NOT NULL DEFAULT 0,
                        last_error TEXT,
                        detail TEXT,
                        bytes INTEGER NOT NULL DEFAULT 0,
                        seq INTEGER NOT NULL,
                        planned_at REAL NOT NULL,
                        started_at REAL,
                        finished_at REAL
                    ) WITHOUT ROWID
                    """)
            try db.execute(sql: "CREATE INDEX ledger_writes_state ON ledger_writes(state, space_key)")
            try db.execute(sql: "CREATE INDEX ledger_writes_space_kind ON ledger_writes(space_key, kind, state)")
            try db.execute(sql: "CREATE INDEX ledger_writes_seq ON ledger_writes(seq)")
            try db.execute(sql: "CREATE INDEX ledger_writes_source ON ledger_writes(source_id)")
            try db.execute(
                sql: """
                    CREATE TABLE ledger_notes (
                        seq INTEGER PRIMARY KEY AUTOINCREMENT,
                        space_key TEXT NOT NULL,
                        source_id TEXT NOT NULL,
                        kind TEXT NOT NULL,
                        code TEXT NOT NULL,
                        message TEXT NOT NULL,
                        UNIQUE (source_id, kind, code, message)
                    )
                    """)
            try db.execute(sql: "CREATE INDEX ledger_notes_space ON ledger_notes(space_key, kind)")
        }
    }

    /// Records writes to be made. A key already in the ledger is left as it is, so
    /// planning again after a crash never resets finished work.
    /// - Returns: how many writes were new.
    @discardableResult
    public func plan(_ writes: some Sequence<PlannedWrite>) throws -> Int {
        try database.write { db in
            var sequence = try Int.fetchOne(db, sql: "SELECT COALESCE(MAX(seq), 0) FROM ledger_writes") ?? 0
            let statement = try db.cachedStatement(
                sql: """
                    INSERT INTO ledger_writes (key, kind, space_key, source_id, bytes, seq, planned_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(key) DO NOTHING
                    """)
            let now = Date().timeIntervalSince1970
            var added = 0
            for write in writes {
                sequence += 1
                try statement.execute(arguments: [
                    write.key.rawValue, write.kind.rawValue, write.spaceKey, write.sourceId, write.bytes, sequence, now,
                ])
                added += db.changesCount
            }
            return added
        }
    }

    /// Marks `key` in flight and counts the attempt. Call it before sending the request.
    /// - Throws: ``LedgerError/unknownWrite(_:)`` when the key was never planned, and
    ///   ``LedgerError/alreadyDone(_:targetId:)`` when it finished before (the caller must not send).
    public func beginAttempt(_ key: WriteKey) throws {
        try database.write { db in
            guard
                let row = try Row.fetchOne(
                    db.cachedStatement(sql: "SELECT state, target_id FROM ledger_writes WHERE key = ?"),
                    arguments: [key.rawValue])
            else {
                throw LedgerError.unknownWrite(key)
            }
            if row["state"] as String == WriteState.done.rawValue {
                throw LedgerError.alreadyDone(key, targetId: row["target_id"])
            }
            try db.cachedStatement(
                sql: """
                    UPDATE ledger_writes SET state = 'in_flight', attempts = attempts + 1, started_at = ?, last_error = NULL
                    WHERE key = ?
                    """
            ).execute(arguments: [Date().timeIntervalSince1970, key.rawValue])
        }
    }

    /// Marks `key` in flight and counts the attempt when it is planned, reading and
    /// updating in one transaction, and returns the entry as it was before. Returns `nil`
    /// (and changes nothing) when the key was never planned or is not planned now (done,
    /// failed, skipped or in flight): the caller must not send. Call it before sending.
    public func beginIfPlanned(_ key: WriteKey) throws -> LedgerEntry? {
        try database.write { db in
            guard
                let row = try Row.fetchOne(
                    db.cachedStatement(sql: "SELECT * FROM ledger_writes WHERE key = ?"), arguments: [key.rawValue])
            else { return nil }
            let entry = try Self.entry(row)
            guard entry.state == .planned else { return nil }
            try db.cachedStatement(
                sql: """
                    UPDATE ledger_writes SET state = 'in_flight', attempts = attempts + 1, started_at = ?, last_error = NULL
                    WHERE key = ?
                    """
            ).execute(arguments: [Date().timeIntervalSince1970, key.rawValue])
            return entry
        }
    }

    /// Records that the write took effect on the target, as `targetId`; `detail` keeps what
    /// later writes need from the response (an attachment's media file id, say).
    public func complete(_ key: WriteKey, targetId: String?, detail: String? = nil) throws {
        try update(
            key, sql: "state = 'done', target_id = ?, detail = ?, last_error = NULL, finished_at = ?",
            [targetId, detail, Date().timeIntervalSince1970])
    }

    /// The target id and detail of a finished write, or `nil` when it is not done.
    public func result(_ key: WriteKey) throws -> (targetId: String?, detail: String?)? {
        try database.read { db in
            try Row.fetchOne(
                db.cachedStatement(sql: "SELECT target_id, detail FROM ledger_writes WHERE key = ? AND state = 'done'"),
                arguments: [key.rawValue]
            ).map { ($0["target_id"], $0["detail"]) }
        }
    }

    /// Records something the report must show about a source object: a conversion
    /// fallback, an unresolved reference, a permission Cloud cannot take. Recording the
    /// same note twice (a rerun) keeps one.
    public func note(spaceKey: String, sourceId: String, kind: String, code: String, message: String) throws {
        try database.write { db in
            try db.execute(
                sql: """
                    INSERT INTO ledger_notes (space_key, source_id, kind, code, message) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT DO NOTHING
                    """, arguments: [spaceKey, sourceId, kind, code, SecretRegistry.shared.redact(message)])
        }
    }

    /// Notes recorded for `space` (all spaces when `nil`), in the order they were made.
    public func notes(space: String? = nil, limit: Int = .max) throws -> [LedgerNote] {
        try database.read { db in
            let rows: [Row]
            if let space {
                rows = try Row.fetchAll(
                    db, sql: "SELECT * FROM ledger_notes WHERE space_key = ? ORDER BY seq LIMIT ?",
                    arguments: [space, limit])
            } else {
                rows = try Row.fetchAll(db, sql: "SELECT * FROM ledger_notes ORDER BY seq LIMIT ?", arguments: [limit])
            }
            return rows.map {
                LedgerNote(
                    spaceKey: $0["space_key"], sourceId: $0["source_id"], kind: $0["kind"], code: $0["code"],
                    message: $0["message"])
            }
        }
    }

    /// Records a failed attempt. A `permanent` failure (a 400 the target will always give)
    /// leaves the write failed; otherwise it returns to planned for the next attempt.
    public func fail(_ key: WriteKey, error: String, permanent: Bool) throws {
        let state = permanent ? WriteState.failed : WriteState.planned
        try update(
            key, sql: "state = ?, last_error = ?, finished_at = ?",
            [state.rawValue, SecretRegistry.shared.redact(error), Date().timeIntervalSince1970])
    }

    /// Records that the write will not be made, and why (it appears in the report).
    public func skip(_ key: WriteKey, reason: String) throws {
        try update(
            key, sql: "state = 'skipped', last_error = ?, finished_at = ?", [reason, Date().timeIntervalSince1970])
    }

    /// Returns every write left in flight by an interrupted run to planned, keeping its
    /// attempt count: a write with attempts must look for its own effect on the target
    /// before it is sent again. Call once at the start of a run.
    @discardableResult
    public func requeueInFlight() throws -> Int {
        try database.write { db in
            try db.execute(sql: "UPDATE ledger_writes SET state = 'planned' WHERE state = 'in_flight'")
            return db.changesCount
        }
    }

    /// Returns failed writes of `spaces` (all spaces when `nil`) to planned, for `--only-failed` reruns.
    @discardableResult
    public func retryFailed(spaces: Set<String>? = nil) throws -> Int {
        try database.write { db in
            if let spaces {
                for space in spaces {
                    try db.execute(
                        sql: "UPDATE ledger_writes SET state = 'planned' WHERE state = 'failed' AND space_key = ?",
                        arguments: [space])
                }
            } else {
                try db.execute(sql: "UPDATE ledger_writes SET state = 'planned' WHERE state = 'failed'")
            }
            return db.changesCount
        }
    }

    private func update(_ key: WriteKey, sql assignments: String, _ values: [(any DatabaseValueConvertible)?]) throws {
        try database.write { db in
            // A handful of distinct statements (done, failed, skipped): prepared once per connection.
            try db.cachedStatement(sql: "UPDATE ledger_writes SET \(assignments) WHERE key = ?").execute(
                arguments: StatementArguments(values + [key.rawValue]))
            if db.changesCount == 0 { throw LedgerError.unknownWrite(key) }
        }
    }

    // MARK: - reading

    /// The entry for `key`, or `nil` when it was never planned.
    public func entry(_ key: WriteKey) throws -> LedgerEntry? {
        try database.read { db in
            try Row.fetchOne(
                db.cachedStatement(sql: "SELECT * FROM ledger_writes WHERE key = ?"), arguments: [key.rawValue]
            ).map(
                Self.entry)
        }
    }

    /// Entries in `state`, in planning order, optionally for one space; at most `limit`.
    public func entries(state: WriteState, space: String? = nil, limit: Int = .max) throws -> [LedgerEntry] {
        try database.read { db in
            let rows: [Row]
            if let space {
                rows = try Row.fetchAll(
                    db, sql: "SELECT * FROM ledger_writes WHERE state = ? AND space_key = ? ORDER BY seq LIMIT ?",
                    arguments: [state.rawValue, space, limit])
            } else {
                rows = try Row.fetchAll(
                    db, sql: "SELECT * FROM ledger_writes WHERE state = ? ORDER BY seq LIMIT ?",
                    arguments: [state.rawValue, limit])
            }
            return try rows.map(Self.entry)
        }
    }

    /// Objects Ferry created on the target in `spaces` (all when `nil`), newest first: the
    /// order in which `ferry wipe` deletes them (comments before pages before spaces).
    public func createdObjects(spaces: Set<String>? = nil) throws -> [LedgerEntry] {
        let kinds = WriteKind.allCases.filter(\.createsTargetObject).map { "'\($0.rawValue)'" }.joined(separator: ",")
        return try database.read { db in
            try Row.fetchAll(
                db,
                sql:
                    "SELECT * FROM ledger_writes WHERE state = 'done' AND target_id IS NOT NULL AND kind IN (\(kinds)) ORDER BY seq DESC"
            )
            .map(Self.entry)
            .filter { spaces?.contains($0.spaceKey) ?? true }
        }
    }

    /// Removes every write and note of `space`, after `ferry wipe` deleted what they created:
    /// a later migration plans the space from scratch.
    public func forget(space: String) throws {
        try database.write { db in
            try db.execute(sql: "DELETE FROM ledger_writes WHERE space_key = ?", arguments: [space])
            try db.execute(sql: "DELETE FROM ledger_notes WHERE space_key = ?", arguments: [space])
        }
    }

    /// How many writes finished (done) since `time` (seconds since 1970), for rates.
    public func finishedCount(since time: Double) throws -> Int {
        try database.read { db in
            try Int.fetchOne(
                db, sql: "SELECT COUNT(*) FROM ledger_writes WHERE state = 'done' AND finished_at >= ?",
                arguments: [time])
                ?? 0
        }
    }

    /// Counts and bytes per space, kind and state.
    public func tally() throws -> [LedgerTally] {
        try database.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT space_key, kind, state, COUNT(*) AS n, SUM(bytes) AS b FROM ledger_writes
                    GROUP BY space_key, kind, state ORDER BY space_key, kind, state
                    """
            ).compactMap { row in
                guard let kind = WriteKind(rawValue: row["kind"]), let state = WriteState(rawValue: row["state"]) else {
                    return nil
                }
                return LedgerTally(
                    spaceKey: row["space_key"], kind: kind, state: state, count: row["n"], bytes: row["b"] ?? 0)
            }
        }
    }

    static func entry(_ row: Row) throws -> LedgerEntry {
        let key: String = row["key"]
        guard let kind = WriteKind(rawValue: row["kind"]), let state = WriteState(rawValue: row["state"]) else {
            throw LedgerError.corruptRow(key: key)
        }
        return LedgerEntry(
            key: WriteKey(rawValue: key), kind: kind, spaceKey: row["space_key"], sourceId: row["source_id"],
            state: state,
            targetId: row["target_id"], attempts: row["attempts"], lastError: row["last_error"], bytes: row["bytes"],
            detail: row["detail"])
    }
}

/// A ledger operation that cannot be carried out.
public enum LedgerError: FerryError, Equatable {
    case unknownWrite(WriteKey)
    case alreadyDone(WriteKey, targetId: String?)
    case corruptRow(key: String)

    public var summary: String {
        switch self {
        case .unknownWrite(let key): "the ledger has no planned write \(key)"
        case .alreadyDone(let key, let targetId): "write \(key) is already done (target id \(targetId ?? "none"))"
        case .corruptRow(let key): "the ledger row \(key) has a kind or state this version of Ferry does not know"
        }
    }

    public var remedy: String? {
        switch self {
        case .unknownWrite: "plan the migration again (ferry migrate re-plans on start)"
        case .alreadyDone: nil
        case .corruptRow: "use the Ferry version that wrote this workspace, or start a new workspace"
        }
    }
}
