import Foundation
import GRDB
import Workspace

/// A user of the Data Center twin, keyed by its user key.
struct DCUser: Sendable {
    var key: String
    var username: String
    var displayName: String
    var email: String?
    var active: Bool
}

/// One version of a page, blog post or comment: who, when, what.
struct DCVersion: Sendable {
    var number: Int
    var when: Date
    var byKey: String?
    var message: String
    var title: String
    var body: String
}

/// A restriction list of one operation (`read` or `update`).
struct DCRestriction: Sendable, Equatable {
    var userKeys: [String] = []
    var groups: [String] = []
}

struct DCLabel: Sendable, Equatable {
    var id: Int
    var prefix: String
    var name: String
}

/// A page or a blog post with every version, oldest first.
struct DCContentItem: Sendable {
    var id: Int
    var type: String
    var spaceKey: String
    var status: String
    var parentID: Int?
    var position: Int?
    var created: Date
    var creatorKey: String?
    var versions: [DCVersion]
    var labels: [DCLabel] = []
    var restrictions: [String: DCRestriction] = [:]

    var current: DCVersion {
        versions.last ?? DCVersion(number: 1, when: created, byKey: creatorKey, message: "", title: "", body: "")
    }
}

/// A footer or inline comment.
struct DCComment: Sendable {
    var id: Int
    var containerID: Int
    var parentID: Int?
    var inline: Bool
    var resolved: Bool
    var markerRef: String?
    var selection: String?
    var created: Date
    var creatorKey: String?
    var version: Int
    var when: Date
    var body: String
}

/// Where an attachment version's bytes are: in the export, or uploaded to the twin.
enum DCFileSource: Sendable {
    case export(path: String)
    case bytes([UInt8])
}

struct DCAttachmentVersion: Sendable {
    var number: Int
    var when: Date
    var byKey: String?
    var comment: String
    var size: Int64
    var source: DCFileSource
}

struct DCAttachment: Sendable {
    var id: Int
    var containerID: Int
    var title: String
    var mediaType: String
    var versions: [DCAttachmentVersion]
}

struct DCSpacePermission: Sendable, Equatable {
    var type: String
    var group: String?
    var userKey: String?
    var anonymous: Bool
}

struct DCSpace: Sendable {
    var id: Int
    var key: String
    var name: String
    var type: String
    var homePageID: Int?
    var description: String
    var permissions: [DCSpacePermission]
}

struct DCAuditRecord: Sendable {
    var id: Int
    var summary: String
    var category: String
    var created: Date
    var authorKey: String?
    var objectName: String
}

struct DCApp: Sendable {
    var key: String
    var name: String
    var version: String
    var userInstalled: Bool
}

/// The Data Center twin's whole state. Held in a `Mutex` by ``DataCenterTwinStore``.
struct DCTwinState: Sendable {
    var spaces: [DCSpace] = []
    var content: [Int: DCContentItem] = [:]
    var comments: [Int: DCComment] = [:]
    var attachments: [Int: DCAttachment] = [:]
    var users: [DCUser] = []
    var groups: [String] = []
    var memberships: [String: [String]] = [:]
    var audit: [DCAuditRecord] = []
    var apps: [DCApp] = []
    /// Attachment and comment ids per page or blog post, so a listing never scans them all.
    var attachmentsByContainer: [Int: [Int]] = [:]
    var commentsByContainer: [Int: [Int]] = [:]
    var nextID = 1
    var nextLabelID = 1

    mutating func allocateID() -> Int {
        defer { nextID += 1 }
        return nextID
    }

    func user(key: String?) -> DCUser? {
        guard let key else { return nil }
        return users.first { $0.key == key }
    }

    func user(name: String) -> DCUser? { users.first { $0.username == name } }

    mutating func add(_ attachment: DCAttachment) {
        if attachments[attachment.id] == nil {
            attachmentsByContainer[attachment.containerID, default: []].append(attachment.id)
        }
        attachments[attachment.id] = attachment
    }

    mutating func add(_ comment: DCComment) {
        if comments[comment.id] == nil { commentsByContainer[comment.containerID, default: []].append(comment.id) }
        comments[comment.id] = comment
    }

    func attachments(of container: Int) -> [DCAttachment] {
        (attachmentsByContainer[container] ?? []).sorted().compactMap { attachments[$0] }
    }

    func comments(of container: Int) -> [DCComment] {
        (commentsByContainer[container] ?? []).sorted().compactMap { comments[$0] }
    }
}

