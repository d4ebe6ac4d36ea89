public import ConfluenceExport
public import Foundation
import GRDB
import Reports
import StorageFormat
public import Workspace

/// Writes the archive of everything Cloud cannot take from a staged export: drafts, the
/// audit log, avatars, custom emoticons, global settings and permission matrices, app data,
/// and the members of the admin groups Atlassian blocklists, plus `carried-by-ferry.json`
/// naming what Ferry migrates instead. Ends with ``ArchiveManifest`` (sizes, SHA-256, hash
/// chain) over every file written.
///
/// Rows are read from the workspace with cursors and written file by file; memory holds
/// the user directory (to name people) and per-user draft tallies, never the content.
public struct ArchiveBuilder {
    public let workspace: Workspace
    /// The export the workspace was staged from, for files (avatars, images, app files, plugin data).
    public let package: ExportPackage?
    /// Source user key → Cloud account id, from the identity mapping when there is one.
    public var cloudAccounts: [String: String]
    public var generator: String
    /// Called with the name of each section as it starts.
    public var progress: (@Sendable (String) -> Void)?

    public init(
        workspace: Workspace, package: ExportPackage?, cloudAccounts: [String: String] = [:],
        generator: String = "ferry"
    ) {
        self.workspace = workspace
        self.package = package
        self.cloudAccounts = cloudAccounts
        self.generator = generator
    }

    public struct Written: Sendable {
        public var folder: URL
        public var index: ArchiveIndex
        public var manifest: ArchiveManifest
    }

    /// Writes the archive into `folder` (created; a previous archive there is replaced).
    public func write(to folder: URL) throws -> Written {
        let fileManager = FileManager.default
        if fileManager.fileExists(atPath: folder.path) {
            let existing = (try? fileManager.contentsOfDirectory(atPath: folder.path)) ?? []
            if !existing.isEmpty {
                guard existing.contains(ArchiveManifest.fileName) || existing.contains(ArchiveIndex.fileName) else {
                    throw ArchiveBuildError.outputInsideSource(path: folder.path)
                }
                try fileManager.removeItem(at: folder)
            }
        }
        do {
            try fileManager.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw ArchiveBuildError.cannotWrite(path: folder.path, reason: "\(error)")
        }
        let run = try ArchiveRun(builder: self, folder: folder)
        var sections: [ArchiveSection] = []
        progress?("drafts")
        sections.append(try run.drafts())
        progress?("audit log")
        sections.append(try run.auditLog())
        progress?("avatars")
        sections.append(try run.avatars())
        progress?("custom emoticons")
        sections.append(try run.emoticons())
        progress?("global settings")
        sections.append(try run.settings())
        progress?("permissions")
        sections.append(try run.permissions())
        progress?("apps")
        sections.append(try run.apps())
        progress?("admins")
        sections.append(try run.admins())
        progress?("other objects")
        sections.append(try run.otherObjects())
        progress?("truncated bodies")
        sections.append(try run.truncatedBodies())
        let carried = try run.carried()
        let index = ArchiveIndex(
            createdAt: Date(), source: try run.sourceName(), sections: sections, carriedByFerry: carried,
            warnings: run.warnings)
        try run.writeJSON(index, to: ArchiveIndex.fileName, dates: true)
        try run.writeJSON(carried, to: "carried-by-ferry.json")
        try run.writeOverview(index)
        progress?("manifest")
        let manifest = try ArchiveManifest.build(folder: folder, generator: generator)
        try manifest.write(to: folder)
        return Written(folder: folder, index: index, manifest: manifest)
    }
}

/// A person as the archive names them.
struct ArchivePerson {
    var key: String
    var username: String
    var email: String
    var displayName: String
}

/// One archive being written: the folder, the user directory and the warnings.
final class ArchiveRun {
    let builder: ArchiveBuilder
    let folder: URL
    let database: DatabasePool
    var warnings: [String] = []
    private var byKey: [String: ArchivePerson] = [:]
    private var byName: [String: ArchivePerson] = [:]
    /// Crowd user id → lower-case name (memberships point at Crowd users).
    private var crowdNames: [String: String] = [:]

