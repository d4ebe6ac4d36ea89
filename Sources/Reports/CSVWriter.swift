public import Foundation

/// Writes RFC 4180 CSV to a file, one row at a time, so a table with a million rows
/// costs one row of memory.
///
/// Cells that a spreadsheet would execute as a formula (starting with `=`, `+`, `-`,
/// `@`, tab or carriage return) are prefixed with `'`: page titles and user names
/// come from the source site and must not run in the admin's spreadsheet.
public final class CSVWriter {
    private let handle: FileHandle
    private var buffer = Data()
    private let columnCount: Int
    public private(set) var rowCount = 0
    public let url: URL

    /// Creates (or truncates) `url` and writes the header row.
    public init(url: URL, columns: [String]) throws {
        guard FileManager.default.createFile(atPath: url.path, contents: nil),
            let handle = FileHandle(forWritingAtPath: url.path)
        else {
            throw ReportError.cannotWrite(path: url.path)
        }
        self.handle = handle
        self.url = url
        self.columnCount = columns.count
        append(columns)
    }

    /// Appends one row; a row shorter than the header is padded, a longer one kept whole.
    public func write(_ row: [String]) throws {
        var cells = row
        if cells.count < columnCount { cells += Array(repeating: "", count: columnCount - cells.count) }
        append(cells.map(Self.neutralise))
        rowCount += 1
        if buffer.count >= 64 * 1024 { try flush() }
    }

    /// Writes what is buffered and closes the file.
    public func close() throws {
        try flush()
        try handle.close()
    }

    private func flush() throws {
        guard !buffer.isEmpty else { return }
        try handle.write(contentsOf: buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    private func append(_ cells: [String]) {
        let line = cells.map(Self.quote).joined(separator: ",") + "\r\n"
        buffer.append(contentsOf: line.utf8)
    }

    static func neutralise(_ cell: String) -> String {
        guard let first = cell.unicodeScalars.first else { return cell }
        return "=+-@\t\r".unicodeScalars.contains(first) ? "'" + cell : cell
    }

    static func quote(_ cell: String) -> String {
        guard cell.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return cell }
        return "\"" + cell.replacing("\"", with: "\"\"") + "\""
    }

    /// A whole CSV document in memory, for small tables.
    public static func render(columns: [String], rows: [[String]]) -> String {
        ([columns.map(quote)] + rows.map { $0.map(neutralise).map(quote) })
            .map { $0.joined(separator: ",") }.joined(separator: "\r\n") + "\r\n"
    }
}
