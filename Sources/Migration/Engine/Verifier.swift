public import ConfluenceCloud
public import ConfluenceExport
import Crypto
import Foundation
import StorageFormat
public import Workspace

/// Re-reads the target and compares it with staging: every page and blog post exists
/// once with its title, parent, sibling order and text; attachments with their sizes and
/// SHA-256; labels; comments; restrictions.
public struct Verifier: Sendable {
    public let workspace: Workspace
    public let export: ExportPackage
    public let client: ConfluenceCloudClient
    public let options: MigrationOptions
    /// Pages and blog posts whose body the migration cut to Cloud's limit (`body.truncated`
    /// notes). If the ledger cannot be read they are compared whole, and so reported.
    let truncatedBodies: Set<String>

    public init(workspace: Workspace, export: ExportPackage, client: ConfluenceCloudClient, options: MigrationOptions) {
        self.workspace = workspace
        self.export = export
        self.client = client
        self.options = options
        self.truncatedBodies = (try? workspace.ledger.noteSources(code: "body.truncated")) ?? []
    }

    /// What Cloud's API cannot carry; listed in every verification instead of reported as differences.
    public static func knownLimits(history: MigrationOptions.History) -> [String] {
        var limits = [
            "Cloud sets the author and date of every page, blog post, comment and attachment to the migrating account and the migration time; the originals are kept in each page's ferry.source content property and as a byline on comments."
        ]
        switch history {
        case .latest:
            limits.append("Page history is migrated as the current version only (--history latest).")
        case .all:
            limits.append(
                "Historical versions are replayed as new Cloud versions dated at the migration; each version message names the original author and date. A home page also keeps the empty version Cloud created with the space."
            )
        }
        return limits + otherLimits
    }

    /// The history mode the workspace was migrated with (recorded at planning), else the options'.
    var history: MigrationOptions.History { MigrationPlanner.recordedHistory(workspace) ?? options.history }

    static let otherLimits = [
        "User mentions, user restrictions and user space permissions need the identity mapping (ferry users); until then mentions stay readable text and user-restricted pages are restricted to the migrating account.",
        "Personal space keys (~user) and keys with characters other than letters and digits are renamed; the notes list each.",
    ]

    public func verify() async throws -> VerificationReport {
        let identities = ResolvedIdentities.read(workspace: workspace.folder)
        var report = VerificationReport()
        let ledger = workspace.ledger
        let scratch = workspace.folder.appendingPathComponent("scratch-verify")
        defer { try? FileManager.default.removeItem(at: scratch) }
        for space in try MigrationPlanner(workspace: workspace, options: options).selectedSpaces() {
            guard let key = space.key else { continue }
            guard let spaceResult = try ledger.result(WriteKey(kind: .spaceCreate, sourceId: space.id)),
                let homepageId = spaceResult.detail
            else {
                report.difference("space.missing", key, space.id, nil, "the space was not created")
                continue
            }
            report.count("spaces")
            let pages = try workspace.pages(spaceKey: key)
            let posts = try workspace.blogPosts(spaceKey: key)
            var childrenBySourceParent: [String: [String]] = [:]
            for page in pages { childrenBySourceParent[page.parentID ?? "", default: []].append(page.id) }
            let items = pages.map { ($0, false) } + posts.map { ($0, true) }
            try await forEachInOrder(items) { item in
                try await verifyContent(
                    item.0, blogPost: item.1, space: space, key: key, homepageId: homepageId,
                    identities: identities)
            } merge: { part in
                report.merge(part)
            }
            try await compareOrder(childrenBySourceParent, homepageId: homepageId, key: key, into: &report)
        }
        // The limits every migration has, then those of particular pages found above.
        report.knownLimits = Self.knownLimits(history: history) + report.knownLimits
        return report
    }

