import Foundation
import Synchronization

/// The REST v1 read endpoints of the Data Center twin.
extension DataCenterTwin {
    func route(_ request: TwinRequest, _ s: [String]) throws -> TwinResponse {
        let method = request.method
        switch (method, s.count) {
        case ("GET", 3) where s == ["rest", "api", "space"]:
            return try spaces(request)
        case ("GET", 4) where s.starts(with: ["rest", "api", "space"]):
            return .json(try withSpace(s[3]) { space, _ in self.spaceJSON(space, request) })
        case ("GET", 5) where s.starts(with: ["rest", "api", "space"]) && s[4] == "permissions":
            guard configuration.hasSpacePermissionsREST else {
                throw APIFailure.notFound("null for uri: \(request.path)")
            }
            return .json(try withSpace(s[3]) { space, state in self.permissionsJSON(space, state, anonymous: false) })
        case ("GET", 6) where s.starts(with: ["rest", "api", "space"]) && s[4] == "permissions" && s[5] == "anonymous":
            guard configuration.hasSpacePermissionsREST else {
                throw APIFailure.notFound("null for uri: \(request.path)")
            }
            return .json(try withSpace(s[3]) { space, state in self.permissionsJSON(space, state, anonymous: true) })
        case ("POST", 4) where s == ["rpc", "json-rpc", "confluenceservice-v2", "getSpacePermissionSets"]:
            return try permissionSets(request)
        case ("GET", 3) where s == ["rest", "api", "content"]:
            return try contentList(request)
        case ("GET", 4) where s == ["rest", "api", "content", "scan"]:
            guard configuration.hasScan else { throw APIFailure.notFound("null for uri: \(request.path)") }
            return try scan(request)
        case ("GET", 4) where s == ["rest", "api", "content", "search"]:
            return try search(request)
        case ("GET", 4) where s.starts(with: ["rest", "api", "content"]):
            return try single(request, id: s[3])
        case ("GET", 5) where s.starts(with: ["rest", "experimental", "content"]) && s[4] == "version":
            return try versions(request, id: s[3])
        case ("GET", 6) where s.starts(with: ["rest", "api", "content"]) && s[4] == "child" && s[5] == "attachment":
            return try attachments(request, id: s[3])
        case ("GET", 6) where s.starts(with: ["rest", "api", "content"]) && s[4] == "child" && s[5] == "comment":
            return try comments(request, id: s[3])
        case ("GET", 5) where s.starts(with: ["rest", "api", "content"]) && s[4] == "label":
            return try labels(request, id: s[3])
        case ("GET", 6)
        where s.starts(with: ["rest", "api", "content"]) && s[4] == "restriction" && s[5] == "byOperation":
            return try restrictions(request, id: s[3])
        case ("GET", 4) where s == ["rest", "api", "user", "list"]:
            let users = state.withLock { state in state.users.map { self.userJSON($0) } }
            return try Self.paged(users, request)
        case ("GET", 6) where s == ["rest", "api", "admin", "users", "list", "active"]:
            let users = state.withLock { state in
                state.users.filter(\.active).map { user -> JSONValue in
                    var json = self.userJSON(user).object ?? [:]
                    json["email"] = JSONValue(user.email)
                    return .object(json)
                }
            }
            return try Self.paged(users, request)
        case ("GET", 3) where s == ["rest", "api", "group"]:
            let groups = state.withLock {
                $0.groups.map { name -> JSONValue in ["type": "group", "name": .string(name)] }
            }
            return try Self.paged(groups, request)
        case ("GET", 5) where s.starts(with: ["rest", "api", "group"]) && s[4] == "member":
            let members: [JSONValue]? = state.withLock { state in
                guard state.groups.contains(s[3]) else { return nil }
                return (state.memberships[s[3]] ?? []).compactMap { state.user(name: $0) }.map { self.userJSON($0) }
            }
            guard let members else { throw APIFailure.notFound("No group found with name \(s[3])") }
            return try Self.paged(members, request)
        case ("GET", 3) where s == ["rest", "api", "audit"]:
            let records = state.withLock { state in state.audit.map { self.auditJSON($0, state) } }
            return try Self.paged(records, request, defaultLimit: 1000, maxLimit: 1000)
        case ("GET", 3) where s == ["rest", "plugins", "1.0"]:
            let plugins = state.withLock { state in
                state.apps.map { app -> JSONValue in
                    [
                        "key": .string(app.key), "name": .string(app.name), "version": .string(app.version),
                        "enabled": true, "userInstalled": .bool(app.userInstalled),
                        "vendor": ["name": app.userInstalled ? "Third party" : "Atlassian"],
                        "links": ["self": .string("/rest/plugins/1.0/\(app.key)-key")],
                    ]
                }
            }
            return .json(["plugins": .array(plugins), "links": ["self": "/rest/plugins/1.0/"]])
        case ("POST", 5) where s == ["rest", "api", "backup-restore", "backup", "site"]:
            return .json(try backupJobs(request).startSiteBackup(request, owner: configuration.user))
        case ("GET", 4) where s == ["rest", "api", "backup-restore", "jobs"]:
            return .json(try backupJobs(request).list(request))
        case ("GET", 5) where s.starts(with: ["rest", "api", "backup-restore", "jobs"]):
            return .json(DCBackupJobs.json(try backupJobs(request).job(s[4])))
        case ("PUT", 6) where s.starts(with: ["rest", "api", "backup-restore", "jobs"]) && s[5] == "cancel":
            return .json(try backupJobs(request).cancel(s[4], by: configuration.user))
        default:
            throw APIFailure.notFound("null for uri: \(request.base)\(request.path)")
        }
    }

