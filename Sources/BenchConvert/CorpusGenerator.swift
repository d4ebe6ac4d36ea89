/// Generates realistic Confluence storage bodies, deterministically from a seed:
/// the mix of paragraphs, marks, lists, tables, macros, links, images, tasks and
/// layouts seen in real Server/DC exports.
struct CorpusGenerator {
    private var state: UInt64
    private var pageNumber = 0

    init(seed: UInt64) {
        state = seed
    }

    private mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    private mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(max(bound, 1))) }
    private mutating func chance(_ percent: Int) -> Bool { below(100) < percent }
    private mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }

    static let words = """
        the migration plan covers every space and page we need to move before the cutover weekend while \
        keeping attachments comments labels and permissions intact release notes describe changes to the \
        deployment pipeline service owners should review their runbooks update the escalation contacts and \
        confirm that monitoring dashboards still work after the upgrade database backup restore procedure \
        network firewall rule customer onboarding checklist quarterly roadmap security review architecture \
        decision record meeting notes action items retrospective incident postmortem on-call rotation
        """.split(separator: " ").map(String.init)

    private mutating func sentence(_ count: Int) -> String {
        (0..<count).map { _ in pick(Self.words) }.joined(separator: " ")
    }

    /// Page titles links point at (the benchmark's context resolves them all).
    static let titles: [String] = (0..<64).map { index in
        "Page \(index) " + words[index % words.count] + " " + words[(index * 7) % words.count]
    }

    private mutating func title() -> String {
        let text = sentence(2 + below(4))
        return text.prefix(1).uppercased() + text.dropFirst()
    }

    private mutating func inline() -> String {
        var parts: [String] = []
        for _ in 0..<(4 + below(10)) {
            let text = sentence(2 + below(8))
            switch below(20) {
            case 0: parts.append("<strong>\(text)</strong>")
            case 1: parts.append("<em>\(text)</em>")
            case 2: parts.append("<code>\(pick(Self.words))</code>")
            case 3:
                parts.append(
                    "<a href=\"https://example.com/\(pick(Self.words))?id=\(below(9999))&amp;x=1\">\(text)</a>")
            case 4:
                parts.append(
                    "<ac:link><ri:page ri:content-title=\"\(pick(Self.titles))\" ri:space-key=\"ENG\" /><ac:plain-text-link-body><![CDATA[\(text)]]></ac:plain-text-link-body></ac:link>"
                )
            case 5: parts.append("<ac:link><ri:user ri:userkey=\"8a7f808a\" /></ac:link>")
            case 6:
                parts.append("<span style=\"color: rgb(\(below(256)),\(below(256)),\(below(256)));\">\(text)</span>")
            case 7: parts.append("\(text)&nbsp;&ndash; it&rsquo;s")
            case 8:
                parts.append(
                    "<ac:structured-macro ac:name=\"status\" ac:schema-version=\"1\"><ac:parameter ac:name=\"colour\">\(pick(["Green", "Red", "Yellow", "Blue"]))</ac:parameter><ac:parameter ac:name=\"title\">\(pick(["Done", "In progress", "Blocked"]))</ac:parameter></ac:structured-macro>"
                )
            case 9: parts.append("<ac:emoticon ac:name=\"\(pick(["smile", "tick", "warning", "information"]))\" />")
            case 10: parts.append("<time datetime=\"2025-0\(1 + below(9))-1\(below(9))\" />")
            default: parts.append(text)
            }
        }
        return parts.joined(separator: " ")
    }

    private mutating func paragraph() -> String { "<p>\(inline())</p>" }

    private mutating func list(depth: Int = 0) -> String {
        let tag = chance(60) ? "ul" : "ol"
        var items = ""
        for _ in 0..<(2 + below(6)) {
            var item = inline()
            if depth < 2, chance(15) { item += list(depth: depth + 1) }
            items += "<li>\(item)</li>"
        }
        return "<\(tag)>\(items)</\(tag)>"
    }

    private mutating func table() -> String {
        let columns = 2 + below(5)
        var html = "<table class=\"wrapped\"><colgroup>"
        for _ in 0..<columns { html += "<col style=\"width: \(80 + below(200)).0px;\" />" }
        html += "</colgroup><tbody><tr>"
        for _ in 0..<columns { html += "<th>\(title())</th>" }
        html += "</tr>"
        for _ in 0..<(2 + below(12)) {
            html += "<tr>"
            for _ in 0..<columns {
                let colour = chance(10) ? " class=\"highlight-green\" data-highlight-colour=\"green\"" : ""
                html +=
                    chance(20) ? "<td\(colour)><p>\(inline())</p></td>" : "<td\(colour)>\(sentence(1 + below(6)))</td>"
            }
            html += "</tr>"
        }
        return html + "</tbody></table>"
    }

    private mutating func code() -> String {
        let lines = (0..<(5 + below(30))).map { _ in "    \(pick(Self.words))(\"\(sentence(3))\") < 10 && x > 2;" }
        return
            "<ac:structured-macro ac:name=\"code\" ac:schema-version=\"1\" ac:macro-id=\"\(below(1 << 30))\"><ac:parameter ac:name=\"language\">\(pick(["java", "js", "py", "bash", "sql", "xml"]))</ac:parameter><ac:plain-text-body><![CDATA[\(lines.joined(separator: "\n"))]]></ac:plain-text-body></ac:structured-macro>"
    }

    private mutating func panel() -> String {
        "<ac:structured-macro ac:name=\"\(pick(["info", "note", "tip", "warning"]))\" ac:schema-version=\"1\"><ac:parameter ac:name=\"title\">\(title())</ac:parameter><ac:rich-text-body>\(paragraph())\(chance(30) ? list() : "")</ac:rich-text-body></ac:structured-macro>"
    }

    private mutating func expand() -> String {
        "<ac:structured-macro ac:name=\"expand\"><ac:parameter ac:name=\"title\">\(title())</ac:parameter><ac:rich-text-body>\(paragraph())\(paragraph())</ac:rich-text-body></ac:structured-macro>"
    }

    private mutating func image() -> String {
        if chance(50) {
            return
                "<p><ac:image ac:width=\"\(200 + below(500))\"><ri:attachment ri:filename=\"diagram.png\" /></ac:image></p>"
        }
        return "<p><ac:image><ri:url ri:value=\"https://example.com/img/\(below(999)).png\" /></ac:image></p>"
    }

    private mutating func tasks() -> String {
        var html = "<ac:task-list>"
        for _ in 0..<(1 + below(5)) {
            html +=
                "<ac:task><ac:task-id>\(below(100_000))</ac:task-id><ac:task-status>\(chance(50) ? "complete" : "incomplete")</ac:task-status><ac:task-body>\(inline())</ac:task-body></ac:task>"
        }
        return html + "</ac:task-list>"
    }

    private mutating func block() -> String {
        switch below(24) {
        case 0, 1:
            let level = 1 + below(3)
            return "<h\(level)>\(title())</h\(level)>"
        case 2, 3, 4: return list()
        case 5, 6: return table()
        case 7, 8: return code()
        case 9: return panel()
        case 10: return expand()
        case 11: return image()
        case 12: return tasks()
        case 13:
            return
                "<ac:structured-macro ac:name=\"toc\" ac:schema-version=\"1\"><ac:parameter ac:name=\"maxLevel\">3</ac:parameter></ac:structured-macro>"
        case 14:
            return
                "<p>See <ac:structured-macro ac:name=\"jira\" ac:schema-version=\"1\"><ac:parameter ac:name=\"server\">JIRA</ac:parameter><ac:parameter ac:name=\"key\">OPS-\(below(9999))</ac:parameter></ac:structured-macro> for details.</p>"
        case 15: return "<blockquote><p>\(inline())</p></blockquote>"
        case 16: return "<hr />"
        default: return paragraph()
        }
    }

    /// One page body of roughly `targetBytes`.
    mutating func page(targetBytes: Int) -> String {
        pageNumber += 1
        var body = ""
        if chance(25) {
            body +=
                "<ac:layout><ac:layout-section ac:type=\"two_equal\"><ac:layout-cell>\(paragraph())\(list())</ac:layout-cell><ac:layout-cell>\(paragraph())</ac:layout-cell></ac:layout-section></ac:layout>"
        }
        while body.utf8.count < targetBytes { body += block() }
        return body
    }

    /// Pages until `totalBytes`, sizes spread between 1 KB and 40 KB.
    mutating func corpus(totalBytes: Int) -> [String] {
        var pages: [String] = []
        var total = 0
        while total < totalBytes {
            let page = self.page(targetBytes: 1000 + below(3) * below(14_000))
            total += page.utf8.count
            pages.append(page)
        }
        return pages
    }
}
