import Foundation
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `ferry assess` through the built binary: the sample generator's manifest lists every
/// finding a site must raise, so both misses and false alarms are caught.
@Suite("ferry assess")
struct AssessTests {
    struct Expected: Hashable {
        var category: String
        var object: String
    }

    func object(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    func sample(_ directory: URL, profile: String) throws -> (URL, [String: Any]) {
        let export = directory.appendingPathComponent(profile)
        let result = try FerryProcess.run([
            "sample", "--out", export.path, "--profile", profile, "--spaces", "3", "--pages", "60",
            "--attachments", "20", "--seed", "3",
        ])
        try #require(result.status == 0, "sample: \(result.stderr)")
        let manifest = try object(
            String(decoding: try Data(contentsOf: export.appendingPathComponent("manifest.json")), as: UTF8.self))
        return (export, manifest)
    }

    /// The findings the manifest expects: its assessment list, plus one per planted export problem.
    func expectations(_ manifest: [String: Any]) throws -> [Expected] {
        let assessment = try #require(manifest["assessment"] as? [String: Any])
        var expected = (assessment["findings"] as? [[String: String]] ?? []).map {
            Expected(category: $0["category"] ?? "", object: $0["object"] ?? "")
        }
        for problem in manifest["problems"] as? [[String: Any]] ?? [] {
            let kind = problem["kind"] as? String ?? ""
            let id = problem["id"] as? String ?? "-"
            switch problem["expect"] as? String {
            case "repaired": expected.append(Expected(category: "export.repaired", object: id))
            case "skipped": expected.append(Expected(category: "export.skipped", object: id))
            case "reported" where kind == "missing-attachment-file":
                expected.append(Expected(category: "attachment.file-missing", object: id))
            case "reported": expected.append(Expected(category: "export.reported", object: id))
            case "warned": expected.append(Expected(category: "export.warning", object: "-"))
            default: break  // "handled": nothing is left for the operator to do
            }
        }
        return expected
    }

    /// Whether a finding's objects include `expected` (an id, a path's last part, or a name's first word).
    func matches(_ finding: [String: Any], _ expected: Expected) -> Bool {
        guard finding["category"] as? String == expected.category else { return false }
        if expected.object == "-" { return true }
        for object in finding["objects"] as? [[String: Any]] ?? [] {
            let id = object["id"] as? String ?? ""
            let name = object["name"] as? String ?? ""
            if id == expected.object || id.hasSuffix("/" + expected.object)
                || name.split(separator: " ").first.map(String.init) == expected.object
            {
                return true
            }
        }
        return false
    }

    func assess(_ export: URL, manifest: [String: Any], out: URL, extra: [String] = []) throws -> [[String: Any]] {
        let assessment = try #require(manifest["assessment"] as? [String: Any])
        let inputs = assessment["inputs"] as? [String: String] ?? [:]
        let limits = assessment["limits"] as? [String: Int] ?? [:]
        var arguments = [
            "assess", "--from", export.path, "--out", out.path, "--to", "twin", "--skip-network", "--json",
            "--jira-users", export.appendingPathComponent(inputs["jiraUsers"] ?? "").path,
            "--confluence-home", export.appendingPathComponent(inputs["confluenceHome"] ?? "").path,
        ]
        if let bytes = limits["maxAttachmentBytes"] { arguments += ["--max-attachment-bytes", "\(bytes)"] }
        if let bytes = limits["maxSpaceXmlBytes"] { arguments += ["--max-space-xml-bytes", "\(bytes)"] }
        let result = try FerryProcess.run(arguments + extra)
        try #require(result.status == 0, "assess failed: \(result.stderr)")
        let report = try object(result.stdout)
        let written = try object(
            String(decoding: try Data(contentsOf: out.appendingPathComponent("report.json")), as: UTF8.self))
        #expect((written["findings"] as? [[String: Any]])?.count == (report["findings"] as? [[String: Any]])?.count)
        return report["findings"] as? [[String: Any]] ?? []
    }

    /// No expected finding missing, and no finding the manifest does not explain.
    func compare(_ findings: [[String: Any]], _ expected: [Expected]) {
        let misses = expected.filter { want in !findings.contains { matches($0, want) } }
        #expect(misses.isEmpty, "assess missed: \(misses)")
        let unexplained = findings.filter { finding in !expected.contains { matches(finding, $0) } }
        #expect(
            unexplained.isEmpty,
            "false alarms: \(unexplained.map { "\($0["category"] ?? "") \($0["title"] ?? "")" })")
        for finding in findings {
            for key in ["id", "category", "severity", "title", "objects", "fix"] {
                #expect(finding[key] != nil, "finding without \(key): \(finding)")
            }
        }
    }

