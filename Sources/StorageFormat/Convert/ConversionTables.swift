/// Fixed mappings between Confluence Server/DC names and ADF values.
enum ConversionTables {
    /// Confluence code macro language → ADF codeBlock language.
    static let codeLanguages: [String: String] = [
        "js": "javascript", "javascript": "javascript", "py": "python", "python": "python", "bash": "shell",
        "sh": "shell", "shell": "shell", "c#": "csharp", "csharp": "csharp", "cs": "csharp", "vb": "visualbasic",
        "text": "plaintext", "none": "plaintext", "plain": "plaintext", "erl": "erlang", "erlang": "erlang",
        "actionscript3": "actionscript", "as3": "actionscript", "cpp": "cpp", "c++": "cpp", "c": "c", "java": "java",
        "xml": "xml", "html": "xml", "html/xml": "xml", "sql": "sql", "css": "css", "ruby": "ruby", "rb": "ruby",
        "php": "php", "perl": "perl", "pl": "perl", "groovy": "groovy", "scala": "scala", "powershell": "powershell",
        "ps": "powershell", "go": "go", "golang": "go", "yaml": "yaml", "yml": "yaml", "json": "json",
        "kotlin": "kotlin",
        "swift": "swift", "typescript": "typescript", "ts": "typescript", "diff": "diff", "patch": "diff",
        "delphi": "delphi", "pascal": "delphi", "coldfusion": "coldfusion", "cf": "coldfusion", "javafx": "javafx",
        "jfx": "javafx", "applescript": "applescript", "r": "r", "lua": "lua", "haskell": "haskell",
        "objective-c": "objective-c", "objc": "objective-c", "matlab": "matlab", "rust": "rust",
        "dockerfile": "dockerfile",
        "markdown": "markdown", "md": "markdown", "graphql": "graphql", "clojure": "clojure", "dart": "dart",
        "fsharp": "fsharp", "f#": "fsharp", "julia": "julia", "ocaml": "ocaml", "prolog": "prolog",
        "puppet": "puppet", "sass": "sass", "scheme": "scheme", "smalltalk": "smalltalk", "tcl": "tcl", "vhdl": "vhdl",
        "verilog": "verilog", "visualbasic": "visualbasic", "vbnet": "vbnet", "abap": "abap", "cobol": "cobol",
        "fortran": "fortran", "elixir": "elixir", "nginx": "nginx", "protobuf": "protobuf", "toml": "toml",
        "latex": "latex", "tex": "latex", "makefile": "makefile", "cmake": "cmake", "gradle": "groovy",
    ]

    /// Server/DC panel macros → ADF panelType (note is yellow, warning is red).
    static let panelTypes: [String: String] = ["info": "info", "note": "warning", "tip": "success", "warning": "error"]

    /// Status macro colour → ADF status colour.
    static let statusColours: [String: String] = [
        "grey": "neutral", "gray": "neutral", "red": "red", "yellow": "yellow", "green": "green", "blue": "blue",
        "purple": "purple",
    ]

    /// Table cell `data-highlight-colour` names → ADF background.
    static let highlightColours: [String: String] = [
        "grey": "#f4f5f7", "gray": "#f4f5f7", "red": "#ffebe6", "yellow": "#fffae6", "green": "#e3fcef",
        "blue": "#deebff", "purple": "#eae6ff", "teal": "#e6fcff",
    ]

    /// Layout section types → column widths in percent.
    static let layoutWidths: [String: [Double]] = [
        "single": [100], "two_equal": [50, 50], "two_left_sidebar": [33.33, 66.67],
        "two_right_sidebar": [66.67, 33.33],
        "three_equal": [33.33, 33.33, 33.34], "three_with_sidebars": [25, 50, 25],
        "three_left_sidebars": [25, 25, 50], "three_right_sidebars": [50, 25, 25],
        "four_equal": [25, 25, 25, 25], "five_equal": [20, 20, 20, 20, 20],
    ]

