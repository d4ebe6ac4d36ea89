import Foundation

/// What `ferry sample --plant-archive` adds for `ferry archive` to find: more audit
/// records and avatars, custom emoticons (custom content with an image and a shortcut),
/// look-and-feel and app settings records, installed-app evidence (Active Objects data
/// versions in the descriptor), and a page whose body uses draw.io, Gliffy and Team
/// Calendars macros with the diagram files attached; the admin groups then carry Atlassian's
/// blocklisted names in the realistic profile too (without the flag it avoids them). Drafts,
/// the site settings record, global permissions and the admin groups' members are always
/// generated; the manifest's
/// `archive` section lists every one of these items so a test can compare.
///
/// Everything planted here stays out of the per-space figures except the app page and its
/// two attachments, which are added to the first space's expected counts.
extension SampleRun {
    static let emoticonPlugin = "com.atlassian.confluence.plugins.confluence-custom-emoticons:custom-emoticon"
    static let plantedApps: [(key: String, version: String)] = [
        ("com.mxgraph.confluence.plugins.diagramly", "4.2.1"), ("com.gliffy.integration.confluence", "9.3.0"),
        ("com.atlassian.confluence.extra.team-calendars", "7.2.14"),
    ]

    /// Lines appended to exportDescriptor.properties.
    var archiveDescriptorLines: String {
        guard options.plantArchive else { return "" }
        var lines = "ao.data.list=" + Self.plantedApps.map(\.key).joined(separator: ",") + "\n"
        for app in Self.plantedApps { lines += "ao.data.version.\(app.key)=\(app.version)\n" }
        return lines
    }

    /// The extra objects (staged as "other objects") by class, added to the manifest's totals.
    var archiveUnmigratable: [String: Int] {
        options.plantArchive
            ? ["AuditRecord": 3, "ConfluenceBandanaRecord": 3, "Attachment:PersonalInformation": 2] : [:]
    }

    func plantedAuditDates() -> [String] {
        ["2025-11-02 08:15:00.000", "2025-12-24 17:45:30.000", "2026-02-10 23:59:59.000"]
    }

    func writeArchivePlants(expected: inout [ExpectedCounts]) throws {
        // Audit records (three more besides the three every sample has).
        for (index, date) in plantedAuditDates().enumerated() {
            try object(
                "AuditRecord", "com.atlassian.confluence.event.audit", id: "\(71_003 + index)",
                text("summary", ["Group membership changed", "App installed", "User deactivated"][index])
                    + text("category", ["users and groups", "apps", "users and groups"][index])
                    + plain("creationDate", date) + userRef("author", 1 + index)
                    + text("remoteAddress", "10.0.0.\(index + 1)")
                    + text("description", "planted audit record \(index + 4)"))
        }
        // Avatars for users 1 and 2 (user 0's is always there).
        for u in 1...2 {
            let attachment = 72_000 + u + 1
            try object(
                "Attachment", "com.atlassian.confluence.pages", id: "\(attachment)",
                text("title", "profile-\(userName(u)).png") + plain("version", 1) + text("contentStatus", "current")
                    + ref("containerContent", "PersonalInformation", 20_000 + u))
            try writeFile(
                container: "\(20_000 + u)", attachment: "\(attachment)", version: 1, size: 700 + u, kind: 0,
                seed: UInt64(attachment))
        }
        // Settings: look and feel, and two app records.
        try object(
            "ConfluenceBandanaRecord", "com.atlassian.confluence.setup.bandana", id: "70004",
            text("context", "_GLOBAL") + text("key", "atlassian.confluence.colour.scheme")
                + text(
                    "value", "<colourScheme><topBar>#205081</topBar><headerButton>#3572b0</headerButton></colourScheme>"
                ))
        try object(
            "ConfluenceBandanaRecord", "com.atlassian.confluence.setup.bandana", id: "70005",
            text("context", "_GLOBAL") + text("key", "com.gliffy.integration.confluence:settings")
                + text("value", "<map><entry><string>defaultTheme</string><string>classic</string></entry></map>"))
        try object(
            "ConfluenceBandanaRecord", "com.atlassian.confluence.setup.bandana", id: "70006",
            text("context", "_GLOBAL") + text("key", "atlassian.confluence.security.settings")
                + text(
                    "value",
                    "<security><webSudoEnabled>true</webSudoEnabled><maxLoginAttempts>3</maxLoginAttempts></security>"))
        // Custom emoticons: custom content holding the shortcut, with the image attached.
        for (index, shortcut) in [":party-parrot:", ":ship-it:"].enumerated() {
            let contentID = 73_001 + index
            let attachmentID = 73_101 + index
            try object(
                "CustomContentEntityObject", "com.atlassian.confluence.content", id: "\(contentID)",
                text("title", shortcut) + text("pluginModuleKey", Self.emoticonPlugin) + text("pluginVersion", "1.0")
                    + plain("version", 1) + text("contentStatus", "current") + userRef("creator", 0))
            try object(
                "ContentProperty", "com.atlassian.confluence.content", id: "\(73_201 + index)",
                text("name", "shortcut") + text("stringValue", shortcut)
                    + ref("content", "CustomContentEntityObject", contentID))
            try object(
                "Attachment", "com.atlassian.confluence.pages", id: "\(attachmentID)",
                text("title", "\(shortcut.trimmingCharacters(in: [":"])).png") + plain("version", 1)
                    + text("contentStatus", "current") + ref("containerContent", "CustomContentEntityObject", contentID)
            )
            try writeFile(
                container: "\(contentID)", attachment: "\(attachmentID)", version: 1, size: 300 + index, kind: 0,
                seed: UInt64(attachmentID))
        }
        try writeAppPage(expected: &expected[0])
    }