    @Test("adversarial sample: every planted problem is found, nothing else is raised")
    func adversarial() throws {
        let directory = try makeTemporaryDirectory("ferry-assess-adv")
        defer { try? FileManager.default.removeItem(at: directory) }
        let (export, manifest) = try sample(directory, profile: "adversarial")
        let expected = try expectations(manifest)
        let categories = Set(expected.map(\.category))
        for category in [
            "database.h2", "space.xml-over-200mb", "attachment.too-large", "page.title-refused", "macro.nested-bodied",
            "macro.unknown", "macro.app-unavailable", "macro.app-required", "content.legacy-fallback",
            "email.jira-mismatch", "email.invalid", "group.blocklisted", "loss.drafts", "loss.audit-log",
            "loss.emoticons", "loss.avatars", "loss.app-data", "loss.global-settings", "loss.admin-group-memberships",
            "export.repaired", "export.skipped", "attachment.file-missing", "export.warning",
        ] {
            #expect(categories.contains(category), "the manifest plants no \(category)")
        }
        let out = directory.appendingPathComponent("report")
        compare(try assess(export, manifest: manifest, out: out), expected)
        // The CSVs and the page beside report.json.
        for file in ["report.html", "findings.csv", "spaces.csv", "macros.csv", "connectivity.csv"] {
            #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent(file).path), "no \(file)")
        }
        // The planted title starts with a <script> element: the page shows it as text.
        let html = try String(contentsOf: out.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(html.contains("&lt;script&gt;window.ferryInjected = 1&lt;/script&gt;"))
        #expect(!html.lowercased().contains("<script"))
    }

    @Test("realistic sample: only what the manifest lists (no false alarm), and all of it")
    func realistic() throws {
        let directory = try makeTemporaryDirectory("ferry-assess-real")
        defer { try? FileManager.default.removeItem(at: directory) }
        let (export, manifest) = try sample(directory, profile: "realistic")
        let expected = try expectations(manifest)
        #expect(!expected.contains { $0.category.hasPrefix("macro.") || $0.category.hasPrefix("space.") })
        compare(
            try assess(export, manifest: manifest, out: directory.appendingPathComponent("report")), expected)
    }

    @Test("a source group that already exists in the Cloud target is a group.cloud-collision")
    func cloudGroupCollision() async throws {
        let directory = try makeTemporaryDirectory("ferry-assess-groups")
        defer { try? FileManager.default.removeItem(at: directory) }
        let (export, _) = try sample(directory, profile: "realistic")
        let twin = try TwinProcess.start()
        defer { twin.stop() }
        var request = URLRequest(url: try #require(URL(string: String(twin.url.dropLast(5)) + "/__twin/groups")))
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue(
            "Basic " + Data("twin@example.com:twin-token".utf8).base64EncodedString(),
            forHTTPHeaderField: "Authorization")
        request.httpBody = try JSONSerialization.data(withJSONObject: [["name": "Engineering"], ["name": "cloud-only"]])
        let (_, response) = try await URLSession.shared.data(for: request)
        #expect((response as? HTTPURLResponse)?.statusCode == 200)

        let result = try FerryProcess.run(
            [
                "assess", "--from", export.path, "--to", twin.url, "--out", directory.appendingPathComponent("r").path,
                "--skip-network", "--json",
            ], environment: TwinProcess.credentials)
        try #require(result.status == 0, "assess failed: \(result.stderr)")
        let findings = try object(result.stdout)["findings"] as? [[String: Any]] ?? []
        let collisions = findings.filter { $0["category"] as? String == "group.cloud-collision" }
        #expect(collisions.map { $0["id"] as? String ?? "" } == ["group.cloud-collision:engineering"], "\(collisions)")
    }

    @Test("space keys already in the target are conflicts, compared case-insensitively; limits move with options")
    func keyConflict() throws {
        let directory = try makeTemporaryDirectory("ferry-assess-keys")
        defer { try? FileManager.default.removeItem(at: directory) }
        let (export, _) = try sample(directory, profile: "realistic")
        let workspace = directory.appendingPathComponent("ws").path
        let migrate = try FerryProcess.run([
            "migrate", "--from", export.path, "--to", "twin", "--workspace", workspace, "--spaces", "SP2",
        ])
        try #require(migrate.status == 0, "migrate: \(migrate.stderr)")
        let result = try FerryProcess.run([
            "assess", "--from", export.path, "--to", "twin", "--workspace", workspace, "--skip-network",
            "--spaces", "sp1,Sp2", "--max-space-xml-bytes", "1000", "--out", directory.appendingPathComponent("r").path,
            "--json",
        ])
        try #require(result.status == 0, "assess: \(result.stderr)")
        let findings = try object(result.stdout)["findings"] as? [[String: Any]] ?? []
        let conflicts = findings.filter { $0["category"] as? String == "space.key-conflict" }
        #expect(conflicts.count == 1)
        #expect(conflicts.first.map { matches($0, Expected(category: "space.key-conflict", object: "SP2")) } == true)
        let oversized = findings.filter { $0["category"] as? String == "space.xml-over-200mb" }
        #expect(
            Set(oversized.compactMap { $0["id"] as? String }) == [
                "space.xml-over-200mb:SP1", "space.xml-over-200mb:SP2",
            ])
    }

    @Test("unreachable endpoints become network findings; an unknown space is refused")
    func network() throws {
        let directory = try makeTemporaryDirectory("ferry-assess-net")
        defer { try? FileManager.default.removeItem(at: directory) }
        let (export, _) = try sample(directory, profile: "realistic")
        let help = try FerryProcess.run(["assess", "--help"])
        #expect(help.stdout.contains("Example:"))
        // Port 9 (discard) on loopback: nothing listens there.
        let result = try FerryProcess.run([
            "assess", "--from", export.path, "--out", directory.appendingPathComponent("r").path,
            "--endpoints", "https://127.0.0.1:9,http://127.0.0.1:9", "--network-timeout", "2", "--json",
        ])
        try #require(result.status == 0, "assess: \(result.stderr)")
        let findings = try object(result.stdout)["findings"] as? [[String: Any]] ?? []
        let network = findings.filter { $0["category"] as? String == "network.unreachable" }
        #expect(network.count == 2)
        let csv = try String(contentsOf: directory.appendingPathComponent("r/connectivity.csv"), encoding: .utf8)
        #expect(csv.contains("https://127.0.0.1:9,refused"))

        let unknown = try FerryProcess.run([
            "assess", "--from", export.path, "--out", directory.appendingPathComponent("r2").path, "--skip-network",
            "--spaces", "NOPE",
        ])
        #expect(unknown.status != 0)
        #expect(unknown.stderr.contains("NOPE".lowercased()) && unknown.stderr.contains("sp1"))
    }

    @Test("report.html renders in headless Chromium with no script error, and the <script> title stays text")
    func chromium() throws {
        guard
            let browser = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"].first(where: {
                FileManager.default.isExecutableFile(atPath: $0)
            })
        else {
            print("chromium is not installed: the headless rendering test is skipped (apt-get install chromium)")
            return
        }
        let directory = try makeTemporaryDirectory("ferry-assess-html")
        defer { try? FileManager.default.removeItem(at: directory) }
        let (export, manifest) = try sample(directory, profile: "adversarial")
        let out = directory.appendingPathComponent("report")
        _ = try assess(export, manifest: manifest, out: out)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: browser)
        process.arguments = [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
            "--user-data-dir=\(directory.appendingPathComponent("profile").path)", "--enable-logging=stderr", "--v=0",
            "--dump-dom", out.appendingPathComponent("report.html").absoluteString,
        ]
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        nonisolated(unsafe) var errorData = Data()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            errorData = stderr.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let dom = String(decoding: stdout.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        group.wait()
        process.waitUntilExit()
        let log = String(decoding: errorData, as: UTF8.self)
        #expect(process.terminationStatus == 0, "chromium: \(log.suffix(2000))")
        #expect(dom.contains("Ferry pre-flight assessment"))
        #expect(dom.contains("<svg"))
        // The title's markup is text in the DOM, never an element.
        #expect(dom.contains("&lt;script&gt;window.ferryInjected = 1&lt;/script&gt;"))
        #expect(!dom.lowercased().contains("<script"))
        let consoleErrors = log.split(separator: "\n").filter {
            $0.contains("CONSOLE") || $0.contains("Uncaught") || $0.contains("Refused to")
        }
        #expect(consoleErrors.isEmpty, "console: \(consoleErrors)")
    }
}
