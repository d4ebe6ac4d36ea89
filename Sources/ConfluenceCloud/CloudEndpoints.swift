import Foundation
import Transport

extension ConfluenceCloudClient {
    // MARK: spaces

    /// `POST /wiki/rest/api/space` (v1: v2 space creation is still experimental).
    public func createSpace(key: String, name: String, description: String = "") async throws -> CloudSpace {
        var body: [String: Any] = ["key": key, "name": name]
        if !description.isEmpty { body["description"] = ["plain": ["value": description, "representation": "plain"]] }
        return try await createExactlyOnce(
            "Creating space \(key)",
            attempt: { try await send("POST", "\(Self.v1)/space", payload: .json(body)) },
            find: { try await spaces(keys: [key]).first },
            decode: { _ in
                guard let space = try await spaces(keys: [key]).first else {
                    throw CloudError.malformedResponse(
                        operation: "Creating space \(key)", detail: "the new space is not listed")
                }
                return space
            })
    }

    /// `GET /wiki/api/v2/spaces?keys=…`, every page of results.
    public func spaces(keys: [String]) async throws -> [CloudSpace] {
        let items = try await collect(
            "\(Self.v2)/spaces" + Self.query([("keys", keys.joined(separator: ",")), ("limit", "250")]),
            "Reading spaces")
        return try decodeArray(CloudSpace.self, items, "Reading spaces")
    }

    // MARK: pages and blog posts

    static func collection(_ blogPost: Bool) -> String { blogPost ? "blogposts" : "pages" }

    /// `POST /wiki/api/v2/pages` (or `/blogposts`). Exactly once: an unknown outcome is
    /// reconciled by title, which Cloud keeps unique per space.
    public func createContent(
        spaceId: String, title: String, body: ContentBody, parentId: String? = nil, blogPost: Bool = false
    ) async throws -> CloudContent {
        var json: [String: Any] = [
            "spaceId": spaceId, "status": "current", "title": title,
            "body": ["representation": body.representation.rawValue, "value": body.value],
        ]
        if let parentId, !blogPost { json["parentId"] = parentId }
        let operation = "Creating \(blogPost ? "blog post" : "page") '\(title)' in space \(spaceId)"
        return try await createExactlyOnce(
            operation,
            attempt: { try await send("POST", "\(Self.v2)/\(Self.collection(blogPost))", payload: .json(json)) },
            find: { try await findContent(spaceId: spaceId, title: title, blogPost: blogPost) },
            decode: { try decode(CloudContent.self, from: $0, operation) })
    }

    public func createPage(
        spaceId: String, title: String, body: ContentBody, parentId: String? = nil
    ) async throws
        -> CloudContent
    {
        try await createContent(spaceId: spaceId, title: title, body: body, parentId: parentId)
    }

    public func createBlogPost(spaceId: String, title: String, body: ContentBody) async throws -> CloudContent {
        try await createContent(spaceId: spaceId, title: title, body: body, blogPost: true)
    }

    /// `GET /wiki/api/v2/pages?space-id=…&title=…` (current pages; titles are unique per space).
    public func findContent(spaceId: String, title: String, blogPost: Bool = false) async throws -> CloudContent? {
        let path =
            "\(Self.v2)/\(Self.collection(blogPost))"
            + Self.query([("space-id", spaceId), ("title", title), ("status", "current"), ("limit", "1")])
        let reply = try await send("GET", path)
        try check(reply, "Looking up '\(title)'")
        let results = reply.object["results"] as? [[String: Any]] ?? []
        return try decodeArray(CloudContent.self, results, "Looking up '\(title)'").first
    }

