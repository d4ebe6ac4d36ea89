public import ConfluenceCloud
public import FerryModel
public import Foundation
import Reports
public import Workspace

/// The users and groups of a staged source, with memberships (nested groups expanded)
/// and the spaces' permission subjects for the cascade.
public struct SourceDirectory: Sendable {
    public var users: [SourceUser]
    public var groups: [SourceGroup]

    public init(users: [SourceUser], groups: [SourceGroup]) {
        self.users = users
        self.groups = groups
    }

    /// Reads the staged users, groups and memberships of `workspace`.
    public static func load(from workspace: Workspace) throws -> SourceDirectory {
        let users = try workspace.identityUsers().map {
            SourceUser(
                key: $0.key, username: $0.username, displayName: $0.displayName, email: $0.email, active: $0.active,
                ownedContent: $0.ownedContent)
        }
        let keyByName = Dictionary(
            users.map { ($0.username.lowercased(), $0.key) }, uniquingKeysWith: { first, _ in first })
        var direct: [String: Set<String>] = [:]
        var children: [String: Set<String>] = [:]
        var names: [String: String] = [:]
        for group in try workspace.groups() {
            if let name = group.name { names[name.lowercased()] = name }
        }
        for membership in try workspace.memberships() {
            guard let group = membership.groupName?.lowercased() else { continue }
            if let user = membership.userName, let key = keyByName[user.lowercased()] {
                direct[group, default: []].insert(key)
            }
            if let child = membership.childGroupName?.lowercased() { children[group, default: []].insert(child) }
        }
        // Members of nested groups belong to the parent too (Crowd's semantics).
        func members(_ group: String, visiting: inout Set<String>) -> Set<String> {
            guard visiting.insert(group).inserted else { return [] }
            var all = direct[group] ?? []
            for child in children[group] ?? [] { all.formUnion(members(child, visiting: &visiting)) }
            return all
        }
        let groups = names.sorted { $0.key < $1.key }.map { lowered, name in
            var visiting: Set<String> = []
            return SourceGroup(name: name, memberKeys: members(lowered, visiting: &visiting).sorted())
        }
        return SourceDirectory(users: users, groups: groups)
    }

    /// What migrating `spaces` pulls in: the groups and users named by their space
    /// permissions and content restrictions, and every member of those groups.
    public static func cascade(
        workspace: Workspace, spaces: [String], groups: [SourceGroup], users: [SourceUser]
    ) throws -> (groups: [String], userKeys: [String]) {
        let keyByName = Dictionary(
            users.flatMap { [($0.username.lowercased(), $0.key), ($0.key.lowercased(), $0.key)] },
            uniquingKeysWith: { first, _ in first })
        var subjects: [(space: String, group: String?, userKey: String?)] = []
        for space in spaces {
            for permission in try workspace.spacePermissions(spaceKey: space) {
                let user = (permission.userKey ?? permission.userName).map { keyByName[$0.lowercased()] ?? $0 }
                subjects.append((space, permission.groupName, user))
            }
            for restriction in try workspace.restrictionSubjects(spaceKey: space) {
                let user = restriction.user.map { keyByName[$0.lowercased()] ?? $0 }
                subjects.append((space, restriction.group, user))
            }
        }
        return IdentityAudit.cascade(spacePermissions: subjects, groups: groups, spaces: Set(spaces))
    }
}

/// The Cloud site's accounts and groups, read through documented REST endpoints.
public struct CloudDirectory: Sendable {
    /// Mailbox key (``EmailAddress/mailboxKey(_:)``) → accountId, for accounts whose email Cloud shows.
    public var accountsByMailbox: [String: String]
    public var accountIds: Set<String>
    public var groups: [CloudGroupInfo]
    /// Group name (lower-cased) → what membership grants, as text.
    public var grants: [String: [String]]
    /// Accounts whose email Cloud hides (privacy settings): they cannot be matched by email.
    public var hiddenEmails: Int

    public var auditGroups: [CloudGroup] {
        groups.map { CloudGroup(name: $0.name, id: $0.id, grants: grants[$0.name.lowercased()] ?? []) }
    }

    /// Lists users (`search/user`, `users-bulk`), groups (`GET /group`) and, for the
    /// grants, every space's permissions (`GET /api/v2/spaces/{id}/permissions`).
    public static func read(client: ConfluenceCloudClient) async throws -> CloudDirectory {
        let users = try await client.siteUsers()
        var byMailbox: [String: String] = [:]
        for user in users {
            guard let email = user.email, !email.isEmpty else { continue }
            let key = EmailAddress.mailboxKey(email)
            if byMailbox[key] == nil { byMailbox[key] = user.accountId }
        }
        let groups = try await client.groups()
        var byIdentifier: [String: String] = [:]
        for group in groups {
            byIdentifier[group.id] = group.name.lowercased()
            byIdentifier[group.name.lowercased()] = group.name.lowercased()
        }
        var grants: [String: [String]] = [:]
        if !groups.isEmpty {
            for space in try await client.allSpaces() {
                for grant in try await client.spaceGrants(spaceId: space.id) where grant.principalType == "group" {
                    let name = byIdentifier[grant.principalId] ?? byIdentifier[grant.principalId.lowercased()]
                    guard let name else { continue }
                    grants[name, default: []].append("\(grant.operation) \(grant.target) in space \(space.key)")
                }
            }
        }
        return CloudDirectory(
            accountsByMailbox: byMailbox, accountIds: Set(users.map(\.accountId)), groups: groups,
            grants: grants.mapValues { $0.sorted() }, hiddenEmails: users.filter { $0.email == nil }.count)
    }
}

/// What the workspace remembers about identity: the strategy chosen by the first
/// `ferry users` run, and the mapping file it wrote (which `ferry migrate` applies).
public struct IdentityRecord: Sendable, Codable, Equatable {
    public var strategy: IdentityStrategy
    public var mapping: String?

    public init(strategy: IdentityStrategy, mapping: String?) {
        self.strategy = strategy
        self.mapping = mapping
    }

    static let fileName = "identity.json"

    public static func read(workspace: URL) -> IdentityRecord? {
        guard let data = FileManager.default.contents(atPath: workspace.appendingPathComponent(fileName).path) else {
            return nil
        }
        return try? JSONDecoder().decode(IdentityRecord.self, from: data)
    }

    public func write(workspace: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(self).write(to: workspace.appendingPathComponent(Self.fileName), options: .atomic)
    }

    /// Records `strategy` for the workspace, refusing a different one unless `change`.
    public static func lock(
        workspace: URL, strategy: IdentityStrategy, mapping: String?, change: Bool
    ) throws(IdentityMappingError) -> IdentityRecord {
        if let recorded = read(workspace: workspace), recorded.strategy != strategy, !change {
            throw .strategyChanged(
                workspace: workspace.path, recorded: recorded.strategy.rawValue, requested: strategy.rawValue)
        }
        let record = IdentityRecord(strategy: strategy, mapping: mapping)
        do {
            try record.write(workspace: workspace)
        } catch {
            throw .unreadable(path: workspace.appendingPathComponent(fileName).path)
        }
        return record
    }
}
