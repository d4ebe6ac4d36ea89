import Foundation

extension CloudTwin {
    static let v1 = "/wiki/rest/api"

    static func expand(_ request: TwinRequest) -> [String] {
        request.queryList("expand")
    }

    static func v1Page(_ request: TwinRequest) throws -> (start: Int, limit: Int) {
        let start = Int(request.query("start") ?? "0") ?? 0
        let limit = min(max(Int(request.query("limit") ?? "25") ?? 25, 1), 500)
        guard start >= 0 else { throw APIFailure.badRequest("start must not be negative.") }
        return (start, limit)
    }

    /// The request path relative to /wiki/rest/api, without paging parameters, for `_links.next`.
    static func v1SelfPath(_ request: TwinRequest) -> String {
        let path = String(request.path.dropFirst(v1.count))
        let query = request.query.filter { $0.0 != "start" && $0.0 != "limit" }
        guard !query.isEmpty else { return path }
        var components = URLComponents()
        components.queryItems = query.map { URLQueryItem(name: $0.0, value: $0.1) }
        return path + (components.string ?? "")
    }

    static func v1ContentBody(_ json: JSONValue) throws -> (String, String)? {
        guard let body = json["body"]?.object else { return nil }
        for key in ["storage", "atlas_doc_format", "wiki", "editor"] {
            if let nested = body[key]?.object {
                guard let value = nested["value"]?.string else {
                    throw APIFailure.badRequest("body.\(key).value must be a string.")
                }
                return (key == "editor" ? "storage" : key, value)
            }
        }
        throw APIFailure.badRequest("body must contain storage, atlas_doc_format or wiki.")
    }

    func contentOr404(_ request: TwinRequest, _ name: String = "id") async throws -> ContentRecord {
        let id = try request.intParam(name)
        guard let record = await store.content(id) else {
            throw APIFailure.notFound("No content found with id: ContentId{id=\(id)}")
        }
        return record
    }

    /// Parses a multipart/form-data body into fields and file parts.
    static func multipart(
        _ request: TwinRequest
    ) throws -> [(name: String, filename: String?, contentType: String?, bytes: ArraySlice<UInt8>)] {
        guard let type = request.headers["content-type"], type.lowercased().hasPrefix("multipart/form-data"),
            let range = type.range(of: "boundary=")
        else { throw APIFailure(status: 415, message: "Attachments must be sent as multipart/form-data.") }
        var boundary = String(type[range.upperBound...])
        if let semicolon = boundary.firstIndex(of: ";") { boundary = String(boundary[..<semicolon]) }
        boundary = boundary.trimmingCharacters(in: CharacterSet(charactersIn: "\" "))
        let delimiter = Array("--\(boundary)".utf8)
        let body = request.body
        var parts: [(String, String?, String?, ArraySlice<UInt8>)] = []
        var positions: [Int] = []
        var index = 0
        while let found = find(delimiter, in: body, from: index) {
            positions.append(found)
            index = found + delimiter.count
        }
        guard positions.count >= 2 else { throw APIFailure.badRequest("The multipart body has no parts.") }
        for (start, end) in zip(positions, positions.dropFirst()) {
            var partStart = start + delimiter.count
            if partStart + 1 < body.count, body[partStart] == 13, body[partStart + 1] == 10 { partStart += 2 }
            var partEnd = end
            if partEnd >= 2, body[partEnd - 2] == 13, body[partEnd - 1] == 10 { partEnd -= 2 }
            guard partStart <= partEnd, let headerEnd = find(Array("\r\n\r\n".utf8), in: body, from: partStart),
                headerEnd <= partEnd
            else { continue }
            let headerText = String(decoding: body[partStart..<headerEnd], as: UTF8.self)
            var name = ""
            var filename: String?
            var contentType: String?
            for line in headerText.components(separatedBy: "\r\n") {
                let lower = line.lowercased()
                if lower.hasPrefix("content-disposition:") {
                    name = parameter("name", in: line) ?? ""
                    filename = parameter("filename", in: line)
                } else if lower.hasPrefix("content-type:") {
                    contentType = line.dropFirst("content-type:".count).trimmingCharacters(in: .whitespaces)
                }
            }
            parts.append((name, filename, contentType, body[(headerEnd + 4)..<partEnd]))
        }
        return parts.map { (name: $0.0, filename: $0.1, contentType: $0.2, bytes: $0.3) }
    }

