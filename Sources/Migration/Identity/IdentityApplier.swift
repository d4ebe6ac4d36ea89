public import ConfluenceCloud
public import FerryModel
public import Foundation
public import Logging

/// The mapping as migration uses it: source user keys and usernames → Cloud accountIds,
/// source group names → Cloud group names. Saved in the workspace, so a resumed run
/// resolves everything the same way.
public struct ResolvedIdentities: Sendable, Codable, Equatable {
    /// Source user key and username (lower-cased) → accountId.
    public var accounts: [String: String]
    /// Source user key and username (lower-cased) → display name, for mention text.
    public var displayNames: [String: String]
    /// Source user keys and usernames (lower-cased) the mapping skips.
    public var skippedUsers: Set<String>
    /// Source group name (lower-cased) → Cloud group name.
    public var groups: [String: String]
    /// Source group name (lower-cased) → why it is not migrated (skip, blocklisted).
    public var skippedGroups: [String: String]

    public init(
        accounts: [String: String] = [:], displayNames: [String: String] = [:], skippedUsers: Set<String> = [],
        groups: [String: String] = [:], skippedGroups: [String: String] = [:]
    ) {
        self.accounts = accounts
        self.displayNames = displayNames
        self.skippedUsers = skippedUsers
        self.groups = groups
        self.skippedGroups = skippedGroups
    }

    public func accountId(_ userKeyOrName: String) -> String? { accounts[userKeyOrName.lowercased()] }
    public func isSkipped(_ userKeyOrName: String) -> Bool { skippedUsers.contains(userKeyOrName.lowercased()) }
    public func cloudGroup(_ sourceName: String) -> String? { groups[sourceName.lowercased()] }
    public func groupSkipReason(_ sourceName: String) -> String? { skippedGroups[sourceName.lowercased()] }

    static let fileName = "identity-resolved.json"

    public static func read(workspace: URL) -> ResolvedIdentities? {
        guard let data = FileManager.default.contents(atPath: workspace.appendingPathComponent(fileName).path) else {
            return nil
        }
        return try? JSONDecoder().decode(ResolvedIdentities.self, from: data)
    }

    public func write(workspace: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try encoder.encode(self).write(to: workspace.appendingPathComponent(Self.fileName), options: .atomic)
    }
}

/// What applying a mapping did, for the operator.
public struct IdentityApplication: Sendable, Codable, Equatable {
    public var mapped: Int = 0
    public var invited: [String] = []
    /// Invited addresses whose account did not appear yet (Cloud invites asynchronously):
    /// their mentions stay text until a later run finds the account.
    public var pendingInvites: [String] = []
    /// Addresses that already have site access but whose account Cloud does not show by
    /// email (privacy settings): not invited again; map them by accountId in the CSV.
    public var hiddenAccounts: [String] = []
    public var skippedUsers: [String] = []
    public var createdGroups: [String] = []
    public var mergedGroups: [String] = []
    public var membershipsAdded: Int = 0
    /// Blocklisted source groups → the usernames the admin must re-add by hand.
    public var manualAdminGroups: [String: [String]] = [:]
    public var resolved = ResolvedIdentities()

    public init() {}
}

/// A mapping that cannot be applied to this Cloud site; nothing was written.
public struct IdentityApplyError: FerryError, Equatable {
    public var problems: [String]

    public var summary: String {
        "the identity mapping cannot be applied to this site (\(problems.count) problem\(problems.count == 1 ? "" : "s")); nothing was written:\n"
            + problems.map { "  - \($0)" }.joined(separator: "\n")
    }

    public var remedy: String? {
        "edit the mapping CSV (ferry users --to TARGET shows the site's groups and accounts) and run again"
    }
}

/// Applies a reviewed mapping to a Cloud site before content moves: invites the users
/// marked `create` (v2 `invite-by-email`), creates the groups marked `create` and adds
/// members (v1 group API), adds members to groups marked `merge`, and never creates a
/// blocklisted group. Every check runs before the first write; a rerun finds what an
/// earlier run did (accounts by email, groups by name recorded in the workspace).
public struct IdentityApplier: Sendable {
    public let client: ConfluenceCloudClient
    public let workspace: URL
    public let logger: Logger

