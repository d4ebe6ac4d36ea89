import Foundation

/// Renders a ``Report`` as one self-contained HTML page: inline CSS, inline SVG
/// charts, no scripts, no external resources, so it opens offline from a USB stick
/// or an email attachment. Every value from the site is escaped.
public struct HTMLRenderer: Sendable {
    /// Objects listed per finding before the rest are summarised as "and N more".
    public var objectsPerFinding = 50

    public init() {}

    public func render(_ report: Report) -> String {
        var html = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="generator" content="\(escape(report.generator))">
            <title>\(escape(report.title))</title>
            <style>\(Self.stylesheet)</style>
            </head><body>
            <header><h1>\(escape(report.title))</h1>
            """
        if let subtitle = report.subtitle { html += "<p class=\"subtitle\">\(escape(subtitle))</p>" }
        html +=
            "<p class=\"meta\">Generated \(escape(report.generatedAt.formatted(.iso8601))) by \(escape(report.generator))</p></header>\n"

        if !report.figures.isEmpty {
            html += "<section class=\"figures\">"
            for figure in report.figures {
                let cls = figure.severity.map { " sev-\($0.rawValue)" } ?? ""
                html +=
                    "<div class=\"figure\(cls)\"><div class=\"value\">\(escape(figure.value))</div><div class=\"label\">\(escape(figure.label))</div></div>"
            }
            html += "</section>\n"
        }

        html += renderFindings(report.findings)
        for chart in report.charts { html += renderChart(chart) }
        for table in report.tables { html += renderTable(table) }

        if !report.knownLimits.isEmpty {
            html += "<section><h2>Known limits</h2><ul>"
            for limit in report.knownLimits { html += "<li>\(escape(limit))</li>" }
            html += "</ul></section>\n"
        }
        html += "</body></html>\n"
        return html
    }

    private func renderFindings(_ findings: [Finding]) -> String {
        guard !findings.isEmpty else { return "<section><h2>Findings</h2><p>No findings.</p></section>\n" }
        var html = "<section><h2>Findings (\(findings.count))</h2>"
        let counts = Dictionary(grouping: findings, by: \.severity).mapValues(\.count)
        html += "<p class=\"counts\">"
        html += Severity.allCases.reversed().compactMap { severity in
            counts[severity].map { "<span class=\"badge sev-\(severity.rawValue)\">\($0) \(severity.rawValue)</span>" }
        }.joined(separator: " ")
        html += "</p>"
        for finding in findings.sorted(by: { ($0.severity, $1.id) > ($1.severity, $0.id) }) {
            html += "<article class=\"finding sev-\(finding.severity.rawValue)\" id=\"\(escape(finding.id))\">"
            html += "<h3><span class=\"badge sev-\(finding.severity.rawValue)\">\(finding.severity.rawValue)</span> "
            html += "\(escape(finding.title)) <code>\(escape(finding.category))</code></h3>"
            if let detail = finding.detail { html += "<p>\(escape(detail))</p>" }
            html += "<p class=\"fix\"><strong>Fix:</strong> \(escape(finding.fix))</p>"
            if !finding.objects.isEmpty {
                html +=
                    "<details><summary>\(finding.objects.count) object\(finding.objects.count == 1 ? "" : "s")</summary><ul>"
                for object in finding.objects.prefix(objectsPerFinding) {
                    html += "<li>\(escape(object.kind)) <code>\(escape(object.id))</code>"
                    if let name = object.name { html += " \(escape(name))" }
                    html += "</li>"
                }
                if finding.objects.count > objectsPerFinding {
                    html += "<li>and \(finding.objects.count - objectsPerFinding) more (see report.json)</li>"
                }
                html += "</ul></details>"
            }
            html += "</article>"
        }
        return html + "</section>\n"
    }

    /// A horizontal bar chart: one row per bar, scaled to the largest value.
    func renderChart(_ chart: Chart) -> String {
        let rowHeight = 22
        let labelWidth = 220
        let barWidth = 420
        let height = max(chart.bars.count, 1) * rowHeight + 10
        let maximum = chart.bars.map(\.value).max().map { $0 > 0 ? $0 : 1 } ?? 1
        var svg =
            "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" width=\"\(labelWidth + barWidth + 120)\" height=\"\(height)\" aria-label=\"\(escape(chart.title))\">"
        for (index, bar) in chart.bars.enumerated() {
            let y = index * rowHeight + 5
            let width = max(Int((bar.value / maximum) * Double(barWidth)), bar.value > 0 ? 1 : 0)
            let label = bar.label.count > 32 ? String(bar.label.prefix(31)) + "…" : bar.label
            svg += "<text x=\"\(labelWidth - 6)\" y=\"\(y + 15)\" text-anchor=\"end\">\(escape(label))</text>"
            svg +=
                "<rect x=\"\(labelWidth)\" y=\"\(y + 3)\" width=\"\(width)\" height=\"\(rowHeight - 6)\" fill=\"#2f6fb3\"/>"
            let value = bar.value.rounded() == bar.value ? String(Int(bar.value)) : String(format: "%.1f", bar.value)
            svg +=
                "<text x=\"\(labelWidth + width + 6)\" y=\"\(y + 15)\">\(escape(value + (chart.unit.map { " " + $0 } ?? "")))</text>"
        }
        svg += "</svg>"
        return "<section class=\"chart\"><h2>\(escape(chart.title))</h2>\(svg)</section>\n"
    }

    private func renderTable(_ table: Table) -> String {
        var html = "<section><h2 id=\"\(escape(table.id))\">\(escape(table.title))</h2>"
        if table.totalRows > table.rows.count {
            html += "<p class=\"meta\">Showing \(table.rows.count) of \(table.totalRows) rows"
            if let file = table.fullFile { html += "; all rows in <a href=\"\(escape(file))\">\(escape(file))</a>" }
            html += ".</p>"
        } else if let file = table.fullFile {
            html += "<p class=\"meta\">Also as <a href=\"\(escape(file))\">\(escape(file))</a>.</p>"
        }
        guard !table.rows.isEmpty else { return html + "<p>None.</p></section>\n" }
        html += "<div class=\"scroll\"><table><thead><tr>"
        for column in table.columns { html += "<th>\(escape(column))</th>" }
        html += "</tr></thead><tbody>"
        for row in table.rows {
            html += "<tr>"
            for (column, cell) in row.enumerated() {
                if column == table.linkColumn, !cell.isEmpty, Self.isRelativeLink(cell) {
                    html += "<td><a href=\"\(escape(cell))\">\(escape(cell))</a></td>"
                } else {
                    html += "<td>\(escape(cell))</td>"
                }
            }
            html += "</tr>"
        }
        return html + "</tbody></table></div></section>\n"
    }

    /// A link column's cell becomes a link only when it is a relative path (no scheme, no
    /// leading slash or backslash), so text from the site cannot become a script URL.
    static func isRelativeLink(_ cell: String) -> Bool {
        guard let first = cell.first, first != "/", first != "\\", !cell.contains(":") else { return false }
        return !cell.contains("\n")
    }

    /// Escapes text for HTML content and double-quoted attributes.
    public func escape(_ text: String) -> String {
        var output = ""
        output.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": output += "&amp;"
            case "<": output += "&lt;"
            case ">": output += "&gt;"
            case "\"": output += "&quot;"
            case "'": output += "&#39;"
            default:
                // Control characters other than tab/newline are not allowed in HTML text.
                if scalar.value < 0x20 && scalar != "\t" && scalar != "\n" && scalar != "\r" {
                    output += "\u{FFFD}"
                } else {
                    output.unicodeScalars.append(scalar)
                }
            }
        }
        return output
    }

    static let stylesheet = """
        body{font:14px/1.45 -apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;margin:0 auto;max-width:1200px;padding:16px 24px;color:#172b4d}
        h1{font-size:26px;margin:8px 0}h2{font-size:19px;margin-top:28px;border-bottom:1px solid #dfe1e6;padding-bottom:4px}
        h3{font-size:15px;margin:4px 0}.subtitle{font-size:16px;margin:0}.meta{color:#5e6c84;font-size:12px}
        .figures{display:flex;flex-wrap:wrap;gap:10px;margin:16px 0}.figure{border:1px solid #dfe1e6;border-radius:6px;padding:8px 14px;min-width:120px}
        .figure .value{font-size:22px;font-weight:600}.figure .label{color:#5e6c84;font-size:12px}
        .badge{display:inline-block;border-radius:3px;padding:0 6px;font-size:11px;font-weight:700;text-transform:uppercase;color:#fff;background:#6b778c}
        .sev-critical .value,.sev-error .value{color:#bf2600}.badge.sev-critical{background:#7a1a00}.badge.sev-error{background:#de350b}
        .badge.sev-warning{background:#ff991f;color:#172b4d}.badge.sev-info{background:#0065ff}
        .finding{border-left:4px solid #6b778c;padding:6px 12px;margin:10px 0;background:#fafbfc}
        .finding.sev-critical{border-color:#7a1a00}.finding.sev-error{border-color:#de350b}.finding.sev-warning{border-color:#ff991f}.finding.sev-info{border-color:#0065ff}
        .fix{margin:4px 0}code{background:#f4f5f7;padding:0 3px;border-radius:3px;font-size:12px}
        .scroll{overflow-x:auto}table{border-collapse:collapse;font-size:13px}th,td{border:1px solid #dfe1e6;padding:3px 8px;text-align:left;vertical-align:top}
        th{background:#f4f5f7;position:sticky;top:0}tr:nth-child(even) td{background:#fafbfc}svg text{font-size:12px;fill:#172b4d}
        """
}
