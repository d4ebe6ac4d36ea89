import Foundation
public import Workspace

/// Turns staged spaces into ledger writes. Planning again is harmless: writes already
/// in the ledger keep their state, so a resumed run plans the same keys.
public struct MigrationPlanner: Sendable {
    public let workspace: Workspace
    public let options: MigrationOptions

    public init(workspace: Workspace, options: MigrationOptions) {
        self.workspace = workspace
        self.options = options
    }

    /// The spaces of the source this run covers.
    public func selectedSpaces() throws -> [Workspace.SpaceInfo] {
        let spaces = try workspace.spaces().filter { ($0.key.map(options.includes) ?? false) }
        guard !spaces.isEmpty else {
            throw MigrationError.noSpaces(requested: options.spaces.map { Array($0).sorted() } ?? [])
        }
        return spaces
    }

    /// Records every write the selected spaces need and returns the counts per space and kind.
    @discardableResult
    public func plan() throws -> MigrationPlan {
        var plan = MigrationPlan()
        let ledger = workspace.ledger
        try checkHistoryMode()
        for space in try selectedSpaces() {
            guard let key = space.key else { continue }
            var writes: [PlannedWrite] = [PlannedWrite(kind: .spaceCreate, spaceKey: key, sourceId: space.id)]
            let pages = try workspace.pages(spaceKey: key).map { ($0, WriteKind.pageCreate) }
            let posts = try workspace.blogPosts(spaceKey: key).map { ($0, WriteKind.blogPostCreate) }
            let contents = pages + posts
            // A few thousand pages per read and per ledger transaction, so the writes held
            // at once do not grow with the space.
            for start in stride(from: 0, to: contents.count, by: Self.chunkSize) {
                let chunk = contents[start..<min(contents.count, start + Self.chunkSize)]
                let facts = try workspace.planningFacts(contentIDs: chunk.map(\.0.id))
                for ((content, kind), fact) in zip(chunk, facts) {
                    writes.append(PlannedWrite(kind: kind, spaceKey: key, sourceId: content.id))
                    let replays = try versionReplays(of: content)
                    if replays.isEmpty {
                        if fact.bodyHasReferences {
                            writes.append(PlannedWrite(kind: .bodyUpdate, spaceKey: key, sourceId: content.id))
                        }
                    } else {
                        // The replay of the current version resolves references itself: no body.update.
                        for replay in replays {
                            writes.append(
                                PlannedWrite(
                                    kind: .versionReplay, spaceKey: key, sourceId: content.id,
                                    discriminator: replay.discriminator))
                        }
                    }
                    for attachment in fact.attachments where attachment.isCurrent || options.history == .all {
                        writes.append(
                            PlannedWrite(
                                kind: .attachmentUpload, spaceKey: key, sourceId: attachment.id,
                                bytes: attachment.fileSize ?? 0))
                    }
                    for comment in fact.comments {
                        writes.append(PlannedWrite(kind: .commentCreate, spaceKey: key, sourceId: comment.id))
                    }
                    if fact.hasLabels {
                        writes.append(PlannedWrite(kind: .labelAdd, spaceKey: key, sourceId: content.id))
                    }
                    if fact.hasRestrictions {
                        writes.append(PlannedWrite(kind: .restrictionSet, spaceKey: key, sourceId: content.id))
                    }
                }
                try ledger.plan(writes)
                for write in writes { plan.add(write) }
                writes = []
            }
            for grant in SpacePermissionMapping.grants(try workspace.spacePermissions(spaceKey: key)) {
                writes.append(
                    PlannedWrite(
                        kind: .spacePermissionAdd, spaceKey: key, sourceId: space.id, discriminator: grant.discriminator
                    ))
            }
            try ledger.plan(writes)
            for write in writes { plan.add(write) }
        }
        return plan
    }

    /// Pages and blog posts planned per read and per ledger transaction.
    static let chunkSize = 2_000

    /// One version of a page or blog post replayed as a Cloud version (`--history all`).
    struct VersionReplay: Sendable {
        /// The staged content row of that version (the current row for the current version).
        var version: Workspace.PageInfo
        /// Its version number in the source.
        var number: Int64
        var isCurrent: Bool
        var discriminator: String { "v\(number)" }
    }

    /// The versions `--history all` writes after the skeleton, oldest first, the current
    /// one last; empty under `--history latest` or when the content has no history.
    ///
    /// The skeleton carries the oldest version, so that version is replayed only when its
    /// body points at other content (which exists only once every skeleton is made).
    func versionReplays(of content: Workspace.PageInfo) throws -> [VersionReplay] {
        guard options.history == .all else { return [] }
        let older = try Self.olderVersions(of: content, in: workspace)
        guard let oldest = older.first else { return [] }
        var replays: [VersionReplay] = []
        for version in older {
            if version.id == oldest.id, !Self.hasReferences(try workspace.body(contentID: oldest.id)?.body ?? "") {
                continue
            }
            replays.append(VersionReplay(version: version, number: version.version ?? 0, isCurrent: false))
        }
        let currentNumber = content.version ?? ((older.last?.version ?? 0) + 1)
        replays.append(VersionReplay(version: content, number: currentNumber, isCurrent: true))
        return replays
    }

    /// The older versions of a page or blog post worth replaying, oldest first: one per
    /// version number (exports can list a revision twice), numbered below the current one;
    /// revisions without a number cannot be placed and are left out.
    static func olderVersions(of content: Workspace.PageInfo, in workspace: Workspace) throws -> [Workspace.PageInfo] {
        var seen = Set<Int64>()
        var result: [Workspace.PageInfo] = []
        for version in try workspace.history(contentID: content.id).reversed() {
            guard let number = version.version, number < (content.version ?? .max), seen.insert(number).inserted
            else { continue }
            result.append(version)
        }
        return result
    }

    /// The staged row whose title and body the skeleton carries: the oldest version under
    /// `--history all`, the current one otherwise.
    func skeletonSource(of content: Workspace.PageInfo) throws -> Workspace.PageInfo {
        guard options.history == .all else { return content }
        return try Self.olderVersions(of: content, in: workspace).first ?? content
    }

    /// The file recording which `--history` a workspace's migration uses.
    static func historyFile(_ workspace: Workspace) -> URL {
        workspace.folder.appendingPathComponent("migration-history")
    }

    /// The `--history` mode this workspace was migrated with, if any.
    public static func recordedHistory(_ workspace: Workspace) -> MigrationOptions.History? {
        guard let text = try? String(contentsOf: historyFile(workspace), encoding: .utf8) else { return nil }
        return MigrationOptions.History(rawValue: text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// A workspace keeps the `--history` of its first writes: switching after pages exist
    /// would replay old versions on top of current ones (or never write them).
    func checkHistoryMode() throws {
        let written = try workspace.ledger.tally().contains { $0.state == .done }
        // A workspace written before the flag existed was migrated with latest.
        let recorded = Self.recordedHistory(workspace) ?? (written ? .latest : nil)
        if let recorded, recorded != options.history, written {
            throw MigrationError.historyModeChanged(recorded: recorded.rawValue, requested: options.history.rawValue)
        }
        try Data(options.history.rawValue.utf8).write(to: Self.historyFile(workspace), options: .atomic)
    }

    /// Whether a storage body points at other content (pages, attachments, users), which
    /// only exists in Cloud once created: such a page is created first and its body written later.
    static func hasReferences(_ body: String) -> Bool {
        body.utf8Contains("<ri:") || body.utf8Contains("<ac:image")
    }
}
