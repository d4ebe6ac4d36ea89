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

/// Parses and writes the dates the twin meets: export (`2013-10-14 16:05:52.000`), ISO 8601
/// (`2013-10-14T16:05:52.000Z`, `+02:00`) and CQL (`2013/10/14 16:05`, `2013-10-14`); UTC
/// unless an offset is given. Done by hand: a formatter per call is far too slow for the
/// tens of thousands of dates a large export holds.
enum DCDates {
    static func parse(_ text: String?) -> Date? {
        guard let text, !text.isEmpty else { return nil }
        let bytes = Array(text.utf8)
        var index = 0
        func number(_ digits: Int) -> Int? {
            guard index + digits <= bytes.count else { return nil }
            var value = 0
            for offset in 0..<digits {
                let byte = bytes[index + offset]
                guard byte >= 48, byte <= 57 else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            index += digits
            return value
        }
        func skip(_ allowed: [UInt8]) -> Bool {
            guard index < bytes.count, allowed.contains(bytes[index]) else { return false }
            index += 1
            return true
        }
        guard let year = number(4), skip([45, 47]), let month = number(2), skip([45, 47]), let day = number(2),
            (1...12).contains(month), (1...31).contains(day)
        else { return nil }
        var hour = 0
        var minute = 0
        var second = 0
        var millis = 0
        var offset = 0
        if skip([32, 84]) {
            guard let h = number(2), skip([58]), let m = number(2), h < 24, m < 60 else { return nil }
            hour = h
            minute = m
            if skip([58]) {
                guard let s = number(2), s < 61 else { return nil }
                second = s
                if skip([46]) {
                    var scale = 100
                    while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 {
                        millis += Int(bytes[index] - 48) * scale
                        scale /= 10
                        index += 1
                    }
                }
            }
            if skip([90]) {
                offset = 0
            } else if index < bytes.count, bytes[index] == 43 || bytes[index] == 45 {
                let sign = bytes[index] == 45 ? -1 : 1
                index += 1
                guard let oh = number(2) else { return nil }
                _ = skip([58])
                let om = number(2) ?? 0
                offset = sign * (oh * 3600 + om * 60)
            }
        }
        guard index == bytes.count else { return nil }
        // Days from the civil date (proleptic Gregorian), after H. Hinnant.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146_097 + doe - 719_468
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset
        return Date(timeIntervalSince1970: Double(seconds) + Double(millis) / 1000)
    }

    /// `2024-05-01T10:00:00.000Z`, the form Data Center's REST API writes.
    static func format(_ date: Date) -> String {
        let totalMillis = Int((date.timeIntervalSince1970 * 1000).rounded(.down))
        var seconds = totalMillis >= 0 ? totalMillis / 1000 : (totalMillis - 999) / 1000
        let millis = totalMillis - seconds * 1000
        var days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        seconds -= days * 86_400
        days += 719_468
        let era = (days >= 0 ? days : days - 146_096) / 146_097
        let doe = days - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        func pad(_ value: Int, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return
            "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(seconds / 3600, 2)):\(pad(seconds % 3600 / 60, 2)):"
            + "\(pad(seconds % 60, 2)).\(pad(millis, 3))Z"
    }
}

extension DCTwinState {
    /// Loads a staged export (a workspace the export was imported into). Everything is
    /// read with a handful of whole-table queries, so a 20,000-page export loads in
    /// seconds, not one query per page.
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
        let keysByName = Dictionary(state.users.map { ($0.username, $0.key) }, uniquingKeysWith: { first, _ in first })
        state.groups = try workspace.groups().compactMap(\.name).sorted()
        for membership in try workspace.memberships() {
            guard let group = membership.groupName, let userName = membership.userName else { continue }
            state.memberships[group, default: []].append(userName)
        }
        let bulk = try BulkRows.read(workspace)
        for space in try workspace.spaces() {
            guard let key = space.key, let id = intID(space.id) else { continue }
            let permissions = try workspace.spacePermissions(spaceKey: key).compactMap { p -> DCSpacePermission? in
                guard let type = p.type else { return nil }
                return DCSpacePermission(
                    type: type, group: p.groupName, userKey: p.userKey ?? p.userName.flatMap { keysByName[$0] },
                    anonymous: p.groupName == nil && p.userKey == nil && p.userName == nil)
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
                // Oldest first; one revision per number below the current one.
                var seen: Set<Int64> = []
                for old in (bulk.history[info.id] ?? []).sorted(by: {
                    ($0.version ?? 0, $0.id) < ($1.version ?? 0, $1.id)
                }) {
                    guard seen.insert(old.version ?? -1).inserted else { continue }
                    versions.append(
                        DCVersion(
                            number: Int(old.version ?? Int64(versions.count + 1)),
                            when: DCDates.parse(old.date) ?? created, byKey: old.author, message: "",
                            title: old.title ?? info.title ?? "", body: bulk.bodies[old.id]?.body ?? ""))
                }
                let authorship = bulk.authorship[info.id]
                let number = max(Int(info.version ?? 1), (versions.last?.number ?? 0) + 1)
                versions.append(
                    DCVersion(
                        number: number, when: DCDates.parse(authorship?.date) ?? created, byKey: authorship?.author,
                        message: "", title: info.title ?? "", body: bulk.bodies[info.id]?.body ?? ""))
                var item = DCContentItem(
                    id: id, type: type, spaceKey: key, status: "current", parentID: intID(info.parentID),
                    position: info.position.map(Int.init), created: created, creatorKey: info.creator,
                    versions: versions)
                for label in (bulk.labels[info.id] ?? []).sorted(by: { $0.name < $1.name }) {
                    item.labels.append(DCLabel(id: 0, prefix: label.namespace, name: label.name))
                }
                for restriction in bulk.restrictions[info.id] ?? [] {
                    let operation = restriction.type?.lowercased() == "edit" ? "update" : "read"
                    if let group = restriction.groupName {
                        item.restrictions[operation, default: .init()].groups.append(group)
                    }
                    if let user = restriction.userKey ?? restriction.userName.flatMap({ keysByName[$0] }) {
                        item.restrictions[operation, default: .init()].userKeys.append(user)
                    }
                }
                state.content[id] = item
                for comment in bulk.comments[info.id] ?? [] {
                    guard let commentID = intID(comment.id) else { continue }
                    let properties = bulk.properties[comment.id] ?? [:]
                    let when = DCDates.parse(comment.created) ?? created
                    state.add(
                        DCComment(
                            id: commentID, containerID: id, parentID: intID(comment.parentID), inline: comment.inline,
                            resolved: properties["status"] == "resolved", markerRef: properties["inline-marker-ref"],
                            selection: properties["inline-original-selection"], created: when,
                            creatorKey: comment.creator, version: 1, when: when,
                            body: bulk.bodies[comment.id]?.body ?? ""))
                }
                var grouped: [String: [BulkRows.Attachment]] = [:]
                for attachment in bulk.attachments[info.id] ?? [] {
                    grouped[attachment.originalID ?? attachment.id, default: []].append(attachment)
                }
                for (head, revisions) in grouped {
                    guard let attachmentID = intID(head) else { continue }
                    let current = revisions.first { $0.originalID == nil } ?? revisions[0]
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
            // Apps with Active Objects data in the export, and the versions its descriptor records.
            var versions: [String: String] = [:]
            for row in try Row.fetchAll(
                db, sql: "SELECT key, value FROM staged_export WHERE key LIKE 'ao.data.version.%'")
            {
                let name: String = row["key"]
                guard !name.hasPrefix("ao.data.version.min."), let value: String = row["value"] else { continue }
                let key = String(name.dropFirst("ao.data.version.".count))
                versions[key] = value
                keys.insert(key)
            }
            state.apps = keys.sorted().map {
                DCApp(
                    key: $0, name: $0.split(separator: ".").last.map(String.init) ?? $0,
                    version: versions[$0] ?? "1.0.0",
                    userInstalled: true)
            }
            state.apps.append(
                DCApp(
                    key: "com.atlassian.confluence.plugins.confluence-create-content-plugin", name: "Create content",
                    version: "9.0.0", userInstalled: false))
        }
        state.nextID = max(maxID + 1, 1_000_000)
        state.nextLabelID = 1
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
}

/// The staged rows the twin needs, read table by table (the same selections as the
/// shared staging queries, without one query per page).
struct BulkRows {
    struct Revision {
        var id: String
        var title: String?
        var version: Int64?
        var author: String?
        var date: String?
    }

    struct Comment {
        var id: String
        var parentID: String?
        var inline: Bool
        var creator: String?
        var created: String?
    }

    struct Restriction {
        var type: String?
        var groupName: String?
        var userKey: String?
        var userName: String?
    }

    struct Attachment {
        var id: String
        var title: String?
        var version: Int64?
        var mediaType: String?
        var fileSize: Int64?
        var path: String?
        var originalID: String?
    }

    var history: [String: [Revision]] = [:]
    var authorship: [String: (author: String?, date: String?)] = [:]
    var bodies: [String: (rank: Int64, id: String, body: String)] = [:]
    var labels: [String: [(namespace: String, name: String)]] = [:]
    var restrictions: [String: [Restriction]] = [:]
    var comments: [String: [Comment]] = [:]
    var properties: [String: [String: String]] = [:]
    var attachments: [String: [Attachment]] = [:]

    static func read(_ workspace: Workspace) throws -> BulkRows {
        var bulk = BulkRows()
        try workspace.database.read { db in
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT id, original_id, title, version, COALESCE(last_modifier, creator) AS author,
                           COALESCE(modified, created) AS date
                    FROM staged_content WHERE class IN ('Page', 'BlogPost')
                      AND COALESCE(status, 'current') NOT IN ('draft', 'deleted')
                    """)
            {
                let id: String = row["id"]
                let original: String? = row["original_id"]
                let author: String? = row["author"]
                let date: String? = row["date"]
                if let original {
                    bulk.history[original, default: []].append(
                        Revision(id: id, title: row["title"], version: row["version"], author: author, date: date))
                } else {
                    bulk.authorship[id] = (author, date)
                }
            }
            // The most recent body of each content object, as `body(contentID:)` picks it.
            let bodies = try Row.fetchCursor(
                db,
                sql: """
                    SELECT b.id, b.content_id, t.body FROM staged_bodies b JOIN staged_body_texts t ON t.id = b.id
                    WHERE b.content_id IS NOT NULL
                    """)
            while let row = try bodies.next() {
                let id: String = row["id"]
                let owner: String = row["content_id"]
                let rank = Int64(id) ?? 0
                if let existing = bulk.bodies[owner], (existing.rank, existing.id) > (rank, id) { continue }
                bulk.bodies[owner] = (rank, id, row["body"] ?? "")
            }
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT l.content_id, COALESCE(x.namespace, 'global') AS namespace, x.name
                    FROM staged_labellings l JOIN staged_labels x ON x.id = l.label_id
                    WHERE l.content_id IS NOT NULL AND x.name IS NOT NULL
                    """)
            {
                let owner: String = row["content_id"]
                bulk.labels[owner, default: []].append((row["namespace"], row["name"]))
            }
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT s.content_id, p.type, p.group_name, p.user_key, p.user_name
                    FROM staged_content_permissions p JOIN staged_permission_sets s ON s.id = p.set_id
                    WHERE s.content_id IS NOT NULL ORDER BY p.type, p.id
                    """)
            {
                let owner: String = row["content_id"]
                bulk.restrictions[owner, default: []].append(
                    Restriction(
                        type: row["type"], groupName: row["group_name"], userKey: row["user_key"],
                        userName: row["user_name"]))
            }
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT id, container_id, parent_id, inline, creator, created FROM staged_content
                    WHERE class = 'Comment' AND original_id IS NULL AND container_id IS NOT NULL
                      AND COALESCE(status, 'current') = 'current'
                    ORDER BY created, CAST(id AS INTEGER), id
                    """)
            {
                let owner: String = row["container_id"]
                bulk.comments[owner, default: []].append(
                    Comment(
                        id: row["id"], parentID: row["parent_id"], inline: row["inline"], creator: row["creator"],
                        created: row["created"]))
            }
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT p.content_id, p.name, p.string_value, p.long_value FROM staged_content_properties p
                    JOIN staged_content c ON c.id = p.content_id WHERE c.class = 'Comment' AND p.name IS NOT NULL
                    """)
            {
                let owner: String = row["content_id"]
                let name: String = row["name"]
                let text: String? = row["string_value"]
                let number: Int64? = row["long_value"]
                bulk.properties[owner, default: [:]][name] = text ?? number.map { String($0) } ?? ""
            }
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT a.id, a.title, a.version, a.media_type, a.file_size, a.file_path, a.original_id,
                           a.file_container_id
                    FROM staged_attachments a
                    WHERE a.file_container_id IS NOT NULL AND COALESCE(a.status, 'current') = 'current'
                    ORDER BY a.file_attachment_id, a.version DESC
                    """)
            {
                let owner: String = row["file_container_id"]
                bulk.attachments[owner, default: []].append(
                    Attachment(
                        id: row["id"], title: row["title"], version: row["version"], mediaType: row["media_type"],
                        fileSize: row["file_size"], path: row["file_path"], originalID: row["original_id"]))
            }
        }
        return bulk
    }
}