    /// Legacy `ac:emoticon` names → (emoji id, short name, text).
    static let emoticons: [String: (id: String, shortName: String, text: String)] = [
        "smile": ("1f642", ":slight_smile:", "\u{1F642}"), "sad": ("1f641", ":slight_frown:", "\u{1F641}"),
        "cheeky": ("1f61b", ":stuck_out_tongue:", "\u{1F61B}"), "laugh": ("1f600", ":grinning:", "\u{1F600}"),
        "wink": ("1f609", ":wink:", "\u{1F609}"), "information": ("2139", ":information_source:", "\u{2139}\u{FE0F}"),
        "tick": ("2705", ":white_check_mark:", "\u{2705}"), "cross": ("274c", ":x:", "\u{274C}"),
        "warning": ("26a0", ":warning:", "\u{26A0}\u{FE0F}"), "plus": ("2795", ":heavy_plus_sign:", "\u{2795}"),
        "minus": ("2796", ":heavy_minus_sign:", "\u{2796}"), "question": ("2753", ":question:", "\u{2753}"),
        "thumbs-up": ("1f44d", ":thumbsup:", "\u{1F44D}"), "thumbs-down": ("1f44e", ":thumbsdown:", "\u{1F44E}"),
        "light-on": ("1f4a1", ":bulb:", "\u{1F4A1}"), "light-off": ("1f6ab", ":no_entry_sign:", "\u{1F6AB}"),
        "yellow-star": ("2b50", ":star:", "\u{2B50}"), "red-star": ("2764", ":heart:", "\u{2764}\u{FE0F}"),
        "green-star": ("1f49a", ":green_heart:", "\u{1F49A}"), "blue-star": ("1f499", ":blue_heart:", "\u{1F499}"),
        "heart": ("2764", ":heart:", "\u{2764}\u{FE0F}"), "broken-heart": ("1f494", ":broken_heart:", "\u{1F494}"),
    ]

    /// Display names Cloud shows for built-in macros (`macroMetadata.title`).
    static let macroTitles: [String: String] = [
        "toc": "Table of Contents", "children": "Children Display", "excerpt": "Excerpt",
        "excerpt-include": "Excerpt Include", "include": "Include Page", "pagetree": "Page Tree",
        "details": "Page Properties", "detailssummary": "Page Properties Report", "jira": "Jira",
        "anchor": "Anchor", "attachments": "Attachments", "recently-updated": "Recently Updated",
        "contentbylabel": "Content by Label", "view-file": "View File", "viewpdf": "PDF",
        "gallery": "Gallery", "section": "Section", "column": "Column", "widget": "Widget Connector",
        "livesearch": "Livesearch", "pagetreesearch": "Page Tree Search", "blog-posts": "Blog Posts",
        "children-display": "Children Display", "tasks-report-macro": "Task Report", "roadmap": "Roadmap Planner",
        "html": "HTML", "iframe": "Iframe", "profile": "User Profile", "userlister": "User List",
        "create-from-template": "Create from Template", "info": "Info", "note": "Note", "tip": "Tip",
        "warning": "Warning", "panel": "Panel", "code": "Code Block", "noformat": "Noformat", "expand": "Expand",
        "status": "Status", "multimedia": "Multimedia", "spaces": "Spaces List", "space-details": "Space Details",
        "favpages": "Favourite Pages", "popular-labels": "Popular Labels", "related-labels": "Related Labels",
        "listlabels": "Labels List", "global-reports": "Global Reports", "network": "Network",
        "contributors": "Contributors", "contributors-summary": "Contributors Summary", "chart": "Chart",
        "change-history": "Change History", "index": "Page Index", "loremipsum": "Lorem Ipsum",
        "team-calendar": "Team Calendar", "calendar": "Team Calendar", "jiraissues": "Jira Issues",
        "jirachart": "Jira Chart", "im": "Status Indicator", "rss": "RSS Feed", "span": "Span", "div": "Div",
        "page-index": "Page Index", "unmigrated-wiki-markup": "Unmigrated Wiki Markup", "tasklist": "Task List",
    ]

