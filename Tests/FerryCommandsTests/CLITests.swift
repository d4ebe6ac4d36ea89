import Foundation
import Testing

@Suite("ferry command line")
struct CLITests {
    @Test("ferry --help lists every visible command with a one-line description")
    func helpListsCommands() throws {
        let result = try FerryProcess.run(["--help"])
        #expect(result.status == 0)
        for command in [
            "demo", "config", "migrate", "status", "verify", "report", "wipe", "inspect", "sample", "convert", "twin",
        ] {
            let line = result.stdout.split(separator: "\n").first {
                $0.trimmingCharacters(in: .whitespaces).hasPrefix(command + " ")
            }
            #expect(line != nil, "no help line for \(command)")
        }
    }

    @Test("every command's help carries an example")
    func everyCommandHasAnExample() throws {
        for command in [
            ["demo"], ["config", "show"], ["migrate"], ["status"], ["verify"], ["report"], ["wipe"], ["inspect"],
            ["sample"],
            ["convert"], ["twin", "cloud"],
        ] {
            let result = try FerryProcess.run(command + ["--help"])
            #expect(result.status == 0)
            #expect(result.stdout.contains("Example"), "\(command) --help has no example")
        }
    }

    @Test("a bad --log-level is refused with the valid levels")
    func badLogLevel() throws {
        let result = try FerryProcess.run(["config", "show", "--log-level", "loud"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("trace"))
    }

    @Test("ferry demo runs on embedded defaults and reports its stages as JSON")
    func demoRuns() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try FerryProcess.run([
            "demo", "--workspace", directory.path, "--json", "--pages", "30", "--attachments", "8",
        ])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        let stages = object?["stages"] as? [[String: Any]] ?? []
        #expect(stages.compactMap { $0["name"] as? String } == ["sample", "stage", "migrate", "verify"])
        #expect(object?["clean"] as? Bool == true)
    }
}
