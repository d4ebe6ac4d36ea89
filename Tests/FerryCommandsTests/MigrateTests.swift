import Foundation
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `ferry migrate`, `status` and `verify` through the built binary, against twins.
@Suite("ferry migrate", .serialized)
struct MigrateTests {
    func sample(_ directory: URL, pages: Int, attachments: Int, profile: String = "realistic") throws -> URL {
        let out = directory.appendingPathComponent("site.zip")
        let result = try FerryProcess.run([
            "sample", "--out", out.path, "--spaces", "2", "--pages", String(pages), "--attachments",
            String(attachments),
            "--profile", profile, "--seed", "11",
        ])
        #expect(result.status == 0, "sample failed: \(result.stderr)")
        return out
    }

    func json(_ text: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] ?? [:]
    }

    @Test("a sample site migrates into the twin, verifies clean, and a rerun sends nothing")
    func migrateVerifyRerun() throws {
        let directory = try makeTemporaryDirectory("ferry-migrate")
        defer { try? FileManager.default.removeItem(at: directory) }
        let export = try sample(directory, pages: 40, attachments: 12)
        let workspace = directory.appendingPathComponent("ws").path

        let first = try FerryProcess.run([
            "migrate", "--from", export.path, "--to", "twin", "--workspace", workspace, "--json",
        ])
        #expect(first.status == 0, "migrate failed: \(first.stderr)")
        let outcome = try json(first.stdout)
        #expect(outcome["failed"] as? Int == 0)
        #expect(outcome["pages"] as? Int == 40 + 4)
        #expect((outcome["requests"] as? Int ?? 0) > 0)
        // stderr is a pipe here: plain progress lines, one final line per phase, no escape codes.
        let progress = first.stderr.split(separator: "\n").map(String.init)
        #expect(!first.stderr.contains("\u{1B}"))
        #expect(progress.contains { $0.hasPrefix("spaces, pages, blog posts") && $0.contains("46/46 (100%)") })
        #expect(progress.contains { $0.hasPrefix("attachments") && $0.contains("12/12 (100%)") && $0.contains("KiB") })
        #expect(progress.contains { $0.hasPrefix("labels and permissions") })

        let verify = try FerryProcess.run(["verify", "--workspace", workspace, "--json"])
        #expect(verify.status == 0, "verify: \(verify.stdout) \(verify.stderr)")
        let report = try json(verify.stdout)
        #expect(report["clean"] as? Bool == true)
        let checked = report["checked"] as? [String: Int] ?? [:]
        #expect(checked["pages"] == 40)
        #expect(checked["attachments"] == 12)
        #expect((report["knownLimits"] as? [String])?.isEmpty == false)
        // The shared report model: the same report.json/report.html/CSV set as assess and report.
        let verifyFolder = URL(fileURLWithPath: workspace).appendingPathComponent("verify")
        let rendered = try json(String(contentsOf: verifyFolder.appendingPathComponent("report.json"), encoding: .utf8))
        #expect((rendered["findings"] as? [Any])?.isEmpty == true)
        #expect((rendered["knownLimits"] as? [String]) == (report["knownLimits"] as? [String]))
        let html = try String(contentsOf: verifyFolder.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(html.contains("Ferry verification"))
        #expect(FileManager.default.fileExists(atPath: verifyFolder.appendingPathComponent("differences.csv").path))

        let again = try FerryProcess.run([
            "migrate", "--from", export.path, "--to", "twin", "--workspace", workspace, "--json",
        ])
        #expect(again.status == 0)
        #expect(try json(again.stdout)["requests"] as? Int == 0)

        let status = try FerryProcess.run(["status", "--workspace", workspace, "--json"])
        let view = try json(status.stdout)
        #expect(view["pending"] as? Int == 0)
        #expect(view["failed"] as? Int == 0)
        #expect((view["done"] as? Int ?? 0) + (view["skipped"] as? Int ?? 0) == view["total"] as? Int)
    }

    @Test("--dry-run prints the plan and writes nothing to any target")
    func dryRun() throws {
        let directory = try makeTemporaryDirectory("ferry-dryrun")
        defer { try? FileManager.default.removeItem(at: directory) }
        let export = try sample(directory, pages: 10, attachments: 3)
        let result = try FerryProcess.run([
            "migrate", "--from", export.path, "--workspace", directory.appendingPathComponent("ws").path, "--dry-run",
            "--json",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let plan = try json(result.stdout)
        #expect((plan["writes"] as? Int ?? 0) > 10)
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("ws/twin").path))
    }

    @Test(
        "adversarial sample migrates and verifies clean: a title over 255 characters is shortened, a body over 5 MB cut with its original kept"
    )
    func adversarialSample() async throws {
        let directory = try makeTemporaryDirectory("ferry-adversarial")
        defer { try? FileManager.default.removeItem(at: directory) }
        let export = try sample(directory, pages: 60, attachments: 10, profile: "adversarial")
        let twin = try TwinProcess.start()
        defer { twin.stop() }
        let workspace = directory.appendingPathComponent("ws").path
        let migrate = try FerryProcess.run(
            ["migrate", "--from", export.path, "--to", twin.url, "--workspace", workspace, "--json"],
            environment: TwinProcess.credentials)
        #expect(migrate.status == 0, "\(migrate.stdout) \(migrate.stderr)")
        #expect(try json(migrate.stdout)["failed"] as? Int == 0, "\(migrate.stdout)")
        let titles = (try await twin.state()["pages"] ?? []).compactMap { $0["title"] as? String }
        let shortened = try #require(titles.first { $0.hasPrefix("<script>") }, "\(titles)")
        #expect(shortened.utf16.count <= 255)
        #expect(shortened.range(of: #"… \(\d+\)$"#, options: .regularExpression) != nil, "\(shortened)")
        // The ferry.source property keeps the whole title.
        let properties = (try await twin.state()["properties"] ?? []).compactMap { $0["value"] }
        #expect(
            properties.contains { "\($0)".contains("Planted title longer than Cloud accepts Planted title longer") },
            "\(properties.prefix(3))")
        let verify = try FerryProcess.run(
            ["verify", "--workspace", workspace, "--json"], environment: TwinProcess.credentials)
        let verdict = try json(verify.stdout)
        #expect(verify.status == 0 && verdict["clean"] as? Bool == true, "\(verify.stdout)")
        #expect(
            (verdict["knownLimits"] as? [String] ?? []).contains { $0.contains("over Cloud's 5 MB page limit") },
            "\(verdict["knownLimits"] ?? "")")
        // The page over the limit holds its first part and a notice; its whole body is kept.
        let folder = URL(fileURLWithPath: workspace).appendingPathComponent("oversize-bodies")
        let kept = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        #expect(kept.count == 1, "\(kept)")
        let original =
            try FileManager.default.attributesOfItem(
                atPath: folder.appendingPathComponent(kept.first ?? "").path)[.size] as? Int ?? 0
        #expect(original > 5_242_880)
        let out = directory.appendingPathComponent("report")
        #expect(try FerryProcess.run(["report", "--workspace", workspace, "--out", out.path]).status == 0)
        let report = try String(contentsOf: out.appendingPathComponent("report.json"), encoding: .utf8)
        #expect(report.contains("title.shortened"))
        #expect(report.contains("body.truncated"))
        #expect(report.contains("Page bodies over Cloud's 5 MB limit"))
        // The archive keeps the whole original with a list naming the page.
        let archiveFolder = directory.appendingPathComponent("archive")
        let archive = try FerryProcess.run([
            "archive", "--from", export.path, "--workspace", workspace, "--out", archiveFolder.path, "--json",
        ])
        #expect(archive.status == 0, "\(archive.stderr)")
        let sections = try json(archive.stdout)["sections"] as? [[String: Any]] ?? []
        let truncated = try #require(sections.first { $0["id"] as? String == "truncated-bodies" }, "\(sections)")
        #expect(truncated["count"] as? Int == 1)
        let copied = archiveFolder.appendingPathComponent("truncated-bodies").appendingPathComponent(kept.first ?? "")
        #expect(try Data(contentsOf: copied) == Data(contentsOf: folder.appendingPathComponent(kept.first ?? "")))
        let list = try String(
            contentsOf: archiveFolder.appendingPathComponent("truncated-bodies/truncated-bodies.csv"), encoding: .utf8)
        #expect(list.contains(String((kept.first ?? "").dropLast(4))), "\(list)")
        #expect(try FerryProcess.run(["archive", "--check", archiveFolder.path]).status == 0)
    }

    @Test("each real export in ../shared migrates into the twin and verifies clean")
    func realExports() throws {
        let exports = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent(
                "shared/reference/xml-exports")
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: exports.path) else {
            print("../shared/reference/xml-exports is not present: the real-export migration test checks nothing here")
            return
        }
        for name in names.sorted() where !name.hasSuffix(".md") {
            let directory = try makeTemporaryDirectory("ferry-real")
            defer { try? FileManager.default.removeItem(at: directory) }
            let workspace = directory.appendingPathComponent("ws").path
            let migrate = try FerryProcess.run([
                "migrate", "--from", exports.appendingPathComponent(name).path, "--to", "twin", "--workspace",
                workspace,
                "--json",
            ])
            #expect(migrate.status == 0, "\(name): \(migrate.stdout) \(migrate.stderr)")
            let verify = try FerryProcess.run(["verify", "--workspace", workspace, "--json"])
            #expect(verify.status == 0, "\(name): \(verify.stdout)")
            #expect(try json(verify.stdout)["clean"] as? Bool == true, "\(name)")
        }
    }

    @Test("SIGKILL at random moments, rerun each time: everything exists exactly once")
    func crashSafety() async throws {
        let environment = ProcessInfo.processInfo.environment
        let pages = Int(environment["FERRY_CRASH_PAGES"] ?? "") ?? 120
        let attachments = Int(environment["FERRY_CRASH_ATTACHMENTS"] ?? "") ?? 30
        let kills = Int(environment["FERRY_CRASH_KILLS"] ?? "") ?? 5
        let directory = try makeTemporaryDirectory("ferry-crash")
        defer { try? FileManager.default.removeItem(at: directory) }
        let export = try sample(directory, pages: pages, attachments: attachments)

        // The reference: the same site migrated once without interruption.
        let baselineTwin = try TwinProcess.start()
        defer { baselineTwin.stop() }
        let baseline = try FerryProcess.run(
            [
                "migrate", "--from", export.path, "--to", baselineTwin.url, "--workspace",
                directory.appendingPathComponent("base").path,
            ],
            environment: TwinProcess.credentials)
        #expect(baseline.status == 0, "\(baseline.stdout) \(baseline.stderr)")
        let expected = try await baselineTwin.state()
        let expectedWrites = try baselineTwin.appliedWrites()

        let twin = try TwinProcess.start()
        defer { twin.stop() }
        let workspace = directory.appendingPathComponent("ws").path
        let arguments = ["migrate", "--from", export.path, "--to", twin.url, "--workspace", workspace]
        var generator = SystemRandomNumberGenerator()
        var killed = 0
        for point in TwinProcess.killPoints(kills, expectedWrites: expectedWrites, using: &generator) {
            if try await twin.runAndKill(arguments, afterApplied: point) { killed += 1 }
        }
        let final = try FerryProcess.run(arguments + ["--json"], environment: TwinProcess.credentials)
        #expect(final.status == 0, "final run: \(final.stdout) \(final.stderr)")
        print("crash test: \(pages) pages, \(attachments) attachments, \(killed) of \(kills) runs killed with SIGKILL")
        #expect(killed > 0, "no run was still going when its kill came; the test proved nothing")

        let actual = try await twin.state()
        for kind in ["pages", "blogPosts", "attachments", "comments", "labels"] {
            #expect(
                actual[kind]?.count == expected[kind]?.count,
                "\(kind): \(actual[kind]?.count ?? 0) vs \(expected[kind]?.count ?? 0)")
        }
        func titles(_ state: [String: [[String: Any]]], _ kind: String) -> [String] {
            (state[kind] ?? []).compactMap { $0["title"] as? String }.sorted()
        }
        #expect(titles(actual, "pages") == titles(expected, "pages"))
        #expect(Set(titles(actual, "pages")).count == titles(actual, "pages").count)
        let digests = { (state: [String: [[String: Any]]]) in
            (state["attachments"] ?? []).compactMap { "\($0["title"] ?? "")=\($0["sha256"] ?? "")" }.sorted()
        }
        #expect(digests(actual) == digests(expected))
        let verify = try FerryProcess.run(
            ["verify", "--workspace", workspace, "--json"], environment: TwinProcess.credentials)
        #expect(verify.status == 0, "verify after crashes: \(verify.stdout)")
    }
}

