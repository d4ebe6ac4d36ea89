import ConfluenceCloud
import FerryModel
import Foundation
import StorageFormat
import Workspace

extension Migrator {
    struct SpaceTarget {
        var spaceId: String
        var homepageId: String?
        var key: String
    }

    func spaceTarget(_ space: Workspace.SpaceInfo) throws -> SpaceTarget? {
        guard let result = try ledger.result(WriteKey(kind: .spaceCreate, sourceId: space.id)), let id = result.targetId
        else { return nil }
        return SpaceTarget(
            spaceId: id, homepageId: result.detail, key: CloudSpaceKey.derive(from: space.key ?? id))
    }

    // MARK: spaces

    func createSpace(_ space: Workspace.SpaceInfo) async throws {
        guard let key = space.key else { return }
        let targetKey = CloudSpaceKey.derive(from: key)
        if targetKey != key {
            try ledger.note(
                spaceKey: key, sourceId: space.id, kind: "known-limit", code: "space.key-renamed",
                message: "Cloud space keys allow letters and digits only: \(key) becomes \(targetKey)")
        }
        try await perform(.spaceCreate, space: key, sourceId: space.id) { attempted in
            let candidates = Array(Set([targetKey, targetKey.uppercased(), targetKey.lowercased()]))
            if let existing = try await client.spaces(keys: candidates).first {
                guard attempted || options.intoExisting else {
                    throw MigrationError.spaceExists(sourceKey: key, targetKey: existing.key)
                }
                return (existing.id, existing.homepageId)
            }
            let created = try await client.createSpace(key: targetKey, name: space.name ?? key)
            return (created.id, created.homepageId)
        }
    }

    // MARK: pages and blog posts

    /// `whenCreated` runs as soon as the page exists in the target, before its `ferry.source`
    /// property is set and the create recorded: the next sibling (ordered by creation) need
    /// not wait for those.
    func createPageOrPost(
        _ content: Workspace.PageInfo, blogPost: Bool, space: Workspace.SpaceInfo, target: SpaceTarget,
        whenCreated: () -> Void = {}
    ) async throws {
        guard let key = space.key else { return }
        let kind: WriteKind = blogPost ? .blogPostCreate : .pageCreate
        var writtenFinal = false
        try await perform(kind, space: key, sourceId: content.id) { attempted in
            // Under --history all the skeleton is the oldest version; later ones are replayed.
            let skeleton = try MigrationPlanner(workspace: workspace, options: options).skeletonSource(of: content)
            let title = Self.title(skeleton, fallback: content)
            if let original = content.title?.trimmingCharacters(in: .whitespacesAndNewlines),
                original.utf16.count > Self.maxTitleLength
            {
                try ledger.note(
                    spaceKey: key, sourceId: content.id, kind: "degraded", code: "title.shortened",
                    message:
                        "Cloud accepts titles of at most \(Self.maxTitleLength) characters: '\(original.prefix(60))…' (\(original.count) characters) became '\(title)'"
                )
            }
            let storage = try workspace.body(contentID: skeleton.id)?.body ?? ""
            let direct = !Self.hasReferences(storage)
            let isHome = !blogPost && content.id == space.homePageID && target.homepageId != nil
            // A body whose links all point at content already written is created final, and
            // its body.update is not sent (one PUT less per such page under the PUT limit).
            let early = try !direct && !attempted && !isHome && finalBodyAtCreate(storage, space: key)
            let document: ADFDocument
            if direct {
                document = try convert(storage, content: skeleton, space: key, pageId: nil)
            } else if early {
                let context = try resolveReferences(in: storage, contentID: content.id, space: key, pageId: nil)
                document = try convert(storage, content: skeleton, space: key, pageId: nil, context: context)
            } else {
                document = ADFDocument(content: [])
            }
            writtenFinal = early
            let body = ContentBody.adf(document.jsonString)
            if !blogPost, content.id == space.homePageID, let homepageId = target.homepageId {
                // The source's home page becomes the home page Cloud made with the space.
                var current = try await client.content(id: homepageId, bodyFormat: nil)
                if !(attempted && current.title == title && current.version.number > 1) {
                    current = try await client.updateContent(
                        id: homepageId, title: title, body: body, version: current.version.number + 1,
                        message: Self.versionMessage(content))
                }
                try await ensureSourceProperty(
                    on: homepageId, content: content, space: key, blogPost: false, check: attempted)
                return (homepageId, String(current.version.number))
            }
            if attempted,
                let existing = try await client.findContent(spaceId: target.spaceId, title: title, blogPost: blogPost)
            {
                whenCreated()
                try await ensureSourceProperty(
                    on: existing.id, content: content, space: key, blogPost: blogPost, check: true)
                return (existing.id, String(existing.version.number))
            }
            var parentId: String? = nil
            if !blogPost, let parent = content.parentID {
                parentId = try targetId(.pageCreate, parent)
            }
            let created = try await client.createContent(
                spaceId: target.spaceId, title: title, body: body, parentId: parentId, blogPost: blogPost)
            whenCreated()
            try await ensureSourceProperty(
                on: created.id, content: content, space: key, blogPost: blogPost, check: false)
            return (created.id, String(created.version.number))
        }
        guard writtenFinal, let created = try ledger.result(WriteKey(kind: kind, sourceId: content.id)) else { return }
        // The body went out with the create: its planned update is done, with the same page
        // and version (a crash before this line only costs one redundant update on the rerun).
        try await perform(.bodyUpdate, space: key, sourceId: content.id) { _ in (created.targetId, created.detail) }
    }

