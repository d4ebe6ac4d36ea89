import FerryCommands
import FerryModel
import Foundation
import Testing

@Suite("ferry config show")
struct ConfigShowTests {
    let sourceToken = "src-TOKEN-9f3b2c71e"
    let targetToken = "tgt-TOKEN-4d8a6e02b"
    let proxyPassword = "proxy-PW-77c1a9"

    @Test("secrets from the environment never appear in stdout, stderr or log output")
    func secretsNeverPrinted() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let environment = [
            "FERRY_SOURCE_USER": "svc-ferry", "FERRY_SOURCE_TOKEN": sourceToken,
            "FERRY_TARGET_EMAIL": "admin@example.com", "FERRY_TARGET_TOKEN": targetToken,
            "FERRY_PROXY_PASSWORD": proxyPassword,
        ]
        for format in ["text", "json"] {
            for json in [false, true] {
                let result = try FerryProcess.run(
                    ["config", "show", "--log-level", "trace", "--log-format", format]
                        + (json ? ["--json"] : []),
                    environment: environment, directory: directory)
                #expect(result.status == 0, "stderr: \(result.stderr)")
                for secret in [sourceToken, targetToken, proxyPassword] {
                    #expect(!result.stdout.contains(secret))
                    #expect(!result.stderr.contains(secret))
                }
                // The secrets are reported as set, with their origin, so the check above is meaningful.
                #expect(result.stdout.contains("FERRY_TARGET_TOKEN"))
                #expect(result.stdout.contains("FERRY_SOURCE_TOKEN"))
                #expect(result.stdout.contains("admin@example.com"))
                // trace level really logged something, so stderr was a live channel.
                #expect(result.stderr.contains("configuration loaded"))
            }
        }
    }

    @Test("a token file's contents are never printed, and a loose mode draws a warning")
    func tokenFileNeverPrinted() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let tokenFile = directory.appendingPathComponent("target-token")
        try Data((targetToken + "\n").utf8).write(to: tokenFile)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: tokenFile.path)
        try """
        workspace = "ws"
        concurrency = 8

        [target]
        url = "https://example.atlassian.net"
        email = "admin@example.com"
        token_file = "target-token"
        """.write(to: directory.appendingPathComponent("ferry.toml"), atomically: true, encoding: .utf8)

        let result = try FerryProcess.run(["config", "show", "--json"], directory: directory)
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(!result.stdout.contains(targetToken))
        #expect(!result.stderr.contains(targetToken))
        #expect(result.stderr.contains("chmod 600"))
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        let settings = object?["settings"] as? [[String: Any]] ?? []
        let byKey = Dictionary(
            uniqueKeysWithValues: settings.compactMap { entry in
                (entry["key"] as? String).map { ($0, entry) }
            })
        #expect(byKey["concurrency"]?["value"] as? String == "8")
        #expect(byKey["target.token"]?["value"] as? String == "<redacted>")
        #expect((byKey["target.token"]?["origin"] as? String)?.contains("target.token_file") == true)
        #expect((byKey["workspace"]?["value"] as? String)?.hasSuffix("/ws") == true)
    }

    @Test("command-line options override ferry.toml")
    func commandLineOverridesFile() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try "concurrency = 8\n".write(
            to: directory.appendingPathComponent("ferry.toml"), atomically: true, encoding: .utf8)
        let result = try FerryProcess.run(["config", "show", "--concurrency", "32"], directory: directory)
        #expect(result.status == 0)
        #expect(result.stdout.contains("32  (command line --concurrency)"))
    }

    @Test("a secret written into ferry.toml is refused, naming the file, key and fix, without echoing it")
    func inlineSecretRefused() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try "[target]\ntoken = \"\(targetToken)\"\n".write(
            to: directory.appendingPathComponent("ferry.toml"), atomically: true, encoding: .utf8)
        let result = try FerryProcess.run(["config", "show"], directory: directory)
        #expect(result.status != 0)
        #expect(result.stderr.contains("ferry.toml: 'target.token' holds a secret"))
        #expect(result.stderr.contains("FERRY_TARGET_TOKEN"))
        #expect(!result.stderr.contains(targetToken))
        #expect(!result.stdout.contains(targetToken))
    }

    @Test("a URL carrying credentials is refused without printing them")
    func credentialsInURLRefused() throws {
        let result = try FerryProcess.run([
            "config", "show", "--to", "https://bob:\(targetToken)@example.atlassian.net",
        ])
        #expect(result.status != 0)
        #expect(result.stderr.contains("contains user credentials"))
        #expect(!result.stderr.contains(targetToken))
    }
}

@Suite("configuration loader")
struct ConfigurationLoaderTests {
    func write(_ text: String) throws -> (URL, String) {
        let directory = try makeTemporaryDirectory()
        let path = directory.appendingPathComponent("ferry.toml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return (directory, path)
    }

    @Test("an unknown key is reported with the file and the settings that exist")
    func unknownKey() throws {
        let (directory, path) = try write("[target]\nurll = \"https://x\"\n")
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(
            throws: ConfigurationError.unknownKey(
                path: path, key: "target.urll", known: ["target.url", "target.email", "target.token_file"])
        ) {
            try ConfigurationLoader(environment: [:], currentDirectory: directory.path).load(explicitFile: path)
        }
    }

    @Test("a syntax error names the file and line")
    func syntaxError() throws {
        let (directory, path) = try write("concurrency = 4\n[target\n")
        defer { try? FileManager.default.removeItem(at: directory) }
        do {
            _ = try ConfigurationLoader(environment: [:], currentDirectory: directory.path).load(explicitFile: path)
            Issue.record("expected a syntax error")
        } catch {
            guard case .syntax(let errorPath, let line, _, _) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(errorPath == path)
            #expect(line == 2)
        }
    }

    @Test("environment secrets override token files, and the registry scrubs them from text")
    func environmentOverridesAndRedacts() throws {
        let (directory, path) = try write("[source]\nlocation = \"https://dc.example.com\"\n")
        defer { try? FileManager.default.removeItem(at: directory) }
        let configuration = try ConfigurationLoader(
            environment: ["FERRY_SOURCE_TOKEN": "pat-123456789"], currentDirectory: directory.path
        ).load(explicitFile: path)
        #expect(configuration.source.location?.value == "https://dc.example.com")
        #expect(configuration.source.token?.exposedValue == "pat-123456789")
        #expect("\(configuration.source.token!)" == "<redacted>")
        #expect(
            SecretRegistry.shared.redact("Authorization: Bearer pat-123456789") == "Authorization: Bearer <redacted>")
    }

    @Test("a proxy that is not an http(s) URL is refused")
    func badProxy() throws {
        #expect(throws: ConfigurationError.self) {
            try ConfigurationLoader(environment: [:], currentDirectory: "/tmp").load(
                overrides: ConfigurationOverrides(proxy: "socks5://proxy:1080"))
        }
    }
}