/// Parses the dates the twin meets: export (`2013-10-14 16:05:52.000`) and ISO 8601.
enum DCDates {
    static func parse(_ text: String?) -> Date? {
        guard let text, !text.isEmpty else { return nil }
        let formats = [
            "yyyy-MM-dd HH:mm:ss.SSS", "yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ss.SSSXXX",
            "yyyy-MM-dd'T'HH:mm:ssXXX", "yyyy-MM-dd HH:mm", "yyyy/MM/dd HH:mm", "yyyy-MM-dd", "yyyy/MM/dd",
        ]
        for format in formats {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "UTC")
            formatter.dateFormat = format
            if let date = formatter.date(from: text) { return date }
        }
        return nil
    }

    /// `2024-05-01T10:00:00.000Z`, the form Data Center's REST API writes.
    static func format(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'"
        return formatter.string(from: date)
    }
}

extension DCTwinState {
    /// Loads a staged export (a workspace the export was imported into).
    static func load(workspace: Workspace) throws -> DCTwinState {
        var state = DCTwinState()
        let epoch = Date(timeIntervalSince1970: 1_577_836_800)
        var maxID = 0
        func intID(_ text: String?) -> Int? {
            guard let text, let value = Int(text) else { return nil }
            maxID = max(maxID, value)
            return value
        }
        let userRows = try workspace.users()
        var byKey: [String: DCUser] = [:]
        var internalByName: [String: Workspace.UserInfo] = [:]
        for user in userRows where user.className != "ConfluenceUserImpl" {
            if let name = user.name?.lowercased() { internalByName[name] = user }
        }
        for user in userRows where user.className == "ConfluenceUserImpl" {
            guard let name = user.name else { continue }
            let crowd = internalByName[name.lowercased()]
            byKey[user.id] = DCUser(
                key: user.id, username: name, displayName: crowd?.displayName ?? name,
                email: user.email ?? crowd?.email, active: true)
        }
        state.users = byKey.values.sorted { $0.username < $1.username }
        state.groups = try workspace.groups().compactMap(\.name).sorted()
        for membership in try workspace.memberships() {
            guard let group = membership.groupName, let userName = membership.userName else { continue }
            state.memberships[group, default: []].append(userName)
        }
        for space in try workspace.spaces() {
            guard let key = space.key, let id = intID(space.id) else { continue }
            let permissions = try workspace.spacePermissions(spaceKey: key).compactMap { p -> DCSpacePermission? in
                guard let type = p.type else { return nil }
                return DCSpacePermission(
                    type: type, group: p.groupName,
                    userKey: p.userKey
                        ?? p.userName.flatMap { name in
                            byKey.values.first { $0.username == name }?.key
                        }, anonymous: p.groupName == nil && p.userKey == nil && p.userName == nil)
            }
            state.spaces.append(
                DCSpace(
                    id: id, key: key, name: space.name ?? key, type: space.type ?? "global",
                    homePageID: intID(space.homePageID), description: "", permissions: permissions))
            let items =
                try workspace.pages(spaceKey: key).map { ($0, "page") }
                + workspace.blogPosts(spaceKey: key).map { ($0, "blogpost") }
            for (info, type) in items {
                guard let id = intID(info.id) else { continue }
                let created = DCDates.parse(info.created) ?? epoch
                var versions: [DCVersion] = []
                for old in try workspace.history(contentID: info.id).reversed() {
                    let authorship = try workspace.versionAuthorship(contentID: old.id)
                    versions.append(
                        DCVersion(
                            number: Int(old.version ?? Int64(versions.count + 1)),
                            when: DCDates.parse(authorship.date) ?? created, byKey: authorship.author, message: "",
                            title: old.title ?? info.title ?? "",
                            body: try workspace.body(contentID: old.id)?.body ?? ""
                        ))
                }
                let authorship = try workspace.versionAuthorship(contentID: info.id)
                let number = max(Int(info.version ?? 1), (versions.last?.number ?? 0) + 1)
                versions.append(
                    DCVersion(
                        number: number, when: DCDates.parse(authorship.date) ?? created, byKey: authorship.author,
                        message: "", title: info.title ?? "", body: try workspace.body(contentID: info.id)?.body ?? ""))
                var item = DCContentItem(
                    id: id, type: type, spaceKey: key, status: "current", parentID: intID(info.parentID),
                    position: info.position.map(Int.init), created: created, creatorKey: info.creator,
                    versions: versions)
                for label in try workspace.labels(contentID: info.id) {
                    let parts = label.split(separator: ":", maxSplits: 1).map(String.init)
                    item.labels.append(
                        DCLabel(
                            id: 0, prefix: parts.count == 2 ? parts[0] : "global", name: parts.last ?? label))
                }
                for restriction in try workspace.restrictions(contentID: info.id) {
                    let operation = restriction.type?.lowercased() == "edit" ? "update" : "read"
                    if let group = restriction.groupName {
                        item.restrictions[operation, default: .init()].groups.append(group)
                    }
                    if let user = restriction.userKey ?? restriction.userName.flatMap({ state.user(name: $0)?.key }) {
                        item.restrictions[operation, default: .init()].userKeys.append(user)
                    }
                }
                state.content[id] = item
                for comment in try workspace.comments(containerID: info.id) {
                    guard let commentID = intID(comment.id) else { continue }
                    let properties = try Self.properties(workspace, contentID: comment.id)
                    let when = DCDates.parse(comment.created) ?? created
                    state.add(
                        DCComment(
                            id: commentID, containerID: id, parentID: intID(comment.parentID), inline: comment.inline,
                            resolved: properties["status"] == "resolved", markerRef: properties["inline-marker-ref"],
                            selection: properties["inline-original-selection"], created: when,
                            creatorKey: comment.creator,
                            version: 1, when: when, body: try workspace.body(contentID: comment.id)?.body ?? ""))
                }
                var grouped: [String: [Workspace.AttachmentInfo]] = [:]
                for attachment in try workspace.attachments(containerID: info.id) {
                    grouped[attachment.originalID ?? attachment.id, default: []].append(attachment)
                }
                for (head, revisions) in grouped {
                    guard let attachmentID = intID(head) else { continue }
                    let current = revisions.first { $0.isCurrent } ?? revisions[0]
                    let ordered = revisions.sorted { ($0.version ?? 1) < ($1.version ?? 1) }
                    let versions = ordered.compactMap { revision -> DCAttachmentVersion? in
                        guard let path = revision.path else { return nil }
                        return DCAttachmentVersion(
                            number: Int(revision.version ?? 1), when: created, byKey: info.creator, comment: "",
                            size: revision.fileSize ?? 0, source: .export(path: path))
                    }
                    guard !versions.isEmpty else { continue }
                    state.add(
                        DCAttachment(
                            id: attachmentID, containerID: id, title: current.title ?? "attachment-\(head)",
                            mediaType: current.mediaType ?? "application/octet-stream", versions: versions))
                }
            }
        }
        try workspace.database.read { db in
            let rows = try Row.fetchAll(
                db, sql: "SELECT id, properties FROM staged_other_objects WHERE class = 'AuditRecord' ORDER BY id")
            for row in rows {
                let idText: String = row["id"]
                guard let id = intID(idText) else { continue }
                let properties: String = row["properties"] ?? "{}"
                let object = (try? JSONValue.parse(properties))?.object ?? [:]
                state.audit.append(
                    DCAuditRecord(
                        id: id, summary: object["summary"]?.string ?? "", category: object["category"]?.string ?? "",
                        created: DCDates.parse(object["creationDate"]?.string) ?? epoch,
                        authorKey: object["author"]?["id"]?.string, objectName: object["objectName"]?.string ?? ""))
            }
            // Apps: the plugin keys the export's data names (app settings in Bandana, custom content modules).
            var keys: Set<String> = []
            for key in try String.fetchAll(
                db,
                sql: """
                    SELECT json_extract(properties, '$.key') FROM staged_other_objects
                    WHERE class = 'ConfluenceBandanaRecord' AND json_valid(properties)
                    """)
            where key.contains(":") {
                keys.insert(String(key.prefix { $0 != ":" }))
            }
            for key in try String.fetchAll(
                db, sql: "SELECT DISTINCT plugin_key FROM staged_content WHERE plugin_key IS NOT NULL")
            {
                keys.insert(String(key.prefix { $0 != ":" }))
            }
            state.apps = keys.sorted().map {
                DCApp(
                    key: $0, name: $0.split(separator: ".").last.map(String.init) ?? $0, version: "1.0.0",
                    userInstalled: true)
            }
            state.apps.append(
                DCApp(
                    key: "com.atlassian.confluence.plugins.confluence-create-content-plugin", name: "Create content",
                    version: "9.0.0", userInstalled: false))
        }
        state.nextID = max(maxID + 1, 1_000_000)
        var labelIDs: [String: Int] = [:]
        for id in state.content.keys.sorted() {
            guard var item = state.content[id] else { continue }
            for index in item.labels.indices {
                let name = item.labels[index].prefix + ":" + item.labels[index].name
                if let existing = labelIDs[name] {
                    item.labels[index].id = existing
                } else {
                    labelIDs[name] = state.nextLabelID
                    item.labels[index].id = state.nextLabelID
                    state.nextLabelID += 1
                }
            }
            state.content[id] = item
        }
        return state
    }

    private static func properties(_ workspace: Workspace, contentID: String) throws -> [String: String] {
        try workspace.database.read { db in
            var result: [String: String] = [:]
            for row in try Row.fetchAll(
                db, sql: "SELECT name, string_value, long_value FROM staged_content_properties WHERE content_id = ?",
                arguments: [contentID])
            {
                let name: String? = row["name"]
                let text: String? = row["string_value"]
                let number: Int64? = row["long_value"]
                if let name { result[name] = text ?? number.map { String($0) } ?? "" }
            }
            return result
        }
    }
}