    /// Whether a body with references can be written final in its create: it has no
    /// images or attachments (the page's own files are uploaded after it exists), and
    /// every page and blog post it links to is written already (or is not in staging,
    /// and so will not be). Only for `--history latest`.
    func finalBodyAtCreate(_ storage: String, space: String) throws -> Bool {
        guard options.history == .latest, !storage.utf8Contains("<ri:attachment"), !storage.utf8Contains("<ac:image")
        else {
            return false
        }
        for reference in StorageReferences.scan(storage) {
            guard
                let sourceId = try workspace.contentID(
                    spaceKey: reference.spaceKey ?? space, title: reference.title, blogPost: reference.blogPost)
            else { continue }
            let kind: WriteKind = reference.blogPost ? .blogPostCreate : .pageCreate
            guard try ledger.entry(WriteKey(kind: kind, sourceId: sourceId))?.state == .done else { return false }
        }
        return true
    }

    static func title(_ content: Workspace.PageInfo) -> String {
        let title = content.title?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        return title.isEmpty ? "Untitled \(content.id)" : fitted(title, id: content.id)
    }

    /// Cloud refuses titles longer than 255 characters (Data Center takes longer ones).
    static let maxTitleLength = 255

    /// `title` when Cloud accepts its length, otherwise as much of it as fits followed by
    /// "… (source id)": the id keeps two long titles that start alike apart within a space.
    /// Counted in UTF-16 units, which is at least the number of characters however Cloud counts.
    static func fitted(_ title: String, id: String) -> String {
        guard title.utf16.count > maxTitleLength else { return title }
        let suffix = "… (\(id))"
        let room = maxTitleLength - suffix.utf16.count
        var kept = ""
        var length = 0
        for character in title {
            let width = character.utf16.count
            if length + width > room { break }
            kept.append(character)
            length += width
        }
        return kept.trimmingCharacters(in: .whitespaces) + suffix
    }

    /// The title of one version of `content`, falling back to the current title when that version has none.
    static func title(_ version: Workspace.PageInfo, fallback content: Workspace.PageInfo) -> String {
        let own = version.title?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        return own.isEmpty ? title(content) : fitted(own, id: content.id)
    }

    static func versionMessage(_ content: Workspace.PageInfo) -> String {
        "Migrated by Ferry from Data Center content \(content.id)"
            + (content.creator.map { ", created by \($0)" } ?? "") + (content.created.map { " on \($0)" } ?? "")
    }

    /// Sets `ferry.source` (source id, original author and dates) once: Cloud's API cannot
    /// set authors or dates, so they are kept here and listed as a known limit.
    /// `check` looks for the property first: needed only when an earlier attempt may have set it.
    func ensureSourceProperty(
        on pageId: String, content: Workspace.PageInfo, space: String, blogPost: Bool, check: Bool
    ) async throws {
        if check, try await !client.properties(pageId: pageId, key: Self.sourcePropertyKey, blogPost: blogPost).isEmpty
        {
            return
        }
        var value: [String: String] = ["sourceId": content.id, "space": space]
        if let creator = content.creator {
            value["creator"] = creator
            if let account = options.identities?.accountId(creator) { value["creatorAccountId"] = account }
        }
        if let created = content.created { value["created"] = created }
        if let version = content.version { value["version"] = String(version) }
        // A title Cloud refused at full length was shortened: the property keeps it whole.
        if let title = content.title?.trimmingCharacters(in: .whitespacesAndNewlines),
            title.utf16.count > Self.maxTitleLength
        {
            value["title"] = title
        }
        let json = String(
            decoding: try JSONSerialization.data(withJSONObject: value, options: [.sortedKeys]), as: UTF8.self)
        _ = try await client.createProperty(
            pageId: pageId, key: Self.sourcePropertyKey, valueJSON: json, blogPost: blogPost)
    }