    /// Reads back one page or blog post and compares it with staging; the partial report
    /// is merged in source order by ``verify()``.
    func verifyContent(
        _ content: Workspace.PageInfo, blogPost: Bool, space: Workspace.SpaceInfo, key: String, homepageId: String,
        identities: ResolvedIdentities?
    ) async throws -> VerificationReport {
        var report = VerificationReport()
        let ledger = workspace.ledger
        let scratch = workspace.folder.appendingPathComponent("scratch-verify")
        let kind: WriteKind = blogPost ? .blogPostCreate : .pageCreate
        guard let targetId = try ledger.result(WriteKey(kind: kind, sourceId: content.id))?.targetId else {
            report.difference("\(blogPost ? "blogpost" : "page").missing", key, content.id, nil, "not migrated")
            return report
        }
        report.count(blogPost ? "blogPosts" : "pages")
        let target: CloudContent
        do {
            target = try await client.content(id: targetId, bodyFormat: .atlasDocFormat, blogPost: blogPost)
        } catch {
            report.difference("content.unreadable", key, content.id, targetId, "\(error)")
            return report
        }
        let title = Migrator.title(content)
        if target.title != title {
            report.difference(
                "content.title", key, content.id, targetId, "expected '\(title)', found '\(target.title)'")
        }
        if !blogPost {
            let expectedParent: String?
            if content.id == space.homePageID {
                expectedParent = nil
            } else if let parent = content.parentID,
                let parentTarget = try ledger.result(WriteKey(kind: .pageCreate, sourceId: parent))?.targetId
            {
                expectedParent = parentTarget
            } else {
                expectedParent = homepageId
            }
            if content.id != space.homePageID, target.parentId != expectedParent {
                report.difference(
                    "content.parent", key, content.id, targetId,
                    "expected parent \(expectedParent ?? "none"), found \(target.parentId ?? "none")")
            }
        }
        let versions = try expectedVersions(of: content)
        report.count("versions", versions)
        if target.version.number < versions {
            report.difference(
                "content.versions", key, content.id, targetId,
                "expected at least \(versions) versions, found \(target.version.number)")
        }
        try compareText(content: content, target: target, key: key, into: &report)
        try await compareAttachments(
            content: content, pageId: targetId, key: key, scratch: scratch, into: &report)
        let labels = Set(
            try workspace.labels(contentID: content.id).map {
                $0.split(separator: ":").last.map(String.init) ?? $0
            })
        if !labels.isEmpty {
            let found = Set(try await client.labels(pageId: targetId, blogPost: blogPost).map(\.name))
            report.count("labels", labels.count)
            if found != labels {
                report.difference(
                    "content.labels", key, content.id, targetId,
                    "expected \(labels.sorted()), found \(found.sorted())")
            }
        }
        let comments = try workspace.comments(containerID: content.id).filter { $0.parentID == nil }
        if !comments.isEmpty {
            let container: CommentContainer = blogPost ? .blogPost(targetId) : .page(targetId)
            let footer = try await client.comments(on: container, location: "footer").count
            let inline = try await client.comments(on: container, location: "inline").count
            report.count("comments", comments.count)
            if footer + inline != comments.count {
                report.difference(
                    "content.comments", key, content.id, targetId,
                    "expected \(comments.count) top-level comments, found \(footer + inline)")
            }
        }
        // With an applied identity mapping, groups carry their Cloud names and skipped ones are absent.
        let groups = Set(
            try workspace.restrictions(contentID: content.id).compactMap(\.groupName).compactMap { name in
                identities.map { $0.cloudGroup(name) } ?? name
            })
        if !groups.isEmpty {
            let found = Set(try await client.restrictions(contentId: targetId).flatMap(\.groupNames))
            report.count("restrictions")
            if !groups.isSubset(of: found) {
                report.difference(
                    "content.restrictions", key, content.id, targetId,
                    "expected groups \(groups.sorted()), found \(found.sorted())")
            }
        }
        return report
    }