    public init(client: ConfluenceCloudClient, workspace: URL, logger: Logger) {
        self.client = client
        self.workspace = workspace
        self.logger = logger
    }

    /// Groups Ferry created in this site, by lower-cased name → id: not collisions on a rerun.
    struct CreatedGroups: Codable {
        var groups: [String: String] = [:]
        /// Names whose create was sent but whose answer was not recorded (a run stopped in
        /// between): a group of that name found on the next run is the one Ferry created.
        var pending: Set<String>? = nil

        /// True when `existing` is a group this workspace created (or was creating).
        func owns(_ name: String, id: String) -> Bool {
            groups[name] == id || pending?.contains(name) == true
        }
    }

    static let createdFileName = "identity-groups.json"

    func readCreated() -> CreatedGroups {
        guard
            let data = FileManager.default.contents(atPath: workspace.appendingPathComponent(Self.createdFileName).path)
        else { return CreatedGroups() }
        return (try? JSONDecoder().decode(CreatedGroups.self, from: data)) ?? CreatedGroups()
    }

    func writeCreated(_ created: CreatedGroups) throws {
        try JSONEncoder().encode(created).write(
            to: workspace.appendingPathComponent(Self.createdFileName), options: .atomic)
    }

    public func apply(
        _ mapping: IdentityMapping, source: SourceDirectory, inviteWait: Duration = .seconds(2)
    ) async throws -> IdentityApplication {
        var result = IdentityApplication()
        var problems: [String] = []
        let sourceUsers = Dictionary(source.users.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        var users = try await client.siteUsers()
        func mailboxes(_ users: [CloudUser]) -> [String: String] {
            var found: [String: String] = [:]
            for user in users {
                guard let email = user.email, !email.isEmpty else { continue }
                let key = EmailAddress.mailboxKey(email)
                if found[key] == nil { found[key] = user.accountId }
            }
            return found
        }
        var byMailbox = mailboxes(users)
        let known = Set(users.map(\.accountId))
        for row in mapping.users where row.action == .map && !known.contains(row.cloudAccountId) {
            problems.append("user \(row.sourceKey) maps to \(row.cloudAccountId), which is not an account of this site")
        }
        let cloudGroups = try await client.groups()
        let cloudByName = Dictionary(
            cloudGroups.map { ($0.name.lowercased(), $0) }, uniquingKeysWith: { first, _ in first })
        var created = readCreated()
        for row in mapping.groups {
            let target = row.cloudGroup.lowercased()
            switch row.action {
            case .create:
                if let existing = cloudByName[target], !created.owns(target, id: existing.id) {
                    problems.append(
                        "group \(row.sourceName) is 'create' but the Cloud site already has a group named \(existing.name); "
                            + "Ferry never folds a source group into it without 'merge' (set action merge, or choose another cloud_group)"
                    )
                }
            case .merge:
                if cloudByName[target] == nil {
                    problems.append(
                        "group \(row.sourceName) is 'merge' into \(row.cloudGroup), which does not exist in the Cloud site; use create"
                    )
                }
            case .skip: break
            }
        }
        guard problems.isEmpty else { throw IdentityApplyError(problems: problems) }

        // Users: invite those to create who have no account yet.
        var toInvite: [String] = []
        for row in mapping.users where row.action == .create {
            if byMailbox[EmailAddress.mailboxKey(row.email)] == nil { toInvite.append(row.email) }
        }
        if !toInvite.isEmpty {
            // An address can have access while its account hides the email: never invite it twice.
            let access = try await client.siteAccess(emails: toInvite)
            let without = Set(access.emailsWithoutAccess.map { $0.lowercased() })
            result.hiddenAccounts = toInvite.filter { !without.contains($0.lowercased()) }
            toInvite = toInvite.filter { without.contains($0.lowercased()) }
            for email in result.hiddenAccounts {
                logger.warning(
                    "\(email) already has access to the site but Cloud hides its account's email; map it by accountId in the CSV"
                )
            }
        }
        if !toInvite.isEmpty {
            try await client.inviteUsers(emails: toInvite)
            result.invited = toInvite
            // Cloud completes invitations asynchronously: look again a few times.
            for attempt in 0..<3 {
                users = try await client.siteUsers()
                byMailbox = mailboxes(users)
                if toInvite.allSatisfy({ byMailbox[EmailAddress.mailboxKey($0)] != nil }) || attempt == 2 { break }
                try await Task.sleep(for: inviteWait)
            }
            result.pendingInvites = toInvite.filter { byMailbox[EmailAddress.mailboxKey($0)] == nil }
            for email in result.pendingInvites {
                logger.warning(
                    "invited \(email); the account is not visible yet: run again once the invitation completes")
            }
        }
        var accountByKey: [String: String] = [:]
        for row in mapping.users {
            switch row.action {
            case .map: accountByKey[row.sourceKey] = row.cloudAccountId
            case .create: accountByKey[row.sourceKey] = byMailbox[EmailAddress.mailboxKey(row.email)]
            case .mergeInto, .skip: break
            }
        }
        let rowByKey = Dictionary(mapping.users.map { ($0.sourceKey, $0) }, uniquingKeysWith: { first, _ in first })
        for row in mapping.users where row.action == .mergeInto {
            accountByKey[row.sourceKey] = accountByKey[row.mergeInto]
        }
        var resolved = ResolvedIdentities()
        for row in mapping.users {
            let names = Set([row.sourceKey.lowercased(), row.username.lowercased()].filter { !$0.isEmpty })
            if row.action == .skip {
                resolved.skippedUsers.formUnion(names)
                result.skippedUsers.append(row.username.isEmpty ? row.sourceKey : row.username)
                continue
            }
            guard let account = accountByKey[row.sourceKey] else { continue }
            result.mapped += 1
            let shown =
                (row.action == .mergeInto ? rowByKey[row.mergeInto]?.displayName : row.displayName) ?? row.displayName
            for name in names {
                resolved.accounts[name] = account
                if !shown.isEmpty { resolved.displayNames[name] = shown }
            }
        }

        // Groups: blocklisted never created; create/merge then add the mapped members.
        let mappedGroups = Dictionary(
            mapping.groups.map { ($0.sourceName.lowercased(), $0) }, uniquingKeysWith: { first, _ in first })
        for group in source.groups {
            let lowered = group.name.lowercased()
            if IdentityAudit.blocklistedGroups.contains(lowered) {
                resolved.skippedGroups[lowered] =
                    "the group \(group.name) is blocklisted by Atlassian and never migrated"
                result.manualAdminGroups[group.name] = group.memberKeys.map { sourceUsers[$0]?.username ?? $0 }
                    .sorted()
                continue
            }
            guard let row = mappedGroups[lowered] else {
                resolved.skippedGroups[lowered] = "the group \(group.name) is not in the identity mapping"
                continue
            }
            if row.action == .skip {
                resolved.skippedGroups[lowered] = "the identity mapping skips the group \(group.name)"
                continue
            }
            let target = row.cloudGroup.lowercased()
            let cloud: CloudGroupInfo
            if let existing = cloudByName[target] {
                cloud = existing
                if row.action == .merge { result.mergedGroups.append("\(group.name) → \(existing.name)") }
                if row.action == .create, created.pending?.contains(target) == true {
                    created.groups[target] = existing.id
                    created.pending?.remove(target)
                    try writeCreated(created)
                }
            } else {
                created.pending = (created.pending ?? []).union([target])
                try writeCreated(created)
                cloud = try await client.createGroup(name: row.cloudGroup)
                created.groups[target] = cloud.id
                created.pending?.remove(target)
                try writeCreated(created)
                result.createdGroups.append(cloud.name)
            }
            resolved.groups[lowered] = cloud.name
            let present = Set(try await client.groupMembers(groupId: cloud.id))
            for key in group.memberKeys {
                guard let account = accountByKey[key], !present.contains(account) else { continue }
                try await client.addGroupMember(groupId: cloud.id, accountId: account)
                result.membershipsAdded += 1
            }
        }
        for (name, members) in result.manualAdminGroups.sorted(by: { $0.key < $1.key }) {
            logger.warning(
                "blocklisted group \(name) was not created; re-add by hand in Cloud's admin groups: \(members.joined(separator: ", "))"
            )
        }
        try resolved.write(workspace: workspace)
        result.resolved = resolved
        return result
    }
}
