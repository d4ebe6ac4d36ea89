public import Foundation
import ZIPFoundation

/// Writes a synthetic, realistic Confluence site export (entities.xml,
/// exportDescriptor.properties, attachments/, plugin-data/) plus `manifest.json`
/// listing what was generated and every planted problem.
///
/// Deterministic per seed: every page's content comes from a generator seeded by
/// (seed, space, page), and ids are computed from positions, so any object can be
/// referenced without remembering it. Objects are written as they are made; memory
/// holds counters only (per space and per macro), whatever the size.
public struct SampleGenerator {
    public enum Profile: String, Sendable, CaseIterable {
        case realistic
        case adversarial
    }

    public struct Options: Sendable {
        public var spaces = 3
        /// Current pages in total, spread evenly over the spaces.
        public var pages = 60
        /// Current attachments in total, spread over the pages.
        public var attachments = 20
        /// The most historical versions a page or attachment may have.
        public var history = 2
        public var seed: UInt64 = 1
        public var profile: Profile = .realistic
        /// Average number of sections per page body (each about 0.5 KB).
        public var sections = 6
        /// The largest attachment file, in bytes.
        public var maxAttachmentBytes = 256 * 1024
        /// Plant the extra items `ferry archive` must find (see SampleArchivePlants.swift).
        public var plantArchive = false

        /// Changes to make to the generated site (a later export of it); see ``SampleMutation``.
        public var mutation: SampleMutation?

        public init() {}
    }

    public let options: Options
    public var progress: ((Int64) -> Void)?

    public init(options: Options, progress: ((Int64) -> Void)? = nil) {
        self.options = options
        self.progress = progress
    }

    public struct Result: Sendable {
        public var entitiesBytes: Int64
        public var attachmentFiles: Int
        public var attachmentFileBytes: Int64
        public var problems: Int
    }

    /// Generates into `out`: a folder, or a `.zip` (built from a sibling working folder).
    public func generate(to out: URL) throws -> Result {
        guard options.spaces >= 1 else { throw SampleError.invalidOption("--spaces must be at least 1") }
        guard options.pages >= options.spaces else {
            throw SampleError.invalidOption("--pages must be at least --spaces (every space has a home page)")
        }
        guard options.attachments >= 0, options.history >= 0 else {
            throw SampleError.invalidOption("--attachments and --history cannot be negative")
        }
        guard options.attachments <= options.pages * 25 else {
            throw SampleError.invalidOption("--attachments can be at most 25 per page (25 × --pages)")
        }
        guard options.spaces <= 5000, options.pages / options.spaces < 800_000 else {
            throw SampleError.invalidOption("at most 5000 spaces and 800,000 pages per space")
        }
        let fileManager = FileManager.default
        if out.pathExtension.lowercased() == "zip" {
            let work = out.deletingPathExtension().appendingPathExtension("parts-\(UUID().uuidString.prefix(6))")
            defer { try? fileManager.removeItem(at: work) }
            try fileManager.createDirectory(at: work, withIntermediateDirectories: true)
            let result = try SampleRun(options: options, root: work, progress: progress).run()
            try? fileManager.removeItem(at: out)
            do {
                let archive = try Archive(url: out, accessMode: .create)
                guard let enumerator = fileManager.enumerator(atPath: work.path) else {
                    throw SampleError.cannotWrite(path: work.path, reason: "cannot list the generated files")
                }
                var paths: [String] = []
                while let path = enumerator.nextObject() as? String {
                    var isDirectory: ObjCBool = false
                    if fileManager.fileExists(
                        atPath: work.appendingPathComponent(path).path, isDirectory: &isDirectory),
                        !isDirectory.boolValue
                    {
                        paths.append(path)
                    }
                }
                for path in paths.sorted() {
                    let method: CompressionMethod = path.hasPrefix("attachments/") ? .none : .deflate
                    try archive.addEntry(with: path, relativeTo: work, compressionMethod: method)
                }
            } catch let error as SampleError {
                throw error
            } catch {
                throw SampleError.cannotWrite(path: out.path, reason: "\(error)")
            }
            return result
        }
        try fileManager.createDirectory(at: out, withIntermediateDirectories: true)
        return try SampleRun(options: options, root: out, progress: progress).run()
    }
}

/// Per-space expected figures, in the shape `ferry inspect --json` prints.
struct ExpectedCounts {
    var key = ""
    var pages = 0
    var blogPosts = 0
    var historicalVersions = 0
    var comments = 0
    var footerComments = 0
    var inlineComments = 0
    var attachments = 0
    var attachmentBytes: Int64 = 0
    var attachmentBytesAllVersions: Int64 = 0
    var labels = 0
    var restrictions = 0
    var spacePermissions = 0
    var drafts = 0
    var deleted = 0
    var storageBodies = 0

    var json: String {
        """
        {"key":"\(key)","pages":\(pages),"blogPosts":\(blogPosts),"historicalVersions":\(historicalVersions),\
        "comments":\(comments),"footerComments":\(footerComments),"inlineComments":\(inlineComments),\
        "attachments":\(attachments),"attachmentBytes":\(attachmentBytes),\
        "attachmentBytesAllVersions":\(attachmentBytesAllVersions),"labels":\(labels),\
        "restrictions":\(restrictions),"spacePermissions":\(spacePermissions),"drafts":\(drafts),\
        "deleted":\(deleted),"bodyTypes":{"storage":\(storageBodies)}}
        """
    }
}

/// One generation run: the writers, counters and id scheme.
final class SampleRun {
    let options: SampleGenerator.Options
    let root: URL
    let progress: ((Int64) -> Void)?
    let out: ByteWriter
    let problemsFile: URL
    let problems: ByteWriter
    var problemCount = 0
    var macroCounts: [String: (count: Int, pages: Int)] = [:]
    var attachmentFiles = 0
    var attachmentFileBytes: Int64 = 0
    var reported: Int64 = 0
    var adversarial: Bool { options.profile == .adversarial }

