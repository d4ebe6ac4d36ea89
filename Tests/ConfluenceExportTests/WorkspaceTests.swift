import ConfluenceExport
import Foundation
import Testing
import Workspace

@Suite("Workspace")
struct WorkspaceTests {
    @Test("opening an existing workspace keeps its data and re-staging replaces it")
    func reopen() throws {
        let folder = try makeTemporaryDirectory("ferry-ws-reopen")
        defer { try? FileManager.default.removeItem(at: folder) }
        do {
            let workspace = try Workspace.open(at: folder)
            _ = try ExportImporter(package: ExportPackage.open(Fixtures.url("space-export")), workspace: workspace)
                .run()
        }
        let again = try Workspace.open(at: folder)
        #expect(try again.spaces().map(\.key) == ["FIX"])
        _ = try ExportImporter(package: ExportPackage.open(Fixtures.url("legacy-3x/entities.xml")), workspace: again)
            .run()
        #expect(try again.spaces().map(\.key) == ["OLD", "TWO"])
        #expect(try again.summary().repairs.isEmpty)
    }

    @Test("queries: comments, labels, restrictions, permissions, users, drafts, history")
    func queries() throws {
        let (_, workspace, _) = try importExport(Fixtures.url("space-export"))
        let comments = try workspace.comments(containerID: "1002")
        #expect(comments.map(\.id) == ["1201", "1202"])
        #expect(comments.map(\.inline) == [false, true])
        #expect(try workspace.labels(contentID: "1002") == ["howto"])
        let restrictions = try workspace.restrictions(contentID: "1003")
        #expect(restrictions.count == 2)
        #expect(restrictions.contains { $0.groupName == "confluence-users" })
        #expect(try workspace.spacePermissions(spaceKey: "FIX").count == 2)
        #expect(try workspace.spacePermissions(spaceKey: nil).map(\.type) == ["USECONFLUENCE"])
        #expect(try workspace.users().map(\.name) == ["alice", "bob"])
        #expect(try workspace.drafts(spaceKey: "FIX").map(\.id) == ["1006"])
        #expect(try workspace.history(contentID: "1001").map(\.id) == ["1000"])
        #expect(try workspace.blogPosts(spaceKey: "FIX").map(\.title) == ["News"])
        let tree = try workspace.pages(spaceKey: "FIX")
        #expect(tree.map(\.depth) == [0, 1, 2, 1, 0])
    }
}
