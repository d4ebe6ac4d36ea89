import Foundation
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `ferry sync` and `ferry cutover` through the built binary, with a re-export of a
/// generated site as the changed source and the Cloud twin as the target.
@Suite("ferry sync", .serialized)
struct SyncTests {
    func sample(_ out: URL, pages: Int = 60, mutate: [String] = []) throws -> URL {
        let result = try FerryProcess.run(
            [
                "sample", "--out", out.path, "--spaces", "2", "--pages", String(pages), "--attachments", "40",
                "--seed", "11",
            ] + mutate)
        #expect(result.status == 0, "sample failed: \(result.stderr)")
        return out
    }

    func json(_ text: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] ?? [:]
    }

    @Test(
        "a re-export's creates, edits, renames, moves, deletions, restrictions, comments, labels and attachment versions arrive; verify is clean"
    )
    func syncCarriesChanges() throws {
        let directory = try makeTemporaryDirectory("ferry-sync")
        defer { try? FileManager.default.removeItem(at: directory) }
        let before = try sample(directory.appendingPathComponent("site.zip"))
        let after = try sample(
            directory.appendingPathComponent("later.zip"), mutate: ["--mutate-every", "2", "--new-pages", "2"])
        let workspace = directory.appendingPathComponent("ws").path
        let migrate = try FerryProcess.run([
            "migrate", "--from", before.path, "--to", "twin", "--workspace", workspace, "--json",
        ])
        #expect(migrate.status == 0, "migrate: \(migrate.stdout) \(migrate.stderr)")

        let sync = try FerryProcess.run(["sync", "--workspace", workspace, "--from", after.path, "--json"])
        #expect(sync.status == 0, "sync: \(sync.stdout) \(sync.stderr)")
        let outcome = try json(sync.stdout)
        let totals = outcome["totals"] as? [String: Int] ?? [:]
        print("sync totals: \(totals), requests \(outcome["requests"] ?? 0)")
        for kind in [
            "created", "updated", "renamed", "moved", "deleted", "restrictions", "comments", "labels",
            "attachment-versions",
        ] {
            #expect((totals[kind] ?? 0) > 0, "no \(kind) in \(totals)")
        }
        #expect(totals["created"] == 4)
        #expect((outcome["conflicts"] as? [Any])?.isEmpty == true)
        #expect(outcome["failed"] as? Int == 0)
        #expect(((outcome["lag"] as? [String: Any])?["samples"] as? Int ?? 0) > 0)

        let verify = try FerryProcess.run(["verify", "--workspace", workspace, "--json"])
        #expect(verify.status == 0, "verify: \(verify.stdout.prefix(3000)) \(verify.stderr)")
        #expect(try json(verify.stdout)["clean"] as? Bool == true)

        // Nothing changed since: the next pass finds nothing and writes nothing.
        let again = try FerryProcess.run(["sync", "--workspace", workspace, "--json"])
        #expect(again.status == 0, "\(again.stderr)")
        let second = try json(again.stdout)
        #expect((second["totals"] as? [String: Int] ?? [:]).values.reduce(0, +) == 0)
        #expect(second["pass"] as? Int == 2)
    }

    @Test("the mass-deletion guard refuses a pass in which a space vanishes, --allow-mass-delete applies it")
    func massDeletionGuard() throws {
        let directory = try makeTemporaryDirectory("ferry-sync-guard")
        defer { try? FileManager.default.removeItem(at: directory) }
        let before = try sample(directory.appendingPathComponent("site.zip"))
        let after = try sample(
            directory.appendingPathComponent("later.zip"),
            mutate: ["--mutate-every", "1000", "--new-pages", "0", "--vanish-spaces", "SP1"])
        let workspace = directory.appendingPathComponent("ws").path
        let migrate = try FerryProcess.run(["migrate", "--from", before.path, "--to", "twin", "--workspace", workspace])
        #expect(migrate.status == 0, "migrate: \(migrate.stderr)")

        let refused = try FerryProcess.run(["sync", "--workspace", workspace, "--from", after.path, "--json"])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("mass-deletion guard"), "\(refused.stderr)")
        #expect(refused.stderr.contains("space SP1"), "\(refused.stderr)")
        // 30 pages and 3 blog posts migrated; all but the home page vanished.
        #expect(refused.stderr.contains("32 of 33"), "\(refused.stderr)")

        let allowed = try FerryProcess.run([
            "sync", "--workspace", workspace, "--from", after.path, "--allow-mass-delete", "--json",
        ])
        #expect(allowed.status == 0, "\(allowed.stdout) \(allowed.stderr)")
        let spaces = try json(allowed.stdout)["spaces"] as? [String: [String: Int]] ?? [:]
        #expect(spaces["SP1"]?["deleted"] == 32)
        let verify = try FerryProcess.run(["verify", "--workspace", workspace, "--json"])
        #expect(verify.status == 0, "verify: \(verify.stdout.prefix(2000))")
    }

    @Test("a page edited in Cloud is reported as a conflict and left alone; --source-wins overwrites it")
    func cloudEditIsAConflict() async throws {
        let directory = try makeTemporaryDirectory("ferry-sync-conflict")
        defer { try? FileManager.default.removeItem(at: directory) }
        let before = try sample(directory.appendingPathComponent("site.zip"), pages: 20)
        let after = try sample(
            directory.appendingPathComponent("later.zip"), pages: 20,
            mutate: ["--mutate-every", "8", "--new-pages", "0"])
        let twin = try TwinProcess.start()
        defer { twin.stop() }
        let workspace = directory.appendingPathComponent("ws").path
        let migrate = try FerryProcess.run(
            ["migrate", "--from", before.path, "--to", twin.url, "--workspace", workspace],
            environment: TwinProcess.credentials)
        #expect(migrate.status == 0, "migrate: \(migrate.stderr)")

        // Page 1 of SP1 is edited by the mutation (every 8th page from page 1).
        let state = try await twin.state()
        let page = try #require(
            state["pages"]?.first { ($0["title"] as? String ?? "").hasSuffix(" 1-1") }, "page 1-1 not in the twin")
        let pageId = try #require(page["id"].map { "\($0)" })
        let base = twin.url.hasSuffix("/wiki") ? String(twin.url.dropLast(5)) : twin.url
        let current = try await request("GET", "\(base)/wiki/api/v2/pages/\(pageId)")
        let version = try #require((current["version"] as? [String: Any])?["number"] as? Int)
        _ = try await request(
            "PUT", "\(base)/wiki/api/v2/pages/\(pageId)",
            body: [
                "id": pageId, "status": "current", "title": "Edited in Cloud",
                "body": ["representation": "storage", "value": "<p>An edit made in Cloud.</p>"],
                "version": ["number": version + 1],
            ])

        let sync = try FerryProcess.run(
            ["sync", "--workspace", workspace, "--from", after.path, "--json"], environment: TwinProcess.credentials)
        #expect(sync.status == 0, "sync: \(sync.stdout) \(sync.stderr)")
        let conflicts = try json(sync.stdout)["conflicts"] as? [[String: Any]] ?? []
        #expect(conflicts.count == 1, "\(conflicts)")
        #expect(conflicts.first?["targetId"] as? String == pageId)
        #expect(conflicts.first?["resolution"] as? String == "left alone")
        #expect(conflicts.first?["foundVersion"] as? Int == version + 1)
        let untouched = try await request("GET", "\(base)/wiki/api/v2/pages/\(pageId)")
        #expect(untouched["title"] as? String == "Edited in Cloud")
        #expect((untouched["version"] as? [String: Any])?["number"] as? Int == version + 1)

        let wins = try FerryProcess.run(
            ["sync", "--workspace", workspace, "--source-wins", "--json"], environment: TwinProcess.credentials)
        #expect(wins.status == 0, "sync --source-wins: \(wins.stdout) \(wins.stderr)")
        let overwritten = try json(wins.stdout)["conflicts"] as? [[String: Any]] ?? []
        #expect(overwritten.first?["resolution"] as? String == "overwritten")
        let final = try await request("GET", "\(base)/wiki/api/v2/pages/\(pageId)")
        #expect((final["title"] as? String ?? "").hasSuffix(" 1-1"))
    }

    @Test("--until-cutover runs passes until ferry cutover, which reports the lag; later syncs refuse")
    func untilCutover() async throws {
        let directory = try makeTemporaryDirectory("ferry-sync-loop")
        defer { try? FileManager.default.removeItem(at: directory) }
        let before = try sample(directory.appendingPathComponent("site.zip"), pages: 20)
        let workspace = directory.appendingPathComponent("ws").path
        let migrate = try FerryProcess.run(["migrate", "--from", before.path, "--to", "twin", "--workspace", workspace])
        #expect(migrate.status == 0, "migrate: \(migrate.stderr)")
        // The admin re-exports to the same path while the loop runs.
        _ = try sample(before, pages: 20, mutate: ["--mutate-every", "4", "--new-pages", "1"])

        let loop = Process()
        loop.executableURL = FerryProcess.executable
        loop.arguments = ["sync", "--workspace", workspace, "--until-cutover", "--interval", "1s", "--json"]
        let output = directory.appendingPathComponent("loop.out")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        loop.standardOutput = try FileHandle(forWritingTo: output)
        loop.standardError = FileHandle.nullDevice
        try loop.run()
        defer { if loop.isRunning { loop.terminate() } }
        // Wait for the first pass.
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline, (try? String(contentsOf: output, encoding: .utf8))?.contains("\"pass\"") != true {
            try await Task.sleep(for: .milliseconds(200))
        }
        let cutover = try FerryProcess.run(["cutover", "--workspace", workspace, "--json"])
        #expect(cutover.status == 0, "cutover: \(cutover.stdout) \(cutover.stderr)")
        let report = try json(cutover.stdout)
        #expect((report["passes"] as? Int ?? 0) >= 2)
        #expect(report["lag"] is [String: Any])
        loop.waitUntilExit()
        #expect(loop.terminationStatus == 0)
        let lines = (try String(contentsOf: output, encoding: .utf8)).split(separator: "\n")
        let first = try json(String(lines.first ?? ""))
        #expect(((first["totals"] as? [String: Int]) ?? [:])["created"] == 2)
        #expect((((first["lag"] as? [String: Any])?["samples"]) as? Int ?? 0) > 0)

        let refused = try FerryProcess.run(["sync", "--workspace", workspace])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("cut over"), "\(refused.stderr)")
    }

    func request(_ method: String, _ url: String, body: [String: Any]? = nil) async throws -> [String: Any] {
        var request = URLRequest(url: try #require(URL(string: url)))
        request.httpMethod = method
        let credentials = Data("twin@example.com:twin-token".utf8).base64EncodedString()
        request.setValue("Basic \(credentials)", forHTTPHeaderField: "Authorization")
        if let body {
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = try JSONSerialization.data(withJSONObject: body)
        }
        let (data, response) = try await URLSession.shared.data(for: request)
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        #expect((200..<300).contains(status), "\(method) \(url): \(status) \(String(decoding: data, as: UTF8.self))")
        return try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
    }
}