    static let adminGroups = [
        "site-admins", "system-administrators", "atlassian-addons", "atlassian-addons-admin", "org-admins",
    ]
    static let groups = ["confluence-users", "confluence-administrators"] + adminGroups + ["engineering", "finance"]
    /// The realistic profile's admin groups: the same structure without Atlassian's blocklisted names.
    static let realisticAdminGroups = [
        "wiki-admins", "wiki-operators", "integrations", "integrations-admin", "auditors",
    ]
    /// The adversarial profile and `--plant-archive` (whose archive keeps the blocklisted
    /// groups' members) use Atlassian's blocklisted names; the realistic profile alone does not.
    var groupNames: [String] {
        adversarial || options.plantArchive
            ? Self.groups
            : ["confluence-users", "confluence-administrators"] + Self.realisticAdminGroups + [
                "engineering", "finance",
            ]
    }
    /// The domain of every ordinary sample address (not a placeholder domain, so identity
    /// checks raise nothing on the realistic profile).
    static let emailDomain = "sample-corp.net"

    /// A user's email. Realistic: `name@sample-corp.net`, all valid and distinct.
    /// Adversarial plants identity problems: malformed (every 7th), placeholder domain
    /// (every 11th), the same address as the previous user in other letter case (every 9th),
    /// and Gmail aliases (`name@gmail.com`, then `n.ame+wiki@gmail.com` for the next user).
    func email(_ u: Int) -> (email: String, problem: (kind: String, detail: String)?) {
        let name = userName(u)
        guard adversarial, u > 0 else { return ("\(name)@\(Self.emailDomain)", nil) }
        if u % 7 == 3 { return (u % 2 == 0 ? "\(name)-at-example.com" : "\(name)@", ("email.invalid", "syntax")) }
        if u % 11 == 6 { return ("\(name)@example.com", ("email.invalid", "placeholder")) }
        if u % 10 == 6 { return ("\(name)@gmail.com", nil) }
        if u % 10 == 7, email(u - 1).email.hasSuffix("@gmail.com") {
            let previous = userName(u - 1)
            let dotted = String(previous.prefix(2)) + "." + String(previous.dropFirst(2))
            return ("\(dotted)+wiki@gmail.com", ("email.duplicate", "gmail-alias"))
        }
        if u % 9 == 5, email(u - 1).problem == nil, !email(u - 1).email.hasSuffix("@gmail.com") {
            return (email(u - 1).email.uppercased(), ("email.duplicate", "case"))
        }
        return ("\(name)@\(Self.emailDomain)", nil)
    }

    /// Adversarial: the last user is deactivated and created the first page of the first space.
    func deactivated(_ u: Int) -> Bool { adversarial && u == userCount - 1 }
    static let labels = ["howto", "meeting-notes", "decision", "runbook", "archive", "kb", "faq", "team:alpha"]

    let userCount: Int
    /// Users named as creator or last modifier of anything (the assessment's content owners).
    var owners = Set<Int>()

    init(options: SampleGenerator.Options, root: URL, progress: ((Int64) -> Void)?) throws {
        self.options = options
        self.root = root
        self.progress = progress
        out = try ByteWriter(path: root.appendingPathComponent("entities.xml").path)
        problemsFile = root.appendingPathComponent(".problems.jsonl")
        problems = try ByteWriter(path: problemsFile.path, capacity: 64 * 1024)
        userCount = max(8, min(10_000, options.pages / 10))
    }

    // MARK: ids

    /// Content ids: 10^9 per space, 1000 per page slot.
    func spaceBase(_ s: Int) -> Int64 { Int64(s + 1) * 1_000_000_000 }
    func pageID(_ s: Int, _ p: Int) -> Int64 { spaceBase(s) + Int64(p) * 1000 + 100_000 }
    func blogID(_ s: Int, _ b: Int) -> Int64 { spaceBase(s) + 900_000_000 + Int64(b) * 1000 }
    func userKey(_ u: Int) -> String { String(format: "8a80c0%026x", u + 1) }
    func userName(_ u: Int) -> String { u == 0 ? "admin" : "user\(u)" }
    func groupID(_ g: Int) -> Int64 { 50_000 + Int64(g) }
    func labelID(_ l: Int) -> Int64 { 60_000 + Int64(l) }

    func pagesIn(_ s: Int) -> Int { options.pages / options.spaces + (s < options.pages % options.spaces ? 1 : 0) }
    func attachmentsIn(_ s: Int) -> Int {
        options.attachments / options.spaces + (s < options.attachments % options.spaces ? 1 : 0)
    }
    func spaceKey(_ s: Int) -> String { "SP\(s + 1)" }
    func pageTitle(_ s: Int, _ p: Int) -> String {
        var random = SampleRandom(seed: options.seed, UInt64(s), UInt64(p) &+ 7_000_000)
        return p == 0 ? "\(spaceKey(s)) Home" : "\(random.pick(SampleBodies.words).capitalized) \(s + 1)-\(p)"
    }

    // MARK: writing

    func object(_ className: String, _ package: String, id: String, key: String = "id", _ body: String) throws {
        try out.write(
            "<object class=\"\(className)\" package=\"\(package)\">\n<id name=\"\(key)\">\(id)</id>\n\(body)</object>\n"
        )
        if out.count - reported >= 1 << 20 {
            progress?(out.count - reported)
            reported = out.count
        }
    }

    func text(_ name: String, _ value: String?) -> String {
        guard let value else { return "<property name=\"\(name)\"/>\n" }
        return "<property name=\"\(name)\"><![CDATA[\(value)]]></property>\n"
    }

    func plain(_ name: String, _ value: Any) -> String { "<property name=\"\(name)\">\(value)</property>\n" }

    func ref(_ name: String, _ className: String, _ id: Any, key: String = "id") -> String {
        "<property name=\"\(name)\" class=\"\(className)\" package=\"com.atlassian.confluence.pages\"><id name=\"\(key)\">\(id)</id>\n</property>\n"
    }

    func userRef(_ name: String, _ u: Int) -> String {
        if name == "creator" || name == "lastModifier" { owners.insert(u) }
        return ref(name, "ConfluenceUserImpl", "<![CDATA[\(userKey(u))]]>", key: "key")
    }