    /// The backup jobs, or the 404 of a site without the backup and restore API.
    func backupJobs(_ request: TwinRequest) throws -> DCBackupJobs {
        guard configuration.hasBackupRestoreREST, let backups else {
            throw APIFailure.notFound("null for uri: \(request.base)\(request.path)")
        }
        return backups
    }

    // MARK: spaces and permissions

    func withSpace(_ key: String, _ body: (DCSpace, DCTwinState) -> JSONValue) throws -> JSONValue {
        let result: JSONValue? = state.withLock { state in
            guard let space = state.spaces.first(where: { $0.key == key }) else { return nil }
            return body(space, state)
        }
        guard let result else { throw APIFailure.notFound("No space with key : \(key)") }
        return result
    }

    func spaces(_ request: TwinRequest) throws -> TwinResponse {
        let keys = Set(request.queryList("spaceKey"))
        let type = request.query("type")
        let items = state.withLock { state in
            state.spaces.filter { (keys.isEmpty || keys.contains($0.key)) && (type == nil || $0.type == type) }
                .sorted { $0.key < $1.key }.map { self.spaceJSON($0, request) }
        }
        return try Self.paged(items, request)
    }

    func spaceJSON(_ space: DCSpace, _ request: TwinRequest) -> JSONValue {
        var json: [String: JSONValue] = [
            "id": JSONValue(space.id), "key": .string(space.key), "name": .string(space.name),
            "type": .string(space.type), "status": "current",
            "_links": [
                "webui": .string("/display/\(space.key)"),
                "self": .string("\(request.base)/rest/api/space/\(space.key)"),
            ],
        ]
        if let home = space.homePageID { json["homepage"] = ["id": .string(String(home)), "type": "page"] }
        json["description"] = ["plain": ["value": .string(space.description), "representation": "plain"]]
        return .object(json)
    }

    static let restOperations: [String: (String, String)] = [
        "VIEWSPACE": ("read", "space"), "EDITSPACE": ("create", "page"), "EDITBLOG": ("create", "blogpost"),
        "COMMENT": ("create", "comment"), "CREATEATTACHMENT": ("create", "attachment"),
        "REMOVEPAGE": ("delete", "page"), "REMOVEBLOG": ("delete", "blogpost"), "REMOVECOMMENT": ("delete", "comment"),
        "REMOVEATTACHMENT": ("delete", "attachment"), "REMOVEOWNCONTENT": ("delete_own", "space"),
        "SETPAGEPERMISSIONS": ("restrict_content", "space"), "SETSPACEPERMISSIONS": ("administer", "space"),
        "EXPORTSPACE": ("export", "space"), "REMOVEMAIL": ("delete", "mail"), "ARCHIVEPAGE": ("archive", "page"),
    ]

