public import Foundation
import Logging
public import Workspace

/// Reads a live Data Center site through ``DataCenterClient`` and writes what it finds
/// into the workspace's `staged_*` tables — the same tables an XML export fills, with
/// the same ids and shapes — so planning, transfer and verification are shared.
/// Attachment files are streamed to `files/attachments/<page>/<attachment>/<version>`
/// inside the workspace (read back like an export's with ``ConfluenceExport/ExportPackage/attachmentFolder(_:)``).
///
/// Pages are read in batches of the scan's size; each batch's details (attachments,
/// comments, labels, restrictions, versions) are fetched by at most `concurrency`
/// workers and written before the next batch is read, so memory stays bounded.
public struct DataCenterStager: Sendable {
    public struct Result: Sendable, Codable, Equatable {
        public var spaces = 0
        public var pages = 0
        public var blogPosts = 0
        public var versions = 0
        public var comments = 0
        public var attachments = 0
        public var attachmentBytes: Int64 = 0
        public var users = 0
        public var groups = 0
        public var auditRecords = 0
        public var apps = 0
        public var requests = 0
        /// Per space: true when pages came through `/rest/api/content/scan`.
        public var scan: [String: Bool] = [:]
        /// Per space: true when space permissions came through REST (9.1+), false for JSON-RPC.
        public var permissionsREST: [String: Bool] = [:]
        public var seconds = 0.0
    }

    public let client: DataCenterClient
    public let workspace: Workspace
    public let spaceKeys: [String]?
    public let concurrency: Int
    /// Read every historical version of pages, blog posts and attachments (`--history all`).
    public let history: Bool
    /// Called with the number of pages, blog posts (and their details) just staged.
    public var progress: (@Sendable (Int) -> Void)?

    public static let filesFolderName = "files"

    public init(
        client: DataCenterClient, workspace: Workspace, spaceKeys: [String]?, concurrency: Int = 4,
        history: Bool = false
    ) {
        self.client = client
        self.workspace = workspace
        self.spaceKeys = spaceKeys
        self.concurrency = max(1, concurrency)
        self.history = history
    }

    public var filesFolder: URL { workspace.folder.appendingPathComponent(Self.filesFolderName) }

    /// What one page or blog post brings with it.
    struct Bundle: Sendable {
        var rows: [any StagedRow] = []
        var versions = 0
        var comments = 0
        var attachments = 0
        var bytes: Int64 = 0
    }