    /// `GET /wiki/api/v2/pages/{id}?body-format=…`.
    public func content(
        id: String, bodyFormat: ContentBody.Representation? = .atlasDocFormat, blogPost: Bool = false
    ) async throws -> CloudContent {
        var query: [(String, String)] = []
        if let bodyFormat { query.append(("body-format", bodyFormat.rawValue)) }
        let operation = "Reading \(blogPost ? "blog post" : "page") \(id)"
        let reply = try await send("GET", "\(Self.v2)/\(Self.collection(blogPost))/\(id)" + Self.query(query))
        try check(reply, operation, id: id)
        return try decode(CloudContent.self, from: reply, operation)
    }

    /// `PUT /wiki/api/v2/pages/{id}` with `version.number = version`. A repeat of an update
    /// that already took effect (409 after a retried attempt) is recognised and returns the page.
    public func updateContent(
        id: String, title: String, body: ContentBody, version: Int, message: String? = nil, parentId: String? = nil,
        blogPost: Bool = false
    ) async throws -> CloudContent {
        var json: [String: Any] = [
            "id": id, "status": "current", "title": title,
            "body": ["representation": body.representation.rawValue, "value": body.value],
            "version": ["number": version, "message": message ?? ""],
        ]
        if let parentId, !blogPost { json["parentId"] = parentId }
        let operation = "Updating \(blogPost ? "blog post" : "page") \(id) to version \(version)"
        let reply = try await send("PUT", "\(Self.v2)/\(Self.collection(blogPost))/\(id)", payload: .json(json))
        if reply.status == 409, reply.response.attempts > 1 {
            // An earlier attempt may have applied this very update before its response was lost.
            let current = try await content(id: id, bodyFormat: nil, blogPost: blogPost)
            if current.version.number == version, current.title == title { return current }
        }
        try check(reply, operation, id: id)
        return try decode(CloudContent.self, from: reply, operation)
    }

    public func updatePage(
        id: String, title: String, body: ContentBody, version: Int, message: String? = nil
    )
        async throws -> CloudContent
    {
        try await updateContent(id: id, title: title, body: body, version: version, message: message)
    }

    /// `GET /wiki/api/v2/pages/{id}/children`, every page of results, in position order.
    public func children(of pageId: String) async throws -> [CloudChildPage] {
        let items = try await collect(
            "\(Self.v2)/pages/\(pageId)/children" + Self.query([("limit", "250")]), "Listing children of \(pageId)")
        return try decodeArray(CloudChildPage.self, items, "Listing children of \(pageId)")
    }

    /// `PUT /wiki/rest/api/content/{id}/move/{position}/{targetId}`.
    public func movePage(id: String, position: MovePosition, targetId: String) async throws {
        let reply = try await send("PUT", "\(Self.v1)/content/\(id)/move/\(position.rawValue)/\(targetId)")
        try check(reply, "Moving page \(id) \(position.rawValue) \(targetId)", id: id)
    }

    // MARK: comments

    /// `POST /wiki/api/v2/footer-comments`; exactly once (reconciled by body text).
    public func createFooterComment(on container: CommentContainer, body: ContentBody) async throws -> CloudComment {
        var json: [String: Any] = ["body": ["representation": body.representation.rawValue, "value": body.value]]
        switch container {
        case .page(let id): json["pageId"] = id
        case .blogPost(let id): json["blogPostId"] = id
        case .reply(let id): json["parentCommentId"] = id
        }
        let operation = "Adding a footer comment to \(container)"
        return try await createExactlyOnce(
            operation,
            attempt: { try await send("POST", "\(Self.v2)/footer-comments", payload: .json(json)) },
            find: { try await findComment(on: container, location: "footer", body: body) },
            decode: { try decode(CloudComment.self, from: $0, operation) })
    }

