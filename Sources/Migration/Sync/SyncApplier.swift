import ConfluenceCloud
import FerryModel
import Foundation
import StorageFormat
import Workspace

/// Writes one space's changes in dependency order through the ledger: updates and
/// renames, moves (parents first), deletions (children first), restrictions, attachment
/// versions, labels. Each write's key carries the pass number, so a resumed pass finds
/// what it already did; the inventory row changes only once the write is done.
struct Applier: Sendable {
    let syncer: Syncer
    let migrator: Migrator
    let pass: Int
    let tally: Tally

    var workspace: Workspace { syncer.workspace }
    var ledger: Ledger { syncer.ledger }
    var inventory: SyncInventory { syncer.inventory }
    var client: ConfluenceCloudClient { migrator.client }

    /// Applies `diff`; returns the lag samples (seconds) of what arrived.
    func apply(_ diff: Syncer.SpaceDiff) async throws -> [Double] {
        let key = diff.key
        var writes: [PlannedWrite] = []
        for change in diff.changes {
            for (kind, discriminator) in keys(of: change) {
                writes.append(
                    PlannedWrite(
                        kind: kind, spaceKey: key, sourceId: change.item.sourceId, discriminator: discriminator))
            }
            for attachment in change.attachments {
                writes.append(
                    PlannedWrite(
                        kind: .attachmentUpload, spaceKey: key, sourceId: attachment.id,
                        discriminator: "s\(pass)-v\(attachment.version ?? 1)", bytes: attachment.fileSize ?? 0))
            }
        }
        try ledger.plan(writes)
        var lags: [Double] = []
        // Updates and renames, then moves, in tree order (the diff keeps the inventory's order;
        // sort by the staged tree so parents come first).
        let order = Dictionary(diff.pages.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { first, _ in first })
        let live = diff.changes.filter { !$0.delete }.sorted {
            (order[$0.item.sourceId] ?? .max, $0.item.sourceId) < (order[$1.item.sourceId] ?? .max, $1.item.sourceId)
        }
        for change in live where change.update {
            if try await update(change, space: key) != nil {
                if let lag = try syncer.lag(of: change.item.sourceId, at: Date()) { lags.append(lag) }
            }
        }
        let moving = Set(live.filter(\.move).map(\.item.sourceId))
        var moved = Set<String>()
        for change in live where change.move {
            if try await move(change, space: diff, pending: moving.subtracting(moved)) {
                moved.insert(change.item.sourceId)
            }
        }
        try await trash(diff.changes.filter(\.delete), space: key)
        for change in live {
            if let hash = change.restrictionHash { try await restrict(change, hash: hash, space: key) }
            for attachment in change.attachments { try await upload(attachment, of: change, space: key) }
            if let hash = change.labelHash { try await label(change, hash: hash, space: key) }
        }
        return lags
    }

    func keys(of change: Syncer.Change) -> [(WriteKind, String?)] {
        var keys: [(WriteKind, String?)] = []
        let version = change.content?.version ?? 0
        if change.update { keys.append((.contentUpdate, "s\(pass)-v\(version)")) }
        if change.move { keys.append((.pageMove, "s\(pass)")) }
        if change.delete { keys.append((.contentTrash, nil)) }
        if let hash = change.restrictionHash {
            keys.append((.restrictionSet, "s\(pass)-\(hash.isEmpty ? "none" : hash)"))
        }
        if let hash = change.labelHash { keys.append((.labelAdd, "s\(pass)-\(hash.isEmpty ? "none" : hash)")) }
        return keys
    }

    /// Runs one write and reports whether it is done (now or before).
    func write(
        _ kind: WriteKind, _ change: Syncer.Change, discriminator: String?, count: SyncChangeKind?, space: String,
        _ body: (_ attempted: Bool) async throws -> (targetId: String?, detail: String?)
    ) async throws -> LedgerEntry? {
        let key = WriteKey(kind: kind, sourceId: change.item.sourceId, discriminator: discriminator)
        let wasDone = try ledger.entry(key)?.state == .done
        try await migrator.perform(
            kind, space: space, sourceId: change.item.sourceId, discriminator: discriminator, body)
        guard let entry = try ledger.entry(key) else { return nil }
        switch entry.state {
        case .done:
            if !wasDone, let count { tally.add(space, count) }
            return entry
        case .failed, .planned:
            if !wasDone {
                tally.fail(key.rawValue, space, entry.lastError ?? "not written")
            }
            return nil
        default:
            return nil
        }
    }

