import Foundation

extension CloudTwin {
    /// Users and groups, as Cloud documents them: `GET /wiki/rest/api/search/user` (CQL
    /// `type=user`, `user=…`, `user.accountid=…`, `user IN (…)`), the v1 group API
    /// (`GET`/`POST /group`, `POST /group/userByGroupId`, `GET /group/{id}/membersByGroupId`,
    /// `GET /group/by-id`) and the v2 site-access API (`POST /user/access/invite-by-email`,
    /// `POST /user/access/check-access-by-email`).
    static func identityRoutes() -> [Route] {
        var routes: [Route] = []
        routes.append(
            Route("GET", "\(v1)/search/user", .users) { twin, request in
                guard let cql = request.query("cql") else { throw APIFailure.badRequest("cql is required.") }
                let (start, limit) = try v1Page(request)
                let users: [UserRecord]
                if let ids = try accountIds(inCQL: cql) {
                    var found: [UserRecord] = []
                    for id in ids { if let user = await twin.store.user(accountId: id) { found.append(user) } }
                    users = found
                } else {
                    users = await twin.store.allUsers()
                }
                let r = twin.renderer(request)
                let results = users.dropFirst(start).prefix(limit).map { user -> JSONValue in
                    [
                        "user": r.v1User(user), "title": .string(user.displayName), "excerpt": "",
                        "url": .string("/people/\(user.accountId)"), "entityType": "user",
                        "iconCssClass": "aui-icon content-type-profile", "lastModified": .string(Timestamp.now()),
                        "breadcrumbs": [],
                    ]
                }
                guard
                    case .object(var page) = r.v1List(
                        Array(results), start: start, limit: limit, total: users.count, path: v1SelfPath(request))
                else { return .json([:]) }
                page["totalSize"] = JSONValue(users.count)
                page["cqlQuery"] = .string(cql)
                page["searchDuration"] = 1
                return .json(.object(page))
            })
        routes.append(
            Route("GET", "\(v1)/group", .users) { twin, request in
                let (start, limit) = try v1Page(request)
                let groups = await twin.store.allGroups()
                let results = groups.dropFirst(start).prefix(limit).map(Self.v1Group)
                return .json(
                    twin.renderer(request).v1List(
                        Array(results), start: start, limit: limit, total: groups.count, path: v1SelfPath(request)))
            })
        routes.append(
            Route("POST", "\(v1)/group", .users) { twin, request in
                guard let name = try request.json()["name"]?.string else {
                    throw APIFailure.badRequest("name is required.")
                }
                return .json(Self.v1Group(try await twin.store.createGroup(name: name)), status: 201)
            })
        routes.append(
            Route("GET", "\(v1)/group/by-id", .users) { twin, request in
                guard let text = request.query("id"), let id = Int(text), let group = await twin.store.group(id: id)
                else { throw APIFailure.notFound("No group with id \(request.query("id") ?? "").") }
                return .json(Self.v1Group(group))
            })
        routes.append(
            Route("POST", "\(v1)/group/userByGroupId", .users) { twin, request in
                guard let text = request.query("groupId"), let id = Int(text) else {
                    throw APIFailure.badRequest("groupId is required.")
                }
                guard let accountId = try request.json()["accountId"]?.string else {
                    throw APIFailure.badRequest("accountId is required.")
                }
                try await twin.store.addMember(groupId: id, accountId: accountId)
                return .empty(201)
            })
        routes.append(
            Route("GET", "\(v1)/group/{groupId}/membersByGroupId", .users) { twin, request in
                guard let id = Int(request.params["groupId"] ?? ""), let group = await twin.store.group(id: id) else {
                    throw APIFailure.notFound("No group with id \(request.params["groupId"] ?? "").")
                }
                let (start, limit) = try v1Page(request)
                let r = twin.renderer(request)
                var members: [JSONValue] = []
                for accountId in group.members.dropFirst(start).prefix(limit) {
                    if let user = await twin.store.user(accountId: accountId) { members.append(r.v1User(user)) }
                }
                return .json(
                    r.v1List(members, start: start, limit: limit, total: group.members.count, path: v1SelfPath(request))
                )
            })
        routes.append(
            Route("POST", "\(v2)/user/access/invite-by-email", .users) { twin, request in
                let emails = try Self.emails(request)
                await twin.store.invite(emails: emails)
                return .json([:])
            })
        routes.append(
            Route("POST", "\(v2)/user/access/check-access-by-email", .users) { twin, request in
                let (without, invalid) = await twin.store.access(emails: try Self.emails(request))
                return .json([
                    "emailsWithoutAccess": .array(without.map { .string($0) }),
                    "invalidEmails": .array(invalid.map { .string($0) }),
                ])
            })
        return routes
    }

    static func v1Group(_ group: GroupRecord) -> JSONValue {
        [
            "type": "group", "name": .string(group.name), "id": .string(String(group.id)),
            "_links": ["self": .string("/wiki/rest/api/group/by-id?id=\(group.id)")],
        ]
    }

    /// The `emails` array of the site-access endpoints: 1 to 100 entries.
    static func emails(_ request: TwinRequest) throws -> [String] {
        guard let emails = try request.json()["emails"]?.array?.compactMap(\.string), !emails.isEmpty else {
            throw APIFailure.badRequest("emails is required and must not be empty.")
        }
        guard emails.count <= 100 else { throw APIFailure.badRequest("At most 100 emails may be given.") }
        return emails
    }

    /// The account ids a user CQL names, or `nil` for `type=user` (every user).
    static func accountIds(inCQL cql: String) throws -> [String]? {
        let compact = cql.filter { !$0.isWhitespace }.lowercased()
        if compact == "type=user" { return nil }
        guard compact.hasPrefix("user=") || compact.hasPrefix("user.accountid=") || compact.hasPrefix("userin(") else {
            throw APIFailure.badRequest(
                "The twin answers user CQL of the forms type=user, user=\"id\", user.accountid=\"id\" and user IN (\"id\", …)."
            )
        }
        var ids: [String] = []
        var rest = cql[...]
        while let open = rest.firstIndex(of: "\"") {
            let after = rest[rest.index(after: open)...]
            guard let close = after.firstIndex(of: "\"") else { break }
            ids.append(String(after[..<close]))
            rest = after[after.index(after: close)...]
        }
        return ids
    }
}
