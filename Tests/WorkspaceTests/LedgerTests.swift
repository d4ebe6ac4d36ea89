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
