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

/// What happens to one source group in Cloud.
public enum GroupAction: String, Sendable, Codable, CaseIterable {
    /// Create a new Cloud group named `cloud_group` (default: the source name) and add the members.
    /// Refused when a Cloud group of that name already exists and Ferry did not create it.
    case create
    /// Add the members to the existing Cloud group `cloud_group`: they gain what it grants.
    /// The only way Ferry ever folds a source group into a Cloud group.
    case merge
    /// Do not migrate the group: its restrictions and permissions are not carried over.
    case skip
}

/// One group row of the operator-reviewed mapping.
public struct GroupMappingRow: Sendable, Equatable, Codable {
    public var sourceName: String
    public var action: GroupAction
    public var cloudGroup: String
    public var notes: String

    public init(sourceName: String, action: GroupAction, cloudGroup: String = "", notes: String = "") {
        self.sourceName = sourceName
        self.action = action
        self.cloudGroup = cloudGroup.isEmpty ? sourceName : cloudGroup
        self.notes = notes
    }
}

/// The whole reviewed mapping: users and groups.
public struct IdentityMapping: Sendable, Equatable, Codable {
    public var users: [IdentityMappingRow]
    public var groups: [GroupMappingRow]

    public init(users: [IdentityMappingRow], groups: [GroupMappingRow]) {
        self.users = users
        self.groups = groups
    }
}

/// The mapping CSV: `source_key, username, display_name, email, action, cloud_account_id, merge_into, notes`.
/// Ferry writes it, the operator edits it, and migration reads it back, refusing any row
/// that is not complete, so nobody is mapped by guesswork.
public enum IdentityMappingFile {
    public static let columns = [
        "kind", "source_key", "username", "display_name", "email", "action", "cloud_account_id", "merge_into",
        "cloud_group", "notes",
    ]
    /// Columns a file may leave out: `kind` (then every row is a user), `cloud_group`, `notes`.
    static let optionalColumns: Set<String> = ["kind", "cloud_group", "notes"]

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

    /// Proposes an action per source group: blocklisted groups are skipped (never
    /// created); a group whose name exists in Cloud is created under a new name, never
    /// merged (the operator writes `merge` to fold it in); the rest are created as they are.
    public static func proposeGroups(
        _ groups: [SourceGroup], users: [SourceUser], cloudGroups: [CloudGroup]?
    ) -> [GroupMappingRow] {
        let names = Set((cloudGroups ?? []).map { $0.name.lowercased() })
        let byName = Dictionary(
            (cloudGroups ?? []).map { ($0.name.lowercased(), $0) }, uniquingKeysWith: { first, _ in first })
        let usernames = Dictionary(users.map { ($0.key, $0.username) }, uniquingKeysWith: { first, _ in first })
        return groups.sorted { $0.name.lowercased() < $1.name.lowercased() }.map { group in
            let lowered = group.name.lowercased()
            if IdentityAudit.blocklistedGroups.contains(lowered) {
                let members = group.memberKeys.map { usernames[$0] ?? $0 }.sorted()
                return GroupMappingRow(
                    sourceName: group.name, action: .skip,
                    notes: "blocklisted by Atlassian, never created; re-add by hand: "
                        + (members.isEmpty ? "no members" : members.joined(separator: " ")))
            }
            if let cloud = byName[lowered] {
                var candidate = group.name + "-migrated"
                var counter = 2
                while names.contains(candidate.lowercased()) {
                    candidate = group.name + "-migrated-\(counter)"
                    counter += 1
                }
                let grants = cloud.grants.isEmpty ? "nothing Ferry can see" : cloud.grants.joined(separator: "; ")
                return GroupMappingRow(
                    sourceName: group.name, action: .create, cloudGroup: candidate,
                    notes:
                        "Cloud already has \(cloud.name) (grants \(grants)); to fold the members into it, set action merge and cloud_group \(cloud.name)"
                )
            }
            return GroupMappingRow(sourceName: group.name, action: .create)
        }
    }

    public static func write(_ rows: [IdentityMappingRow], to url: URL) throws {
        try write(IdentityMapping(users: rows, groups: []), to: url)
    }

