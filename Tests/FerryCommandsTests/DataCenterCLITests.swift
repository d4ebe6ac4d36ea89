import Foundation
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `ferry twin dc` as its own process.
final class DataCenterTwinProcess: @unchecked Sendable {
    let process: Process
    let url: String

    private init(process: Process, url: String) {
        self.process = process
        self.url = url
    }

    static func start(export: URL, version: Int = 9) throws -> DataCenterTwinProcess {
        let process = Process()
        process.executableURL = FerryProcess.executable
        process.arguments = [
            "twin", "dc", "--port", "0", "--json", "--from", export.path, "--dc-version", String(version),
        ]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        var buffer = Data()
        let deadline = Date().addingTimeInterval(60)
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
        return DataCenterTwinProcess(process: process, url: url)
    }

    /// `GET /__twin/stats`: requests served, the busiest second, per endpoint.
    func stats() async throws -> [String: Any] {
        guard let endpoint = URL(string: url + "/__twin/stats") else { return [:] }
        let (data, _) = try await URLSession.shared.data(from: endpoint)
        return try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
    }

    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }
}

@Suite("ferry migrate from a Data Center site (ferry twin dc)", .serialized)
struct DataCenterCLITests {
    static let source = ["FERRY_SOURCE_TOKEN": "twin-token"]

    static func sample(_ directory: URL, spaces: Int = 2, pages: Int = 16, attachments: Int = 4) throws -> URL {
        let export = directory.appendingPathComponent("site.zip")
        let result = try FerryProcess.run([
            "sample", "--out", export.path, "--spaces", String(spaces), "--pages", String(pages), "--attachments",
            String(attachments),
        ])
        #expect(result.status == 0, "\(result.stderr)")
        return export
    }

    @Test("a space migrated from the DC twin into the Cloud twin (both child processes) verifies clean")
    func migrateFromTwin() async throws {
        let directory = try makeTemporaryDirectory("ferry-dc-migrate")
        defer { try? FileManager.default.removeItem(at: directory) }
        let export = try Self.sample(directory)
        let dc = try DataCenterTwinProcess.start(export: export, version: 9)
        defer { dc.stop() }
        let cloud = try TwinProcess.start()
        defer { cloud.stop() }
        let workspace = directory.appendingPathComponent("ws").path
        let environment = Self.source.merging(TwinProcess.credentials) { _, new in new }
        let migrate = try FerryProcess.run(
            ["migrate", "--from", dc.url, "--to", cloud.url, "--workspace", workspace, "--spaces", "SP1", "--json"],
            environment: environment)
        #expect(migrate.status == 0, "\(migrate.stdout)\n\(migrate.stderr)")
        let outcome = try JSONSerialization.jsonObject(with: Data(migrate.stdout.utf8)) as? [String: Any] ?? [:]
        #expect((outcome["failed"] as? Int) == 0)
        #expect((outcome["pages"] as? Int ?? 0) >= 8)
        #expect(!migrate.stderr.contains("twin-token"), "the token never reaches the output")
        let verify = try FerryProcess.run(["verify", "--workspace", workspace], environment: environment)
        #expect(verify.status == 0, "\(verify.stdout)\n\(verify.stderr)")
        #expect(verify.stdout.contains("Verified: the target matches the source."))
        // A second run reuses the staging (no new reads of the source) and writes nothing twice.
        let before = try await dc.stats()["requests"] as? Int ?? 0
        let again = try FerryProcess.run(
            ["migrate", "--from", dc.url, "--to", cloud.url, "--workspace", workspace, "--spaces", "SP1"],
            environment: environment)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try await dc.stats()["requests"] as? Int ?? 0 == before)
    }

    @Test("--source-rate caps the requests per second the source sees")
    func sourceRate() async throws {
        let directory = try makeTemporaryDirectory("ferry-dc-rate")
        defer { try? FileManager.default.removeItem(at: directory) }
        let export = try Self.sample(directory, spaces: 1, pages: 6, attachments: 2)
        let dc = try DataCenterTwinProcess.start(export: export, version: 8)
        defer { dc.stop() }
        let started = Date()
        let migrate = try FerryProcess.run(
            [
                "migrate", "--from", dc.url, "--to", "twin", "--workspace", directory.appendingPathComponent("ws").path,
                "--source-rate", "5",
            ], environment: Self.source)
        let seconds = Date().timeIntervalSince(started)
        #expect(migrate.status == 0, "\(migrate.stderr)")
        let stats = try await dc.stats()
        let requests = stats["requests"] as? Int ?? 0
        let busiest = stats["maxPerSecond"] as? Int ?? 0
        print("source rate 5/s: \(requests) requests to the DC twin, busiest second \(busiest), run \(seconds) s")
        #expect(requests >= 25)
        #expect(busiest <= 6, "at most 5 requests per second (6 across a second boundary)")
        #expect(Double(requests) / seconds <= 5.5)
    }

    @Test("wrong or missing source credentials and plain http to a remote host give clear errors")
    func credentialErrors() throws {
        let directory = try makeTemporaryDirectory("ferry-dc-auth")
        defer { try? FileManager.default.removeItem(at: directory) }
        let export = try Self.sample(directory, spaces: 1, pages: 3, attachments: 0)
        let dc = try DataCenterTwinProcess.start(export: export)
        defer { dc.stop() }
        let workspace = directory.appendingPathComponent("ws").path
        let wrong = try FerryProcess.run(
            ["migrate", "--from", dc.url, "--to", "twin", "--workspace", workspace],
            environment: ["FERRY_SOURCE_TOKEN": "wrong-secret-value"])
        #expect(wrong.status != 0)
        #expect(wrong.stderr.contains("refused the credentials (HTTP 401)"), "\(wrong.stderr)")
        #expect(wrong.stderr.contains("FERRY_SOURCE_TOKEN"))
        #expect(!wrong.stderr.contains("wrong-secret-value") && !wrong.stdout.contains("wrong-secret-value"))
        let basic = try FerryProcess.run(
            ["migrate", "--from", dc.url, "--to", "twin", "--workspace", workspace],
            environment: ["FERRY_SOURCE_USER": "admin", "FERRY_SOURCE_PASSWORD": "not-it"])
        #expect(basic.stderr.contains("for user 'admin'"), "\(basic.stderr)")
        let missing = try FerryProcess.run(["migrate", "--from", dc.url, "--to", "twin", "--workspace", workspace])
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("no credentials for the Data Center site"), "\(missing.stderr)")
        let insecure = try FerryProcess.run(
            ["migrate", "--from", "http://wiki.example.com", "--to", "twin", "--workspace", workspace],
            environment: Self.source)
        #expect(insecure.status != 0)
        #expect(insecure.stderr.contains("plain http"), "\(insecure.stderr)")
    }

    @Test("ferry twin dc --help documents the endpoints, the versions and the admin API")
    func twinHelp() throws {
        let help = try FerryProcess.run(["twin", "dc", "--help"])
        #expect(help.status == 0)
        for text in ["Example:", "--dc-version", "/__twin/pages", "getSpacePermissionSets", "/rest/api/content/scan"] {
            #expect(help.stdout.contains(text), "\(text)")
        }
        let bad = try FerryProcess.run(["twin", "dc", "--from", "x.zip", "--dc-version", "6"])
        #expect(bad.status != 0 && bad.stderr.contains("--dc-version must be 7, 8 or 9"))
    }
}
