import Foundation
import Migration
import Reports
import Transport
import Workspace

/// Turns what `ferry assess` found into the shared ``Report`` model (JSON, HTML, CSV).
struct AssessReportBuilder {
    var source: String
    var target: String?
    var account: String?
    var outcome: SourceAssessment.Outcome
    var findings: [Finding]
    var probes: [ConnectivityProbe.Result]
    var networkSkipped: Bool
    var databaseKind: String?
    var requests: Int
    var uploadBytes: Int64
    var seconds: Double
    var requestsPerSecond: Double

    func build() -> Report {
        let totals = outcome.spaces.reduce(into: StagingSummary.Counts()) { $0.add($1) }
        let bySeverity = Dictionary(grouping: findings, by: \.severity).mapValues(\.count)
        var figures = [
            Figure("Spaces", outcome.spaces.count),
            Figure("Pages", totals.pages),
            Figure("Blog posts", totals.blogPosts),
            Figure("Historical versions", totals.historicalVersions),
            Figure("Attachments", totals.attachments),
            Figure("Attachment bytes", ProgressReporter.format(bytes: totals.attachmentBytes)),
            Figure("Estimated XML", ProgressReporter.format(bytes: totals.estimatedXMLBytes)),
            Figure("Users", outcome.usersAssessed),
            Figure("Estimated requests", requests),
            Figure(
                "Estimated duration at \(Int(requestsPerSecond)) req/s", ProgressReporter.format(seconds: seconds)),
        ]
        for severity in Severity.allCases.reversed() {
            let count = bySeverity[severity] ?? 0
            figures.append(
                Figure("\(severity.rawValue.capitalized) findings", count, severity: count > 0 ? severity : nil))
        }
        var charts = [
            Chart(
                title: "Estimated XML size per space", unit: "MB",
                bars: outcome.spaces.map {
                    Chart.Bar($0.key ?? "?", (Double($0.estimatedXMLBytes) / 1_000_000 * 10).rounded() / 10)
                }),
            Chart(
                title: "Attachment bytes per space", unit: "MB",
                bars: outcome.spaces.map {
                    Chart.Bar($0.key ?? "?", (Double($0.attachmentBytes) / 1_000_000 * 10).rounded() / 10)
                }),
        ]
        let categories = Dictionary(grouping: findings, by: \.category).mapValues(\.count)
        charts.append(
            Chart(
                title: "Findings per category",
                bars: categories.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.map {
                    Chart.Bar($0.key, Double($0.value))
                }))
        var tables = [
            Table(
                id: "spaces", title: "Spaces",
                columns: [
                    "space", "name", "pages", "blog posts", "versions", "attachments", "attachment bytes",
                    "estimated XML bytes", "over CCMA limit", "drafts",
                ],
                rows: outcome.spaces.map { space in
                    [
                        space.key ?? "", space.name ?? "", "\(space.pages)", "\(space.blogPosts)",
                        "\(space.historicalVersions)", "\(space.attachments)", "\(space.attachmentBytes)",
                        "\(space.estimatedXMLBytes)", space.overCCMALimit ? "yes" : "no", "\(space.drafts)",
                    ]
                }),
            Table(
                id: "macros", title: "Macros and their Cloud availability",
                columns: ["macro", "uses", "pages", "app", "cloud availability"],
                rows: outcome.macros.map { [$0.name, "\($0.count)", "\($0.pages)", $0.app, $0.availability] }),
        ]
        tables.append(
            Table(
                id: "connectivity", title: networkSkipped ? "Connectivity (skipped)" : "Connectivity",
                columns: ["endpoint", "status", "via proxy", "milliseconds"],
                rows: probes.map {
                    [$0.endpoint, NetworkAssessment.status($0.outcome), $0.proxy ?? "direct", "\($0.milliseconds)"]
                }))
        var subtitle = source + (target.map { " → \($0)" } ?? "")
        if let account { subtitle += " (as \(account))" }
        var limits = [
            "Cloud twin groups and the identity mapping come from `ferry users`; same-name Cloud group checks need the target's group list.",
            "The duration estimate counts requests at \(Int(requestsPerSecond)) requests/s and \(ProgressReporter.format(bytes: uploadBytes)) of uploads; real throughput depends on the site's rate limit and bandwidth.",
        ]
        if networkSkipped { limits.append("Connectivity was not checked (--skip-network).") }
        if target == nil {
            limits.append("No target was given: credentials, permissions and space keys were not checked.")
        }
        if let databaseKind { limits.append("Source database (confluence.cfg.xml): \(databaseKind).") }
        return Report(
            title: "Ferry pre-flight assessment", subtitle: subtitle, generator: "ferry assess", figures: figures,
            findings: findings, charts: charts, tables: tables, knownLimits: limits)
    }

    /// What `ferry assess` prints without --json.
    static func text(_ report: Report, folder: String, files: [String]) -> String {
        var lines = ["Assessment written to \(folder): \(files.joined(separator: ", "))"]
        for figure in report.figures { lines.append("  \(figure.label): \(figure.value)") }
        if report.findings.isEmpty {
            lines.append("No findings.")
        } else {
            lines.append("Findings:")
            for finding in report.findings.sorted(by: { ($0.severity, $1.id) > ($1.severity, $0.id) }) {
                lines.append("  [\(finding.severity.rawValue)] \(finding.category): \(finding.title)")
            }
        }
        return lines.joined(separator: "\n")
    }
}
