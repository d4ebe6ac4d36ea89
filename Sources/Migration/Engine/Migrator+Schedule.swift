import FerryModel
import Foundation
import Workspace

/// The ready queue: a fixed pool of `--concurrency` workers pulling writes whose
/// dependencies are done, across spaces and tree levels.
///
/// A unit of work returns the units it made ready (a created page makes its first child,
/// its next sibling and its own work ready), so no worker waits for a whole phase, space
/// or tree level to drain. A page's own work runs in one unit, in the order Cloud needs:
/// attachments, labels, footer comments, then, once every page and file its body points
/// at exists, the body, the inline comments (anchored in the body's text) and the
/// restrictions last (a restricted page may no longer be writable). A page whose body
/// points at content not written yet is parked on the first write it waits for and
/// released when that write finishes; every page under `--history all` (version replays),
/// and any body still planned when the first stage drains, is left to the second stage.
extension Migrator {
    /// One unit of the ready queue.
    enum Unit: Sendable {
        case createSpace(Workspace.SpaceInfo)
        /// The `index`-th child of `parent` (nil: the space's top-level pages). Siblings are
        /// created one after the other because Cloud orders children by creation.
        case createChild(space: Workspace.SpaceInfo, target: SpaceTarget, parent: String?, index: Int)
        case createBlogPost(space: Workspace.SpaceInfo, target: SpaceTarget, post: Workspace.PageInfo)
        /// Attachments, comments, labels, and the body and restrictions when the body is ready.
        case pageWork(space: String, work: BodyWork)
        /// Second stage: the body (or version replays) and then the restrictions, for
        /// every page whose first-stage unit left them.
        case finish(space: String, work: BodyWork)
        /// A page whose body links to content not written yet, released by the write it
        /// waited for (see ``park(_:on:)``), so its body does not wait for the whole first stage.
        case waiting(space: String, work: BodyWork)
        case permissions(Workspace.SpaceInfo)
    }

    /// The pages of one space grouped by parent, in source order (top-level under "").
    final class SpaceTree: Sendable {
        let children: [String: [Workspace.PageInfo]]

        init(pages: [Workspace.PageInfo]) {
            var children: [String: [Workspace.PageInfo]] = [:]
            for page in pages {
                children[page.depth == 0 ? "" : (page.parentID ?? ""), default: []].append(page)
            }
            self.children = children
        }
    }

    /// Runs the creates and uploads of every selected space, then (unless
    /// `--attachments-only`) everything that needs them.
    func runScheduled(_ spaces: [Workspace.SpaceInfo], scratch: URL) async throws {
        var trees: [String: SpaceTree] = [:]
        for space in spaces {
            guard let key = space.key else { continue }
            trees[key] = SpaceTree(pages: try workspace.pages(spaceKey: key))
        }
        let frozen = trees
        try await drain(spaces.map { Unit.createSpace($0) }.makeIterator()) { unit in
            try await self.execute(unit, trees: frozen, scratch: scratch)
        }
        if isStopping || options.attachmentsOnly { return }
        try await drain(SecondStage(migrator: self, spaces: spaces)) { unit in
            try await self.execute(unit, trees: frozen, scratch: scratch)
        }
    }

    /// Feeds the second stage one content item at a time (pages, then blog posts, space
    /// by space), so the queue never holds more than a window of it.
    struct SecondStage: IteratorProtocol {
        let migrator: Migrator
        var spaces: [Workspace.SpaceInfo]
        var spaceIndex = 0
        var contents: [(Workspace.PageInfo, Bool)] = []
        var contentIndex = 0
        var buffered: [Unit] = []

        init(migrator: Migrator, spaces: [Workspace.SpaceInfo]) {
            self.migrator = migrator
            self.spaces = spaces
        }

