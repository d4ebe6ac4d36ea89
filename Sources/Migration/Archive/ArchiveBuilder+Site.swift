import ConfluenceExport
import Foundation
import GRDB
import Reports
import Workspace

/// The site-wide parts of an archive: settings, permission matrices, apps, admins and the rest.
extension ArchiveRun {
    /// Objects whose contents are credentials: counted, never copied.
    static let secretClasses: Set<String> = ["ConfluenceRememberMeToken", "InternalUserCredentialRecord"]
    /// Classes another section archives.
    static let archivedElsewhere: Set<String> = [
        "AuditRecord", "AuditRecordImpl", "AuditEntity", "ConfluenceBandanaRecord", "Attachment:PersonalInformation",
        "InstalledApp",
    ]

    // MARK: global settings

    func settings() throws -> ArchiveSection {
        try makeFolder("settings")
        let records = try bandanaRecords(where: "1")
        func matches(_ record: [String: Any], _ words: [String]) -> Bool {
            let key = ((record["key"] as? String) ?? "").lowercased()
            return words.contains { key.contains($0) }
        }
        var siteConfiguration: [[String: Any]] = []
        var lookAndFeel: [[String: Any]] = []
        var security: [[String: Any]] = []
        var spaceSettings: [[String: Any]] = []
        var other: [[String: Any]] = []
        for record in records {
            let context = (record["context"] as? String) ?? ""
            let key = ((record["key"] as? String) ?? "").lowercased()
            if matches(
                record,
                [
                    "colour", "color", "lookandfeel", "look-and-feel", "theme", "decorator", "logo", "customhtml",
                    "stylesheet", "favicon",
                ])
            {
                lookAndFeel.append(record)
            } else if matches(record, ["security", "websudo", "captcha", "xsrf", "password", "login"]) {
                security.append(record)
            } else if key == "atlassian.confluence.settings" || key.hasPrefix("atlassian.confluence.settings") {
                siteConfiguration.append(record)
            } else if context != "_GLOBAL" && !context.isEmpty && !context.contains(".") {
                spaceSettings.append(record)
            } else {
                other.append(record)
            }
        }
        var globalPermissions: [[String: Any]] = []
        try database.read { db in
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT id, type, group_name, user_key, user_name, all_users FROM staged_space_permissions
                    WHERE space_id IS NULL ORDER BY type, group_name, user_key, user_name, id
                    """)
            while let row = try rows.next() {
                let (kind, subject) = self.subject(row)
                globalPermissions.append([
                    "id": row["id"] as String, "permission": (row["type"] as String?) ?? "", "subjectType": kind,
                    "subject": subject,
                ])
            }
        }
        try writeJSONObject(
            [
                "siteConfiguration": siteConfiguration, "lookAndFeel": lookAndFeel, "security": security,
                "spaceSettings": spaceSettings, "otherSettingsRecords": other, "globalPermissions": globalPermissions,
                "note":
                    "Settings records (Bandana) as the export holds them: the value is the XML Confluence stored. Cloud has its own settings; re-apply what you need by hand.",
            ], to: "settings/global-settings.json")
        guard let lines = FileHandle.create(url("settings/settings-records.jsonl")) else {
            throw ArchiveBuildError.cannotWrite(
                path: url("settings/settings-records.jsonl").path, reason: "cannot create")
        }
        defer { try? lines.close() }
        for record in records {
            let data =
                (try? JSONSerialization.data(withJSONObject: record, options: [.sortedKeys, .withoutEscapingSlashes]))
                ?? Data("{}".utf8)
            lines.write(data + Data("\n".utf8))
        }
        return ArchiveSection(
            id: "global-settings", title: "Global settings", count: records.count,
            files: ["settings/global-settings.json", "settings/settings-records.jsonl"],
            note:
                "\(records.count) settings records (site configuration \(siteConfiguration.count), look and feel \(lookAndFeel.count), security \(security.count), space \(spaceSettings.count), other \(other.count)) and \(globalPermissions.count) global permissions. Cloud cannot import them; re-apply by hand."
        )
    }

    /// `group`/`user`/`anonymous` and the name, for a permission row.
    func subject(_ row: Row) -> (String, String) {
        if let group: String = row["group_name"] { return ("group", group) }
        if let key: String = row["user_key"] { return ("user", person(key)?.username ?? key) }
        if let name: String = row["user_name"] { return ("user", name) }
        if let all: String = row["all_users"] { return ("anonymous", all) }
        return ("anonymous", "anonymous")
    }

    // MARK: permissions

    func permissions() throws -> ArchiveSection {
        try makeFolder("permissions")
        var types = Set<String>()
        // (space, subject type, subject) → permissions
        var matrix: [String: [String: Set<String>]] = [:]
        var total = 0
        var global = 0
        try database.read { db in
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT p.type, p.group_name, p.user_key, p.user_name, p.all_users, p.space_id, s.key AS space_key
                    FROM staged_space_permissions p LEFT JOIN staged_spaces s ON s.id = p.space_id
                    """)
            while let row = try rows.next() {
                let type: String = (row["type"] as String?) ?? "(none)"
                types.insert(type)
                let spaceID: String? = row["space_id"]
                let space = spaceID == nil ? "" : ((row["space_key"] as String?) ?? "space \(spaceID ?? "")")
                if spaceID == nil { global += 1 }
                let (kind, name) = self.subject(row)
                matrix[space, default: [:]]["\(kind)\u{0}\(name)", default: []].insert(type)
                total += 1
            }
        }
        let globalTypes = Set(matrix[""]?.values.flatMap { $0 } ?? []).sorted()
        let spaceTypes = Set(matrix.filter { !$0.key.isEmpty }.values.flatMap { $0.values.flatMap { $0 } }).sorted()
        let globalTable = try csv("permissions/global-permissions.csv", ["subject_type", "subject"] + globalTypes)
        for (subject, granted) in (matrix[""] ?? [:]).sorted(by: { $0.key < $1.key }) {
            let parts = subject.split(separator: "\u{0}", maxSplits: 1).map(String.init)
            try globalTable.write(parts + globalTypes.map { granted.contains($0) ? "yes" : "" })
        }
        try globalTable.close()
        let spaceTable = try csv(
            "permissions/space-permissions.csv", ["space", "subject_type", "subject"] + spaceTypes)
        for (space, subjects) in matrix.sorted(by: { $0.key < $1.key }) where !space.isEmpty {
            for (subject, granted) in subjects.sorted(by: { $0.key < $1.key }) {
                let parts = subject.split(separator: "\u{0}", maxSplits: 1).map(String.init)
                try spaceTable.write([space] + parts + spaceTypes.map { granted.contains($0) ? "yes" : "" })
            }
        }
        try spaceTable.close()
        return ArchiveSection(
            id: "permissions", title: "Global and space permission matrices", count: total,
            files: ["permissions/global-permissions.csv", "permissions/space-permissions.csv"],
            note:
                "\(global) global and \(total - global) space permission entries. Ferry migrates space permissions (see carried-by-ferry.json); global permissions must be re-granted in Cloud by hand. The matrices are the record of what the old site granted."
        )
    }

    // MARK: apps

    func apps() throws -> ArchiveSection {
        try makeFolder("apps")
        struct App {
            var key: String
            var name: String
            var version = ""
            var evidence: Set<String> = []
        }
        var apps: [String: App] = [:]
        func note(_ key: String, name: String? = nil, version: String? = nil, _ evidence: String) {
            let entry = MacroCatalog.entries.first { $0.appKey == key }
            var app = apps[key] ?? App(key: key, name: name ?? entry?.app ?? key)
            if let version, !version.isEmpty { app.version = version }
            app.evidence.insert(evidence)
            apps[key] = app
        }
        // 1. Active Objects data versions in the export descriptor.
        let descriptor: [String: String] = try database.read { db in
            var values: [String: String] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT key, value FROM staged_export WHERE key LIKE 'ao.data.%'") {
                values[row["key"] as String] = row["value"] as String?
            }
            return values
        }
        for key in (descriptor["ao.data.list"] ?? "").split(separator: ",").map({
            $0.trimmingCharacters(in: .whitespaces)
        })
        where !key.isEmpty {
            note(key, version: descriptor["ao.data.version.\(key)"], "app data (Active Objects) in the export")
        }
        for (name, version) in descriptor
        where name.hasPrefix("ao.data.version.") && !name.hasPrefix("ao.data.version.min.") {
            note(
                String(name.dropFirst("ao.data.version.".count)), version: version,
                "app data (Active Objects) in the export")
        }
        // 2. Apps the plugin manager reported (a live Data Center source), bundled system apps left out.
        try database.read { db in
            let rows = try Row.fetchCursor(
                db, sql: "SELECT id, properties FROM staged_other_objects WHERE class = 'InstalledApp' ORDER BY id")
            while let row = try rows.next() {
                let properties = Self.properties(row["properties"])
                guard properties["userInstalled"] as? Bool != false else { continue }
                note(
                    row["id"] as String, name: properties["name"] as? String, version: properties["version"] as? String,
                    "installed (the site's plugin manager)")
            }
        }
        // 3. App content (custom content) and app settings records, by plugin key.
        let customRows = try csv(
            "apps/custom-content.csv", ["app_key", "plugin_module", "content_id", "title", "space", "created"])
        try database.read { db in
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT c.id, c.title, c.plugin_key, c.created, s.key AS space_key FROM staged_content c
                    LEFT JOIN staged_spaces s ON s.id = c.effective_space_id
                    WHERE c.class = 'CustomContentEntityObject' AND c.original_id IS NULL ORDER BY c.id
                    """)
            while let row = try rows.next() {
                let module: String = (row["plugin_key"] as String?) ?? ""
                let key = String(module.split(separator: ":").first ?? "")
                if !key.isEmpty { note(key, "app content (custom content) in the export") }
                try customRows.write([
                    key, module, row["id"] as String, (row["title"] as String?) ?? "",
                    (row["space_key"] as String?) ?? "", (row["created"] as String?) ?? "",
                ])
            }
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT DISTINCT json_extract(properties, '$.key') AS key FROM staged_other_objects
                    WHERE class = 'ConfluenceBandanaRecord' AND json_extract(properties, '$.key') LIKE '%:%'
                    """)
            {
                guard let full: String = row["key"] else { continue }
                let key = String(full.split(separator: ":").first ?? "")
                if key.contains("."), !key.hasPrefix("atlassian.confluence") {
                    note(key, "settings record in the export")
                }
            }
        }
        try customRows.close()
        // 4. Macros used on current pages, by app.
        let usage = try csv(
            "apps/macro-usage.csv", ["app", "app_key", "macro", "space", "page_id", "page_title", "uses"])
        var macroPages: [String: Set<String>] = [:]
        try database.read { db in
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT m.macro, c.id, c.title, s.key AS space_key, SUM(m.occurrences) AS uses
                    FROM staged_macro_uses m JOIN staged_bodies b ON b.id = m.body_id
                    JOIN staged_content c ON c.id = b.content_id
                    LEFT JOIN staged_spaces s ON s.id = c.effective_space_id
                    WHERE c.class IN ('Page', 'BlogPost') AND c.original_id IS NULL
                      AND COALESCE(c.status, 'current') = 'current'
                    GROUP BY m.macro, c.id ORDER BY m.macro, s.key, c.id
                    """)
            while let row = try rows.next() {
                let macro: String = row["macro"]
                let entry = MacroCatalog.entry(forMacro: macro)
                if entry?.app == MacroCatalog.confluence || (entry?.availability == .builtIn && entry?.appKey == nil) {
                    continue
                }
                let app = entry?.app ?? "(unknown app)"
                let key = entry?.appKey ?? ""
                if !key.isEmpty { note(key, "macro \(macro) used on pages") }
                macroPages[app, default: []].insert(row["id"] as String)
                try usage.write([
                    app, key, macro, (row["space_key"] as String?) ?? "", row["id"] as String,
                    (row["title"] as String?) ?? "",
                    String((row["uses"] as Int64?) ?? 0),
                ])
            }
        }
        try usage.close()
        // 5. App content stored as attachments, copied.
        try makeFolder("apps/attachments")
        let files = try csv(
            "apps/app-attachments.csv",
            ["app", "page_id", "page_title", "space", "attachment_id", "title", "media_type", "file"])
        var appFiles = 0
        try database.read { db in
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT a.id, a.title, a.media_type, a.file_path, a.container_id, c.title AS page_title,
                           s.key AS space_key
                    FROM staged_attachments a LEFT JOIN staged_content c ON c.id = a.container_id
                    LEFT JOIN staged_spaces s ON s.id = a.effective_space_id
                    WHERE a.original_id IS NULL AND COALESCE(a.status, 'current') = 'current'
                      AND (lower(a.media_type) IN ('application/vnd.jgraph.mxfile', 'application/gliffy+json', 'text/calendar')
                           OR lower(a.title) LIKE '%.drawio' OR lower(a.title) LIKE '%.drawio.png'
                           OR lower(a.title) LIKE '%.gliffy' OR lower(a.title) LIKE '%.ics')
                    ORDER BY a.container_id, a.id
                    """)
            while let row = try rows.next() {
                let id: String = row["id"]
                let title: String = (row["title"] as String?) ?? id
                let media: String = (row["media_type"] as String?)?.lowercased() ?? ""
                let lowered = title.lowercased()
                let app: (slug: String, name: String, key: String)
                if media == "application/gliffy+json" || lowered.hasSuffix(".gliffy") {
                    app = ("gliffy", "Gliffy Diagrams", "com.gliffy.integration.confluence")
                } else if media == "text/calendar" || lowered.hasSuffix(".ics") {
                    app = ("team-calendars", "Team Calendars", "com.atlassian.confluence.extra.team-calendars")
                } else {
                    app = ("drawio", "draw.io Diagrams", "com.mxgraph.confluence.plugins.diagramly")
                }
                note(app.key, "\(app.name) files attached to pages")
                let container: String = (row["container_id"] as String?) ?? "none"
                let relative =
                    "apps/attachments/\(app.slug)/\(Self.safeName(container))-\(Self.safeName(id))-\(Self.safeName(title))"
                try makeFolder("apps/attachments/\(app.slug)")
                let copied = copy(exportPath: row["file_path"], to: relative, what: "\(app.name) file \(title) (\(id))")
                try files.write([
                    app.name, container, (row["page_title"] as String?) ?? "", (row["space_key"] as String?) ?? "", id,
                    title, media,
                    copied ? relative : "",
                ])
                appFiles += 1
            }
        }
        try files.close()
        // 6. The export's plugin-data folder (Active Objects backup), copied as is.
        var pluginFiles = 0
        if let package = builder.package {
            for file in try package.files(under: "plugin-data/") {
                if copy(exportPath: file.path, to: "apps/" + file.path, what: "plugin data") { pluginFiles += 1 }
            }
        }
        let installed = try csv(
            "apps/installed-apps.csv",
            ["app_key", "name", "version", "cloud_version", "pages_using_macros", "evidence", "note"])
        for app in apps.values.sorted(by: { $0.key < $1.key }) {
            let entry = MacroCatalog.entries.first { $0.appKey == app.key }
            let cloud: String
            switch entry?.availability {
            case .cloudApp: cloud = "yes"
            case .builtIn: cloud = "built into Cloud"
            case .unavailable: cloud = "no"
            case nil: cloud = "unknown: check the Marketplace"
            }
            try installed.write([
                app.key, app.name, app.version, cloud, String(macroPages[app.name]?.count ?? 0),
                app.evidence.sorted().joined(separator: "; "), entry?.note ?? "",
            ])
        }
        try installed.close()
        return ArchiveSection(
            id: "apps", title: "Apps and app data", count: apps.count,
            files: [
                "apps/installed-apps.csv", "apps/macro-usage.csv", "apps/app-attachments.csv",
                "apps/custom-content.csv",
            ] + (pluginFiles > 0 ? ["apps/plugin-data"] : []),
            note:
                "\(apps.count) apps seen in the export (an XML export has no list of installed apps: they are found from app data, app content, settings and macros), \(appFiles) app files attached to pages, \(pluginFiles) plugin-data file(s). App data moves only through each vendor's own migration path."
        )
    }

    // MARK: admins

    func admins() throws -> ArchiveSection {
        try makeFolder("admins")
        let members = try csv(
            "admins/blocklisted-group-members.csv",
            ["group", "member_type", "username", "display_name", "email", "cloud_account"])
        var lost: [String: (person: ArchivePerson, groups: Set<String>)] = [:]
        var count = 0
        let blocklisted = IdentityAudit.blocklistedGroups
        try database.read { db in
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT g.name AS group_name, m.user_id, m.child_group_id,
                           (SELECT c.name FROM staged_groups c WHERE c.id = m.child_group_id LIMIT 1) AS child_name
                    FROM staged_groups g JOIN staged_memberships m ON m.group_id = g.id
                    ORDER BY g.name, m.user_id
                    """)
            while let row = try rows.next() {
                let group: String = (row["group_name"] as String?) ?? ""
                guard blocklisted.contains(group.lowercased()) else { continue }
                if let child = (row["child_name"] as String?) ?? (row["child_group_id"] as String?) {
                    try members.write([group, "group", child, "", "", ""])
                    count += 1
                    continue
                }
                let id: String = (row["user_id"] as String?) ?? ""
                let who = person(id) ?? ArchivePerson(key: "", username: id, email: "", displayName: "")
                let (account, _) = cloudAccount(who)
                try members.write([group, "user", who.username, who.displayName, who.email, account])
                lost[who.username, default: (who, [])].groups.insert(group)
                count += 1
            }
        }
        try members.close()
        // What those groups granted site-wide.
        let grants: [String: Set<String>] = try database.read { db in
            var grants: [String: Set<String>] = [:]
            for row in try Row.fetchAll(
                db,
                sql:
                    "SELECT group_name, type FROM staged_space_permissions WHERE space_id IS NULL AND group_name IS NOT NULL"
            ) {
                grants[(row["group_name"] as String).lowercased(), default: []].insert((row["type"] as String?) ?? "")
            }
            return grants
        }
        let readd = try csv(
            "admins/readd-by-hand.csv",
            ["username", "display_name", "email", "cloud_account", "blocklisted_groups", "global_permissions_lost"])
        for (username, entry) in lost.sorted(by: { $0.key < $1.key }) {
            let permissions = entry.groups.flatMap { grants[$0.lowercased()] ?? [] }
            try readd.write([
                username, entry.person.displayName, entry.person.email, cloudAccount(entry.person).account,
                entry.groups.sorted().joined(separator: "; "), Set(permissions).sorted().joined(separator: "; "),
            ])
        }
        try readd.close()
        return ArchiveSection(
            id: "admins", title: "Members of blocklisted admin groups", count: count,
            files: ["admins/readd-by-hand.csv", "admins/blocklisted-group-members.csv"],
            note:
                "Atlassian never migrates \(blocklisted.sorted().joined(separator: ", ")). \(lost.count) people lose the admin rights these groups gave; re-add them to the Cloud admin groups by hand (readd-by-hand.csv)."
        )
    }

    // MARK: everything else

    func otherObjects() throws -> ArchiveSection {
        try makeFolder("other")
        guard let lines = FileHandle.create(url("other/other-objects.jsonl")) else {
            throw ArchiveBuildError.cannotWrite(path: url("other/other-objects.jsonl").path, reason: "cannot create")
        }
        defer { try? lines.close() }
        var count = 0
        var withheld: [String: Int] = [:]
        var byClass: [String: Int] = [:]
        try database.read { db in
            let rows = try Row.fetchCursor(
                db, sql: "SELECT class, id, properties FROM staged_other_objects ORDER BY class, id")
            while let row = try rows.next() {
                let className: String = row["class"]
                if Self.archivedElsewhere.contains(className) { continue }
                if Self.secretClasses.contains(className) {
                    withheld[className, default: 0] += 1
                    continue
                }
                let id: String = row["id"]
                let json: String = (row["properties"] as String?) ?? "{}"
                lines.write(
                    Data(
                        "{\"class\":\(JSONText.quote(className)),\"id\":\(JSONText.quote(id)),\"properties\":\(json)}\n"
                            .utf8))
                byClass[className, default: 0] += 1
                count += 1
            }
        }
        try writeJSONObject(["archived": byClass, "withheldAsSecrets": withheld], to: "other/classes.json")
        let withheldText =
            withheld.isEmpty
            ? ""
            : " Withheld because they hold credentials: "
                + withheld.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ") + "."
        return ArchiveSection(
            id: "other-objects", title: "Other objects Cloud has no place for", count: count,
            files: ["other/other-objects.jsonl", "other/classes.json"],
            note: "Every other object of the export that no Cloud API takes, with all its properties." + withheldText)
    }

    // MARK: what Ferry carries

    func carried() throws -> [CarriedItem] {
        try database.read { db in
            func count(_ sql: String) throws -> Int { try Int.fetchOne(db, sql: sql) ?? 0 }
            let list = IdentityAudit.blocklistedGroups.map { "'\($0)'" }.joined(separator: ",")
            return [
                CarriedItem(
                    item: "space permissions",
                    count: try count("SELECT COUNT(*) FROM staged_space_permissions WHERE space_id IS NOT NULL"),
                    how: "ferry migrate sets them on each Cloud space (users and groups mapped)"),
                CarriedItem(
                    item: "page restrictions",
                    count: try count("SELECT COUNT(*) FROM staged_content_permissions"),
                    how: "ferry migrate sets view and edit restrictions on each page"),
                CarriedItem(
                    item: "groups (not blocklisted)",
                    count: try count("SELECT COUNT(*) FROM staged_groups WHERE lower(name) NOT IN (\(list))"),
                    how: "created in Cloud by the identity step"),
                CarriedItem(
                    item: "group memberships (not blocklisted)",
                    count: try count(
                        """
                        SELECT COUNT(*) FROM staged_memberships m JOIN staged_groups g ON g.id = m.group_id
                        WHERE lower(g.name) NOT IN (\(list))
                        """),
                    how: "added in Cloud by the identity step"),
                CarriedItem(
                    item: "pages, blog posts, comments, attachments, labels and history",
                    count: try count(
                        """
                        SELECT COUNT(*) FROM staged_content WHERE class IN ('Page', 'BlogPost', 'Comment')
                        AND original_id IS NULL AND COALESCE(status, 'current') = 'current'
                        """),
                    how: "ferry migrate writes them through the Cloud REST API"),
            ]
        }
    }

    /// `index.html`: the archive's contents for a person, from the same data as index.json.
    func writeOverview(_ index: ArchiveIndex) throws {
        var report = Report(
            title: "Ferry archive", subtitle: "What Confluence Cloud cannot take, kept from \(index.source)",
            generator: builder.generator)
        report.figures = index.sections.map { Figure($0.title, $0.count) }
        report.tables.append(
            Table(
                id: "sections", title: "Contents", columns: ["part", "items", "open", "note"],
                rows: index.sections.map { [$0.title, String($0.count), $0.files.first ?? "", $0.note] },
                linkColumn: 2))
        report.tables.append(
            Table(
                id: "carried-by-ferry", title: "Carried by Ferry during migration instead",
                columns: ["item", "count", "how"],
                rows: index.carriedByFerry.map { [$0.item, String($0.count), $0.how] }))
        report.knownLimits = index.warnings
        let html = HTMLRenderer().render(report)
        try writeText(html, to: "index.html")
    }
}