extension MigrateTests {
    @Test("Ctrl-C stops gracefully: nothing left in flight, the message says how to resume, and a rerun completes")
    func interruptIsGraceful() async throws {
        let directory = try makeTemporaryDirectory("ferry-sigint")
        defer { try? FileManager.default.removeItem(at: directory) }
        let export = try sample(directory, pages: 150, attachments: 30)
        let twin = try TwinProcess.start(rate: "get=60/s,post=60/s,put=60/s,delete=60/s")
        defer { twin.stop() }
        let workspace = directory.appendingPathComponent("ws").path
        let arguments = ["migrate", "--from", export.path, "--to", twin.url, "--workspace", workspace]
        let process = Process()
        process.executableURL = FerryProcess.executable
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(TwinProcess.credentials) { _, new in new }
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        // Interrupt once writes are under way (staging comes first and may take a while on a busy machine).
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline {
            try await Task.sleep(for: .milliseconds(300))
            let probe = try FerryProcess.run(["status", "--workspace", workspace, "--json"])
            if probe.status == 0, (try? json(probe.stdout)["done"] as? Int ?? 0) ?? 0 > 5 { break }
        }
        #expect(process.isRunning, "the migration finished before it could be interrupted")
        kill(process.processIdentifier, SIGINT)
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 130, "\(stderr)")
        #expect(stderr.contains("Resume with the same ferry migrate command"))
        let status = try json(try FerryProcess.run(["status", "--workspace", workspace, "--json"]).stdout)
        #expect(status["inFlight"] as? Int == 0)
        #expect((status["pending"] as? Int ?? 0) > 0)
        let resumed = try FerryProcess.run(arguments, environment: TwinProcess.credentials)
        #expect(resumed.status == 0, "\(resumed.stdout)")
        let verify = try FerryProcess.run(["verify", "--workspace", workspace], environment: TwinProcess.credentials)
        #expect(verify.status == 0, "\(verify.stdout)")
    }

    @Test("with injected 5xx, dropped connections and 429s the migration completes exactly once and verifies clean")
    func faults() async throws {
        let directory = try makeTemporaryDirectory("ferry-faults")
        defer { try? FileManager.default.removeItem(at: directory) }
        let export = try sample(directory, pages: 60, attachments: 15)
        let twin = try TwinProcess.start(faults: "5xx=0.1,drop=0.05,429=0.05")
        defer { twin.stop() }
        let workspace = directory.appendingPathComponent("ws")
        try FileManager.default.createDirectory(at: workspace, withIntermediateDirectories: true)
        // Retries start at 50 ms instead of Atlassian's 5 s so the test stays short.
        let config = directory.appendingPathComponent("ferry.toml")
        try "[network]\nretry_base_delay_ms = 50\nmax_retries = 8\n".write(
            to: config, atomically: true, encoding: .utf8)
        let arguments = [
            "migrate", "--from", export.path, "--to", twin.url, "--workspace", workspace.path, "--config", config.path,
        ]
        var runs = 0
        var result = try FerryProcess.run(arguments + ["--json"], environment: TwinProcess.credentials)
        runs += 1
        while result.status != 0 && runs < 4 {
            result = try FerryProcess.run(
                arguments + ["--only-failed", "--json"], environment: TwinProcess.credentials)
            runs += 1
        }
        #expect(result.status == 0, "\(result.stdout)")
        let stats = try await twin.stats()
        print("faults test: \(runs) run(s); twin answered \(stats)")
        let state = try await twin.state()
        let titles = (state["pages"] ?? []).compactMap { $0["title"] as? String }
        #expect(titles.count == Set(titles).count)
        #expect(titles.count == 60)
        let files = (state["attachments"] ?? []).compactMap { "\($0["containerId"] ?? ""):\($0["title"] ?? "")" }
        #expect(files.count == 15 && Set(files).count == 15)
        let verify = try FerryProcess.run(
            ["verify", "--workspace", workspace.path, "--config", config.path], environment: TwinProcess.credentials)
        #expect(verify.status == 0, "\(verify.stdout)")
    }
}

