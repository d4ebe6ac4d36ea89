import Foundation
import Testing
import Workspace

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `ferry sync` from a live Data Center site: the DC twin mutated through its admin API
/// while another space is being migrated from it.
@Suite("ferry sync from Data Center", .serialized)
struct SyncDataCenterTests {
    static let environment = ["FERRY_SOURCE_TOKEN": "twin-token"].merging(TwinProcess.credentials) { _, new in new }

    /// Sample page ids: 10^9 per space, 1000 per page slot, from 100,000.
    static func pageID(space: Int, page: Int) -> String {
        String(Int64(space + 1) * 1_000_000_000 + Int64(page) * 1000 + 100_000)
    }

    @Test(
        "DC changes made while another space migrates (create, edit, rename, move, delete, restriction, attachment version, comment) arrive; verify is clean"
    )
    func syncFromDataCenter() async throws {
        let directory = try makeTemporaryDirectory("ferry-sync-dc")
        defer { try? FileManager.default.removeItem(at: directory) }
        let export = directory.appendingPathComponent("site.zip")
        let sample = try FerryProcess.run([
            "sample", "--out", export.path, "--spaces", "2", "--pages", "160", "--attachments", "80", "--seed", "3",
        ])
        #expect(sample.status == 0, "\(sample.stderr)")
        let dc = try DataCenterTwinProcess.start(export: export, version: 9)
        defer { dc.stop() }
        let workspace = directory.appendingPathComponent("ws").path
        _ = try await admin(dc, "POST", "/__twin/stats/reset", nil)
        let first = try FerryProcess.run(
            ["migrate", "--from", dc.url, "--to", "twin", "--workspace", workspace, "--spaces", "SP1", "--json"],
            environment: Self.environment)
        #expect(first.status == 0, "\(first.stdout)\n\(first.stderr)")
        let migrateRequests = try await rest(dc, "/__twin/stats")["requests"] as? Int ?? 0

        // Another space is migrated from the same site while SP1 changes.
        let other = Process()
        other.executableURL = FerryProcess.executable
        other.arguments = [
            "migrate", "--from", dc.url, "--to", "twin", "--workspace", directory.appendingPathComponent("ws2").path,
            "--spaces", "SP2",
        ]
        other.environment = ProcessInfo.processInfo.environment.merging(Self.environment) { _, new in new }
        other.standardOutput = FileHandle.nullDevice
        other.standardError = FileHandle.nullDevice
        try other.run()
        defer { if other.isRunning { other.terminate() } }

        let home = Self.pageID(space: 0, page: 0)
        _ = try await admin(
            dc, "POST", "/__twin/pages",
            ["space": "SP1", "title": "Created during the migration", "parentId": home, "body": "<p>New in DC.</p>"])
        _ = try await admin(
            dc, "PUT", "/__twin/pages/\(Self.pageID(space: 0, page: 1))", ["body": "<p>Edited in DC.</p>"])
        _ = try await admin(dc, "PUT", "/__twin/pages/\(Self.pageID(space: 0, page: 2))", ["title": "Renamed in DC"])
        _ = try await admin(dc, "PUT", "/__twin/pages/\(Self.pageID(space: 0, page: 5))", ["parentId": home])
        _ = try await admin(dc, "DELETE", "/__twin/pages/\(Self.pageID(space: 0, page: 19))", nil)
        _ = try await admin(
            dc, "PUT", "/__twin/pages/\(Self.pageID(space: 0, page: 3))/restrictions",
            ["read": ["groups": ["engineering"]]])
        _ = try await admin(
            dc, "POST", "/__twin/pages/\(Self.pageID(space: 0, page: 4))/comments", ["body": "<p>A new comment.</p>"])
        // A new version of an existing attachment: page 1 carries the space's first file.
        let attachments = try await rest(dc, "/rest/api/content/\(Self.pageID(space: 0, page: 1))/child/attachment")
        let filename = try #require(
            ((attachments["results"] as? [[String: Any]])?.first?["title"]) as? String, "page 1 has no attachment")
        try await upload(
            dc, page: Self.pageID(space: 0, page: 1), filename: filename, bytes: Data(repeating: 7, count: 3000))

        other.waitUntilExit()
        #expect(other.terminationStatus == 0, "the concurrent migration of SP2 failed")

