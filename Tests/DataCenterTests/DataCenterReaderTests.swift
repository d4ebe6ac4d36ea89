import ConfluenceDataCenter
import FerryModel
import Foundation
import GRDB
import Testing
import Twins
import Workspace

@Suite("Data Center reader against the DC twin", .serialized)
struct DataCenterReaderTests {
    /// The tree, bodies, attachments, comments, labels and restrictions of a space, as the shared queries see them.
    static func snapshot(_ workspace: Workspace, space: String) throws -> [String] {
        var lines: [String] = []
        for page in try workspace.pages(spaceKey: space) + workspace.blogPosts(spaceKey: space) {
            lines.append(
                "\(page.className) \(page.id) '\(page.title ?? "")' parent=\(page.parentID ?? "-") depth=\(page.depth) v\(page.version ?? 0)"
            )
            lines.append("  body \((try workspace.body(contentID: page.id)?.body ?? "").hashValue)")
            for attachment in try workspace.attachments(containerID: page.id) where attachment.isCurrent {
                lines.append(
                    "  attachment \(attachment.id) \(attachment.title ?? "") \(attachment.fileSize ?? -1) file=\(attachment.path != nil)"
                )
            }
            for comment in try workspace.comments(containerID: page.id).sorted(by: { $0.id < $1.id }) {
                lines.append(
                    "  comment \(comment.id) parent=\(comment.parentID ?? "-") inline=\(comment.inline) body=\((try workspace.body(contentID: comment.id)?.body ?? "").hashValue)"
                )
            }
            lines.append("  labels \(try workspace.labels(contentID: page.id))")
            lines.append(
                "  restrictions \(try workspace.restrictions(contentID: page.id).map { "\($0.type ?? "")/\($0.groupName ?? $0.userKey ?? "?")" }.sorted())"
            )
        }
        let permissions = try workspace.spacePermissions(spaceKey: space).map {
            "\($0.type ?? "")/\($0.groupName ?? $0.userKey ?? $0.userName ?? "anonymous")"
        }
        lines.append("permissions \(Set(permissions).sorted())")
        return lines
    }

    @Test("a space staged from the DC twin (9.x) reads back exactly as the export staged it")
    func stagesLikeTheExport() async throws {
        let fixture = try await TwinFixture.start(version: 9)
        defer { Task { await fixture.stop() } }
        let client = try fixture.client()
        let workspace = try fixture.newWorkspace("dc-ws")
        let result = try await DataCenterStager(client: client, workspace: workspace, spaceKeys: nil).run()
        #expect(result.scan.values.allSatisfy { $0 } && result.scan.count == 2)
        #expect(result.permissionsREST.values.allSatisfy { $0 })
        #expect(result.pages > 10 && result.attachments > 0 && result.comments > 0)
        for space in ["SP1", "SP2"] {
            let expected = try Self.snapshot(fixture.exportWorkspace, space: space)
            let actual = try Self.snapshot(workspace, space: space)
            #expect(actual == expected, "space \(space) differs")
        }
        // Archive data: audit records and installed apps are staged for the archive.
        let (audit, apps) = try await workspace.database.read { db in
            (
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM staged_other_objects WHERE class = 'AuditRecord'") ?? 0,
                try String.fetchAll(db, sql: "SELECT id FROM staged_other_objects WHERE class = 'InstalledApp'")
            )
        }
        #expect(audit == 3)
        #expect(apps.contains("com.example.app"))
        try await client.transport.shutdown()
    }

    @Test("8.x gives space permissions only through JSON-RPC; 7.17 has no scan: the reader falls back to both")
    func versionFallbacks() async throws {
        var snapshots: [Int: [String]] = [:]
        for version in [9, 8, 7] {
            let fixture = try await TwinFixture.start(version: version, spaces: 1, pages: 12, attachments: 3)
            let client = try fixture.client()
            let workspace = try fixture.newWorkspace("dc-\(version)")
            let result = try await DataCenterStager(client: client, workspace: workspace, spaceKeys: ["SP1"]).run()
            #expect(result.permissionsREST["SP1"] == (version == 9), "version \(version)")
            #expect(result.scan["SP1"] == (version >= 8), "version \(version)")
            snapshots[version] = try Self.snapshot(workspace, space: "SP1")
            #expect(snapshots[version] == (try Self.snapshot(fixture.exportWorkspace, space: "SP1")))
            try await client.transport.shutdown()
            await fixture.stop()
        }
        #expect(snapshots[7] == snapshots[9] && snapshots[8] == snapshots[9])
        #expect(snapshots[9]?.last != "permissions []", "the space has permissions")
    }

