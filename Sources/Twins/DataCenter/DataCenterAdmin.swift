import Foundation
import Synchronization

/// The twin-only admin API under `/__twin/`: change content while a migration runs.
extension DataCenterTwin {
    func admin(_ request: TwinRequest, _ s: [String]) throws -> TwinResponse {
        switch (request.method, s.count) {
        case ("GET", 1) where s[0] == "stats":
            return .json(requestLog.snapshot)
        case ("POST", 2) where s == ["stats", "reset"]:
            requestLog.reset()
            return .empty()
        case ("GET", 1) where s[0] == "state":
            return .json(.object(counts.mapValues { JSONValue($0) }))
        case ("POST", 1) where s[0] == "pages":
            return try createPage(request)
        case ("PUT", 2) where s[0] == "pages":
            return try editPage(request, id: s[1])
        case ("DELETE", 2) where s[0] == "pages":
            return try trashPage(id: s[1])
        case ("PUT", 3) where s[0] == "pages" && s[2] == "restrictions":
            return try setRestrictions(request, id: s[1])
        case ("POST", 3) where s[0] == "pages" && s[2] == "attachments":
            return try upload(request, id: s[1])
        case ("POST", 3) where s[0] == "pages" && s[2] == "comments":
            return try addComment(request, id: s[1])
        default:
            throw APIFailure.notFound("No twin admin endpoint \(request.method) \(request.path).")
        }
    }

    private func pageID(_ text: String) throws -> Int {
        guard let id = Int(text) else { throw APIFailure.badRequest("'\(text)' is not a content id.") }
        return id
    }

    private static func parentID(_ value: JSONValue?) throws -> Int?? {
        guard let value else { return .none }
        if case .null = value { return .some(nil) }
        guard let id = value.int else { throw APIFailure.badRequest("parentId must be a content id or null.") }
        return .some(id)
    }

    private func adminKey(_ state: DCTwinState) -> String? {
        state.user(name: configuration.user)?.key ?? state.users.first?.key
    }

    private func created(_ id: Int, _ request: TwinRequest) -> TwinResponse {
        let json = state.withLock { state in
            state.content[id].map { contentJSON($0, nil, state, ["ancestors", "body.storage"], request.base) }
        }
        return .json(json ?? ["id": .string(String(id))], status: 201)
    }

    /// `POST /__twin/pages {"space", "title", "parentId", "body", "type"}`.
    func createPage(_ request: TwinRequest) throws -> TwinResponse {
        let body = try request.json()
        guard let spaceKey = body["space"]?.string, let title = body["title"]?.string, !title.isEmpty else {
            throw APIFailure.badRequest("Give space and title.")
        }
        let type = body["type"]?.string ?? "page"
        guard type == "page" || type == "blogpost" else { throw APIFailure.badRequest("type is page or blogpost.") }
        let parent = try Self.parentID(body["parentId"]) ?? nil
        let storage = body["body"]?.string ?? ""
        let id: Int = try state.withLock { state in
            guard state.spaces.contains(where: { $0.key == spaceKey }) else {
                throw APIFailure.notFound("No space with key : \(spaceKey)")
            }
            if let parent {
                guard let item = state.content[parent], item.spaceKey == spaceKey, item.status == "current" else {
                    throw APIFailure.badRequest("The parent \(parent) is not a current page of \(spaceKey).")
                }
            }
            guard
                !state.content.values.contains(where: {
                    $0.spaceKey == spaceKey && $0.type == type && $0.status == "current" && $0.current.title == title
                })
            else {
                throw APIFailure.badRequest("A page with this title already exists in space \(spaceKey): \(title)")
            }
            let id = state.allocateID()
            let now = Date()
            let author = adminKey(state)
            state.content[id] = DCContentItem(
                id: id, type: type, spaceKey: spaceKey, status: "current", parentID: type == "page" ? parent : nil,
                position: nil, created: now, creatorKey: author,
                versions: [DCVersion(number: 1, when: now, byKey: author, message: "", title: title, body: storage)])
            return id
        }
        return created(id, request)
    }

    /// `PUT /__twin/pages/{id}` with any of `title`, `body`, `parentId`: a new version.
    func editPage(_ request: TwinRequest, id text: String) throws -> TwinResponse {
        let id = try pageID(text)
        let body = try request.json()
        let parent = try Self.parentID(body["parentId"])
        try state.withLock { state in
            guard var item = state.content[id], item.status == "current" else {
                throw APIFailure.notFound("No current page with id \(id).")
            }
            var next = item.current
            next.number += 1
            next.when = max(Date(), next.when.addingTimeInterval(0.001))
            next.byKey = adminKey(state)
            next.message = body["message"]?.string ?? ""
            if let title = body["title"]?.string {
                guard !title.isEmpty else { throw APIFailure.badRequest("A title cannot be empty.") }
                if state.content.values.contains(where: {
                    $0.id != id && $0.spaceKey == item.spaceKey && $0.type == item.type && $0.status == "current"
                        && $0.current.title == title
                }) {
                    throw APIFailure.badRequest("A page with this title already exists: \(title)")
                }
                next.title = title
            }
            if let storage = body["body"]?.string { next.body = storage }
            if case .some(let newParent) = parent {
                if let newParent {
                    var cursor: Int? = newParent
                    while let current = cursor {
                        guard current != id else { throw APIFailure.badRequest("A page cannot move under itself.") }
                        cursor = state.content[current]?.parentID
                    }
                    guard let target = state.content[newParent], target.spaceKey == item.spaceKey,
                        target.status == "current"
                    else {
                        throw APIFailure.badRequest(
                            "The parent \(newParent) is not a current page of \(item.spaceKey).")
                    }
                }
                item.parentID = newParent
                item.position = nil
            }
            item.versions.append(next)
            state.content[id] = item
        }
        return created(id, request).with(status: 200)
    }

