import ConfluenceExport
import Foundation
import Testing
import Workspace
import ZIPFoundation

/// Expected figures for Tests/Fixtures/Export/space-export, derived by hand from
/// make-fixtures.py (each object is described there).
@Suite("Staging an export into a workspace")
struct ImporterTests {
    @Test("the fixture space export: counts, repairs, macros")
    func spaceExport() throws {
        let (summary, workspace, result) = try importExport(Fixtures.url("space-export"))
        #expect(result.warnings.isEmpty)
        #expect(summary.spaces.count == 1)
        let space = try #require(summary.spaces.first)
        #expect(space.key == "FIX")
        #expect(space.pages == 5)  // 1001, 1002, 1003, 1004, 1005 (1006 draft, 1007 deleted, 1000 history)
        #expect(space.blogPosts == 1)
        #expect(space.historicalVersions == 1)
        #expect(space.comments == 2)
        #expect(space.footerComments == 1)
        #expect(space.inlineComments == 1)
        #expect(space.attachments == 2)
        #expect(space.attachmentBytes == 170)  // 120 (1401 v2) + 50 (1403)
        #expect(space.attachmentBytesAllVersions == 270)  // + 100 (1402 v1)
        #expect(space.labels == 2)
        #expect(space.restrictions == 2)
        #expect(space.spacePermissions == 2)
        #expect(space.drafts == 1)
        #expect(space.deleted == 1)
        #expect(space.bodyTypes == ["storage": 9, "wiki": 1])
        #expect(space.estimatedXMLBytes > 3000)
        #expect(!space.overCCMALimit)
        #expect(summary.totals.users == 2)
        #expect(summary.totals.globalPermissions == 1)
        #expect(summary.totals.unmigratable == ["ConfluenceBandanaRecord": 1])
        #expect(summary.export["exportType"] == "space")
        #expect(
            summary.macros == [
                StagingSummary.Macro(name: "code", count: 2, pages: 2),
                StagingSummary.Macro(name: "info", count: 1, pages: 1),
                StagingSummary.Macro(name: "status", count: 1, pages: 1),
                StagingSummary.Macro(name: "toc", count: 1, pages: 1),
            ])
        func line(_ r: StagedRepair) -> String { "\(r.kind) \(r.className) \(r.objectID) \(r.count) \(r.action)" }
        let missingID = summary.repairs.filter { $0.kind == "missing-id" }
        #expect(missingID.count == 1 && missingID.first?.className == "Label")
        let expected: Set<String> = [
            "cdata-escape BodyContent 3002 1 repaired",
            "cdata-escape BodyContent 3004 2 repaired",
            "control-characters BodyContent 3005 2 repaired",
            "invalid-utf8 BodyContent 3005 2 repaired",
            "duplicate-id Page 1003 1 skipped",
            "missing-reference Page 1005 1 repaired",
            "missing-reference BodyContent 3009 1 skipped",
            "missing-reference Comment 1203 1 skipped",
            "missing-reference Labelling 1703 1 skipped",
            "missing-attachment-file Attachment 1403 1 reported",
        ]
        #expect(Set(summary.repairs.map(line)) == expected.union(missingID.map(line)))
        #expect(summary.repairs.count == expected.count + 1)

        // Repaired text reaches the store.
        let escaped = try #require(try workspace.body(contentID: "1002"))
        #expect(escaped.body.contains("<![CDATA[x = m[i[0]] + 1]]>"))
        let damaged = try #require(try workspace.body(contentID: "1003"))
        #expect(damaged.body == "<p>badbyteshere\tand \u{FFFD} and \u{FFFD}x café</p>")
        // Tree order: home first, then children by position, depth first.
        let tree = try workspace.pages(spaceKey: "FIX").map(\.title)
        #expect(tree == ["Home", "Child A", "Grandchild", "Child & B", "Orphan"])
        let attachments = try workspace.attachments(containerID: "1002")
        #expect(attachments.map(\.version) == [2, 1])
        #expect(attachments.first?.path == "attachments/1002/1401/2")
        #expect(attachments.first?.mediaType == "image/png")
    }

    @Test("a pre-4.0 bare entities.xml: inferred type, legacy users and groups, untyped bodies")
    func legacyBareEntities() throws {
        let (summary, workspace, result) = try importExport(Fixtures.url("legacy-3x/entities.xml"))
        #expect(result.warnings.contains { $0.contains("no exportDescriptor.properties") })
        #expect(summary.export["exportType"] == "all")
        #expect(summary.export["inferred"] == "true")
        #expect(summary.spaces.map(\.key) == ["OLD", "TWO"])
        #expect(summary.totals.pages == 3)
        #expect(summary.totals.users == 2)
        #expect(summary.totals.groups == 2)
        #expect(summary.totals.bodyTypes == ["untyped": 3])
        #expect(summary.totals.spacePermissions == 1)
        #expect(summary.totals.restrictions == 1)  // linked through the set's collection only
        #expect(try workspace.restrictions(contentID: "42").first?.userName == "jo")
        #expect(summary.repairs.isEmpty)
        let members = try workspace.memberships()
        #expect(members.count == 3)
    }

    @Test("a folder without a descriptor is read with a warning and the space inferred")
    func missingDescriptor() throws {
        let folder = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.copyItem(
            at: Fixtures.url("space-export/entities.xml"), to: folder.appendingPathComponent("entities.xml"))
        let (summary, _, result) = try importExport(folder)
        #expect(result.warnings.contains { $0.contains("no exportDescriptor.properties") })
        #expect(summary.export["exportType"] == "space")
        #expect(summary.export["spaceKey"] == "FIX")
        // No attachments folder at all: every attachment version is reported missing.
        #expect(summary.repairs.filter { $0.kind == "missing-attachment-file" }.count == 3)
    }

    @Test("a zip is streamed and gives the same figures as the folder")
    func zipEqualsFolder() throws {
        let folder = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let zip = folder.appendingPathComponent("export.zip")
        let source = Fixtures.url("space-export")
        let archive = try Archive(url: zip, accessMode: .create)
        for path in [
            "entities.xml", "exportDescriptor.properties", "attachments/1002/1401/1", "attachments/1002/1401/2",
        ] {
            try archive.addEntry(with: path, relativeTo: source, compressionMethod: .deflate)
        }
        let (fromZip, _, _) = try importExport(zip)
        let (fromFolder, _, _) = try importExport(source)
        #expect(fromZip.totals == fromFolder.totals)
        #expect(fromZip.spaces == fromFolder.spaces)
        #expect(fromZip.repairs.map(\.kind) == fromFolder.repairs.map(\.kind))
    }

    @Test("a missing export is a clear error")
    func missingExport() throws {
        #expect(throws: ExportError.notFound(path: "/nonexistent/export.zip")) {
            _ = try ExportPackage.open(URL(fileURLWithPath: "/nonexistent/export.zip"))
        }
    }
}
