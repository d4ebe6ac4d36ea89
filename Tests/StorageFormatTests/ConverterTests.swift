import Foundation
import StorageFormat
import Testing

@Suite("storage → ADF converter")
struct ConverterTests {
    let converter = StorageConverter(context: (try? Fixtures.context()) ?? ConversionContext())

    /// Converts and checks the document with both validators (in-project and jsonschema-rs).
    func convert(_ storage: String) -> ConversionResult {
        let result = converter.convert(storage)
        #expect(result.isValid, "invalid output: \(result.validationIssues)")
        Fixtures.expectSchemaValid(result.document)
        return result
    }

    func first(_ type: String, _ storage: String) -> ADFNode? {
        Fixtures.nodes(type, in: convert(storage).document).first
    }

    @Test("paragraphs, headings, breaks, rules and quotes")
    func blocks() {
        let document = convert("<h3>Title</h3><p>a<br/>b</p><hr/><blockquote>quoted</blockquote>text").document
        #expect(document.content.map(\.type) == ["heading", "paragraph", "rule", "blockquote", "paragraph"])
        #expect(document.content[0].attrs?["level"] == 3)
        #expect(document.content[1].content?.map(\.type) == ["text", "hardBreak", "text"])
        #expect(document.content[3].content?.first?.type == "paragraph")
    }

    @Test("whitespace collapses and is trimmed at paragraph edges; an empty <p> stays")
    func whitespace() {
        let document = convert("<p>  a \n\t b  <strong> c </strong> </p>\n<p></p>").document
        let texts = document.content[0].content?.compactMap(\.text)
        #expect(texts == ["a b ", "c"])
        #expect(document.content.count == 2)
        #expect(document.content[1].content == nil)
    }

