public import ConfluenceCloud
public import ConfluenceExport
import FerryModel
import Foundation
public import Logging
import StorageFormat
import Synchronization
public import Workspace

/// One `ferry sync` delta pass: compares a fresh read of the source (staged into the
/// workspace like any migration source) with the sync inventory, the record of what
/// Ferry last wrote to Cloud, and carries the differences over through the ledger.
///
/// The inventory diff sees every kind of change whatever the source: new content, new
/// versions, renames, moves and re-orderings, deletions, restriction and label changes,
/// new attachment versions. Writes go in dependency order: creates (new pages, blog
/// posts, comments and attachments, through the migration engine), then updates and
/// renames as new Cloud versions, moves (parents before children), deletions to the
/// Cloud trash (children before parents), restrictions, attachment versions, labels.
///
/// Safety: before anything is written, the mass-deletion guard refuses a pass in which a
/// space loses at least ``SyncOptions/massDeleteMinimum`` pages and
/// ``SyncOptions/massDeleteFraction`` of its content, and every page the pass would touch
/// is read back from Cloud: a version other than the one Ferry's last write left means
/// someone edited it there, and it is reported as a conflict and left alone (unless
/// ``SyncOptions/sourceWins``). Every write has a ledger key carrying the pass number, so
/// an interrupted pass resumes without writing anything twice.
public final class Syncer: Sendable {
    public let workspace: Workspace
    public let export: ExportPackage
    public let client: ConfluenceCloudClient
    public let options: SyncOptions
    let logger: Logger
    let ledger: Ledger
    let inventory: SyncInventory
    let concurrency: Int
    let progress: (@Sendable (String) -> Void)?

    public init(
        workspace: Workspace, export: ExportPackage, client: ConfluenceCloudClient, options: SyncOptions,
        concurrency: Int = 8, logger: Logger, progress: (@Sendable (String) -> Void)? = nil
    ) {
        self.workspace = workspace
        self.export = export
        self.client = client
        self.options = options
        self.concurrency = concurrency
        self.logger = logger
        self.ledger = workspace.ledger
        self.inventory = workspace.syncInventory
        self.progress = progress
    }

    // MARK: - baseline

    /// The keys of the spaces this workspace migrated (space created in Cloud).
    public static func migratedSpaces(_ workspace: Workspace) throws -> [Workspace.SpaceInfo] {
        let ledger = workspace.ledger
        var result: [Workspace.SpaceInfo] = []
        for space in try workspace.spaces() where space.key != nil {
            if try ledger.result(WriteKey(kind: .spaceCreate, sourceId: space.id))?.targetId != nil {
                result.append(space)
            }
        }
        return result
    }

    /// Records what the migration wrote, from the staged source it was made from and the
    /// ledger, once: call it before the source is staged again. Returns the rows added.
    @discardableResult
    public static func takeBaseline(_ workspace: Workspace) throws -> Int {
        let inventory = workspace.syncInventory
        guard try inventory.isEmpty() else { return 0 }
        if MigrationPlanner.recordedHistory(workspace) == .all { throw SyncError.historyAll }
        let spaces = try migratedSpaces(workspace)
        guard !spaces.isEmpty else { throw SyncError.notMigrated(workspace: workspace.folder.path) }
        var added = 0
        for space in spaces {
            guard let key = space.key else { continue }
            let contents =
                try workspace.pages(spaceKey: key).map { ($0, false) }
                + workspace.blogPosts(spaceKey: key).map { ($0, true) }
            var items: [SyncInventory.Item] = []
            var attachments: [(attachmentId: String, contentId: String, version: Int64)] = []
            for (content, blogPost) in contents {
                guard let item = try inventoryItem(workspace, content: content, blogPost: blogPost, space: key)
                else { continue }
                items.append(item)
                for attachment in try workspace.attachments(containerID: content.id) where attachment.isCurrent {
                    attachments.append((attachment.id, content.id, attachment.version ?? 1))
                }
            }
            try inventory.save(items)
            try inventory.saveAttachments(attachments)
            added += items.count
        }
        return added
    }