    /// `POST /wiki/api/v2/inline-comments` with `inlineCommentProperties` (top-level comments only).
    public func createInlineComment(
        on container: CommentContainer, body: ContentBody, textSelection: String? = nil, matchCount: Int = 1,
        matchIndex: Int = 0
    ) async throws -> CloudComment {
        var json: [String: Any] = ["body": ["representation": body.representation.rawValue, "value": body.value]]
        switch container {
        case .page(let id): json["pageId"] = id
        case .blogPost(let id): json["blogPostId"] = id
        case .reply(let id): json["parentCommentId"] = id
        }
        if let textSelection {
            json["inlineCommentProperties"] = [
                "textSelection": textSelection, "textSelectionMatchCount": matchCount,
                "textSelectionMatchIndex": matchIndex,
            ]
        }
        let operation = "Adding an inline comment to \(container)"
        return try await createExactlyOnce(
            operation,
            attempt: { try await send("POST", "\(Self.v2)/inline-comments", payload: .json(json)) },
            find: { try await findComment(on: container, location: "inline", body: body) },
            decode: { try decode(CloudComment.self, from: $0, operation) })
    }

    /// Comments on a page or blog post (`GET /wiki/api/v2/pages/{id}/footer-comments` …).
    public func comments(
        on container: CommentContainer, location: String = "footer", bodyFormat: ContentBody.Representation = .storage
    )
        async throws -> [CloudComment]
    {
        let path: String
        switch container {
        case .page(let id): path = "\(Self.v2)/pages/\(id)/\(location)-comments"
        case .blogPost(let id): path = "\(Self.v2)/blogposts/\(id)/\(location)-comments"
        case .reply(let id): path = "\(Self.v2)/\(location)-comments/\(id)/children"
        }
        let items = try await collect(
            path + Self.query([("body-format", bodyFormat.rawValue), ("limit", "250")]), "Listing comments")
        return try decodeArray(CloudComment.self, items, "Listing comments")
    }

    func findComment(on container: CommentContainer, location: String, body: ContentBody) async throws -> CloudComment?
    {
        try await comments(on: container, location: location, bodyFormat: body.representation).first {
            $0.body?[body.representation.rawValue]?.value == body.value
        }
    }

    // MARK: labels

    /// `POST /wiki/rest/api/content/{id}/label`: adds (never removes); safe to repeat.
    public func addLabels(contentId: String, labels: [CloudLabel]) async throws {
        let json = labels.map { ["prefix": $0.prefix ?? "global", "name": $0.name] }
        let reply = try await send(
            "POST", "\(Self.v1)/content/\(contentId)/label", payload: .json(json), retrySafety: .idempotent)
        try check(reply, "Labelling \(contentId)", id: contentId)
    }

    /// `DELETE /wiki/rest/api/content/{id}/label/{name}`; a label already gone (404) counts as done.
    public func removeLabel(contentId: String, name: String) async throws {
        let reply = try await send("DELETE", "\(Self.v1)/content/\(contentId)/label/\(Self.encodePath(name))")
        if reply.status == 404 { return }
        try check(reply, "Removing label \(name) from \(contentId)", id: contentId)
    }

    /// `GET /wiki/api/v2/pages/{id}/labels`.
    public func labels(pageId: String, blogPost: Bool = false) async throws -> [CloudLabel] {
        let items = try await collect(
            "\(Self.v2)/\(Self.collection(blogPost))/\(pageId)/labels" + Self.query([("limit", "250")]),
            "Reading labels of \(pageId)")
        return try decodeArray(CloudLabel.self, items, "Reading labels of \(pageId)")
    }

    // MARK: attachments

    static func attachment(from item: [String: Any], containerId: String) -> CloudAttachment? {
        guard let id = item["id"] as? String, let title = item["title"] as? String else { return nil }
        let extensions = item["extensions"] as? [String: Any] ?? [:]
        let version = (item["version"] as? [String: Any])?["number"] as? Int ?? 1
        return CloudAttachment(
            id: id, title: title, containerId: containerId,
            mediaType: extensions["mediaType"] as? String ?? "application/octet-stream",
            fileSize: extensions["fileSize"] as? Int ?? 0, fileId: extensions["fileId"] as? String ?? "",
            collectionName: extensions["collectionName"] as? String ?? "contentId-\(containerId)", version: version,
            downloadPath: (item["_links"] as? [String: Any])?["download"] as? String)
    }