/// `ferry twin cloud` as its own process, so killing a migration never touches the target.
final class TwinProcess: @unchecked Sendable {
    static let credentials = ["FERRY_TARGET_EMAIL": "twin@example.com", "FERRY_TARGET_TOKEN": "twin-token"]
    let process: Process
    let url: String

    private init(process: Process, url: String) {
        self.process = process
        self.url = url
    }

    static func start(
        rate: String = "get=2000/s,post=2000/s,put=2000/s,delete=2000/s", faults: String? = nil
    ) throws -> TwinProcess {
        let process = Process()
        process.executableURL = FerryProcess.executable
        process.arguments =
            ["twin", "cloud", "--port", "0", "--json", "--rate", rate] + (faults.map { ["--faults", $0] } ?? [])
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        var buffer = Data()
        let deadline = Date().addingTimeInterval(30)
        while !buffer.contains(UInt8(ascii: "\n")) && Date() < deadline {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            buffer.append(chunk)
        }
        let line = String(decoding: buffer.prefix { $0 != UInt8(ascii: "\n") }, as: UTF8.self)
        guard let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
            let url = object["url"] as? String
        else {
            process.terminate()
            throw CocoaError(.fileReadCorruptFile)
        }
        return TwinProcess(process: process, url: url)
    }

    func state() async throws -> [String: [[String: Any]]] {
        let base = url.hasSuffix("/wiki") ? String(url.dropLast(5)) : url
        guard let endpoint = URL(string: base + "/__twin/state") else { return [:] }
        let (data, _) = try await URLSession.shared.data(from: endpoint)
        let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
        var state: [String: [[String: Any]]] = [:]
        for (key, value) in object {
            let items = (value as? [[String: Any]] ?? []).filter { ($0["status"] as? String ?? "current") == "current" }
            state[key] = items
        }
        return state
    }