    /// The inventory row for migrated content, from staging and the ledger; `nil` when
    /// its create is not done.
    static func inventoryItem(
        _ workspace: Workspace, content: Workspace.PageInfo, blogPost: Bool, space: String
    ) throws -> SyncInventory.Item? {
        let ledger = workspace.ledger
        let createKind: WriteKind = blogPost ? .blogPostCreate : .pageCreate
        guard let created = try ledger.result(WriteKey(kind: createKind, sourceId: content.id)),
            let targetId = created.targetId
        else { return nil }
        var version = created.detail.flatMap { Int($0) }
        if let body = try ledger.entry(WriteKey(kind: .bodyUpdate, sourceId: content.id)), body.state == .done {
            version = body.detail.flatMap { Int($0) } ?? version.map { $0 + 1 }
        }
        return SyncInventory.Item(
            sourceId: content.id, spaceKey: space, blogPost: blogPost, parentId: blogPost ? nil : content.parentID,
            position: content.position, title: content.title, version: content.version,
            restrictionHash: try restrictionHash(workspace, content.id),
            labelHash: SyncInventory.digest(try workspace.labels(contentID: content.id)), targetId: targetId,
            targetVersion: version)
    }

    static func restrictionHash(_ workspace: Workspace, _ contentID: String) throws -> String {
        SyncInventory.digest(
            try workspace.restrictions(contentID: contentID).map {
                "\($0.type ?? "")|\($0.groupName ?? "")|\($0.userKey ?? $0.userName ?? "")"
            })
    }

    // MARK: - the diff

    /// One migrated page or blog post with what changed in the source.
    struct Change: Sendable {
        var item: SyncInventory.Item
        var content: Workspace.PageInfo?
        var update = false
        var rename = false
        var move = false
        var delete = false
        var restrictionHash: String?
        var labelHash: String?
        var attachments: [Workspace.AttachmentInfo] = []
        /// The Cloud version to write on top of (read during the conflict check).
        var base: Int?

        var isEmpty: Bool {
            !update && !rename && !move && !delete && restrictionHash == nil && labelHash == nil
                && attachments.isEmpty
        }
    }

    struct SpaceDiff: Sendable {
        var key: String
        var space: Workspace.SpaceInfo?
        var changes: [Change] = []
        /// Source ids of new pages and blog posts (created through the migration engine).
        var created: [String] = []
        /// Staged pages in tree order (for move placement).
        var pages: [Workspace.PageInfo] = []
    }

    func diff(spaceKey key: String, staged: Workspace.SpaceInfo?) throws -> SpaceDiff {
        var result = SpaceDiff(key: key, space: staged)
        let items = try inventory.items(spaceKey: key)
        guard staged != nil else {
            result.changes = items.map { Change(item: $0, content: nil, delete: true) }
            return result
        }
        let pages = try workspace.pages(spaceKey: key)
        let posts = try workspace.blogPosts(spaceKey: key)
        result.pages = pages
        var current: [String: Workspace.PageInfo] = [:]
        for content in pages + posts { current[content.id] = content }
        let known = try inventory.knownIds(spaceKey: key)
        result.created = (pages + posts).map(\.id).filter { !known.contains($0) }
        for item in items {
            guard let content = current[item.sourceId] else {
                result.changes.append(Change(item: item, content: nil, delete: true))
                continue
            }
            var change = Change(item: item, content: content)
            change.rename = (content.title ?? "") != (item.title ?? "")
            change.update = change.rename || content.version != item.version
            if !item.blogPost {
                change.move = content.parentID != item.parentId || content.position != item.position
            }
            let restrictions = try Self.restrictionHash(workspace, content.id)
            if restrictions != item.restrictionHash { change.restrictionHash = restrictions }
            let labels = SyncInventory.digest(try workspace.labels(contentID: content.id))
            if labels != item.labelHash { change.labelHash = labels }
            let recorded = try inventory.attachmentVersions(contentId: content.id)
            for attachment in try workspace.attachments(containerID: content.id) where attachment.isCurrent {
                if let before = recorded[attachment.id], (attachment.version ?? 1) > before {
                    change.attachments.append(attachment)
                }
            }
            if !change.isEmpty { result.changes.append(change) }
        }
        return result
    }

