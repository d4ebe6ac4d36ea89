import Foundation

extension CloudTwin {
    static let v2 = "/wiki/api/v2"

    static func makeRoutes() -> [Route] {
        v2Routes() + v1Routes() + identityRoutes()
    }

    func renderer(_ request: TwinRequest) -> Renderer { Renderer(store: store, base: request.base) }

    static func bodyFormat(_ request: TwinRequest) throws -> String? {
        guard let format = request.query("body-format") else { return nil }
        guard
            ["storage", "atlas_doc_format", "view", "export_view", "anonymous_export_view", "styled_view", "editor"]
                .contains(format)
        else {
            throw APIFailure.badRequest("Invalid body-format '\(format)'.")
        }
        return format
    }

    /// Reads `{"representation","value"}` or the nested `{"storage": {...}}` form of a body.
    static func bodyField(_ json: JSONValue) throws -> (String, String) {
        guard let body = json["body"]?.object else { throw APIFailure.badRequest("body is required.") }
        if let representation = body["representation"]?.string {
            guard let value = body["value"]?.string else { throw APIFailure.badRequest("body.value must be a string.") }
            return (representation, value)
        }
        for key in ["atlas_doc_format", "storage", "wiki"] {
            if let nested = body[key]?.object, let value = nested["value"]?.string {
                return (nested["representation"]?.string ?? key, value)
            }
        }
        throw APIFailure.badRequest("body must have representation and value.")
    }

    static func contentKind(_ name: String) -> ContentKind { name == "blogposts" ? .blogpost : .page }

