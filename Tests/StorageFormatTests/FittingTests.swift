import StorageFormat
import Testing

@Suite("ADF documents fitted to Cloud's body limit")
struct FittingTests {
    let notice = ADFNode(
        "panel", attrs: ["panelType": .string("warning")], content: [.paragraph([.text("the rest is archived")])])

    @Test("a document within the limit is left alone")
    func fitsAlready() {
        let document = ADFDocument(content: [.paragraph([.text("short")])])
        #expect(document.fitted(maxEscapedBytes: 10_000, notice: notice) == nil)
    }

    @Test("leading nodes are kept in order, the first that does not fit is cut in its text, the notice comes last")
    func cutsInOrder() throws {
        let quoted = String(repeating: "a \"quoted\" word\n", count: 2_000)
        let document = ADFDocument(content: [
            .paragraph([.text("first")]), ADFNode("heading", attrs: ["level": .number(2)], content: [.text("second")]),
            .paragraph([.text(quoted, marks: [ADFMark("strong")])]), .paragraph([.text("never reached")]),
        ])
        let limit = 20_000
        #expect(document.escapedJSONLength > limit)
        let fitted = try #require(document.fitted(maxEscapedBytes: limit, notice: notice))
        #expect(fitted.escapedJSONLength <= limit)
        #expect(fitted.content.count == 4)
        #expect(fitted.content[0] == document.content[0] && fitted.content[1] == document.content[1])
        let cut = try #require(fitted.content[2].content?.first?.text)
        #expect(cut.count > 1_000 && quoted.hasPrefix(cut))
        #expect(fitted.content[2].content?.first?.marks == [ADFMark("strong")])
        #expect(fitted.content[3] == notice)
        #expect(ADFValidator.validate(fitted).isEmpty, "\(ADFValidator.validate(fitted))")
    }

    @Test("a node that cannot be cut (a table) ends the kept part")
    func uncuttableNode() throws {
        let cell = ADFNode("tableCell", content: [.paragraph([.text(String(repeating: "x", count: 30_000))])])
        let table = ADFNode("table", content: [ADFNode("tableRow", content: [cell])])
        let document = ADFDocument(content: [.paragraph([.text("kept")]), table])
        let fitted = try #require(document.fitted(maxEscapedBytes: 10_000, notice: notice))
        #expect(fitted.content == [.paragraph([.text("kept")]), notice])
    }
}
