import Foundation
import StorageFormat
import Testing

@Suite("ADF validator")
struct ValidatorTests {
    func issues(_ content: [ADFNode]) -> [ADFValidationIssue] {
        ADFValidator.validate(ADFDocument(content: content))
    }

    let cell = ADFNode("tableCell", content: [ADFNode.paragraph([ADFNode.text("x")])])

    @Test("a well-formed document has no issues")
    func valid() {
        let document: [ADFNode] = [
            ADFNode("heading", attrs: ["level": 2], content: [ADFNode.text("Title")]),
            ADFNode.paragraph([
                ADFNode.text("bold", marks: [ADFMark("strong"), ADFMark("textColor", attrs: ["color": "#ff0000"])]),
                ADFNode.text("code", marks: [ADFMark("code"), ADFMark("link", attrs: ["href": "https://x"])]),
            ]),
            ADFNode("table", content: [ADFNode("tableRow", content: [cell])]),
        ]
        #expect(issues(document).isEmpty)
    }

    @Test(
        "each schema rule is enforced",
        arguments: [
            ("empty text", [ADFNode.paragraph([ADFNode.text("")])]),
            (
                "code with strong",
                [ADFNode.paragraph([ADFNode.text("x", marks: [ADFMark("code"), ADFMark("strong")])])]
            ),
            (
                "bad colour",
                [ADFNode.paragraph([ADFNode.text("x", marks: [ADFMark("textColor", attrs: ["color": "red"])])])]
            ),
            ("heading level 7", [ADFNode("heading", attrs: ["level": 7])]),
            ("heading without level", [ADFNode("heading")]),
            (
                "unknown panel type",
                [ADFNode("panel", attrs: ["panelType": "purple"], content: [ADFNode.paragraph([])])]
            ),
            ("empty panel", [ADFNode("panel", attrs: ["panelType": "info"], content: [])]),
            (
                "task list without localId",
                [ADFNode("taskList", content: [ADFNode("taskItem", attrs: ["localId": "1", "state": "TODO"])])]
            ),
            (
                "bad task state",
                [
                    ADFNode(
                        "taskList", attrs: ["localId": "a"],
                        content: [ADFNode("taskItem", attrs: ["localId": "1", "state": "OPEN"])])
                ]
            ),
            (
                "one-column layout",
                [
                    ADFNode(
                        "layoutSection",
                        content: [ADFNode("layoutColumn", attrs: ["width": 100], content: [ADFNode.paragraph([])])])
                ]
            ),
            (
                "table in table",
                [
                    ADFNode(
                        "table",
                        content: [
                            ADFNode(
                                "tableRow", content: [ADFNode("tableCell", content: [ADFNode("table", content: [])])])
                        ])
                ]
            ),
            (
                "panel in list item",
                [
                    ADFNode(
                        "bulletList",
                        content: [
                            ADFNode(
                                "listItem",
                                content: [
                                    ADFNode("panel", attrs: ["panelType": "info"], content: [ADFNode.paragraph([])])
                                ])
                        ])
                ]
            ),
            (
                "aligned paragraph in panel",
                [
                    ADFNode(
                        "panel", attrs: ["panelType": "info"],
                        content: [ADFNode.paragraph([], marks: [ADFMark("alignment", attrs: ["align": "center"])])])
                ]
            ),
            (
                "expand in table cell",
                [
                    ADFNode(
                        "table",
                        content: [
                            ADFNode(
                                "tableRow",
                                content: [
                                    ADFNode("tableCell", content: [ADFNode("expand", content: [ADFNode.paragraph([])])])
                                ])
                        ])
                ]
            ),
            (
                "bodied extension in bodied extension",
                [
                    ADFNode(
                        "bodiedExtension", attrs: ["extensionKey": "a", "extensionType": "b"],
                        content: [
                            ADFNode(
                                "bodiedExtension", attrs: ["extensionKey": "a", "extensionType": "b"],
                                content: [ADFNode.paragraph([])])
                        ])
                ]
            ),
            ("extension without key", [ADFNode("extension", attrs: ["extensionType": "b"])]),
            ("unknown attribute", [ADFNode("rule", attrs: ["colour": "red"])]),
            ("text at top level", [ADFNode.text("loose")]),
            ("status without text", [ADFNode.paragraph([ADFNode("status", attrs: ["text": "", "color": "red"])])]),
            ("date as number", [ADFNode.paragraph([ADFNode("date", attrs: ["timestamp": 5])])]),
            (
                "media file without collection",
                [
                    ADFNode(
                        "mediaSingle", attrs: ["layout": "center"],
                        content: [ADFNode("media", attrs: ["type": "file", "id": "x"])])
                ]
            ),
            (
                "mediaSingle with two media",
                [
                    ADFNode(
                        "mediaSingle", attrs: ["layout": "center"],
                        content: [
                            ADFNode("media", attrs: ["type": "external", "url": "u"]),
                            ADFNode("media", attrs: ["type": "external", "url": "u"]),
                        ])
                ]
            ),
            ("repeated mark", [ADFNode.paragraph([ADFNode.text("x", marks: [ADFMark("strong"), ADFMark("strong")])])]),
        ] as [(String, [ADFNode])])
    func rejects(_ name: String, _ content: [ADFNode]) {
        #expect(!issues(content).isEmpty, "\(name) was accepted")
    }

    @Test("issues carry the JSON path of the offending node")
    func paths() {
        let found = issues([ADFNode.paragraph([ADFNode.text("ok"), ADFNode.text("")])])
        #expect(found.first?.path == "/content/0/content/1")
    }

    @Test("ADF round-trips through Codable and the fast writer identically")
    func codable() throws {
        let document = ADFDocument(content: [
            ADFNode.paragraph([
                ADFNode.text("a \"quoted\"\n\\ line", marks: [ADFMark("link", attrs: ["href": "https://x/?a=1&b=2"])])
            ]),
            ADFNode.paragraph([
                ADFNode.text(
                    "0123456789abcdef\"0123456789abcdef\\0123456789\u{1}abcdefgh\u{1F}ijklmnopé😀 tail text\t\r")
            ]),
            ADFNode(
                "extension",
                attrs: [
                    "extensionKey": "toc", "extensionType": "t",
                    "parameters": .object(["n": .number(1.5), "b": true, "z": .null]),
                ]),
        ])
        let decoded = try JSONDecoder().decode(ADFDocument.self, from: Data(document.jsonBytes()))
        #expect(decoded == document)
    }
}