    /// Uploads a file from disk with `POST /wiki/rest/api/content/{id}/child/attachment`
    /// (multipart, `minorEdit=true`, `X-Atlassian-Token: nocheck`), streaming it as it is
    /// sent. `newVersion` uses PUT, which adds a version when the file name exists.
    public func uploadAttachment(
        contentId: String, filePath: String, filename: String, mediaType: String = "application/octet-stream",
        comment: String? = nil, newVersion: Bool = false
    ) async throws -> CloudAttachment {
        var parts: [MultipartBody.Part] = [
            .file(name: "file", filename: filename, contentType: mediaType, path: filePath)
        ]
        parts.append(.field(name: "minorEdit", value: "true", contentType: nil))
        if let comment {
            parts.append(.field(name: "comment", value: comment, contentType: "text/plain; charset=utf-8"))
        }
        let multipart = MultipartBody(parts: parts)
        let operation = "Uploading \(filename) to \(contentId)"
        let path = "\(Self.v1)/content/\(contentId)/child/attachment"
        if newVersion {
            // PUT creates or adds a version: repeating it after an unknown outcome could add a
            // second version, so it is reconciled like a create (by the version count).
            let before = try await attachments(contentId: contentId, filename: filename).first?.version ?? 0
            return try await createExactlyOnce(
                operation,
                attempt: { try await send("PUT", path, payload: .multipart(multipart), retrySafety: .idempotent) },
                find: {
                    try await attachments(contentId: contentId, filename: filename).first.flatMap {
                        $0.version > before ? $0 : nil
                    }
                },
                decode: { try Self.firstAttachment($0, containerId: contentId, operation) })
        }
        return try await createExactlyOnce(
            operation,
            attempt: { try await send("POST", path, payload: .multipart(multipart)) },
            find: { try await attachments(contentId: contentId, filename: filename).first },
            decode: { try Self.firstAttachment($0, containerId: contentId, operation) })
    }

    static func firstAttachment(_ reply: Reply, containerId: String, _ operation: String) throws -> CloudAttachment {
        let items = reply.object["results"] as? [[String: Any]] ?? [reply.object]
        guard let first = items.first, let attachment = attachment(from: first, containerId: containerId) else {
            throw CloudError.malformedResponse(operation: operation, detail: "no attachment in the response")
        }
        return attachment
    }

    /// `GET /wiki/rest/api/content/{id}/child/attachment[?filename=…]`, every page.
    public func attachments(contentId: String, filename: String? = nil) async throws -> [CloudAttachment] {
        var query: [(String, String)] = [("limit", "200")]
        if let filename { query.append(("filename", filename)) }
        let items = try await collect(
            "\(Self.v1)/content/\(contentId)/child/attachment" + Self.query(query), "Listing attachments")
        return items.compactMap { Self.attachment(from: $0, containerId: contentId) }
    }

    /// `GET /wiki/api/v2/attachments/{id}`: the file id ADF media nodes reference.
    public func attachment(id: String) async throws -> CloudAttachment {
        let reply = try await send("GET", "\(Self.v2)/attachments/\(id)")
        try check(reply, "Reading attachment \(id)", id: id)
        let object = reply.object
        let container = (object["pageId"] as? String) ?? (object["blogPostId"] as? String) ?? ""
        guard let fileId = object["fileId"] as? String, let title = object["title"] as? String else {
            throw CloudError.malformedResponse(operation: "Reading attachment \(id)", detail: "no fileId")
        }
        return CloudAttachment(
            id: id, title: title, containerId: container, mediaType: object["mediaType"] as? String ?? "",
            fileSize: object["fileSize"] as? Int ?? 0, fileId: fileId, collectionName: "contentId-\(container)",
            version: (object["version"] as? [String: Any])?["number"] as? Int ?? 1,
            downloadPath: object["downloadLink"] as? String)
    }