    /// How many writes the twin has applied so far (the sum of `applied` in `/__twin/stats`).
    /// Blocking, for a thread of its own (see ``runAndKill(_:afterApplied:)``).
    func appliedWrites() throws -> Int {
        let base = url.hasSuffix("/wiki") ? String(url.dropLast(5)) : url
        guard let endpoint = URL(string: base + "/__twin/stats") else { return 0 }
        let answer = Answer()
        let done = DispatchSemaphore(value: 0)
        URLSession.shared.dataTask(with: endpoint) { data, _, _ in
            answer.data = data
            done.signal()
        }.resume()
        done.wait()
        let object = try JSONSerialization.jsonObject(with: answer.data ?? Data()) as? [String: Any] ?? [:]
        return (object["applied"] as? [String: Int] ?? [:]).values.reduce(0, +)
    }

    private final class Answer: @unchecked Sendable {
        var data: Data?
    }

    /// Kill points for `kills` runs of a migration that applies `expectedWrites` writes
    /// uninterrupted: counts of applied writes drawn at random over the first 95 % of it,
    /// in order, so the kills fall all along the run rather than bunched at its start.
    static func killPoints(
        _ kills: Int, expectedWrites: Int, using generator: inout some RandomNumberGenerator
    ) -> [Int] {
        (0..<kills).map { _ in Int.random(in: 1...max(1, expectedWrites * 19 / 20), using: &generator) }.sorted()
    }