    static func parameter(_ name: String, in line: String) -> String? {
        for piece in line.split(separator: ";").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            if piece.lowercased().hasPrefix("\(name)=") {
                var value = String(piece.dropFirst(name.count + 1))
                if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 {
                    value = String(value.dropFirst().dropLast())
                }
                return value.replacingOccurrences(of: "\\\"", with: "\"")
            }
        }
        return nil
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard !needle.isEmpty, haystack.count >= needle.count, start <= haystack.count - needle.count else {
            return nil
        }
        let first = needle[0]
        var i = start
        let last = haystack.count - needle.count
        while i <= last {
            if haystack[i] == first {
                var j = 1
                while j < needle.count, haystack[i + j] == needle[j] { j += 1 }
                if j == needle.count { return i }
            }
            i += 1
        }
        return nil
    }

    func upload(_ request: TwinRequest, mode: String) async throws -> TwinResponse {
        let container = try await contentOr404(request)
        let parts = try Self.multipart(request)
        let comment = parts.first { $0.name == "comment" }.map { String(decoding: $0.bytes, as: UTF8.self) } ?? ""
        let files = parts.filter { $0.name == "file" && $0.filename != nil }
        guard !files.isEmpty else { throw APIFailure.badRequest("The multipart body has no 'file' part.") }
        let attachmentId = mode == "data" ? Self.parseAttachmentId(request.params["attachmentId"]) : nil
        if mode == "data", attachmentId == nil {
            throw APIFailure.notFound("Attachment \(request.params["attachmentId"] ?? "") does not exist.")
        }
        var results: [JSONValue] = []
        let r = renderer(request)
        for file in files {
            guard Int64(file.bytes.count) <= configuration.maxAttachmentSize else {
                throw APIFailure.notFound(
                    "The attachment \(file.filename ?? "") exceeds the maximum configured attachment size of \(configuration.maxAttachmentSize) bytes."
                )
            }
            let record = try await store.upload(
                containerId: container.id, filename: file.filename ?? "file",
                mediaType: file.contentType ?? "application/octet-stream",
                bytes: Array(file.bytes), comment: comment, mode: mode == "data" ? "upsert" : mode,
                attachmentId: attachmentId)
            results.append(await r.v1Attachment(record))
        }
        if mode == "data", let first = results.first { return .json(first) }
        return .json(
            r.v1List(results, start: 0, limit: results.count, total: results.count, path: Self.v1SelfPath(request)))
    }

    func download(_ request: TwinRequest, attachment: AttachmentRecord) async throws -> TwinResponse {
        let version = request.query("version").flatMap(Int.init)
        guard let bytes = await store.bytes(of: attachment, version: version) else {
            throw APIFailure.notFound("Attachment \(attachment.displayId) has no version \(version ?? 0).")
        }
        return TwinResponse(
            status: 200,
            headers: [
                ("Content-Type", attachment.mediaType),
                ("Content-Disposition", "attachment; filename=\"\(attachment.title)\""),
            ],
            body: bytes)
    }

    static func restrictionUpdates(_ json: JSONValue) throws -> [(operation: String, users: [String], groups: [String])]
    {
        let items = json.array ?? [json]
        return try items.map { item in
            guard let operation = item["operation"]?.string else {
                throw APIFailure.badRequest("operation is required.")
            }
            let restrictions = item["restrictions"]
            func list(_ value: JSONValue?) -> [JSONValue] { value?.array ?? value?["results"]?.array ?? [] }
            let users = list(restrictions?["user"]).compactMap { $0["accountId"]?.string }
            let groups = list(restrictions?["group"]).compactMap { $0["name"]?.string ?? $0["id"]?.string }
            return (operation, users, groups)
        }
    }

    func renderRestrictions(_ records: [RestrictionRecord], contentId: Int, request: TwinRequest) async -> JSONValue {
        var byOperation: [String: JSONValue] = [:]
        for operation in ["read", "update"] {
            let record = records.first { $0.operation == operation }
            var users: [JSONValue] = []
            for accountId in record?.users ?? [] {
                if let user = await store.user(accountId: accountId) {
                    users.append(renderer(request).v1User(user))
                } else {
                    users.append(["type": "known", "accountId": .string(accountId)])
                }
            }
            let groups = (record?.groups ?? []).map {
                JSONValue.object(["type": "group", "name": .string($0), "id": .string($0)])
            }
            byOperation[operation] = [
                "operation": .string(operation),
                "restrictions": [
                    "user": ["results": .array(users), "start": 0, "limit": 200, "size": JSONValue(users.count)],
                    "group": ["results": .array(groups), "start": 0, "limit": 200, "size": JSONValue(groups.count)],
                ],
                "content": ["id": .string(String(contentId)), "type": "page"],
                "_links": [:],
            ]
        }
        return .object(byOperation)
    }

    static func v1Routes() -> [Route] {
        var routes: [Route] = []
        // Spaces
        routes.append(
            Route("POST", "\(v1)/space", .spaces) { twin, request in
                let json = try request.json()
                guard let key = json["key"]?.string, let name = json["name"]?.string else {
                    throw APIFailure.badRequest("key and name are required.")
                }
                let description = json["description"]?["plain"]?["value"]?.string ?? ""
                let space = try await twin.store.createSpace(
                    key: key, name: name, description: description, isPrivate: false)
                return .json(twin.renderer(request).v1Space(space))
            })
        routes.append(
            Route("POST", "\(v1)/space/_private", .spaces) { twin, request in
                let json = try request.json()
                guard let key = json["key"]?.string, let name = json["name"]?.string else {
                    throw APIFailure.badRequest("key and name are required.")
                }
                let space = try await twin.store.createSpace(
                    key: key, name: name, description: json["description"]?["plain"]?["value"]?.string ?? "",
                    isPrivate: true)
                return .json(twin.renderer(request).v1Space(space))
            })
        routes.append(
            Route("GET", "\(v1)/space", .spaces) { twin, request in
                let keys = request.queryList("spaceKey")
                let (start, limit) = try v1Page(request)
                let spaces = await twin.store.allSpaces().filter { keys.isEmpty || keys.contains($0.key) }
                let r = twin.renderer(request)
                let slice = spaces.dropFirst(start).prefix(limit).map(r.v1Space)
                return .json(
                    r.v1List(Array(slice), start: start, limit: limit, total: spaces.count, path: v1SelfPath(request)))
            })
        routes.append(
            Route("GET", "\(v1)/space/{key}", .spaces) { twin, request in
                guard let space = await twin.store.space(key: request.params["key"] ?? "") else {
                    throw APIFailure.notFound("No space found with key : \(request.params["key"] ?? "")")
                }
                return .json(twin.renderer(request).v1Space(space))
            })
        routes.append(
            Route("POST", "\(v1)/space/{key}/permission", .permissions) { twin, request in
                let json = try request.json()
                guard let type = json["subject"]?["type"]?.string,
                    let identifier = json["subject"]?["identifier"]?.string,
                    let key = json["operation"]?["key"]?.string, let target = json["operation"]?["target"]?.string
                else {
                    throw APIFailure.badRequest(
                        "subject.type, subject.identifier, operation.key and operation.target are required.")
                }
                let record = try await twin.store.addPermission(
                    spaceKey: request.params["key"] ?? "", subjectType: type, identifier: identifier, key: key,
                    target: target)
                return .json([
                    "id": JSONValue(record.id), "subject": ["type": .string(type), "identifier": .string(identifier)],
                    "operation": ["key": .string(key), "target": .string(target)], "_links": [:],
                ])
            })
        routes.append(
            Route("DELETE", "\(v1)/space/{key}/permission/{id}", .permissions) { twin, request in
                try await twin.store.deletePermission(
                    spaceKey: request.params["key"] ?? "", id: try request.intParam("id"))
                return .empty()
            })
        routes.append(
            Route("DELETE", "\(v1)/space/{key}", .spaces) { twin, request in
                let key = request.params["key"] ?? ""
                try await twin.store.deleteSpace(key: key)
                return .json(
                    [
                        "id": .string("delete-space-\(key)"),
                        "links": ["status": .string("/wiki/rest/api/longtask/delete-space-\(key)")],
                    ], status: 202)
            })
        // Content
        routes.append(
            Route("GET", "\(v1)/content", .content) { twin, request in
                let spaceKey = request.query("spaceKey")
                let title = request.query("title")
                let type = request.query("type") ?? "page"
                let status = request.queryList("status").isEmpty ? ["current"] : request.queryList("status")
                let (start, limit) = try v1Page(request)
                let space = spaceKey == nil ? nil : await twin.store.space(key: spaceKey ?? "")
                if spaceKey != nil, space == nil {
                    return .json(
                        twin.renderer(request).v1List(
                            [], start: start, limit: limit, total: 0, path: v1SelfPath(request)))
                }
                let items = await twin.store.allContents().filter {
                    $0.kind.rawValue == type && (status.contains("any") || status.contains($0.status))
                        && (space == nil || $0.spaceId == space?.id) && (title == nil || $0.title == title)
                }
                let r = twin.renderer(request)
                var results: [JSONValue] = []
                for item in items.dropFirst(start).prefix(limit) {
                    results.append(await r.v1Content(item, expand: expand(request)))
                }
                return .json(
                    r.v1List(results, start: start, limit: limit, total: items.count, path: v1SelfPath(request)))
            })
        routes.append(
            Route("POST", "\(v1)/content", .content) { twin, request in
                let json = try request.json()
                let type = json["type"]?.string ?? "page"
                guard type == "page" || type == "blogpost" else {
                    throw APIFailure.badRequest(
                        "The twin creates pages and blog posts through /content, not '\(type)'.")
                }
                guard let key = json["space"]?["key"]?.string, let space = await twin.store.space(key: key) else {
                    throw APIFailure.badRequest("space.key must name an existing space.")
                }
                let (representation, value) = try v1ContentBody(json) ?? ("storage", "")
                let parent = json["ancestors"]?.array?.last?["id"]?.int
                let record = try await twin.store.createContent(
                    kind: type == "page" ? .page : .blogpost, spaceId: space.id, parentId: parent, rootLevel: false,
                    title: json["title"]?.string ?? "", status: json["status"]?.string ?? "current",
                    representation: representation, value: value)
                return .json(await twin.renderer(request).v1Content(record, expand: ["body.storage", "history"]))
            })
        routes.append(
            Route("GET", "\(v1)/content/{id}", .content) { twin, request in
                let record = try await twin.contentOr404(request)
                return .json(await twin.renderer(request).v1Content(record, expand: expand(request)))
            })
        routes.append(
            Route("PUT", "\(v1)/content/{id}", .content) { twin, request in
                let id = try request.intParam("id")
                let json = try request.json()
                guard let version = json["version"]?["number"]?.int else {
                    throw APIFailure(status: 409, message: "The version property has not been set correctly.")
                }
                let body = try v1ContentBody(json)
                let record = try await twin.store.updateContent(
                    id: id, kind: nil, title: json["title"]?.string, status: json["status"]?.string,
                    representation: body?.0, value: body?.1, version: version,
                    message: json["version"]?["message"]?.string, parentId: json["ancestors"]?.array?.last?["id"]?.int,
                    spaceId: nil)
                return .json(await twin.renderer(request).v1Content(record, expand: ["body.storage"]))
            })
        routes.append(
            Route("DELETE", "\(v1)/content/{id}", .content) { twin, request in
                try await twin.store.deleteContent(
                    id: try request.intParam("id"), kind: nil, purge: request.query("status") == "trashed")
                return .empty()
            })
        for type in ["page", "blogpost", "comment"] {
            routes.append(
                Route("GET", "\(v1)/content/{id}/child/\(type)", .content) { twin, request in
                    let record = try await twin.contentOr404(request)
                    let (start, limit) = try v1Page(request)
                    let r = twin.renderer(request)
                    var results: [JSONValue] = []
                    var total = 0
                    if type == "comment" {
                        let comments = await twin.store.comments(containerId: record.id, location: nil)
                        total = comments.count
                        for c in comments.dropFirst(start).prefix(limit) {
                            results.append([
                                "id": .string(String(c.id)), "type": "comment", "status": "current",
                                "title": .string("Re: \(record.title)"),
                                "body": [
                                    "storage": [
                                        "value": .string(
                                            await twin.store.body(of: c.representation, value: c.value, as: "storage")),
                                        "representation": "storage",
                                    ]
                                ],
                                "extensions": ["location": .string(c.location)],
                                "version": ["number": JSONValue(c.version)],
                            ])
                        }
                    } else {
                        let children = await twin.store.children(of: record.id).filter { $0.kind.rawValue == type }
                        total = children.count
                        for child in children.dropFirst(start).prefix(limit) {
                            results.append(await r.v1Content(child, expand: expand(request)))
                        }
                    }
                    return .json(r.v1List(results, start: start, limit: limit, total: total, path: v1SelfPath(request)))
                })
        }
        routes.append(
            Route("GET", "\(v1)/content/{id}/history", .content) { twin, request in
                let record = try await twin.contentOr404(request)
                let author =
                    await twin.store.user(accountId: record.authorId).map(twin.renderer(request).v1User) ?? .null
                return .json([
                    "latest": .bool(record.status == "current"), "createdBy": author,
                    "createdDate": .string(record.createdAt),
                    "lastUpdated": [
                        "number": JSONValue(record.version), "when": .string(record.updatedAt), "by": author,
                        "message": .string(record.versionMessage), "minorEdit": .bool(record.minorEdit),
                    ],
                    "_links": ["self": .string("\(request.base)/rest/api/content/\(record.id)/history")],
                ])
            })
        routes.append(
            Route("PUT", "\(v1)/content/{pageId}/move/{position}/{targetId}", .content) { twin, request in
                let record = try await twin.store.move(
                    id: try request.intParam("pageId"), position: request.params["position"] ?? "",
                    targetId: try request.intParam("targetId"))
                return .json(["pageId": .string(String(record.id))])
            })
        // Labels
        routes.append(
            Route("GET", "\(v1)/content/{id}/label", .labels) { twin, request in
                let record = try await twin.contentOr404(request)
                let (start, limit) = try v1Page(request)
                let prefix = request.query("prefix")
                let labels = await twin.store.labels(containerId: record.id).filter {
                    prefix == nil || $0.prefix == prefix
                }
                let r = twin.renderer(request)
                return .json(
                    r.v1List(
                        labels.dropFirst(start).prefix(limit).map(r.v1Label), start: start, limit: limit,
                        total: labels.count, path: v1SelfPath(request)))
            })
        routes.append(
            Route("POST", "\(v1)/content/{id}/label", .labels) { twin, request in
                let record = try await twin.contentOr404(request)
                let json = try request.json()
                let items = json.array ?? [json]
                let labels = try items.map { item -> (prefix: String, name: String) in
                    guard let name = item["name"]?.string else {
                        throw APIFailure.badRequest("Each label needs a name.")
                    }
                    return (item["prefix"]?.string ?? "global", name)
                }
                let all = try await twin.store.addLabels(containerId: record.id, labels: labels)
                let r = twin.renderer(request)
                return .json(
                    r.v1List(all.map(r.v1Label), start: 0, limit: 200, total: all.count, path: v1SelfPath(request)))
            })
        routes.append(
            Route("DELETE", "\(v1)/content/{id}/label/{label}", .labels) { twin, request in
                let record = try await twin.contentOr404(request)
                try await twin.store.removeLabel(containerId: record.id, name: request.params["label"] ?? "")
                return .empty()
            })
        routes.append(
            Route("DELETE", "\(v1)/content/{id}/label", .labels) { twin, request in
                let record = try await twin.contentOr404(request)
                guard let name = request.query("name") else { throw APIFailure.badRequest("name is required.") }
                try await twin.store.removeLabel(containerId: record.id, name: name)
                return .empty()
            })
        // Attachments
        routes.append(
            Route("GET", "\(v1)/content/{id}/child/attachment", .attachments) { twin, request in
                let record = try await twin.contentOr404(request)
                let (start, limit) = try v1Page(request)
                let filename = request.query("filename")
                let items = await twin.store.attachments(containerId: record.id).filter {
                    filename == nil || $0.title == filename
                }
                let r = twin.renderer(request)
                var results: [JSONValue] = []
                for item in items.dropFirst(start).prefix(limit) { results.append(await r.v1Attachment(item)) }
                return .json(
                    r.v1List(results, start: start, limit: limit, total: items.count, path: v1SelfPath(request)))
            })
        routes.append(
            Route("POST", "\(v1)/content/{id}/child/attachment", .attachments, multipart: true) { twin, request in
                try await twin.upload(request, mode: "create")
            })
        routes.append(
            Route("PUT", "\(v1)/content/{id}/child/attachment", .attachments, multipart: true) { twin, request in
                try await twin.upload(request, mode: "upsert")
            })
        routes.append(
            Route("POST", "\(v1)/content/{id}/child/attachment/{attachmentId}/data", .attachments, multipart: true) {
                twin, request in
                try await twin.upload(request, mode: "data")
            })
        routes.append(
            Route("GET", "\(v1)/content/{id}/child/attachment/{attachmentId}/download", .attachments) { twin, request in
                let container = try await twin.contentOr404(request)
                guard let id = parseAttachmentId(request.params["attachmentId"]),
                    let attachment = await twin.store.attachment(id),
                    attachment.containerId == container.id
                else { throw APIFailure.notFound("Attachment \(request.params["attachmentId"] ?? "") does not exist.") }
                return try await twin.download(request, attachment: attachment)
            })
        routes.append(
            Route("GET", "/wiki/download/attachments/{pageId}/{filename}", .attachments) { twin, request in
                let pageId = try request.intParam("pageId")
                guard
                    let attachment = await twin.store.attachments(containerId: pageId).first(where: {
                        $0.title == request.params["filename"]
                    })
                else {
                    throw APIFailure.notFound(
                        "Attachment \(request.params["filename"] ?? "") does not exist on \(pageId).")
                }
                return try await twin.download(request, attachment: attachment)
            })
        // Restrictions
        routes.append(
            Route("GET", "\(v1)/content/{id}/restriction", .restrictions) { twin, request in
                let record = try await twin.contentOr404(request)
                let rendered = await twin.renderRestrictions(
                    await twin.store.restrictions(contentId: record.id), contentId: record.id, request: request)
                let results = ["read", "update"].compactMap { rendered[$0] }
                return .json(
                    twin.renderer(request).v1List(
                        results, start: 0, limit: 100, total: results.count, path: v1SelfPath(request)))
            })
        routes.append(
            Route("GET", "\(v1)/content/{id}/restriction/byOperation", .restrictions) { twin, request in
                let record = try await twin.contentOr404(request)
                var rendered = await twin.renderRestrictions(
                    await twin.store.restrictions(contentId: record.id), contentId: record.id, request: request)
                if case .object(var object) = rendered {
                    object["_links"] = ["base": .string(request.base)]
                    rendered = .object(object)
                }
                return .json(rendered)
            })
        routes.append(
            Route("GET", "\(v1)/content/{id}/restriction/byOperation/{operation}", .restrictions) { twin, request in
                let record = try await twin.contentOr404(request)
                let rendered = await twin.renderRestrictions(
                    await twin.store.restrictions(contentId: record.id), contentId: record.id, request: request)
                guard let item = rendered[request.params["operation"] ?? ""] else {
                    throw APIFailure.badRequest("Operation must be read or update.")
                }
                return .json(item)
            })
        for (method, replace) in [("PUT", true), ("POST", false)] {
            routes.append(
                Route(method, "\(v1)/content/{id}/restriction", .restrictions) { twin, request in
                    let record = try await twin.contentOr404(request)
                    let updates = try restrictionUpdates(try request.json())
                    let records = try await twin.store.setRestrictions(
                        contentId: record.id, updates: updates, replace: replace)
                    let rendered = await twin.renderRestrictions(records, contentId: record.id, request: request)
                    let results = ["read", "update"].compactMap { rendered[$0] }
                    return .json(
                        twin.renderer(request).v1List(
                            results, start: 0, limit: 100, total: results.count, path: v1SelfPath(request)))
                })
        }
        routes.append(
            Route("DELETE", "\(v1)/content/{id}/restriction", .restrictions) { twin, request in
                let record = try await twin.contentOr404(request)
                try await twin.store.clearRestrictions(contentId: record.id)
                return .json(
                    twin.renderer(request).v1List([], start: 0, limit: 100, total: 0, path: v1SelfPath(request)))
            })
        // Users
        routes.append(
            Route("GET", "\(v1)/user", .users) { twin, request in
                guard let accountId = request.query("accountId"), let user = await twin.store.user(accountId: accountId)
                else {
                    throw APIFailure.notFound("No user found with accountId \(request.query("accountId") ?? "").")
                }
                return .json(twin.renderer(request).v1User(user))
            })
        routes.append(
            Route("GET", "\(v1)/user/current", .users) { twin, request in
                guard let user = await twin.store.user(accountId: await twin.store.adminAccountId) else {
                    throw APIFailure.notFound("The current user is unknown.")
                }
                var rendered = twin.renderer(request).v1User(user)
                // The twin's only account is the site admin: it may do everything.
                if request.query("expand")?.split(separator: ",").contains("operations") == true,
                    case .object(var object) = rendered
                {
                    object["operations"] = .array(
                        [
                            ("administer", "application"), ("use", "application"), ("create_space", "application"),
                            ("create", "space"), ("administer", "space"),
                        ].map { ["operation": .string($0.0), "targetType": .string($0.1)] })
                    rendered = .object(object)
                }
                return .json(rendered)
            })
        routes.append(
            Route("GET", "\(v1)/user/bulk/migration", .users) { twin, request in
                let usernames = request.queryList("username")
                let keys = request.queryList("key")
                guard !usernames.isEmpty || !keys.isEmpty else {
                    throw APIFailure.badRequest("username or key is required.")
                }
                guard usernames.isEmpty || keys.isEmpty else {
                    throw APIFailure.badRequest("username and key cannot be mixed.")
                }
                let (start, limit) = try v1Page(request)
                let users = await twin.store.users(usernames: usernames, keys: keys)
                let results = users.dropFirst(start).prefix(limit).map { user -> JSONValue in
                    [
                        "username": JSONValue(user.username), "key": JSONValue(user.userKey),
                        "accountId": .string(user.accountId),
                    ]
                }
                return .json(
                    twin.renderer(request).v1List(
                        Array(results), start: start, limit: limit, total: users.count, path: v1SelfPath(request)))
            })
        return routes
    }
}
