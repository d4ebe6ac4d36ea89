import FerryModel
import Foundation
public import Workspace

/// Streams an export into a workspace: entities.xml is tokenized chunk by chunk,
/// each object is mapped to a `staged_*` row and written at once, and references
/// are resolved with SQL when the stream ends. Memory stays flat whatever the size.
public struct ExportImporter {
    public struct Result: Sendable {
        public var objects: Int
        public var bytes: Int64
        public var attachmentFiles: Int
        public var warnings: [String]
        public var seconds: Double
        /// Time spent streaming and inserting, and resolving references afterwards.
        public var streamSeconds: Double
        public var resolveSeconds: Double
        /// CPU time: the whole process while streaming and resolving (both threads and
        /// SQLite's helpers), and its parts: the staging thread before the stream (reset,
        /// attachment files), the reading thread, the staging thread while streaming, and
        /// resolution. On two free cores the read and stage takes about
        /// `criticalPathCPUSeconds` of wall-clock time.
        public var cpuSeconds: Double
        public var setupCPUSeconds: Double
        public var readerCPUSeconds: Double
        public var stagerCPUSeconds: Double
        public var resolveCPUSeconds: Double

        /// The setup, then the longer of the two streaming threads, then resolution.
        public var criticalPathCPUSeconds: Double {
            setupCPUSeconds + max(readerCPUSeconds, stagerCPUSeconds) + resolveCPUSeconds
        }
    }

    public let package: ExportPackage
    public let workspace: Workspace
    /// Called with the number of bytes of entities.xml just consumed.
    public var progress: (@Sendable (Int64) -> Void)?
    public var chunkSize = 1 << 20

    public init(package: ExportPackage, workspace: Workspace, progress: (@Sendable (Int64) -> Void)? = nil) {
        self.package = package
        self.workspace = workspace
        self.progress = progress
    }

    public func run() throws -> Result {
        let started = ContinuousClock.now
        let processCPUAtStart = CPUTime.process()
        let threadCPUAtStart = CPUTime.thread()
        try workspace.resetStaging()
        var warnings = package.warnings
        var setupCPU = 0.0
        // Large transactions: fewer commits rewrite the same index pages into the WAL less often.
        let (objects, files, readerCPU) = try workspace.stage(batchSize: 200_000) { writer in
            if let descriptor = package.descriptor {
                for (key, value) in descriptor.sorted(by: { $0.key < $1.key }) { try writer.setMetadata(key, value) }
            }
            try writer.setMetadata("source", package.location.path)
            var files = 0
            try package.attachmentFiles { file in
                files += 1
                try writer.insert(
                    StagedAttachmentFile(
                        containerID: file.containerID, attachmentID: file.attachmentID, version: Int64(file.version),
                        size: file.size, path: file.path))
            }
            // Reading (tokenizer + entity reader) runs on its own thread and hands
            // batches over a bounded queue; this thread maps and inserts them.
            setupCPU = CPUTime.thread() - threadCPUAtStart
            let queue = RecordQueue()
            let outcome = ReadOutcome()
            let reading = Thread { [package, chunkSize, progress] in
                do {
                    var batch: [EntityRecord] = []
                    var batchBytes: Int64 = 0
                    var stopped = false
                    var reader = EntityReader(path: package.location.path) { record in
                        batch.append(record)
                        batchBytes += record.byteLength
                        if batch.count >= 512 || batchBytes >= 4 << 20 {
                            if !queue.push(batch, bytes: batchBytes) { stopped = true }
                            batch.removeAll(keepingCapacity: true)
                            batchBytes = 0
                        }
                    }
                    var tokenizer = XMLTokenizer()
                    try package.streamEntities(chunkSize: chunkSize) { chunk in
                        guard !stopped else { throw CancellationError() }
                        try tokenizer.feed(chunk, handler: &reader)
                        progress?(Int64(chunk.count))
                    }
                    try tokenizer.finish()
                    if tokenizer.offset == 0 || reader.objectCount == 0 && tokenizer.offset < 64 {
                        throw ExportError.noEntities(path: package.location.path)
                    }
                    if !batch.isEmpty { _ = queue.push(batch, bytes: batchBytes) }
                    outcome.set(objects: reader.objectCount, stray: reader.unattributedRepairs)
                    outcome.setReaderCPU(CPUTime.thread())
                    queue.finish()
                } catch {
                    outcome.setReaderCPU(CPUTime.thread())
                    queue.finish(error: error)
                }
            }
            reading.stackSize = 8 << 20
            reading.start()
            let mapper = EntityMapper(writer: writer)
            do {
                while let batch = try queue.pop() {
                    for record in batch { try mapper.stage(record) }
                }
            } catch {
                queue.cancel()
                queue.waitUntilFinished()
                throw error
            }
            for (kind, count) in outcome.stray.sorted(by: { $0.key < $1.key }) {
                try writer.insert(
                    StagedRepair(
                        kind: kind.rawValue, className: "entities.xml", objectID: "-", count: Int64(count),
                        action: "repaired", detail: "outside any object"))
            }
            return (outcome.objects, files, outcome.readerCPU)
        }
        let expectFiles: Bool
        switch package.layout {
        case .entitiesFile:
            expectFiles = false
            warnings.append("a bare entities.xml has no attachments folder; attachment files were not checked")
        case .folder, .zip:
            expectFiles = package.descriptor?["backupAttachments"] != "false"
            if !expectFiles { warnings.append("the export was made without attachments (backupAttachments=false)") }
        }
        let streamed = ContinuousClock.now
        let stagerCPU = CPUTime.thread() - threadCPUAtStart - setupCPU
        let processCPUAtResolve = CPUTime.process()
        try workspace.resolveStaging(expectAttachmentFiles: expectFiles)
        let finished = ContinuousClock.now
        let processCPUAtEnd = CPUTime.process()
        func seconds(_ duration: Duration) -> Double {
            Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        }
        return Result(
            objects: objects, bytes: package.entitiesSize, attachmentFiles: files, warnings: warnings,
            seconds: seconds(finished - started), streamSeconds: seconds(streamed - started),
            resolveSeconds: seconds(finished - streamed), cpuSeconds: processCPUAtEnd - processCPUAtStart,
            setupCPUSeconds: setupCPU, readerCPUSeconds: readerCPU, stagerCPUSeconds: stagerCPU,
            resolveCPUSeconds: processCPUAtEnd - processCPUAtResolve)
    }
}

