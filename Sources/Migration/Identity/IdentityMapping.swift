public import FerryModel
public import Foundation
import Reports

/// What migration does with one source user, as the operator decided in the mapping CSV.
public enum IdentityAction: String, Sendable, Codable, CaseIterable {
    /// Use the existing Cloud account given in `cloud_account_id`.
    case map
    /// Invite the person to the Cloud site with `email`; authorship then points at the new account.
    case create
    /// Attribute everything to another source user's account (`merge_into` = their source key).
    case mergeInto = "merge-into"
    /// Do not migrate the user; their content is attributed to the migrating account and
    /// their mentions stay readable text.
    case skip
}

/// How Ferry proposes actions before the operator reviews them. Chosen once per workspace.
public enum IdentityStrategy: String, Sendable, Codable, CaseIterable {
    /// Map to a Cloud account with the same email when one exists, else invite.
    case matchEmail = "match-email"
    /// Map when a Cloud account exists; never invite (unmatched users are skipped).
    case matchOnly = "match-only"
    /// Invite every active user who has no Cloud account; skip deactivated ones.
    case inviteActive = "invite-active"
}

/// One row of the operator-reviewed mapping.
public struct IdentityMappingRow: Sendable, Equatable, Codable {
    public var sourceKey: String
    public var username: String
    public var displayName: String
    public var email: String
    public var action: IdentityAction
    public var cloudAccountId: String
    public var mergeInto: String
    public var notes: String

    public init(
        sourceKey: String, username: String, displayName: String = "", email: String = "", action: IdentityAction,
        cloudAccountId: String = "", mergeInto: String = "", notes: String = ""
    ) {
        self.sourceKey = sourceKey
        self.username = username
        self.displayName = displayName
        self.email = email
        self.action = action
        self.cloudAccountId = cloudAccountId
        self.mergeInto = mergeInto
        self.notes = notes
    }
}

/// The mapping CSV: `source_key, username, display_name, email, action, cloud_account_id, merge_into, notes`.
/// Ferry writes it, the operator edits it, and migration reads it back, refusing any row
/// that is not complete, so nobody is mapped by guesswork.
public enum IdentityMappingFile {
    public static let columns = [
        "source_key", "username", "display_name", "email", "action", "cloud_account_id", "merge_into", "notes",
    ]

    /// Proposes an action per user under `strategy`. `cloudAccounts` maps a mailbox key
    /// (``EmailAddress/mailboxKey(_:)``) to an existing Cloud accountId.
    public static func propose(
        users: [SourceUser], strategy: IdentityStrategy, cloudAccounts: [String: String]
    ) -> [IdentityMappingRow] {
        let duplicates = Dictionary(grouping: users.filter { EmailAddress.problem(with: $0.email) == nil }) {
            EmailAddress.mailboxKey($0.email ?? "")
        }
        return users.sorted { $0.key < $1.key }.map { user in
            var row = IdentityMappingRow(
                sourceKey: user.key, username: user.username, displayName: user.displayName ?? "",
                email: user.email ?? "", action: .skip)
            if let problem = EmailAddress.problem(with: user.email) {
                row.notes = "email \(problem.rawValue): set a real address and choose create, or map to an account"
                return row
            }
            let mailbox = EmailAddress.mailboxKey(user.email ?? "")
            if let sharing = duplicates[mailbox], sharing.count > 1, let first = sharing.map(\.key).min(),
                first != user.key
            {
                row.action = .mergeInto
                row.mergeInto = first
                row.notes = "shares the mailbox \(mailbox) with \(first); review the merge"
                return row
            }
            if let account = cloudAccounts[mailbox] {
                row.action = .map
                row.cloudAccountId = account
                return row
            }
            switch strategy {
            case .matchEmail: row.action = .create
            case .matchOnly:
                row.action = .skip
                row.notes = "no Cloud account with this email"
            case .inviteActive:
                row.action = user.active ? .create : .skip
                if !user.active { row.notes = "deactivated" }
            }
            return row
        }
    }

    public static func write(_ rows: [IdentityMappingRow], to url: URL) throws {
        let writer = try CSVWriter(url: url, columns: columns)
        for row in rows {
            try writer.write([
                row.sourceKey, row.username, row.displayName, row.email, row.action.rawValue, row.cloudAccountId,
                row.mergeInto, row.notes,
            ])
        }
        try writer.close()
    }