    init(builder: ArchiveBuilder, folder: URL) throws {
        self.builder = builder
        self.folder = folder
        self.database = builder.workspace.database
        try database.read { db in
            // Crowd users first (they carry email and display name), then the key mapping.
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT class, id, name, lower_name, email, display_name FROM staged_users
                    ORDER BY CASE class WHEN 'ConfluenceUserImpl' THEN 1 ELSE 0 END
                    """)
            while let row = try rows.next() {
                let className: String = row["class"]
                let id: String = row["id"]
                let name: String = (row["name"] as String?) ?? id
                let lower: String = (row["lower_name"] as String?) ?? name.lowercased()
                let known = byName[lower]
                var person = ArchivePerson(
                    key: className == "ConfluenceUserImpl" ? id : (known?.key ?? ""), username: name,
                    email: (row["email"] as String?) ?? known?.email ?? "",
                    displayName: (row["display_name"] as String?) ?? known?.displayName ?? "")
                if person.email.isEmpty, let known { person.email = known.email }
                byName[lower] = person
                if className == "ConfluenceUserImpl" {
                    byKey[id] = person
                } else {
                    crowdNames[id] = lower
                }
            }
        }
    }

    /// The person behind a user key, a username (old exports) or a Crowd user id.
    func person(_ reference: String?) -> ArchivePerson? {
        guard let reference, !reference.isEmpty else { return nil }
        return byKey[reference] ?? byName[reference.lowercased()] ?? crowdNames[reference].flatMap { byName[$0] }
    }

    /// The Cloud account a person maps to: the identity mapping's account id, else their email.
    func cloudAccount(_ person: ArchivePerson?) -> (account: String, matchedBy: String) {
        guard let person else { return ("", "none") }
        if let account = builder.cloudAccounts[person.key], !account.isEmpty { return (account, "identity-mapping") }
        if !person.email.isEmpty { return (person.email, "email") }
        return ("", "none")
    }

    func url(_ relative: String) -> URL { folder.appendingPathComponent(relative) }

    func makeFolder(_ relative: String) throws {
        do {
            try FileManager.default.createDirectory(at: url(relative), withIntermediateDirectories: true)
        } catch {
            throw ArchiveBuildError.cannotWrite(path: url(relative).path, reason: "\(error)")
        }
    }

    func writeText(_ text: String, to relative: String) throws {
        do {
            try Data(text.utf8).write(to: url(relative), options: .atomic)
        } catch {
            throw ArchiveBuildError.cannotWrite(path: url(relative).path, reason: "\(error)")
        }
    }

    func writeJSON<T: Encodable>(_ value: T, to relative: String, dates: Bool = false) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        if dates { encoder.dateEncodingStrategy = .iso8601 }
        do {
            try encoder.encode(value).write(to: url(relative), options: .atomic)
        } catch {
            throw ArchiveBuildError.cannotWrite(path: url(relative).path, reason: "\(error)")
        }
    }

    /// A JSON object (from `JSONSerialization`) written with sorted keys.
    func writeJSONObject(_ value: Any, to relative: String) throws {
        do {
            let data = try JSONSerialization.data(
                withJSONObject: value, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
            try data.write(to: url(relative), options: .atomic)
        } catch {
            throw ArchiveBuildError.cannotWrite(path: url(relative).path, reason: "\(error)")
        }
    }

    func csv(_ relative: String, _ columns: [String]) throws -> CSVWriter {
        try CSVWriter(url: url(relative), columns: columns)
    }

    /// Copies an export file into the archive; a missing file becomes a named warning.
    @discardableResult
    func copy(exportPath: String?, to relative: String, what: String) -> Bool {
        guard let exportPath, let package = builder.package else {
            warnings.append("\(what): no file in the export to copy")
            return false
        }
        do {
            try package.copyFile(path: exportPath, to: url(relative))
            return true
        } catch {
            warnings.append("\(what): \(exportPath) could not be copied (\(error))")
            return false
        }
    }

    func sourceName() throws -> String {
        try database.read { db in
            try String.fetchOne(db, sql: "SELECT value FROM staged_export WHERE key = 'source'") ?? ""
        }
    }

    /// The staged properties JSON of an "other object", parsed.
    static func properties(_ json: String?) -> [String: Any] {
        guard let json, let data = json.data(using: .utf8),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return [:] }
        return object
    }

    /// A property that is text, or the id of a reference.
    static func value(_ properties: [String: Any], _ name: String) -> String? {
        if let text = properties[name] as? String { return text }
        if let reference = properties[name] as? [String: Any] { return reference["id"] as? String }
        return nil
    }

    /// An audit date as the export writes it (`2026-01-02 10:00:00.000`); the REST API's epoch
    /// milliseconds are turned into the same form (UTC) so one range covers both.
    static func auditDate(_ value: Any?) -> String {
        if let text = value as? String { return text }
        guard let number = value as? NSNumber else { return "" }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss.SSS"
        return formatter.string(from: Date(timeIntervalSince1970: number.doubleValue / 1000))
    }

    /// `value`, or JSON null.
    static func orNull(_ value: String?) -> Any {
        if let value { return value }
        return NSNull()
    }

    /// The extension of a file name (`png` for `avatar.png`), or "".
    static func fileExtension(_ name: String) -> String {
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count > 1, let last = parts.last, !last.contains("/") else { return "" }
        return String(last)
    }

    /// A file-system-safe name (letters, digits, `.`, `-`, `_`), never empty, at most 80 characters.
    static func safeName(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            if CharacterSet.alphanumerics.contains(scalar) && scalar.isASCII || scalar == "." || scalar == "-"
                || scalar == "_"
            {
                out.unicodeScalars.append(scalar)
            } else {
                out += "_"
            }
        }
        while out.hasPrefix(".") { out.removeFirst() }
        if out.isEmpty { out = "unnamed" }
        return String(out.prefix(80))
    }

    // MARK: drafts

    func drafts() throws -> ArchiveSection {
        try makeFolder("drafts")
        let list = try csv(
            "drafts/drafts.csv",
            ["draft_id", "user", "email", "space", "title", "kind", "created", "modified", "folder"])
        var perUser: [String: (email: String, titles: [String])] = [:]
        var count = 0
        let converter = StorageConverter()
        try database.read { db in
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT c.id, c.class, c.title, c.original_id, c.creator, c.last_modifier, c.created, c.modified,
                           c.version, c.draft_page_id, c.draft_type, COALESCE(s.key, c.space_key) AS space_key,
                           (SELECT b.body_type FROM staged_bodies b WHERE b.content_id = c.id
                            ORDER BY b.id DESC LIMIT 1) AS body_type,
                           (SELECT t.body FROM staged_bodies b JOIN staged_body_texts t ON t.id = b.id
                            WHERE b.content_id = c.id ORDER BY b.id DESC LIMIT 1) AS body
                    FROM staged_content c LEFT JOIN staged_spaces s ON s.id = c.effective_space_id
                    WHERE (c.class IN ('Page', 'BlogPost') AND c.status = 'draft') OR c.class = 'Draft'
                    ORDER BY c.id
                    """)
            while let row = try rows.next() {
                let id: String = row["id"]
                let className: String = row["class"]
                let title: String = (row["title"] as String?) ?? "(untitled)"
                let owner = person((row["creator"] as String?) ?? (row["last_modifier"] as String?))
                let user = owner?.username ?? ((row["creator"] as String?) ?? "unknown-user")
                let kind: String
                if className == "Draft" {
                    let pageID: String? = row["draft_page_id"]
                    kind =
                        pageID == nil || pageID == "0"
                        ? "personal draft, never published" : "personal draft of page \(pageID ?? "")"
                } else if let original: String = row["original_id"] {
                    kind = "unpublished edit of \(className == "BlogPost" ? "blog post" : "page") \(original)"
                } else {
                    kind = "shared draft, never published"
                }
                let space: String = (row["space_key"] as String?) ?? ""
                let created: String = (row["created"] as String?) ?? ""
                let modified: String = (row["modified"] as String?) ?? ""
                let body: String = (row["body"] as String?) ?? ""
                let bodyType: Int64? = row["body_type"]
                let relative = "drafts/\(Self.safeName(user))/\(Self.safeName(id))"
                try makeFolder(relative)
                let facts: [(String, String)] = [
                    ("Title", title), ("Author", user), ("Email", owner?.email ?? ""), ("Space", space), ("Kind", kind),
                    ("Created", created), ("Last modified", modified), ("Source id", id),
                ]
                try writeJSONObject(
                    [
                        "id": id, "title": title, "user": user, "email": owner?.email ?? "", "space": space,
                        "kind": kind, "created": created, "modified": modified, "class": className,
                        "bodyType": Self.orNull(bodyType.map { String($0) }),
                    ], to: relative + "/draft.json")
                try writeText(body, to: relative + "/storage.xml")
                var document: ADFDocument?
                if bodyType == nil || bodyType == 2 {
                    let result = converter.convert(body)
                    if result.isValid {
                        document = result.document
                        try writeText(result.document.jsonString, to: relative + "/adf.json")
                    } else {
                        warnings.append("draft \(id): the body did not convert to valid ADF; storage.xml holds it")
                    }
                } else {
                    warnings.append(
                        "draft \(id): body type \(bodyType.map(String.init) ?? "?") is not storage format; no ADF written"
                    )
                }
                try writeText(
                    ArchiveHTML.page(title: title, facts: facts, document: document, storage: body),
                    to: relative + "/view.html")
                try list.write([id, user, owner?.email ?? "", space, title, kind, created, modified, relative])
                perUser[user, default: (owner?.email ?? "", [])].titles.append(title)
                count += 1
            }
        }
        try list.close()
        let byUser = try csv("drafts/drafts-by-user.csv", ["user", "email", "draft_count", "titles"])
        for (user, entry) in perUser.sorted(by: { $0.key < $1.key }) {
            try byUser.write([user, entry.email, String(entry.titles.count), entry.titles.joined(separator: " | ")])
        }
        try byUser.close()
        return ArchiveSection(
            id: "drafts", title: "Personal drafts and unpublished shared drafts", count: count,
            files: ["drafts/drafts-by-user.csv", "drafts/drafts.csv"],
            note:
                "Cloud's API cannot create another person's draft. Each draft is kept as storage.xml, adf.json and view.html; ask each person in drafts-by-user.csv to publish or copy theirs before the freeze."
        )
    }

    // MARK: audit log

    func auditLog() throws -> ArchiveSection {
        try makeFolder("audit")
        guard let lines = FileHandle.create(url("audit/audit-log.jsonl")) else {
            throw ArchiveBuildError.cannotWrite(path: url("audit/audit-log.jsonl").path, reason: "cannot create")
        }
        defer { try? lines.close() }
        let table = try csv(
            "audit/audit-log.csv", ["id", "date", "author", "category", "summary", "description", "remote_address"])
        var count = 0
        var first: String?
        var last: String?
        try database.read { db in
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT class, id, properties FROM staged_other_objects
                    WHERE class IN ('AuditRecord', 'AuditRecordImpl', 'AuditEntity') ORDER BY class, CAST(id AS INTEGER), id
                    """)
            while let row = try rows.next() {
                let id: String = row["id"]
                let json: String = (row["properties"] as String?) ?? "{}"
                let properties = Self.properties(json)
                let date = Self.auditDate(properties["creationDate"] ?? properties["timestamp"])
                // An export references the author by key; the REST audit API gives an object with the user key.
                let authorObject = properties["author"] as? [String: Any]
                let author = person(
                    Self.value(properties, "author") ?? (authorObject?["userKey"] as? String)
                        ?? (authorObject?["username"] as? String) ?? Self.value(properties, "authorName"))
                let authorName =
                    author?.username ?? (authorObject?["username"] as? String)
                    ?? (authorObject?["displayName"] as? String) ?? Self.value(properties, "author") ?? ""
                lines.write(
                    Data(
                        "{\"class\":\(JSONText.quote(row["class"] as String)),\"id\":\(JSONText.quote(id)),\"author\":\(JSONText.quote(authorName)),\"properties\":\(json)}\n"
                            .utf8))
                try table.write([
                    id, date, authorName, Self.value(properties, "category") ?? "",
                    Self.value(properties, "summary") ?? "", Self.value(properties, "description") ?? "",
                    Self.value(properties, "remoteAddress") ?? "",
                ])
                if !date.isEmpty {
                    if first.map({ date < $0 }) ?? true { first = date }
                    if last.map({ date > $0 }) ?? true { last = date }
                }
                count += 1
            }
        }
        try table.close()
        try writeJSONObject(
            [
                "records": count, "from": Self.orNull(first), "to": Self.orNull(last),
                "note":
                    count == 0
                    ? "The export holds no audit records (Confluence 7.5 and later keep them in the database, not the XML export); archive them from the live site's audit API."
                    : "Every audit record the export holds.",
            ], to: "audit/range.json")
        return ArchiveSection(
            id: "audit-log", title: "Audit log", count: count,
            files: ["audit/audit-log.jsonl", "audit/audit-log.csv", "audit/range.json"],
            note:
                "Cloud cannot import audit history. Records from \(first ?? "-") to \(last ?? "-"), as JSON lines and CSV, for cold storage."
        )
    }

    // MARK: avatars

    func avatars() throws -> ArchiveSection {
        try makeFolder("avatars")
        let table = try csv(
            "avatars/avatars.csv",
            [
                "username", "user_key", "display_name", "email", "cloud_account", "matched_by", "file",
                "source_attachment",
            ])
        var count = 0
        try database.read { db in
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT a.id AS id,
                           COALESCE(json_extract(a.properties, '$.title'), json_extract(a.properties, '$.fileName'))
                               AS title,
                           p.properties AS owner,
                           (SELECT f.path FROM staged_attachment_files f
                            WHERE f.container_id = json_extract(a.properties, '$.containerContent.id')
                              AND f.attachment_id = a.id ORDER BY f.version DESC LIMIT 1) AS path
                    FROM staged_other_objects a
                    LEFT JOIN staged_other_objects p ON p.class = 'PersonalInformation'
                         AND p.id = json_extract(a.properties, '$.containerContent.id')
                    WHERE a.class = 'Attachment:PersonalInformation'
                      AND json_extract(a.properties, '$.originalVersion') IS NULL
                    UNION ALL
                    SELECT a.id, a.title, p.properties, a.file_path FROM staged_attachments a
                    JOIN staged_other_objects p ON p.class = 'PersonalInformation' AND p.id = a.container_id
                    WHERE a.original_id IS NULL
                    ORDER BY 1
                    """)
            while let row = try rows.next() {
                let id: String = row["id"]
                let owner = Self.properties(row["owner"])
                let who = person(Self.value(owner, "user") ?? Self.value(owner, "username"))
                let username = who?.username ?? Self.value(owner, "username") ?? "unknown-user"
                let title = (row["title"] as String?) ?? "avatar"
                let ext = Self.fileExtension(title)
                let relative =
                    "avatars/\(Self.safeName(username))-\(Self.safeName(id))"
                    + (ext.isEmpty ? "" : ".\(Self.safeName(ext))")
                let copied = copy(
                    exportPath: row["path"], to: relative, what: "avatar of \(username) (attachment \(id))")
                let (account, matchedBy) = cloudAccount(who)
                try table.write([
                    username, who?.key ?? "", who?.displayName ?? "", who?.email ?? "", account, matchedBy,
                    copied ? relative : "", id,
                ])
                count += 1
            }
        }
        try table.close()
        return ArchiveSection(
            id: "avatars", title: "User avatars (profile pictures)", count: count, files: ["avatars/avatars.csv"],
            note:
                "Cloud profile pictures belong to the Atlassian account and cannot be set by a migration. avatars.csv maps each picture to the Cloud account (identity mapping, else email) for re-upload."
        )
    }

    // MARK: emoticons

    func emoticons() throws -> ArchiveSection {
        try makeFolder("emoticons")
        let table = try csv("emoticons/emoticons.csv", ["shortcut", "name", "file", "source_id", "plugin"])
        var count = 0
        try database.read { db in
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT c.id, c.title, c.plugin_key,
                           (SELECT p.string_value FROM staged_content_properties p
                            WHERE p.content_id = c.id AND p.name IN ('shortcut', 'emoticon.shortcut') LIMIT 1) AS shortcut,
                           (SELECT a.title FROM staged_attachments a WHERE a.container_id = c.id
                            ORDER BY a.version DESC LIMIT 1) AS image_title,
                           (SELECT a.file_path FROM staged_attachments a WHERE a.container_id = c.id
                            ORDER BY a.version DESC LIMIT 1) AS image_path
                    FROM staged_content c
                    WHERE c.class = 'CustomContentEntityObject' AND c.original_id IS NULL
                      AND (lower(c.plugin_key) LIKE '%emoticon%' OR lower(c.plugin_key) LIKE '%emoji%')
                    ORDER BY c.id
                    """)
            while let row = try rows.next() {
                let id: String = row["id"]
                let name: String = (row["title"] as String?) ?? id
                let shortcut: String = (row["shortcut"] as String?) ?? name
                var file = ""
                if let imageTitle: String = row["image_title"] {
                    let ext = Self.fileExtension(imageTitle)
                    let relative =
                        "emoticons/\(Self.safeName(shortcut.trimmingCharacters(in: CharacterSet(charactersIn: ":"))))-\(Self.safeName(id))"
                        + (ext.isEmpty ? "" : ".\(Self.safeName(ext))")
                    if copy(exportPath: row["image_path"], to: relative, what: "emoticon \(shortcut) (\(id))") {
                        file = relative
                    }
                } else {
                    warnings.append("emoticon \(shortcut) (\(id)): the export holds no image for it")
                }
                try table.write([shortcut, name, file, id, (row["plugin_key"] as String?) ?? ""])
                count += 1
            }
        }
        try table.close()
        // Settings records about emoticons (whatever app stored them) are kept too.
        let settings = try bandanaRecords(where: "lower(key) LIKE '%emoticon%' OR lower(key) LIKE '%emoji%'")
        try writeJSONObject(settings, to: "emoticons/emoticon-settings.json")
        return ArchiveSection(
            id: "emoticons", title: "Custom emoticons", count: count,
            files: ["emoticons/emoticons.csv", "emoticons/emoticon-settings.json"],
            note:
                "Cloud's API cannot add custom emojis. Each emoticon's shortcut and image are here for re-upload (Cloud editor → Add your own emoji); \(settings.count) emoticon settings record(s) are in emoticon-settings.json."
        )
    }

    /// Settings (Bandana) records matching an SQL condition on `context`/`key`, as JSON objects.
    func bandanaRecords(where condition: String) throws -> [[String: Any]] {
        try database.read { db in
            var records: [[String: Any]] = []
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT id, properties, json_extract(properties, '$.context') AS context,
                           json_extract(properties, '$.key') AS key
                    FROM staged_other_objects WHERE class = 'ConfluenceBandanaRecord' AND (\(condition))
                    ORDER BY CAST(id AS INTEGER), id
                    """)
            while let row = try rows.next() {
                let properties = Self.properties(row["properties"])
                records.append([
                    "id": row["id"] as String, "context": Self.orNull(Self.value(properties, "context")),
                    "key": Self.orNull(Self.value(properties, "key")),
                    "value": Self.orNull(Self.value(properties, "value")),
                ])
            }
            return records
        }
    }
}

extension FileHandle {
    /// Creates (or truncates) a file and opens it for writing.
    static func create(_ url: URL) -> FileHandle? {
        guard FileManager.default.createFile(atPath: url.path, contents: nil) else { return nil }
        return FileHandle(forWritingAtPath: url.path)
    }
}