    func permissionsJSON(_ space: DCSpace, _ state: DCTwinState, anonymous: Bool) -> JSONValue {
        .array(
            space.permissions.filter { $0.anonymous == anonymous }.compactMap { permission -> JSONValue? in
                guard let (operation, target) = Self.restOperations[permission.type.uppercased()] else { return nil }
                var entry: [String: JSONValue] = [
                    "operation": ["operationKey": .string(operation), "targetType": .string(target)],
                    "spaceKey": .string(space.key), "spaceId": JSONValue(space.id),
                ]
                if let group = permission.group {
                    entry["subject"] = ["type": "group", "name": .string(group)]
                } else if let key = permission.userKey {
                    let user = state.user(key: key)
                    entry["subject"] = [
                        "type": "user", "userKey": .string(key), "username": JSONValue(user?.username),
                        "displayName": JSONValue(user?.displayName),
                    ]
                }
                return .object(entry)
            })
    }

    func permissionSets(_ request: TwinRequest) throws -> TwinResponse {
        guard let key = try request.json().array?.first?.string else {
            throw APIFailure.badRequest("getSpacePermissionSets takes [spaceKey].")
        }
        let sets: JSONValue = try withSpace(key) { space, state in
            var byType: [String: [JSONValue]] = [:]
            for permission in space.permissions {
                byType[permission.type, default: []].append([
                    "type": .string(permission.type), "groupName": JSONValue(permission.group),
                    "userName": JSONValue(permission.userKey.flatMap { state.user(key: $0)?.username }),
                ])
            }
            return .array(
                byType.keys.sorted().map { type in
                    ["type": .string(type), "spacePermissions": .array(byType[type] ?? [])]
                })
        }
        return .json(sets)
    }

    // MARK: content

    func contentList(_ request: TwinRequest) throws -> TwinResponse {
        let spaceKey = request.query("spaceKey")
        let type = request.query("type") ?? "page"
        let status = request.query("status") ?? "current"
        let title = request.query("title")
        let expand = Self.expand(request)
        let items = state.withLock { state in
            state.content.values.filter {
                (spaceKey == nil || $0.spaceKey == spaceKey) && $0.type == type
                    && (status == "any" || $0.status == status) && (title == nil || $0.current.title == title)
            }.sorted { $0.id < $1.id }.map { self.contentJSON($0, nil, state, expand, request.base) }
        }
        return try Self.paged(items, request)
    }

    func scan(_ request: TwinRequest) throws -> TwinResponse {
        let spaceKey = request.query("spaceKey")
        let status = request.query("status") ?? "current"
        let limit = try request.limit(default: 100, max: 10_000)
        let after: Int
        if let cursor = request.query("cursor"), !cursor.isEmpty {
            guard let value = cursor.split(separator: ":").last.flatMap({ Int($0) }) else {
                throw APIFailure.badRequest("The cursor '\(cursor)' is invalid.")
            }
            after = value
        } else {
            after = 0
        }
        let expand = Self.expand(request)
        let (results, more, lastID) = state.withLock { state in
            let all = state.content.values.filter {
                $0.type == "page" && (spaceKey == nil || $0.spaceKey == spaceKey) && $0.id > after
                    && (status == "any" || $0.status == status)
            }.sorted { $0.id < $1.id }
            let slice = all.prefix(limit)
            return (
                slice.map { self.contentJSON($0, nil, state, expand, request.base) }, all.count > limit,
                slice.last?.id ?? after
            )
        }
        var json: [String: JSONValue] = [
            "results": .array(results), "limit": JSONValue(limit), "size": JSONValue(results.count),
            "cursor": .string(request.query("cursor") ?? ""), "prevCursor": .string("content:true:\(after)"),
        ]
        var links: [String: JSONValue] = ["base": .string(request.base), "context": ""]
        if more {
            let next = "content:false:\(lastID)"
            json["nextCursor"] = .string(next)
            var items = request.query.filter { $0.0 != "cursor" }
            items.append(("cursor", next))
            links["next"] = .string(Self.link(path: request.path, items))
        }
        json["_links"] = .object(links)
        return .json(.object(json))
    }

