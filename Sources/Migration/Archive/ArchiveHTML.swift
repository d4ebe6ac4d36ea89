import StorageFormat

/// Renders an ADF document (the converter's output) as plain, readable HTML for a person
/// opening an archived draft: text, headings, lists, tables, code and panels; macros and
/// media as labelled placeholders. Every value is escaped and only http(s)/mailto links
/// are kept, so a draft's content cannot run anything in the browser.
enum ArchiveHTML {
    static func page(title: String, facts: [(String, String)], document: ADFDocument?, storage: String) -> String {
        var html = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>\(escape(title))</title>
            <style>body{font-family:system-ui,sans-serif;max-width:50em;margin:2em auto;line-height:1.5}\
            table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3em}\
            .macro,.panel{border:1px dashed #888;padding:.4em;margin:.4em 0}pre{background:#f4f4f4;padding:.5em}\
            dl{display:grid;grid-template-columns:max-content auto;gap:.2em 1em}</style></head><body>
            <h1>\(escape(title))</h1><dl>
            """
        for (name, value) in facts { html += "<dt>\(escape(name))</dt><dd>\(escape(value))</dd>" }
        html += "</dl><hr>\n"
        if let document {
            for node in document.content { html += render(node) }
        } else {
            html += "<p>This body is not in storage format; its source text follows.</p><pre>\(escape(storage))</pre>"
        }
        return html + "\n</body></html>\n"
    }

    static func render(_ node: ADFNode) -> String {
        let inner = (node.content ?? []).map(render).joined()
        switch node.type {
        case "text": return marked(escape(node.text ?? ""), node.marks ?? [])
        case "paragraph": return "<p>\(inner)</p>\n"
        case "heading":
            let level = min(max(Int(node.attrs?["level"]?.numberValue ?? 2), 1), 6)
            return "<h\(level)>\(inner)</h\(level)>\n"
        case "bulletList": return "<ul>\(inner)</ul>\n"
        case "orderedList": return "<ol>\(inner)</ol>\n"
        case "listItem": return "<li>\(inner)</li>"
        case "taskList", "decisionList": return "<ul>\(inner)</ul>\n"
        case "taskItem":
            return "<li>\(node.attrs?["state"]?.stringValue == "DONE" ? "&#9745;" : "&#9744;") \(inner)</li>"
        case "decisionItem": return "<li>&#10003; \(inner)</li>"
        case "blockquote": return "<blockquote>\(inner)</blockquote>\n"
        case "codeBlock": return "<pre><code>\(inner)</code></pre>\n"
        case "rule": return "<hr>\n"
        case "hardBreak": return "<br>"
        case "table": return "<table>\(inner)</table>\n"
        case "tableRow": return "<tr>\(inner)</tr>"
        case "tableHeader": return "<th>\(inner)</th>"
        case "tableCell": return "<td>\(inner)</td>"
        case "panel":
            return
                "<div class=\"panel\"><strong>\(escape(node.attrs?["panelType"]?.stringValue ?? "panel"))</strong> \(inner)</div>\n"
        case "expand", "nestedExpand":
            return
                "<details open><summary>\(escape(node.attrs?["title"]?.stringValue ?? ""))</summary>\(inner)</details>\n"
        case "layoutSection", "layoutColumn": return "<div>\(inner)</div>\n"
        case "mention":
            return "@" + escape(node.attrs?["text"]?.stringValue ?? node.attrs?["id"]?.stringValue ?? "user")
        case "emoji": return escape(node.attrs?["text"]?.stringValue ?? node.attrs?["shortName"]?.stringValue ?? "")
        case "status": return "[" + escape(node.attrs?["text"]?.stringValue ?? "") + "]"
        case "date": return escape(node.attrs?["timestamp"]?.stringValue ?? "")
        case "inlineCard", "blockCard", "embedCard":
            let url = node.attrs?["url"]?.stringValue ?? ""
            return link(url, text: escape(url))
        case "mediaSingle", "mediaGroup", "mediaInline": return "<div class=\"macro\">[attached file] \(inner)</div>\n"
        case "media":
            return escape(node.attrs?["alt"]?.stringValue ?? node.attrs?["id"]?.stringValue ?? "file")
        case "extension", "bodiedExtension", "inlineExtension", "multiBodiedExtension":
            let key = node.attrs?["extensionKey"]?.stringValue ?? "macro"
            return "<div class=\"macro\">[macro: \(escape(key))] \(inner)</div>\n"
        default: return inner
        }
    }

    static func marked(_ text: String, _ marks: [ADFMark]) -> String {
        var out = text
        for mark in marks {
            switch mark.type {
            case "strong": out = "<strong>\(out)</strong>"
            case "em": out = "<em>\(out)</em>"
            case "code": out = "<code>\(out)</code>"
            case "strike": out = "<s>\(out)</s>"
            case "underline": out = "<u>\(out)</u>"
            case "subsup": out = mark.attrs?["type"]?.stringValue == "sup" ? "<sup>\(out)</sup>" : "<sub>\(out)</sub>"
            case "link": out = link(mark.attrs?["href"]?.stringValue ?? "", text: out)
            default: break
            }
        }
        return out
    }

    static func link(_ href: String, text: String) -> String {
        let lowered = href.lowercased()
        guard lowered.hasPrefix("https://") || lowered.hasPrefix("http://") || lowered.hasPrefix("mailto:") else {
            return text
        }
        return "<a href=\"\(escape(href))\" rel=\"noopener noreferrer\">\(text)</a>"
    }

    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }
}