    static func v2Routes() -> [Route] {
        var routes: [Route] = []
        // Spaces
        routes.append(
            Route("GET", "\(v2)/spaces", .spaces) { twin, request in
                let keys = request.queryList("keys")
                let ids = request.queryList("ids").compactMap(Int.init)
                let spaces = await twin.store.allSpaces().filter {
                    (keys.isEmpty || keys.contains($0.key)) && (ids.isEmpty || ids.contains($0.id))
                }
                let r = twin.renderer(request)
                return try Cursor.page(spaces.map { ($0.id, r.space($0)) }, request: request)
            })
        routes.append(
            Route("GET", "\(v2)/spaces/{id}", .spaces) { twin, request in
                guard let space = await twin.store.space(id: try request.intParam("id")) else {
                    throw APIFailure.notFound("Space \(request.params["id"] ?? "") does not exist.")
                }
                return .json(twin.renderer(request).space(space))
            })
        for kind in ["pages", "blogposts"] {
            routes.append(
                Route("GET", "\(v2)/spaces/{id}/\(kind)", kind == "pages" ? .pages : .blogposts) { twin, request in
                    let spaceId = try request.intParam("id")
                    guard let space = await twin.store.space(id: spaceId) else {
                        throw APIFailure.notFound("Space \(spaceId) does not exist.")
                    }
                    let format = try bodyFormat(request)
                    let statuses = request.queryList("status").isEmpty ? ["current"] : request.queryList("status")
                    let title = request.query("title")
                    let rootOnly = request.query("depth") == "root"
                    let items = await twin.store.allContents().filter {
                        $0.spaceId == spaceId && $0.kind == contentKind(kind) && statuses.contains($0.status)
                            && (title == nil || $0.title == title)
                            && (!rootOnly || $0.parentId == nil || $0.id == space.homepageId)
                    }
                    return try await twin.pageOfContent(items, format: format, request: request)
                })
        }
        routes.append(
            Route("GET", "\(v2)/spaces/{id}/permissions", .permissions) { twin, request in
                let spaceId = try request.intParam("id")
                guard await twin.store.space(id: spaceId) != nil else {
                    throw APIFailure.notFound("Space \(spaceId) does not exist.")
                }
                let r = twin.renderer(request)
                return try Cursor.page(
                    await twin.store.permissions(spaceId: spaceId).map { ($0.id, r.permission($0)) }, request: request)
            })
        routes.append(
            Route("GET", "\(v2)/spaces/{id}/labels", .labels) { twin, request in
                let spaceId = try request.intParam("id")
                guard await twin.store.space(id: spaceId) != nil else {
                    throw APIFailure.notFound("Space \(spaceId) does not exist.")
                }
                let r = twin.renderer(request)
                return try Cursor.page(
                    await twin.store.labels(containerId: spaceId).map { ($0.id, r.label($0)) }, request: request)
            })
        // Pages and blog posts
        for kind in ["pages", "blogposts"] {
            let group: EndpointGroup = kind == "pages" ? .pages : .blogposts
            routes.append(
                Route("GET", "\(v2)/\(kind)", group) { twin, request in
                    let spaceIds = request.queryList("space-id").compactMap(Int.init)
                    let ids = request.queryList("id").compactMap(Int.init)
                    let statuses = request.queryList("status").isEmpty ? ["current"] : request.queryList("status")
                    let title = request.query("title")
                    let format = try bodyFormat(request)
                    let items = await twin.store.allContents().filter {
                        $0.kind == contentKind(kind) && statuses.contains($0.status)
                            && (spaceIds.isEmpty || spaceIds.contains($0.spaceId))
                            && (ids.isEmpty || ids.contains($0.id))
                            && (title == nil || $0.title == title)
                    }
                    return try await twin.pageOfContent(items, format: format, request: request)
                })
            routes.append(
                Route("POST", "\(v2)/\(kind)", group) { twin, request in
                    let json = try request.json()
                    guard let spaceId = json["spaceId"]?.int else {
                        throw APIFailure.badRequest("spaceId is required.")
                    }
                    let (representation, value) = try bodyField(json)
                    let status = json["status"]?.string ?? "current"
                    let record = try await twin.store.createContent(
                        kind: contentKind(kind), spaceId: spaceId, parentId: json["parentId"]?.int,
                        rootLevel: request.query("root-level") == "true", title: json["title"]?.string ?? "",
                        status: status, representation: representation, value: value)
                    let format = representation == "wiki" ? "storage" : representation
                    return .json(await twin.renderer(request).content(record, bodyFormat: format))
                })
            routes.append(
                Route("GET", "\(v2)/\(kind)/{id}", group) { twin, request in
                    let id = try request.intParam("id")
                    guard let record = await twin.store.content(id), record.kind == contentKind(kind) else {
                        throw APIFailure.notFound("\(kind == "pages" ? "Page" : "Blog post") \(id) does not exist.")
                    }
                    return .json(await twin.renderer(request).content(record, bodyFormat: try bodyFormat(request)))
                })
            routes.append(
                Route("PUT", "\(v2)/\(kind)/{id}", group) { twin, request in
                    let id = try request.intParam("id")
                    let json = try request.json()
                    guard let version = json["version"]?["number"]?.int else {
                        throw APIFailure.badRequest("version.number is required.")
                    }
                    guard let status = json["status"]?.string else {
                        throw APIFailure.badRequest("status is required.")
                    }
                    guard let title = json["title"]?.string else { throw APIFailure.badRequest("title is required.") }
                    let (representation, value) = try bodyField(json)
                    if let bodyId = json["id"]?.int, bodyId != id {
                        throw APIFailure.badRequest("The id in the body does not match the path.")
                    }
                    let record = try await twin.store.updateContent(
                        id: id, kind: contentKind(kind), title: title, status: status, representation: representation,
                        value: value, version: version, message: json["version"]?["message"]?.string,
                        parentId: json["parentId"]?.int, spaceId: json["spaceId"]?.int)
                    let format = representation == "wiki" ? "storage" : representation
                    return .json(await twin.renderer(request).content(record, bodyFormat: format))
                })
            routes.append(
                Route("DELETE", "\(v2)/\(kind)/{id}", group) { twin, request in
                    try await twin.store.deleteContent(
                        id: try request.intParam("id"), kind: contentKind(kind), purge: request.query("purge") == "true"
                    )
                    return .empty()
                })
            routes.append(
                Route("GET", "\(v2)/\(kind)/{id}/labels", .labels) { twin, request in
                    let id = try request.intParam("id")
                    guard await twin.store.content(id) != nil else {
                        throw APIFailure.notFound("Content \(id) does not exist.")
                    }
                    let r = twin.renderer(request)
                    let prefix = request.query("prefix")
                    let labels = await twin.store.labels(containerId: id).filter {
                        prefix == nil || $0.prefix == prefix
                    }
                    return try Cursor.page(labels.map { ($0.id, r.label($0)) }, request: request)
                })
            routes.append(
                Route("GET", "\(v2)/\(kind)/{id}/attachments", .attachments) { twin, request in
                    let id = try request.intParam("id")
                    guard await twin.store.content(id) != nil else {
                        throw APIFailure.notFound("Content \(id) does not exist.")
                    }
                    let r = twin.renderer(request)
                    let filename = request.query("filename")
                    let items = await twin.store.attachments(containerId: id).filter {
                        filename == nil || $0.title == filename
                    }
                    return try Cursor.page(items.map { ($0.id, r.attachment($0)) }, request: request, defaultLimit: 50)
                })
            for location in ["footer", "inline"] {
                routes.append(
                    Route("GET", "\(v2)/\(kind)/{id}/\(location)-comments", .comments) { twin, request in
                        let id = try request.intParam("id")
                        guard await twin.store.content(id) != nil else {
                            throw APIFailure.notFound("Content \(id) does not exist.")
                        }
                        let format = try bodyFormat(request)
                        let r = twin.renderer(request)
                        var items: [(id: Int, json: JSONValue)] = []
                        for comment in await twin.store.comments(containerId: id, location: location)
                        where comment.parentCommentId == nil {
                            items.append((comment.id, await r.comment(comment, bodyFormat: format)))
                        }
                        return try Cursor.page(items, request: request)
                    })
            }
            routes.append(
                Route("GET", "\(v2)/\(kind)/{id}/versions", group) { twin, request in
                    let id = try request.intParam("id")
                    guard let record = await twin.store.content(id) else {
                        throw APIFailure.notFound("Content \(id) does not exist.")
                    }
                    let r = twin.renderer(request)
                    let items = [
                        (
                            record.version,
                            r.version(
                                number: record.version, message: record.versionMessage, at: record.updatedAt,
                                author: record.authorId)
                        )
                    ]
                    return try Cursor.page(items, request: request)
                })
        }
        routes.append(
            Route("GET", "\(v2)/pages/{id}/children", .pages) { twin, request in
                let id = try request.intParam("id")
                guard await twin.store.content(id) != nil else {
                    throw APIFailure.notFound("Page \(id) does not exist.")
                }
                let children = await twin.store.children(of: id).filter { $0.kind == .page }
                // Children are listed in position order; the cursor is the position index.
                let items = children.enumerated().map { index, child -> (id: Int, json: JSONValue) in
                    (
                        index + 1,
                        [
                            "id": .string(String(child.id)), "status": .string(child.status),
                            "title": .string(child.title),
                            "spaceId": .string(String(child.spaceId)), "childPosition": JSONValue(child.position),
                        ]
                    )
                }
                return try Cursor.page(items, request: request)
            })
        routes.append(
            Route("GET", "\(v2)/pages/{id}/ancestors", .pages) { twin, request in
                let id = try request.intParam("id")
                guard await twin.store.content(id) != nil else {
                    throw APIFailure.notFound("Page \(id) does not exist.")
                }
                let ancestors = await twin.store.ancestors(of: id).reversed()
                let items = ancestors.enumerated().map { index, a -> (id: Int, json: JSONValue) in
                    (index + 1, ["id": .string(String(a.id)), "type": "page"])
                }
                return try Cursor.page(items, request: request)
            })
        // Comments
        for location in ["footer", "inline"] {
            routes.append(
                Route("POST", "\(v2)/\(location)-comments", .comments) { twin, request in
                    let json = try request.json()
                    let (representation, value) = try bodyField(json)
                    let props = json["inlineCommentProperties"]
                    if location == "footer", json["attachmentId"] != nil || json["customContentId"] != nil {
                        throw APIFailure.badRequest(
                            "Comments on attachments and custom content are not supported by the twin.")
                    }
                    let record = try await twin.store.createComment(
                        location: location, pageId: json["pageId"]?.int, blogPostId: json["blogPostId"]?.int,
                        parentCommentId: json["parentCommentId"]?.int, representation: representation, value: value,
                        selection: props?["textSelection"]?.string, matchCount: props?["textSelectionMatchCount"]?.int,
                        matchIndex: props?["textSelectionMatchIndex"]?.int)
                    return .json(await twin.renderer(request).comment(record, bodyFormat: representation), status: 201)
                })
            routes.append(
                Route("GET", "\(v2)/\(location)-comments/{comment-id}", .comments) { twin, request in
                    let id = try request.intParam("comment-id")
                    guard let record = await twin.store.comment(id), record.location == location else {
                        throw APIFailure.notFound("Comment \(id) does not exist.")
                    }
                    return .json(await twin.renderer(request).comment(record, bodyFormat: try bodyFormat(request)))
                })
            routes.append(
                Route("PUT", "\(v2)/\(location)-comments/{comment-id}", .comments) { twin, request in
                    let id = try request.intParam("comment-id")
                    let json = try request.json()
                    let (representation, value) = try bodyField(json)
                    guard let version = json["version"]?["number"]?.int else {
                        throw APIFailure.badRequest("version.number is required.")
                    }
                    let record = try await twin.store.updateComment(
                        id: id, representation: representation, value: value, version: version)
                    return .json(await twin.renderer(request).comment(record, bodyFormat: representation))
                })
            routes.append(
                Route("DELETE", "\(v2)/\(location)-comments/{comment-id}", .comments) { twin, request in
                    try await twin.store.deleteComment(id: try request.intParam("comment-id"))
                    return .empty()
                })
            routes.append(
                Route("GET", "\(v2)/\(location)-comments/{id}/children", .comments) { twin, request in
                    let id = try request.intParam("id")
                    guard let parent = await twin.store.comment(id) else {
                        throw APIFailure.notFound("Comment \(id) does not exist.")
                    }
                    let format = try bodyFormat(request)
                    let r = twin.renderer(request)
                    var items: [(id: Int, json: JSONValue)] = []
                    for comment in await twin.store.comments(containerId: parent.containerId, location: location)
                    where comment.parentCommentId == id {
                        items.append((comment.id, await r.comment(comment, bodyFormat: format)))
                    }
                    return try Cursor.page(items, request: request)
                })
        }
        // Attachments
        routes.append(
            Route("GET", "\(v2)/attachments/{id}", .attachments) { twin, request in
                guard let id = parseAttachmentId(request.params["id"]), let record = await twin.store.attachment(id)
                else {
                    throw APIFailure.notFound("Attachment \(request.params["id"] ?? "") does not exist.")
                }
                return .json(twin.renderer(request).attachment(record))
            })
        routes.append(
            Route("DELETE", "\(v2)/attachments/{id}", .attachments) { twin, request in
                guard let id = parseAttachmentId(request.params["id"]) else {
                    throw APIFailure.notFound("Attachment \(request.params["id"] ?? "") does not exist.")
                }
                try await twin.store.deleteAttachment(id: id)
                return .empty()
            })
        // Content properties
        for (container, parameter, type) in [
            ("pages", "page-id", "page"), ("blogposts", "blogpost-id", "blogpost"), ("spaces", "space-id", "space"),
            ("attachments", "attachment-id", "attachment"),
        ] {
            @Sendable func containerId(_ twin: CloudTwin, _ request: TwinRequest) async throws -> Int {
                let raw = request.params[parameter]
                let id = type == "attachment" ? parseAttachmentId(raw) : raw.flatMap(Int.init)
                guard let id else { throw APIFailure.notFound("\(type) \(raw ?? "") does not exist.") }
                let exists: Bool
                switch type {
                case "space": exists = await twin.store.space(id: id) != nil
                case "attachment": exists = await twin.store.attachment(id) != nil
                default: exists = await twin.store.content(id).map { $0.kind.rawValue == type } ?? false
                }
                guard exists else { throw APIFailure.notFound("\(type) \(raw ?? "") does not exist.") }
                return id
            }
            routes.append(
                Route("GET", "\(v2)/\(container)/{\(parameter)}/properties", .properties) { twin, request in
                    let id = try await containerId(twin, request)
                    let r = twin.renderer(request)
                    return try Cursor.page(
                        await twin.store.properties(containerId: id, key: request.query("key")).map {
                            ($0.id, r.property($0))
                        }, request: request)
                })
            routes.append(
                Route("POST", "\(v2)/\(container)/{\(parameter)}/properties", .properties) { twin, request in
                    let id = try await containerId(twin, request)
                    let json = try request.json()
                    guard let key = json["key"]?.string else { throw APIFailure.badRequest("key is required.") }
                    let record = try await twin.store.createProperty(
                        containerId: id, containerType: type, key: key, value: json["value"] ?? .null)
                    return .json(twin.renderer(request).property(record))
                })
            routes.append(
                Route("GET", "\(v2)/\(container)/{\(parameter)}/properties/{property-id}", .properties) {
                    twin, request in
                    let id = try await containerId(twin, request)
                    guard let record = await twin.store.property(try request.intParam("property-id"), containerId: id)
                    else {
                        throw APIFailure.notFound("Property \(request.params["property-id"] ?? "") does not exist.")
                    }
                    return .json(twin.renderer(request).property(record))
                })
            routes.append(
                Route("PUT", "\(v2)/\(container)/{\(parameter)}/properties/{property-id}", .properties) {
                    twin, request in
                    let id = try await containerId(twin, request)
                    let json = try request.json()
                    guard let version = json["version"]?["number"]?.int else {
                        throw APIFailure.badRequest("version.number is required.")
                    }
                    let record = try await twin.store.updateProperty(
                        id: try request.intParam("property-id"), containerId: id, key: json["key"]?.string,
                        value: json["value"] ?? .null, version: version)
                    return .json(twin.renderer(request).property(record))
                })
            routes.append(
                Route("DELETE", "\(v2)/\(container)/{\(parameter)}/properties/{property-id}", .properties) {
                    twin, request in
                    let id = try await containerId(twin, request)
                    try await twin.store.deleteProperty(id: try request.intParam("property-id"), containerId: id)
                    return .empty()
                })
        }
        // Users
        routes.append(
            Route("POST", "\(v2)/users-bulk", .users) { twin, request in
                let json = try request.json()
                guard let ids = json["accountIds"]?.array?.compactMap(\.string), !ids.isEmpty else {
                    throw APIFailure.badRequest("accountIds is required.")
                }
                guard ids.count <= 250 else { throw APIFailure.badRequest("At most 250 accountIds may be given.") }
                let r = twin.renderer(request)
                var results: [JSONValue] = []
                for id in ids { if let user = await twin.store.user(accountId: id) { results.append(r.user(user)) } }
                return .json(["results": .array(results), "_links": ["base": .string(request.base)]])
            })
        return routes
    }

    static func parseAttachmentId(_ text: String?) -> Int? {
        guard let text else { return nil }
        return Int(text.hasPrefix("att") ? String(text.dropFirst(3)) : text)
    }

    func pageOfContent(_ items: [ContentRecord], format: String?, request: TwinRequest) async throws -> TwinResponse {
        let limit = try request.limit()
        let after = try Cursor.decode(request.query("cursor"))
        let candidates = items.filter { after == nil || $0.id > (after ?? 0) }.prefix(limit + 1)
        let r = renderer(request)
        var rendered: [(id: Int, json: JSONValue)] = []
        for item in candidates { rendered.append((item.id, await r.content(item, bodyFormat: format))) }
        return try Cursor.page(rendered, request: request)
    }
}
