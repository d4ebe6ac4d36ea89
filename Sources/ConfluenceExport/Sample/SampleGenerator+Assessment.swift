import Foundation

/// What the sample plants for `ferry assess`, and the manifest's `assessment` section that
/// lists every finding assess must raise (so a test can check for misses and false alarms).
///
/// Both profiles: the seven kinds of loss (drafts, audit records, a custom emoticon, an
/// avatar, app data, global settings and admin group memberships). Beside the export,
/// `assess/jira-users.csv` and `assess/confluence-home/confluence.cfg.xml` are the inputs
/// for `--jira-users` and `--confluence-home`. The identity findings come from the same
/// functions that wrote the users and groups (`email(_:)`, `deactivated(_:)`, the group
/// names), so the realistic profile, whose addresses are valid and whose groups avoid
/// Atlassian's blocklist, expects none.
///
/// Adversarial only, in the first space: a page whose title is too long for Cloud (and
/// starts with a `<script>` element, which reports must show as text), a
/// bodied macro nested in an expand, a nested table (legacy fallback), unknown, app and
/// unavailable macros, an attachment larger than every other one, the H2 database and a
/// Jira user whose email differs. The attachment and space-size findings appear under the
/// `limits` the manifest gives (the attachment limit is the largest normal attachment; the
/// space limit is below the first space's estimated XML, which holds the 10 MB body).
extension SampleRun {
    /// The first id after the space's regular pages: the planted pages use four slots.
    func plantedPageID(_ s: Int, pages: Int, _ index: Int) -> Int64 { pageID(s, pages + index) }

    var plantedTitleLength: Int { 300 }
    var plantedAttachmentBytes: Int { max(options.maxAttachmentBytes, 64) + 4096 }
    /// Below the first space's estimated XML (its huge body alone is over 10.7 MB), above the others'.
    var plantedSpaceXMLLimit: Int64 { 10_000_000 }

    func writeAssessmentPlants(s: Int, pages: Int, expected: inout ExpectedCounts) throws {
        let spaceID = spaceBase(s)
        let home = pageID(s, 0)
        func page(_ index: Int, title: String, body storage: String, macros: [String: Int]) throws {
            let id = plantedPageID(s, pages: pages, index)
            try object(
                "Page", "com.atlassian.confluence.pages", id: "\(id)",
                text("title", title) + text("lowerTitle", title.lowercased()) + plain("version", 1)
                    + text("contentStatus", "current") + ref("space", "Space", spaceID) + userRef("creator", 0)
                    + plain("creationDate", "2026-06-01 09:00:00.000") + userRef("lastModifier", 0)
                    + plain("lastModificationDate", "2026-06-01 09:00:00.000") + ref("parent", "Page", home)
                    + plain("position", 1000 + index))
            try body(id + 100, owner: id, ownerClass: "Page", storage)
            expected.pages += 1
            expected.storageBodies += 1
            for (name, count) in macros {
                let previous = macroCounts[name] ?? (0, 0)
                macroCounts[name] = (previous.count + count, previous.pages + 1)
            }
        }
        let words = ["Planted", "title", "longer", "than", "Cloud", "accepts"]
        // Markup in a title must stay text in every report (the HTML report escapes it).
        var longTitle = "<script>window.ferryInjected = 1</script>"
        var index = 0
        while longTitle.count < plantedTitleLength {
            longTitle += (longTitle.isEmpty ? "" : " ") + words[index % words.count]
            index += 1
        }
        try page(0, title: longTitle, body: "<p>This page's title is over 255 characters.</p>", macros: [:])
        let titleID = plantedPageID(s, pages: pages, 0)
        try plantedAttachment(pageID: titleID, spaceID: spaceID, expected: &expected)
        try page(
            1, title: "Planted nested bodied macro",
            body:
                "<ac:structured-macro ac:name=\"expand\" ac:schema-version=\"1\"><ac:parameter ac:name=\"title\">Outer</ac:parameter><ac:rich-text-body>"
                + "<ac:structured-macro ac:name=\"multiexcerpt\" ac:schema-version=\"1\"><ac:parameter ac:name=\"MultiExcerptName\">inner</ac:parameter><ac:rich-text-body><p>Inner body.</p></ac:rich-text-body></ac:structured-macro>"
                + "</ac:rich-text-body></ac:structured-macro>",
            macros: ["expand": 1, "multiexcerpt": 1])
        try page(
            2, title: "Planted macros without a Cloud equivalent",
            body:
                "<ac:structured-macro ac:name=\"acme-roadmap-widget\" ac:schema-version=\"1\"><ac:parameter ac:name=\"board\">7</ac:parameter></ac:structured-macro>"
                + "<ac:structured-macro ac:name=\"html\" ac:schema-version=\"1\"><ac:plain-text-body><![CDATA[<b>raw</b>]]></ac:plain-text-body></ac:structured-macro>"
                + "<ac:structured-macro ac:name=\"gliffy\" ac:schema-version=\"1\"><ac:parameter ac:name=\"name\">flow</ac:parameter></ac:structured-macro>",
            macros: ["acme-roadmap-widget": 1, "html": 1, "gliffy": 1])
        try page(
            3, title: "Planted nested table",
            body:
                "<table><tbody><tr><td><p>outer</p><table><tbody><tr><td><p>inner</p></td></tr></tbody></table></td></tr></tbody></table>",
            macros: [:])
    }

