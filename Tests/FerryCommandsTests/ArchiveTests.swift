import Foundation
import Testing

/// `ferry archive` through the built binary: a planted sample site, the real exports in
/// ../shared, tamper detection with --check, and the migration report's links.
@Suite("ferry archive", .serialized)
struct ArchiveTests {
    // MARK: helpers

    static func json(_ text: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] ?? [:]
    }

    static func jsonFile(_ url: URL) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any] ?? [:]
    }

    /// RFC 4180 rows as dictionaries keyed by the header.
    static func csv(_ url: URL) throws -> [[String: String]] {
        let text = try String(contentsOf: url, encoding: .utf8)
        var rows: [[String]] = []
        var row: [String] = []
        var field = ""
        var quoted = false
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            if quoted {
                if character == "\"" {
                    let next = text.index(after: index)
                    if next < text.endIndex, text[next] == "\"" {
                        field.append("\"")
                        index = next
                    } else {
                        quoted = false
                    }
                } else {
                    field.append(character)
                }
            } else if character == "\"" {
                quoted = true
            } else if character == "," {
                row.append(field)
                field = ""
            } else if character == "\n" || character == "\r\n" {
                row.append(field)
                rows.append(row)
                row = []
                field = ""
            } else if character != "\r" {
                field.append(character)
            }
            index = text.index(after: index)
        }
        if !field.isEmpty || !row.isEmpty {
            row.append(field)
            rows.append(row)
        }
        guard let header = rows.first else { return [] }
        return rows.dropFirst().map { values in
            Dictionary(
                uniqueKeysWithValues: header.enumerated().map {
                    ($0.element, $0.offset < values.count ? values[$0.offset] : "")
                })
        }
    }

    static func lines(_ url: URL) throws -> [[String: Any]] {
        try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] ?? [:]
        }
    }

    // MARK: planted sample

    @Test(
        "a planted sample: the archive holds every planted item, --check catches a changed and a removed file, the report links rows"
    )
    func plantedSample() throws {
        let directory = try makeTemporaryDirectory("ferry-archive")
        defer { try? FileManager.default.removeItem(at: directory) }
        let site = directory.appendingPathComponent("site")
        let sample = try FerryProcess.run([
            "sample", "--out", site.path, "--spaces", "2", "--pages", "40", "--attachments", "8", "--seed", "5",
            "--plant-archive",
        ])
        #expect(sample.status == 0, "sample failed: \(sample.stderr)")
        let planted =
            try Self.jsonFile(site.appendingPathComponent("manifest.json"))["archive"] as? [String: Any] ?? [:]
        #expect(planted["planted"] as? Bool == true)

        let workspace = directory.appendingPathComponent("ws")
        let archive = directory.appendingPathComponent("archive")
        let run = try FerryProcess.run([
            "archive", "--from", site.path, "--workspace", workspace.path, "--out", archive.path, "--zip", "--json",
        ])
        #expect(run.status == 0, "archive failed: \(run.stderr)")
        let summary = try Self.json(run.stdout)
        let sections = Dictionary(
            uniqueKeysWithValues: (summary["sections"] as? [[String: Any]] ?? []).map {
                ($0["id"] as? String ?? "", $0)
            })
        #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("archive.zip").path))

        let avatars = try Self.expectEveryPlantedItem(
            archive: archive, planted: planted, sections: sections, auditFromREST: false)

        // What Ferry carries instead.
        let carried =
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: archive.appendingPathComponent("carried-by-ferry.json"))) as? [[String: Any]]
            ?? []
        #expect(
            Set(carried.map { $0["item"] as? String ?? "" }).isSuperset(of: [
                "space permissions", "page restrictions", "group memberships (not blocklisted)",
            ]))
        #expect(carried.first { $0["item"] as? String == "space permissions" }?["count"] as? Int == 12)

        // Intact, then tampered.
        let intact = try FerryProcess.run(["archive", "--check", archive.path, "--workspace", workspace.path])
        #expect(intact.status == 0, "\(intact.stdout) \(intact.stderr)")
        #expect(intact.stdout.contains("Intact"))
        let changed = archive.appendingPathComponent("audit/audit-log.csv")
        let handle = try FileHandle(forWritingTo: changed)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("999,forged\n".utf8))
        try handle.close()
        let removed = avatars.first?["file"] ?? "avatars.csv"
        try FileManager.default.removeItem(at: archive.appendingPathComponent(removed))
        let tampered = try FerryProcess.run(["archive", "--check", archive.path, "--workspace", workspace.path])
        #expect(tampered.status == 1)
        #expect(tampered.stdout.contains("modified: audit/audit-log.csv"), "\(tampered.stdout)")
        #expect(tampered.stdout.contains("missing: \(removed)"), "\(tampered.stdout)")
        let asJSON = try Self.json(
            try FerryProcess.run(["archive", "--check", archive.path, "--workspace", workspace.path, "--json"]).stdout)
        #expect(asJSON["intact"] as? Bool == false)
        #expect((asJSON["problems"] as? [[String: Any]])?.count == 2)

        // The migration report links each not-migrated row to its archive file.
        let migrate = try FerryProcess.run([
            "migrate", "--from", site.path, "--to", "twin", "--workspace", workspace.path, "--json",
        ])
        #expect(migrate.status == 0, "migrate failed: \(migrate.stderr)")
        let reportFolder = workspace.appendingPathComponent("report")
        let report = try FerryProcess.run(["report", "--workspace", workspace.path, "--out", reportFolder.path])
        #expect(report.status == 0, "report failed: \(report.stderr)")
        let notMigrated = try Self.csv(reportFolder.appendingPathComponent("not-migrated.csv"))
        #expect(notMigrated.count == sections.count)
        let draftsRow = notMigrated.first { $0["item"] == "Personal drafts and unpublished shared drafts" }
        #expect(draftsRow?["archive file"] == "../../archive/drafts/drafts-by-user.csv")
        #expect(draftsRow?["count"] == String((planted["drafts"] as? [Any] ?? []).count))
        for row in notMigrated {
            let target = reportFolder.appendingPathComponent(row["archive file"] ?? "-").standardizedFileURL
            #expect(FileManager.default.fileExists(atPath: target.path), "\(row)")
        }
        let html = try String(contentsOf: reportFolder.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(html.contains("<a href=\"../../archive/drafts/drafts-by-user.csv\">"))
    }

    /// Checks that the archive holds every item `ferry sample --plant-archive` planted
    /// (the manifest's `archive` section) and returns the avatars listed.
    @discardableResult
    static func expectEveryPlantedItem(
        archive: URL, planted: [String: Any], sections: [String: [String: Any]], auditFromREST: Bool
    ) throws -> [[String: String]] {
        // Drafts: every planted draft, with storage, ADF and HTML, and the per-user list.
        let plantedDrafts = planted["drafts"] as? [[String: Any]] ?? []
        #expect(!plantedDrafts.isEmpty)
        let drafts = try Self.csv(archive.appendingPathComponent("drafts/drafts.csv"))
        #expect(Set(drafts.map { $0["draft_id"] ?? "" }) == Set(plantedDrafts.map { $0["id"] as? String ?? "" }))
        #expect(sections["drafts"]?["count"] as? Int == plantedDrafts.count)
        for draft in plantedDrafts {
            let row = drafts.first { $0["draft_id"] == draft["id"] as? String }
            #expect(row?["title"] == draft["title"] as? String)
            #expect(row?["space"] == draft["space"] as? String)
            let folder = archive.appendingPathComponent(row?["folder"] ?? "missing")
            for file in ["draft.json", "storage.xml", "adf.json", "view.html"] {
                #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent(file).path), "\(file)")
            }
        }
        let adf = try Self.jsonFile(
            archive.appendingPathComponent(drafts.first?["folder"] ?? "").appendingPathComponent("adf.json"))
        #expect(adf["type"] as? String == "doc")
        let byUser = try Self.csv(archive.appendingPathComponent("drafts/drafts-by-user.csv"))
        #expect(byUser.map { Int($0["draft_count"] ?? "") ?? 0 }.reduce(0, +) == plantedDrafts.count)
        #expect(byUser.allSatisfy { !($0["email"] ?? "").isEmpty && !($0["titles"] ?? "").isEmpty })

        // Audit log: every record, with the covered range. From a live site the records come
        // from /rest/api/audit, which has no export ids: the same number, authors and dates.
        let audit = try Self.lines(archive.appendingPathComponent("audit/audit-log.jsonl"))
        if auditFromREST {
            #expect(audit.count == (planted["auditRecords"] as? [String] ?? []).count)
        } else {
            #expect(Set(audit.map { $0["id"] as? String ?? "" }) == Set(planted["auditRecords"] as? [String] ?? []))
        }
        let range = try Self.jsonFile(archive.appendingPathComponent("audit/range.json"))
        #expect(range["from"] as? String == "2025-11-02 08:15:00.000")
        #expect(range["to"] as? String == "2026-02-10 23:59:59.000")
        #expect(try Self.csv(archive.appendingPathComponent("audit/audit-log.csv")).count == audit.count)

        // Avatars: one per planted user, file copied, mapped to the Cloud account by email.
        let avatars = try Self.csv(archive.appendingPathComponent("avatars/avatars.csv"))
        let plantedAvatars = planted["avatars"] as? [[String: Any]] ?? []
        #expect(Set(avatars.map { $0["username"] ?? "" }) == Set(plantedAvatars.map { $0["user"] as? String ?? "" }))
        for avatar in avatars {
            #expect(avatar["cloud_account"] == "\(avatar["username"] ?? "")@sample-corp.net")
            #expect(avatar["matched_by"] == "email")
            #expect(FileManager.default.fileExists(atPath: archive.appendingPathComponent(avatar["file"] ?? "-").path))
        }

        // Emoticons: shortcut and image.
        let emoticons = try Self.csv(archive.appendingPathComponent("emoticons/emoticons.csv"))
        let plantedEmoticons = planted["emoticons"] as? [[String: Any]] ?? []
        #expect(
            Set(emoticons.map { $0["shortcut"] ?? "" }) == Set(plantedEmoticons.map { $0["shortcut"] as? String ?? "" })
        )
        for emoticon in emoticons {
            let image = try Data(contentsOf: archive.appendingPathComponent(emoticon["file"] ?? "-"))
            #expect(image.starts(with: [0x89, 0x50, 0x4E, 0x47]))
        }

        // Global settings and permissions.
        let records = try Self.lines(archive.appendingPathComponent("settings/settings-records.jsonl"))
        #expect(Set(records.map { $0["id"] as? String ?? "" }) == Set(planted["settingsRecords"] as? [String] ?? []))
        let settings = try Self.jsonFile(archive.appendingPathComponent("settings/global-settings.json"))
        #expect((settings["globalPermissions"] as? [Any])?.count == planted["globalPermissions"] as? Int)
        #expect((settings["lookAndFeel"] as? [[String: Any]])?.contains { $0["id"] as? String == "70004" } == true)
        #expect(
            (settings["siteConfiguration"] as? [[String: Any]])?.contains { $0["id"] as? String == "70001" } == true)
        #expect((settings["security"] as? [[String: Any]])?.contains { $0["id"] as? String == "70006" } == true)
        let global = try Self.csv(archive.appendingPathComponent("permissions/global-permissions.csv"))
        #expect(global.contains { $0["subject"] == "system-administrators" && $0["SYSTEMADMINISTRATOR"] == "yes" })
        let space = try Self.csv(archive.appendingPathComponent("permissions/space-permissions.csv"))
        #expect(Set(space.map { $0["space"] ?? "" }) == ["SP1", "SP2"])
        #expect(
            space.contains { $0["space"] == "SP1" && $0["subject"] == "confluence-users" && $0["EDITSPACE"] == "yes" })

        // Apps: installed apps with versions and Cloud availability, macro pages, files, plugin data.
        let installed = try Self.csv(archive.appendingPathComponent("apps/installed-apps.csv"))
        for app in planted["apps"] as? [[String: Any]] ?? [] {
            let row = installed.first { $0["app_key"] == app["key"] as? String }
            #expect(row?["version"] == app["version"] as? String, "\(app)")
            #expect(row?["cloud_version"]?.isEmpty == false)
        }
        #expect(
            installed.first { $0["app_key"] == "com.mxgraph.confluence.plugins.diagramly" }?["cloud_version"] == "yes")
        let usage = try Self.csv(archive.appendingPathComponent("apps/macro-usage.csv"))
        for use in planted["macroPages"] as? [[String: Any]] ?? [] {
            #expect(
                usage.contains { $0["macro"] == use["macro"] as? String && $0["page_id"] == use["page"] as? String },
                "\(use)")
        }
        let appFiles = try Self.csv(archive.appendingPathComponent("apps/app-attachments.csv"))
        #expect(Set(appFiles.map { $0["title"] ?? "" }) == Set(planted["appAttachments"] as? [String] ?? []))
        #expect(
            appFiles.allSatisfy {
                FileManager.default.fileExists(atPath: archive.appendingPathComponent($0["file"] ?? "-").path)
            })
        for path in planted["pluginData"] as? [String] ?? [] {
            #expect(
                FileManager.default.fileExists(atPath: archive.appendingPathComponent("apps/" + path).path), "\(path)")
        }

        // Blocklisted admin groups and who to re-add.
        let members = try Self.csv(archive.appendingPathComponent("admins/blocklisted-group-members.csv"))
        let plantedMembers = (planted["blocklistedMembers"] as? [[String: Any]] ?? []).map {
            "\($0["group"] ?? "") \($0["user"] ?? "")"
        }
        #expect(Set(members.map { "\($0["group"] ?? "") \($0["username"] ?? "")" }) == Set(plantedMembers))
        let readd = try Self.csv(archive.appendingPathComponent("admins/readd-by-hand.csv"))
        #expect(Set(readd.map { $0["username"] ?? "" }) == ["admin", "user1"])
        #expect(
            readd.first { $0["username"] == "admin" }?["global_permissions_lost"]?.contains("SYSTEMADMINISTRATOR")
                == true)

        return avatars
    }

    @Test("the migration report lists what is not migrated even before an archive exists")
    func reportWithoutArchive() throws {
        let directory = try makeTemporaryDirectory("ferry-archive-report")
        defer { try? FileManager.default.removeItem(at: directory) }
        let site = directory.appendingPathComponent("site.zip")
        #expect(
            try FerryProcess.run(["sample", "--out", site.path, "--spaces", "1", "--pages", "12", "--attachments", "2"])
                .status == 0)
        let workspace = directory.appendingPathComponent("ws")
        let migrate = try FerryProcess.run([
            "migrate", "--from", site.path, "--to", "twin", "--workspace", workspace.path,
        ])
        #expect(migrate.status == 0, "migrate failed: \(migrate.stderr)")
        let report = try FerryProcess.run(["report", "--workspace", workspace.path])
        #expect(report.status == 0, "report failed: \(report.stderr)")
        let rows = try Self.csv(workspace.appendingPathComponent("report/not-migrated.csv"))
        #expect(rows.first { $0["item"] == "Audit log" }?["count"] == "3")
        #expect(rows.allSatisfy { ($0["archive file"] ?? "x").isEmpty && ($0["note"] ?? "").contains("ferry archive") })
    }

    @Test("bad invocations fail with a clear message")
    func badInvocations() throws {
        let none = try FerryProcess.run(["archive"])
        #expect(none.status != 0)
        #expect(none.stderr.contains("--from SOURCE"))
        let directory = try makeTemporaryDirectory("ferry-archive-bad")
        defer { try? FileManager.default.removeItem(at: directory) }
        let missing = try FerryProcess.run(["archive", "--check", directory.path])
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("no archive manifest"))
        let live = try FerryProcess.run([
            "archive", "--from", "https://wiki.example.com", "--workspace", directory.appendingPathComponent("ws").path,
        ])
        #expect(live.status != 0)
        #expect(live.stderr.contains("FERRY_SOURCE_TOKEN"), "\(live.stderr)")
    }

    @Test(
        "a legacy site fixture: Draft objects, wiki bodies, both avatar shapes, audit range, secrets withheld, safe HTML"
    )
    func legacyFixture() throws {
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/Archive/legacy-site")
        let directory = try makeTemporaryDirectory("ferry-archive-legacy")
        defer { try? FileManager.default.removeItem(at: directory) }
        let archive = directory.appendingPathComponent("out")
        let run = try FerryProcess.run([
            "archive", "--from", fixture.path, "--workspace", directory.appendingPathComponent("ws").path, "--out",
            archive.path, "--json",
        ])
        #expect(run.status == 0, "archive failed: \(run.stderr)")
        let summary = try Self.json(run.stdout)
        let warnings = summary["warnings"] as? [String] ?? []
        // bob's avatar has no file in the export: named, not silently dropped.
        #expect(warnings.contains { $0.contains("avatar of bob") && $0.contains("601") }, "\(warnings)")
        #expect(warnings.contains { $0.contains("draft 210") && $0.contains("not storage format") }, "\(warnings)")

        let drafts = try Self.csv(archive.appendingPathComponent("drafts/drafts.csv"))
        #expect(Set(drafts.map { $0["draft_id"] ?? "" }) == ["200", "210"])
        let alice = drafts.first { $0["draft_id"] == "200" }
        #expect(alice?["user"] == "alice")
        #expect(alice?["email"] == "alice@example.org")
        #expect(alice?["space"] == "LEG")
        #expect(alice?["kind"] == "personal draft, never published")
        #expect(drafts.first { $0["draft_id"] == "210" }?["user"] == "bob")
        #expect(drafts.first { $0["draft_id"] == "210" }?["kind"] == "personal draft of page 77")
        let folder = archive.appendingPathComponent(alice?["folder"] ?? "-")
        let html = try String(contentsOf: folder.appendingPathComponent("view.html"), encoding: .utf8)
        #expect(html.contains("<h2>Goals</h2>"))
        #expect(html.contains("Plans &lt;for&gt; &quot;Q3&quot;"))
        #expect(html.contains("<a href=\"https://example.org/\""))
        #expect(!html.contains("<script"))
        #expect(!html.contains("javascript:"))
        let wiki = archive.appendingPathComponent(drafts.first { $0["draft_id"] == "210" }?["folder"] ?? "-")
        #expect(
            try String(contentsOf: wiki.appendingPathComponent("storage.xml"), encoding: .utf8)
                == "h1. Wiki markup body")
        #expect(!FileManager.default.fileExists(atPath: wiki.appendingPathComponent("adf.json").path))
        let byUser = try Self.csv(archive.appendingPathComponent("drafts/drafts-by-user.csv"))
        #expect(byUser.first { $0["user"] == "alice" }?["titles"] == "Plans <for> \"Q3\"")

        let avatars = try Self.csv(archive.appendingPathComponent("avatars/avatars.csv"))
        #expect(Set(avatars.map { $0["username"] ?? "" }) == ["alice", "bob"])
        let aliceAvatar = avatars.first { $0["username"] == "alice" }
        #expect(aliceAvatar?["cloud_account"] == "alice@example.org")
        #expect(
            try Data(contentsOf: archive.appendingPathComponent(aliceAvatar?["file"] ?? "-"))
                == Data([0xFF, 0xD8, 0xFF, 0xE0] + Array("legacy-avatar".utf8)))
        #expect(avatars.first { $0["username"] == "bob" }?["file"] == "")
        #expect(avatars.first { $0["username"] == "bob" }?["matched_by"] == "none")

        let range = try Self.jsonFile(archive.appendingPathComponent("audit/range.json"))
        #expect(range["records"] as? Int == 1)
        #expect(range["from"] as? String == "2013-12-31 23:00:00.000")
        let audit = try Self.csv(archive.appendingPathComponent("audit/audit-log.csv"))
        #expect(audit.first?["author"] == "alice")
        #expect(audit.first?["summary"] == "Space created, \"LEG\"")

        let emoticonSettings =
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: archive.appendingPathComponent("emoticons/emoticon-settings.json")))
            as? [[String: Any]]
        #expect(emoticonSettings?.first?["id"] as? String == "900")

        // A remember-me token is a credential: counted, never copied anywhere in the archive.
        let classes = try Self.jsonFile(archive.appendingPathComponent("other/classes.json"))
        #expect((classes["withheldAsSecrets"] as? [String: Int])?["ConfluenceRememberMeToken"] == 1)
        let manifest = try Self.jsonFile(archive.appendingPathComponent("manifest.json"))
        for entry in manifest["files"] as? [[String: Any]] ?? [] {
            let path = entry["path"] as? String ?? ""
            let data = try Data(contentsOf: archive.appendingPathComponent(path))
            #expect(data.range(of: Data("secret-token-value-123".utf8)) == nil, "\(path)")
        }

        let space = try Self.csv(archive.appendingPathComponent("permissions/space-permissions.csv"))
        #expect(space.first?["space"] == "LEG")
        #expect(space.first?["subject"] == "bob")
        let global = try Self.csv(archive.appendingPathComponent("permissions/global-permissions.csv"))
        #expect(global.first?["subject_type"] == "anonymous")
        #expect(global.first?["USECONFLUENCE"] == "yes")
    }

    @Test(
        "from the Data Center twin: every planted item, through a site backup job and REST; --no-site-backup and Confluence 7 say what is left out"
    )
    func fromDataCenterTwin() async throws {
        let directory = try makeTemporaryDirectory("ferry-archive-dc")
        defer { try? FileManager.default.removeItem(at: directory) }
        let site = directory.appendingPathComponent("site")
        let sample = try FerryProcess.run([
            "sample", "--out", site.path, "--spaces", "2", "--pages", "16", "--attachments", "4", "--plant-archive",
        ])
        #expect(sample.status == 0, "sample failed: \(sample.stderr)")
        let planted =
            try Self.jsonFile(site.appendingPathComponent("manifest.json"))["archive"] as? [String: Any] ?? [:]
        let dc = try DataCenterTwinProcess.start(export: site, version: 9)
        defer { dc.stop() }
        let workspace = directory.appendingPathComponent("ws")
        let archive = directory.appendingPathComponent("archive")
        let environment = ["FERRY_SOURCE_TOKEN": "twin-token"]
        let run = try FerryProcess.run(
            ["archive", "--from", dc.url, "--workspace", workspace.path, "--out", archive.path, "--json"],
            environment: environment)
        #expect(run.status == 0, "archive from the DC twin failed: \(run.stdout)\n\(run.stderr)")
        #expect(!run.stdout.contains("twin-token") && !run.stderr.contains("twin-token"))
        let summary = try Self.json(run.stdout)
        let sections = Dictionary(
            uniqueKeysWithValues: (summary["sections"] as? [[String: Any]] ?? []).map {
                ($0["id"] as? String ?? "", $0)
            })
        // The site wrote a backup on request; Ferry downloaded it into the workspace.
        let backups = try FileManager.default.contentsOfDirectory(
            atPath: workspace.appendingPathComponent("site-backup").path
        ).filter { $0.hasSuffix(".zip") }
        #expect(backups.count == 1 && backups.first?.hasPrefix("ferry-archive-") == true, "\(backups)")
        #expect((summary["siteBackup"] as? String)?.hasSuffix(backups.first ?? "-") == true)

        // Every planted item: drafts, audit (from /rest/api/audit), avatars, emoticons,
        // settings, permissions, apps, plugin data, blocklisted admins.
        try Self.expectEveryPlantedItem(archive: archive, planted: planted, sections: sections, auditFromREST: true)
        let audit = try Self.csv(archive.appendingPathComponent("audit/audit-log.csv"))
        #expect(audit.allSatisfy { !($0["author"] ?? "").isEmpty && !($0["date"] ?? "").isEmpty })
        #expect(Set(audit.map { $0["summary"] ?? "" }).contains("App installed"))
        // Installed apps as the plugin manager reports them (bundled system apps left out).
        let installed = try Self.csv(archive.appendingPathComponent("apps/installed-apps.csv"))
        let gliffy = installed.first { $0["app_key"] == "com.gliffy.integration.confluence" }
        #expect(gliffy?["evidence"]?.contains("plugin manager") == true, "\(installed)")
        #expect(gliffy?["cloud_version"] == "yes")
        #expect(
            !installed.contains { $0["app_key"] == "com.atlassian.confluence.plugins.confluence-create-content-plugin" }
        )
        let index = try Self.jsonFile(archive.appendingPathComponent("index.json"))
        #expect((index["source"] as? String ?? "").contains("site backup"), "\(index["source"] ?? "")")
        let check = try FerryProcess.run(["archive", "--check", archive.path, "--workspace", workspace.path])
        #expect(check.status == 0, "\(check.stdout)")

        // A backup the admin already has is used as given (no new job).
        let given = workspace.appendingPathComponent("site-backup").appendingPathComponent(backups.first ?? "-")
        let reuse = try FerryProcess.run(
            [
                "archive", "--from", dc.url, "--workspace", directory.appendingPathComponent("ws2").path, "--out",
                directory.appendingPathComponent("archive2").path, "--site-backup", given.path, "--json",
            ], environment: environment)
        #expect(reuse.status == 0, "\(reuse.stderr)")
        let drafts2 = try Self.csv(directory.appendingPathComponent("archive2/drafts/drafts.csv"))
        #expect(drafts2.count == (planted["drafts"] as? [Any])?.count)

        // --no-site-backup: only what REST serves; the sections REST cannot fill are empty.
        let restOnly = directory.appendingPathComponent("archive3")
        let bare = try FerryProcess.run(
            [
                "archive", "--from", dc.url, "--workspace", directory.appendingPathComponent("ws3").path, "--out",
                restOnly.path, "--no-site-backup",
            ], environment: environment)
        #expect(bare.status == 0, "\(bare.stderr)")
        #expect(try Self.csv(restOnly.appendingPathComponent("audit/audit-log.csv")).count == audit.count)
        #expect(try Self.csv(restOnly.appendingPathComponent("drafts/drafts.csv")).isEmpty)
        let space = try Self.csv(restOnly.appendingPathComponent("permissions/space-permissions.csv"))
        #expect(Set(space.map { $0["space"] ?? "" }) == ["SP1", "SP2"])
        let readd = try Self.csv(restOnly.appendingPathComponent("admins/readd-by-hand.csv"))
        #expect(Set(readd.map { $0["username"] ?? "" }).isSuperset(of: ["admin"]), "\(readd)")

        // Confluence 7 has no backup API: a clear error naming both ways forward.
        let old = try DataCenterTwinProcess.start(export: site, version: 7)
        defer { old.stop() }
        let refused = try FerryProcess.run(
            [
                "archive", "--from", old.url, "--workspace", directory.appendingPathComponent("ws4").path, "--out",
                directory.appendingPathComponent("archive4").path,
            ], environment: environment)
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("no backup and restore REST API"), "\(refused.stderr)")
        #expect(refused.stderr.contains("--site-backup FILE") && refused.stderr.contains("--no-site-backup"))
    }

    // MARK: real exports

    @Test("each real export in ../shared: the archive lists its drafts, settings records and permissions")
    func realExports() throws {
        guard let exports = SharedExports.folder else {
            print("../shared/reference/xml-exports is not present: the real-export archive test is skipped")
            return
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: exports.path).filter {
            FileManager.default.fileExists(atPath: exports.appendingPathComponent("\($0)/entities.xml").path)
        }.sorted()
        #expect(!names.isEmpty)
        for name in names {
            let export = exports.appendingPathComponent(name)
            let expected = try XMLScan(export.appendingPathComponent("entities.xml"))
            let directory = try makeTemporaryDirectory("ferry-archive-real")
            defer { try? FileManager.default.removeItem(at: directory) }
            let archive = directory.appendingPathComponent("archive")
            let run = try FerryProcess.run([
                "archive", "--from", export.path, "--workspace", directory.appendingPathComponent("ws").path, "--out",
                archive.path, "--json",
            ])
            #expect(run.status == 0, "\(name): \(run.stderr)")
            let drafts = try Self.csv(archive.appendingPathComponent("drafts/drafts.csv"))
            #expect(Set(drafts.map { $0["draft_id"] ?? "" }) == expected.drafts, "\(name) drafts")
            let records = try Self.lines(archive.appendingPathComponent("settings/settings-records.jsonl"))
            #expect(Set(records.map { $0["id"] as? String ?? "" }) == expected.settingsRecords, "\(name) settings")
            let settings = try Self.jsonFile(archive.appendingPathComponent("settings/global-settings.json"))
            let globalIDs = Set(
                ((settings["globalPermissions"] as? [[String: Any]]) ?? []).map { $0["id"] as? String ?? "" })
            #expect(globalIDs == expected.globalPermissions, "\(name) global permissions")
            // Every permission entry appears in a matrix cell.
            let global = try Self.csv(archive.appendingPathComponent("permissions/global-permissions.csv"))
            let space = try Self.csv(archive.appendingPathComponent("permissions/space-permissions.csv"))
            let globalCells = Set(
                global.flatMap { row in row.filter { $0.value == "yes" }.map { "\(row["subject"] ?? "") \($0.key)" } })
            let spaceCells = Set(
                space.flatMap { row in
                    row.filter { $0.value == "yes" }.map { "\(row["space"] ?? "") \(row["subject"] ?? "") \($0.key)" }
                })
            #expect(globalCells == expected.globalCells, "\(name) global matrix")
            #expect(spaceCells == expected.spaceCells, "\(name) space matrix")
            print(
                "\(name): \(drafts.count) drafts, \(records.count) settings records, \(globalIDs.count) global and \(spaceCells.count) space permission cells archived"
            )
            let check = try FerryProcess.run(["archive", "--check", archive.path])
            #expect(check.status == 0, "\(name): \(check.stdout)")
        }
    }
}

