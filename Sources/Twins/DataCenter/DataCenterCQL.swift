import Foundation

/// The CQL subset the Data Center twin understands: `space = KEY` (or `space in (A,B)`),
/// `type = page|blogpost|comment|attachment` (or `type in (…)`; comments and attachments
/// match by their own last modification, in their container's space), `lastmodified >= "date"`,
/// `lastmodified < "date"` (also `>`, `<=`), joined by `and`, with an optional
/// `order by lastmodified [asc|desc]`. Anything else is refused with 400, as Confluence does.
struct DCCQL: Sendable {
    var spaces: Set<String>?
    var types: Set<String>?
    var modified: [(String, Date)] = []
    var order: Bool?

    static func parse(_ text: String) throws -> DCCQL {
        var query = DCCQL()
        var body = text.trimmingCharacters(in: .whitespaces)
        if let range = body.range(of: "order by", options: .caseInsensitive) {
            let order = body[range.upperBound...].trimmingCharacters(in: .whitespaces).lowercased()
            body = String(body[..<range.lowerBound]).trimmingCharacters(in: .whitespaces)
            let parts = order.split(separator: " ")
            guard parts.first == "lastmodified", parts.count <= 2 else {
                throw APIFailure.badRequest("Could not parse cql : \(text) (the twin orders by lastmodified only)")
            }
            query.order = parts.count == 2 ? parts[1] != "desc" : true
        }
        let clauses = body.components(separatedBy: " and ").flatMap { $0.components(separatedBy: " AND ") }
        for clause in clauses where !clause.trimmingCharacters(in: .whitespaces).isEmpty {
            let trimmed = clause.trimmingCharacters(in: .whitespaces)
            guard let match = trimmed.firstMatch(of: /^(\w+)\s*(>=|<=|!=|=|>|<|\s+in\s+)\s*(.+)$/.ignoresCase()) else {
                throw APIFailure.badRequest("Could not parse cql : \(text)")
            }
            let field = match.1.lowercased()
            let op = match.2.trimmingCharacters(in: .whitespaces).lowercased()
            guard let values = Self.values(String(match.3)) else {
                throw APIFailure.badRequest("Could not parse cql : \(text) (the twin supports clauses joined by 'and')")
            }
            switch (field, op) {
            case ("space", "="), ("space", "in"): query.spaces = Set(values)
            case ("type", "="), ("type", "in"): query.types = Set(values)
            case ("lastmodified", ">="), ("lastmodified", ">"), ("lastmodified", "<"), ("lastmodified", "<="):
                guard let value = values.first, let date = DCDates.parse(value) else {
                    throw APIFailure.badRequest("Could not parse cql : \(text) (bad date)")
                }
                query.modified.append((op, date))
            default:
                throw APIFailure.badRequest(
                    "Could not parse cql : \(text) (the twin supports space, type, lastmodified)")
            }
        }
        return query
    }

    /// The values of a clause: one value, or `(a, b)`; each a bare word or wholly quoted.
    static func values(_ text: String) -> [String]? {
        var body = text.trimmingCharacters(in: .whitespaces)
        if body.hasPrefix("("), body.hasSuffix(")") { body = String(body.dropFirst().dropLast()) }
        var values: [String] = []
        for item in body.split(separator: ",") {
            let value = item.trimmingCharacters(in: .whitespaces)
            if let quote = value.first, quote == "\"" || quote == "'" {
                guard value.count >= 2, value.last == quote, !value.dropFirst().dropLast().contains(quote) else {
                    return nil
                }
                values.append(String(value.dropFirst().dropLast()))
            } else {
                guard !value.isEmpty, !value.contains(" "), !value.contains("\""), !value.contains("'") else {
                    return nil
                }
                values.append(value)
            }
        }
        return values.isEmpty ? nil : values
    }

    /// True when content of `type` in `space`, last modified at `when`, matches every clause.
    func matches(space: String, type: String, when: Date) -> Bool {
        if let spaces, !spaces.contains(space) { return false }
        if let types, !types.contains(type) { return false }
        for (op, date) in modified {
            switch op {
            case ">=": if when < date { return false }
            case ">": if when <= date { return false }
            case "<": if when >= date { return false }
            default: if when > date { return false }
            }
        }
        return true
    }

    /// True when the query asks for comments or attachments (found by their own last modification).
    var wantsChildren: Bool { types?.contains("comment") == true || types?.contains("attachment") == true }

    func apply(to items: [DCContentItem]) -> [DCContentItem] {
        let filtered = items.filter { matches(space: $0.spaceKey, type: $0.type, when: $0.current.when) }
        guard let ascending = order else { return filtered.sorted { $0.id < $1.id } }
        return filtered.sorted {
            $0.current.when == $1.current.when ? $0.id < $1.id : ($0.current.when < $1.current.when) == ascending
        }
    }
}