    func search(_ request: TwinRequest) throws -> TwinResponse {
        guard let text = request.query("cql"), !text.isEmpty else {
            throw APIFailure.badRequest("The CQL query parameter 'cql' is required.")
        }
        let query = try DCCQL.parse(text)
        let expand = Self.expand(request)
        let items = state.withLock { state in
            var items = query.apply(to: Array(state.content.values.filter { $0.status == "current" })).map {
                (when: $0.current.when, id: $0.id, json: self.contentJSON($0, nil, state, expand, request.base))
            }
            guard query.wantsChildren else { return items.map(\.json) }
            // Comments and attachments of current content, by their own last modification.
            for comment in state.comments.values {
                guard let container = state.content[comment.containerID], container.status == "current",
                    query.matches(space: container.spaceKey, type: "comment", when: comment.when)
                else { continue }
                items.append((comment.when, comment.id, self.commentJSON(comment, state, expand, request.base)))
            }
            for attachment in state.attachments.values {
                guard let container = state.content[attachment.containerID], container.status == "current",
                    let when = attachment.versions.last?.when,
                    query.matches(space: container.spaceKey, type: "attachment", when: when)
                else { continue }
                items.append((when, attachment.id, self.attachmentJSON(attachment, state, request.base)))
            }
            let ascending = query.order ?? true
            return items.sorted {
                query.order == nil || $0.when == $1.when ? $0.id < $1.id : ($0.when < $1.when) == ascending
            }.map(\.json)
        }
        return try Self.paged(items, request)
    }

    func single(_ request: TwinRequest, id text: String) throws -> TwinResponse {
        guard let id = Int(text) else { throw APIFailure.notFound("No content found with id : \(text)") }
        let status = request.query("status") ?? "current"
        let wanted = request.query("version").flatMap(Int.init)
        let expand = Self.expand(request)
        let json: JSONValue? = state.withLock { state in
            if let item = state.content[id] {
                if status == "historical" || wanted != nil {
                    guard let number = wanted, let version = item.versions.first(where: { $0.number == number })
                    else { return nil }
                    return self.contentJSON(item, version, state, expand, request.base)
                }
                guard status == "any" || item.status == status || (status == "current" && item.status == "current")
                else { return nil }
                return self.contentJSON(item, nil, state, expand, request.base)
            }
            if let comment = state.comments[id] { return self.commentJSON(comment, state, expand, request.base) }
            if let attachment = state.attachments[id] { return self.attachmentJSON(attachment, state, request.base) }
            return nil
        }
        guard let json else { throw APIFailure.notFound("No content found with id : ContentId{id=\(id)}") }
        return .json(json)
    }

    func versions(_ request: TwinRequest, id text: String) throws -> TwinResponse {
        guard let id = Int(text) else { throw APIFailure.notFound("No content found with id : \(text)") }
        let items: [JSONValue]? = state.withLock { state in
            if let item = state.content[id] {
                return item.versions.reversed().map {
                    self.versionJSON($0.number, $0.when, $0.byKey, $0.message, state)
                }
            }
            if let attachment = state.attachments[id] {
                return attachment.versions.reversed().map {
                    self.versionJSON($0.number, $0.when, $0.byKey, $0.comment, state)
                }
            }
            return nil
        }
        guard let items else { throw APIFailure.notFound("No content found with id : ContentId{id=\(id)}") }
        return try Self.paged(items, request, defaultLimit: 200, maxLimit: 200)
    }

    func attachments(_ request: TwinRequest, id text: String) throws -> TwinResponse {
        guard let id = Int(text) else { throw APIFailure.notFound("No content found with id : \(text)") }
        let filename = request.query("filename")
        let items: [JSONValue]? = state.withLock { state in
            guard state.content[id] != nil else { return nil }
            return state.attachments(of: id).filter { filename == nil || $0.title == filename }
                .map { self.attachmentJSON($0, state, request.base) }
        }
        guard let items else { throw APIFailure.notFound("No content found with id : ContentId{id=\(id)}") }
        return try Self.paged(items, request, defaultLimit: 50, maxLimit: 200)
    }