    /// Runs `ferry ARGUMENTS` against this twin and SIGKILLs it once the twin has applied
    /// `point` writes in all (at least one more than when the run starts). Kill moments follow
    /// the run's progress, not the clock, so a loaded or a fast machine catches runs mid-way
    /// alike. Returns whether the kill came before the run ended on its own.
    ///
    /// The twin is watched from a thread of its own: under the full suite, other tests'
    /// blocking work can hold every cooperative thread, and a watcher there woke only after
    /// the run had ended.
    func runAndKill(_ arguments: [String], afterApplied point: Int) async throws -> Bool {
        let start = try appliedWrites()
        let target = max(point, start + 1)
        let process = Process()
        process.executableURL = FerryProcess.executable
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(TwinProcess.credentials) { _, new in new }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let watched = Watched(process)
        let killed = await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            Thread.detachNewThread {
                var killed = false
                while watched.process.isRunning {
                    if ((try? self.appliedWrites()) ?? 0) >= target {
                        kill(watched.process.processIdentifier, SIGKILL)
                        killed = true
                        break
                    }
                    usleep(3_000)
                }
                watched.process.waitUntilExit()
                continuation.resume(returning: killed)
            }
        }
        if !killed {
            print(
                "run not killed: exit \(process.terminationStatus), twin applied \(try appliedWrites()) of target \(target) (start \(start))"
            )
        }
        return killed
    }

    private final class Watched: @unchecked Sendable {
        let process: Process
        init(_ process: Process) { self.process = process }
    }

    /// `GET /__twin/stats`, as text for the test log.
    func stats() async throws -> String {
        let base = url.hasSuffix("/wiki") ? String(url.dropLast(5)) : url
        guard let endpoint = URL(string: base + "/__twin/stats") else { return "" }
        let (data, _) = try await URLSession.shared.data(from: endpoint)
        return String(decoding: data.prefix(600), as: UTF8.self)
    }

    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }
}