    /// CSS named colours → `#rrggbb` (the names storage bodies use in practice).
    static let cssColours: [String: String] = [
        "black": "#000000", "silver": "#c0c0c0", "gray": "#808080", "grey": "#808080", "white": "#ffffff",
        "maroon": "#800000", "red": "#ff0000", "purple": "#800080", "fuchsia": "#ff00ff", "magenta": "#ff00ff",
        "green": "#008000", "lime": "#00ff00", "olive": "#808000", "yellow": "#ffff00", "navy": "#000080",
        "blue": "#0000ff", "teal": "#008080", "aqua": "#00ffff", "cyan": "#00ffff", "orange": "#ffa500",
        "darkred": "#8b0000", "darkgreen": "#006400", "darkblue": "#00008b", "darkgray": "#a9a9a9",
        "darkgrey": "#a9a9a9", "lightgray": "#d3d3d3", "lightgrey": "#d3d3d3", "darkorange": "#ff8c00",
        "brown": "#a52a2a", "pink": "#ffc0cb", "gold": "#ffd700", "indigo": "#4b0082", "violet": "#ee82ee",
        "crimson": "#dc143c", "coral": "#ff7f50", "tomato": "#ff6347", "orangered": "#ff4500",
        "royalblue": "#4169e1", "steelblue": "#4682b4", "skyblue": "#87ceeb", "lightblue": "#add8e6",
        "dodgerblue": "#1e90ff", "forestgreen": "#228b22", "seagreen": "#2e8b57", "limegreen": "#32cd32",
        "darkviolet": "#9400d3", "slategray": "#708090", "slategrey": "#708090", "dimgray": "#696969",
        "dimgrey": "#696969", "firebrick": "#b22222", "chocolate": "#d2691e", "goldenrod": "#daa520",
        "khaki": "#f0e68c", "salmon": "#fa8072", "turquoise": "#40e0d0", "plum": "#dda0dd", "orchid": "#da70d6",
        "tan": "#d2b48c", "beige": "#f5f5dc", "ivory": "#fffff0", "lavender": "#e6e6fa", "mintcream": "#f5fffa",
        "midnightblue": "#191970", "darkslategray": "#2f4f4f", "darkslategrey": "#2f4f4f", "cornflowerblue": "#6495ed",
        "deepskyblue": "#00bfff", "mediumseagreen": "#3cb371", "olivedrab": "#6b8e23", "sienna": "#a0522d",
        "hotpink": "#ff69b4", "deeppink": "#ff1493", "lightgreen": "#90ee90", "lightyellow": "#ffffe0",
        "darkcyan": "#008b8b", "darkmagenta": "#8b008b", "darkolivegreen": "#556b2f", "mediumblue": "#0000cd",
    ]

