public import Foundation

/// Writes a report folder: `report.json`, `report.html`, `findings.csv`, and one
/// `<table id>.csv` per table that is not already streamed to its own file.
public struct ReportWriter: Sendable {
    public struct Written: Sendable, Equatable {
        public var folder: URL
        public var files: [String]
    }

    public init() {}

    @discardableResult
    public func write(_ report: Report, to folder: URL) throws -> Written {
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw ReportError.cannotCreateFolder(path: folder.path, reason: error.localizedDescription)
        }
        var files: [String] = []
        func save(_ text: String, _ name: String) throws {
            let url = folder.appendingPathComponent(name)
            do {
                try Data(text.utf8).write(to: url, options: .atomic)
            } catch {
                throw ReportError.cannotWrite(path: url.path)
            }
            files.append(name)
        }
        try save(try Self.json(report), "report.json")
        try save(HTMLRenderer().render(report), "report.html")
        try save(
            CSVWriter.render(
                columns: ["id", "category", "severity", "title", "objects", "fix"],
                rows: report.findings.map { finding in
                    [
                        finding.id, finding.category, finding.severity.rawValue, finding.title,
                        finding.objects.map { "\($0.kind):\($0.id)" }.joined(separator: " "), finding.fix,
                    ]
                }), "findings.csv")
        for table in report.tables where table.fullFile == nil {
            try save(CSVWriter.render(columns: table.columns, rows: table.rows), "\(table.id).csv")
        }
        return Written(folder: folder, files: files)
    }

    /// The JSON form: key-sorted, ISO 8601 dates, so two reports of the same run diff cleanly.
    public static func json(_ report: Report) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return String(decoding: try encoder.encode(report), as: UTF8.self)
    }
}