    var appPageID: Int64 { spaceBase(0) + 899_500_000 }

    /// A page in the first space using three apps' macros, with the draw.io and Gliffy files attached.
    func writeAppPage(expected: inout ExpectedCounts) throws {
        let id = appPageID
        try object(
            "Page", "com.atlassian.confluence.pages", id: "\(id)",
            text("title", "Architecture diagrams and team calendar") + plain("version", 1)
                + text("contentStatus", "current") + ref("space", "Space", spaceBase(0))
                + ref("parent", "Page", pageID(0, 0)) + userRef("creator", 1) + userRef("lastModifier", 1)
                + plain("creationDate", "2026-03-01 09:00:00.000")
                + plain("lastModificationDate", "2026-03-01 09:00:00.000"))
        let body = """
            <p>Our system, drawn in two apps.</p>\
            <ac:structured-macro ac:name="drawio" ac:schema-version="1"><ac:parameter ac:name="diagramName">system</ac:parameter></ac:structured-macro>\
            <ac:structured-macro ac:name="gliffy" ac:schema-version="1"><ac:parameter ac:name="name">network</ac:parameter></ac:structured-macro>\
            <ac:structured-macro ac:name="calendar" ac:schema-version="1"><ac:parameter ac:name="id">cal-1</ac:parameter></ac:structured-macro>
            """
        try self.body(id + 1, owner: id, ownerClass: "Page", body)
        for name in ["drawio", "gliffy", "calendar"] {
            let previous = macroCounts[name] ?? (0, 0)
            macroCounts[name] = (previous.count + 1, previous.pages + 1)
        }
        expected.pages += 1
        expected.storageBodies += 1
        let files: [(id: Int64, title: String, mediaType: String, content: String)] = [
            (
                id + 10, "system.drawio", "application/vnd.jgraph.mxfile",
                "<mxfile><diagram name=\"system\"><mxGraphModel/></diagram></mxfile>\n"
            ),
            (
                id + 20, "network", "application/gliffy+json",
                "{\"contentType\":\"application/gliffy+json\",\"stage\":{}}\n"
            ),
        ]
        for file in files {
            try object(
                "Attachment", "com.atlassian.confluence.pages", id: "\(file.id)",
                text("title", file.title) + plain("version", 1) + text("contentStatus", "current")
                    + ref("containerContent", "Page", id) + ref("space", "Space", spaceBase(0)) + userRef("creator", 1))
            try object(
                "ContentProperty", "com.atlassian.confluence.content", id: "\(file.id + 1)",
                text("name", "FILESIZE") + plain("longValue", file.content.utf8.count)
                    + ref("content", "Attachment", file.id))
            try object(
                "ContentProperty", "com.atlassian.confluence.content", id: "\(file.id + 2)",
                text("name", "MEDIA_TYPE") + text("stringValue", file.mediaType) + ref("content", "Attachment", file.id)
            )
            let folder = root.appendingPathComponent("attachments/\(id)/\(file.id)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let path = folder.appendingPathComponent("1").path
            guard FileManager.default.createFile(atPath: path, contents: Data(file.content.utf8)) else {
                throw SampleError.cannotWrite(path: path, reason: "the file could not be created")
            }
            attachmentFiles += 1
            attachmentFileBytes += Int64(file.content.utf8.count)
            expected.attachments += 1
            expected.attachmentBytes += Int64(file.content.utf8.count)
            expected.attachmentBytesAllVersions += Int64(file.content.utf8.count)
        }
    }

    /// The manifest's `archive` section: every item `ferry archive` must contain.
    var archiveManifestJSON: String {
        func quote(_ text: String) -> String {
            "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        }
        var drafts: [String] = []
        for s in 0..<options.spaces {
            for p in 0..<pagesIn(s) {
                if p % 12 == 5 {
                    drafts.append(
                        "{\"id\":\"\(pageID(s, p) + 500)\",\"title\":\(quote(pageTitle(s, p))),\"space\":\"\(spaceKey(s))\"}"
                    )
                }
                if p % 25 == 20 {
                    drafts.append(
                        "{\"id\":\"\(pageID(s, p) + 510)\",\"title\":\"Untitled draft \(p)\",\"space\":\"\(spaceKey(s))\"}"
                    )
                }
            }
        }
        let planted = options.plantArchive
        let audit = (71_000..<(planted ? 71_006 : 71_003)).map { "\"\($0)\"" }
        let avatars = (0...(planted ? 2 : 0)).map {
            "{\"user\":\"\(userName($0))\",\"attachment\":\"\(72_001 + $0)\"}"
        }
        let emoticons =
            planted
            ? ["{\"shortcut\":\":party-parrot:\",\"id\":\"73001\"}", "{\"shortcut\":\":ship-it:\",\"id\":\"73002\"}"]
            : []
        let settings = (70_001...(planted ? 70_006 : 70_003)).map { "\"\($0)\"" }
        let apps =
            planted
            ? Self.plantedApps.map { "{\"key\":\"\($0.key)\",\"version\":\"\($0.version)\"}" } : []
        let macroPages =
            planted
            ? ["drawio", "gliffy", "calendar"].map { "{\"macro\":\"\($0)\",\"page\":\"\(appPageID)\"}" } : []
        let appFiles = planted ? ["\"system.drawio\"", "\"network\""] : []
        // Members as writeUsersAndGroups adds them: user 0 in every admin group, user 1 in the second.
        let adminNames = groupNames[2..<(2 + Self.adminGroups.count)]
        var blocklisted = adminNames.filter { Self.adminGroups.contains($0) }.map {
            "{\"group\":\"\($0)\",\"user\":\"\(userName(0))\"}"
        }
        if Self.adminGroups.contains(groupNames[3]) {
            blocklisted.append("{\"group\":\"\(groupNames[3])\",\"user\":\"\(userName(1))\"}")
        }
        return """
            {"planted":\(planted),"drafts":[\(drafts.joined(separator: ","))],\
            "auditRecords":[\(audit.joined(separator: ","))],"avatars":[\(avatars.joined(separator: ","))],\
            "emoticons":[\(emoticons.joined(separator: ","))],"settingsRecords":[\(settings.joined(separator: ","))],\
            "globalPermissions":4,"apps":[\(apps.joined(separator: ","))],\
            "macroPages":[\(macroPages.joined(separator: ","))],"appAttachments":[\(appFiles.joined(separator: ","))],\
            "pluginData":["plugin-data/com.atlassian.activeobjects.confluence.spi/activeObjectsBackupRestoreProvider.pdata"],\
            "blocklistedMembers":[\(blocklisted.joined(separator: ","))]}
            """
    }
}