    // MARK: content properties

    static func property(_ object: [String: Any]) -> CloudProperty? {
        guard let id = object["id"] as? String, let key = object["key"] as? String else { return nil }
        let value = object["value"].flatMap {
            try? JSONSerialization.data(withJSONObject: $0, options: [.fragmentsAllowed, .sortedKeys])
        }
        return CloudProperty(
            id: id, key: key, valueJSON: value.map { String(decoding: $0, as: UTF8.self) } ?? "null",
            version: (object["version"] as? [String: Any])?["number"] as? Int ?? 1)
    }

    /// `POST /wiki/api/v2/pages/{id}/properties` with a JSON value (given as JSON text).
    public func createProperty(
        pageId: String, key: String, valueJSON: String, blogPost: Bool = false
    ) async throws
        -> CloudProperty
    {
        let value = try JSONSerialization.jsonObject(with: Data(valueJSON.utf8), options: [.fragmentsAllowed])
        let operation = "Setting property \(key) on \(pageId)"
        let path = "\(Self.v2)/\(Self.collection(blogPost))/\(pageId)/properties"
        return try await createExactlyOnce(
            operation,
            attempt: { try await send("POST", path, payload: .json(["key": key, "value": value])) },
            find: { try await properties(pageId: pageId, key: key, blogPost: blogPost).first },
            decode: { reply in
                guard let property = Self.property(reply.object) else {
                    throw CloudError.malformedResponse(operation: operation, detail: "no property in the response")
                }
                return property
            })
    }

    public func properties(pageId: String, key: String? = nil, blogPost: Bool = false) async throws -> [CloudProperty] {
        var query: [(String, String)] = [("limit", "250")]
        if let key { query.append(("key", key)) }
        let items = try await collect(
            "\(Self.v2)/\(Self.collection(blogPost))/\(pageId)/properties" + Self.query(query),
            "Reading properties of \(pageId)")
        return items.compactMap(Self.property)
    }

    /// `PUT /wiki/api/v2/pages/{id}/properties/{property-id}` with `version = current + 1`.
    public func updateProperty(
        pageId: String, property: CloudProperty, valueJSON: String, blogPost: Bool = false
    )
        async throws -> CloudProperty
    {
        let value = try JSONSerialization.jsonObject(with: Data(valueJSON.utf8), options: [.fragmentsAllowed])
        let json: [String: Any] = ["key": property.key, "value": value, "version": ["number": property.version + 1]]
        let operation = "Updating property \(property.key) on \(pageId)"
        let reply = try await send(
            "PUT", "\(Self.v2)/\(Self.collection(blogPost))/\(pageId)/properties/\(property.id)", payload: .json(json))
        if reply.status == 409, reply.response.attempts > 1,
            let current = try await properties(pageId: pageId, key: property.key, blogPost: blogPost).first,
            current.version == property.version + 1
        {
            return current
        }
        try check(reply, operation, id: pageId)
        guard let updated = Self.property(reply.object) else {
            throw CloudError.malformedResponse(operation: operation, detail: "no property in the response")
        }
        return updated
    }

    // MARK: restrictions

    /// `PUT /wiki/rest/api/content/{id}/restriction`: replaces every restriction (safe to repeat).
    public func setRestrictions(contentId: String, _ restrictions: [CloudRestriction]) async throws {
        let json = restrictions.map { restriction -> [String: Any] in
            [
                "operation": restriction.operation,
                "restrictions": [
                    "user": restriction.userAccountIds.map { ["type": "known", "accountId": $0] },
                    "group": restriction.groupNames.map { ["type": "group", "name": $0] },
                ],
            ]
        }
        let reply = try await send("PUT", "\(Self.v1)/content/\(contentId)/restriction", payload: .json(json))
        try check(reply, "Restricting \(contentId)", id: contentId)
    }

