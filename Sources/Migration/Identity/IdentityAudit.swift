import Foundation
public import Reports

/// The identity checks that decide whether users and groups can move to Cloud as
/// themselves, run before any write. Each problem becomes a ``Finding`` with a stable
/// category, the users or groups it concerns, and the fix.
///
/// Cost: linear in users plus memberships; everything is grouped with dictionaries
/// keyed by normalised email or lower-cased name.
public struct IdentityAudit: Sendable {
    /// Groups Atlassian never migrates: their members lose the admin rights they had.
    public static let blocklistedGroups: Set<String> = [
        "site-admins", "system-administrators", "atlassian-addons", "atlassian-addons-admin", "org-admins",
    ]

    public var users: [SourceUser]
    public var groups: [SourceGroup]
    public var jiraUsers: [JiraUser]
    /// Groups already in the Cloud site; `nil` when the target was not consulted.
    public var cloudGroups: [CloudGroup]?

    public init(
        users: [SourceUser], groups: [SourceGroup], jiraUsers: [JiraUser] = [], cloudGroups: [CloudGroup]? = nil
    ) {
        self.users = users
        self.groups = groups
        self.jiraUsers = jiraUsers
        self.cloudGroups = cloudGroups
    }

    public func findings() -> [Finding] {
        invalidEmails() + duplicateEmails() + jiraMismatches() + deactivatedOwners() + blocklisted() + cloudCollisions()
    }

    private func reference(_ user: SourceUser) -> ObjectReference {
        ObjectReference(
            kind: "user", id: user.key, name: user.displayName.map { "\(user.username) (\($0))" } ?? user.username)
    }

    func invalidEmails() -> [Finding] {
        users.compactMap { user in
            guard let problem = EmailAddress.problem(with: user.email) else { return nil }
            let shown = user.email.map { "'\($0)'" } ?? "none"
            let reason: String
            switch problem {
            case .missing: reason = "has no email address"
            case .syntax: reason = "has a malformed email address \(shown)"
            case .placeholder: reason = "has a placeholder email address \(shown) that reaches nobody"
            }
            return Finding(
                id: "email.invalid:\(user.key)", category: "email.invalid",
                severity: user.active ? .error : .warning,
                title: "User \(user.username) \(reason)",
                detail: "Cloud identifies every account by email; this user cannot be migrated as themselves.",
                objects: [reference(user)],
                fix:
                    "Set the user's real address in the user directory (or the mapping CSV), or map them to an existing Cloud account, or mark them 'skip' to attribute their content to a placeholder."
            )
        }
    }

    func duplicateEmails() -> [Finding] {
        let withEmail = users.filter { EmailAddress.problem(with: $0.email) == nil }
        let byMailbox = Dictionary(grouping: withEmail) { EmailAddress.mailboxKey($0.email ?? "") }
        return byMailbox.filter { $0.value.count > 1 }.sorted { $0.key < $1.key }.map { mailbox, sharing in
            let exact = Set(sharing.compactMap { $0.email?.lowercased() }).count == 1
            return Finding(
                id: "email.duplicate:\(mailbox)", category: "email.duplicate", severity: .error,
                title: "\(sharing.count) users share the mailbox \(mailbox)",
                detail: exact
                    ? "The addresses are the same apart from letter case."
                    : "The addresses differ only by dots or +tags that the provider ignores: "
                        + sharing.compactMap(\.email).sorted().joined(separator: ", "),
                objects: sharing.sorted { $0.key < $1.key }.map(reference),
                fix:
                    "Decide in the mapping CSV: 'merge-into' one account (content of the others is attributed to it), or give each person their own address before migrating."
            )
        }
    }

    func jiraMismatches() -> [Finding] {
        guard !jiraUsers.isEmpty else { return [] }
        let jiraByName = Dictionary(
            jiraUsers.map { ($0.username.lowercased(), $0) }, uniquingKeysWith: { first, _ in first })
        return users.compactMap { user in
            guard let jira = jiraByName[user.username.lowercased()], let jiraEmail = jira.email,
                let email = user.email, !jiraEmail.isEmpty
            else { return nil }
            guard EmailAddress.mailboxKey(jiraEmail) != EmailAddress.mailboxKey(email) else { return nil }
            return Finding(
                id: "email.jira-mismatch:\(user.key)", category: "email.jira-mismatch", severity: .error,
                title: "\(user.username) has \(email) in Confluence but \(jiraEmail) in Jira",
                detail: "Cloud would create two accounts for one person, splitting their Jira and Confluence work.",
                objects: [reference(user)],
                fix:
                    "Make the two addresses the same in both directories before either product is migrated, or set the Jira address in the mapping CSV."
            )
        }
    }