    /// Converts a storage body, recording every diagnostic as a note for the report.
    func convert(
        _ storage: String, content: Workspace.PageInfo, space: String, pageId: String?,
        context: ConversionContext? = nil
    )
        throws -> ADFDocument
    {
        var conversion = context ?? ConversionContext()
        conversion.pageId = pageId ?? conversion.pageId
        conversion.spaceKey = space
        conversion.baseUrls = options.sourceBaseURLs
        let result = StorageConverter(context: conversion).convert(storage)
        for diagnostic in result.diagnostics {
            try ledger.note(
                spaceKey: space, sourceId: content.id, kind: "conversion-\(diagnostic.kind.rawValue)",
                code: diagnostic.code, message: "\(diagnostic.message) at \(diagnostic.path)")
        }
        guard result.isValid else {
            throw CloudError.rejected(
                operation: "Converting content \(content.id)", status: 422,
                message: result.validationIssues.map { "\($0)" }.joined(separator: "; "))
        }
        return try fitToBodyLimit(result.document, storage: storage, content: content, space: space)
    }

    /// Cloud refuses a page body over 5 MB (5,242,880 bytes of request); the ADF travels as
    /// an escaped string beside the title and version, so bodies are kept below this.
    static let maxBodyEscapedBytes = 4_800_000

    /// The folder in the workspace that keeps the whole original body of every page whose
    /// converted body was over Cloud's limit.
    static let oversizeBodiesFolder = "oversize-bodies"

    /// `document`, or when it is over Cloud's body limit its first part and a warning panel
    /// that says where the rest is: the whole storage-format body is written to
    /// `<workspace>/oversize-bodies/<content id>.xml` and the report lists the page
    /// (`body.truncated`). Nothing is dropped silently.
    func fitToBodyLimit(
        _ document: ADFDocument, storage: String, content: Workspace.PageInfo, space: String
    ) throws -> ADFDocument {
        let size = document.escapedJSONLength
        // Nearly every body fits: nothing else to build for those.
        guard size > Self.maxBodyEscapedBytes else { return document }
        let folder = workspace.folder.appendingPathComponent(Self.oversizeBodiesFolder)
        let file = folder.appendingPathComponent("\(content.id).xml")
        let megabytes = String(format: "%.1f", Double(size) / 1_048_576)
        let notice = ADFNode(
            "panel", attrs: ["panelType": .string("warning")],
            content: [
                .paragraph([
                    .text(
                        "Ferry: the rest of this page did not fit Confluence Cloud's 5 MB page limit (converted, it is \(megabytes) MB). The complete original is kept with the migration as \(Self.oversizeBodiesFolder)/\(content.id).xml in the Ferry workspace."
                    )
                ])
            ])
        guard let fitted = document.fitted(maxEscapedBytes: Self.maxBodyEscapedBytes, notice: notice) else {
            return document
        }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data(storage.utf8).write(to: file, options: .atomic)
        try ledger.note(
            spaceKey: space, sourceId: content.id, kind: "degraded", code: "body.truncated",
            message:
                "The converted body is \(megabytes) MB, over Cloud's 5 MB page limit: the page holds its first part and a notice; the whole original body is in \(Self.oversizeBodiesFolder)/\(content.id).xml in the workspace"
        )
        return fitted
    }

    // MARK: attachments

    /// The attachment files of one page or blog post, each with its versions to upload
    /// (oldest first; only the current one under `--history latest`).
    func attachmentWork(content: Workspace.PageInfo, blogPost: Bool) throws -> [AttachmentWork] {
        var work: [AttachmentWork] = []
        var chains: [String: [Workspace.AttachmentInfo]] = [:]
        var order: [String] = []
        for attachment in try workspace.attachments(containerID: content.id)
        where attachment.isCurrent || options.history == .all {
            let file = attachment.originalID ?? attachment.id
            if chains[file] == nil { order.append(file) }
            chains[file, default: []].append(attachment)
        }
        for file in order {
            let versions = (chains[file] ?? []).sorted {
                ($0.isCurrent ? 1 : 0, $0.version ?? 0) < ($1.isCurrent ? 1 : 0, $1.version ?? 0)
            }
            // Every version goes under the current file name (a renamed file stays one attachment).
            guard let current = versions.last else { continue }
            let name = current.title ?? "attachment-\(current.id)"
            work.append(AttachmentWork(versions: versions, filename: name, content: content, blogPost: blogPost))
        }
        return work
    }

    /// One attachment file of a page: its versions to upload, oldest first.
    struct AttachmentWork: Sendable {
        var versions: [Workspace.AttachmentInfo]
        var filename: String
        var content: Workspace.PageInfo
        var blogPost: Bool
    }