    /// Reads an edited mapping and checks every row. All problems are collected and
    /// thrown together, each naming its line, so the operator fixes the file in one pass.
    public static func read(_ url: URL) throws(IdentityMappingError) -> [IdentityMappingRow] {
        guard let data = FileManager.default.contents(atPath: url.path) else { throw .unreadable(path: url.path) }
        let parsed: (header: [String], rows: [CSVReader.Row])
        do {
            parsed = try CSVReader().parse(String(decoding: data, as: UTF8.self))
        } catch {
            switch error {
            case .strayQuote(let line), .unterminatedQuote(let line):
                throw .invalid(
                    path: url.path, problems: ["line \(line): a quote is not closed or stands inside a field"])
            }
        }
        let header = parsed.header.map { $0.lowercased() }
        let missing = columns.filter { !header.contains($0) && $0 != "notes" }
        guard missing.isEmpty else {
            throw .invalid(path: url.path, problems: ["missing column(s): \(missing.joined(separator: ", "))"])
        }
        func index(_ name: String) -> Int? { header.firstIndex(of: name) }
        var rows: [IdentityMappingRow] = []
        var problems: [String] = []
        var seen: [String: Int] = [:]
        for row in parsed.rows {
            func field(_ name: String) -> String {
                guard let position = index(name), position < row.fields.count else { return "" }
                return row.fields[position].trimmingCharacters(in: .whitespaces)
            }
            let key = field("source_key")
            let actionText = field("action").lowercased()
            guard !key.isEmpty else {
                problems.append("line \(row.line): source_key is empty")
                continue
            }
            if let previous = seen[key] {
                problems.append("line \(row.line): user \(key) is listed again (first on line \(previous))")
                continue
            }
            seen[key] = row.line
            guard let action = IdentityAction(rawValue: actionText) else {
                problems.append(
                    "line \(row.line): user \(key) has action '\(actionText)'; use one of "
                        + IdentityAction.allCases.map(\.rawValue).joined(separator: ", "))
                continue
            }
            let mapped = IdentityMappingRow(
                sourceKey: key, username: field("username"), displayName: field("display_name"), email: field("email"),
                action: action, cloudAccountId: field("cloud_account_id"), mergeInto: field("merge_into"),
                notes: field("notes"))
            switch action {
            case .map where mapped.cloudAccountId.isEmpty:
                problems.append("line \(row.line): user \(key) is 'map' but cloud_account_id is empty")
            case .create where EmailAddress.problem(with: mapped.email) != nil:
                problems.append("line \(row.line): user \(key) is 'create' but '\(mapped.email)' is not a usable email")
            case .mergeInto where mapped.mergeInto.isEmpty || mapped.mergeInto == key:
                problems.append("line \(row.line): user \(key) is 'merge-into' but merge_into names no other user")
            default: break
            }
            rows.append(mapped)
        }
        let keys = Set(rows.map(\.sourceKey))
        let byKey = Dictionary(rows.map { ($0.sourceKey, $0) }, uniquingKeysWith: { first, _ in first })
        for row in rows where row.action == .mergeInto && !row.mergeInto.isEmpty {
            if !keys.contains(row.mergeInto) {
                problems.append("user \(row.sourceKey) merges into \(row.mergeInto), which is not in the file")
            } else if let target = byKey[row.mergeInto], target.action == .mergeInto || target.action == .skip {
                problems.append(
                    "user \(row.sourceKey) merges into \(row.mergeInto), whose own action is \(target.action.rawValue); merge into a user that is mapped or created"
                )
            }
        }
        guard problems.isEmpty else { throw .invalid(path: url.path, problems: problems) }
        return rows
    }
}

/// A mapping file that cannot be used as it is.
public enum IdentityMappingError: FerryError, Equatable {
    case unreadable(path: String)
    case invalid(path: String, problems: [String])
    case strategyChanged(workspace: String, recorded: String, requested: String)

    public var summary: String {
        switch self {
        case .unreadable(let path): "cannot read the identity mapping \(path)"
        case .invalid(let path, let problems):
            "\(path) has \(problems.count) problem\(problems.count == 1 ? "" : "s"):\n"
                + problems.map { "  - \($0)" }.joined(separator: "\n")
        case .strategyChanged(let workspace, let recorded, let requested):
            "workspace \(workspace) was set up with identity strategy '\(recorded)', not '\(requested)'"
        }
    }

    public var remedy: String? {
        switch self {
        case .unreadable: "check the path; ferry users --out writes the file to start from"
        case .invalid: "correct the lines listed and run the command again"
        case .strategyChanged:
            "switching strategies midway creates duplicate accounts; keep the recorded one, or pass --change-strategy if no user was migrated yet"
        }
    }
}
