public import ConfluenceCloud
import Foundation
public import Workspace

/// Deletes exactly what Ferry created in the target, found through the ledger, newest
/// first (comments and attachments before their pages, children before parents), and
/// nothing else: a space Ferry created is deleted only once nothing but its home page is
/// left in it, so content people added in Cloud since is never touched.
public struct Wiper: Sendable {
    public let workspace: Workspace
    public let client: ConfluenceCloudClient

    public init(workspace: Workspace, client: ConfluenceCloudClient) {
        self.workspace = workspace
        self.client = client
    }

    public struct Outcome: Sendable, Codable {
        public var space: String
        public var deleted: [String: Int] = [:]
        public var spaceDeleted = false
        /// Content left in the space that Ferry did not create (so the space was kept).
        public var keptForeignContent: [String] = []
        public var failures: [String] = []
    }

    /// What a wipe of `spaces` would delete, per space and kind, without deleting anything.
    public func preview(spaces: Set<String>?) throws -> [String: [String: Int]] {
        var counts: [String: [String: Int]] = [:]
        for entry in try workspace.ledger.createdObjects(spaces: spaces) {
            counts[entry.spaceKey, default: [:]][entry.kind.rawValue, default: 0] += 1
        }
        return counts
    }

    public func wipe(spaces: Set<String>?, concurrency: Int = 8) async throws -> [Outcome] {
        let ledger = workspace.ledger
        let created = try ledger.createdObjects(spaces: spaces)
        var outcomes: [Outcome] = []
        for space in Set(created.map(\.spaceKey)).sorted() {
            var outcome = Outcome(space: space)
            let entries = created.filter { $0.spaceKey == space }
            let spaceEntry = entries.first { $0.kind == .spaceCreate }
            let homepageId = spaceEntry?.detail
            // Objects in reverse creation order. Comments and attachments can go in parallel;
            // pages must go children first, which reverse order gives when done one by one.
            for entry in entries where entry.kind != .spaceCreate {
                guard let id = entry.targetId else { continue }
                do {
                    switch entry.kind {
                    case .commentCreate: try await client.deleteComment(id: id, location: entry.detail ?? "footer")
                    case .attachmentUpload: try await client.deleteAttachment(id: id)
                    case .pageCreate where id == homepageId: continue
                    case .pageCreate: try await client.deleteContent(id: id)
                    case .blogPostCreate: try await client.deleteContent(id: id, blogPost: true)
                    default: continue
                    }
                    outcome.deleted[entry.kind.rawValue, default: 0] += 1
                } catch {
                    outcome.failures.append("\(entry.key): \(error)")
                }
            }
            if let spaceEntry, let spaceId = spaceEntry.targetId, outcome.failures.isEmpty {
                let pages = try await client.contents(spaceId: spaceId).filter { $0.id != homepageId }
                let posts = try await client.contents(spaceId: spaceId, blogPosts: true)
                let foreign =
                    pages.map { "page \($0.id) '\($0.title)'" } + posts.map { "blog post \($0.id) '\($0.title)'" }
                if foreign.isEmpty {
                    do {
                        try await client.deleteSpace(key: CloudSpaceKey.derive(from: space))
                        outcome.spaceDeleted = true
                    } catch {
                        outcome.failures.append("space \(space): \(error)")
                    }
                } else {
                    outcome.keptForeignContent = foreign
                }
            }
            if outcome.failures.isEmpty { try ledger.forget(space: space) }
            outcomes.append(outcome)
        }
        return outcomes
    }
}