    /// Uploads a file's versions in order: the first creates the attachment (POST), each
    /// later one adds a Cloud version (PUT). A version that failed stops the chain so that
    /// a rerun never puts an older version on top of a newer one.
    func upload(_ item: AttachmentWork, space: String, scratch: URL) async throws {
        var uploaded = 0
        for attachment in item.versions {
            let key = WriteKey(kind: .attachmentUpload, sourceId: attachment.id)
            let cloudVersion = uploaded + 1
            try await perform(.attachmentUpload, space: space, sourceId: attachment.id) { attempted in
                try await uploadVersion(
                    attachment, of: item, cloudVersion: cloudVersion, attempted: attempted, scratch: scratch)
            }
            switch try ledger.entry(key)?.state {
            case .done: uploaded += 1
            case .skipped: continue
            default: return
            }
        }
    }

    /// One version of an attachment; `cloudVersion` is the Cloud version it becomes.
    private func uploadVersion(
        _ attachment: Workspace.AttachmentInfo, of item: AttachmentWork, cloudVersion: Int, attempted: Bool,
        scratch: URL
    ) async throws -> (targetId: String?, detail: String?) {
        guard let container = try targetId(item.blogPost ? .blogPostCreate : .pageCreate, item.content.id) else {
            throw SkipWrite(reason: "its page or blog post \(item.content.id) was not migrated")
        }
        let filename = item.filename
        if attempted, let existing = try await client.attachments(contentId: container, filename: filename).first,
            existing.version >= cloudVersion,
            Int64(existing.fileSize) == (attachment.fileSize ?? Int64(existing.fileSize))
        {
            return (existing.id, existing.fileId)
        }
        guard let path = attachment.path else {
            throw SkipWrite(
                reason:
                    "the export holds no file for attachment \(filename) (\(attachment.id), version \(attachment.version ?? 0))"
            )
        }
        let uploaded = try await export.withLocalAttachmentFile(path: path, scratch: scratch) { local in
            try await self.client.uploadAttachment(
                contentId: container, filePath: local, filename: filename,
                mediaType: attachment.mediaType ?? "application/octet-stream", newVersion: cloudVersion > 1)
        }
        return (uploaded.id, uploaded.fileId)
    }

    // MARK: bodies with references

    struct BodyWork: Sendable {
        var content: Workspace.PageInfo
        var blogPost: Bool
    }

    func updateBody(_ item: BodyWork, space: String) async throws {
        try await perform(.bodyUpdate, space: space, sourceId: item.content.id) { attempted in
            guard let pageId = try targetId(item.blogPost ? .blogPostCreate : .pageCreate, item.content.id) else {
                throw SkipWrite(reason: "its page or blog post was not migrated")
            }
            let storage = try workspace.body(contentID: item.content.id)?.body ?? ""
            let context = try resolveReferences(in: storage, contentID: item.content.id, space: space, pageId: pageId)
            let document = try convert(storage, content: item.content, space: space, pageId: pageId, context: context)
            let message = "Ferry: body with resolved links and media"
            let created = try ledger.result(
                WriteKey(kind: item.blogPost ? .blogPostCreate : .pageCreate, sourceId: item.content.id))
            var version = created?.detail.flatMap { Int($0) }
            var title = Self.title(item.content)
            if attempted || version == nil {
                // An earlier attempt may have landed: read the page instead of assuming its version.
                let current = try await client.content(id: pageId, bodyFormat: nil, blogPost: item.blogPost)
                if current.version.message == message { return (pageId, nil) }
                version = current.version.number
                title = current.title
            }
            let updated = try await client.updateContent(
                id: pageId, title: title, body: .adf(document.jsonString), version: (version ?? 1) + 1,
                message: message, blogPost: item.blogPost)
            return (pageId, String(updated.version.number))
        }
    }

    // MARK: historical versions (--history all)

    /// Writes one page's versions in order, each as the next Cloud version. A version that
    /// failed stops the chain, so the page's latest version is always the source's current.
    func replay(_ replays: [MigrationPlanner.VersionReplay], of item: BodyWork, space: String) async throws {
        let createKind: WriteKind = item.blogPost ? .blogPostCreate : .pageCreate
        var version = try ledger.result(WriteKey(kind: createKind, sourceId: item.content.id))?.detail.flatMap {
            Int($0)
        }
        for replay in replays {
            let key = WriteKey(kind: .versionReplay, sourceId: item.content.id, discriminator: replay.discriminator)
            let base = version
            try await perform(
                .versionReplay, space: space, sourceId: item.content.id, discriminator: replay.discriminator
            ) { attempted in
                try await replayVersion(replay, of: item, space: space, base: base, attempted: attempted)
            }
            guard let entry = try ledger.entry(key) else { return }
            switch entry.state {
            case .done: version = entry.detail.flatMap { Int($0) }
            case .skipped: continue
            default: return
            }
        }
    }