    // MARK: updates and renames

    /// Writes the current title and body as a new Cloud version; returns that version.
    func update(_ change: Syncer.Change, space: String) async throws -> Int? {
        guard let content = change.content else { return nil }
        let item = change.item
        let message = Syncer.syncMessage(pass: pass, content: content)
        let entry = try await write(
            .contentUpdate, change, discriminator: "s\(pass)-v\(content.version ?? 0)",
            count: change.rename ? .renamed : .updated, space: space
        ) { attempted in
            var base = change.base ?? item.targetVersion ?? 1
            if attempted {
                let current = try await client.content(id: item.targetId, bodyFormat: nil, blogPost: item.blogPost)
                if current.version.message == message { return (item.targetId, String(current.version.number)) }
                base = current.version.number
            }
            let storage = try workspace.body(contentID: content.id)?.body ?? ""
            let context = try migrator.resolveReferences(
                in: storage, contentID: content.id, space: space, pageId: item.targetId)
            let document = try migrator.convert(
                storage, content: content, space: space, pageId: item.targetId, context: context)
            let updated = try await client.updateContent(
                id: item.targetId, title: Migrator.title(content), body: .adf(document.jsonString), version: base + 1,
                message: message, blogPost: item.blogPost)
            return (item.targetId, String(updated.version.number))
        }
        guard let entry else { return nil }
        var row = item
        row.title = content.title
        row.version = content.version
        row.targetVersion = entry.detail.flatMap { Int($0) } ?? row.targetVersion
        try inventory.save([row])
        return row.targetVersion
    }

    // MARK: moves

    /// Places a page under its new parent, before the next sibling the source lists that
    /// is already in place (or last); the top level of a space is under its home page.
    func move(_ change: Syncer.Change, space diff: Syncer.SpaceDiff, pending: Set<String>) async throws -> Bool {
        guard let content = change.content, let staged = diff.space, content.id != staged.homePageID else {
            return false
        }
        let item = change.item
        let entry = try await write(.pageMove, change, discriminator: "s\(pass)", count: .moved, space: diff.key) { _ in
            let parentTarget: String
            if let parent = content.parentID, let target = try migrator.targetId(.pageCreate, parent) {
                parentTarget = target
            } else if let home = try migrator.spaceTarget(staged)?.homepageId {
                parentTarget = home
            } else {
                throw SkipWrite(reason: "the new parent of \(content.id) is not in Cloud")
            }
            let siblings = diff.pages.filter { $0.parentID == content.parentID && $0.id != staged.homePageID }
            var next: String?
            if let index = siblings.firstIndex(where: { $0.id == content.id }) {
                for sibling in siblings[(index + 1)...] where !pending.contains(sibling.id) {
                    if let target = try migrator.targetId(.pageCreate, sibling.id) {
                        next = target
                        break
                    }
                }
            }
            if let next {
                try await client.movePage(id: item.targetId, position: .before, targetId: next)
            } else {
                try await client.movePage(id: item.targetId, position: .append, targetId: parentTarget)
            }
            return (item.targetId, nil)
        }
        guard entry != nil else { return false }
        var row = try inventory.item(item.sourceId) ?? item
        row.parentId = content.parentID
        row.position = content.position
        try inventory.save([row])
        return true
    }

    // MARK: deletions

    /// Moves content that vanished from the source to the Cloud trash, children first.
    func trash(_ changes: [Syncer.Change], space: String) async throws {
        let byId = Dictionary(changes.map { ($0.item.sourceId, $0.item) }, uniquingKeysWith: { first, _ in first })
        func depth(_ item: SyncInventory.Item) -> Int {
            var depth = 0
            var parent = item.parentId
            while let id = parent, let next = byId[id], depth < 256 {
                depth += 1
                parent = next.parentId
            }
            return depth
        }
        let ordered = changes.sorted { (depth($0.item), $0.item.sourceId) > (depth($1.item), $1.item.sourceId) }
        for change in ordered {
            let item = change.item
            let entry = try await write(.contentTrash, change, discriminator: nil, count: .deleted, space: space) {
                attempted in
                if attempted {
                    do {
                        let current = try await client.content(
                            id: item.targetId, bodyFormat: nil, blogPost: item.blogPost)
                        if current.status != "current" { return (item.targetId, nil) }
                    } catch CloudError.notFound {
                        return (item.targetId, nil)
                    }
                }
                try await client.trashContent(id: item.targetId, blogPost: item.blogPost)
                return (item.targetId, nil)
            }
            if entry != nil {
                var row = item
                row.deleted = true
                try inventory.save([row])
            }
        }
    }