    func comments(_ request: TwinRequest, id text: String) throws -> TwinResponse {
        guard let id = Int(text) else { throw APIFailure.notFound("No content found with id : \(text)") }
        let locations = Set(request.queryList("location"))
        let depthAll = request.query("depth") == "all"
        let expand = Self.expand(request)
        let items: [JSONValue]? = state.withLock { state in
            guard state.content[id] != nil else { return nil }
            return state.comments(of: id).filter { comment in
                guard depthAll || comment.parentID == nil else { return false }
                if locations.isEmpty { return true }
                if comment.inline {
                    return locations.contains("inline") || (comment.resolved && locations.contains("resolved"))
                }
                return locations.contains("footer")
            }.map { self.commentJSON($0, state, expand, request.base) }
        }
        guard let items else { throw APIFailure.notFound("No content found with id : ContentId{id=\(id)}") }
        return try Self.paged(items, request)
    }

    func labels(_ request: TwinRequest, id text: String) throws -> TwinResponse {
        guard let id = Int(text) else { throw APIFailure.notFound("No content found with id : \(text)") }
        let items: [JSONValue]? = state.withLock { state in
            state.content[id].map { $0.labels.map(Self.labelJSON) }
        }
        guard let items else { throw APIFailure.notFound("No content found with id : ContentId{id=\(id)}") }
        return try Self.paged(items, request, defaultLimit: 200, maxLimit: 200)
    }

    func restrictions(_ request: TwinRequest, id text: String) throws -> TwinResponse {
        guard let id = Int(text) else { throw APIFailure.notFound("No content found with id : \(text)") }
        let json: JSONValue? = state.withLock { state in
            guard let item = state.content[id] else { return nil }
            return restrictionsJSON(item, state)
        }
        guard let json else { throw APIFailure.notFound("No content found with id : ContentId{id=\(id)}") }
        return .json(json)
    }

    /// `{"read": {...}, "update": {...}}`, as `restriction/byOperation` and the
    /// `restrictions.read.restrictions.user` (etc.) expansion of content show them.
    func restrictionsJSON(_ item: DCContentItem, _ state: DCTwinState) -> JSONValue {
        var result: [String: JSONValue] = [:]
        for operation in ["read", "update"] {
            let restriction = item.restrictions[operation] ?? DCRestriction()
            let users = restriction.userKeys.compactMap { state.user(key: $0) }.map { self.userJSON($0) }
            let groups = restriction.groups.map { name -> JSONValue in ["type": "group", "name": .string(name)] }
            result[operation] = [
                "operation": .string(operation),
                "restrictions": [
                    "user": ["results": .array(users), "start": 0, "limit": 200, "size": JSONValue(users.count)],
                    "group": [
                        "results": .array(groups), "start": 0, "limit": 200, "size": JSONValue(groups.count),
                    ],
                ],
            ]
        }
        return .object(result)
    }

    // MARK: JSON

    static func expand(_ request: TwinRequest) -> Set<String> { Set(request.queryList("expand")) }

    func userJSON(_ user: DCUser) -> JSONValue {
        [
            "type": "known", "username": .string(user.username), "userKey": .string(user.key),
            "displayName": .string(user.displayName),
            "profilePicture": [
                "path": "/images/icons/profilepics/default.svg", "width": 48, "height": 48, "isDefault": true,
            ],
        ]
    }

    func personJSON(_ key: String?, _ state: DCTwinState) -> JSONValue {
        guard let user = state.user(key: key) else { return ["type": "anonymous", "displayName": "Anonymous"] }
        return userJSON(user)
    }

    func versionJSON(
        _ number: Int, _ when: Date, _ byKey: String?, _ message: String, _ state: DCTwinState
    ) -> JSONValue {
        [
            "by": personJSON(byKey, state), "when": .string(DCDates.format(when)), "message": .string(message),
            "number": JSONValue(number), "minorEdit": false, "hidden": false,
        ]
    }