    /// The version message: which source version this is, by whom and when (Cloud records
    /// the migrating account and the migration time as the version's own author and date).
    func replayMessage(_ replay: MigrationPlanner.VersionReplay, of content: Workspace.PageInfo) throws -> String {
        let authorship = try workspace.versionAuthorship(contentID: replay.version.id)
        return "Ferry: version \(replay.number) of Data Center content \(content.id)"
            + (authorship.author.map { ", by \($0)" } ?? "") + (authorship.date.map { " on \($0)" } ?? "")
            + (replay.isCurrent ? " (current)" : "")
    }

    private func replayVersion(
        _ replay: MigrationPlanner.VersionReplay, of item: BodyWork, space: String, base: Int?, attempted: Bool
    ) async throws -> (targetId: String?, detail: String?) {
        guard let pageId = try targetId(item.blogPost ? .blogPostCreate : .pageCreate, item.content.id) else {
            throw SkipWrite(reason: "its page or blog post was not migrated")
        }
        let message = try replayMessage(replay, of: item.content)
        let storage = try workspace.body(contentID: replay.version.id)?.body ?? ""
        let document: ADFDocument
        do {
            let context = try resolveReferences(
                in: storage, contentID: item.content.id, space: space, pageId: pageId)
            document = try convert(storage, content: replay.version, space: space, pageId: pageId, context: context)
        } catch let error as CloudError where !replay.isCurrent {
            // An old version that cannot be converted is left out; the current one never is.
            throw SkipWrite(reason: "version \(replay.number) could not be converted: \(error)")
        }
        var number = base
        if attempted || number == nil {
            // An earlier attempt may have landed: read the page instead of assuming its version.
            let current = try await client.content(id: pageId, bodyFormat: nil, blogPost: item.blogPost)
            if current.version.message == message { return (pageId, String(current.version.number)) }
            number = current.version.number
        }
        let updated = try await client.updateContent(
            id: pageId, title: Self.title(replay.version, fallback: item.content), body: .adf(document.jsonString),
            version: (number ?? 1) + 1,
            message: message, blogPost: item.blogPost)
        return (pageId, String(updated.version.number))
    }

    /// The conversion context for one body: this page's attachments and only the pages
    /// and attachments the body names, looked up one by one (no site-wide map in memory).
    func resolveReferences(
        in storage: String, contentID: String, space: String, pageId: String?
    ) throws -> ConversionContext {
        var context = ConversionContext(pageId: pageId, spaceKey: space)
        context.users = mentionUsers
        if let identities = options.identities, !identities.skippedUsers.isEmpty {
            for user in Self.mentionedUsers(storage) where identities.isSkipped(user) {
                try ledger.note(
                    spaceKey: space, sourceId: contentID, kind: "degraded", code: "mention.user-skipped",
                    message: "the mention of \(user) stays plain text: the identity mapping skips this user")
            }
        }
        for attachment in try workspace.attachments(containerID: contentID) where attachment.isCurrent {
            if let title = attachment.title,
                let fileId = try ledger.result(WriteKey(kind: .attachmentUpload, sourceId: attachment.id))?.detail
            {
                context.attachments[title] = ConversionContext.Attachment(fileId: fileId, pageId: pageId)
            }
        }
        let site = client.site
        for reference in StorageReferences.scan(storage) {
            let referenceSpace = reference.spaceKey ?? space
            guard
                let sourceId = try workspace.contentID(
                    spaceKey: referenceSpace, title: reference.title, blogPost: reference.blogPost)
            else { continue }
            let kind: WriteKind = reference.blogPost ? .blogPostCreate : .pageCreate
            guard let target = try targetId(kind, sourceId) else { continue }
            let targetKey = CloudSpaceKey.derive(from: referenceSpace)
            context.pages["\(referenceSpace):\(reference.title)"] = ConversionContext.Page(
                id: target, url: "\(site)/wiki/spaces/\(targetKey)/\(reference.blogPost ? "blog" : "pages")/\(target)")
            for filename in reference.attachments {
                for attachment in try workspace.attachments(containerID: sourceId)
                where attachment.isCurrent && attachment.title == filename {
                    if let fileId = try ledger.result(WriteKey(kind: .attachmentUpload, sourceId: attachment.id))?
                        .detail
                    {
                        context.attachments["\(referenceSpace):\(reference.title)/\(filename)"] =
                            ConversionContext.Attachment(fileId: fileId, pageId: target)
                    }
                }
            }
        }
        return context
    }