    /// A BodyContent; returns the number of nested-CDATA escapes written.
    @discardableResult
    func body(_ id: Int64, owner: Int64, ownerClass: String, _ text: String, damage: [UInt8] = []) throws -> Int {
        try out.write(
            "<object class=\"BodyContent\" package=\"com.atlassian.confluence.core\">\n<id name=\"id\">\(id)</id>\n<property name=\"body\"><![CDATA["
        )
        let escapes = try out.writeCDATAContent(text)
        if !damage.isEmpty { try out.write(bytes: damage) }
        try out.write(
            "]]></property>\n" + ref("content", ownerClass, owner) + plain("bodyType", 2) + "</object>\n")
        if escapes > 0 { try problem("cdata-escape", "BodyContent", "\(id)", count: escapes, expect: "repaired") }
        return escapes
    }

    func problem(_ kind: String, _ className: String, _ id: String, count: Int = 1, expect: String) throws {
        problemCount += 1
        try problems.write(
            "{\"kind\":\"\(kind)\",\"class\":\"\(className)\",\"id\":\"\(id)\",\"count\":\(count),\"expect\":\"\(expect)\"}\n"
        )
    }

    func date(_ random: inout SampleRandom) -> String {
        String(
            format: "20%02d-%02d-%02d %02d:%02d:%02d.%03d", 15 + random.below(11), 1 + random.below(12),
            1 + random.below(28), random.below(24), random.below(60), random.below(60), random.below(1000))
    }

    // MARK: run