    static func labelJSON(_ label: DCLabel) -> JSONValue {
        [
            "prefix": .string(label.prefix), "name": .string(label.name), "id": .string(String(label.id)),
            "label": .string(label.name),
        ]
    }

    func ancestors(of item: DCContentItem, _ state: DCTwinState) -> [JSONValue] {
        var chain: [JSONValue] = []
        var parent = item.parentID
        var seen: Set<Int> = [item.id]
        while let id = parent, let ancestor = state.content[id], seen.insert(id).inserted {
            chain.insert(
                [
                    "id": .string(String(id)), "type": .string(ancestor.type), "status": .string(ancestor.status),
                    "title": .string(ancestor.current.title),
                ], at: 0)
            parent = ancestor.parentID
        }
        return chain
    }

    func contentJSON(
        _ item: DCContentItem, _ version: DCVersion?, _ state: DCTwinState, _ expand: Set<String>, _ base: String
    ) -> JSONValue {
        let shown = version ?? item.current
        let historical = version != nil && version?.number != item.current.number
        var json: [String: JSONValue] = [
            "id": .string(String(item.id)), "type": .string(item.type),
            "status": .string(historical ? "historical" : item.status), "title": .string(shown.title),
            "version": versionJSON(shown.number, shown.when, shown.byKey, shown.message, state),
            "history": [
                "latest": .bool(!historical), "createdBy": personJSON(item.creatorKey, state),
                "createdDate": .string(DCDates.format(item.created)),
            ],
            "_links": [
                "webui": .string("/pages/viewpage.action?pageId=\(item.id)"),
                "self": .string("\(base)/rest/api/content/\(item.id)"),
            ],
            "_expandable": [
                "children": .string("/rest/api/content/\(item.id)/child"),
                "restrictions": .string("/rest/api/content/\(item.id)/restriction/byOperation"),
            ],
        ]
        if let space = state.spaces.first(where: { $0.key == item.spaceKey }) {
            json["space"] = [
                "id": JSONValue(space.id), "key": .string(space.key), "name": .string(space.name),
                "type": .string(space.type),
            ]
        }
        if let position = item.position {
            json["position"] = JSONValue(position)
            json["extensions"] = ["position": JSONValue(position)]
        }
        if expand.contains("ancestors") { json["ancestors"] = .array(ancestors(of: item, state)) }
        if expand.contains(where: { $0 == "restrictions" || $0.hasPrefix("restrictions.") }) {
            json["restrictions"] = restrictionsJSON(item, state)
        }
        if expand.contains("body.storage") || expand.contains("body") {
            json["body"] = ["storage": ["value": .string(shown.body), "representation": "storage"]]
        }
        if expand.contains("metadata.labels") || expand.contains("metadata") {
            json["metadata"] = [
                "labels": ["results": .array(item.labels.map(Self.labelJSON)), "size": JSONValue(item.labels.count)]
            ]
        }
        return .object(json)
    }

    func commentJSON(_ comment: DCComment, _ state: DCTwinState, _ expand: Set<String>, _ base: String) -> JSONValue {
        let container = state.content[comment.containerID]
        var ancestors: [JSONValue] = []
        var parent = comment.parentID
        var seen: Set<Int> = [comment.id]
        while let id = parent, let ancestor = state.comments[id], seen.insert(id).inserted {
            ancestors.insert(["id": .string(String(id)), "type": "comment"], at: 0)
            parent = ancestor.parentID
        }
        var extensions: [String: JSONValue] = ["location": comment.inline ? "inline" : "footer"]
        if comment.inline {
            extensions["inlineProperties"] = [
                "markerRef": JSONValue(comment.markerRef), "originalSelection": JSONValue(comment.selection),
            ]
            extensions["resolution"] = ["status": comment.resolved ? "resolved" : "open"]
        }
        var json: [String: JSONValue] = [
            "id": .string(String(comment.id)), "type": "comment", "status": "current",
            "title": .string("Re: \(container?.current.title ?? "")"),
            "version": versionJSON(comment.version, comment.when, comment.creatorKey, "", state),
            "history": [
                "latest": true, "createdBy": personJSON(comment.creatorKey, state),
                "createdDate": .string(DCDates.format(comment.created)),
            ],
            "container": [
                "id": .string(String(comment.containerID)), "type": .string(container?.type ?? "page"),
                "title": .string(container?.current.title ?? ""),
            ],
            "ancestors": .array(ancestors), "extensions": .object(extensions),
            "_links": ["self": .string("\(base)/rest/api/content/\(comment.id)")],
        ]
        if expand.contains("body.storage") || expand.contains("body") {
            json["body"] = ["storage": ["value": .string(comment.body), "representation": "storage"]]
        }
        return .object(json)
    }

