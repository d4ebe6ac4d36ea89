import Foundation
import GRDB
import Testing
import Workspace

@Suite("migration ledger")
struct LedgerTests {
    /// A real SQLite file in WAL mode, as a workspace holds it.
    func makeLedger() throws -> (Ledger, DatabasePool, URL) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-ledger-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let pool = try DatabasePool(path: folder.appendingPathComponent("ledger.sqlite").path)
        var migrator = DatabaseMigrator()
        Ledger.registerMigrations(&migrator)
        Ledger.registerCountMigrations(&migrator)
        try migrator.migrate(pool)
        return (Ledger(database: pool), pool, folder)
    }

    let writes = [
        PlannedWrite(kind: .spaceCreate, spaceKey: "DOCS", sourceId: "1"),
        PlannedWrite(kind: .pageCreate, spaceKey: "DOCS", sourceId: "10"),
        PlannedWrite(kind: .attachmentUpload, spaceKey: "DOCS", sourceId: "20", discriminator: "v1", bytes: 5000),
        PlannedWrite(kind: .labelAdd, spaceKey: "DOCS", sourceId: "10", discriminator: "release"),
        PlannedWrite(kind: .pageCreate, spaceKey: "OPS", sourceId: "30"),
    ]

    @Test("planning twice adds nothing and never resets finished work")
    func planIsIdempotent() throws {
        let (ledger, _, folder) = try makeLedger()
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(try ledger.plan(writes) == 5)
        try ledger.beginAttempt(writes[1].key)
        try ledger.complete(writes[1].key, targetId: "98001")
        #expect(try ledger.plan(writes) == 0)
        #expect(try ledger.entry(writes[1].key)?.state == .done)
        #expect(try ledger.entry(writes[1].key)?.targetId == "98001")
    }

    @Test("an intent left in flight is visible after reopening the file, for reconciliation")
    func inFlightSurvivesReopen() throws {
        let (ledger, pool, folder) = try makeLedger()
        defer { try? FileManager.default.removeItem(at: folder) }
        try ledger.plan(writes)
        try ledger.beginAttempt(writes[2].key)
        try pool.close()
        let reopened = Ledger(database: try DatabasePool(path: folder.appendingPathComponent("ledger.sqlite").path))
        let inFlight = try reopened.entries(state: .inFlight)
        #expect(inFlight.map(\.key) == [writes[2].key])
        #expect(inFlight.first?.attempts == 1)
    }

    @Test("a finished write refuses a second attempt, so it is never sent twice")
    func doneRefusesAttempt() throws {
        let (ledger, _, folder) = try makeLedger()
        defer { try? FileManager.default.removeItem(at: folder) }
        try ledger.plan(writes)
        try ledger.beginAttempt(writes[0].key)
        try ledger.complete(writes[0].key, targetId: "s-1")
        #expect(throws: LedgerError.alreadyDone(writes[0].key, targetId: "s-1")) {
            try ledger.beginAttempt(writes[0].key)
        }
        #expect(throws: LedgerError.unknownWrite(WriteKey(rawValue: "page.create/404"))) {
            try ledger.beginAttempt(WriteKey(rawValue: "page.create/404"))
        }
    }

    @Test("beginIfPlanned starts only a planned write, once, and reports the attempts before it")
    func beginIfPlanned() throws {
        let (ledger, _, folder) = try makeLedger()
        defer { try? FileManager.default.removeItem(at: folder) }
        try ledger.plan(writes)
        let first = try #require(try ledger.beginIfPlanned(writes[1].key))
        #expect(first.state == .planned)
        #expect(first.attempts == 0)
        #expect(try ledger.entry(writes[1].key)?.state == .inFlight)
        // In flight, done or never planned: nothing to send.
        #expect(try ledger.beginIfPlanned(writes[1].key) == nil)
        try ledger.complete(writes[1].key, targetId: "98001")
        #expect(try ledger.beginIfPlanned(writes[1].key) == nil)
        #expect(try ledger.beginIfPlanned(WriteKey(rawValue: "page.create/404")) == nil)
        #expect(try ledger.entry(writes[1].key)?.attempts == 1)
        // After a crash the intent is requeued; the next attempt knows one was made.
        _ = try ledger.beginIfPlanned(writes[2].key)
        #expect(try ledger.requeueInFlight() == 1)
        #expect(try ledger.beginIfPlanned(writes[2].key)?.attempts == 1)
    }

    @Test("transient failures return to planned, permanent ones stay failed until --only-failed")
    func failures() throws {
        let (ledger, _, folder) = try makeLedger()
        defer { try? FileManager.default.removeItem(at: folder) }
        try ledger.plan(writes)
        try ledger.beginAttempt(writes[1].key)
        try ledger.fail(writes[1].key, error: "503 Service Unavailable", permanent: false)
        #expect(try ledger.entry(writes[1].key)?.state == .planned)
        try ledger.beginAttempt(writes[4].key)
        try ledger.fail(writes[4].key, error: "400 title already exists", permanent: true)
        #expect(try ledger.entries(state: .failed).map(\.spaceKey) == ["OPS"])
        #expect(try ledger.retryFailed(spaces: ["DOCS"]) == 0)
        #expect(try ledger.retryFailed(spaces: ["OPS"]) == 1)
        #expect(try ledger.entry(writes[4].key)?.attempts == 1)
        #expect(try ledger.entry(writes[4].key)?.state == .planned)
    }

    @Test("wipe sees exactly the created objects, newest first, per space")
    func createdObjectsForWipe() throws {
        let (ledger, _, folder) = try makeLedger()
        defer { try? FileManager.default.removeItem(at: folder) }
        try ledger.plan(writes)
        for (index, write) in writes.enumerated() {
            try ledger.beginAttempt(write.key)
            try ledger.complete(write.key, targetId: write.kind == .labelAdd ? nil : "t\(index)")
        }
        #expect(try ledger.createdObjects(spaces: ["DOCS"]).map(\.targetId) == ["t2", "t1", "t0"])
        #expect(try ledger.createdObjects().count == 4)
    }

    @Test("tallies count writes and bytes per space, kind and state")
    func tally() throws {
        let (ledger, _, folder) = try makeLedger()
        defer { try? FileManager.default.removeItem(at: folder) }
        try ledger.plan(writes)
        try ledger.beginAttempt(writes[2].key)
        try ledger.complete(writes[2].key, targetId: "att-1")
        let tally = try ledger.tally()
        #expect(
            tally.contains(LedgerTally(spaceKey: "DOCS", kind: .attachmentUpload, state: .done, count: 1, bytes: 5000)))
        #expect(tally.contains(LedgerTally(spaceKey: "OPS", kind: .pageCreate, state: .planned, count: 1, bytes: 0)))
    }

    /// What `tally()` must equal: a `GROUP BY` over every ledger row.
    func groupedTally(_ pool: DatabasePool) throws -> Set<LedgerTally> {
        try pool.read { db in
            Set(
                try Row.fetchAll(
                    db,
                    sql:
                        "SELECT space_key, kind, state, COUNT(*) AS n, SUM(bytes) AS b FROM ledger_writes GROUP BY 1, 2, 3"
                ).compactMap { row in
                    guard let kind = WriteKind(rawValue: row["kind"]), let state = WriteState(rawValue: row["state"])
                    else { return nil }
                    return LedgerTally(
                        spaceKey: row["space_key"], kind: kind, state: state, count: row["n"], bytes: row["b"])
                })
        }
    }

    @Test("the kept counts equal a GROUP BY over the ledger after every kind of change")
    func countsFollowEveryChange() throws {
        let (ledger, pool, folder) = try makeLedger()
        defer { try? FileManager.default.removeItem(at: folder) }
        var steps: [(String, () throws -> Void)] = [
            ("plan", { try ledger.plan(self.writes) }),
            (
                "plan again",
                { try ledger.plan(self.writes + [PlannedWrite(kind: .labelAdd, spaceKey: "OPS", sourceId: "30")]) }
            ),
            ("beginAttempt", { try ledger.beginAttempt(self.writes[2].key) }),
            ("complete", { try ledger.complete(self.writes[2].key, targetId: "att-1") }),
            ("beginIfPlanned", { _ = try ledger.beginIfPlanned(self.writes[0].key) }),
            ("transient failure", { try ledger.fail(self.writes[0].key, error: "503", permanent: false) }),
            ("begin again", { _ = try ledger.beginIfPlanned(self.writes[0].key) }),
            ("permanent failure", { try ledger.fail(self.writes[0].key, error: "400", permanent: true) }),
            ("skip", { try ledger.skip(self.writes[3].key, reason: "no labels") }),
            ("left in flight", { _ = try ledger.beginIfPlanned(self.writes[4].key) }),
            ("requeue", { try ledger.requeueInFlight() }),
            ("retry failed", { try ledger.retryFailed(spaces: ["DOCS"]) }),
            ("forget", { try ledger.forget(space: "OPS") }),
        ]
        steps.append(("begin after forget", { try ledger.beginAttempt(self.writes[1].key) }))
        for (name, step) in steps {
            try step()
            #expect(Set(try ledger.tally()) == (try groupedTally(pool)), "after \(name)")
        }
        #expect(
            try ledger.tally().contains { $0.spaceKey == "DOCS" && $0.kind == .attachmentUpload && $0.bytes == 5000 })
        #expect(!(try ledger.tally()).contains { $0.spaceKey == "OPS" })
    }

    @Test("a ledger written before the counts existed is counted once when opened")
    func countsFilledForOlderLedgers() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-ledger-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let pool = try DatabasePool(path: folder.appendingPathComponent("ledger.sqlite").path)
        var old = DatabaseMigrator()
        Ledger.registerMigrations(&old)
        try old.migrate(pool)
        // Rows as an earlier version wrote them (its plan and begin did not count).
        try pool.write { db in
            for (index, write) in writes.enumerated() {
                try db.execute(
                    sql: """
                        INSERT INTO ledger_writes (key, kind, space_key, source_id, bytes, seq, planned_at, state)
                        VALUES (?, ?, ?, ?, ?, ?, 0, ?)
                        """,
                    arguments: [
                        write.key.rawValue, write.kind.rawValue, write.spaceKey, write.sourceId, write.bytes, index,
                        index == 2 ? "in_flight" : "planned",
                    ])
            }
        }
        var current = DatabaseMigrator()
        Ledger.registerMigrations(&current)
        Ledger.registerCountMigrations(&current)
        try current.migrate(pool)
        let tally = try Ledger(database: pool).tally()
        #expect(Set(tally) == (try groupedTally(pool)))
        #expect(tally.map(\.count).reduce(0, +) == writes.count)
    }

    @Test("a reader on another connection sees committed progress while the writer keeps writing")
    func readersDoNotBlock() async throws {
        let (ledger, _, folder) = try makeLedger()
        defer { try? FileManager.default.removeItem(at: folder) }
        let many = (0..<2_000).map { PlannedWrite(kind: .pageCreate, spaceKey: "BIG", sourceId: String($0)) }
        try ledger.plan(many)
        let watcher = Ledger(database: try DatabasePool(path: folder.appendingPathComponent("ledger.sqlite").path))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for write in many {
                    try ledger.beginAttempt(write.key)
                    try ledger.complete(write.key, targetId: "t-\(write.sourceId)")
                }
            }
            group.addTask {
                var last = 0
                for _ in 0..<50 {
                    let done = try watcher.tally().filter { $0.state == .done }.map(\.count).reduce(0, +)
                    #expect(done >= last)
                    last = done
                    try await Task.sleep(for: .milliseconds(2))
                }
            }
            try await group.waitForAll()
        }
        #expect(try watcher.entries(state: .done).count == 2_000)
    }
}