    func deactivatedOwners() -> [Finding] {
        users.filter { !$0.active && $0.ownedContent > 0 }.map { user in
            Finding(
                id: "user.deactivated-owner:\(user.key)", category: "user.deactivated-owner", severity: .warning,
                title: "Deactivated user \(user.username) owns \(user.ownedContent) content items",
                detail:
                    "Cloud needs an account to attribute the content to; CCMA migrates such users without product access.",
                objects: [reference(user)],
                fix:
                    "Keep 'map' or 'create' for this user so authorship is kept (they get no product access), or 'skip' to attribute to a placeholder."
            )
        }
    }

    func blocklisted() -> [Finding] {
        let byKey = Dictionary(users.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        return groups.filter { Self.blocklistedGroups.contains($0.name.lowercased()) }.sorted { $0.name < $1.name }.map
        { group in
            let members = group.memberKeys.map { key in
                byKey[key].map(reference) ?? ObjectReference(kind: "user", id: key)
            }
            return Finding(
                id: "group.blocklisted:\(group.name.lowercased())", category: "group.blocklisted", severity: .warning,
                title:
                    "Group \(group.name) is blocklisted by Atlassian; its \(members.count) members lose the admin rights it gave",
                detail:
                    "Atlassian never migrates this group. Ferry does not create it and lists its members for the Cloud admin.",
                objects: [ObjectReference(kind: "group", id: group.name)] + members,
                fix:
                    "After migration, add these people to the Cloud site's admin groups by hand (Administration → User management)."
            )
        }
    }

    func cloudCollisions() -> [Finding] {
        guard let cloudGroups else { return [] }
        let cloudByName = Dictionary(
            cloudGroups.map { ($0.name.lowercased(), $0) }, uniquingKeysWith: { first, _ in first })
        return groups.compactMap { group in
            let lowered = group.name.lowercased()
            guard !Self.blocklistedGroups.contains(lowered), let cloud = cloudByName[lowered] else { return nil }
            let grants = cloud.grants.isEmpty ? "its Cloud permissions" : cloud.grants.joined(separator: ", ")
            return Finding(
                id: "group.cloud-collision:\(lowered)", category: "group.cloud-collision",
                severity: cloud.grants.isEmpty ? .warning : .critical,
                title:
                    "Group \(group.name) already exists in Cloud; folding \(group.memberKeys.count) source members into it would grant \(grants)",
                detail:
                    "CCMA links groups by name, so source members silently gain what the Cloud group grants. Ferry never merges without an explicit 'merge' in the mapping.",
                objects: [ObjectReference(kind: "group", id: group.name, name: cloud.id.map { "cloud id \($0)" })],
                fix:
                    "In the mapping, either rename the source group (action 'create' with a new name) or confirm 'merge' after checking what the Cloud group grants."
            )
        }
    }

    /// The users and groups that migrating `spaces` pulls in: every group with a
    /// permission in them and every member of those groups, plus directly permitted users.
    public static func cascade(
        spacePermissions: [(space: String, group: String?, userKey: String?)], groups: [SourceGroup],
        spaces: Set<String>
    ) -> (groups: [String], userKeys: [String]) {
        let byName = Dictionary(groups.map { ($0.name.lowercased(), $0) }, uniquingKeysWith: { first, _ in first })
        var groupNames: Set<String> = []
        var userKeys: Set<String> = []
        for permission in spacePermissions where spaces.contains(permission.space) {
            if let group = permission.group, let found = byName[group.lowercased()] {
                groupNames.insert(found.name)
                userKeys.formUnion(found.memberKeys)
            }
            if let user = permission.userKey { userKeys.insert(user) }
        }
        return (groupNames.sorted(), userKeys.sorted())
    }
}
