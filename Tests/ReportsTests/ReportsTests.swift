import Foundation
import Reports
import Testing

@Suite("reports")
struct ReportsTests {
    let hostile = "<script>alert('x')</script> & \"quotes\""

    func sampleReport() -> Report {
        Report(
            title: "Assessment of \(hostile)",
            figures: [Figure("Pages", 12408), Figure("Spaces over 200 MB", 2, severity: .error)],
            findings: [
                Finding(
                    id: "email.duplicate:a@example.com", category: "email.duplicate", severity: .error,
                    title: "Duplicate email \(hostile)",
                    objects: [ObjectReference(kind: "user", id: "u1", name: hostile)],
                    fix: "Give each account its own address"),
                Finding(
                    id: "loss.drafts", category: "loss.drafts", severity: .warning, title: "Drafts", fix: "Archive them"
                ),
            ],
            charts: [
                Chart(
                    title: "Attachment bytes per space", unit: "MiB", bars: [.init("DOCS", 120), .init(hostile, 3.5)])
            ],
            tables: [
                Table(
                    id: "spaces", title: "Spaces", columns: ["key", "title"],
                    rows: [["DOCS", hostile], ["=HYPERLINK(\"x\")", "ok"]])
            ],
            knownLimits: ["Cloud cannot set a page's original author"])
    }

    @Test("HTML escapes every value from the site, so a title with <script> cannot run")
    func htmlEscapes() {
        let html = HTMLRenderer().render(sampleReport())
        #expect(!html.contains("<script>"))
        #expect(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;quotes&quot;"))
        #expect(html.contains("<svg"))
        #expect(html.contains("Known limits"))
        #expect(!html.contains("http://") || html.contains("xmlns=\"http://www.w3.org/2000/svg\""))
    }

    @Test("the HTML page is self-contained: no external scripts, styles or images")
    func htmlSelfContained() {
        let html = HTMLRenderer().render(sampleReport())
        #expect(!html.contains("<link"))
        #expect(!html.contains("src="))
        #expect(!html.contains("<script"))
    }

    @Test("CSV quotes separators and neutralises spreadsheet formulas")
    func csvQuotingAndFormulas() {
        let csv = CSVWriter.render(
            columns: ["a", "b"], rows: [["x,y", "say \"hi\""], ["=1+1", "-2"], ["line\nbreak", "@cmd"]])
        #expect(csv == "a,b\r\n\"x,y\",\"say \"\"hi\"\"\"\r\n'=1+1,'-2\r\n\"line\nbreak\",'@cmd\r\n")
    }

    @Test("the streaming CSV writer pads short rows and counts what it wrote")
    func streamingCSV() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-csv-\(UUID().uuidString).csv")
        defer { try? FileManager.default.removeItem(at: url) }
        let writer = try CSVWriter(url: url, columns: ["old", "new", "kind"])
        for index in 0..<10_000 { try writer.write(["/display/DOCS/Page+\(index)", "https://x/wiki/\(index)"]) }
        try writer.close()
        #expect(writer.rowCount == 10_000)
        let text = try String(contentsOf: url, encoding: .utf8)
        let lines = text.split(separator: "\r\n")
        #expect(lines.count == 10_001)
        #expect(lines[1] == "/display/DOCS/Page+0,https://x/wiki/0,")
    }

    @Test("the writer produces report.json, report.html and CSVs, and the JSON reads back equal")
    func writerRoundTrip() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-report-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        var report = sampleReport()
        report.generatedAt = Date(timeIntervalSince1970: 1_800_000_000)
        let written = try ReportWriter().write(report, to: folder)
        #expect(Set(written.files) == ["report.json", "report.html", "findings.csv", "spaces.csv"])
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let decoded = try decoder.decode(
            Report.self, from: Data(contentsOf: folder.appendingPathComponent("report.json")))
        #expect(decoded == report)
        let findings = try String(contentsOf: folder.appendingPathComponent("findings.csv"), encoding: .utf8)
        #expect(findings.contains("email.duplicate:a@example.com,email.duplicate,error"))
    }

    @Test("findings are ordered most severe first in HTML")
    func severityOrder() {
        let html = HTMLRenderer().render(sampleReport())
        let error = html.range(of: "Duplicate email")
        let warning = html.range(of: "<h3><span class=\"badge sev-warning\">")
        #expect(error != nil && warning != nil)
        if let error, let warning { #expect(error.lowerBound < warning.lowerBound) }
    }
}
