import StorageFormat
import Testing

@Suite("storage parser")
struct ParserTests {
    func elementNames(_ tree: StorageTree) -> [String] {
        tree.nodes.filter { $0.kind == .element }.map(\.name)
    }

    @Test("a fragment with several roots and undeclared ac:/ri: prefixes parses")
    func fragmentsAndPrefixes() {
        let tree = StorageParser.parse(
            #"<p>one</p><ac:link><ri:page ri:content-title="Home" /></ac:link><p>two</p>"#)
        let roots = Array(tree.children(of: StorageTree.root)).map { tree[$0].name }
        #expect(roots == ["p", "ac:link", "p"])
        let page = tree.nodes.firstIndex { $0.name == "ri:page" }
        #expect(page.map { tree.attribute("ri:content-title", of: $0) } == "Home")
        #expect(tree.diagnostics.isEmpty)
    }

    @Test("HTML named entities, numeric references and legacy names decode")
    func entities() {
        let tree = StorageParser.parse(
            "<p>caf&eacute;&nbsp;&rsquo;&ndash;&hellip;&#169;&#x1F600;&amp;&lt;&CounterClockwiseContourIntegral;&copy 1</p>"
        )
        #expect(tree.textContent(of: 0) == "café\u{A0}\u{2019}\u{2013}…©😀&<∳© 1")
    }

    @Test("CDATA is kept verbatim")
    func cdata() {
        let tree = StorageParser.parse("<ac:plain-text-body><![CDATA[a < b && <tag>]]></ac:plain-text-body>")
        #expect(tree.textContent(of: 0) == "a < b && <tag>")
        #expect(tree.nodes.contains { $0.kind == .cdata })
    }

    @Test("Confluence 4.x ac:macro with ac:default-parameter parses as elements")
    func legacyMacro() {
        let tree = StorageParser.parse(
            #"<ac:macro ac:name="code"><ac:default-parameter>java</ac:default-parameter></ac:macro>"#)
        #expect(elementNames(tree) == ["#fragment", "ac:macro", "ac:default-parameter"])
    }

    @Test("unclosed, misnested and stray tags are repaired with diagnostics")
    func recovery() {
        let tree = StorageParser.parse("<p>a <b>b <i>c</b> d</i></p><ul><li>1<li>2</ul></div><p>x < y & z")
        let codes = Set(tree.diagnostics.map(\.code))
        #expect(codes.contains(.misnestedEndTag))
        #expect(codes.contains(.strayEndTag))
        #expect(codes.contains(.impliedEndTag))
        #expect(codes.contains(.strayLessThan))
        #expect(codes.contains(.strayAmpersand))
        #expect(codes.contains(.unclosedElement))
        // The two list items are siblings, as a browser builds them.
        let list = tree.nodes.firstIndex { $0.name == "ul" } ?? 0
        #expect(Array(tree.children(of: list)).map { tree[$0].name } == ["li", "li"])
        #expect(tree.textContent(of: 0) == "a b c d12x < y & z")
    }

    @Test("truncated comments, CDATA and tags end the body without a crash")
    func truncated() {
        for input in ["<p>a<!-- never", "<p>a<![CDATA[never", "<p>a<strong class=\"x", "<", "&", "&#", "&#x;", "</"] {
            let tree = StorageParser.parse(input)
            #expect(tree.nodes.count >= 1, "input \(input)")
        }
        #expect(StorageParser.parse("<p>a<![CDATA[b").textContent(of: 0) == "ab")
    }

    @Test("nesting deeper than the limit is flattened and reported")
    func depthLimit() {
        let deep = String(repeating: "<div>", count: 5000) + "text"
        let tree = StorageParser.parse(deep)
        #expect(tree.diagnostics.contains { $0.code == .tooDeep })
        #expect(tree.textContent(of: 0) == "text")
    }

    @Test("invalid UTF-8 is replaced and reported")
    func invalidUTF8() {
        let tree = StorageParser.parse([0x3C, 0x70, 0x3E, 0xFF, 0xFE, 0x61, 0x3C, 0x2F, 0x70, 0x3E])
        #expect(tree.diagnostics.contains { $0.code == .invalidUTF8 })
        #expect(tree.textContent(of: 0).hasSuffix("a"))
    }

    @Test("each element knows its original source, for legacy-content wrappers")
    func sourceRanges() {
        let storage = #"<p>x</p><table><tr><td>y</td></tr></table>"#
        let tree = StorageParser.parse(storage)
        let table = tree.nodes.firstIndex { $0.name == "table" } ?? 0
        #expect(tree.sourceText(of: table) == "<table><tr><td>y</td></tr></table>")
        #expect(tree.path(of: tree.nodes.firstIndex { $0.name == "td" } ?? 0) == "/table[1]/tr[1]/td[1]")
    }
}
