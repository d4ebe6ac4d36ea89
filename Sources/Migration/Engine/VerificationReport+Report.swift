public import Foundation
public import Reports

extension VerificationReport {
    /// The verification in the shared report model, so `ferry verify` writes the same
    /// report.json / report.html / CSV set as `ferry assess` and `ferry report`: a figure
    /// per checked kind, one finding per difference (category `verify.<kind>`), the
    /// differences as a table, and the known limits.
    public func report(generatedAt: Date = Date()) -> Report {
        var figures = [Figure("Verdict", clean ? "clean" : "not clean", severity: clean ? .info : .error)]
        figures.append(Figure("Differences", differences.count, severity: differences.isEmpty ? nil : .error))
        for (name, count) in checked.sorted(by: { $0.key < $1.key }) {
            figures.append(Figure("Checked: \(name)", count))
        }
        let findings = differences.enumerated().map { index, difference in
            Finding(
                id: "verify-\(index + 1)", category: "verify.\(difference.kind)", severity: .error,
                title: "\(difference.kind) differs in space \(difference.space)", detail: difference.detail,
                objects: [
                    difference.source.map { ObjectReference(kind: "source", id: $0) },
                    difference.target.map { ObjectReference(kind: "target", id: $0) },
                ].compactMap { $0 },
                fix: "rerun `ferry migrate` (it resumes and repairs what the ledger lacks), then `ferry verify` again; "
                    + "if the difference stays, the row names the source and target objects to compare by hand")
        }
        let byKind = Dictionary(grouping: differences, by: \.kind).map { ($0.key, Double($0.value.count)) }
        let charts =
            byKind.isEmpty
            ? []
            : [Chart(title: "Differences by kind", bars: byKind.sorted { $0.0 < $1.0 }.map { Chart.Bar($0.0, $0.1) })]
        let table = Table(
            id: "differences", title: "Differences",
            columns: ["kind", "space", "source", "target", "detail"],
            rows: differences.map { [$0.kind, $0.space, $0.source ?? "", $0.target ?? "", $0.detail] })
        return Report(
            title: "Ferry verification", subtitle: clean ? "The target matches the source." : nil,
            generatedAt: generatedAt, figures: figures, findings: findings, charts: charts, tables: [table],
            knownLimits: knownLimits)
    }
}