    // MARK: restrictions, attachments, labels

    func restrict(_ change: Syncer.Change, hash: String, space: String) async throws {
        let item = change.item
        let entry = try await write(
            .restrictionSet, change, discriminator: "s\(pass)-\(hash.isEmpty ? "none" : hash)", count: .restrictions,
            space: space
        ) { _ in
            try await migrator.writeRestrictions(contentID: item.sourceId, pageId: item.targetId, space: space)
            return (item.targetId, nil)
        }
        if entry != nil, var row = try inventory.item(item.sourceId) {
            row.restrictionHash = hash
            try inventory.save([row])
        }
    }

    func upload(_ attachment: Workspace.AttachmentInfo, of change: Syncer.Change, space: String) async throws {
        let item = change.item
        let discriminator = "s\(pass)-v\(attachment.version ?? 1)"
        let key = WriteKey(kind: .attachmentUpload, sourceId: attachment.id, discriminator: discriminator)
        let wasDone = try ledger.entry(key)?.state == .done
        let scratch = workspace.folder.appendingPathComponent("scratch")
        try await migrator.perform(
            .attachmentUpload, space: space, sourceId: attachment.id, discriminator: discriminator
        ) { attempted in
            let filename = attachment.title ?? "attachment-\(attachment.id)"
            if attempted,
                let existing = try await client.attachments(contentId: item.targetId, filename: filename).first,
                existing.version > 1, Int64(existing.fileSize) == (attachment.fileSize ?? Int64(existing.fileSize))
            {
                return (existing.id, existing.fileId)
            }
            guard let path = attachment.path else {
                throw SkipWrite(
                    reason: "the source holds no file for version \(attachment.version ?? 1) of \(filename)")
            }
            let uploaded = try await syncer.export.withLocalAttachmentFile(path: path, scratch: scratch) { local in
                try await client.uploadAttachment(
                    contentId: item.targetId, filePath: local, filename: filename,
                    mediaType: attachment.mediaType ?? "application/octet-stream", newVersion: true)
            }
            return (uploaded.id, uploaded.fileId)
        }
        guard let entry = try ledger.entry(key) else { return }
        if entry.state == .done {
            if !wasDone { tally.add(space, .attachmentVersions) }
            try inventory.saveAttachments([(attachment.id, item.sourceId, attachment.version ?? 1)])
        } else if !wasDone, entry.state != .skipped {
            tally.fail(key.rawValue, space, entry.lastError ?? "not written")
        }
    }

    func label(_ change: Syncer.Change, hash: String, space: String) async throws {
        let item = change.item
        let entry = try await write(
            .labelAdd, change, discriminator: "s\(pass)-\(hash.isEmpty ? "none" : hash)", count: .labels, space: space
        ) { _ in
            let wanted = try workspace.labels(contentID: item.sourceId).map { name -> CloudLabel in
                let parts = name.split(separator: ":", maxSplits: 1).map(String.init)
                return parts.count == 2 ? CloudLabel(name: parts[1], prefix: parts[0]) : CloudLabel(name: name)
            }
            let present = try await client.labels(pageId: item.targetId, blogPost: item.blogPost)
            let wantedNames = Set(wanted.map(\.name))
            let presentNames = Set(present.map(\.name))
            let missing = wanted.filter { !presentNames.contains($0.name) }
            if !missing.isEmpty { try await client.addLabels(contentId: item.targetId, labels: missing) }
            for label in present where !wantedNames.contains(label.name) {
                try await client.removeLabel(contentId: item.targetId, name: label.name)
            }
            return (item.targetId, nil)
        }
        if entry != nil, var row = try inventory.item(item.sourceId) {
            row.labelHash = hash
            try inventory.save([row])
        }
    }
}