    @Test("marks: strong em underline strike code sub sup colours and links")
    func marks() {
        let document = convert(
            #"<p><b>b</b><i>i</i><u>u</u><s>s</s><code>c</code><sub>1</sub><sup>2</sup><span style="color: rgb(0, 128, 255)">rgb</span><span style="color:#abc">short</span><font color="Red">named</font><a href="https://x.org">l</a></p>"#
        ).document
        let marks = (document.content[0].content ?? []).map { $0.marks?.map(\.type) ?? [] }
        #expect(
            marks == [
                ["strong"], ["em"], ["underline"], ["strike"], ["code"], ["subsup"], ["subsup"], ["textColor"],
                ["textColor"], ["textColor"], ["link"],
            ])
        let colours = (document.content[0].content ?? []).compactMap { $0.marks?.first?.attrs?["color"]?.stringValue }
        #expect(colours == ["#0080ff", "#aabbcc", "#ff0000"])
    }

    @Test("code drops strong and em beside it, with a diagnostic")
    func codeMarkRules() {
        let result = convert("<p><strong><em><code>x</code></em></strong></p>")
        #expect(result.document.content[0].content?[0].marks == [ADFMark("code")])
        #expect(
            result.diagnostics.contains { $0.code == "mark-beside-code" && $0.path == "/p[1]/strong[1]/em[1]/code[1]" })
    }

    @Test("lists nest, keep start numbers, and restructure what Cloud disallows")
    func lists() throws {
        let result = try Fixtures.convert("lists")
        #expect(result.isValid)
        let ordered = Fixtures.nodes("orderedList", in: result.document).first
        #expect(ordered?.attrs?["order"] == 4)
        #expect(Fixtures.nodes("listItem", in: result.document).count >= 8)
        let codes = result.diagnostics.map(\.code)
        #expect(codes.contains("heading-as-paragraph"))
        #expect(codes.contains("legacy-content"))
        #expect(codes.contains("list-in-list"))
        let legacy = Fixtures.nodes("extension", in: result.document).filter {
            $0.attrs?["extensionKey"] == "legacy-content"
        }
        let storage = legacy.compactMap { $0.attrs?["parameters"]?.objectValue?["cxhtml"]?.stringValue }
        #expect(storage.contains("<table><tbody><tr><td>cell in list</td></tr></tbody></table>"))
    }

    @Test("tables: headers, spans, column widths, numbering, highlights, nested table and expand")
    func tables() throws {
        let result = try Fixtures.convert("tables")
        let table = try #require(Fixtures.nodes("table", in: result.document).first)
        #expect(table.attrs?["isNumberColumnEnabled"] == true)
        #expect(table.attrs?["layout"] == "wide")
        let rows = table.content ?? []
        #expect(rows[0].content?.map(\.type) == ["tableHeader", "tableHeader", "tableHeader"])
        #expect(rows[0].content?[0].attrs?["colwidth"] == .array([.number(120)]))
        let spanning = rows[1].content?[1]
        #expect(spanning?.attrs?["colspan"] == 2)
        #expect(spanning?.attrs?["colwidth"] == nil)  // the third column has no width
        #expect(spanning?.attrs?["background"] == "#e3fcef")
        #expect(rows[2].content?[0].attrs?["rowspan"] == 2)
        #expect(rows[2].content?[2].attrs?["background"] == "#ffebe6")
        let nested = Fixtures.nodes("extension", in: result.document).first {
            $0.attrs?["extensionKey"] == "nested-table"
        }
        let adf = try #require(nested?.attrs?["parameters"]?.objectValue?["adf"]?.stringValue)
        #expect(adf.contains("inner cell"))
        #expect(Fixtures.nodes("nestedExpand", in: result.document).first?.attrs?["title"] == "More")
        // Row 4's beta cell is in column 1 because of the rowspan above it.
        #expect(rows[3].content?[0].attrs?["colwidth"] == .array([.number(200)]))
    }

    @Test("code and noformat become code blocks with mapped languages")
    func code() throws {
        let result = try Fixtures.convert("macros")
        let blocks = Fixtures.nodes("codeBlock", in: result.document)
        #expect(blocks.count == 3)
        #expect(blocks[0].attrs?["language"] == "javascript")
        #expect(blocks[0].content?.first?.text?.contains("<b>not markup</b> & more") == true)
        #expect(blocks[1].attrs == nil)
        #expect(blocks[1].content?.first?.text == "no   format\ntext")
        #expect(blocks[2].attrs?["language"] == "java")  // ac:macro + ac:default-parameter
    }

    @Test("info/note/tip/warning/panel become panels with titles")
    func panels() throws {
        let result = try Fixtures.convert("macros")
        let panels = Fixtures.nodes("panel", in: result.document)
        #expect(
            panels.map { $0.attrs?["panelType"]?.stringValue ?? "" } == [
                "info", "warning", "success", "error", "custom", "warning",
            ])
        #expect(panels[0].content?.first?.type == "heading")
        #expect(panels[0].content?.first?.content?.first?.text == "Heads up")
        #expect(panels[4].attrs?["panelColor"] == "#ffffce")
    }

    @Test("expand, nested expand, status, anchors and Jira macros")
    func nativeMacros() throws {
        let result = try Fixtures.convert("macros")
        let expand = try #require(Fixtures.nodes("expand", in: result.document).first)
        #expect(expand.attrs?["title"] == "Click me")
        #expect(expand.content?.last?.type == "nestedExpand")
        let statuses = Fixtures.nodes("status", in: result.document)
        #expect(statuses.map { $0.attrs?["color"]?.stringValue ?? "" } == ["green", "red"])
        #expect(statuses.map { $0.attrs?["style"]?.stringValue ?? "" } == ["bold", "subtle"])
        let inline = Fixtures.nodes("inlineExtension", in: result.document)
        #expect(inline.map { $0.attrs?["extensionKey"]?.stringValue ?? "" } == ["jira", "anchor"])
        let anchorParams = inline[1].attrs?["parameters"]?.objectValue?["macroParams"]?.objectValue
        #expect(anchorParams?[""]?.objectValue?["value"] == "top")
        let jiraTable = Fixtures.nodes("extension", in: result.document).first { $0.attrs?["extensionKey"] == "jira" }
        #expect(jiraTable != nil)
    }

    @Test("other macros become extensions with macroParams and macroMetadata as Cloud writes them")
    func genericMacros() throws {
        let result = try Fixtures.convert("macros")
        let extensions = Fixtures.nodes("extension", in: result.document)
        let toc = try #require(extensions.first { $0.attrs?["extensionKey"] == "toc" })
        #expect(toc.attrs?["extensionType"] == "com.atlassian.confluence.macro.core")
        #expect(toc.attrs?["layout"] == "default")
        let parameters = toc.attrs?["parameters"]?.objectValue
        #expect(parameters?["macroParams"] == .object(["style": .object(["value": "none"])]))
        #expect(
            parameters?["macroMetadata"]
                == .object([
                    "macroId": .object(["value": "7bf8796e"]), "schemaVersion": .object(["value": "1"]),
                    "title": "Table of Contents",
                ]))
        let bodied = Fixtures.nodes("bodiedExtension", in: result.document).map {
            $0.attrs?["extensionKey"]?.stringValue ?? ""
        }
        #expect(bodied == ["excerpt", "details"])
        let plantuml = try #require(extensions.first { $0.attrs?["extensionKey"] == "plantuml" })
        let body = plantuml.attrs?["parameters"]?.objectValue?["macroParams"]?.objectValue?["__bodyContent"]
        #expect(body == .object(["value": "Alice -> Bob: hello"]))
        let include = try #require(extensions.first { $0.attrs?["extensionKey"] == "include" })
        #expect(
            include.attrs?["parameters"]?.objectValue?["macroParams"]?.objectValue?[""]
                == .object(["value": "Included page"]))
        let profile = try #require(extensions.first { $0.attrs?["extensionKey"] == "profile" })
        #expect(
            profile.attrs?["parameters"]?.objectValue?["macroParams"]?.objectValue?["user"]
                == .object(["value": "70121:5a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d"]))
        #expect(result.diagnostics.contains { $0.kind == .unknownMacro && $0.message.contains("plantuml") })
        // Nested bodied macros and expands inside a bodied macro are kept as legacy content.
        let legacy = extensions.filter { $0.attrs?["extensionKey"] == "legacy-content" }
        #expect(legacy.count == 2)
    }

    @Test("task lists with states and stable ids, decisions, emoji, dates, annotations, placeholders")
    func tasksAndInline() throws {
        let result = try Fixtures.convert("tasks-and-inline")
        let items = Fixtures.nodes("taskItem", in: result.document)
        #expect(items.map { $0.attrs?["localId"]?.stringValue ?? "" } == ["1", "2", "3"])
        #expect(items.map { $0.attrs?["state"]?.stringValue ?? "" } == ["TODO", "DONE", "TODO"])
        let again = try Fixtures.convert("tasks-and-inline")
        #expect(again.document == result.document, "ids must be stable across runs")
        let emoji = Fixtures.nodes("emoji", in: result.document).compactMap { $0.attrs?["shortName"]?.stringValue }
        #expect(emoji == [":slight_smile:", ":white_check_mark:", ":pencil:", ":mystery:"])
        let dates = Fixtures.nodes("date", in: result.document).compactMap { $0.attrs?["timestamp"]?.stringValue }
        #expect(dates == ["1710460800000", "1767225600000"])
        let annotated = Fixtures.nodes("text", in: result.document).filter {
            $0.marks?.contains { $0.type == "annotation" } == true
        }
        #expect(annotated.map { $0.text ?? "" } == ["commented ", "text"])
        #expect(Fixtures.nodes("decisionItem", in: result.document).first?.content?.first?.text == "We ship on Friday")
        #expect(Fixtures.nodes("placeholder", in: result.document).count == 1)
    }

    @Test("links to pages, blogs, spaces, attachments, users, URLs and anchors resolve through the context")
    func links() throws {
        let result = try Fixtures.convert("links-and-media")
        let hrefs = Fixtures.nodes("text", in: result.document).compactMap { node in
            node.marks?.first { $0.type == "link" }?.attrs?["href"]?.stringValue
        }
        #expect(hrefs.contains("https://example.atlassian.net/wiki/spaces/ENG/pages/98765/Design+Doc"))
        #expect(hrefs.contains("https://example.atlassian.net/wiki/spaces/ENG/pages/98765/Design+Doc#intro"))
        #expect(hrefs.contains("https://example.atlassian.net/wiki/spaces/ENG/blog/2024/01/02/98766/News"))
        #expect(hrefs.contains("/wiki/spaces/OPS"))
        #expect(hrefs.contains("/wiki/download/attachments/65539/report.pdf"))
        #expect(hrefs.contains("https://example.com/docs?a=1&b=2"))
        #expect(hrefs.contains("#top"))
        #expect(hrefs.contains("#local"))
        let mention = try #require(Fixtures.nodes("mention", in: result.document).first)
        #expect(mention.attrs?["id"] == "70121:5a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d")
        #expect(mention.attrs?["text"] == "@Ada Lovelace")
        let unresolved = Set(result.diagnostics.filter { $0.kind == .unresolvedReference }.map(\.code))
        #expect(
            unresolved == [
                "unresolved-page", "unresolved-attachment", "unresolved-user", "unresolved-link", "unresolved-image",
            ])
        let text = ADFText.plainText(of: result.document)
        for readable in ["Missing Page", "gone.zip", "@ghost", "stale link", "unknown.png"] {
            #expect(text.contains(readable), "\(readable) is not readable in the output")
        }
    }

    @Test("images become media from the context, external images, or another page's attachment")
    func images() throws {
        let result = try Fixtures.convert("links-and-media")
        let singles = Fixtures.nodes("mediaSingle", in: result.document)
        #expect(singles.count == 4)
        #expect(singles[0].attrs == ["layout": "center", "width": 300, "widthType": "pixel"])
        let media = Fixtures.nodes("media", in: result.document)
        #expect(media[0].attrs?["id"] == "14407e98-5f0c-4a1b-9c59-2f3c7f0e1a11")
        #expect(media[0].attrs?["collection"] == "contentId-65539")
        #expect(media[1].attrs?["type"] == "external")
        #expect(media[2].attrs?["collection"] == "contentId-70001")
        #expect(singles[2].attrs?["layout"] == "align-end")
        #expect(Fixtures.nodes("caption", in: result.document).count == 1)
        // Text around an inline image stays, split around it.
        #expect(ADFText.plainText(of: result.document).contains("Text before"))
    }

    @Test("layouts keep Cloud's column widths; single, 4-column and nested layouts are handled")
    func layouts() throws {
        let result = try Fixtures.convert("layouts")
        let sections = Fixtures.nodes("layoutSection", in: result.document)
        #expect(sections.count == 2)
        #expect(sections[0].content?.compactMap { $0.attrs?["width"]?.numberValue } == [33.33, 66.67])
        #expect(sections[1].content?.compactMap { $0.attrs?["width"]?.numberValue } == [25, 50, 25])
        #expect(result.document.content.first?.type == "paragraph")  // the single-column section is unwrapped
        let codes = result.diagnostics.map(\.code)
        #expect(codes.contains("legacy-content"))
        #expect(codes.contains("layout-not-top-level"))
    }

    @Test("malformed markup converts with parse diagnostics and no lost text")
    func malformed() throws {
        let result = try Fixtures.convert("malformed")
        #expect(result.isValid)
        #expect(result.diagnostics.filter { $0.kind == .parseRecovery }.count >= 8)
        let text = ADFText.plainText(of: result.document)
        for word in ["Unclosed", "italic", "Stray", "ampersand", "&unknownentity;", "two", "misnested", "cell two"] {
            #expect(text.contains(word), "\(word) lost")
        }
    }

    @Test("links into the old site are rewritten from the context's base URLs")
    func baseURLs() {
        let result = convert(#"<p><a href="https://wiki.example.com/display/ENG/Design+Doc#part">d</a></p>"#)
        let href = result.document.content[0].content?[0].marks?[0].attrs?["href"]
        #expect(href == "https://example.atlassian.net/wiki/spaces/ENG/pages/98765/Design+Doc#part")
    }

    @Test("blocks where ADF wants inline content keep their text: an image in a task, a macro in a caption")
    func inlineOnlyPlaces() {
        let task = convert(
            #"<ac:task-list><ac:task><ac:task-status>incomplete</ac:task-status><ac:task-body>see <ac:image ac:alt="chart"><ri:url ri:value="https://x/c.png"/></ac:image></ac:task-body></ac:task></ac:task-list>"#
        )
        #expect(ADFText.plainText(of: task.document).contains("chart"))
        #expect(task.diagnostics.contains { $0.code == "block-in-inline" })
        let caption = convert(
            #"<ac:image><ri:url ri:value="https://x/a.png"/><ac:caption><p>Fig <ac:structured-macro ac:name="anchor"><ac:parameter ac:name="">fig1</ac:parameter></ac:structured-macro> one</p></ac:caption></ac:image>"#
        )
        #expect(Fixtures.nodes("caption", in: caption.document).first?.content?.contains { $0.text == "fig1" } == true)
    }

    @Test("without a context, references stay readable and are reported")
    func noContext() {
        let result = StorageConverter().convert(
            #"<p><ac:link><ri:user ri:userkey="k1"/></ac:link> <ac:image><ri:attachment ri:filename="a.png"/></ac:image></p>"#
        )
        #expect(result.isValid)
        Fixtures.expectSchemaValid(result.document)
        #expect(result.diagnostics.filter { $0.kind == .unresolvedReference }.count == 2)
        #expect(ADFText.plainText(of: result.document).contains("a.png"))
    }
}