/// `../shared/reference/xml-exports`, when this checkout sits beside it.
enum SharedExports {
    static var folder: URL? {
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let url = packageRoot.deletingLastPathComponent().appendingPathComponent("shared/reference/xml-exports")
        return FileManager.default.fileExists(atPath: url.path) ? url : nil
    }
}

/// What an entities.xml holds, found with a plain text scan of each `<object>` (independent
/// of Ferry's reader): draft ids, settings record ids, global permission ids and matrix cells.
struct XMLScan {
    var drafts: Set<String> = []
    var settingsRecords: Set<String> = []
    var globalPermissions: Set<String> = []
    var globalCells: Set<String> = []
    var spaceCells: Set<String> = []

    init(_ url: URL) throws {
        let text = try String(contentsOf: url, encoding: .utf8)
        var spaceKeys: [String: String] = [:]
        var userNames: [String: String] = [:]
        var permissions: [(id: String, space: String?, type: String, subject: String, userKey: String?)] = []
        for chunk in text.components(separatedBy: "<object class=\"").dropFirst() {
            guard let end = chunk.range(of: "</object>") else { continue }
            let object = String(chunk[..<end.lowerBound])
            let className = String(object.prefix { $0 != "\"" })
            let id = Self.id(object)
            switch className {
            case "Page", "BlogPost":
                if Self.property(object, "contentStatus") == "draft" { drafts.insert(id) }
            case "Draft":
                drafts.insert(id)
            case "ConfluenceBandanaRecord":
                settingsRecords.insert(id)
            case "Space":
                if spaceKeys[id] == nil { spaceKeys[id] = Self.property(object, "key") }
            case "ConfluenceUserImpl":
                // A duplicate key keeps the first object, as the export reader does.
                if userNames[id] == nil { userNames[id] = Self.property(object, "name") }
            case "SpacePermission":
                let space = Self.reference(object, "space")
                let type = Self.property(object, "type") ?? ""
                var subject = "anonymous"
                var userKey: String?
                if let group = Self.property(object, "group") {
                    subject = group
                } else if let key = Self.reference(object, "userSubject") {
                    userKey = key
                } else if let name = Self.property(object, "userName") {
                    subject = name
                } else if let all = Self.property(object, "allUsersSubject") {
                    subject = all
                }
                permissions.append((id, space, type, subject, userKey))
            default:
                break
            }
        }
        for permission in permissions {
            let subject = permission.userKey.map { userNames[$0] ?? $0 } ?? permission.subject
            if let space = permission.space {
                spaceCells.insert("\(spaceKeys[space] ?? "space \(space)") \(subject) \(permission.type)")
            } else {
                globalPermissions.insert(permission.id)
                globalCells.insert("\(subject) \(permission.type)")
            }
        }
    }

