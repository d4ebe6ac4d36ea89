import Foundation

/// JSON shapes of Cloud's v2 and v1 responses.
struct Renderer: Sendable {
    let store: CloudStore
    let base: String

    func version(number: Int, message: String, at date: String, minorEdit: Bool = false, author: String) -> JSONValue {
        [
            "number": JSONValue(number), "message": .string(message), "minorEdit": .bool(minorEdit),
            "authorId": .string(author), "createdAt": .string(date),
        ]
    }

    // MARK: v2

    func space(_ space: SpaceRecord) -> JSONValue {
        [
            "id": .string(String(space.id)), "key": .string(space.key), "name": .string(space.name),
            "type": .string(space.type), "status": .string(space.status), "authorId": .string(space.authorId),
            "createdAt": .string(space.createdAt), "homepageId": .string(String(space.homepageId)),
            "description": ["plain": ["value": .string(space.description), "representation": "plain"]],
            "_links": ["webui": .string("/spaces/\(space.key)"), "base": .string(base)],
        ]
    }

    func content(_ record: ContentRecord, bodyFormat: String?) async -> JSONValue {
        var object: [String: JSONValue] = [
            "id": .string(String(record.id)), "status": .string(record.status), "title": .string(record.title),
            "spaceId": .string(String(record.spaceId)), "authorId": .string(record.authorId),
            "createdAt": .string(record.createdAt),
            "version": version(
                number: record.version, message: record.versionMessage, at: record.updatedAt,
                minorEdit: record.minorEdit, author: record.authorId),
        ]
        let spaceKey = await store.space(id: record.spaceId)?.key ?? ""
        if record.kind == .page {
            object["ownerId"] = .string(record.ownerId)
            object["lastOwnerId"] = .string(record.ownerId)
            object["position"] = JSONValue(record.position)
            if let parent = record.parentId {
                object["parentId"] = .string(String(parent))
                object["parentType"] = "page"
            }
            object["_links"] = [
                "webui": .string("/spaces/\(spaceKey)/pages/\(record.id)"),
                "editui": .string("/pages/resumedraft.action?draftId=\(record.id)"),
                "tinyui": .string("/x/\(record.id)"),
            ]
        } else {
            object["_links"] = [
                "webui": .string("/spaces/\(spaceKey)/blog/\(record.id)"),
                "editui": .string("/pages/resumedraft.action?draftId=\(record.id)"),
                "tinyui": .string("/x/\(record.id)"),
            ]
        }
        if let format = bodyFormat, ["storage", "atlas_doc_format", "view"].contains(format) {
            let value = await store.body(of: record.representation, value: record.value, as: format)
            object["body"] = [format: ["representation": .string(format), "value": .string(value)]]
        } else {
            object["body"] = [:]
        }
        return .object(object)
    }

    func comment(_ record: CommentRecord, bodyFormat: String?) async -> JSONValue {
        var object: [String: JSONValue] = [
            "id": .string(String(record.id)), "status": "current", "title": .string("Re: comment \(record.id)"),
            "version": version(
                number: record.version, message: "", at: record.createdAt, author: await store.adminAccountId),
            "_links": [
                "webui": .string("/pages/viewpage.action?pageId=\(record.containerId)&focusedCommentId=\(record.id)")
            ],
        ]
        object[record.containerKind == .page ? "pageId" : "blogPostId"] = .string(String(record.containerId))
        if let parent = record.parentCommentId { object["parentCommentId"] = .string(String(parent)) }
        if record.location == "inline" {
            object["resolutionStatus"] = .string(record.resolutionStatus ?? "open")
            var properties: [String: JSONValue] = [:]
            if let selection = record.textSelection {
                properties["textSelection"] = .string(selection)
                properties["textSelectionMatchCount"] = JSONValue(record.textSelectionMatchCount ?? 1)
                properties["textSelectionMatchIndex"] = JSONValue(record.textSelectionMatchIndex ?? 0)
            }
            object["properties"] = [
                "inlineMarkerRef": .string("twin-marker-\(record.id)"),
                "inlineOriginalSelection": .string(record.textSelection ?? ""),
            ]
            object["inlineCommentProperties"] = .object(properties)
        }
        if let format = bodyFormat, ["storage", "atlas_doc_format", "view"].contains(format) {
            let value = await store.body(of: record.representation, value: record.value, as: format)
            object["body"] = [format: ["representation": .string(format), "value": .string(value)]]
        } else {
            object["body"] = [:]
        }
        return .object(object)
    }

