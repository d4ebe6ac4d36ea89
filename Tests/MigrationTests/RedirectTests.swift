import Foundation
import Migration
import Testing

@Suite("redirect map")
struct RedirectTests {
    @Test("tiny links match Confluence's published examples and round-trip")
    func tinyLinks() {
        #expect(ConfluenceURLs.tinyLinkCode(contentId: 201_819_180) == "LIQHD")
        for id: Int64 in [1, 65_538, 753_668, 948_633_601, 2_147_483_647, 98_765_432_109] {
            #expect(ConfluenceURLs.contentId(tinyLinkCode: ConfluenceURLs.tinyLinkCode(contentId: id)) == id)
        }
        #expect(ConfluenceURLs.contentId(tinyLinkCode: "") == nil)
    }

    @Test("display titles encode spaces as + and the rest as UTF-8 percent escapes")
    func displayTitles() {
        #expect(ConfluenceURLs.displayTitle("Release notes 2.0") == "Release+notes+2.0")
        #expect(ConfluenceURLs.displayTitle("Q&A / FAQ") == "Q%26A+%2F+FAQ")
        #expect(ConfluenceURLs.displayTitle("Größe") == "Gr%C3%B6%C3%9Fe")
    }

    @Test("every old URL form of pages, blog posts, attachments and spaces lands in all three files")
    func writesAllForms() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "ferry-redirects-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let writer = try RedirectMapWriter(folder: folder, sourceBaseURL: "https://wiki.corp.example/confluence/")
        let cloud = "https://corp.atlassian.net/wiki/spaces/DOCS"
        try writer.add(RedirectSubject(kind: .space, spaceKey: "DOCS", title: "Docs", targetURL: cloud + "/overview"))
        try writer.add(
            RedirectSubject(
                kind: .page, spaceKey: "DOCS", sourceId: 201_819_180, title: "About \"us\"",
                targetURL: cloud + "/pages/42"))
        try writer.add(
            RedirectSubject(
                kind: .blogPost, spaceKey: "DOCS", sourceId: 7, title: "Hello world",
                postedOn: DateComponents(year: 2024, month: 3, day: 9), targetURL: cloud + "/blog/2024/03/09/43"))
        try writer.add(
            RedirectSubject(
                kind: .attachment, spaceKey: "DOCS", sourceId: 9, title: "spec v2.pdf", containerSourceId: 201_819_180,
                targetURL: "https://corp.atlassian.net/wiki/download/attachments/42/spec%20v2.pdf"))
        try writer.close()
        #expect(writer.count == 3 + 3 + 4 + 1)

        let csv = try String(contentsOf: folder.appendingPathComponent(RedirectMapWriter.csvName), encoding: .utf8)
        #expect(csv.contains("/confluence/x/LIQHD,\(cloud)/pages/42,page,DOCS,201819180"))
        #expect(csv.contains("/confluence/display/DOCS/About+%22us%22,"))
        #expect(csv.contains("/confluence/display/DOCS/2024/03/09/Hello+world,"))
        #expect(csv.contains("/confluence/download/attachments/201819180/spec%20v2.pdf,"))
        #expect(csv.contains("/confluence/pages/viewpage.action?pageId=201819180,"))

        let nginx = try String(contentsOf: folder.appendingPathComponent(RedirectMapWriter.nginxName), encoding: .utf8)
        #expect(nginx.contains("map $request_uri $ferry_redirect {"))
        #expect(nginx.contains("\"/confluence/x/LIQHD\" \"\(cloud)/pages/42\";"))
        #expect(nginx.hasSuffix("}\n"))

        let apache = try String(
            contentsOf: folder.appendingPathComponent(RedirectMapWriter.apacheName), encoding: .utf8)
        #expect(apache.contains("/confluence/spaces/viewspace.action?key=DOCS \(cloud)/overview\n"))
    }
}