    static func id(_ object: String) -> String {
        guard let start = object.range(of: "<id name=\""), let close = object[start.upperBound...].range(of: ">"),
            let end = object[close.upperBound...].range(of: "</id>")
        else { return "" }
        return unwrap(String(object[close.upperBound..<end.lowerBound]))
    }

    /// A scalar property's text; nil when absent or empty.
    static func property(_ object: String, _ name: String) -> String? {
        guard let start = object.range(of: "<property name=\"\(name)\">") else { return nil }
        guard let end = object[start.upperBound...].range(of: "</property>") else { return nil }
        let value = unwrap(String(object[start.upperBound..<end.lowerBound]))
        return value.isEmpty ? nil : value
    }

    /// The id inside a reference property (`<property name="space" class=…><id name="id">N</id>`).
    static func reference(_ object: String, _ name: String) -> String? {
        guard let start = object.range(of: "<property name=\"\(name)\" class=") else { return nil }
        guard let end = object[start.upperBound...].range(of: "</property>") else { return nil }
        let inner = String(object[start.upperBound..<end.lowerBound])
        let value = id(inner)
        return value.isEmpty ? nil : value
    }

    static func unwrap(_ text: String) -> String {
        var value = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if value.hasPrefix("<![CDATA["), value.hasSuffix("]]>") { value = String(value.dropFirst(9).dropLast(3)) }
        return value
    }
}