/// Maps one normalized object to its staged row(s).
final class EntityMapper {
    let writer: StagingWriter
    private var linkSequence = 0

    init(writer: StagingWriter) {
        self.writer = writer
    }

    func stage(_ record: EntityRecord) throws {
        let className = record.className
        guard !record.id.isEmpty else {
            try writer.insert(
                StagedRepair(
                    kind: RepairKind.missingID.rawValue, className: className.isEmpty ? "(no class)" : className,
                    objectID: "@\(record.offset)", count: 1, action: "skipped",
                    detail: "object at byte \(record.offset) has no id"))
            return
        }
        for (kind, count) in record.repairs.sorted(by: { $0.key < $1.key }) {
            try writer.insert(
                StagedRepair(
                    kind: kind.rawValue, className: className, objectID: record.id, count: Int64(count),
                    action: "repaired", detail: nil))
        }
        let inserted = try insertRow(record)
        if !inserted {
            try writer.insert(
                StagedRepair(
                    kind: RepairKind.duplicateID.rawValue, className: className, objectID: record.id, count: 1,
                    action: "skipped",
                    detail: "a second \(className) with this id at byte \(record.offset); the first one is kept"))
        }
    }

    // swiftlint:disable:next cyclomatic_complexity function_body_length
    private func insertRow(_ r: EntityRecord) throws -> Bool {
        let bytes = r.byteLength
        switch r.className {
        case "Space":
            return try writer.insert(
                StagedSpace(
                    id: r.id, key: r.text("key"), name: r.text("name"), type: r.text("spaceType"),
                    status: r.text("spaceStatus"), homePageID: r.reference("homePage")?.id,
                    descriptionID: r.reference("description")?.id, xmlBytes: bytes))
        case "Page", "BlogPost", "Comment", "SpaceDescription", "GlobalDescription", "Draft",
            "CustomContentEntityObject":
            var row = StagedContent(id: r.id, className: r.className, xmlBytes: bytes)
            row.title = r.text("title")
            row.spaceID = r.reference("space")?.id
            row.spaceKey = r.text("draftSpaceKey")
            row.parentID = r.reference("parent")?.id
            row.position = r.integer("position")
            row.version = r.integer("version") ?? r.integer("pageVersion")
            row.status = r.text("contentStatus")
            row.originalID = r.reference("originalVersion")?.id ?? r.text("originalVersionId")
            row.containerID = (r.reference("containerContent") ?? r.reference("owner"))?.id
            row.creator = r.reference("creator")?.id ?? r.text("creatorName")
            row.lastModifier = r.reference("lastModifier")?.id ?? r.text("lastModifierName")
            row.created = r.text("creationDate")
            row.modified = r.text("lastModificationDate")
            row.versionComment = r.text("versionComment")
            row.pluginKey = r.text("pluginModuleKey")
            row.draftPageID = r.text("pageId")
            row.draftType = r.text("draftType")
            try links(r, role: "contentProperties")
            return try writer.insert(row)
        case "Attachment" where r.reference("containerContent")?.className == "PersonalInformation":
            // A profile picture: not content, archived with the other objects Cloud cannot take.
            return try writer.insert(
                StagedOtherObject(
                    className: "Attachment:PersonalInformation", id: r.id, propertiesJSON: Self.json(r),
                    xmlBytes: bytes))
        case "Attachment":
            var row = StagedAttachment(id: r.id, xmlBytes: bytes)
            row.title = r.text("title") ?? r.text("fileName")
            row.containerID = (r.reference("containerContent") ?? r.reference("content"))?.id
            row.spaceID = r.reference("space")?.id
            row.version = r.integer("version") ?? r.integer("attachmentVersion")
            row.status = r.text("contentStatus")
            row.originalID = r.reference("originalVersion")?.id ?? r.text("originalVersionId")
            row.mediaType = r.text("contentType")
            row.fileSize = r.integer("fileSize")
            row.comment = r.text("comment") ?? r.text("versionComment")
            row.creator = r.reference("creator")?.id ?? r.text("creatorName")
            row.created = r.text("creationDate")
            try links(r, role: "contentProperties")
            return try writer.insert(row)
        case "BodyContent":
            let owner = r.reference("content")
            let body = r.text("body") ?? ""
            let bodyType = r.integer("bodyType")
            let row = StagedBody(
                id: r.id, contentID: owner?.id, contentClass: owner?.className, bodyType: bodyType, body: body,
                xmlBytes: bytes)
            let inserted = try writer.insert(row)
            if inserted { try writer.insert(row.text) }
            if inserted, bodyType == 2 {
                for (macro, count) in MacroScanner.macros(in: body).sorted(by: { $0.key < $1.key }) {
                    try writer.insert(StagedMacroUse(bodyID: r.id, macro: macro, occurrences: Int64(count)))
                }
            }
            return inserted
        case "ContentProperty":
            return try writer.insert(
                StagedContentProperty(
                    id: r.id, contentID: r.reference("content")?.id, name: r.text("name"),
                    stringValue: r.text("stringValue"), longValue: r.integer("longValue"), xmlBytes: bytes))
        case "Label":
            return try writer.insert(
                StagedLabel(
                    id: r.id, name: r.text("name"), namespace: r.text("namespace"),
                    owner: r.reference("owningUser")?.id ?? r.text("owner")))
        case "Labelling":
            let content = r.reference("content")
            return try writer.insert(
                StagedLabelling(
                    id: r.id, labelID: r.reference("label")?.id, contentID: content?.id,
                    contentClass: content?.className, pageTemplateID: r.reference("pageTemplate")?.id,
                    xmlBytes: bytes))
        case "ContentPermissionSet":
            // Old exports list the permissions only on the set.
            try links(r, role: "contentPermissions")
            return try writer.insert(
                StagedPermissionSet(id: r.id, contentID: r.reference("owningContent")?.id, type: r.text("type")))
        case "ContentPermission":
            return try writer.insert(
                StagedContentPermission(
                    id: r.id, setID: r.reference("owningSet")?.id, type: r.text("type"),
                    userKey: r.reference("userSubject")?.id, userName: r.text("userName"),
                    groupName: r.text("groupName"), xmlBytes: bytes))
        case "SpacePermission":
            return try writer.insert(
                StagedSpacePermission(
                    id: r.id, spaceID: r.reference("space")?.id, type: r.text("type"), groupName: r.text("group"),
                    userKey: r.reference("userSubject")?.id, userName: r.text("userName"),
                    allUsers: r.text("allUsersSubject"), xmlBytes: bytes))
        case "ConfluenceUserImpl":
            return try writer.insert(
                StagedUser(
                    className: r.className, id: r.id, name: r.text("name"), email: r.text("email"), displayName: nil,
                    active: nil, accountID: r.text("atlassianAccountId")))
        case "InternalUser":
            return try writer.insert(
                StagedUser(
                    className: r.className, id: r.id, name: r.text("name"), email: r.text("emailAddress"),
                    displayName: r.text("displayName"), active: r.text("active").map { $0 == "true" || $0 == "1" },
                    accountID: nil))
        case "DefaultHibernateUser":
            return try writer.insert(
                StagedUser(
                    className: r.className, id: r.id, name: r.text("name"), email: r.text("email"),
                    displayName: r.text("fullName"), active: nil, accountID: nil))
        case "InternalGroup":
            return try writer.insert(
                StagedGroup(className: r.className, id: r.id, name: r.text("name"), description: r.text("description")))
        case "DefaultHibernateGroup":
            let inserted = try writer.insert(
                StagedGroup(className: r.className, id: r.id, name: r.text("name"), description: nil))
            if inserted {
                for member in r.collection("localMembers") {
                    try writer.insert(
                        StagedMembership(
                            id: "\(r.id):\(member.id)", groupID: r.id, userID: member.id, childGroupID: nil))
                }
            }
            return inserted
        case "HibernateMembership":
            return try writer.insert(
                StagedMembership(
                    id: r.id, groupID: r.reference("parentGroup")?.id, userID: r.reference("userMember")?.id,
                    childGroupID: r.reference("groupMember")?.id))
        case "OutgoingLink":
            return try writer.insert(
                StagedOutgoingLink(
                    id: r.id, sourceID: r.reference("sourceContent")?.id,
                    destinationSpaceKey: r.text("destinationSpaceKey"), destinationTitle: r.text("destinationPageTitle")
                ))
        case "PageTemplate":
            return try writer.insert(
                StagedPageTemplate(
                    id: r.id, name: r.text("name"), spaceID: r.reference("space")?.id, bodyType: r.integer("bodyType"),
                    body: r.text("content"), xmlBytes: bytes))
        default:
            return try writer.insert(
                StagedOtherObject(className: r.className, id: r.id, propertiesJSON: Self.json(r), xmlBytes: bytes))
        }
    }

