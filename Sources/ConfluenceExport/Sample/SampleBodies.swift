/// Storage-format bodies for generated pages: every construct the converter must
/// handle, mixed differently per page, with the macro uses counted as they are written.
import Foundation

struct SampleBodies {
    static let words = [
        "migration", "cluster", "release", "budget", "roadmap", "incident", "customer", "runbook", "deploy",
        "review", "latency", "backlog", "sprint", "design", "security", "audit", "invoice", "onboarding",
        "quarter", "metrics", "pipeline", "service", "database", "network", "policy", "vendor", "training",
        "summary", "decision", "risk", "schedule", "capacity", "support", "archive", "handbook", "overview",
        "Zürich", "naïve", "façade", "日本語", "données", "résumé",
    ]

    static let emoticons = ["smile", "sad", "thumbs-up", "warning", "tick", "cross", "information", "star_yellow"]
    static let codeLanguages = ["java", "swift", "python", "sql", "bash", "xml", "js"]

    /// Everything a page body links to, computed by the generator.
    struct Context {
        var pageTitle: String
        var spaceKey: String
        var linkTitles: [String]
        var attachmentNames: [String]
        var userKeys: [String]
        var inlineMarker: String?
        var sections: Int
    }

    /// Builds a body; `macros` receives each macro name once per occurrence.
    static func page(_ c: Context, random: inout SampleRandom, macros: inout [String: Int]) -> String {
        var out = ""
        out.reserveCapacity(c.sections * 700)
        func macro(_ name: String) { macros[name, default: 0] += 1 }
        func sentence() -> String {
            var s = ""
            for index in 0..<(6 + random.below(10)) {
                if index > 0 { s += " " }
                s += random.pick(words)
            }
            return s.prefix(1).uppercased() + s.dropFirst() + "."
        }
        if random.chance(3) {
            out += "<ac:structured-macro ac:name=\"toc\" ac:schema-version=\"1\"/>"
            macro("toc")
        }
        if let marker = c.inlineMarker {
            out +=
                "<p>Reviewed: <ac:inline-comment-marker ac:ref=\"\(marker)\">\(sentence())</ac:inline-comment-marker></p>"
        }
        for section in 0..<c.sections {
            out += "<h\(1 + section % 3)>\(random.pick(words).capitalized) \(section + 1)</h\(1 + section % 3)>"
            switch random.below(14) {
            case 0:
                out += "<ul><li><p>\(sentence())</p><ul><li><p>\(sentence())</p></li></ul></li><li><p>"
                out += "<strong>\(random.pick(words))</strong> and <em>\(random.pick(words))</em></p></li></ul>"
                out += "<ol><li><p>\(sentence())</p></li><li><p>\(sentence())</p></li></ol>"
            case 1:
                out += "<table><colgroup><col/><col/><col/></colgroup><tbody>"
                out += "<tr><th><p>Item</p></th><th colspan=\"2\"><p>Details</p></th></tr>"
                for row in 0..<(2 + random.below(4)) {
                    out += "<tr><td><p>\(row + 1)</p></td><td><p>\(random.pick(words))</p></td>"
                    out += "<td rowspan=\"1\"><p>\(sentence())</p></td></tr>"
                }
                out += "</tbody></table>"
            case 2:
                let language = random.pick(codeLanguages)
                out += "<ac:structured-macro ac:name=\"code\" ac:schema-version=\"1\">"
                out += "<ac:parameter ac:name=\"language\">\(language)</ac:parameter>"
                out +=
                    "<ac:plain-text-body><![CDATA[let items = matrix[row[0]] + 1\nif a < b && c > d { print(\"done\") }]]>"
                out += "</ac:plain-text-body></ac:structured-macro>"
                macro("code")
            case 3:
                let name = random.pick(["info", "note", "warning", "tip"])
                out += "<ac:structured-macro ac:name=\"\(name)\" ac:schema-version=\"1\"><ac:rich-text-body>"
                out += "<p>\(sentence())</p></ac:rich-text-body></ac:structured-macro>"
                macro(name)
            case 4:
                out += "<ac:structured-macro ac:name=\"panel\" ac:schema-version=\"1\">"
                out += "<ac:parameter ac:name=\"title\">\(random.pick(words))</ac:parameter><ac:rich-text-body>"
                out += "<p>\(sentence())</p></ac:rich-text-body></ac:structured-macro>"
                macro("panel")
            case 5:
                // A bodied macro nested in a bodied macro.
                out += "<ac:structured-macro ac:name=\"expand\" ac:schema-version=\"1\">"
                out += "<ac:parameter ac:name=\"title\">Details</ac:parameter><ac:rich-text-body><p>\(sentence())</p>"
                out += "<ac:structured-macro ac:name=\"info\" ac:schema-version=\"1\"><ac:rich-text-body>"
                out += "<p>\(sentence())</p></ac:rich-text-body></ac:structured-macro>"
                out += "</ac:rich-text-body></ac:structured-macro>"
                macro("expand")
                macro("info")
            case 6:
                let colour = random.pick(["Green", "Yellow", "Red", "Blue", "Grey"])
                out += "<p>Status: <ac:structured-macro ac:name=\"status\" ac:schema-version=\"1\">"
                out += "<ac:parameter ac:name=\"colour\">\(colour)</ac:parameter>"
                out += "<ac:parameter ac:name=\"title\">\(random.pick(words).uppercased())</ac:parameter>"
                out += "</ac:structured-macro> <ac:structured-macro ac:name=\"jira\" ac:schema-version=\"1\">"
                out += "<ac:parameter ac:name=\"server\">JIRA</ac:parameter>"
                out +=
                    "<ac:parameter ac:name=\"key\">PRJ-\(1 + random.below(9000))</ac:parameter></ac:structured-macro></p>"
                macro("status")
                macro("jira")
            case 7:
                out += "<ac:task-list><ac:task><ac:task-id>\(1 + random.below(1000))</ac:task-id>"
                out += "<ac:task-status>incomplete</ac:task-status><ac:task-body>\(sentence())</ac:task-body></ac:task>"
                out += "<ac:task><ac:task-id>\(1 + random.below(1000))</ac:task-id>"
                out += "<ac:task-status>complete</ac:task-status><ac:task-body>\(sentence())</ac:task-body></ac:task>"
                out += "</ac:task-list>"
            case 8:
                out += "<ac:layout><ac:layout-section ac:type=\"two_equal\"><ac:layout-cell><p>\(sentence())</p>"
                out += "</ac:layout-cell><ac:layout-cell><p>\(sentence())</p></ac:layout-cell></ac:layout-section>"
                out += "</ac:layout>"
            case 9:
                if let name = c.attachmentNames.first, !c.attachmentNames.isEmpty {
                    let image = c.attachmentNames[random.below(c.attachmentNames.count)]
                    out += "<p><ac:image ac:width=\"400\"><ri:attachment ri:filename=\"\(xml(image))\"/></ac:image></p>"
                    out += "<p>See <ac:link><ri:attachment ri:filename=\"\(xml(name))\"/></ac:link>.</p>"
                } else {
                    out += "<p>\(sentence())</p>"
                }
            case 10:
                if let title = c.linkTitles.first {
                    out += "<p>Related: <ac:link><ri:page ri:content-title=\"\(xml(title))\"/>"
                    out += "<ac:plain-text-link-body><![CDATA[\(title)]]></ac:plain-text-link-body></ac:link></p>"
                } else {
                    out += "<p>\(sentence())</p>"
                }
            case 11:
                if let user = c.userKeys.first {
                    out += "<p>Owner: <ac:link><ri:user ri:userkey=\"\(user)\"/></ac:link> "
                    out += "<ac:emoticon ac:name=\"\(random.pick(emoticons))\"/></p>"
                }
                out +=
                    "<p>Due <time datetime=\"2026-\(String(format: "%02d", 1 + random.below(12)))-1\(random.below(10))\"/>"
                out += " <a href=\"https://example.com/\(random.pick(words))\">external</a></p>"
            case 12:
                out += "<p>\(sentence()) <code>\(random.pick(words))</code> \(sentence())<br/>\(sentence())</p>"
                out += "<blockquote><p>\(sentence())</p></blockquote><hr/>"
            default:
                out += "<p>\(sentence()) \(sentence())</p><p>\(sentence())</p>"
            }
        }
        return out
    }

    static func xml(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(character)
            }
        }
        return out
    }
}