@Suite("ferry report")
struct ReportCommandTests {
    @Test("the report lists what was migrated and every old URL maps to the Cloud page")
    func reportAndRedirects() throws {
        let directory = try makeTemporaryDirectory("ferry-report")
        defer { try? FileManager.default.removeItem(at: directory) }
        let export = directory.appendingPathComponent("site.zip")
        #expect(
            try FerryProcess.run([
                "sample", "--out", export.path, "--spaces", "1", "--pages", "12", "--attachments", "4",
            ]).status == 0)
        let workspace = directory.appendingPathComponent("ws").path
        #expect(
            try FerryProcess.run(["migrate", "--from", export.path, "--to", "twin", "--workspace", workspace]).status
                == 0)
        let out = directory.appendingPathComponent("report")
        let result = try FerryProcess.run([
            "report", "--workspace", workspace, "--out", out.path, "--source-url",
            "https://wiki.corp.example/confluence",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let html = try String(contentsOf: out.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(html.contains("Pages and blog posts"))
        #expect(html.contains("Known limits"))
        let redirects = try String(contentsOf: out.appendingPathComponent("redirects.csv"), encoding: .utf8)
        let rows = redirects.split(separator: "\r\n").dropFirst()
        // Every page has a /display, a viewpage.action and a /x/ form; every attachment a download form.
        #expect(rows.filter { $0.contains("/confluence/pages/viewpage.action?pageId=") }.count >= 12)
        #expect(rows.filter { $0.contains("/confluence/x/") }.count >= 12)
        #expect(rows.filter { $0.contains("/confluence/download/attachments/") }.count == 4)
        #expect(rows.allSatisfy { $0.contains("/wiki/spaces/") || $0.contains("/wiki/download/attachments/") })
        let nginx = try String(contentsOf: out.appendingPathComponent("redirects.nginx.conf"), encoding: .utf8)
        #expect(nginx.contains("map $request_uri $ferry_redirect"))
    }
}

@Suite("ferry wipe")
struct WipeCommandTests {
    @Test("wipe deletes exactly what Ferry created: a page added in Cloud since survives, with its space")
    func wipeOnlyFerrysContent() async throws {
        let directory = try makeTemporaryDirectory("ferry-wipe")
        defer { try? FileManager.default.removeItem(at: directory) }
        let export = directory.appendingPathComponent("site.zip")
        #expect(
            try FerryProcess.run([
                "sample", "--out", export.path, "--spaces", "2", "--pages", "16", "--attachments", "4",
            ]).status == 0)
        let twin = try TwinProcess.start()
        defer { twin.stop() }
        let workspace = directory.appendingPathComponent("ws").path
        let migrate = try FerryProcess.run(
            ["migrate", "--from", export.path, "--to", twin.url, "--workspace", workspace],
            environment: TwinProcess.credentials)
        #expect(migrate.status == 0, "\(migrate.stderr)")

        // Someone adds a page to SP1 in Cloud after the migration.
        let state = try await twin.state()
        let sp1 = try #require(state["spaces"]?.first { $0["key"] as? String == "SP1" }?["id"] as? String)
        var request = URLRequest(url: try #require(URL(string: twin.url + "/api/v2/pages")))
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue(
            "Basic " + Data("twin@example.com:twin-token".utf8).base64EncodedString(),
            forHTTPHeaderField: "Authorization")
        request.httpBody = try JSONSerialization.data(withJSONObject: [
            "spaceId": sp1, "title": "Written in Cloud after the migration",
            "body": ["representation": "storage", "value": "<p>mine</p>"],
        ])
        let (_, response) = try await URLSession.shared.data(for: request)
        #expect((response as? HTTPURLResponse)?.statusCode == 200)

        let preview = try FerryProcess.run(["wipe", "--workspace", workspace], environment: TwinProcess.credentials)
        #expect(preview.status == 0)
        #expect(preview.stdout.contains("Would delete"))
        #expect(try await twin.state()["pages"]?.count == (state["pages"]?.count ?? 0) + 1)

        let wipe = try FerryProcess.run(
            ["wipe", "--workspace", workspace, "--yes", "--json"], environment: TwinProcess.credentials)
        #expect(wipe.status == 0, "\(wipe.stdout) \(wipe.stderr)")
        let after = try await twin.state()
        let titles = (after["pages"] ?? []).compactMap { $0["title"] as? String }
        #expect(titles.contains("Written in Cloud after the migration"))
        #expect(after["spaces"]?.map { $0["key"] as? String } == ["SP1"])
        #expect(after["pages"]?.count == 2)  // the foreign page and SP1's home page
        #expect(after["attachments"]?.isEmpty == true)
        #expect(after["comments"]?.isEmpty == true)
        #expect(after["blogPosts"]?.isEmpty == true)
    }
}
