public import FerryModel
public import Foundation
import Reports

/// Reads the Jira users an operator exports, to compare their emails with Confluence's:
/// the CSV of Jira's user management ("Export users"), or the JSON array returned by
/// Jira's `/rest/api/2/user/search`.
public enum JiraUserFile {
    /// Column names accepted for each field, compared case-insensitively.
    static let usernameColumns = ["user name", "username", "name", "user id", "login"]
    static let emailColumns = ["email", "email address", "emailaddress", "e-mail", "mail"]
    static let displayNameColumns = ["full name", "display name", "displayname", "name (display)"]
    static let activeColumns = ["user status", "active", "status"]

    public static func read(_ url: URL) throws(JiraUserFileError) -> [JiraUser] {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw .unreadable(path: url.path, reason: error.localizedDescription)
        }
        let text = String(decoding: data, as: UTF8.self)
        let trimmed = text.drop { $0.isWhitespace || $0 == "\u{FEFF}" }
        if trimmed.hasPrefix("[") || trimmed.hasPrefix("{") {
            return try readJSON(data, path: url.path)
        }
        return try readCSV(text, path: url.path)
    }

    static func readJSON(_ data: Data, path: String) throws(JiraUserFileError) -> [JiraUser] {
        struct RESTUser: Decodable {
            var name: String?
            var key: String?
            var emailAddress: String?
            var displayName: String?
            var active: Bool?
        }
        let users: [RESTUser]
        do {
            users = try JSONDecoder().decode([RESTUser].self, from: data)
        } catch {
            throw .malformedJSON(path: path, reason: "\(error)")
        }
        return users.enumerated().compactMap { index, user in
            guard let name = user.name ?? user.key, !name.isEmpty else { return nil }
            return JiraUser(
                username: name, email: user.emailAddress, displayName: user.displayName, active: user.active ?? true)
        }
    }

    static func readCSV(_ text: String, path: String) throws(JiraUserFileError) -> [JiraUser] {
        let parsed: (header: [String], rows: [CSVReader.Row])
        do {
            parsed = try CSVReader().parse(text)
        } catch {
            switch error {
            case .strayQuote(let line), .unterminatedQuote(let line):
                throw .malformedCSV(path: path, line: line, reason: "a quote is not closed or stands inside a field")
            }
        }
        let header = parsed.header.map { $0.lowercased() }
        func column(_ names: [String]) -> Int? { names.lazy.compactMap { header.firstIndex(of: $0) }.first }
        guard let usernameIndex = column(usernameColumns) else {
            throw .missingColumn(path: path, column: "user name", found: parsed.header)
        }
        guard let emailIndex = column(emailColumns) else {
            throw .missingColumn(path: path, column: "email", found: parsed.header)
        }
        let displayIndex = column(displayNameColumns)
        let activeIndex = column(activeColumns)
        return parsed.rows.compactMap { row in
            func field(_ index: Int?) -> String? {
                guard let index, index < row.fields.count else { return nil }
                let value = row.fields[index].trimmingCharacters(in: .whitespaces)
                return value.isEmpty ? nil : value
            }
            guard let username = field(usernameIndex) else { return nil }
            let status = field(activeIndex)?.lowercased()
            let active =
                status.map { !["inactive", "false", "disabled", "deactivated", "suspended"].contains($0) } ?? true
            return JiraUser(
                username: username, email: field(emailIndex), displayName: field(displayIndex), active: active)
        }
    }
}

/// A Jira users file that cannot be used.
public enum JiraUserFileError: FerryError, Equatable {
    case unreadable(path: String, reason: String)
    case malformedJSON(path: String, reason: String)
    case malformedCSV(path: String, line: Int, reason: String)
    case missingColumn(path: String, column: String, found: [String])

    public var summary: String {
        switch self {
        case .unreadable(let path, let reason): "cannot read the Jira users file \(path): \(reason)"
        case .malformedJSON(let path, let reason): "\(path) is not a JSON array of Jira users: \(reason)"
        case .malformedCSV(let path, let line, let reason): "\(path):\(line): \(reason)"
        case .missingColumn(let path, let column, let found):
            "\(path) has no '\(column)' column (columns found: \(found.joined(separator: ", ")))"
        }
    }

    public var remedy: String? {
        switch self {
        case .unreadable: "check the path given with --jira-users"
        case .malformedJSON:
            "give the JSON array from Jira's /rest/api/2/user/search, or the CSV from Jira's user export"
        case .malformedCSV: "fix the quoting on that line, or export the file again"
        case .missingColumn:
            "export users from Jira's user management with the email column, or rename the columns to 'User name' and 'email'"
        }
    }
}