    /// Writes users first, then groups, one row each.
    public static func write(_ mapping: IdentityMapping, to url: URL) throws {
        let writer = try CSVWriter(url: url, columns: columns)
        for row in mapping.users {
            try writer.write([
                "user", row.sourceKey, row.username, row.displayName, row.email, row.action.rawValue,
                row.cloudAccountId, row.mergeInto, "", row.notes,
            ])
        }
        for row in mapping.groups {
            try writer.write([
                "group", row.sourceName, "", "", "", row.action.rawValue, "", "", row.cloudGroup, row.notes,
            ])
        }
        try writer.close()
    }

    /// The user rows of an edited mapping; see ``readMapping(_:)``.
    public static func read(_ url: URL) throws(IdentityMappingError) -> [IdentityMappingRow] {
        try readMapping(url).users
    }

    /// Reads an edited mapping and checks every row. All problems are collected and
    /// thrown together, each naming its line, so the operator fixes the file in one pass.
    public static func readMapping(_ url: URL) throws(IdentityMappingError) -> IdentityMapping {
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
        let header = parsed.header.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        let missing = columns.filter { !header.contains($0) && !optionalColumns.contains($0) }
        guard missing.isEmpty else {
            throw .invalid(path: url.path, problems: ["missing column(s): \(missing.joined(separator: ", "))"])
        }
        func index(_ name: String) -> Int? { header.firstIndex(of: name) }
        var rows: [IdentityMappingRow] = []
        var groups: [GroupMappingRow] = []
        var problems: [String] = []
        var seen: [String: Int] = [:]
        var seenGroups: [String: Int] = [:]
        for row in parsed.rows {
            func field(_ name: String) -> String {
                guard let position = index(name), position < row.fields.count else { return "" }
                return row.fields[position].trimmingCharacters(in: .whitespaces)
            }
            if row.fields.allSatisfy({ $0.trimmingCharacters(in: .whitespaces).isEmpty }) { continue }
            let kind = field("kind").lowercased()
            let key = field("source_key")
            let actionText = field("action").lowercased()
            guard kind.isEmpty || kind == "user" || kind == "group" else {
                problems.append("line \(row.line): kind is '\(kind)'; use user or group")
                continue
            }
            guard !key.isEmpty else {
                problems.append("line \(row.line): source_key is empty")
                continue
            }
            if kind == "group" {
                let lowered = key.lowercased()
                if let previous = seenGroups[lowered] {
                    problems.append("line \(row.line): group \(key) is listed again (first on line \(previous))")
                    continue
                }
                seenGroups[lowered] = row.line
                guard let action = GroupAction(rawValue: actionText) else {
                    problems.append(
                        "line \(row.line): group \(key) has action '\(actionText)'; use one of "
                            + GroupAction.allCases.map(\.rawValue).joined(separator: ", "))
                    continue
                }
                let cloudGroup = field("cloud_group").isEmpty ? key : field("cloud_group")
                if action != .skip, IdentityAudit.blocklistedGroups.contains(lowered) {
                    problems.append(
                        "line \(row.line): group \(key) is blocklisted by Atlassian and is never created or merged; use skip (its members are listed for the admin to re-add by hand)"
                    )
                    continue
                }
                if action != .skip, IdentityAudit.blocklistedGroups.contains(cloudGroup.lowercased()) {
                    problems.append(
                        "line \(row.line): group \(key) would \(action.rawValue) the Cloud group \(cloudGroup), which Atlassian reserves; choose another cloud_group"
                    )
                    continue
                }
                groups.append(
                    GroupMappingRow(sourceName: key, action: action, cloudGroup: cloudGroup, notes: field("notes")))
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
            let line = seen[row.sourceKey].map { "line \($0): " } ?? ""
            if !keys.contains(row.mergeInto) {
                problems.append("\(line)user \(row.sourceKey) merges into \(row.mergeInto), which is not in the file")
            } else if let target = byKey[row.mergeInto], target.action == .mergeInto || target.action == .skip {
                problems.append(
                    "\(line)user \(row.sourceKey) merges into \(row.mergeInto), whose own action is \(target.action.rawValue); merge into a user that is mapped or created"
                )
            }
        }
        guard problems.isEmpty else { throw .invalid(path: url.path, problems: problems) }
        return IdentityMapping(users: rows, groups: groups)
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