    /// The user keys and usernames a storage body mentions (`<ri:user ri:userkey|ri:username>`).
    static func mentionedUsers(_ storage: String) -> [String] {
        var found: [String] = []
        var rest = storage[...]
        while let start = rest.utf8Range(of: "<ri:user") {
            let tail = rest[start.upperBound...]
            guard let end = tail.firstIndex(of: ">") else { break }
            let element = tail[..<end]
            rest = tail[end...]
            for name in ["ri:userkey=\"", "ri:username=\""] {
                if let open = element.utf8Range(of: name), let close = element[open.upperBound...].firstIndex(of: "\"")
                {
                    found.append(String(element[open.upperBound..<close]))
                    break
                }
            }
        }
        return Array(Set(found)).sorted()
    }

    // MARK: comments

    /// The comments of one page or blog post, parents before their replies.
    /// Creates a page's comments, parents before replies. With `footerOnly`, only the footer
    /// threads (no inline comment in their chain): they need the page, not its body, so they
    /// are written as soon as the page exists; the inline ones, anchored in the body's text,
    /// follow the body (a second call skips what is done).
    func createComments(of work: BodyWork, space: String, footerOnly: Bool = false) async throws {
        let comments = try workspace.comments(containerID: work.content.id)
        guard !comments.isEmpty else { return }
        let byId = Dictionary(comments.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var items: [CommentWork] = []
        for comment in comments {
            var depth = 0
            var inlineChain = comment.inline
            var parent = comment.parentID
            while let id = parent, let next = byId[id], depth < 64 {
                depth += 1
                inlineChain = inlineChain || next.inline
                parent = next.parentID
            }
            if footerOnly && inlineChain { continue }
            items.append(CommentWork(comment: comment, content: work.content, blogPost: work.blogPost, depth: depth))
        }
        for item in items.enumerated().sorted(by: { ($0.element.depth, $0.offset) < ($1.element.depth, $1.offset) }) {
            try await createComment(item.element, space: space)
        }
    }

    struct CommentWork: Sendable {
        var comment: Workspace.CommentInfo
        var content: Workspace.PageInfo
        var blogPost: Bool
        var depth: Int
    }

    func createComment(_ item: CommentWork, space: String) async throws {
        let comment = item.comment
        try await perform(.commentCreate, space: space, sourceId: comment.id) { attempted in
            guard let pageId = try targetId(item.blogPost ? .blogPostCreate : .pageCreate, item.content.id) else {
                throw SkipWrite(reason: "its page or blog post was not migrated")
            }
            let storage = try workspace.body(contentID: comment.id)?.body ?? ""
            let info = Workspace.PageInfo.describing(
                id: comment.id, className: "Comment", parentID: comment.parentID, depth: item.depth,
                creator: comment.creator, created: comment.created)
            var document = try convert(storage, content: info, space: space, pageId: pageId)
            // Cloud sets the author to the migrating account: keep the original as a byline.
            let date = comment.created.map { " on \($0)" } ?? ""
            if let creator = comment.creator, let account = options.identities?.accountId(creator) {
                // The mapped author is named with a mention, so the byline links to their Cloud profile.
                let shown = options.identities?.displayNames[creator.lowercased()] ?? creator
                document.content.insert(
                    .paragraph([
                        .text("Originally by ", marks: [ADFMark("em")]),
                        ADFNode("mention", attrs: ["id": .string(account), "text": .string("@" + shown)]),
                        .text(date.isEmpty ? " " : date, marks: [ADFMark("em")]),
                    ]), at: 0)
            } else {
                let byline = "Originally by \(comment.creator ?? "an unknown user")" + date
                document.content.insert(.paragraph([.text(byline, marks: [ADFMark("em")])]), at: 0)
            }
            let body = ContentBody.adf(document.jsonString)
            var container: CommentContainer = item.blogPost ? .blogPost(pageId) : .page(pageId)
            if let parent = comment.parentID, let parentTarget = try targetId(.commentCreate, parent) {
                container = .reply(to: parentTarget)
            }
            let location = comment.inline ? "inline" : "footer"
            if attempted {
                let existing = try await client.comments(on: container, location: location, bodyFormat: .atlasDocFormat)
                if let match = existing.first(where: { Self.sameADF($0.body?["atlas_doc_format"]?.value, body.value) })
                {
                    return (match.id, nil)
                }
            }
            if comment.inline, case .reply = container {
                return (try await client.createInlineComment(on: container, body: body).id, "inline")
            }
            if comment.inline {
                if let selection = try workspace.contentProperty(
                    contentID: comment.id, name: "inline-original-selection"),
                    !selection.isEmpty
                {
                    return (
                        try await client.createInlineComment(on: container, body: body, textSelection: selection).id,
                        nil
                    )
                }
                try ledger.note(
                    spaceKey: space, sourceId: comment.id, kind: "degraded", code: "comment.inline-without-selection",
                    message: "inline comment has no recorded text selection; migrated as a footer comment")
            }
            return (try await client.createFooterComment(on: container, body: body).id, "footer")
        }
    }

    static func sameADF(_ left: String?, _ right: String) -> Bool {
        guard let left else { return false }
        func canonical(_ text: String) -> Data? {
            guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) else { return nil }
            return try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        }
        return canonical(left) == canonical(right)
    }