    @Test("wrong credentials are refused with a clear error that never shows the secret")
    func authFailure() async throws {
        let fixture = try await TwinFixture.start(version: 9, spaces: 1, pages: 4, attachments: 0)
        defer { Task { await fixture.stop() } }
        for credentials in [
            DataCenterCredentials.token(Secret("not-the-token-123", origin: "test")),
            .basic(user: "admin", password: Secret("wrong-password-456", origin: "test")),
        ] {
            let client = try fixture.client(credentials: credentials)
            do {
                _ = try await client.spaces()
                Issue.record("expected a refusal")
            } catch let error as DataCenterError {
                let text = error.summary + " " + (error.remedy ?? "")
                #expect(text.contains("refused the credentials (HTTP 401)"))
                #expect(!text.contains("not-the-token-123") && !text.contains("wrong-password-456"))
            }
            try await client.transport.shutdown()
        }
        let basic = try fixture.client(
            credentials: .basic(user: "admin", password: Secret("twin-token", origin: "test")))
        #expect(try await basic.spaces().count == 1)
        try await basic.transport.shutdown()
    }

    @Test("the admin API changes content; CQL lastmodified and the inventory see every change")
    func mutationsAndDeltaAPI() async throws {
        let fixture = try await TwinFixture.start(version: 9, spaces: 1, pages: 10, attachments: 2)
        defer { Task { await fixture.stop() } }
        let client = try fixture.client()
        let before = try await client.inventory(space: "SP1")
        let pages = before.filter { $0.type == "page" }
        #expect(pages.count == 10)
        let since = Date().addingTimeInterval(-1)
        guard let home = pages.first(where: { $0.parentID == nil }),
            let other = pages.last(where: { $0.parentID != nil }),
            let third = pages.first(where: { $0.parentID != nil && $0.id != other.id })
        else {
            Issue.record("the sample space has no tree")
            return
        }
        // Reads keep going while the admin API writes: every read sees a whole state.
        async let concurrentReads: Int = {
            var reads = 0
            for _ in 0..<4 {
                let items = try await client.inventory(space: "SP1", restrictions: false)
                #expect(items.count >= 10 && items.count <= 12)
                reads += 1
            }
            return reads
        }()
        let (created, page) = try await fixture.admin(
            "POST", "/__twin/pages",
            json: ["space": "SP1", "title": "Created during sync", "parentId": Int(home.id) ?? 0, "body": "<p>new</p>"])
        #expect(created == 201)
        let newID = page["id"] as? String ?? ""
        #expect(
            try await fixture.admin("POST", "/__twin/pages", json: ["space": "SP1", "title": "Created during sync"]).0
                == 400)
        #expect(
            try await fixture.admin(
                "PUT", "/__twin/pages/\(other.id)", json: ["title": "Renamed", "body": "<p>edited</p>"]
            ).0 == 200)
        #expect(
            try await fixture.admin("PUT", "/__twin/pages/\(third.id)", json: ["parentId": Int(newID) ?? 0]).0 == 200)
        #expect(
            try await fixture.admin("PUT", "/__twin/pages/\(home.id)", json: ["parentId": Int(third.id) ?? 0]).0 == 400)
        #expect(
            try await fixture.admin(
                "PUT", "/__twin/pages/\(newID)/restrictions", json: ["read": ["groups": ["confluence-administrators"]]]
            ).0 == 200)
        #expect(try await fixture.upload(page: newID, filename: "notes.txt", bytes: Data("one".utf8)) == 201)
        #expect(try await fixture.upload(page: newID, filename: "notes.txt", bytes: Data("two, longer".utf8)) == 201)
        #expect(
            try await fixture.admin("POST", "/__twin/pages/\(newID)/comments", json: ["body": "<p>hello</p>"]).0 == 201)
        let victim = pages.first { $0.id != home.id && $0.id != other.id && $0.id != third.id && $0.parentID != nil }
        #expect(try await fixture.admin("DELETE", "/__twin/pages/\(victim?.id ?? "0")").0 == 204)
        #expect(try await concurrentReads == 4)

        let changed = try await client.changedContent(space: "SP1", since: since)
        #expect(Set(changed.map(\.id)) == Set([newID, other.id, third.id]))
        #expect(changed.first { $0.id == other.id }?.version?.number == (other.version + 1))
        let requestsBefore = client.transport.statistics.requests
        let after = try await client.inventory(space: "SP1", expand: "ancestors,version,metadata.labels")
        // Restrictions and labels come with the listing: no request per page.
        #expect(client.transport.statistics.requests - requestsBefore <= 4)
        let byID = Dictionary(uniqueKeysWithValues: after.map { ($0.id, $0) })
        #expect(byID[newID]?.restrictions?.first?.groups == ["confluence-administrators"])
        #expect(byID[home.id]?.restrictions == [] && byID[home.id]?.labels != nil)
        // Comments and attachments do not move their page's lastmodified: CQL finds them apart.
        #expect(try await client.changedContainers(space: "SP1", since: since) == [newID])
        #expect(abs(try await client.serverTime().timeIntervalSinceNow) < 5)
        #expect(byID[other.id]?.title == "Renamed")
        #expect(byID[third.id]?.parentID == newID)
        #expect(byID[victim?.id ?? ""] == nil)
        #expect(byID[newID]?.restrictionHash != byID[home.id]?.restrictionHash)
        let attachments = try await client.attachments(contentID: newID)
        #expect(attachments.count == 1 && attachments.first?.version?.number == 2)
        let file = fixture.directory.appendingPathComponent("download.txt")
        #expect(try await client.download(attachments[0], version: 1, to: file) == 3)
        #expect(try await client.download(attachments[0], version: 2, to: file) == 11)
        #expect(try await client.comments(contentID: newID).first?.storage == "<p>hello</p>")
        let old = try await client.content(id: other.id, version: other.version)
        #expect(old?.title != "Renamed" && old?.version?.number == other.version)
        // The CQL window's upper bound excludes later changes.
        #expect(try await client.changedContent(space: "SP1", since: since, until: since).isEmpty)
        try await client.transport.shutdown()
    }

    @Test("unsupported CQL is refused with 400, as Confluence does")
    func cqlErrors() async throws {
        let fixture = try await TwinFixture.start(version: 9, spaces: 1, pages: 3, attachments: 0)
        defer { Task { await fixture.stop() } }
        let client = try fixture.client()
        do {
            _ = try await client.changedContent(space: "SP1\" or creator = \"x", since: Date())
            Issue.record("expected a 400")
        } catch let error as DataCenterError {
            #expect(error.summary.contains("HTTP 400"))
        }
        try await client.transport.shutdown()
    }

    @Test("a changed page is restaged in place: old rows removed, the new version's rows written")
    func restageChangedPage() async throws {
        let fixture = try await TwinFixture.start(version: 9, spaces: 1, pages: 6, attachments: 2)
        defer { Task { await fixture.stop() } }
        let client = try fixture.client()
        let workspace = try fixture.newWorkspace("restage")
        let stager = DataCenterStager(client: client, workspace: workspace, spaceKeys: ["SP1"])
        _ = try await stager.run()
        guard let page = try workspace.pages(spaceKey: "SP1").last else {
            Issue.record("no page staged")
            return
        }
        let commentsBefore = try workspace.comments(containerID: page.id).count
        #expect(
            try await fixture.admin(
                "PUT", "/__twin/pages/\(page.id)", json: ["title": "Restaged", "body": "<p>v-next</p>"]
            ).0
                == 200)
        #expect(
            try await fixture.admin("POST", "/__twin/pages/\(page.id)/comments", json: ["body": "<p>c</p>"]).0 == 201)
        guard
            let changed = try await client.content(id: page.id, expand: "ancestors,version,history,space,body.storage")
        else {
            Issue.record("the page is gone")
            return
        }
        try stager.removeStaged(contentIDs: [page.id])
        #expect(try workspace.body(contentID: page.id) == nil)
        let spaceID = try workspace.spaces().first?.id ?? ""
        let staged = try await stager.stage([changed], className: "Page", spaceID: spaceID)
        #expect(staged.contents == 1 && staged.comments == commentsBefore + 1)
        try workspace.resolveStaging(expectAttachmentFiles: true)
        let after = try workspace.pages(spaceKey: "SP1").first { $0.id == page.id }
        #expect(after?.title == "Restaged" && after?.version == (page.version ?? 0) + 1)
        #expect(try workspace.body(contentID: page.id)?.body == "<p>v-next</p>")
        #expect(try workspace.comments(containerID: page.id).count == commentsBefore + 1)
        try await client.transport.shutdown()
    }
}