        _ = try await admin(dc, "POST", "/__twin/stats/reset", nil)
        let sync = try FerryProcess.run(["sync", "--workspace", workspace, "--json"], environment: Self.environment)
        #expect(sync.status == 0, "\(sync.stdout)\n\(sync.stderr)")
        let syncRequests = try await rest(dc, "/__twin/stats")["requests"] as? Int ?? -1
        let outcome = try JSONSerialization.jsonObject(with: Data(sync.stdout.utf8)) as? [String: Any] ?? [:]
        let totals = outcome["totals"] as? [String: Int] ?? [:]
        let source = outcome["source"] as? [String: Any] ?? [:]
        print(
            "DC sync totals: \(totals), Cloud requests \(outcome["requests"] ?? 0); source requests: "
                + "migrate of SP1 \(migrateRequests), sync pass \(syncRequests) (\(source))")
        // The pass reads the changes (CQL window and inventory listing), not the space again.
        #expect(source["mode"] as? String == "delta")
        #expect(migrateRequests > 0 && syncRequests >= 0 && syncRequests * 4 < migrateRequests)
        #expect(totals["created"] == 1)
        #expect((totals["updated"] ?? 0) >= 1)  // the DC twin also versions a page when a file is added
        #expect(totals["renamed"] == 1)
        #expect((totals["moved"] ?? 0) >= 1)  // the deleted page's children move up to its parent too
        #expect(totals["deleted"] == 1)
        #expect(totals["restrictions"] == 1)
        #expect(totals["comments"] == 1)
        #expect(totals["attachment-versions"] == 1)
        #expect(outcome["failed"] as? Int == 0)

        let verify = try FerryProcess.run(
            ["verify", "--workspace", workspace, "--json"], environment: Self.environment)
        #expect(verify.status == 0, "verify: \(verify.stdout.prefix(3000)) \(verify.stderr)")

        // A change the previous read could not see yet (the site's CQL index lags behind
        // its writes): a comment dated before the recorded frozen time, inside the overlap
        // window, still arrives with the next pass.
        let commented = Self.pageID(space: 0, page: 6)
        _ = try await admin(dc, "POST", "/__twin/pages/\(commented)/comments", ["body": "<p>Late in the index.</p>"])
        let store = try Workspace.open(at: URL(fileURLWithPath: workspace))
        let frozen = Date().addingTimeInterval(120).timeIntervalSince1970
        try store.syncInventory.setMeta("dc_frozen_time", String(frozen))
        let late = try FerryProcess.run(["sync", "--workspace", workspace, "--json"], environment: Self.environment)
        #expect(late.status == 0, "\(late.stdout)\n\(late.stderr)")
        let lateOutcome = try JSONSerialization.jsonObject(with: Data(late.stdout.utf8)) as? [String: Any] ?? [:]
        let lateTotals = lateOutcome["totals"] as? [String: Int] ?? [:]
        #expect(lateTotals["comments"] == 1, "the comment inside the overlap window was missed: \(lateTotals)")
        let lateSource = lateOutcome["source"] as? [String: Any] ?? [:]
        // The window also reaches back over the changes the first pass carried: read again, nothing to write.
        #expect(lateSource["mode"] as? String == "delta" && (lateSource["restaged"] as? Int ?? 0) >= 1)
        #expect(lateTotals.values.reduce(0, +) == 1, "only the comment is new: \(lateTotals)")
        let again = try FerryProcess.run(
            ["verify", "--workspace", workspace, "--json"], environment: Self.environment)
        #expect(again.status == 0, "verify: \(again.stdout.prefix(3000)) \(again.stderr)")
    }

    func admin(
        _ dc: DataCenterTwinProcess, _ method: String, _ path: String, _ body: [String: Any]?
    ) async throws
        -> [String: Any]
    {
        var request = URLRequest(url: try #require(URL(string: dc.url + path)))
        request.httpMethod = method
        request.setValue("Bearer twin-token", forHTTPHeaderField: "Authorization")
        if let body {
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = try JSONSerialization.data(withJSONObject: body)
        }
        let (data, response) = try await URLSession.shared.data(for: request)
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        #expect((200..<300).contains(status), "\(method) \(path): \(status) \(String(decoding: data, as: UTF8.self))")
        return (try? JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
    }

    func rest(_ dc: DataCenterTwinProcess, _ path: String) async throws -> [String: Any] {
        try await admin(dc, "GET", path, nil)
    }

    func upload(_ dc: DataCenterTwinProcess, page: String, filename: String, bytes: Data) async throws {
        let boundary = "ferry-\(UUID().uuidString)"
        var body = Data(
            "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(filename)\"\r\n".utf8)
        body += Data("Content-Type: application/octet-stream\r\n\r\n".utf8)
        body += bytes
        body += Data("\r\n--\(boundary)--\r\n".utf8)
        var request = URLRequest(url: try #require(URL(string: dc.url + "/__twin/pages/\(page)/attachments")))
        request.httpMethod = "POST"
        request.setValue("Bearer twin-token", forHTTPHeaderField: "Authorization")
        request.setValue("multipart/form-data; boundary=\(boundary)", forHTTPHeaderField: "Content-Type")
        request.httpBody = body
        let (data, response) = try await URLSession.shared.data(for: request)
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        #expect((200..<300).contains(status), "upload: \(status) \(String(decoding: data, as: UTF8.self))")
    }
}
