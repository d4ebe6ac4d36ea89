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
        for space in try selectedSpaces() {
            guard let key = space.key else { continue }
            var writes: [PlannedWrite] = [PlannedWrite(kind: .spaceCreate, spaceKey: key, sourceId: space.id)]
            let pages = try workspace.pages(spaceKey: key).map { ($0, WriteKind.pageCreate) }
            let posts = try workspace.blogPosts(spaceKey: key).map { ($0, WriteKind.blogPostCreate) }
            for (content, kind) in pages + posts {
                writes.append(PlannedWrite(kind: kind, spaceKey: key, sourceId: content.id))
                let body = try workspace.body(contentID: content.id)?.body ?? ""
                if Self.hasReferences(body) {
                    writes.append(PlannedWrite(kind: .bodyUpdate, spaceKey: key, sourceId: content.id))
                }
                for attachment in try workspace.attachments(containerID: content.id) where attachment.isCurrent {
                    writes.append(
                        PlannedWrite(
                            kind: .attachmentUpload, spaceKey: key, sourceId: attachment.id,
                            bytes: attachment.fileSize ?? 0))
                }
                for comment in try workspace.comments(containerID: content.id) {
                    writes.append(PlannedWrite(kind: .commentCreate, spaceKey: key, sourceId: comment.id))
                }
                if !(try workspace.labels(contentID: content.id)).isEmpty {
                    writes.append(PlannedWrite(kind: .labelAdd, spaceKey: key, sourceId: content.id))
                }
                if !(try workspace.restrictions(contentID: content.id)).isEmpty {
                    writes.append(PlannedWrite(kind: .restrictionSet, spaceKey: key, sourceId: content.id))
                }
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

    /// Whether a storage body points at other content (pages, attachments, users), which
    /// only exists in Cloud once created: such a page is created first and its body written later.
    static func hasReferences(_ body: String) -> Bool {
        body.contains("<ri:") || body.contains("<ac:image")
    }
}
