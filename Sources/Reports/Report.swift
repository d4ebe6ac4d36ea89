public import Foundation

/// One report, rendered the same way to JSON (machines), CSV (spreadsheets) and a
/// self-contained HTML page (people). `ferry assess`, `ferry migrate`, `ferry verify`
/// and `ferry archive` all build one of these.
///
/// A report holds what a person reads: figures, findings, charts and tables. A table
/// that can grow with the site (every page's redirect, every attachment) is streamed
/// to its CSV with ``CSVWriter`` and appears in the report only as its first rows and a
/// link to the full file (``Table/fullFile``), so a report's size never grows with the site.
public struct Report: Codable, Sendable, Equatable {
    public var title: String
    public var subtitle: String?
    public var generatedAt: Date
    public var generator: String
    public var figures: [Figure]
    public var findings: [Finding]
    public var charts: [Chart]
    public var tables: [Table]
    /// Limits of the tool or the target that apply to everything ("Cloud cannot set original
    /// authors"), listed so nothing is lost silently.
    public var knownLimits: [String]

    public init(
        title: String, subtitle: String? = nil, generatedAt: Date = Date(), generator: String = "ferry",
        figures: [Figure] = [], findings: [Finding] = [], charts: [Chart] = [], tables: [Table] = [],
        knownLimits: [String] = []
    ) {
        self.title = title
        self.subtitle = subtitle
        self.generatedAt = generatedAt
        self.generator = generator
        self.figures = figures
        self.findings = findings
        self.charts = charts
        self.tables = tables
        self.knownLimits = knownLimits
    }
}

/// A headline number: "Pages 12,408", "Spaces over 200 MB 2".
public struct Figure: Codable, Sendable, Equatable {
    public var label: String
    public var value: String
    public var severity: Severity?

    public init(_ label: String, _ value: String, severity: Severity? = nil) {
        self.label = label
        self.value = value
        self.severity = severity
    }

    public init(_ label: String, _ value: Int, severity: Severity? = nil) {
        self.init(label, value.formatted(.number.grouping(.automatic)), severity: severity)
    }
}

/// How much a finding matters, in increasing order.
public enum Severity: String, Codable, Sendable, CaseIterable, Comparable {
    case info
    case warning
    case error
    case critical

    public static func < (lhs: Severity, rhs: Severity) -> Bool {
        allCases.firstIndex(of: lhs) ?? 0 < allCases.firstIndex(of: rhs) ?? 0
    }
}

/// Something the operator must know or do, with the objects it concerns and the fix.
public struct Finding: Codable, Sendable, Equatable {
    /// Stable within a report: `<category>:<discriminator>`.
    public var id: String
    /// A stable, documented category such as `email.duplicate` or `space.key-conflict`.
    public var category: String
    public var severity: Severity
    public var title: String
    public var detail: String?
    public var objects: [ObjectReference]
    public var fix: String

    public init(
        id: String, category: String, severity: Severity, title: String, detail: String? = nil,
        objects: [ObjectReference] = [], fix: String
    ) {
        self.id = id
        self.category = category
        self.severity = severity
        self.title = title
        self.detail = detail
        self.objects = objects
        self.fix = fix
    }
}

/// A thing a finding or row is about: a user, a space, a page, a file.
public struct ObjectReference: Codable, Sendable, Equatable, Hashable {
    public var kind: String
    public var id: String
    public var name: String?

    public init(kind: String, id: String, name: String? = nil) {
        self.kind = kind
        self.id = id
        self.name = name
    }
}

/// A bar chart, drawn as inline SVG in HTML.
public struct Chart: Codable, Sendable, Equatable {
    public struct Bar: Codable, Sendable, Equatable {
        public var label: String
        public var value: Double

        public init(_ label: String, _ value: Double) {
            self.label = label
            self.value = value
        }
    }

    public var title: String
    public var unit: String?
    public var bars: [Bar]

    public init(title: String, unit: String? = nil, bars: [Bar]) {
        self.title = title
        self.unit = unit
        self.bars = bars
    }
}

/// Rows under named columns. `rows` holds what the report shows; when the full table
/// is larger it lives in `fullFile` (a CSV beside the report) and `totalRows` says how
/// many rows that file has.
public struct Table: Codable, Sendable, Equatable {
    /// File-name safe, unique within the report: the CSV is `<id>.csv`.
    public var id: String
    public var title: String
    public var columns: [String]
    public var rows: [[String]]
    public var totalRows: Int
    public var fullFile: String?
    /// A column whose cells are relative paths to files beside the report (rendered as links in HTML).
    public var linkColumn: Int?

    public init(
        id: String, title: String, columns: [String], rows: [[String]], totalRows: Int? = nil, fullFile: String? = nil,
        linkColumn: Int? = nil
    ) {
        self.linkColumn = linkColumn
        self.id = id
        self.title = title
        self.columns = columns
        self.rows = rows
        self.totalRows = totalRows ?? rows.count
        self.fullFile = fullFile
    }
}