    /// Refuses the pass when a space loses too much at once.
    func checkMassDeletion(_ diffs: [SpaceDiff]) throws {
        guard !options.allowMassDelete else { return }
        for diff in diffs {
            let total = try inventory.items(spaceKey: diff.key).count
            let vanished = diff.changes.filter(\.delete).count
            if diff.space == nil, total > 0 { throw SyncError.spaceVanished(space: diff.key, pages: total) }
            if vanished >= options.massDeleteMinimum, Double(vanished) >= options.massDeleteFraction * Double(total) {
                throw SyncError.massDeletion(space: diff.key, vanished: vanished, total: total)
            }
        }
    }

    /// The migration engine would write a changed page's body, labels or restrictions
    /// itself when they newly need a write (a body that now links to other pages, a first
    /// label): those writes belong to this pass, which makes them once and checks for
    /// conflicts first, so the engine's keys are recorded as skipped.
    func reserveSyncWrites(_ diffs: [SpaceDiff]) throws {
        for diff in diffs {
            for change in diff.changes where !change.delete {
                var kinds: [WriteKind] = []
                if change.update { kinds.append(.bodyUpdate) }
                if change.labelHash != nil { kinds.append(.labelAdd) }
                if change.restrictionHash != nil { kinds.append(.restrictionSet) }
                for kind in kinds {
                    let key = WriteKey(kind: kind, sourceId: change.item.sourceId)
                    guard try ledger.entry(key) == nil else { continue }
                    try ledger.plan([
                        PlannedWrite(key: key, kind: kind, spaceKey: diff.key, sourceId: change.item.sourceId)
                    ])
                    try ledger.skip(key, reason: "written by ferry sync")
                }
            }
        }
    }

    // MARK: - conflicts

    static func syncMessage(pass: Int, content: Workspace.PageInfo) -> String {
        "Ferry sync pass \(pass): source version \(content.version ?? 0) of \(content.id)"
    }

    /// Reads every page the pass would touch; drops (or, under --source-wins, keeps) the
    /// ones edited in Cloud since Ferry wrote them.
    func checkConflicts(_ diffs: inout [SpaceDiff], pass: Int) async throws -> [SyncConflict] {
        let conflicts = Locked<[SyncConflict]>([])
        let bases = Locked<[String: Int]>([:])
        let dropped = Locked<Set<String>>([])
        let work = diffs.flatMap(\.changes)
        try await forEach(work) { change in
            let item = change.item
            let found: CloudContent?
            do {
                found = try await self.client.content(id: item.targetId, bodyFormat: nil, blogPost: item.blogPost)
            } catch CloudError.notFound {
                found = nil
            }
            if let found, found.status == "current" {
                bases.withLock { $0[item.sourceId] = found.version.number }
                guard let expected = item.targetVersion, found.version.number != expected else { return }
                // Our own update of this pass may have landed before an interruption.
                if let content = change.content,
                    found.version.message == Self.syncMessage(pass: pass, content: content)
                {
                    return
                }
            } else if change.delete {
                return  // already gone from Cloud: nothing to do, nothing to conflict with
            }
            let conflict = SyncConflict(
                space: item.spaceKey, sourceId: item.sourceId, title: found?.title ?? item.title ?? "",
                targetId: item.targetId, expectedVersion: item.targetVersion,
                foundVersion: found?.status == "current" ? found?.version.number : nil,
                resolution: self.options.sourceWins && found?.status == "current" ? "overwritten" : "left alone")
            conflicts.withLock { $0.append(conflict) }
            if conflict.resolution == "left alone" { dropped.withLock { _ = $0.insert(item.sourceId) } }
        }
        let drop = dropped.withLock { $0 }
        let base = bases.withLock { $0 }
        for index in diffs.indices {
            diffs[index].changes = diffs[index].changes.filter { !drop.contains($0.item.sourceId) }.map {
                var change = $0
                change.base = base[change.item.sourceId]
                return change
            }
        }
        return conflicts.withLock { $0 }.sorted { ($0.space, $0.sourceId) < ($1.space, $1.sourceId) }
    }