    func run() throws -> SampleGenerator.Result {
        try out.write(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<hibernate-generic datetime=\"2026-11-30 12:00:00\">\n")
        try writeUsersAndGroups()
        try writeUnmigratable()
        var expected: [ExpectedCounts] = []
        for s in 0..<options.spaces { expected.append(try writeSpace(s)) }
        if adversarial { try writeOrphans() }
        if options.plantArchive { try writeArchivePlants(expected: &expected) }
        try out.write("</hibernate-generic>\n")
        try out.flush()
        progress?(out.count - reported)
        try problems.flush()
        if !adversarial {
            let descriptor = """
                #Mon Nov 30 12:00:00 UTC 2026
                exportType=all
                buildNumber=9012
                createdByBuildNumber=9012
                backupAttachments=true
                defaultUsersGroup=confluence-users

                """ + archiveDescriptorLines
            try Data(descriptor.utf8).write(to: root.appendingPathComponent("exportDescriptor.properties"))
        } else {
            try problem("missing-descriptor", "exportDescriptor.properties", "-", expect: "warned")
            try problems.flush()
        }
        let pluginData = root.appendingPathComponent(
            "plugin-data/com.atlassian.activeobjects.confluence.spi/activeObjectsBackupRestoreProvider.pdata")
        try FileManager.default.createDirectory(
            at: pluginData.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data("AO-BACKUP sample plugin data for app tables\n".utf8).write(to: pluginData)
        try writeManifest(expected)
        try? FileManager.default.removeItem(at: problemsFile)
        return SampleGenerator.Result(
            entitiesBytes: out.count, attachmentFiles: attachmentFiles, attachmentFileBytes: attachmentFileBytes,
            problems: problemCount)
    }

    func writeUsersAndGroups() throws {
        try object(
            "DirectoryImpl", "com.atlassian.crowd.model.directory", id: "1",
            text("name", "Confluence Internal Directory") + text("type", "INTERNAL"))
        for u in 0..<userCount {
            var random = SampleRandom(seed: options.seed, 1, UInt64(u))
            let name = userName(u)
            let (email, planted) = self.email(u)
            if let planted {
                try problem(planted.kind, "ConfluenceUserImpl", userKey(u), expect: "finding")
            }
            if deactivated(u) {
                try problem("user.deactivated-owner", "ConfluenceUserImpl", userKey(u), expect: "finding")
            }
            try object(
                "ConfluenceUserImpl", "com.atlassian.confluence.user", id: "<![CDATA[\(userKey(u))]]>", key: "key",
                text("name", name) + text("lowerName", name) + text("email", email))
            let display =
                "\(random.pick(["Ana", "Ben", "Chen", "Dana", "Eli", "Fatima", "Goran", "Hana"])) \(name.capitalized)"
            try object(
                "InternalUser", "com.atlassian.crowd.model.user", id: "\(10_000 + u)",
                text("name", name) + text("lowerName", name) + plain("active", deactivated(u) ? "false" : "true")
                    + text("displayName", display) + text("emailAddress", email)
                    + ref("directory", "DirectoryImpl", 1))
            try object(
                "PersonalInformation", "com.atlassian.confluence.user", id: "\(20_000 + u)",
                userRef("user", u) + plain("version", 1))
        }
        for (g, name) in groupNames.enumerated() {
            if Self.adminGroups.contains(name) {
                try problem("group.blocklisted", "InternalGroup", name, expect: "finding")
            }
            try object(
                "InternalGroup", "com.atlassian.crowd.model.group", id: "\(groupID(g))",
                text("name", name) + text("lowerName", name) + plain("active", "true") + plain("local", "true")
                    + "<property name=\"type\" enum-class=\"GroupType\" package=\"com.atlassian.crowd.model.group\">GROUP</property>\n"
                    + ref("directory", "DirectoryImpl", 1))
        }
        var membership = 30_000
        func member(_ g: Int, _ u: Int) throws {
            membership += 1
            try object(
                "HibernateMembership", "com.atlassian.crowd.embedded.hibernate2", id: "\(membership)",
                ref("parentGroup", "InternalGroup", groupID(g)) + ref("userMember", "InternalUser", 10_000 + u))
        }
        for u in 0..<userCount {
            try member(0, u)
            if u % 4 == 0 { try member(7, u) }
            if u % 5 == 1 { try member(8, u) }
        }
        try member(1, 0)
        for g in 2..<(2 + Self.adminGroups.count) { try member(g, 0) }
        try member(3, 1)
        for (index, (type, group)) in [
            ("USECONFLUENCE", "confluence-users"), ("ADMINISTRATECONFLUENCE", "confluence-administrators"),
            ("SYSTEMADMINISTRATOR", groupNames[3]), ("CREATESPACE", "confluence-users"),
        ].enumerated() {
            try object(
                "SpacePermission", "com.atlassian.confluence.security", id: "\(40_000 + index)",
                text("type", type) + text("group", group))
        }
        for (l, label) in Self.labels.enumerated() {
            let parts = label.split(separator: ":")
            let namespace = parts.count == 2 ? String(parts[0]) : "global"
            try object(
                "Label", "com.atlassian.confluence.labels", id: "\(labelID(l))",
                text("name", String(parts.last ?? "")) + text("namespace", namespace))
        }
    }

    /// Objects Cloud has no place for, which a later stage archives.
    func writeUnmigratable() throws {
        try object(
            "ConfluenceBandanaRecord", "com.atlassian.confluence.setup.bandana", id: "70001",
            text("context", "_GLOBAL") + text("key", "atlassian.confluence.settings")
                + text(
                    "value",
                    "<settings><baseUrl>https://wiki.example.com</baseUrl><siteTitle>Example</siteTitle></settings>"))
        try object(
            "ConfluenceBandanaRecord", "com.atlassian.confluence.setup.bandana", id: "70002",
            text("context", "_GLOBAL") + text("key", "com.example.emoticons.custom")
                + text("value", "<list><emoticon name=\"party-parrot\" file=\"parrot.gif\"/></list>"))
        try object(
            "ConfluenceBandanaRecord", "com.atlassian.confluence.setup.bandana", id: "70003",
            text("context", "_GLOBAL") + text("key", "com.example.app:config")
                + text("value", "<map><entry>on</entry></map>"))
        for index in 0..<3 {
            try object(
                "AuditRecord", "com.atlassian.confluence.event.audit", id: "\(71_000 + index)",
                text("summary", ["User login", "Space permission changed", "Global settings changed"][index])
                    + text("category", "security") + plain("creationDate", "2026-01-0\(index + 1) 10:00:00.000")
                    + userRef("author", 0))
        }
        // A user avatar: an attachment on PersonalInformation (profile pictures are not migrated as content).
        try object(
            "Attachment", "com.atlassian.confluence.pages", id: "72001",
            text("title", "avatar.png") + plain("version", 1) + text("contentStatus", "current")
                + ref("containerContent", "PersonalInformation", 20_000))
        try writeFile(container: "20000", attachment: "72001", version: 1, size: 512, kind: 0, seed: 72001)
    }

    func writeSpace(_ s: Int) throws -> ExpectedCounts {
        var expected = ExpectedCounts()
        let key = spaceKey(s)
        expected.key = key
        let base = spaceBase(s)
        let spaceID = base
        let descriptionID = base + 1
        let pages = pagesIn(s)
        var random = SampleRandom(seed: options.seed, 2, UInt64(s))
        try object(
            "Space", "com.atlassian.confluence.spaces", id: "\(spaceID)",
            text("name", "Sample space \(s + 1) \(random.pick(SampleBodies.words))") + text("key", key)
                + text("lowerKey", key.lowercased()) + ref("description", "SpaceDescription", descriptionID)
                + ref("homePage", "Page", pageID(s, 0)) + text("spaceType", "global")
                + "<property name=\"spaceStatus\" enum-class=\"SpaceStatus\" package=\"com.atlassian.confluence.spaces\">CURRENT</property>\n"
                + userRef("creator", 0) + plain("creationDate", date(&random)))
        try object(
            "SpaceDescription", "com.atlassian.confluence.spaces", id: "\(descriptionID)",
            plain("version", 1) + text("contentStatus", "current") + ref("space", "Space", spaceID))
        try body(
            base + 2, owner: descriptionID, ownerClass: "SpaceDescription", "<p>Space \(key) for the sample site.</p>")
        expected.storageBodies += 1
        // Space permissions.
        let permissions: [(String, String?, Int?)] = [
            ("VIEWSPACE", "confluence-users", nil), ("EDITSPACE", "confluence-users", nil),
            ("COMMENT", "confluence-users", nil), ("CREATEATTACHMENT", "confluence-users", nil),
            ("SETSPACEPERMISSIONS", "confluence-administrators", nil), ("VIEWSPACE", nil, 1 + s % (userCount - 1)),
        ]
        for (index, (type, group, user)) in permissions.enumerated() {
            var properties = text("type", type) + ref("space", "Space", spaceID)
            if let group { properties += text("group", group) }
            if let user { properties += userRef("userSubject", user) }
            try object(
                "SpacePermission", "com.atlassian.confluence.security", id: "\(base + 10 + Int64(index))", properties)
        }
        expected.spacePermissions = permissions.count

        let attachments = attachmentsIn(s)
        let vanished = options.mutation?.vanishSpaces.contains(key) ?? false
        for p in 0..<(vanished ? 1 : pages) {
            try writePage(s: s, p: p, pages: pages, attachments: attachments, expected: &expected)
        }
        if let mutation = options.mutation, !vanished {
            for p in pages..<(pages + mutation.newPages) {
                try writePage(s: s, p: p, pages: pages, attachments: attachments, expected: &expected)
            }
        }
        if adversarial, s == 0 { try writeAssessmentPlants(s: s, pages: pages, expected: &expected) }
        // Blog posts: one per ten pages, at least one.
        for b in 0..<(vanished ? 0 : max(1, pages / 10)) {
            try writeBlogPost(s: s, b: b, expected: &expected)
        }
        return expected
    }

    func firstAttachment(_ p: Int, pages: Int, attachments: Int) -> Int { p * attachments / pages }

    // swiftlint:disable:next function_body_length
    func writePage(s: Int, p: Int, pages: Int, attachments: Int, expected: inout ExpectedCounts) throws {
        var random = SampleRandom(seed: options.seed, UInt64(s) &+ 100, UInt64(p))
        let id = pageID(s, p)
        let spaceID = spaceBase(s)
        let change = options.mutation?.kind(page: p, pages: pages)
        if change == .delete { return }
        let isNew = p >= pages
        let title = pageTitle(s, p) + (change == .rename ? " (renamed)" : "")
        let historyCount = options.history == 0 ? 0 : random.below(options.history + 1)
        let drawn = random.below(userCount)
        let creator = adversarial && s == 0 && p == 0 ? userCount - 1 : drawn
        let created = date(&random)
        var parent: Int? = p == 0 ? nil : (p - 1) / 4
        var position = p == 0 ? nil : (p - 1) % 4
        if change == .move, let mutation = options.mutation {
            parent = mutation.movedParent(page: p)
            position = 1000 + p
        }
        let attachmentRange =
            firstAttachment(
                p, pages: pages, attachments: attachments)..<firstAttachment(
                p + 1, pages: pages, attachments: attachments)
        let attachmentNames = attachmentRange.map { attachmentName(s, $0) }
        let hasInline = random.chance(4)
        let marker = hasInline ? "m-\(id)" : nil
        var linkTitles: [String] = []
        if p > 0 { linkTitles.append(pageTitle(s, (p - 1) / 2)) }
        if s > 0 { linkTitles.append(pageTitle(s - 1, 0)) }
        let sections = max(1, options.sections / 2 + random.below(options.sections + 1))
        let context = SampleBodies.Context(
            pageTitle: title, spaceKey: spaceKey(s), linkTitles: linkTitles, attachmentNames: attachmentNames,
            userKeys: [userKey(random.below(userCount))], inlineMarker: marker, sections: sections)
        var macros: [String: Int] = [:]
        var pageBody = SampleBodies.page(context, random: &random, macros: &macros)
        if change == .edit || change == .rename {
            pageBody += "<p>Edited in the source after the migration: \(SampleBodies.xml(title)).</p>"
        }
        if isNew { pageBody += "<p>Created in the source after the migration.</p>" }
        // Adversarial: one huge body (over 10 MB) in the first space.
        if adversarial, s == 0, p == min(3, pages - 1) {
            let paragraph = "<p>" + String(repeating: "Huge body text for the tokenizer. ", count: 30) + "</p>"
            pageBody += String(repeating: paragraph, count: 10_700_000 / paragraph.utf8.count + 1)
            try problem("huge-text-node", "BodyContent", "\(id + 100)", count: pageBody.utf8.count, expect: "handled")
        }
        for (name, count) in macros {
            let previous = macroCounts[name] ?? (0, 0)
            macroCounts[name] = (previous.count + count, previous.pages + 1)
        }
        let outOfOrder = adversarial && p % 40 == 7
        var deferred: [() throws -> Void] = []
        func emit(_ work: @escaping () throws -> Void) throws {
            if outOfOrder { try work() } else { deferred.append(work) }
        }

        // Head page (written first unless out of order).
        var damage: [UInt8] = []
        if adversarial, p % 25 == 11 {
            damage = Array("<p>bad".utf8) + [0x01, 0x1C] + Array("bytes</p>".utf8)
            try problem("control-characters", "BodyContent", "\(id + 100)", count: 2, expect: "repaired")
        }
        if adversarial, p % 25 == 13 {
            damage += Array("<p>not utf8".utf8) + [0xFF, 0xC3, 0x28] + Array("</p>".utf8)
            try problem("invalid-utf8", "BodyContent", "\(id + 100)", count: 2, expect: "repaired")
        }
        var titleText = title
        if adversarial, p % 50 == 17 {
            titleText += "\u{8}"
            try problem("control-characters", "Page", "\(id)", count: 1, expect: "repaired")
        }
        let versionBump = change == .edit || change == .rename ? 1 : 0
        let modified = (change != nil || isNew) ? (options.mutation?.modified ?? created) : created
        var headProperties =
            text("title", titleText) + text("lowerTitle", title.lowercased())
            + plain("version", historyCount + 1 + versionBump)
            + text("contentStatus", "current") + ref("space", "Space", spaceID) + userRef("creator", creator)
            + plain("creationDate", created) + userRef("lastModifier", creator)
            + plain("lastModificationDate", modified) + text("versionComment", historyCount > 0 ? "Updated" : "")
        if let parent {
            if adversarial, p % 60 == 29 {
                headProperties += ref("parent", "Page", spaceBase(s) + 999_000_000)
                try problem("missing-reference", "Page", "\(id)", expect: "repaired")
            } else {
                headProperties += ref("parent", "Page", pageID(s, parent))
            }
        }
        if let position { headProperties += plain("position", position) }
        if historyCount > 0 {
            headProperties += "<collection name=\"historicalVersions\" class=\"java.util.Collection\">"
            for h in 0..<historyCount {
                headProperties +=
                    "<element class=\"Page\" package=\"com.atlassian.confluence.pages\"><id name=\"id\">\(id + 1 + Int64(h))</id>\n</element>\n"
            }
            headProperties += "</collection>\n"
        }
        let head = headProperties
        try writeDeferredHead(outOfOrder: outOfOrder) {
            try self.object("Page", "com.atlassian.confluence.pages", id: "\(id)", head)
        }
        if outOfOrder { try problem("out-of-order", "Page", "\(id)", expect: "handled") }
        expected.pages += 1
        let bodyText = pageBody
        let bodyDamage = damage
        try emit { try self.body(id + 100, owner: id, ownerClass: "Page", bodyText, damage: bodyDamage) }
        expected.storageBodies += 1

        // History: older versions with shorter bodies.
        for h in 0..<historyCount {
            let historicalID = id + 1 + Int64(h)
            let properties =
                text("title", title) + plain("version", h + 1) + text("contentStatus", "current")
                + ref("originalVersion", "Page", id) + userRef("creator", creator) + plain("creationDate", created)
            try emit {
                try self.object("Page", "com.atlassian.confluence.pages", id: "\(historicalID)", properties)
                try self.body(
                    id + 101 + Int64(h), owner: historicalID, ownerClass: "Page",
                    "<p>Version \(h + 1) of \(SampleBodies.xml(title)).</p>")
            }
            expected.historicalVersions += 1
            expected.storageBodies += 1
        }

        // Comments: footer ones (the second replies to the first), and an inline one.
        let footer = random.below(3)
        for c in 0..<footer {
            let commentID = id + 200 + Int64(c)
            var properties =
                ref("containerContent", "Page", id) + text("contentStatus", "current") + plain("version", 1)
                + userRef("creator", random.below(userCount)) + plain("creationDate", created)
            if c == 1 { properties += ref("parent", "Comment", id + 200) }
            let commentText =
                "<p>Comment \(c + 1): \(random.pick(SampleBodies.words)) <ac:emoticon ac:name=\"smile\"/></p>"
            try emit {
                try self.object("Comment", "com.atlassian.confluence.pages", id: "\(commentID)", properties)
                try self.body(commentID + 50, owner: commentID, ownerClass: "Comment", commentText)
            }
            expected.comments += 1
            expected.footerComments += 1
            expected.storageBodies += 1
        }
        if let marker {
            let commentID = id + 210
            let properties =
                ref("containerContent", "Page", id) + text("contentStatus", "current") + plain("version", 1)
                + userRef("creator", random.below(userCount))
            try emit {
                try self.object("Comment", "com.atlassian.confluence.pages", id: "\(commentID)", properties)
                try self.object(
                    "ContentProperty", "com.atlassian.confluence.content", id: "\(id + 220)",
                    self.text("name", "inline-marker-ref") + self.text("stringValue", marker)
                        + self.ref("content", "Comment", commentID))
                try self.object(
                    "ContentProperty", "com.atlassian.confluence.content", id: "\(id + 221)",
                    self.text("name", "inline-original-selection") + self.text("stringValue", "Reviewed")
                        + self.ref("content", "Comment", commentID))
                try self.body(
                    commentID + 50, owner: commentID, ownerClass: "Comment", "<p>Please double-check this.</p>")
            }
            expected.comments += 1
            expected.inlineComments += 1
            expected.storageBodies += 1
        }

        if change == .comment {
            let commentID = id + 230
            let properties =
                ref("containerContent", "Page", id) + text("contentStatus", "current") + plain("version", 1)
                + userRef("creator", creator) + plain("creationDate", modified)
            try emit {
                try self.object("Comment", "com.atlassian.confluence.pages", id: "\(commentID)", properties)
                try self.body(
                    commentID + 50, owner: commentID, ownerClass: "Comment",
                    "<p>A comment added after the migration.</p>")
            }
            expected.comments += 1
            expected.footerComments += 1
            expected.storageBodies += 1
        }

        // Attachments with versions and files.
        for (offset, a) in attachmentRange.enumerated() {
            try writeAttachment(
                s: s, a: a, pageID: id, slot: offset, missingFile: adversarial && a % 17 == 5,
                extraVersion: change == .attachmentVersion && offset == 0, expected: &expected)
        }

        // Labels.
        let labelCount = random.below(3)
        for l in 0..<labelCount {
            let labellingID = id + 300 + Int64(l)
            let label = (p + l * 3) % Self.labels.count
            try emit {
                try self.object(
                    "Labelling", "com.atlassian.confluence.labels", id: "\(labellingID)",
                    self.ref("label", "Label", self.labelID(label)) + self.ref("content", "Page", id)
                        + self.text("labelableType", "CONTENT") + self.userRef("owningUser", creator))
            }
            expected.labels += 1
        }

        if change == .label {
            let label = (p + 1) % Self.labels.count
            try emit {
                try self.object(
                    "Labelling", "com.atlassian.confluence.labels", id: "\(id + 350)",
                    self.ref("label", "Label", self.labelID(label)) + self.ref("content", "Page", id)
                        + self.text("labelableType", "CONTENT") + self.userRef("owningUser", creator))
            }
            expected.labels += 1
        }
        if change == .restrict, p % 10 != 9 {
            try emit {
                try self.object(
                    "ContentPermissionSet", "com.atlassian.confluence.security", id: "\(id + 420)",
                    self.text("type", "View") + self.ref("owningContent", "Page", id))
                try self.object(
                    "ContentPermission", "com.atlassian.confluence.security", id: "\(id + 421)",
                    self.text("type", "View") + self.text("groupName", "engineering")
                        + self.ref("owningSet", "ContentPermissionSet", id + 420))
            }
            expected.restrictions += 1
        }

        // Restrictions: view on every 10th page (a user and a group), edit on every 15th.
        // A mutation's restriction change lifts the view restriction of such a page.
        if p % 10 == 9, change != .restrict {
            try emit {
                try self.object(
                    "ContentPermissionSet", "com.atlassian.confluence.security", id: "\(id + 400)",
                    self.text("type", "View") + self.ref("owningContent", "Page", id))
                try self.object(
                    "ContentPermission", "com.atlassian.confluence.security", id: "\(id + 401)",
                    self.text("type", "View") + self.userRef("userSubject", creator)
                        + self.ref("owningSet", "ContentPermissionSet", id + 400))
                try self.object(
                    "ContentPermission", "com.atlassian.confluence.security", id: "\(id + 402)",
                    self.text("type", "View") + self.text("groupName", "engineering")
                        + self.ref("owningSet", "ContentPermissionSet", id + 400))
            }
            expected.restrictions += 2
        }
        if p % 15 == 14 {
            try emit {
                try self.object(
                    "ContentPermissionSet", "com.atlassian.confluence.security", id: "\(id + 410)",
                    self.text("type", "Edit") + self.ref("owningContent", "Page", id))
                try self.object(
                    "ContentPermission", "com.atlassian.confluence.security", id: "\(id + 411)",
                    self.text("type", "Edit") + self.text("groupName", "confluence-administrators")
                        + self.ref("owningSet", "ContentPermissionSet", id + 410))
            }
            expected.restrictions += 1
        }

        // Drafts: an unpublished edit of every 12th page, a never-published draft on every 25th.
        if p % 12 == 5 {
            let draftID = id + 500
            try emit {
                try self.object(
                    "Page", "com.atlassian.confluence.pages", id: "\(draftID)",
                    self.text("title", title) + self.text("contentStatus", "draft") + self.plain("version", 1)
                        + self.ref("space", "Space", spaceID) + self.ref("originalVersion", "Page", id)
                        + self.userRef("creator", creator))
                try self.body(draftID + 1, owner: draftID, ownerClass: "Page", "<p>Draft edit of this page.</p>")
            }
            expected.drafts += 1
            expected.storageBodies += 1
        }
        if p % 25 == 20 {
            let draftID = id + 510
            try emit {
                try self.object(
                    "Page", "com.atlassian.confluence.pages", id: "\(draftID)",
                    self.text("title", "Untitled draft \(p)") + self.text("contentStatus", "draft")
                        + self.plain("version", 1) + self.ref("space", "Space", spaceID)
                        + self.userRef("creator", creator))
                try self.body(draftID + 1, owner: draftID, ownerClass: "Page", "<p>Never published.</p>")
            }
            expected.drafts += 1
            expected.storageBodies += 1
        }
        // Trash: a deleted page next to every 30th page.
        if p % 30 == 10 {
            let trashedID = id + 600
            try emit {
                try self.object(
                    "Page", "com.atlassian.confluence.pages", id: "\(trashedID)",
                    self.text("title", "Old \(title)") + self.text("contentStatus", "deleted")
                        + self.plain("version", 1)
                        + self.ref("space", "Space", spaceID))
                try self.body(trashedID + 1, owner: trashedID, ownerClass: "Page", "<p>Trashed.</p>")
            }
            expected.deleted += 1
            expected.storageBodies += 1
        }
        // Adversarial: a second object with the id of an existing page.
        if adversarial, p % 45 == 21 {
            try emit {
                try self.object(
                    "Page", "com.atlassian.confluence.pages", id: "\(id)",
                    self.text("title", "Impostor") + self.text("contentStatus", "current") + self.plain("version", 1)
                        + self.ref("space", "Space", spaceID))
            }
            try problem("duplicate-id", "Page", "\(id)", expect: "skipped")
        }
        for work in deferred { try work() }
        if outOfOrder { try writePendingHead() }
    }

    private var pendingHead: (() throws -> Void)?

    /// Out of order: the head is written after everything that refers to it.
    func writeDeferredHead(outOfOrder: Bool, _ work: @escaping () throws -> Void) throws {
        if outOfOrder { pendingHead = work } else { try work() }
    }

    func writePendingHead() throws {
        if let work = pendingHead {
            pendingHead = nil
            try work()
        }
    }

    func attachmentName(_ s: Int, _ a: Int) -> String {
        let types = ["png", "pdf", "txt", "docx", "csv", "jpg"]
        return "file-\(s + 1)-\(a).\(types[a % types.count])"
    }

    func writeAttachment(
        s: Int, a: Int, pageID: Int64, slot: Int, missingFile: Bool, extraVersion: Bool = false,
        expected: inout ExpectedCounts
    )
        throws
    {
        var random = SampleRandom(seed: options.seed, UInt64(s) &+ 300, UInt64(a))
        let versions =
            1 + (options.history == 0 ? 0 : random.below(min(options.history, 3) + 1)) + (extraVersion ? 1 : 0)
        let headID = pageID + 700 + Int64(slot) * 10
        let name = attachmentName(s, a)
        let mediaTypes = [
            "image/png", "application/pdf", "text/plain",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "text/csv", "image/jpeg",
        ]
        let kind = a % mediaTypes.count
        let container = "\(pageID)"
        var missingReported = false
        for v in 1...versions {
            let isHead = v == versions
            let objectID = isHead ? headID : headID + Int64(v)
            let size = attachmentSize(&random)
            var properties =
                text("title", name) + plain("version", v) + text("contentStatus", "current")
                + ref("containerContent", "Page", pageID) + userRef("creator", random.below(userCount))
            if isHead {
                properties += ref("space", "Space", spaceBase(s))
            } else {
                properties += ref("originalVersion", "Attachment", headID)
            }
            try object("Attachment", "com.atlassian.confluence.pages", id: "\(objectID)", properties)
            try object(
                "ContentProperty", "com.atlassian.confluence.content", id: "\(objectID + 10_000_000_000_000)",
                text("name", "FILESIZE") + plain("longValue", size) + ref("content", "Attachment", objectID))
            try object(
                "ContentProperty", "com.atlassian.confluence.content", id: "\(objectID + 20_000_000_000_000)",
                text("name", "MEDIA_TYPE") + text("stringValue", mediaTypes[kind])
                    + ref("content", "Attachment", objectID))
            if missingFile, isHead, !missingReported {
                missingReported = true
                try problem("missing-attachment-file", "Attachment", "\(objectID)", expect: "reported")
            } else {
                try writeFile(
                    container: container, attachment: "\(headID)", version: v, size: size, kind: kind,
                    seed: UInt64(objectID))
            }
            expected.attachmentBytesAllVersions += Int64(size)
            if isHead {
                expected.attachments += 1
                expected.attachmentBytes += Int64(size)
            }
        }
    }

    func attachmentSize(_ random: inout SampleRandom) -> Int {
        let cap = max(options.maxAttachmentBytes, 64)
        switch random.below(20) {
        case 0: return min(cap, 64 + random.below(cap))
        case 1...5: return min(cap, 64 + random.below(max(cap / 4, 1)))
        default: return min(cap, 64 + random.below(max(cap / 32, 1)))
        }
    }

    /// Writes an attachment file with a plausible header and deterministic bytes.
    func writeFile(container: String, attachment: String, version: Int, size: Int, kind: Int, seed: UInt64) throws {
        let folder = root.appendingPathComponent("attachments/\(container)/\(attachment)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let headers: [[UInt8]] = [
            [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], Array("%PDF-1.7\n".utf8), Array("Sample text\n".utf8),
            [0x50, 0x4B, 0x03, 0x04], Array("id,name,value\n".utf8), [0xFF, 0xD8, 0xFF, 0xE0],
        ]
        var bytes = headers[kind % headers.count]
        var random = SampleRandom(seed: options.seed, seed, 99)
        bytes.reserveCapacity(size)
        while bytes.count < size {
            var word = random.next()
            for _ in 0..<8 where bytes.count < size {
                bytes.append(kind == 2 || kind == 4 ? UInt8(0x61 + (word & 0xFF) % 26) : UInt8(word & 0xFF))
                word >>= 8
            }
        }
        if bytes.count > size { bytes.removeLast(bytes.count - size) }
        let path = folder.appendingPathComponent("\(version)").path
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else {
            throw SampleError.cannotWrite(path: path, reason: "the file could not be created")
        }
        attachmentFiles += 1
        attachmentFileBytes += Int64(size)
    }

    func writeBlogPost(s: Int, b: Int, expected: inout ExpectedCounts) throws {
        var random = SampleRandom(seed: options.seed, UInt64(s) &+ 500, UInt64(b))
        let id = blogID(s, b)
        let title = "Weekly update \(b + 1) \(random.pick(SampleBodies.words))"
        try object(
            "BlogPost", "com.atlassian.confluence.pages", id: "\(id)",
            text("title", title) + plain("version", 1) + text("contentStatus", "current")
                + ref("space", "Space", spaceBase(s)) + userRef("creator", random.below(userCount))
                + plain("creationDate", date(&random)))
        var macros: [String: Int] = [:]
        let context = SampleBodies.Context(
            pageTitle: title, spaceKey: spaceKey(s), linkTitles: [pageTitle(s, 0)], attachmentNames: [],
            userKeys: [userKey(random.below(userCount))], inlineMarker: nil, sections: 2 + random.below(4))
        let blogBody = SampleBodies.page(context, random: &random, macros: &macros)
        for (name, count) in macros {
            let previous = macroCounts[name] ?? (0, 0)
            macroCounts[name] = (previous.count + count, previous.pages + 1)
        }
        try body(id + 100, owner: id, ownerClass: "BlogPost", blogBody)
        expected.blogPosts += 1
        expected.storageBodies += 1
        if b % 2 == 0 {
            try object(
                "Comment", "com.atlassian.confluence.pages", id: "\(id + 200)",
                ref("containerContent", "BlogPost", id) + text("contentStatus", "current") + plain("version", 1))
            try body(id + 250, owner: id + 200, ownerClass: "Comment", "<p>Thanks for the update.</p>")
            expected.comments += 1
            expected.footerComments += 1
            expected.storageBodies += 1
        }
        try object(
            "Labelling", "com.atlassian.confluence.labels", id: "\(id + 300)",
            ref("label", "Label", labelID(1)) + ref("content", "BlogPost", id) + text("labelableType", "CONTENT"))
        expected.labels += 1
    }

    /// Adversarial: objects that point at nothing.
    func writeOrphans() throws {
        let base: Int64 = 9_000_000_000_000_000
        try object(
            "BodyContent", "com.atlassian.confluence.core", id: "\(base + 1)",
            text("body", "<p>Body of a page that is not in the export</p>") + ref("content", "Page", base + 900)
                + plain("bodyType", 2))
        try problem("missing-reference", "BodyContent", "\(base + 1)", expect: "skipped")
        try object(
            "Comment", "com.atlassian.confluence.pages", id: "\(base + 2)",
            ref("containerContent", "Page", base + 901) + text("contentStatus", "current") + plain("version", 1))
        try problem("missing-reference", "Comment", "\(base + 2)", expect: "skipped")
        try object(
            "Labelling", "com.atlassian.confluence.labels", id: "\(base + 3)",
            ref("label", "Label", base + 902) + ref("content", "Page", pageID(0, 0)))
        try problem("missing-reference", "Labelling", "\(base + 3)", expect: "skipped")
        try object(
            "Attachment", "com.atlassian.confluence.pages", id: "\(base + 4)",
            text("title", "lost.bin") + plain("version", 1) + text("contentStatus", "current")
                + ref("containerContent", "Page", base + 903))
        try problem("missing-reference", "Attachment", "\(base + 4)", expect: "skipped")
        // An object without an id.
        try out.write(
            "<object class=\"Label\" package=\"com.atlassian.confluence.labels\">\n\(text("name", "no-id"))</object>\n")
        try problem("missing-id", "Label", "-", expect: "skipped")
    }

    func writeManifest(_ expected: [ExpectedCounts]) throws {
        let writer = try ByteWriter(path: root.appendingPathComponent("manifest.json").path, capacity: 256 * 1024)
        var totals = ExpectedCounts()
        totals.key = "TOTAL"
        for space in expected {
            totals.pages += space.pages
            totals.blogPosts += space.blogPosts
            totals.historicalVersions += space.historicalVersions
            totals.comments += space.comments
            totals.footerComments += space.footerComments
            totals.inlineComments += space.inlineComments
            totals.attachments += space.attachments
            totals.attachmentBytes += space.attachmentBytes
            totals.attachmentBytesAllVersions += space.attachmentBytesAllVersions
            totals.labels += space.labels
            totals.restrictions += space.restrictions
            totals.spacePermissions += space.spacePermissions
            totals.drafts += space.drafts
            totals.deleted += space.deleted
            totals.storageBodies += space.storageBodies
        }
        var totalsJSON = totals.json
        totalsJSON.removeLast()
        totalsJSON +=
            ",\"spaces\":\(expected.count),\"users\":\(userCount),\"groups\":\(Self.groups.count),\"globalPermissions\":4"
            + ",\"unmigratable\":{\"AuditRecord\":\(3 + (archiveUnmigratable["AuditRecord"] ?? 0)),"
            + "\"ConfluenceBandanaRecord\":\(3 + (archiveUnmigratable["ConfluenceBandanaRecord"] ?? 0)),"
            + "\"DirectoryImpl\":1,\"PersonalInformation\":\(userCount),"
            + "\"Attachment:PersonalInformation\":\(1 + (archiveUnmigratable["Attachment:PersonalInformation"] ?? 0))}}"
        let macros = macroCounts.sorted { ($0.value.count, $1.key) > ($1.value.count, $0.key) }
            .map { "{\"name\":\"\($0.key)\",\"count\":\($0.value.count),\"pages\":\($0.value.pages)}" }
        try writer.write(
            """
            {"generator":"ferry sample","profile":"\(options.profile.rawValue)","seed":\(options.seed),\
            "options":{"spaces":\(options.spaces),"pages":\(options.pages),"attachments":\(options.attachments),\
            "history":\(options.history)},"entitiesBytes":\(out.count),"attachmentFiles":\(attachmentFiles),\
            "attachmentFileBytes":\(attachmentFileBytes),
            "expected":{"totals":\(totalsJSON),
            "spaces":[\(expected.map(\.json).joined(separator: ",\n"))],
            "macros":[\(macros.joined(separator: ","))]},
            "archive":\(archiveManifestJSON),
            "problems":[
            """)
        // Stream the planted problems from the side file, one per line.
        if let handle = FileHandle(forReadingAtPath: problemsFile.path) {
            defer { try? handle.close() }
            var first = true
            var carry = Data()
            while let chunk = try handle.read(upToCount: 1 << 16), !chunk.isEmpty {
                carry.append(chunk)
                while let newline = carry.firstIndex(of: UInt8(ascii: "\n")) {
                    let line = carry[carry.startIndex..<newline]
                    carry = carry[(newline + 1)...]
                    try writer.write(first ? "\n" : ",\n")
                    first = false
                    try writer.write(bytes: Array(line))
                }
                carry = Data(carry)
            }
        }
        try writer.write("\n],\n\"assessment\":" + (try writeAssessmentInputs()) + "}\n")
        try writer.flush()
    }
}