    // MARK: labels and restrictions

    func addLabels(_ item: BodyWork, space key: String) async throws {
        let kind: WriteKind = item.blogPost ? .blogPostCreate : .pageCreate
        try await perform(.labelAdd, space: key, sourceId: item.content.id) { _ in
            guard let pageId = try targetId(kind, item.content.id) else {
                throw SkipWrite(reason: "its page or blog post was not migrated")
            }
            let labels = try workspace.labels(contentID: item.content.id).map { name -> CloudLabel in
                let parts = name.split(separator: ":", maxSplits: 1).map(String.init)
                return parts.count == 2 ? CloudLabel(name: parts[1], prefix: parts[0]) : CloudLabel(name: name)
            }
            try await client.addLabels(contentId: pageId, labels: labels)
            return (pageId, nil)
        }
    }

    func setRestrictions(_ item: BodyWork, space key: String) async throws {
        let kind: WriteKind = item.blogPost ? .blogPostCreate : .pageCreate
        try await perform(.restrictionSet, space: key, sourceId: item.content.id) { _ in
            guard let pageId = try targetId(kind, item.content.id) else {
                throw SkipWrite(reason: "its page or blog post was not migrated")
            }
            try await writeRestrictions(contentID: item.content.id, pageId: pageId, space: key)
            return (pageId, nil)
        }
    }

    /// The migrating account's id, asked of the target once per run.
    func migratingAccount() async throws -> String {
        if let known = account.withLock({ $0 }) { return known }
        let fetched = try await client.currentUser().accountId
        account.withLock { $0 = fetched }
        return fetched
    }

    /// Replaces the restrictions of `pageId` with the source's current ones for `contentID`
    /// (none clears them). Users without a Cloud account yet are replaced by the migrating
    /// account, so a page never ends up more open than in the source.
    func writeRestrictions(contentID: String, pageId: String, space key: String) async throws {
        let restrictions = try workspace.restrictions(contentID: contentID)
        var byOperation: [String: (groups: [String], users: [String])] = [:]
        var unmappedUsers: Set<String> = []
        var droppedGroups: [String] = []
        let identities = options.identities
        for restriction in restrictions {
            let operation = restriction.type?.lowercased() == "edit" ? "update" : "read"
            if let group = restriction.groupName {
                if let identities {
                    if let cloud = identities.cloudGroup(group) {
                        byOperation[operation, default: ([], [])].groups.append(cloud)
                    } else {
                        // Keep the operation listed, so an emptied one is noticed below.
                        byOperation[operation, default: ([], [])].groups += []
                        droppedGroups.append(group)
                    }
                } else {
                    byOperation[operation, default: ([], [])].groups.append(group)
                }
            }
            if let user = restriction.userKey ?? restriction.userName {
                if let account = identities?.accountId(user) {
                    byOperation[operation, default: ([], [])].users.append(account)
                } else {
                    // Keep the operation listed, so an emptied one is noticed below.
                    byOperation[operation, default: ([], [])].users += []
                    unmappedUsers.insert(user)
                }
            }
        }
        if !droppedGroups.isEmpty {
            try ledger.note(
                spaceKey: key, sourceId: contentID, kind: "degraded", code: "restriction.group-unmapped",
                message: "groups \(Set(droppedGroups).sorted().joined(separator: ", ")) are not migrated "
                    + "(skipped or blocklisted in the identity mapping) and were left out of the page's restrictions"
            )
        }
        let unmapped = unmappedUsers.sorted()
        // Never widen access: an operation whose subjects were all dropped, or that names
        // people Ferry cannot name in Cloud, keeps the migrating account.
        let emptied = byOperation.filter { $0.value.users.isEmpty && $0.value.groups.isEmpty }.map(\.key)
        if !emptied.isEmpty {
            let me = try await migratingAccount()
            for operation in emptied { byOperation[operation]?.users = [me] }
        }
        if !unmapped.isEmpty {
            // Never widen access: people Ferry cannot name in Cloud yet are replaced by
            // the migrating account, so the page stays at least as closed as in the source.
            let me = try await migratingAccount()
            for restriction in restrictions {
                guard let user = restriction.userKey ?? restriction.userName, unmappedUsers.contains(user)
                else { continue }
                let operation = restriction.type?.lowercased() == "edit" ? "update" : "read"
                if !(byOperation[operation]?.users.contains(me) ?? false) {
                    byOperation[operation, default: ([], [])].users.append(me)
                }
            }
            try ledger.note(
                spaceKey: key, sourceId: contentID, kind: "degraded", code: "restriction.user-unmapped",
                message:
                    "users \(unmapped.joined(separator: ", ")) have no Cloud account in the identity mapping yet; "
                    + "the page is restricted to the migrating account until the mapping is applied")
        }
        try await client.setRestrictions(
            contentId: pageId,
            byOperation.sorted { $0.key < $1.key }.map {
                CloudRestriction(
                    operation: $0.key, userAccountIds: Array(Set($0.value.users)).sorted(),
                    groupNames: Array(Set($0.value.groups)).sorted())
            })
    }