        mutating func next() -> Unit? {
            while buffered.isEmpty {
                if contentIndex < contents.count, let key = spaces[spaceIndex - 1].key {
                    let (content, blogPost) = contents[contentIndex]
                    contentIndex += 1
                    let work = BodyWork(content: content, blogPost: blogPost)
                    buffered = [.finish(space: key, work: work)]
                    break
                }
                guard spaceIndex < spaces.count else { return nil }
                let space = spaces[spaceIndex]
                spaceIndex += 1
                contentIndex = 0
                contents = []
                guard let key = space.key, (try? migrator.spaceTarget(space)) != nil else { continue }
                do {
                    contents =
                        try migrator.workspace.pages(spaceKey: key).map { ($0, false) }
                        + migrator.workspace.blogPosts(spaceKey: key).map { ($0, true) }
                } catch {
                    migrator.logger.warning("reading the staged pages of \(key) failed: \(error)")
                }
                buffered = [.permissions(space)]
            }
            return buffered.isEmpty ? nil : buffered.removeFirst()
        }
    }

    /// Runs units with at most `options.concurrency` in flight; each unit's follow-ups
    /// are taken before fresh units from `source`, so the tree is walked depth first and
    /// the queue stays small.
    /// Units released by finished writes (``park(_:on:)``) join the ready ones.
    func drain<Source: IteratorProtocol>(
        _ source: Source, _ body: @escaping @Sendable (Unit) async throws -> [Unit]
    ) async throws where Source.Element == Unit {
        var source = source
        let limit = max(1, options.concurrency)
        defer { parked.withLock { $0 = ParkedWork() } }
        try await withThrowingTaskGroup(of: [Unit].self) { group in
            var ready: [Unit] = []
            var running = 0
            func next() -> Unit? {
                if let unit = ready.popLast() { return unit }
                return source.next()
            }
            while running < limit, let unit = next() {
                group.addTask { try await body(unit) }
                running += 1
            }
            while let more = try await group.next() {
                running -= 1
                try Task.checkCancellation()
                if isStopping { continue }
                // Reversed so that popLast() takes them in the order the unit gave them.
                ready.append(contentsOf: more.reversed())
                ready.append(contentsOf: parked.withLock { $0.takeReleased() })
                while running < limit, let unit = next() {
                    group.addTask { try await body(unit) }
                    running += 1
                }
            }
            // Work still parked waits for writes this stage did not finish: the second
            // stage writes every body that is still planned.
        }
    }

    /// Runs one unit and returns the units it made ready.
    func execute(_ unit: Unit, trees: [String: SpaceTree], scratch: URL) async throws -> [Unit] {
        switch unit {
        case .createSpace(let space):
            try await createSpace(space)
            guard let key = space.key, let target = try spaceTarget(space) else { return [] }
            var units: [Unit] = []
            if !(trees[key]?.children[""]?.isEmpty ?? true) {
                units.append(.createChild(space: space, target: target, parent: nil, index: 0))
            }
            for post in try workspace.blogPosts(spaceKey: key) {
                units.append(.createBlogPost(space: space, target: target, post: post))
            }
            return units
        case .createChild(let space, let target, let parent, let index):
            guard let key = space.key, let siblings = trees[key]?.children[parent ?? ""], index < siblings.count
            else { return [] }
            let page = siblings[index]
            let next: Unit? =
                index + 1 < siblings.count
                ? .createChild(space: space, target: target, parent: parent, index: index + 1) : nil
            // The next sibling starts once this page exists (Cloud orders children by
            // creation), without waiting for its source property and ledger record.
            var handedOver = false
            try await createPageOrPost(page, blogPost: false, space: space, target: target) {
                guard let next, !handedOver else { return }
                handedOver = true
                parked.withLock { $0.released.append(next) }
            }
            var units: [Unit] = [.pageWork(space: key, work: BodyWork(content: page, blogPost: false))]
            if !(trees[key]?.children[page.id]?.isEmpty ?? true) {
                units.append(.createChild(space: space, target: target, parent: page.id, index: 0))
            }
            if let next, !handedOver { units.append(next) }
            return units
        case .createBlogPost(let space, let target, let post):
            try await createPageOrPost(post, blogPost: true, space: space, target: target)
            guard let key = space.key else { return [] }
            return [.pageWork(space: key, work: BodyWork(content: post, blogPost: true))]
        case .pageWork(let space, let work):
            for file in try attachmentWork(content: work.content, blogPost: work.blogPost) {
                try await upload(file, space: space, scratch: scratch)
            }
            guard !options.attachmentsOnly else { return [] }
            try await addLabels(work, space: space)
            // Footer comments need only the page, so they do not wait for its body (Cloud's
            // comment bucket then runs beside the creates); inline comments are anchored in
            // the body's text and follow it.
            try await createComments(of: work, space: space, footerOnly: true)
            return try await writeBodyOrPark(work, space: space)
        case .waiting(let space, let work):
            return try await writeBodyOrPark(work, space: space)
        case .finish(let space, let work):
            let replays =
                options.history == .all
                ? try MigrationPlanner(workspace: workspace, options: options).versionReplays(of: work.content) : []
            if replays.isEmpty {
                try await updateBody(work, space: space)
            } else {
                try await replay(replays, of: work, space: space)
            }
            try await createComments(of: work, space: space)
            try await setRestrictions(work, space: space)
        case .permissions(let space):
            try await grantSpacePermissions(space)
        }
        return []
    }