    /// Runs `body` for every item with at most `options.concurrency` reads in flight and
    /// hands the results to `merge` in the items' order (out-of-order ones wait in a
    /// buffer no larger than the window).
    func forEachInOrder<Item: Sendable, Result: Sendable>(
        _ items: [Item], _ body: @escaping @Sendable (Item) async throws -> Result, merge: (Result) -> Void
    ) async throws {
        let limit = max(1, options.concurrency)
        try await withThrowingTaskGroup(of: (Int, Result).self) { group in
            var next = 0
            var mergeNext = 0
            var waiting: [Int: Result] = [:]
            while next < items.count, next < limit {
                let index = next
                let item = items[index]
                group.addTask { (index, try await body(item)) }
                next += 1
            }
            while let (index, result) = try await group.next() {
                waiting[index] = result
                while let ready = waiting.removeValue(forKey: mergeNext) {
                    merge(ready)
                    mergeNext += 1
                }
                if next < items.count {
                    let index = next
                    let item = items[index]
                    group.addTask { (index, try await body(item)) }
                    next += 1
                }
            }
        }
    }

    /// The Cloud versions a page or blog post must have at least: every source version
    /// (the historical ones and the current) under `--history all`, one under latest.
    func expectedVersions(of content: Workspace.PageInfo) throws -> Int {
        history == .all ? 1 + (try MigrationPlanner.olderVersions(of: content, in: workspace).count) : 1
    }

    /// The source's visible text must appear in the Cloud page in order (whitespace aside):
    /// the converter may add (a mention's name, a byline), never lose or reorder.
    func compareText(
        content: Workspace.PageInfo, target: CloudContent, key: String, into report: inout VerificationReport
    ) throws {
        let storage = try workspace.body(contentID: content.id)?.body ?? ""
        let source = Array(
            ADFText.visibleText(of: StorageParser.parse(storage)).unicodeScalars.filter { !$0.properties.isWhitespace })
        guard !source.isEmpty else { return }
        guard let json = target.body(.atlasDocFormat),
            let document = try? JSONDecoder().decode(ADFDocument.self, from: Data(json.utf8))
        else {
            report.difference("content.body", key, content.id, target.id, "the Cloud body is not an ADF document")
            return
        }
        var matched = 0
        for scalar in ADFText.plainText(of: document).unicodeScalars where !scalar.properties.isWhitespace {
            if matched < source.count, scalar == source[matched] { matched += 1 }
        }
        report.count("textCharacters", source.count)
        // A body over Cloud's limit holds only its first part (the migration noted it and kept
        // the whole original in the workspace): that part must be there.
        if truncatedBodies.contains(content.id), matched > 0 {
            report.knownLimits.append(
                "Content \(content.id) ('\(Migrator.title(content))') is over Cloud's 5 MB page limit: Cloud holds its first \(matched) of \(source.count) characters and a notice; the whole original body is in the workspace's \(Migrator.oversizeBodiesFolder) folder."
            )
            return
        }
        if matched < source.count {
            var missing = String.UnicodeScalarView()
            missing.append(contentsOf: source[matched..<min(matched + 40, source.count)])
            report.difference(
                "content.text", key, content.id, target.id,
                "text from character \(matched) of \(source.count) is missing or out of order: '\(String(missing))'")
        }
    }