    // MARK: space permissions

    func grantSpacePermissions(_ space: Workspace.SpaceInfo) async throws {
        guard let key = space.key, let target = try spaceTarget(space) else { return }
        let grants = SpacePermissionMapping.grants(try workspace.spacePermissions(spaceKey: key))
        // Cloud refuses any other grant to a group that cannot read the space, so reads go
        // first; a group the source never let read the space is not given read either.
        let reads = grants.filter { $0.operation == "read" }
        try await grant(reads, space: space, key: key, target: target)
        let readers = Set(reads.compactMap { $0.groupName.map { "group:" + $0.lowercased() } })
            .union(reads.compactMap { $0.userKey.map { "user:" + $0.lowercased() } })
        try await grant(
            grants.filter { $0.operation != "read" }, space: space, key: key, target: target, readers: readers)
    }

    private func grant(
        _ grants: [SpacePermissionMapping.Grant], space: Workspace.SpaceInfo, key: String, target: SpaceTarget,
        readers: Set<String>? = nil
    ) async throws {
        // A handful per space: one after the other inside this unit of the ready queue.
        for grant in grants {
            try await self.perform(
                .spacePermissionAdd, space: key, sourceId: space.id, discriminator: grant.discriminator
            ) { attempted in
                guard !grant.operation.isEmpty else {
                    throw SkipWrite(reason: "the Data Center permission \(grant.sourceType) has no Cloud equivalent")
                }
                if let readers, let group = grant.groupName, !readers.contains("group:" + group.lowercased()) {
                    throw SkipWrite(
                        reason:
                            "group \(group) has \(grant.sourceType) but not View in the source; Cloud requires read space first, and Ferry does not widen access"
                    )
                }
                if let readers, let user = grant.userKey, !readers.contains("user:" + user.lowercased()) {
                    throw SkipWrite(
                        reason:
                            "user \(user) has \(grant.sourceType) but not View in the source; Cloud requires read space first, and Ferry does not widen access"
                    )
                }
                if let identities = self.options.identities {
                    if let group = grant.groupName {
                        guard let cloud = identities.cloudGroup(group) else {
                            throw SkipWrite(
                                reason: (identities.groupSkipReason(group) ?? "group \(group) is not migrated")
                                    + "; its \(grant.sourceType) permission is not granted")
                        }
                        try await self.client.addSpacePermission(
                            spaceKey: target.key,
                            CloudSpacePermission(
                                subjectType: .group, identifier: cloud, operation: grant.operation, target: grant.target
                            ), attemptedBefore: attempted)
                        return (nil, nil)
                    }
                    if let user = grant.userKey {
                        guard let account = identities.accountId(user) else {
                            throw SkipWrite(
                                reason: identities.isSkipped(user)
                                    ? "the identity mapping skips user \(user); their \(grant.sourceType) permission is not granted"
                                    : "user \(user) has no Cloud account in the identity mapping; their \(grant.sourceType) permission is not granted"
                            )
                        }
                        try await self.client.addSpacePermission(
                            spaceKey: target.key,
                            CloudSpacePermission(
                                subjectType: .user, identifier: account, operation: grant.operation,
                                target: grant.target), attemptedBefore: attempted)
                        return (nil, nil)
                    }
                }
                guard let group = grant.groupName else {
                    throw SkipWrite(
                        reason: grant.userKey == nil
                            ? "anonymous access (\(grant.sourceType)) is set by a Cloud site admin, not through the API"
                            : "the permission \(grant.sourceType) of user \(grant.userKey ?? "") needs the identity mapping (ferry users)"
                    )
                }
                try await self.client.addSpacePermission(
                    spaceKey: target.key,
                    CloudSpacePermission(
                        subjectType: .group, identifier: group, operation: grant.operation, target: grant.target),
                    attemptedBefore: attempted)
                return (nil, nil)
            }
        }
    }
}