    public func run() async throws -> Result {
        let started = ContinuousClock.now
        let requestsBefore = client.transport.statistics.requests
        var result = Result()
        try workspace.resetStaging()
        try? FileManager.default.removeItem(at: filesFolder)
        try FileManager.default.createDirectory(at: filesFolder, withIntermediateDirectories: true)

        var rows: [any StagedRow] = []
        let users = try await client.users()
        for user in users {
            guard let key = user.userKey, let name = user.username else { continue }
            var account = StagedUser(
                className: "ConfluenceUserImpl", id: key, name: name, email: user.email, displayName: nil,
                active: nil, accountID: nil)
            rows.append(account)
            account = StagedUser(
                className: "InternalUser", id: "user:\(name)", name: name, email: user.email,
                displayName: user.displayName, active: true, accountID: nil)
            rows.append(account)
        }
        result.users = users.count
        // JSON-RPC names users by username: staged permissions carry the user key, as exports do.
        let keysByName = Dictionary(
            users.compactMap { user in user.username.flatMap { name in user.userKey.map { (name, $0) } } },
            uniquingKeysWith: { first, _ in first })
        let groups = try await client.groups()
        result.groups = groups.count
        for group in groups {
            rows.append(StagedGroup(className: "InternalGroup", id: "group:\(group)", name: group, description: nil))
            for member in try await client.members(group: group) {
                guard let name = member.username else { continue }
                rows.append(
                    StagedMembership(
                        id: "group:\(group):\(name)", groupID: "group:\(group)", userID: "user:\(name)",
                        childGroupID: nil))
            }
        }
        try write(rows, metadata: [("source", client.site), ("sourceKind", "datacenter")])

        let spaces = try await client.spaces(keys: spaceKeys)
        if let spaceKeys {
            let found = Set(spaces.compactMap(\.key))
            for key in spaceKeys where !found.contains(key) {
                throw DataCenterError.http(
                    method: "GET", url: "\(client.site)/rest/api/space?spaceKey=\(key)", status: 404,
                    message: "no space with key \(key)")
            }
        }
        if spaces.count == 1, let key = spaces.first?.key {
            try write([], metadata: [("exportType", "space"), ("spaceKey", key)])
        } else {
            try write([], metadata: [("exportType", "all")])
        }
        for space in spaces {
            guard let key = space.key, let id = space.id else { continue }
            result.spaces += 1
            let spaceID = String(id)
            var spaceRows: [any StagedRow] = [
                StagedSpace(
                    id: spaceID, key: key, name: space.name, type: space.type, status: "CURRENT",
                    homePageID: space.homepage?.id, descriptionID: nil, xmlBytes: 0)
            ]
            let (grants, viaREST) = try await client.spacePermissions(spaceKey: key)
            result.permissionsREST[key] = viaREST
            for (index, grant) in grants.enumerated() {
                spaceRows.append(
                    StagedSpacePermission(
                        id: "\(spaceID):perm:\(index)", spaceID: spaceID, type: grant.type,
                        groupName: grant.groupName,
                        userKey: grant.userKey ?? grant.userName.flatMap { keysByName[$0] }, userName: grant.userName,
                        allUsers: nil, xmlBytes: 0))
            }
            try write(spaceRows)
            let expand = "ancestors,version,history,space,body.storage"
            let scanned = try await client.pages(spaceKey: key, expand: expand) { batch in
                let bundles = try await details(batch, className: "Page", spaceID: spaceID)
                try absorb(bundles, into: &result, pages: true)
            }
            result.scan[key] = scanned.scan
            _ = try await client.contentPages(spaceKey: key, type: "blogpost", expand: expand) { batch in
                let bundles = try await details(batch, className: "BlogPost", spaceID: spaceID)
                try absorb(bundles, into: &result, pages: false)
            }
        }

        var archive: [any StagedRow] = []
        let audit = try await client.auditRecords()
        for (index, record) in audit.enumerated() {
            archive.append(
                StagedOtherObject(
                    className: "AuditRecord", id: "audit:\(index + 1)", propertiesJSON: record, xmlBytes: 0))
        }
        result.auditRecords = audit.count
        let apps = try await client.installedApps()
        for app in apps {
            let json = String(decoding: try JSONEncoder().encode(app), as: UTF8.self)
            archive.append(StagedOtherObject(className: "InstalledApp", id: app.key, propertiesJSON: json, xmlBytes: 0))
        }
        result.apps = apps.count
        try write(archive)
        try workspace.resolveStaging(expectAttachmentFiles: true)
        result.requests = client.transport.statistics.requests - requestsBefore
        let elapsed = ContinuousClock.now - started
        result.seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return result
    }

    private func write(_ rows: [any StagedRow], metadata: [(String, String)] = []) throws {
        try workspace.stage { writer in
            for (key, value) in metadata { try writer.setMetadata(key, value) }
            for row in rows { try Self.insert(row, writer) }
        }
    }

    static func insert(_ row: any StagedRow, _ writer: StagingWriter) throws {
        func open<Row: StagedRow>(_ row: Row) throws { try writer.insert(row) }
        try open(row)
    }

    private func absorb(_ bundles: [Bundle], into result: inout Result, pages: Bool) throws {
        try write(bundles.flatMap(\.rows))
        if pages { result.pages += bundles.count } else { result.blogPosts += bundles.count }
        for bundle in bundles {
            result.versions += bundle.versions
            result.comments += bundle.comments
            result.attachments += bundle.attachments
            result.attachmentBytes += bundle.bytes
        }
        progress?(bundles.count)
    }

