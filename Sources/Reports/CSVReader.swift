import Foundation

/// Reads RFC 4180 CSV (quoted fields, doubled quotes, CRLF or LF, a UTF-8 byte-order
/// mark) as produced by spreadsheets, Jira's user export and Ferry's own ``CSVWriter``.
public struct CSVReader: Sendable {
    public struct Row: Sendable, Equatable {
        /// 1-based line number where the row starts, for error messages.
        public var line: Int
        public var fields: [String]
    }

    public init() {}

    /// Parses `text`; the first row is the header.
    public func parse(_ text: String) throws(CSVError) -> (header: [String], rows: [Row]) {
        var rows: [Row] = []
        var field = ""
        var fields: [String] = []
        var inQuotes = false
        var line = 1
        var rowStart = 1
        var justClosedQuote = false
        var iterator = text.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar? = nil
        var first = true
        func endRow() {
            fields.append(field)
            field = ""
            if !(fields.count == 1 && fields[0].isEmpty) {
                rows.append(Row(line: rowStart, fields: fields))
            }
            fields = []
        }
        while let scalar = pending ?? iterator.next() {
            pending = nil
            if first {
                first = false
                if scalar == "\u{FEFF}" { continue }
            }
            if inQuotes {
                if scalar == "\"" {
                    let next = iterator.next()
                    if next == "\"" {
                        field.unicodeScalars.append("\"")
                    } else {
                        inQuotes = false
                        justClosedQuote = true
                        pending = next
                    }
                } else {
                    if scalar == "\n" { line += 1 }
                    field.unicodeScalars.append(scalar)
                }
                continue
            }
            switch scalar {
            case "\"":
                if field.isEmpty && !justClosedQuote {
                    inQuotes = true
                } else {
                    throw .strayQuote(line: line)
                }
            case ",":
                fields.append(field)
                field = ""
                justClosedQuote = false
            case "\r":
                let next = iterator.next()
                if next != "\n" { pending = next }
                endRow()
                line += 1
                rowStart = line
                justClosedQuote = false
            case "\n":
                endRow()
                line += 1
                rowStart = line
                justClosedQuote = false
            default:
                if justClosedQuote { throw .strayQuote(line: line) }
                field.unicodeScalars.append(scalar)
            }
        }
        if inQuotes { throw .unterminatedQuote(line: rowStart) }
        if !field.isEmpty || !fields.isEmpty { endRow() }
        guard let header = rows.first else { return ([], []) }
        return (header.fields.map { $0.trimmingCharacters(in: .whitespaces) }, Array(rows.dropFirst()))
    }
}

/// A CSV file that cannot be read.
public enum CSVError: Error, Equatable, Sendable {
    case strayQuote(line: Int)
    case unterminatedQuote(line: Int)
}