    /// A CSS colour in any common form (`#rgb`, `#rrggbb`, `rgb(…)`, `rgba(…)`, a name) as
    /// lower-case `#rrggbb`; `nil` for `transparent`, `inherit`, `default` or unknown forms.
    static func hexColour(_ css: String) -> String? {
        let trimmed = css.trimmingSpaces()
        let value = trimmed.utf8.contains(where: { $0 >= 0x41 && $0 <= 0x5A }) ? trimmed.lowercased() : trimmed
        if value.hasPrefix("#") {
            let digits = Array(value.utf8.dropFirst())
            guard digits.allSatisfy(isHexDigit) else { return nil }
            switch digits.count {
            case 6: return value
            case 8: return "#" + String(decoding: digits.prefix(6), as: UTF8.self)
            case 3, 4:
                return "#" + String(decoding: digits.prefix(3).flatMap { [$0, $0] }, as: UTF8.self)
            default: return nil
            }
        }
        if value.hasPrefix("rgb") {
            if let fast = integerRGB(value) { return fast }
            guard let open = value.firstIndex(of: "("), let close = value.lastIndex(of: ")"), open < close else {
                return nil
            }
            let parts = value[value.index(after: open)..<close].split(whereSeparator: {
                $0 == "," || $0 == " " || $0 == "/"
            })
            guard parts.count >= 3 else { return nil }
            var hex = "#"
            for part in parts.prefix(3) {
                let number: Double
                if part.hasSuffix("%") {
                    guard let percent = Double(part.dropLast()) else { return nil }
                    number = percent * 2.55
                } else {
                    guard let plain = Double(part) else { return nil }
                    number = plain
                }
                let byte = Int(min(max(number.rounded(), 0), 255))
                hex += byte < 16 ? "0" + String(byte, radix: 16) : String(byte, radix: 16)
            }
            return hex
        }
        return cssColours[value]
    }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x61 && byte <= 0x66)
    }

    /// Parses `a: b; c: d` into lower-cased property names and trimmed values, on bytes.
    static func styleDeclarations(_ style: String) -> [(String, String)] {
        var result: [(String, String)] = []
        let bytes = Array(style.utf8)
        var start = 0
        while start < bytes.count {
            var end = start
            while end < bytes.count, bytes[end] != 0x3B { end += 1 }
            var colon = start
            while colon < end, bytes[colon] != 0x3A { colon += 1 }
            if colon < end {
                let name = trimmedString(bytes, start, colon, lowercase: true)
                let value = trimmedString(bytes, colon + 1, end, lowercase: false)
                if !name.isEmpty { result.append((name, value)) }
            }
            start = end + 1
        }
        return result
    }

    private static func trimmedString(_ bytes: [UInt8], _ start: Int, _ end: Int, lowercase: Bool) -> String {
        var low = start
        var high = end
        while low < high, bytes[low] == 0x20 || bytes[low] == 0x09 || bytes[low] == 0x0A || bytes[low] == 0x0D {
            low += 1
        }
        while high > low,
            bytes[high - 1] == 0x20 || bytes[high - 1] == 0x09 || bytes[high - 1] == 0x0A || bytes[high - 1] == 0x0D
        {
            high -= 1
        }
        if lowercase, bytes[low..<high].contains(where: { $0 >= 0x41 && $0 <= 0x5A }) {
            return String(decoding: bytes[low..<high].map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }, as: UTF8.self)
        }
        return String(decoding: bytes[low..<high], as: UTF8.self)
    }

    /// `rgb(r, g, b)` with integer components, read on bytes; `nil` for any other form.
    private static func integerRGB(_ value: String) -> String? {
        let bytes = Array(value.utf8)
        guard let open = bytes.firstIndex(of: 0x28) else { return nil }
        var components: [Int] = []
        var current = -1
        for byte in bytes[(open + 1)...] {
            if byte >= 0x30 && byte <= 0x39 {
                current = max(current, 0) * 10 + Int(byte - 0x30)
                if current > 100_000 { return nil }
            } else if byte == 0x2C || byte == 0x20 || byte == 0x29 {
                if current >= 0 {
                    components.append(current)
                    current = -1
                }
                if byte == 0x29 { break }
            } else {
                return nil
            }
        }
        guard components.count >= 3 else { return nil }
        let hex: [UInt8] = Array("0123456789abcdef".utf8)
        var out: [UInt8] = [0x23]
        for component in components.prefix(3) {
            let byte = min(component, 255)
            out.append(hex[byte >> 4])
            out.append(hex[byte & 0xF])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// A CSS length in pixels (`120px`, `120`, `12.5%` of `relativeTo`).
    static func pixels(_ css: String, relativeTo: Double = 760) -> Double? {
        let value = css.trimmingSpaces().lowercased()
        if value.hasSuffix("px") { return Double(value.dropLast(2).trimmingCharacters(in: " ")) }
        if value.hasSuffix("%") { return Double(value.dropLast()).map { ($0 * relativeTo / 100).rounded() } }
        return Double(value)
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date.
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// `YYYY-MM-DD` (optionally followed by a time) → epoch milliseconds of UTC midnight, as a string.
    static func timestamp(fromISODate text: String) -> String? {
        var digits: [Int] = [0, 0, 0]
        var counts: [Int] = [0, 0, 0]
        var part = 0
        for byte in text.utf8 {
            if byte >= 0x30 && byte <= 0x39 {
                guard counts[part] < 4 else { return nil }
                digits[part] = digits[part] * 10 + Int(byte - 0x30)
                counts[part] += 1
            } else if byte == 0x2D, part < 2, counts[part] > 0 {
                part += 1
            } else if part == 2, counts[2] > 0 {
                break
            } else if byte == 0x20 || byte == 0x09, part == 0, counts[0] == 0 {
                continue
            } else {
                return nil
            }
        }
        let (year, month, day) = (digits[0], digits[1], digits[2])
        guard part == 2, counts[0] == 4, counts[1] == 2, counts[2] == 2, (1...12).contains(month),
            (1...31).contains(day),
            (1...9999).contains(year)
        else { return nil }
        return String(daysFromCivil(year: year, month: month, day: day) * 86_400_000)
    }
}

extension String {
    /// The string without leading and trailing ASCII whitespace.
    func trimmingSpaces() -> String {
        let utf8 = self.utf8
        guard let first = utf8.first, let last = utf8.last else { return self }
        if !Self.isSpace(first), !Self.isSpace(last) { return self }
        var start = utf8.startIndex
        var end = utf8.endIndex
        while start < end, Self.isSpace(utf8[start]) { start = utf8.index(after: start) }
        while end > start, Self.isSpace(utf8[utf8.index(before: end)]) { end = utf8.index(before: end) }
        return String(self[start..<end])
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D || byte == 0x0C
    }

    func trimmingCharacters(in characters: String) -> String {
        let set = Set(characters.unicodeScalars)
        var scalars = Substring(self).unicodeScalars
        while let first = scalars.first, set.contains(first) { scalars.removeFirst() }
        while let last = scalars.last, set.contains(last) { scalars.removeLast() }
        return String(scalars)
    }
}

extension Substring {
    func trimmingCharacters(in characters: String) -> String { String(self).trimmingCharacters(in: characters) }
}