    /// Writes a page's body, then its comments and restrictions, when nothing the body
    /// points at is still to be written. Otherwise parks the page on the first write it
    /// waits for (a `.waiting` unit, released when that write finishes), or hands the unit
    /// straight back when that write finished meanwhile. Under `--history all` the page is
    /// left to the second stage.
    func writeBodyOrPark(_ work: BodyWork, space: String) async throws -> [Unit] {
        if let blocker = try bodyBlocker(work, space: space) {
            guard options.history == .latest else { return [] }
            let unit = Unit.waiting(space: space, work: work)
            return try park(unit, on: blocker) ? [] : [unit]
        }
        try await updateBody(work, space: space)
        try await createComments(of: work, space: space)
        try await setRestrictions(work, space: space)
        return []
    }

    /// The first write a page's body still waits for (a create or an upload planned or in
    /// flight), or `nil` when the body can be written now: it needs no `body.update`, or
    /// every page, blog post and attachment it points at is written (or will not be in
    /// this run). Under `--history all` the body waits for the second stage: its own
    /// `body.update` key is returned.
    func bodyBlocker(_ work: BodyWork, space: String) throws -> WriteKey? {
        let own = WriteKey(kind: .bodyUpdate, sourceId: work.content.id)
        guard options.history == .latest else { return own }
        guard let entry = try ledger.entry(own), entry.state == .planned else { return nil }
        func pending(_ key: WriteKey) throws -> Bool {
            guard let state = try ledger.entry(key)?.state else { return false }
            return state == .planned || state == .inFlight
        }
        let storage = try workspace.body(contentID: work.content.id)?.body ?? ""
        for reference in StorageReferences.scan(storage) {
            guard
                let sourceId = try workspace.contentID(
                    spaceKey: reference.spaceKey ?? space, title: reference.title, blogPost: reference.blogPost)
            else { continue }
            let create = WriteKey(kind: reference.blogPost ? .blogPostCreate : .pageCreate, sourceId: sourceId)
            if try pending(create) { return create }
            for filename in reference.attachments {
                for attachment in try workspace.attachments(containerID: sourceId)
                where attachment.isCurrent && attachment.title == filename {
                    let upload = WriteKey(kind: .attachmentUpload, sourceId: attachment.id)
                    if try pending(upload) { return upload }
                }
            }
        }
        return nil
    }

    /// Parks `unit` until the write `key` finishes (done, failed or skipped). Returns false,
    /// parking nothing, when that write is no longer planned or in flight: the caller runs
    /// the unit now. The check and the parking happen under the lock that ``release(waitingOn:)``
    /// takes after the ledger records the outcome, so no release is missed.
    func park(_ unit: Unit, on key: WriteKey) throws -> Bool {
        try parked.withLock { parked in
            guard let state = try ledger.entry(key)?.state, state == .planned || state == .inFlight else {
                return false
            }
            parked.waiting[key.rawValue, default: []].append(unit)
            return true
        }
    }

    /// Releases the work parked on `key` to the scheduler.
    func release(waitingOn key: WriteKey) {
        parked.withLock { parked in
            guard let units = parked.waiting.removeValue(forKey: key.rawValue) else { return }
            parked.released.append(contentsOf: units)
        }
    }
}

/// Page work waiting for a write, by that write's key, and the units released so far.
struct ParkedWork: Sendable {
    var waiting: [String: [Migrator.Unit]] = [:]
    var released: [Migrator.Unit] = []

    mutating func takeReleased() -> [Migrator.Unit] {
        defer { released = [] }
        return released
    }
}
