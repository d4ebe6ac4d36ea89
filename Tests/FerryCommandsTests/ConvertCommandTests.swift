import Foundation
import Testing

@Suite("ferry convert")
struct ConvertCommandTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/StorageFormat")

    func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test("a folder of storage files becomes .adf.json documents, with a report of diagnostics and paths")
    func convertsFolder() throws {
        let out = try makeTemporaryDirectory("convert-out")
        defer { try? FileManager.default.removeItem(at: out) }
        let report = out.appendingPathComponent("report.json")
        let result = try FerryProcess.run([
            "convert", Self.fixtures.path, "--out", out.path, "--context",
            Self.fixtures.appendingPathComponent("context.json").path, "--report", report.path,
        ])
        #expect(result.status == 0, "stderr: \(result.stderr)\nstdout: \(result.stdout)")
        #expect(result.stdout.contains("8 of 8 inputs converted to valid ADF"))
        #expect(result.stdout.contains("fallback [nested-table] /table[1]/tbody[1]/tr[4]/td[2]/table[1], line 6"))
        let document = try json(String(contentsOf: out.appendingPathComponent("tables.adf.json"), encoding: .utf8))
        #expect(document["type"] as? String == "doc")
        #expect(document["version"] as? Int == 1)
        let reportObject = try json(String(contentsOf: report, encoding: .utf8))
        let files = reportObject["files"] as? [[String: Any]] ?? []
        #expect(files.count == 8)
        let links = files.first { ($0["input"] as? String ?? "").hasSuffix("links-and-media.xhtml") }
        let codes = (links?["diagnostics"] as? [[String: Any]] ?? []).compactMap { $0["code"] as? String }
        #expect(codes.contains("unresolved-page"))
        #expect((links?["diagnostics"] as? [[String: Any]])?.first?["path"] as? String == "/p[1]/ac:link[2]/ri:page[1]")
    }

    @Test("--json prints the report; without a context references are reported unresolved")
    func jsonReport() throws {
        let out = try makeTemporaryDirectory("convert-json")
        defer { try? FileManager.default.removeItem(at: out) }
        let input = Self.fixtures.appendingPathComponent("links-and-media.xhtml").path
        let result = try FerryProcess.run(["convert", input, "--out", out.path, "--json"])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let report = try json(result.stdout)
        #expect(report["converted"] as? Int == 1)
        #expect(report["invalid"] as? Int == 0)
        let diagnostics = (report["files"] as? [[String: Any]])?.first?["diagnostics"] as? [[String: Any]] ?? []
        #expect(diagnostics.filter { $0["kind"] as? String == "unresolved-reference" }.count >= 8)
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("links-and-media.adf.json").path))
    }

    @Test("a missing input fails the run (exit 1) but the other inputs are still converted")
    func missingInput() throws {
        let out = try makeTemporaryDirectory("convert-missing")
        defer { try? FileManager.default.removeItem(at: out) }
        let result = try FerryProcess.run([
            "convert", "/nonexistent/page.xhtml", Self.fixtures.appendingPathComponent("lists.xhtml").path, "--out",
            out.path,
        ])
        #expect(result.status == 1)
        #expect(result.stdout.contains("FAILED /nonexistent/page.xhtml: input /nonexistent/page.xhtml does not exist"))
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("lists.adf.json").path))
    }

    @Test("a malformed context file is refused with the file named and a fix")
    func badContext() throws {
        let out = try makeTemporaryDirectory("convert-context")
        defer { try? FileManager.default.removeItem(at: out) }
        let context = out.appendingPathComponent("context.json")
        try Data(#"{"users": {"u": {"displayName": "no account"}}}"#.utf8).write(to: context)
        let result = try FerryProcess.run([
            "convert", Self.fixtures.appendingPathComponent("lists.xhtml").path, "--out", out.path, "--context",
            context.path,
        ])
        #expect(result.status != 0)
        #expect(result.stderr.contains("the context file \(context.path) is not a valid conversion context"))
        #expect(result.stderr.contains("users.u"))
        #expect(result.stderr.contains("fix:"))
    }

    @Test("broken markup still converts, with parse recoveries reported")
    func brokenMarkup() throws {
        let out = try makeTemporaryDirectory("convert-broken")
        defer { try? FileManager.default.removeItem(at: out) }
        let input = out.appendingPathComponent("broken.html")
        try Data("<p>unclosed <b>bold & <ul><li>one<li>two".utf8).write(to: input)
        let result = try FerryProcess.run(["convert", input.path, "--out", out.path])
        #expect(result.status == 0)
        #expect(result.stdout.contains("parse-recovery [implied-end-tag]"))
        let text = try String(contentsOf: out.appendingPathComponent("broken.adf.json"), encoding: .utf8)
        #expect(text.contains("two"))
    }
}
