import Foundation

extension CloudTwin {
    /// The twin-only admin API: `POST /__twin/reset`, `GET /__twin/stats`,
    /// `GET /__twin/state`, `POST /__twin/config` (rate, faults, latency) and
    /// `POST /__twin/users` (seed the user directory), `POST /__twin/groups` (seed groups).
    func admin(method: String, path: String, body: [UInt8]) async throws -> TwinResponse {
        do {
            switch (method, path) {
            case ("POST", "/__twin/reset"):
                try await store.reset()
                statistics.reset()
                return .json(["reset": true])
            case ("GET", "/__twin/stats"):
                return .json(statistics.snapshot(applied: await store.applied))
            case ("GET", "/__twin/state"):
                return .json(await exportState())
            case ("POST", "/__twin/config"):
                let json = try JSONValue.parse(Data(body))
                if let rate = json["rate"]?.string { limiter.update(spec: try TwinRateSpec.parse(rate)) }
                if let faults = json["faults"]?.string { self.faults.update(spec: try TwinFaultSpec.parse(faults)) }
                if let latency = json["latency"]?.string { self.latency.set(try parseTwinDuration(latency)) }
                if let mode = json["rateHeaders"]?.string { try limiter.update(headerMode: mode) }
                return .json(["updated": true])
            case ("POST", "/__twin/users"):
                let json = try JSONValue.parse(Data(body))
                var added = 0
                for item in json.array ?? [] {
                    guard let email = item["email"]?.string else { continue }
                    await store.addUser(
                        UserRecord(
                            accountId: item["accountId"]?.string ?? CloudStore.accountId(for: email), email: email,
                            displayName: item["displayName"]?.string ?? email, username: item["username"]?.string,
                            userKey: item["key"]?.string))
                    added += 1
                }
                try await store.commit()
                return .json(["added": JSONValue(added)])
            case ("POST", "/__twin/groups"):
                // Seeds groups that already exist in the site: [{"name", "members": [accountId|email]}].
                let json = try JSONValue.parse(Data(body))
                var added: [JSONValue] = []
                for item in json.array ?? [] {
                    guard let name = item["name"]?.string else { continue }
                    var group = await store.group(named: name)
                    if group == nil { group = try await store.createGroup(name: name) }
                    guard let group else { continue }
                    for member in item["members"]?.array?.compactMap(\.string) ?? [] {
                        let accountId = await store.user(email: member)?.accountId ?? member
                        try await store.addMember(groupId: group.id, accountId: accountId)
                    }
                    added.append(["name": .string(group.name), "id": .string(String(group.id))])
                }
                try await store.commit()
                return .json(["groups": .array(added)])
            default:
                return Self.error(
                    APIFailure(status: 404, message: "No twin admin endpoint \(method) \(path)."), v1: false)
            }
        } catch let error as TwinError {
            return Self.error(APIFailure.badRequest(error.summary + (error.remedy.map { " " + $0 } ?? "")), v1: false)
        } catch is DecodingError {
            return Self.error(APIFailure.badRequest("The body is not valid JSON."), v1: false)
        } catch let failure as APIFailure {
            return Self.error(failure, v1: false)
        }
    }