    private func links(_ r: EntityRecord, role: String) throws {
        for target in r.collection(role) {
            try writer.insert(
                StagedCollectionLink(
                    ownerClass: r.className, ownerID: r.id, role: role, targetClass: target.className,
                    targetID: target.id))
        }
    }

    /// The object's properties as a JSON object, for archiving what is not staged in a table.
    static func json(_ r: EntityRecord) -> String {
        var out = "{"
        for (index, property) in r.properties.enumerated() {
            if index > 0 { out += "," }
            out += quote(property.name) + ":"
            switch property.value {
            case .null: out += "null"
            case .text(let text): out += quote(text)
            case .reference(let reference):
                out += "{\"class\":\(quote(reference.className)),\"id\":\(quote(reference.id))}"
            case .collection(let references):
                out +=
                    "["
                    + references.map { "{\"class\":\(quote($0.className)),\"id\":\(quote($0.id))}" }.joined(
                        separator: ",") + "]"
            case .map(let entries):
                out += "{" + entries.map { quote($0.key) + ":" + quote($0.value) }.joined(separator: ",") + "}"
            }
        }
        return out + "}"
    }

    static func quote(_ text: String) -> String { JSONText.quote(text) }
}

/// Finds macro names in a storage-format body: `<ac:structured-macro ac:name="…">`
/// and the older `<ac:macro ac:name="…">`.
enum MacroScanner {
    private static let needle = Array("ac:name=".utf8)

