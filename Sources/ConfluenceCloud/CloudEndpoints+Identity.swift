import Foundation
import Transport

/// A user group of the Cloud site.
public struct CloudGroupInfo: Sendable, Hashable, Codable {
    public var id: String
    public var name: String

    public init(id: String, name: String) {
        self.id = id
        self.name = name
    }
}

/// One space permission as v2 lists it: who (`principalType` user/group/access_class,
/// `principalId`) may do what (`operation` on `target`).
public struct CloudSpaceGrant: Sendable, Hashable, Codable {
    public var principalType: String
    public var principalId: String
    public var operation: String
    public var target: String
}

/// What `check-access-by-email` says about a list of addresses.
public struct CloudSiteAccess: Sendable, Equatable {
    public var emailsWithoutAccess: [String]
    public var invalidEmails: [String]
}

extension ConfluenceCloudClient {
    // MARK: users

    /// Every user of the site: `GET /wiki/rest/api/search/user?cql=type=user` with
    /// `sitePermissionTypeFilter=all` (licensed users and guests). Cloud hides the email
    /// of users whose privacy settings say so; for those, `POST /wiki/api/v2/users-bulk`
    /// is asked, and a user whose email stays hidden is returned without one.
    public func siteUsers() async throws -> [CloudUser] {
        let items = try await collect(
            "\(Self.v1)/search/user"
                + Self.query([("cql", "type=user"), ("sitePermissionTypeFilter", "all"), ("limit", "200")]),
            "Listing the site's users")
        var users: [CloudUser] = []
        var seen: Set<String> = []
        for item in items {
            guard let user = item["user"] as? [String: Any], let accountId = user["accountId"] as? String,
                seen.insert(accountId).inserted
            else { continue }
            let email = (user["email"] as? String).flatMap { $0.isEmpty ? nil : $0 }
            users.append(
                CloudUser(accountId: accountId, email: email, displayName: user["displayName"] as? String))
        }
        let hidden = users.filter { $0.email == nil }.map(\.accountId)
        if !hidden.isEmpty {
            let found = try await self.users(accountIds: hidden)
            let emails = Dictionary(
                found.compactMap { user in user.email.flatMap { $0.isEmpty ? nil : (user.accountId, $0) } },
                uniquingKeysWith: { first, _ in first })
            for index in users.indices where users[index].email == nil {
                users[index].email = emails[users[index].accountId]
            }
        }
        return users
    }

    /// `POST /wiki/api/v2/user/access/invite-by-email`, in chunks of 100 (the documented
    /// maximum). Cloud ignores invalid addresses and those that already have access; the
    /// invitation completes asynchronously, so callers look the accounts up afterwards.
    public func inviteUsers(emails: [String]) async throws {
        for start in stride(from: 0, to: emails.count, by: 100) {
            let chunk = Array(emails[start..<min(start + 100, emails.count)])
            let reply = try await send(
                "POST", "\(Self.v2)/user/access/invite-by-email", payload: .json(["emails": chunk]),
                retrySafety: .idempotent)
            try check(reply, "Inviting \(chunk.count) users to the site")
        }
    }

    /// `POST /wiki/api/v2/user/access/check-access-by-email`, in chunks of 100.
    public func siteAccess(emails: [String]) async throws -> CloudSiteAccess {
        var access = CloudSiteAccess(emailsWithoutAccess: [], invalidEmails: [])
        for start in stride(from: 0, to: emails.count, by: 100) {
            let chunk = Array(emails[start..<min(start + 100, emails.count)])
            let reply = try await send(
                "POST", "\(Self.v2)/user/access/check-access-by-email", payload: .json(["emails": chunk]),
                retrySafety: .idempotent)
            try check(reply, "Checking site access of \(chunk.count) emails")
            access.emailsWithoutAccess += reply.object["emailsWithoutAccess"] as? [String] ?? []
            access.invalidEmails += reply.object["invalidEmails"] as? [String] ?? []
        }
        return access
    }

    // MARK: groups

    /// `GET /wiki/rest/api/group`, every page.
    public func groups() async throws -> [CloudGroupInfo] {
        let items = try await collect(
            "\(Self.v1)/group" + Self.query([("limit", "200")]), "Listing the site's groups")
        return items.compactMap { item in
            guard let id = item["id"] as? String, let name = item["name"] as? String else { return nil }
            return CloudGroupInfo(id: id, name: name)
        }
    }

    /// `POST /wiki/rest/api/group` (site admin). Exactly once: an unknown outcome is
    /// reconciled by listing the groups, whose names are unique regardless of case.
    public func createGroup(name: String) async throws -> CloudGroupInfo {
        let operation = "Creating group \(name)"
        let lowered = name.lowercased()
        return try await createExactlyOnce(
            operation,
            attempt: { try await send("POST", "\(Self.v1)/group", payload: .json(["name": name])) },
            find: { try await groups().first { $0.name.lowercased() == lowered } },
            decode: { reply in
                guard let id = reply.object["id"] as? String else {
                    throw CloudError.malformedResponse(operation: operation, detail: "no group id in the response")
                }
                return CloudGroupInfo(id: id, name: reply.object["name"] as? String ?? name)
            })
    }

    /// `POST /wiki/rest/api/group/userByGroupId?groupId=…` with the member's accountId.
    /// Adding a member twice changes nothing, so the request is safe to repeat.
    public func addGroupMember(groupId: String, accountId: String) async throws {
        let reply = try await send(
            "POST", "\(Self.v1)/group/userByGroupId" + Self.query([("groupId", groupId)]),
            payload: .json(["accountId": accountId]), retrySafety: .idempotent)
        try check(reply, "Adding \(accountId) to group \(groupId)")
    }

    /// `GET /wiki/rest/api/group/{groupId}/membersByGroupId`: the members' account ids.
    public func groupMembers(groupId: String) async throws -> [String] {
        let items = try await collect(
            "\(Self.v1)/group/\(Self.encodePath(groupId))/membersByGroupId" + Self.query([("limit", "200")]),
            "Listing the members of group \(groupId)")
        return items.compactMap { $0["accountId"] as? String }
    }

    // MARK: space permissions (read)

    /// `GET /wiki/api/v2/spaces`: every space of the site.
    public func allSpaces() async throws -> [CloudSpace] {
        let items = try await collect("\(Self.v2)/spaces" + Self.query([("limit", "250")]), "Listing spaces")
        return try decodeArray(CloudSpace.self, items, "Listing spaces")
    }

    /// `GET /wiki/api/v2/spaces/{id}/permissions`: who may do what in a space.
    public func spaceGrants(spaceId: String) async throws -> [CloudSpaceGrant] {
        let items = try await collect(
            "\(Self.v2)/spaces/\(spaceId)/permissions" + Self.query([("limit", "250")]),
            "Listing the permissions of space \(spaceId)")
        return items.compactMap { item in
            guard let principal = item["principal"] as? [String: Any],
                let operation = item["operation"] as? [String: Any],
                let type = principal["type"] as? String, let id = principal["id"] as? String,
                let key = operation["key"] as? String
            else { return nil }
            return CloudSpaceGrant(
                principalType: type, principalId: id, operation: key, target: operation["targetType"] as? String ?? "")
        }
    }
}