    /// An attachment larger than any the generator draws (`--max-attachment-bytes` + 4 KiB).
    func plantedAttachment(pageID: Int64, spaceID: Int64, expected: inout ExpectedCounts) throws {
        let id = pageID + 700
        let size = plantedAttachmentBytes
        try object(
            "Attachment", "com.atlassian.confluence.pages", id: "\(id)",
            text("title", "planted-large.bin") + plain("version", 1) + text("contentStatus", "current")
                + ref("containerContent", "Page", pageID) + userRef("creator", 0) + ref("space", "Space", spaceID))
        try object(
            "ContentProperty", "com.atlassian.confluence.content", id: "\(id + 10_000_000_000_000)",
            text("name", "FILESIZE") + plain("longValue", size) + ref("content", "Attachment", id))
        try object(
            "ContentProperty", "com.atlassian.confluence.content", id: "\(id + 20_000_000_000_000)",
            text("name", "MEDIA_TYPE") + text("stringValue", "application/octet-stream")
                + ref("content", "Attachment", id))
        try writeFile(container: "\(pageID)", attachment: "\(id)", version: 1, size: size, kind: 3, seed: UInt64(id))
        expected.attachments += 1
        expected.attachmentBytes += Int64(size)
        expected.attachmentBytesAllVersions += Int64(size)
    }

    /// Writes the assess inputs beside the export and returns the manifest's `assessment` object.
    func writeAssessmentInputs() throws -> String {
        let folder = root.appendingPathComponent("assess")
        let home = folder.appendingPathComponent("confluence-home")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        let database =
            adversarial
            ? (
                "jdbc:h2:file:/var/atlassian/application-data/confluence/database/h2db",
                "com.atlassian.confluence.impl.hibernate.dialect.H2Dialect"
            )
            : ("jdbc:postgresql://db.internal:5432/confluence", "org.hibernate.dialect.PostgreSQLDialect")
        let configuration = """
            <?xml version="1.0" encoding="UTF-8"?>
            <confluence-configuration>
              <setupStep>complete</setupStep>
              <setupType>custom</setupType>
              <buildNumber>9012</buildNumber>
              <properties>
                <property name="hibernate.connection.url">\(database.0)</property>
                <property name="hibernate.dialect">\(database.1)</property>
                <property name="hibernate.connection.username">confluence</property>
              </properties>
            </confluence-configuration>

            """
        try Data(configuration.utf8).write(to: home.appendingPathComponent("confluence.cfg.xml"))
        var csv = "User name,Email address,Full name,Active\r\n"
        let mismatched = 2
        for u in 0..<userCount {
            let email = adversarial && u == mismatched ? "\(userName(u)).jira@example.com" : email(u).email
            csv += "\(userName(u)),\(email),\(userName(u).capitalized),true\r\n"
        }
        try Data(csv.utf8).write(to: folder.appendingPathComponent("jira-users.csv"))

        var findings: [(String, String)] = []
        for u in 0..<userCount {
            if let problem = email(u).problem { findings.append((problem.kind, userName(u))) }
            if deactivated(u), owners.contains(u) { findings.append(("user.deactivated-owner", userName(u))) }
        }
        for group in groupNames where Self.adminGroups.contains(group) {
            findings.append(("group.blocklisted", group))
        }
        for loss in [
            "drafts", "audit-log", "emoticons", "avatars", "app-data", "global-settings", "admin-group-memberships",
        ] {
            findings.append(("loss.\(loss)", "-"))
        }
        var limits = ""
        if adversarial {
            let pages = pagesIn(0)
            findings += [
                ("email.jira-mismatch", userName(mismatched)),
                ("database.h2", "confluence.cfg.xml"),
                ("space.xml-over-200mb", spaceKey(0)),
                ("attachment.too-large", "\(plantedPageID(0, pages: pages, 0) + 700)"),
                ("page.title-refused", "\(plantedPageID(0, pages: pages, 0))"),
                ("macro.nested-bodied", "\(plantedPageID(0, pages: pages, 1))"),
                ("macro.app-required", "\(plantedPageID(0, pages: pages, 1))"),
                ("macro.unknown", "\(plantedPageID(0, pages: pages, 2))"),
                ("macro.app-unavailable", "\(plantedPageID(0, pages: pages, 2))"),
                ("macro.app-required", "\(plantedPageID(0, pages: pages, 2))"),
                ("content.legacy-fallback", "\(plantedPageID(0, pages: pages, 3))"),
            ]
            limits =
                "\"maxAttachmentBytes\":\(max(options.maxAttachmentBytes, 64)),\"maxSpaceXmlBytes\":\(plantedSpaceXMLLimit)"
        }
        let list = findings.map { "{\"category\":\"\($0.0)\",\"object\":\"\($0.1)\"}" }.joined(separator: ",\n")
        return """
            {"limits":{\(limits)},\
            "inputs":{"jiraUsers":"assess/jira-users.csv","confluenceHome":"assess/confluence-home"},
            "findings":[
            \(list)
            ]}
            """
    }
}