    static func macros(in body: String) -> [String: Int] {
        var result: [String: Int] = [:]
        var body = body
        body.withUTF8 { p in
            let n = p.count
            var i = 0
            while i < n {
                guard let base = p.baseAddress,
                    let hit = memchr(base + i, Int32(UInt8(ascii: "<")), n - i)
                else { break }
                let start = (UnsafeRawPointer(hit) - UnsafeRawPointer(base))
                i = start + 1
                guard start + 10 < n, p[start + 1] == UInt8(ascii: "a"), p[start + 2] == UInt8(ascii: "c"),
                    p[start + 3] == UInt8(ascii: ":")
                else { continue }
                let rest = UnsafeBufferPointer(rebasing: p[(start + 4)...])
                let isMacro: Bool
                if rest.starts(with: "structured-macro".utf8) {
                    isMacro = true
                } else if rest.starts(with: "macro".utf8), rest.count > 5, rest[5] == 0x20 || rest[5] == 0x0A {
                    isMacro = true
                } else {
                    isMacro = false
                }
                guard isMacro else { continue }
                var end = start
                while end < n, p[end] != UInt8(ascii: ">") { end += 1 }
                let tag = UnsafeBufferPointer(rebasing: p[start..<end])
                var k = 0
                while k + needle.count + 1 < tag.count {
                    if tag[k] == needle[0], tag[k..<(k + needle.count)].elementsEqual(needle) {
                        let quote = tag[k + needle.count]
                        var v = k + needle.count + 1
                        let valueStart = v
                        while v < tag.count, tag[v] != quote { v += 1 }
                        let name = String(decoding: tag[valueStart..<v], as: UTF8.self)
                        if !name.isEmpty { result[name, default: 0] += 1 }
                        break
                    }
                    k += 1
                }
                i = end
            }
        }
        return result
    }
}