    // MARK: - the pass

    /// Runs one pass against the staged source (``takeBaseline(_:)`` first, then stage).
    public func run(pass: SyncInventory.Pass, resumed: Bool) async throws -> SyncOutcome {
        let started = ContinuousClock.now
        let before = client.transportStatistics
        var keys = try inventory.spaceKeys()
        let migrationSpaces = try Self.migratedSpaces(workspace)
        for space in migrationSpaces { if let key = space.key, !keys.contains(key) { keys.append(key) } }
        let staged = try workspace.spaces()
        var diffs: [SpaceDiff] = []
        for key in keys.sorted() {
            diffs.append(try diff(spaceKey: key, staged: staged.first { $0.key == key }))
        }
        try checkMassDeletion(diffs)
        try reserveSyncWrites(diffs)
        progress?(
            "pass \(pass.number): \(diffs.map { $0.changes.count + $0.created.count }.reduce(0, +)) changed objects found"
        )
        let conflicts = try await checkConflicts(&diffs, pass: pass.number)
        let tally = Tally()
        var lags: [Double] = []

        // Creates: new pages, blog posts, comments, attachments, through the migration engine.
        let present = Set(diffs.filter { $0.space != nil }.map(\.key))
        if !present.isEmpty {
            let migrator = Migrator(
                workspace: workspace, export: export, client: client,
                options: MigrationOptions(spaces: present, concurrency: concurrency, intoExisting: true),
                logger: logger,
                events: { event in
                    switch event {
                    case .done(let kind, let space, _):
                        switch kind {
                        case .pageCreate, .blogPostCreate: tally.add(space, .created)
                        case .commentCreate: tally.add(space, .comments)
                        case .attachmentUpload: tally.add(space, .attachments)
                        default: break
                        }
                    case .failed(let kind, let space, let message):
                        tally.fail("\(kind.rawValue) (\(space))", space, message)
                    case .skipped: break
                    }
                })
            _ = try await migrator.run()
            let arrival = Date()
            for diff in diffs where diff.space != nil {
                var items: [SyncInventory.Item] = []
                var attachments: [(attachmentId: String, contentId: String, version: Int64)] = []
                let pages = Dictionary(diff.pages.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
                let posts = try workspace.blogPosts(spaceKey: diff.key)
                for id in diff.created {
                    let blogPost = pages[id] == nil
                    guard let content = pages[id] ?? posts.first(where: { $0.id == id }),
                        let item = try Self.inventoryItem(
                            workspace, content: content, blogPost: blogPost, space: diff.key)
                    else { continue }
                    items.append(item)
                    if let lag = try lag(of: id, at: arrival) { lags.append(lag) }
                    for attachment in try workspace.attachments(containerID: id) where attachment.isCurrent {
                        attachments.append((attachment.id, id, attachment.version ?? 1))
                    }
                }
                // New attachments on pages that existed: their versions join the inventory too.
                for content in diff.pages + posts where !diff.created.contains(content.id) {
                    let recorded = try inventory.attachmentVersions(contentId: content.id)
                    for attachment in try workspace.attachments(containerID: content.id)
                    where attachment.isCurrent && recorded[attachment.id] == nil {
                        if try ledger.result(WriteKey(kind: .attachmentUpload, sourceId: attachment.id)) != nil {
                            attachments.append((attachment.id, content.id, attachment.version ?? 1))
                        }
                    }
                }
                try inventory.save(items)
                try inventory.saveAttachments(attachments)
            }
            let applier = Applier(syncer: self, migrator: migrator, pass: pass.number, tally: tally)
            for diff in diffs where diff.space != nil {
                lags += try await applier.apply(diff)
            }
        }
        for diff in diffs where diff.space == nil {
            let migrator = Migrator(
                workspace: workspace, export: export, client: client,
                options: MigrationOptions(spaces: [diff.key], concurrency: concurrency), logger: logger)
            let applier = Applier(syncer: self, migrator: migrator, pass: pass.number, tally: tally)
            lags += try await applier.apply(diff)
        }
        let after = client.transportStatistics
        let formatter = ISO8601DateFormatter()
        return SyncOutcome(
            pass: pass.number, resumed: resumed,
            queryTime: formatter.string(from: Date(timeIntervalSince1970: pass.queryTime)),
            spaces: tally.counts.mapValues { $0.reduce(into: [:]) { $0[$1.key.rawValue] = $1.value } },
            totals: tally.totals, conflicts: conflicts, failed: tally.failures.count,
            failures: Array(tally.failures.prefix(20)), lag: SyncLag.of(lags),
            requests: after.requests - before.requests, seconds: (ContinuousClock.now - started).seconds)
    }

    /// Seconds from the source's last modification of `contentID` to `arrival`.
    func lag(of contentID: String, at arrival: Date) throws -> Double? {
        guard let text = try workspace.modified(contentID: contentID), let date = Self.parseDate(text) else {
            return nil
        }
        return max(0, arrival.timeIntervalSince(date))
    }

    /// Export dates (`2024-05-01 10:22:33.123`, server time taken as UTC) and REST dates (ISO 8601).
    static func parseDate(_ text: String) -> Date? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let iso = ISO8601DateFormatter()
        iso.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = iso.date(from: trimmed) { return date }
        iso.formatOptions = [.withInternetDateTime]
        if let date = iso.date(from: trimmed) { return date }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        for format in ["yyyy-MM-dd HH:mm:ss.SSS", "yyyy-MM-dd HH:mm:ss"] {
            formatter.dateFormat = format
            if let date = formatter.date(from: trimmed) { return date }
        }
        return nil
    }