    /// `GET /wiki/rest/api/content/{id}/restriction/byOperation`.
    public func restrictions(contentId: String) async throws -> [CloudRestriction] {
        let reply = try await send("GET", "\(Self.v1)/content/\(contentId)/restriction/byOperation")
        try check(reply, "Reading restrictions of \(contentId)", id: contentId)
        return ["read", "update"].compactMap { operation in
            guard let item = reply.object[operation] as? [String: Any],
                let restrictions = item["restrictions"] as? [String: Any]
            else { return nil }
            let users = ((restrictions["user"] as? [String: Any])?["results"] as? [[String: Any]] ?? []).compactMap {
                $0["accountId"] as? String
            }
            let groups = ((restrictions["group"] as? [String: Any])?["results"] as? [[String: Any]] ?? []).compactMap {
                $0["name"] as? String
            }
            guard !users.isEmpty || !groups.isEmpty else { return nil }
            return CloudRestriction(operation: operation, userAccountIds: users, groupNames: groups)
        }
    }

    // MARK: space permissions

    /// `POST /wiki/rest/api/space/{key}/permission`. "Permission already exists" after an
    /// unknown outcome counts as done: an outcome is unknown after an interrupted or 5xx
    /// attempt here, or when `attemptedBefore` says an earlier run sent it and then stopped.
    public func addSpacePermission(
        spaceKey: String, _ permission: CloudSpacePermission, attemptedBefore: Bool = false
    ) async throws {
        let json: [String: Any] = [
            "subject": ["type": permission.subjectType.rawValue, "identifier": permission.identifier],
            "operation": ["key": permission.operation, "target": permission.target],
        ]
        let operation =
            "Granting \(permission.operation) \(permission.target) in \(spaceKey) to \(permission.identifier)"
        var uncertain = attemptedBefore
        for round in 0...reconcileRounds {
            let reply: Reply
            do {
                reply = try await send(
                    "POST", "\(Self.v1)/space/\(Self.encodePath(spaceKey))/permission", payload: .json(json))
            } catch let error as TransportError {
                if case .interrupted = error, round < reconcileRounds {
                    uncertain = true
                    continue
                }
                throw error
            }
            if (200..<300).contains(reply.status) { return }
            if reply.status >= 500, round < reconcileRounds {
                uncertain = true
                continue
            }
            if reply.status == 400, uncertain, Self.message(of: reply).contains("already exists") { return }
            try check(reply, operation)
        }
        throw CloudError.unresolved(operation: operation, detail: "no definite answer")
    }

    // MARK: users

    /// `GET /wiki/rest/api/user/bulk/migration?username=…`: Cloud account ids for Server user names.
    public func migratedUsers(usernames: [String]) async throws -> [CloudMigratedUser] {
        var found: [CloudMigratedUser] = []
        for chunk in stride(from: 0, to: usernames.count, by: 100).map({
            Array(usernames[$0..<min($0 + 100, usernames.count)])
        }) {
            let items = try await collect(
                "\(Self.v1)/user/bulk/migration" + Self.query(chunk.map { ("username", $0) } + [("limit", "200")]),
                "Looking up migrated users")
            found += try decodeArray(CloudMigratedUser.self, items, "Looking up migrated users")
        }
        return found
    }

    /// `POST /wiki/api/v2/users-bulk` (a read: safe to repeat), in chunks of 250.
    public func users(accountIds: [String]) async throws -> [CloudUser] {
        var found: [CloudUser] = []
        for start in stride(from: 0, to: accountIds.count, by: 250) {
            let chunk = Array(accountIds[start..<min(start + 250, accountIds.count)])
            let reply = try await send(
                "POST", "\(Self.v2)/users-bulk", payload: .json(["accountIds": chunk]), retrySafety: .idempotent)
            try check(reply, "Looking up users")
            found += try decodeArray(
                CloudUser.self, reply.object["results"] as? [[String: Any]] ?? [], "Looking up users")
        }
        return found
    }
}
