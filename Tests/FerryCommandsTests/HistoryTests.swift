import Foundation
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `ferry migrate --history all` and `--attachments-only`, through the built binary against twins.
@Suite("ferry migrate --history and --attachments-only", .serialized)
struct HistoryTests {
    func sample(_ directory: URL, pages: Int, attachments: Int, history: Int) throws -> URL {
        let out = directory.appendingPathComponent("site.zip")
        let result = try FerryProcess.run([
            "sample", "--out", out.path, "--spaces", "2", "--pages", String(pages), "--attachments",
            String(attachments), "--history", String(history), "--seed", "7",
        ])
        #expect(result.status == 0, "sample failed: \(result.stderr)")
        return out
    }

    func json(_ text: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] ?? [:]
    }

    /// `applied` counts of the twin (mutations per operation).
    func applied(_ twin: TwinProcess) async throws -> [String: Int] {
        let base = twin.url.hasSuffix("/wiki") ? String(twin.url.dropLast(5)) : twin.url
        guard let endpoint = URL(string: base + "/__twin/stats") else { return [:] }
        let (data, _) = try await URLSession.shared.data(from: endpoint)
        let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
        return object["applied"] as? [String: Int] ?? [:]
    }

    /// A page with history has exactly its source versions in Cloud; one without keeps the
    /// behaviour of latest: one version, or two when its body's links resolve after creation.
    func expectVersions(_ page: (title: String, cloud: Int, source: Int)) {
        if page.source > 1 {
            #expect(
                page.cloud == page.source, "\(page.title): \(page.cloud) Cloud versions, \(page.source) in the source")
        } else {
            #expect((1...2).contains(page.cloud), "\(page.title): \(page.cloud) Cloud versions, 1 in the source")
        }
    }

    /// Per Cloud page or blog post: (versions in Cloud, versions in the source), the
    /// source's count read from the `ferry.source` property Ferry set on it. A space's home
    /// page also keeps the empty first version Cloud made with the space.
    func versions(_ state: [String: [[String: Any]]]) -> [(title: String, cloud: Int, source: Int)] {
        var sourceVersions: [String: Int] = [:]
        for property in state["properties"] ?? [] where property["key"] as? String == "ferry.source" {
            var value = property["value"]
            if let text = value as? String, let data = text.data(using: .utf8) {
                value = try? JSONSerialization.jsonObject(with: data)
            }
            let version = (value as? [String: Any])?["version"]
            if let id = property["containerId"] as? String,
                let number = (version as? String).flatMap(Int.init) ?? version as? Int
            {
                sourceVersions[id] = number
            }
        }
        let homes = Set((state["spaces"] ?? []).compactMap { $0["homepageId"] as? String })
        var result: [(String, Int, Int)] = []
        for item in (state["pages"] ?? []) + (state["blogPosts"] ?? []) {
            guard let id = item["id"] as? String, let source = sourceVersions[id] else { continue }
            let cloud = (item["version"] as? Int ?? 0) - (homes.contains(id) ? 1 : 0)
            result.append((item["title"] as? String ?? id, cloud, source))
        }
        return result
    }

    @Test(
        "--history all: every page has as many Cloud versions as source versions, verify is clean, a rerun sends nothing"
    )
    func historyAll() async throws {
        let directory = try makeTemporaryDirectory("ferry-history")
        defer { try? FileManager.default.removeItem(at: directory) }
        let export = try sample(directory, pages: 16, attachments: 8, history: 3)
        let twin = try TwinProcess.start()
        defer { twin.stop() }
        let workspace = directory.appendingPathComponent("ws").path
        let arguments = [
            "migrate", "--from", export.path, "--to", twin.url, "--workspace", workspace, "--history", "all", "--json",
        ]
        let first = try FerryProcess.run(arguments, environment: TwinProcess.credentials)
        #expect(first.status == 0, "migrate: \(first.stdout) \(first.stderr)")
        #expect(try json(first.stdout)["failed"] as? Int == 0)

        let state = try await twin.state()
        let counts = versions(state)
        #expect(counts.count >= 16 + 2, "pages and blog posts without their ferry.source property")
        #expect(counts.contains { $0.source > 1 }, "the sample has no page history: the test proves nothing")
        for page in counts { expectVersions(page) }
        let attachmentVersions = (state["attachments"] ?? []).compactMap { $0["version"] as? Int }
        #expect(attachmentVersions.contains { $0 > 1 }, "no attachment got its older versions")
        #expect(try await applied(twin)["attachmentVersion"] ?? 0 > 0)

        let verify = try FerryProcess.run(
            ["verify", "--workspace", workspace, "--json"], environment: TwinProcess.credentials)
        #expect(verify.status == 0, "verify: \(verify.stdout) \(verify.stderr)")
        let report = try json(verify.stdout)
        #expect(report["clean"] as? Bool == true)
        let checked = report["checked"] as? [String: Int] ?? [:]
        #expect((checked["versions"] ?? 0) > (checked["pages"] ?? 0) + (checked["blogPosts"] ?? 0))
        let limits = report["knownLimits"] as? [String] ?? []
        #expect(!limits.contains { $0.contains("current version only") })

        let again = try FerryProcess.run(arguments, environment: TwinProcess.credentials)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try json(again.stdout)["requests"] as? Int == 0)

        // The workspace keeps its mode: latest now would leave the replayed pages inconsistent.
        let switched = try FerryProcess.run(
            ["migrate", "--from", export.path, "--to", twin.url, "--workspace", workspace, "--history", "latest"],
            environment: TwinProcess.credentials)
        #expect(switched.status != 0)
        #expect(switched.stderr.contains("--history all"), "\(switched.stderr)")
    }

    @Test("--history latest (the default) writes one version per page and lists history as a known limit")
    func historyLatest() async throws {
        let directory = try makeTemporaryDirectory("ferry-history-latest")
        defer { try? FileManager.default.removeItem(at: directory) }
        let export = try sample(directory, pages: 8, attachments: 4, history: 3)
        let twin = try TwinProcess.start()
        defer { twin.stop() }
        let workspace = directory.appendingPathComponent("ws").path
        let run = try FerryProcess.run(
            ["migrate", "--from", export.path, "--to", twin.url, "--workspace", workspace],
            environment: TwinProcess.credentials)
        #expect(run.status == 0, "\(run.stdout) \(run.stderr)")
        #expect(try await applied(twin)["attachmentVersion"] ?? 0 == 0)
        let verify = try FerryProcess.run(
            ["verify", "--workspace", workspace, "--json"], environment: TwinProcess.credentials)
        let report = try json(verify.stdout)
        #expect(report["clean"] as? Bool == true, "\(verify.stdout)")
        #expect((report["knownLimits"] as? [String] ?? []).contains { $0.contains("current version only") })
    }

    @Test("--attachments-only, then a full run: every attachment is uploaded exactly once and verify is clean")
    func attachmentsOnlyThenFull() async throws {
        let directory = try makeTemporaryDirectory("ferry-attachments-only")
        defer { try? FileManager.default.removeItem(at: directory) }
        let export = try sample(directory, pages: 16, attachments: 10, history: 0)
        let twin = try TwinProcess.start()
        defer { twin.stop() }
        let workspace = directory.appendingPathComponent("ws").path
        let arguments = ["migrate", "--from", export.path, "--to", twin.url, "--workspace", workspace, "--json"]

        let pre = try FerryProcess.run(arguments + ["--attachments-only"], environment: TwinProcess.credentials)
        #expect(pre.status == 0, "attachments-only: \(pre.stdout) \(pre.stderr)")
        let outcome = try json(pre.stdout)
        #expect(outcome["failed"] as? Int == 0)
        #expect((outcome["pending"] as? Int ?? 0) > 0, "the writes of the full run should be left pending")
        let preState = try await twin.state()
        let uploaded = preState["attachments"]?.count ?? 0
        #expect(uploaded >= 10)
        #expect((preState["pages"]?.count ?? 0) >= 16)
        #expect(preState["comments"]?.isEmpty ?? true, "attachments-only wrote comments")
        #expect(preState["labels"]?.isEmpty ?? true, "attachments-only wrote labels")
        let before = try await applied(twin)
        #expect(before["createAttachment"] == uploaded)

        let full = try FerryProcess.run(arguments, environment: TwinProcess.credentials)
        #expect(full.status == 0, "full run: \(full.stdout) \(full.stderr)")
        let state = try await twin.state()
        let counts = try await applied(twin)
        #expect(counts["createAttachment"] == uploaded, "attachments uploaded again: \(counts)")
        #expect(counts["attachmentVersion"] ?? 0 == 0)
        #expect(counts["createPage"] == before["createPage"], "pages created again: \(counts)")
        #expect(state["pages"]?.count == preState["pages"]?.count)
        #expect(state["attachments"]?.count == uploaded)
        #expect(!(state["comments"]?.isEmpty ?? true))

        let verify = try FerryProcess.run(
            ["verify", "--workspace", workspace, "--json"], environment: TwinProcess.credentials)
        #expect(verify.status == 0, "verify: \(verify.stdout)")
        #expect(try json(verify.stdout)["clean"] as? Bool == true)
    }

    @Test("SIGKILL during --history all, rerun: no version is replayed twice, and a last rerun sends nothing")
    func crashDuringReplay() async throws {
        let kills = Int(ProcessInfo.processInfo.environment["FERRY_CRASH_KILLS"] ?? "") ?? 4
        let directory = try makeTemporaryDirectory("ferry-history-crash")
        defer { try? FileManager.default.removeItem(at: directory) }
        let export = try sample(directory, pages: 60, attachments: 20, history: 4)
        // The writes an uninterrupted run applies: the kills fall at random counts of them.
        let referenceTwin = try TwinProcess.start(rate: "get=400/s,post=400/s,put=400/s,delete=400/s")
        defer { referenceTwin.stop() }
        let reference = try FerryProcess.run(
            [
                "migrate", "--from", export.path, "--to", referenceTwin.url, "--workspace",
                directory.appendingPathComponent("reference").path, "--history", "all",
            ],
            environment: TwinProcess.credentials)
        #expect(reference.status == 0, "\(reference.stdout) \(reference.stderr)")
        let expectedWrites = try referenceTwin.appliedWrites()

        let twin = try TwinProcess.start(rate: "get=400/s,post=400/s,put=400/s,delete=400/s")
        defer { twin.stop() }
        let workspace = directory.appendingPathComponent("ws").path
        let arguments = [
            "migrate", "--from", export.path, "--to", twin.url, "--workspace", workspace, "--history", "all",
        ]
        var generator = SystemRandomNumberGenerator()
        var killed = 0
        for point in TwinProcess.killPoints(kills, expectedWrites: expectedWrites, using: &generator) {
            if try await twin.runAndKill(arguments, afterApplied: point) { killed += 1 }
        }
        let final = try FerryProcess.run(arguments + ["--json"], environment: TwinProcess.credentials)
        #expect(final.status == 0, "final run: \(final.stdout) \(final.stderr)")
        print("history crash test: \(killed) of \(kills) runs killed with SIGKILL")
        #expect(killed > 0, "no run was still going when its kill came; the test proved nothing")

        let state = try await twin.state()
        let titles = (state["pages"] ?? []).compactMap { $0["title"] as? String }
        #expect(Set(titles).count == titles.count, "a page exists twice")
        for page in versions(state) { expectVersions(page) }
        let again = try FerryProcess.run(arguments + ["--json"], environment: TwinProcess.credentials)
        #expect(try json(again.stdout)["requests"] as? Int == 0, "\(again.stdout)")
        let verify = try FerryProcess.run(
            ["verify", "--workspace", workspace, "--json"], environment: TwinProcess.credentials)
        #expect(try json(verify.stdout)["clean"] as? Bool == true, "verify after crashes: \(verify.stdout)")
    }
}