    /// The whole state, in the shape the issue fixes: one array per kind.
    public func exportState() async -> JSONValue {
        let spaces = await store.allSpaces().map { space -> JSONValue in
            [
                "id": .string(String(space.id)), "key": .string(space.key), "name": .string(space.name),
                "spaceId": .string(String(space.id)), "homepageId": .string(String(space.homepageId)),
                "version": 1,
            ]
        }
        var pages: [JSONValue] = []
        var blogPosts: [JSONValue] = []
        for content in await store.allContents() {
            var item: [String: JSONValue] = [
                "id": .string(String(content.id)), "spaceId": .string(String(content.spaceId)),
                "title": .string(content.title), "version": JSONValue(content.version),
                "status": .string(content.status),
                "representation": .string(content.representation),
            ]
            if content.kind == .page {
                item["parentId"] = JSONValue(content.parentId.map(String.init))
                item["position"] = JSONValue(content.position)
                pages.append(.object(item))
            } else {
                blogPosts.append(.object(item))
            }
        }
        var comments: [JSONValue] = []
        for comment in await store.allComments() {
            let spaceId = await store.content(comment.containerId)?.spaceId
            comments.append([
                "id": .string(String(comment.id)), "spaceId": JSONValue(spaceId.map(String.init)),
                "containerId": .string(String(comment.containerId)),
                "parentId": JSONValue(comment.parentCommentId.map(String.init)),
                "location": .string(comment.location), "version": JSONValue(comment.version),
                "title": .string("comment \(comment.id)"),
            ])
        }
        var attachments: [JSONValue] = []
        for attachment in await store.allAttachments() {
            let spaceId = await store.content(attachment.containerId)?.spaceId
            attachments.append([
                "id": .string(attachment.displayId), "spaceId": JSONValue(spaceId.map(String.init)),
                "containerId": .string(String(attachment.containerId)), "title": .string(attachment.title),
                "name": .string(attachment.title), "version": JSONValue(attachment.current.number),
                "fileId": .string(attachment.current.fileId), "fileSize": JSONValue(Int(attachment.current.fileSize)),
                "sha256": .string(attachment.current.sha256),
            ])
        }
        var labels: [JSONValue] = []
        for label in await store.allLabels() {
            var spaceId = await store.content(label.containerId)?.spaceId
            if spaceId == nil { spaceId = await store.space(id: label.containerId)?.id }
            labels.append([
                "id": .string(String(label.id)), "labelId": .string(String(label.labelId)),
                "spaceId": JSONValue(spaceId.map(String.init)),
                "containerId": .string(String(label.containerId)), "name": .string(label.name),
                "prefix": .string(label.prefix),
                "version": 1,
            ])
        }
        var properties: [JSONValue] = []
        for property in await store.allProperties() {
            let spaceId =
                property.containerType == "space"
                ? property.containerId : await store.content(property.containerId)?.spaceId
            properties.append([
                "id": .string(String(property.id)), "spaceId": JSONValue(spaceId.map(String.init)),
                "containerId": .string(String(property.containerId)), "containerType": .string(property.containerType),
                "name": .string(property.key), "key": .string(property.key), "version": JSONValue(property.version),
                "value": property.value,
            ])
        }
        var restrictions: [JSONValue] = []
        for restriction in await store.allRestrictions() {
            let spaceId = await store.content(restriction.contentId)?.spaceId
            restrictions.append([
                "id": .string(String(restriction.id)), "spaceId": JSONValue(spaceId.map(String.init)),
                "containerId": .string(String(restriction.contentId)), "name": .string(restriction.operation),
                "operation": .string(restriction.operation), "users": .array(restriction.users.map { .string($0) }),
                "groups": .array(restriction.groups.map { .string($0) }), "version": 1,
            ])
        }
        let permissions = await store.allPermissions().map { permission -> JSONValue in
            [
                "id": .string(String(permission.id)), "spaceId": .string(String(permission.spaceId)),
                "containerId": .string(String(permission.spaceId)),
                "name": .string("\(permission.operationKey):\(permission.target)"),
                "subjectType": .string(permission.subjectType), "identifier": .string(permission.identifier),
                "version": 1,
            ]
        }
        let users = await store.allUsers().map { user -> JSONValue in
            [
                "accountId": .string(user.accountId), "email": .string(user.email),
                "displayName": .string(user.displayName), "invited": .bool(user.invited ?? false),
            ]
        }
        let groups = await store.allGroups().map { group -> JSONValue in
            [
                "id": .string(String(group.id)), "name": .string(group.name),
                "members": .array(group.members.map { .string($0) }),
            ]
        }
        return [
            "users": .array(users), "groups": .array(groups),
            "spaces": .array(spaces), "pages": .array(pages), "blogPosts": .array(blogPosts),
            "comments": .array(comments),
            "attachments": .array(attachments), "labels": .array(labels), "properties": .array(properties),
            "restrictions": .array(restrictions), "permissions": .array(permissions),
        ]
    }
}

extension CloudTwin {
    /// The same document as `GET /__twin/stats`, for in-process callers.
    public func statisticsSnapshot() async -> JSONValue {
        statistics.snapshot(applied: await store.applied)
    }

    /// The same document as `GET /__twin/state`, for in-process callers.
    public func stateSnapshot() async -> JSONValue { await exportState() }
}

extension CloudTwin {
    /// Replaces the fault spec at run time (as `POST /__twin/config` does).
    public func setFaults(_ spec: TwinFaultSpec) async throws { faults.update(spec: spec) }

    /// Replaces the rate spec at run time (as `POST /__twin/config` does).
    public func setRate(_ spec: TwinRateSpec) { limiter.update(spec: spec) }
}
