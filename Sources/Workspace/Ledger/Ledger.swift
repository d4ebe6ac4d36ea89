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

    /// The ledger's later tables: registered after the other tables' first versions, since
    /// a migrator applies its migrations in the order they were registered.
    public static func registerCountMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v4-ledger-counts") { db in
            try db.execute(
                sql: """
                    CREATE TABLE ledger_counts (
                        space_key TEXT NOT NULL,
                        kind TEXT NOT NULL,
                        state TEXT NOT NULL,
                        n INTEGER NOT NULL,
                        bytes INTEGER NOT NULL,
                        PRIMARY KEY (space_key, kind, state)
                    ) WITHOUT ROWID
                    """)
            // Done writes by finish time, for the rate `ferry status` shows: only recent ones are read.
            try db.execute(
                sql: "CREATE INDEX ledger_writes_done_finished ON ledger_writes(finished_at) WHERE state = 'done'")
            // A workspace written by an earlier version: count its rows once.
            try recount(db)
        }
    }

    /// Rebuilds `ledger_counts` from `ledger_writes`. For the rare bulk changes (requeue,
    /// retry, forget); every single-write change adjusts the counts in its own transaction.
    static func recount(_ db: Database) throws {
        try db.execute(sql: "DELETE FROM ledger_counts")
        try db.execute(
            sql: """
                INSERT INTO ledger_counts (space_key, kind, state, n, bytes)
                SELECT space_key, kind, state, COUNT(*), COALESCE(SUM(bytes), 0) FROM ledger_writes
                GROUP BY space_key, kind, state
                """)
    }

    /// Moves one write of `space` and `kind` (with its `bytes`) from state `from` (nil: a
    /// new write) to `to`, in `ledger_counts`. Runs in the transaction of the change itself,
    /// so the counts always equal a `GROUP BY` over the ledger.
    static func count(
        _ db: Database, space: String, kind: String, bytes: Int64, from: String?, to: String, times: Int = 1
    ) throws {
        guard from != to else { return }
        if let from {
            try db.cachedStatement(
                sql: """
                    UPDATE ledger_counts SET n = n - ?, bytes = bytes - ?
                    WHERE space_key = ? AND kind = ? AND state = ?
                    """
            ).execute(arguments: [times, bytes, space, kind, from])
        }
        try db.cachedStatement(
            sql: """
                INSERT INTO ledger_counts (space_key, kind, state, n, bytes) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (space_key, kind, state) DO UPDATE SET n = n + excluded.n, bytes = bytes + excluded.bytes
                """
        ).execute(arguments: [space, kind, to, times, bytes])
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
            var counts: [Pair: (n: Int, bytes: Int64)] = [:]
            for write in writes {
                sequence += 1
                try statement.execute(arguments: [
                    write.key.rawValue, write.kind.rawValue, write.spaceKey, write.sourceId, write.bytes, sequence, now,
                ])
                if db.changesCount > 0 {
                    added += 1
                    counts[Pair(space: write.spaceKey, kind: write.kind.rawValue), default: (0, 0)].n += 1
                    counts[Pair(space: write.spaceKey, kind: write.kind.rawValue), default: (0, 0)].bytes += write.bytes
                }
            }
            for (pair, count) in counts {
                try Self.count(
                    db, space: pair.space, kind: pair.kind, bytes: count.bytes, from: nil,
                    to: WriteState.planned.rawValue, times: count.n)
            }
            return added
        }
    }

    private struct Pair: Hashable {
        var space: String
        var kind: String
    }

    /// Marks `key` in flight and counts the attempt. Call it before sending the request.
    /// - Throws: ``LedgerError/unknownWrite(_:)`` when the key was never planned, and
    ///   ``LedgerError/alreadyDone(_:targetId:)`` when it finished before (the caller must not send).
    public func beginAttempt(_ key: WriteKey) throws {
        try database.write { db in
            guard
                let row = try Row.fetchOne(
                    db.cachedStatement(
                        sql: "SELECT state, target_id, space_key, kind, bytes FROM ledger_writes WHERE key = ?"),
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
            try Self.count(
                db, space: row["space_key"], kind: row["kind"], bytes: row["bytes"], from: row["state"],
                to: WriteState.inFlight.rawValue)
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
            try Self.count(
                db, space: entry.spaceKey, kind: entry.kind.rawValue, bytes: entry.bytes, from: entry.state.rawValue,
                to: WriteState.inFlight.rawValue)
            return entry
        }
    }

    /// Records that the write took effect on the target, as `targetId`; `detail` keeps what
    /// later writes need from the response (an attachment's media file id, say).
    public func complete(_ key: WriteKey, targetId: String?, detail: String? = nil) throws {
        try update(
            key, to: .done, sql: "target_id = ?, detail = ?, last_error = NULL, finished_at = ?",
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

    /// The source objects that have a note with `code`.
    public func noteSources(code: String) throws -> Set<String> {
        try database.read { db in
            Set(try String.fetchAll(db, sql: "SELECT source_id FROM ledger_notes WHERE code = ?", arguments: [code]))
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
            key, to: state, sql: "last_error = ?, finished_at = ?",
            [SecretRegistry.shared.redact(error), Date().timeIntervalSince1970])
    }

    /// Records that the write will not be made, and why (it appears in the report).
    public func skip(_ key: WriteKey, reason: String) throws {
        try update(key, to: .skipped, sql: "last_error = ?, finished_at = ?", [reason, Date().timeIntervalSince1970])
    }

    /// Returns every write left in flight by an interrupted run to planned, keeping its
    /// attempt count: a write with attempts must look for its own effect on the target
    /// before it is sent again. Call once at the start of a run.
    @discardableResult
    public func requeueInFlight() throws -> Int {
        try database.write { db in
            try db.execute(sql: "UPDATE ledger_writes SET state = 'planned' WHERE state = 'in_flight'")
            let changed = db.changesCount
            if changed > 0 { try Self.recount(db) }
            return changed
        }
    }

    /// Returns failed writes of `spaces` (all spaces when `nil`) to planned, for `--only-failed` reruns.
    @discardableResult
    public func retryFailed(spaces: Set<String>? = nil) throws -> Int {
        try database.write { db in
            let before = db.totalChangesCount
            if let spaces {
                for space in spaces {
                    try db.execute(
                        sql: "UPDATE ledger_writes SET state = 'planned' WHERE state = 'failed' AND space_key = ?",
                        arguments: [space])
                }
            } else {
                try db.execute(sql: "UPDATE ledger_writes SET state = 'planned' WHERE state = 'failed'")
            }
            let changed = db.totalChangesCount - before
            if changed > 0 { try Self.recount(db) }
            return changed
        }
    }

    /// Sets `key`'s state to `state` and the other `assignments`, and moves it in the counts.
    private func update(
        _ key: WriteKey, to state: WriteState, sql assignments: String, _ values: [(any DatabaseValueConvertible)?]
    ) throws {
        try database.write { db in
            guard
                let row = try Row.fetchOne(
                    db.cachedStatement(sql: "SELECT state, space_key, kind, bytes FROM ledger_writes WHERE key = ?"),
                    arguments: [key.rawValue])
            else { throw LedgerError.unknownWrite(key) }
            // A handful of distinct statements (done, failed, skipped): prepared once per connection.
            try db.cachedStatement(sql: "UPDATE ledger_writes SET state = ?, \(assignments) WHERE key = ?").execute(
                arguments: StatementArguments([state.rawValue] + values + [key.rawValue]))
            try Self.count(
                db, space: row["space_key"], kind: row["kind"], bytes: row["bytes"], from: row["state"],
                to: state.rawValue)
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
            try db.execute(sql: "DELETE FROM ledger_counts WHERE space_key = ?", arguments: [space])
        }
    }

    /// How many writes finished (done) since `time` (seconds since 1970), for rates.
    public func finishedCount(since time: Double) throws -> Int {
        try database.read { db in
            try Int.fetchOne(
                db,
                sql: """
                    SELECT COUNT(*) FROM ledger_writes INDEXED BY ledger_writes_done_finished
                    WHERE state = 'done' AND finished_at >= ?
                    """,
                arguments: [time])
                ?? 0
        }
    }

    /// Counts and bytes per space, kind and state, read from `ledger_counts`: the cost
    /// depends on the number of spaces and kinds, not on the size of the ledger.
    public func tally() throws -> [LedgerTally] {
        try database.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT space_key, kind, state, n, bytes AS b FROM ledger_counts
                    WHERE n > 0 ORDER BY space_key, kind, state
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