    func downloadPath(_ attachment: AttachmentRecord) -> String {
        let name = attachment.title.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? attachment.title
        return "/download/attachments/\(attachment.containerId)/\(name)?version=\(attachment.current.number)&api=v2"
    }

    func attachment(_ record: AttachmentRecord) -> JSONValue {
        let current = record.current
        var object: [String: JSONValue] = [
            "id": .string(record.displayId), "status": "current", "title": .string(record.title),
            "createdAt": .string(current.createdAt), "mediaType": .string(record.mediaType),
            "mediaTypeDescription": .string(record.mediaType), "comment": .string(current.comment),
            "fileId": .string(current.fileId), "fileSize": JSONValue(Int(current.fileSize)),
            "webuiLink": .string(
                "/pages/viewpageattachments.action?pageId=\(record.containerId)&preview=\(record.title)"),
            "downloadLink": .string(downloadPath(record)),
            "version": version(
                number: current.number, message: current.comment, at: current.createdAt, minorEdit: true, author: "twin"
            ),
            "_links": [
                "download": .string(downloadPath(record)),
                "webui": .string("/pages/viewpageattachments.action?pageId=\(record.containerId)"),
            ],
        ]
        object[record.containerKind == .page ? "pageId" : "blogPostId"] = .string(String(record.containerId))
        return .object(object)
    }

    func label(_ record: LabelRecord) -> JSONValue {
        ["id": .string(String(record.labelId)), "name": .string(record.name), "prefix": .string(record.prefix)]
    }

    func property(_ record: PropertyRecord) -> JSONValue {
        [
            "id": .string(String(record.id)), "key": .string(record.key), "value": record.value,
            "version": [
                "number": JSONValue(record.version), "message": "", "minorEdit": false, "authorId": "twin",
                "createdAt": .string(Timestamp.now()),
            ],
        ]
    }

    func permission(_ record: PermissionRecord) -> JSONValue {
        [
            "id": .string(String(record.id)),
            "principal": ["type": .string(record.subjectType), "id": .string(record.identifier)],
            "operation": ["key": .string(record.operationKey), "targetType": .string(record.target)],
        ]
    }

    func user(_ record: UserRecord) -> JSONValue {
        [
            "accountId": .string(record.accountId), "accountType": "atlassian", "accountStatus": "active",
            "email": .string(record.email), "displayName": .string(record.displayName),
            "publicName": .string(record.displayName),
            "timeZone": "UTC", "isExternalCollaborator": false,
            "profilePicture": ["path": "/wiki/aa-avatar/default.png", "width": 48, "height": 48, "isDefault": true],
        ]
    }

    // MARK: v1

    func v1Space(_ space: SpaceRecord) -> JSONValue {
        [
            "id": JSONValue(space.id), "key": .string(space.key), "name": .string(space.name),
            "type": .string(space.type), "status": .string(space.status),
            "description": ["plain": ["value": .string(space.description), "representation": "plain"]],
            "homepage": ["id": .string(String(space.homepageId)), "type": "page"],
            "_links": [
                "webui": .string("/spaces/\(space.key)"), "self": .string("\(base)/rest/api/space/\(space.key)"),
            ],
            "_expandable": [:],
        ]
    }

    func v1User(_ record: UserRecord) -> JSONValue {
        [
            "type": "known", "accountId": .string(record.accountId), "accountType": "atlassian",
            "email": .string(record.email), "publicName": .string(record.displayName),
            "displayName": .string(record.displayName),
        ]
    }

