import ConfluenceDataCenter
import Foundation
import Logging
import Workspace

/// The read of a live Data Center site for a sync pass, without reading it all again:
///
/// 1. CQL `lastmodified >=` the previous pass's frozen time less an overlap window, per
///    space, for pages and blog posts and for comments and attachments (whose changes do
///    not move their page's own `lastmodified`);
/// 2. the inventory listing of every migrated space (ids, parents, positions, titles,
///    versions, labels and restrictions, expanded into the listing) compared with the
///    staging: rows that differ (moves, renames, restriction changes CQL misses) and ids
///    new to the staging are read again, ids gone from the listing are removed.
///
/// Only those pages and blog posts are staged again (body, attachments, comments, labels,
/// restrictions); the sync pass then diffs the staging against what Ferry wrote, as for
/// any source.
struct DataCenterDelta {
    /// The source time up to which a completed pass read the site (seconds since 1970).
    static let frozenTimeKey = "dc_frozen_time"
    /// The frozen time of the pass in progress, promoted to ``frozenTimeKey`` when it completes.
    static let pendingFrozenTimeKey = "dc_pending_frozen_time"
    /// CQL dates have minute precision, and a change can commit after the query saw the
    /// index: every window reaches this far back before the previous frozen time.
    static let overlap: TimeInterval = 300
    /// What the listing expands besides the restrictions.
    static let listingExpand = "ancestors,version,metadata.labels"
    static let contentExpand = "ancestors,version,history,space,body.storage"

    let client: DataCenterClient
    let workspace: Workspace
    let concurrency: Int
    let logger: Logger

    struct Result {
        var restaged = 0
        var removed = 0
        var requests = 0
    }

    /// Reads what changed since `since` in `spaces` and brings the staging up to date.
    func run(spaces: [String], since: Date) async throws -> Result {
        let before = client.transport.statistics.requests
        var result = Result()
        let stagedSpaces = try workspace.spaces()
        let stager = DataCenterStager(
            client: client, workspace: workspace, spaceKeys: spaces, concurrency: concurrency, history: false)
        for key in spaces.sorted() {
            guard let space = stagedSpaces.first(where: { $0.key == key }) else { continue }
            let changed = try await client.changedContent(space: key, since: since, expand: Self.contentExpand)
            let containers = try await client.changedContainers(space: key, since: since)
            let listing = try await client.inventory(space: key, restrictions: true, expand: Self.listingExpand)
            let staged = try workspace.pages(spaceKey: key) + workspace.blogPosts(spaceKey: key)
            let stagedByID = Dictionary(staged.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
            let listed = Dictionary(listing.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })

            var reread = Set(changed.map(\.id)).union(containers)
            for item in listing {
                guard let row = stagedByID[item.id] else {
                    reread.insert(item.id)
                    continue
                }
                if try differs(item, row) { reread.insert(item.id) }
            }
            reread = reread.filter { listed[$0] != nil }
            let vanished = staged.map(\.id).filter { listed[$0] == nil }

            var contents: [String: DCContent] = [:]
            for content in changed where reread.contains(content.id) { contents[content.id] = content }
            for id in reread.sorted() where contents[id] == nil {
                if let content = try await client.content(id: id, expand: Self.contentExpand) {
                    contents[id] = content
                }
            }
            try stager.removeStaged(contentIDs: Array(reread) + vanished)
            let pages = contents.values.filter { ($0.type ?? listed[$0.id]?.type) != "blogpost" }
            let posts = contents.values.filter { ($0.type ?? listed[$0.id]?.type) == "blogpost" }
            _ = try await stager.stage(pages.sorted { $0.id < $1.id }, className: "Page", spaceID: space.id)
            _ = try await stager.stage(posts.sorted { $0.id < $1.id }, className: "BlogPost", spaceID: space.id)
            result.restaged += contents.count
            result.removed += vanished.count
            logger.info(
                "read the changes of a Data Center space",
                metadata: [
                    "space": "\(key)", "cql": "\(changed.count)", "containers": "\(containers.count)",
                    "listed": "\(listing.count)", "restaged": "\(contents.count)", "removed": "\(vanished.count)",
                ])
        }
        try workspace.resolveStaging(expectAttachmentFiles: false)
        result.requests = client.transport.statistics.requests - before
        return result
    }

    /// True when the listing row and the staged row differ in parent, position, title,
    /// version, labels or restrictions.
    func differs(_ item: DCInventoryItem, _ row: Workspace.PageInfo) throws -> Bool {
        if (row.title ?? "") != item.title || row.version != Int64(item.version) { return true }
        if item.type != "blogpost" {
            if row.parentID != item.parentID { return true }
            if let position = item.position, row.position != Int64(position) { return true }
        }
        if let labels = item.labels, labels.sorted() != (try workspace.labels(contentID: item.id)).sorted() {
            return true
        }
        if let grants = item.restrictions {
            let listed = grants.flatMap { grant in
                let type = grant.operation == "update" ? "Edit" : "View"
                return grant.userKeys.map { "\(type)||\($0)" } + grant.groups.map { "\(type)|\($0)|" }
            }
            let stagedLines = try workspace.restrictions(contentID: item.id).map {
                "\($0.type ?? "")|\($0.groupName ?? "")|\($0.userKey ?? "")"
            }
            if listed.sorted() != stagedLines.sorted() { return true }
        }
        return false
    }
}