    func forEach<Item: Sendable>(_ items: [Item], _ body: @escaping @Sendable (Item) async throws -> Void) async throws
    {
        try await withThrowingTaskGroup(of: Void.self) { group in
            var iterator = items.makeIterator()
            for _ in 0..<max(1, concurrency) {
                guard let item = iterator.next() else { break }
                group.addTask { try await body(item) }
            }
            while try await group.next() != nil {
                if let item = iterator.next() { group.addTask { try await body(item) } }
            }
        }
    }
}

/// A value shared by tasks, behind a lock (a class, so escaping closures can capture it).
final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>

    init(_ value: Value) {
        mutex = Mutex(value)
    }

    func withLock<Result: Sendable>(_ body: (inout Value) -> Result) -> Result {
        mutex.withLock { value in body(&value) }
    }
}

/// Counts per space and kind, and failures, shared by the pass's tasks.
final class Tally: Sendable {
    private let state = Mutex<(counts: [String: [SyncChangeKind: Int]], failures: [SyncOutcome.Failure])>(([:], []))

    func add(_ space: String, _ kind: SyncChangeKind) {
        state.withLock { $0.counts[space, default: [:]][kind, default: 0] += 1 }
    }

    func fail(_ key: String, _ space: String, _ message: String) {
        state.withLock { $0.failures.append(SyncOutcome.Failure(key: key, space: space, error: message)) }
    }

    var counts: [String: [SyncChangeKind: Int]] { state.withLock { $0.counts } }
    var failures: [SyncOutcome.Failure] { state.withLock { $0.failures } }
    var totals: [String: Int] {
        var totals: [String: Int] = [:]
        for kinds in counts.values { for (kind, count) in kinds { totals[kind.rawValue, default: 0] += count } }
        return totals
    }
}