    /// Fetches the details of a batch with at most `concurrency` requests in flight.
    func details(_ batch: [DCContent], className: String, spaceID: String) async throws -> [Bundle] {
        try await withThrowingTaskGroup(of: (Int, Bundle).self) { group in
            var bundles = [Bundle?](repeating: nil, count: batch.count)
            var next = 0
            while next < min(concurrency, batch.count) {
                let index = next
                group.addTask { (index, try await self.bundle(batch[index], className: className, spaceID: spaceID)) }
                next += 1
            }
            while let (index, bundle) = try await group.next() {
                bundles[index] = bundle
                if next < batch.count {
                    let index = next
                    group.addTask {
                        (index, try await self.bundle(batch[index], className: className, spaceID: spaceID))
                    }
                    next += 1
                }
            }
            return bundles.compactMap { $0 }
        }
    }

    /// A body row and its text row (the text lives in its own table).
    static func body(
        id: String, contentID: String, contentClass: String, bodyType: Int64, body: String, xmlBytes: Int64
    ) -> [any StagedRow] {
        let row = StagedBody(
            id: id, contentID: contentID, contentClass: contentClass, bodyType: bodyType, body: body, xmlBytes: xmlBytes
        )
        return [row, row.text]
    }

    private func bundle(_ content: DCContent, className: String, spaceID: String) async throws -> Bundle {
        var bundle = Bundle()
        let id = content.id
        var row = StagedContent(id: id, className: className, xmlBytes: 0)
        row.title = content.title
        row.spaceID = spaceID
        row.parentID = className == "Page" ? content.parentID : nil
        row.position = (content.position ?? content.extensions?.position).map(Int64.init)
        row.version = Int64(content.version?.number ?? 1)
        row.status = "current"
        row.creator = content.history?.createdBy?.userKey
        row.lastModifier = content.version?.by?.userKey
        row.created = content.history?.createdDate
        row.modified = content.version?.when
        row.versionComment = content.version?.message
        bundle.rows.append(row)
        bundle.rows += Self.body(
            id: "body:\(id)", contentID: id, contentClass: className, bodyType: 2, body: content.storage, xmlBytes: 0)

        if history, (content.version?.number ?? 1) > 1 {
            for version in try await client.versions(id: id) {
                guard let number = version.number, number < (content.version?.number ?? 1),
                    let old = try await client.content(id: id, version: number, expand: "body.storage,version")
                else { continue }
                var revision = StagedContent(id: "\(id)-v\(number)", className: className, xmlBytes: 0)
                revision.title = old.title ?? content.title
                revision.originalID = id
                revision.version = Int64(number)
                revision.status = "current"
                revision.lastModifier = version.by?.userKey
                revision.creator = version.by?.userKey
                revision.modified = version.when
                revision.created = version.when
                revision.versionComment = version.message
                bundle.rows.append(revision)
                bundle.rows += Self.body(
                    id: "body:\(id)-v\(number)", contentID: revision.id, contentClass: className, bodyType: 2,
                    body: old.storage, xmlBytes: 0)
                bundle.versions += 1
            }
        }

        for attachment in try await client.attachments(contentID: id) {
            let current = attachment.version?.number ?? 1
            var numbers = [current]
            if history, current > 1 {
                numbers = try await client.versions(id: attachment.id).compactMap(\.number).filter { $0 <= current }
                if !numbers.contains(current) { numbers.append(current) }
            }
            for number in numbers.sorted() {
                let relative = "attachments/\(id)/\(attachment.id)/\(number)"
                let size = try await client.download(
                    attachment, version: number, to: filesFolder.appendingPathComponent(relative))
                bundle.bytes += size
                bundle.rows.append(
                    StagedAttachmentFile(
                        containerID: id, attachmentID: attachment.id, version: Int64(number), size: size, path: relative
                    ))
                var staged = StagedAttachment(
                    id: number == current ? attachment.id : "\(attachment.id)-v\(number)", xmlBytes: 0)
                staged.title = attachment.title
                staged.containerID = id
                staged.spaceID = spaceID
                staged.version = Int64(number)
                staged.status = "current"
                staged.originalID = number == current ? nil : attachment.id
                staged.mediaType = attachment.extensions?.mediaType
                staged.fileSize = size
                staged.comment = attachment.extensions?.comment
                staged.creator = attachment.version?.by?.userKey
                staged.created = attachment.version?.when
                bundle.rows.append(staged)
            }
            bundle.attachments += 1
        }

        for comment in try await client.comments(contentID: id) {
            var staged = StagedContent(id: comment.id, className: "Comment", xmlBytes: 0)
            staged.containerID = id
            staged.parentID = comment.ancestors?.last { $0.type == "comment" || $0.type == nil }?.id
            staged.version = Int64(comment.version?.number ?? 1)
            staged.status = "current"
            staged.creator = comment.history?.createdBy?.userKey
            staged.lastModifier = comment.version?.by?.userKey
            staged.created = comment.history?.createdDate
            staged.modified = comment.version?.when
            bundle.rows.append(staged)
            bundle.rows += Self.body(
                id: "body:\(comment.id)", contentID: comment.id, contentClass: "Comment", bodyType: 2,
                body: comment.storage, xmlBytes: 0)
            if comment.extensions?.location == "inline" {
                let inline = comment.extensions?.inlineProperties
                bundle.rows.append(
                    StagedContentProperty(
                        id: "prop:\(comment.id):inline-comment", contentID: comment.id, name: "inline-comment",
                        stringValue: "true", longValue: nil, xmlBytes: 0))
                if let marker = inline?.markerRef {
                    bundle.rows.append(
                        StagedContentProperty(
                            id: "prop:\(comment.id):inline-marker-ref", contentID: comment.id,
                            name: "inline-marker-ref", stringValue: marker, longValue: nil, xmlBytes: 0))
                }
                if let selection = inline?.originalSelection {
                    bundle.rows.append(
                        StagedContentProperty(
                            id: "prop:\(comment.id):inline-original-selection", contentID: comment.id,
                            name: "inline-original-selection", stringValue: selection, longValue: nil, xmlBytes: 0))
                }
                if let status = comment.extensions?.resolution?.status {
                    bundle.rows.append(
                        StagedContentProperty(
                            id: "prop:\(comment.id):status", contentID: comment.id, name: "status", stringValue: status,
                            longValue: nil, xmlBytes: 0))
                }
            }
            bundle.comments += 1
        }

        for label in try await client.labels(contentID: id) {
            guard let name = label.name else { continue }
            let labelID = label.id ?? "\(label.prefix ?? "global"):\(name)"
            bundle.rows.append(
                StagedLabel(id: "label:\(labelID)", name: name, namespace: label.prefix ?? "global", owner: nil))
            bundle.rows.append(
                StagedLabelling(
                    id: "labelling:\(id):\(labelID)", labelID: "label:\(labelID)", contentID: id,
                    contentClass: className, pageTemplateID: nil, xmlBytes: 0))
        }

        for restriction in try await client.restrictions(contentID: id) {
            let type = restriction.operation == "update" ? "Edit" : "View"
            let setID = "restriction:\(id):\(restriction.operation)"
            bundle.rows.append(StagedPermissionSet(id: setID, contentID: id, type: "\(type)"))
            for (index, key) in restriction.userKeys.enumerated() {
                bundle.rows.append(
                    StagedContentPermission(
                        id: "\(setID):user:\(index)", setID: setID, type: type, userKey: key, userName: nil,
                        groupName: nil, xmlBytes: 0))
            }
            for group in restriction.groups {
                bundle.rows.append(
                    StagedContentPermission(
                        id: "\(setID):group:\(group)", setID: setID, type: type, userKey: nil, userName: nil,
                        groupName: group, xmlBytes: 0))
            }
        }
        return bundle
    }
}
