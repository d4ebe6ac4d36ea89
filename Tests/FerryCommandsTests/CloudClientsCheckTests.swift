import Foundation
import Testing

@Suite("Third-party Cloud clients and the contract check against ferry twin cloud")
struct CloudClientsCheckTests {
    static var repository: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
    }

    static func pythonHas(_ modules: [String]) -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", modules.map { "import \($0)" }.joined(separator: "; ")]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
            process.waitUntilExit()
            return process.terminationStatus == 0
        } catch {
            return false
        }
    }

    @Test("atlassian-python-api and confluence-space-backup-restore work unmodified; schemathesis finds no violation")
    func thirdPartyClients() throws {
        guard Self.pythonHas(["atlassian", "confluence_tool", "schemathesis"]) else {
            print(
                "Third-party client check not run: pip install -r scripts/ci-requirements.txt first (CI installs them)."
            )
            return
        }
        let process = Process()
        process.executableURL = Self.repository.appendingPathComponent("scripts/cloud-clients-check")
        process.currentDirectoryURL = Self.repository
        var environment = ProcessInfo.processInfo.environment
        environment["FERRY_BIN"] = FerryProcess.executable.path
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        print(text)
        #expect(process.terminationStatus == 0, "scripts/cloud-clients-check failed:\n\(text)")
        #expect(text.contains("atlassian-python-api scenario:"))
        #expect(text.contains("confluence-space-backup-restore: SRC backed up and restored"))
    }
}