    func compareAttachments(
        content: Workspace.PageInfo, pageId: String, key: String, scratch: URL, into report: inout VerificationReport
    ) async throws {
        let expected = try workspace.attachments(containerID: content.id).filter(\.isCurrent)
        guard !expected.isEmpty else { return }
        let found = try await client.attachments(contentId: pageId)
        let byTitle = Dictionary(found.map { ($0.title, $0) }, uniquingKeysWith: { first, _ in first })
        for attachment in expected {
            guard let title = attachment.title else { continue }
            report.count("attachments")
            guard let target = byTitle[title] else {
                if attachment.path != nil {
                    report.difference(
                        "attachment.missing", key, attachment.id, nil, "\(title) is not on page \(pageId)")
                }
                continue
            }
            guard let path = attachment.path else { continue }
            let sourceDigest = try await export.withLocalAttachmentFile(path: path, scratch: scratch) { local in
                try Self.sha256(file: local)
            }
            if history == .all {
                let versions = try workspace.attachments(containerID: content.id).filter {
                    ($0.originalID ?? $0.id) == attachment.id && $0.path != nil
                }.count
                if target.version < versions {
                    report.difference(
                        "attachment.versions", key, attachment.id, target.id,
                        "\(title): expected at least \(versions) versions, found \(target.version)")
                }
            }
            if Int64(target.fileSize) != sourceDigest.size {
                report.difference(
                    "attachment.size", key, attachment.id, target.id,
                    "\(title): expected \(sourceDigest.size) bytes, found \(target.fileSize)")
                continue
            }
            let bytes = try await client.downloadAttachment(target)
            let digest = SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
            report.count("attachmentBytes", bytes.count)
            if digest != sourceDigest.sha256 {
                report.difference("attachment.sha256", key, attachment.id, target.id, "\(title): content differs")
            }
        }
    }

    func compareOrder(
        _ children: [String: [String]], homepageId: String, key: String, into report: inout VerificationReport
    ) async throws {
        let ledger = workspace.ledger
        let groups = children.filter { !$0.key.isEmpty && $0.value.count > 1 }.sorted { $0.key < $1.key }
        try await forEachInOrder(groups) { group -> VerificationReport in
            let (parent, sourceChildren) = (group.key, group.value)
            var part = VerificationReport()
            guard let parentTarget = try ledger.result(WriteKey(kind: .pageCreate, sourceId: parent))?.targetId else {
                return part
            }
            let expected = try sourceChildren.compactMap {
                try ledger.result(WriteKey(kind: .pageCreate, sourceId: $0))?.targetId
            }
            let actual = try await client.children(of: parentTarget).map(\.id).filter { expected.contains($0) }
            part.count("siblingGroups")
            if actual != expected {
                part.difference(
                    "content.order", key, parent, parentTarget, "children in another order than in the source")
            }
            return part
        } merge: { part in
            report.merge(part)
        }
    }

    static func sha256(file: String) throws -> (size: Int64, sha256: String) {
        let (size, digest) = try ArchiveManifest.hash(URL(fileURLWithPath: file))
        return (size, digest)
    }
}

/// The outcome of `ferry verify`.
public struct VerificationReport: Sendable, Codable {
    public struct Difference: Sendable, Codable, Equatable {
        public var kind: String
        public var space: String
        public var source: String?
        public var target: String?
        public var detail: String
    }

    public var checked: [String: Int] = [:]
    public var differences: [Difference] = []
    public var knownLimits: [String] = []
    public var clean: Bool { differences.isEmpty }

    mutating func count(_ name: String, _ amount: Int = 1) { checked[name, default: 0] += amount }

    mutating func merge(_ other: VerificationReport) {
        for (name, amount) in other.checked { checked[name, default: 0] += amount }
        differences += other.differences
        knownLimits += other.knownLimits
    }

    mutating func difference(_ kind: String, _ space: String, _ source: String?, _ target: String?, _ detail: String) {
        differences.append(Difference(kind: kind, space: space, source: source, target: target, detail: detail))
    }

    enum CodingKeys: String, CodingKey { case clean, checked, differences, knownLimits }

    public init() {}

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        checked = try container.decode([String: Int].self, forKey: .checked)
        differences = try container.decode([Difference].self, forKey: .differences)
        knownLimits = try container.decode([String].self, forKey: .knownLimits)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(clean, forKey: .clean)
        try container.encode(checked, forKey: .checked)
        try container.encode(differences, forKey: .differences)
        try container.encode(knownLimits, forKey: .knownLimits)
    }
}