    func attachmentJSON(_ attachment: DCAttachment, _ state: DCTwinState, _ base: String) -> JSONValue {
        let current = attachment.versions.last
        let number = current?.number ?? 1
        let name =
            attachment.title.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(["/"]))
            ?? attachment.title
        return [
            "id": .string(String(attachment.id)), "type": "attachment", "status": "current",
            "title": .string(attachment.title),
            "version": versionJSON(
                number, current?.when ?? Date(timeIntervalSince1970: 0), current?.byKey, current?.comment ?? "", state),
            "container": [
                "id": .string(String(attachment.containerID)),
                "type": .string(state.content[attachment.containerID]?.type ?? "page"),
            ],
            "metadata": ["mediaType": .string(attachment.mediaType), "comment": .string(current?.comment ?? "")],
            "extensions": [
                "mediaType": .string(attachment.mediaType), "fileSize": JSONValue(Int(current?.size ?? 0)),
                "comment": .string(current?.comment ?? ""),
            ],
            "_links": [
                "download": .string("/download/attachments/\(attachment.containerID)/\(name)?version=\(number)&api=v2"),
                "self": .string("\(base)/rest/api/content/\(attachment.id)"),
            ],
        ]
    }

    func auditJSON(_ record: DCAuditRecord, _ state: DCTwinState) -> JSONValue {
        let author = state.user(key: record.authorKey)
        return [
            "author": [
                "type": "user", "displayName": JSONValue(author?.displayName ?? "System"),
                "username": JSONValue(author?.username), "userKey": JSONValue(author?.key),
            ],
            "remoteAddress": "127.0.0.1", "creationDate": JSONValue(Int(record.created.timeIntervalSince1970 * 1000)),
            "summary": .string(record.summary), "description": "", "category": .string(record.category),
            "sysAdmin": false,
            "affectedObject": ["name": .string(record.objectName), "objectType": ""],
            "changedValues": [], "associatedObjects": [],
        ]
    }

    // MARK: paging

    static func paged(
        _ items: [JSONValue], _ request: TwinRequest, defaultLimit: Int = 25, maxLimit: Int = 200
    ) throws -> TwinResponse {
        let limit = try request.limit(default: defaultLimit, max: maxLimit)
        let start: Int
        if let text = request.query("start") {
            guard let value = Int(text), value >= 0 else { throw APIFailure.badRequest("start must be 0 or more.") }
            start = value
        } else {
            start = 0
        }
        let slice = start < items.count ? Array(items[start..<min(items.count, start + limit)]) : []
        var links: [String: JSONValue] = [
            "base": .string(request.base), "context": "", "self": .string(request.base + request.path),
        ]
        if start + limit < items.count {
            var query = request.query.filter { $0.0 != "start" && $0.0 != "limit" }
            query.append(("limit", String(limit)))
            query.append(("start", String(start + limit)))
            links["next"] = .string(link(path: request.path, query))
        }
        return .json([
            "results": .array(slice), "start": JSONValue(start), "limit": JSONValue(limit),
            "size": JSONValue(slice.count), "_links": .object(links),
        ])
    }

    static func link(path: String, _ query: [(String, String)]) -> String {
        var components = URLComponents()
        components.path = path
        components.queryItems = query.map { URLQueryItem(name: $0.0, value: $0.1) }
        return components.percentEncodedPath
            + (components.percentEncodedQuery.map {
                "?" + $0.replacingOccurrences(of: "+", with: "%2B")
            } ?? "")
    }
}