    /// `DELETE /__twin/pages/{id}`: to the trash (children move up to its parent, as Confluence does).
    func trashPage(id text: String) throws -> TwinResponse {
        let id = try pageID(text)
        try state.withLock { state in
            guard var item = state.content[id], item.status == "current" else {
                throw APIFailure.notFound("No current page with id \(id).")
            }
            for child in state.content.values where child.parentID == id {
                state.content[child.id]?.parentID = item.parentID
            }
            item.status = "trashed"
            state.content[id] = item
        }
        return .empty()
    }

    /// `PUT /__twin/pages/{id}/restrictions {"read": {"users": [username], "groups": [name]}, "update": {...}}`.
    func setRestrictions(_ request: TwinRequest, id text: String) throws -> TwinResponse {
        let id = try pageID(text)
        let body = try request.json()
        try state.withLock { state in
            guard var item = state.content[id], item.status == "current" else {
                throw APIFailure.notFound("No current page with id \(id).")
            }
            var restrictions: [String: DCRestriction] = [:]
            for operation in ["read", "update"] {
                guard let entry = body[operation] else { continue }
                var restriction = DCRestriction()
                for name in entry["users"]?.array?.compactMap(\.string) ?? [] {
                    guard let user = state.user(name: name) else {
                        throw APIFailure.badRequest("No user named \(name).")
                    }
                    restriction.userKeys.append(user.key)
                }
                restriction.groups = entry["groups"]?.array?.compactMap(\.string) ?? []
                if !restriction.userKeys.isEmpty || !restriction.groups.isEmpty {
                    restrictions[operation] = restriction
                }
            }
            item.restrictions = restrictions
            state.content[id] = item
        }
        return .empty(200)
    }

    /// `POST /__twin/pages/{id}/attachments` (multipart `file`): a new attachment, or a new version of one with the same name.
    func upload(_ request: TwinRequest, id text: String) throws -> TwinResponse {
        let id = try pageID(text)
        let parts = try CloudTwin.multipart(request)
        guard let file = parts.first(where: { $0.filename != nil }), let filename = file.filename, !filename.isEmpty
        else {
            throw APIFailure.badRequest("Send the file as a multipart part with a filename.")
        }
        let comment = parts.first { $0.name == "comment" }.map { String(decoding: $0.bytes, as: UTF8.self) } ?? ""
        let bytes = Array(file.bytes)
        let attachmentID: Int = try state.withLock { state in
            guard state.content[id]?.status == "current" else {
                throw APIFailure.notFound("No current page with id \(id).")
            }
            let author = adminKey(state)
            if var existing = state.attachments(of: id).first(where: { $0.title == filename }) {
                existing.versions.append(
                    DCAttachmentVersion(
                        number: (existing.versions.last?.number ?? 0) + 1, when: Date(), byKey: author,
                        comment: comment,
                        size: Int64(bytes.count), source: .bytes(bytes)))
                if let type = file.contentType { existing.mediaType = type }
                state.add(existing)
                return existing.id
            }
            let newID = state.allocateID()
            state.add(
                DCAttachment(
                    id: newID, containerID: id, title: filename,
                    mediaType: file.contentType ?? "application/octet-stream",
                    versions: [
                        DCAttachmentVersion(
                            number: 1, when: Date(), byKey: author, comment: comment, size: Int64(bytes.count),
                            source: .bytes(bytes))
                    ]))
            return newID
        }
        let json = state.withLock { state in
            state.attachments[attachmentID].map { attachmentJSON($0, state, request.base) }
        }
        return .json(json ?? [:], status: 201)
    }

    /// `POST /__twin/pages/{id}/comments {"body", "parentId", "inline", "markerRef", "selection", "resolved"}`.
    func addComment(_ request: TwinRequest, id text: String) throws -> TwinResponse {
        let id = try pageID(text)
        let body = try request.json()
        guard let storage = body["body"]?.string, !storage.isEmpty else { throw APIFailure.badRequest("Give a body.") }
        let parent = try Self.parentID(body["parentId"]) ?? nil
        let commentID: Int = try state.withLock { state in
            guard state.content[id]?.status == "current" else {
                throw APIFailure.notFound("No current page with id \(id).")
            }
            if let parent, state.comments[parent]?.containerID != id {
                throw APIFailure.badRequest("Comment \(parent) is not on page \(id).")
            }
            let newID = state.allocateID()
            let now = Date()
            let inline = body["inline"]?.bool ?? false
            state.add(
                DCComment(
                    id: newID, containerID: id, parentID: parent, inline: inline,
                    resolved: body["resolved"]?.bool ?? false,
                    markerRef: inline ? (body["markerRef"]?.string ?? UUID().uuidString.lowercased()) : nil,
                    selection: body["selection"]?.string, created: now, creatorKey: adminKey(state), version: 1,
                    when: now,
                    body: storage))
            return newID
        }
        let json = state.withLock { state in
            state.comments[commentID].map { commentJSON($0, state, ["body.storage"], request.base) }
        }
        return .json(json ?? [:], status: 201)
    }
}

extension TwinResponse {
    func with(status: Int) -> TwinResponse {
        var copy = self
        copy.status = status
        return copy
    }
}