    func v1Content(_ record: ContentRecord, expand: [String]) async -> JSONValue {
        let space = await store.space(id: record.spaceId)
        let admin = await store.user(accountId: record.authorId)
        var object: [String: JSONValue] = [
            "id": .string(String(record.id)), "type": .string(record.kind.rawValue), "status": .string(record.status),
            "title": .string(record.title),
            "version": [
                "number": JSONValue(record.version), "message": .string(record.versionMessage),
                "minorEdit": .bool(record.minorEdit), "when": .string(record.updatedAt),
                "by": admin.map(v1User) ?? .null,
            ],
            "extensions": ["position": JSONValue(record.position)],
            "_links": [
                "webui": .string("/spaces/\(space?.key ?? "")/pages/\(record.id)"),
                "self": .string("\(base)/rest/api/content/\(record.id)"), "tinyui": .string("/x/\(record.id)"),
            ],
            "_expandable": [:],
        ]
        if let space { object["space"] = v1Space(space) }
        var ancestors: [JSONValue] = []
        for ancestor in await store.ancestors(of: record.id) {
            ancestors.append([
                "id": .string(String(ancestor.id)), "type": .string(ancestor.kind.rawValue),
                "title": .string(ancestor.title), "status": .string(ancestor.status),
            ])
        }
        object["ancestors"] = .array(ancestors)
        var body: [String: JSONValue] = [:]
        for item in expand where item.hasPrefix("body.") {
            let format = String(item.dropFirst(5))
            let name =
                format == "atlas_doc_format"
                ? "atlas_doc_format" : (format == "view" || format == "export_view" ? format : "storage")
            let value = await store.body(
                of: record.representation, value: record.value,
                as: name == "storage" ? "storage" : (name == "atlas_doc_format" ? "atlas_doc_format" : "storage"))
            body[name] = ["value": .string(value), "representation": .string(name)]
        }
        object["body"] = .object(body)
        if expand.contains("history") {
            object["history"] = [
                "latest": .bool(true), "createdDate": .string(record.createdAt),
                "createdBy": admin.map(v1User) ?? .null,
            ]
        }
        return .object(object)
    }

    func v1Attachment(_ record: AttachmentRecord) async -> JSONValue {
        let current = record.current
        let container = await store.content(record.containerId)
        return [
            "id": .string(record.displayId), "type": "attachment", "status": "current", "title": .string(record.title),
            "version": [
                "number": JSONValue(current.number), "message": .string(current.comment), "minorEdit": true,
                "when": .string(current.createdAt),
            ],
            "container": [
                "id": .string(String(record.containerId)), "type": .string(record.containerKind.rawValue),
                "title": .string(container?.title ?? ""),
            ],
            "metadata": ["mediaType": .string(record.mediaType), "comment": .string(current.comment)],
            "extensions": [
                "mediaType": .string(record.mediaType), "fileSize": JSONValue(Int(current.fileSize)),
                "comment": .string(current.comment), "mediaTypeDescription": .string(record.mediaType),
                "fileId": .string(current.fileId), "collectionName": .string("contentId-\(record.containerId)"),
            ],
            "_links": [
                "download": .string(downloadPath(record)),
                "webui": .string("/pages/viewpageattachments.action?pageId=\(record.containerId)"),
                "self": .string("\(base)/rest/api/content/\(record.displayId)"),
            ],
        ]
    }

    func v1Label(_ record: LabelRecord) -> JSONValue {
        [
            "id": .string(String(record.labelId)), "name": .string(record.name), "prefix": .string(record.prefix),
            "label": .string(record.name),
        ]
    }

    func v1List(_ results: [JSONValue], start: Int, limit: Int, total: Int, path: String) -> JSONValue {
        var links: [String: JSONValue] = ["base": .string(base), "context": "/wiki", "self": .string(base + path)]
        if start + results.count < total {
            let separator = path.contains("?") ? "&" : "?"
            links["next"] = .string("/rest/api\(path)\(separator)start=\(start + limit)&limit=\(limit)")
        }
        return [
            "results": .array(results), "start": JSONValue(start), "limit": JSONValue(limit),
            "size": JSONValue(results.count),
            "_links": .object(links),
        ]
    }
}
