/// A tolerant parser for Confluence storage format (XHTML with `ac:`/`ri:` elements).
///
/// It works on UTF-8 bytes in one pass and never fails: a fragment with several
/// roots, undeclared prefixes, HTML named entities, CDATA and the Confluence 4.x
/// `<ac:macro>` syntax are all ordinary input, and broken markup (unclosed or
/// misnested tags, stray `&` or `<`, truncated comments) is repaired the way a
/// browser would repair it, with a ``ParseDiagnostic`` for each repair.
///
/// Cost: linear in the input; one node per element or text run; text without `&`
/// is copied once. Nesting deeper than ``maximumDepth`` is flattened (reported)
/// so that later recursive passes have a bounded depth.
public enum StorageParser {
    /// Elements nested deeper than this are attached to the deepest open element.
    public static let maximumDepth = 96
    /// At most this many diagnostics are kept per document; the rest are counted.
    public static let maximumDiagnostics = 200

    public static func parse(_ text: String) -> StorageTree {
        parse(Array(text.utf8))
    }

    public static func parse(_ bytes: [UInt8]) -> StorageTree {
        var builder = TreeBuilder(source: bytes)
        bytes.withUnsafeBufferPointer { builder.run($0) }
        return builder.finish()
    }
}

/// HTML elements that never have content (`<br>`, `<img>` …), as names packed into integers
/// so the check costs a few integer compares per tag.
private let voidElementCodes: [UInt64] = [
    "br", "hr", "img", "col", "input", "meta", "link", "area", "base", "wbr", "source", "embed", "param", "track",
].map(packedName)

private func packedName(_ name: String) -> UInt64 {
    name.utf8.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
}

/// Start tags that can close an open element (`<li>` in an `<li>` …), packed the same way.
private let impliedEndCodes: [UInt64] = ["li", "td", "th", "tr", "tbody", "thead", "tfoot", "p"].map(packedName)

/// Element and attribute names that recur on every page, by byte length.
private let internedNames: [[(bytes: [UInt8], name: String)]] = {
    let names = [
        "ac:structured-macro", "ac:parameter", "ac:name", "ac:rich-text-body", "ac:plain-text-body", "ac:link",
        "ri:page", "ri:content-title", "ri:space-key", "ac:plain-text-link-body", "ac:link-body", "ri:user",
        "ri:userkey", "ri:attachment", "ri:filename", "ac:image", "ri:url", "ri:value", "ac:schema-version",
        "ac:macro-id", "ac:task-list", "ac:task", "ac:task-id", "ac:task-status", "ac:task-body", "ac:layout",
        "ac:layout-section", "ac:layout-cell", "ac:type", "ac:emoticon", "ac:inline-comment-marker", "ac:ref",
        "ac:default-parameter", "ac:macro", "ac:width", "ac:height", "ac:align", "ac:alt", "ac:caption",
        "ac:anchor", "data-highlight-colour", "colgroup", "blockquote", "datetime", "ac:placeholder",
        "ac:adf-extension", "ac:adf-node", "ac:adf-attribute", "ac:adf-content", "ac:adf-fallback",
        "ac:task-uuid", "ri:blog-post", "ri:space", "ri:account-id", "ri:username", "data-layout",
    ]
    var table = Array(repeating: [(bytes: [UInt8], name: String)](), count: 32)
    for name in names where name.utf8.count < 32 { table[name.utf8.count].append((Array(name.utf8), name)) }
    return table
}()

/// The most frequent named references in storage bodies, by their name packed into an integer.
private let commonEntities: [(UInt64, String)] = [
    ("nbsp", "\u{A0}"), ("amp", "&"), ("lt", "<"), ("gt", ">"), ("quot", "\""), ("rsquo", "\u{2019}"),
    ("lsquo", "\u{2018}"), ("ldquo", "\u{201C}"), ("rdquo", "\u{201D}"), ("ndash", "\u{2013}"),
    ("mdash", "\u{2014}"), ("hellip", "\u{2026}"), ("apos", "'"), ("copy", "\u{A9}"),
].map { name, value in (name.utf8.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }, value) }

/// For a start tag, the open elements it closes and the elements that stop the search.
private let impliedEndScopes: [String: (closes: Set<String>, stops: Set<String>)] = [
    "li": (["li"], ["ul", "ol", "table"]),
    "td": (["td", "th"], ["tr", "table"]), "th": (["td", "th"], ["tr", "table"]),
    "tr": (["tr"], ["table", "tbody", "thead", "tfoot"]),
    "tbody": (["tbody", "thead", "tfoot"], ["table"]), "thead": (["tbody", "thead", "tfoot"], ["table"]),
    "tfoot": (["tbody", "thead", "tfoot"], ["table"]),
    "p": (["p"], []),
]

private enum Byte {
    static let lessThan: UInt8 = 0x3C
    static let greaterThan: UInt8 = 0x3E
    static let ampersand: UInt8 = 0x26
    static let slash: UInt8 = 0x2F
    static let bang: UInt8 = 0x21
    static let question: UInt8 = 0x3F
    static let equals: UInt8 = 0x3D
    static let quote: UInt8 = 0x22
    static let apostrophe: UInt8 = 0x27
    static let semicolon: UInt8 = 0x3B
    static let hash: UInt8 = 0x23
    static let dash: UInt8 = 0x2D

    @inline(__always) static func isSpace(_ b: UInt8) -> Bool {
        b == 0x20 || b == 0x0A || b == 0x09 || b == 0x0D || b == 0x0C
    }
    @inline(__always) static func isLetter(_ b: UInt8) -> Bool { (b | 0x20) >= 0x61 && (b | 0x20) <= 0x7A }
    @inline(__always) static func isAlphanumeric(_ b: UInt8) -> Bool { isLetter(b) || (b >= 0x30 && b <= 0x39) }
}

private struct TreeBuilder {
    let source: [UInt8]
    var nodes: [StorageTree.Node] = []
    var attributes: [StorageTree.Attribute] = []
    var diagnostics: [ParseDiagnostic] = []
    var droppedDiagnostics = 0
    var stack: [Int] = [0]
    var nameBuffer: [UInt8] = []
    var lastNameCode: UInt64 = 0

    init(source: [UInt8]) {
        self.source = source
        nodes.reserveCapacity(source.count / 24 + 4)
        nodes.append(
            StorageTree.Node(
                kind: .element, name: "#fragment", attributeStart: 0, attributeCount: 0, text: "", parent: -1,
                sourceStart: 0,
                sourceEnd: source.count))
        if !Self.isValidUTF8(source) {
            report(.invalidUTF8, "the body is not valid UTF-8; invalid bytes were replaced by U+FFFD", at: 0)
        }
    }

    /// Well-formed UTF-8 (no overlong forms, surrogates or values above U+10FFFF), checked
    /// without building a string; ASCII runs cost one comparison per byte.
    static func isValidUTF8(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBufferPointer { buffer in
            var index = 0
            let count = buffer.count
            guard let base = buffer.baseAddress else { return true }
            let raw = UnsafeRawPointer(base)
            while index < count {
                // Eight ASCII bytes at a time.
                while index + 8 <= count,
                    raw.loadUnaligned(fromByteOffset: index, as: UInt64.self) & 0x8080_8080_8080_8080 == 0
                {
                    index += 8
                }
                guard index < count else { break }
                let lead = buffer[index]
                if lead < 0x80 {
                    index += 1
                    continue
                }
                let length: Int
                let minimum: UInt32
                var scalar: UInt32
                switch lead {
                case 0xC2...0xDF: (length, minimum, scalar) = (2, 0x80, UInt32(lead & 0x1F))
                case 0xE0...0xEF: (length, minimum, scalar) = (3, 0x800, UInt32(lead & 0x0F))
                case 0xF0...0xF4: (length, minimum, scalar) = (4, 0x10000, UInt32(lead & 0x07))
                default: return false
                }
                guard index + length <= count else { return false }
                for offset in 1..<length {
                    let byte = buffer[index + offset]
                    guard byte & 0xC0 == 0x80 else { return false }
                    scalar = scalar << 6 | UInt32(byte & 0x3F)
                }
                if scalar < minimum || scalar > 0x10FFFF || (0xD800...0xDFFF).contains(scalar) { return false }
                index += length
            }
            return true
        }
    }

    mutating func report(_ code: ParseDiagnostic.Code, _ message: String, at offset: Int) {
        if diagnostics.count < StorageParser.maximumDiagnostics {
            diagnostics.append(ParseDiagnostic(code: code, message: message, offset: offset))
        } else {
            droppedDiagnostics += 1
        }
    }

    mutating func finish() -> StorageTree {
        while stack.count > 1 {
            let open = stack.removeLast()
            report(
                .unclosedElement, "<\(nodes[open].name)> is never closed; closed at the end of the body",
                at: source.count)
            nodes[open].sourceEnd = source.count
        }
        if droppedDiagnostics > 0 {
            diagnostics.append(
                ParseDiagnostic(
                    code: diagnostics.last?.code ?? .unclosedElement,
                    message: "\(droppedDiagnostics) further parse recoveries were not listed", offset: source.count))
        }
        return StorageTree(nodes: nodes, attributes: attributes, source: source, diagnostics: diagnostics)
    }

    // MARK: tree

    mutating func append(_ node: StorageTree.Node) -> Int {
        let index = nodes.count
        let parent = Int(node.parent)
        nodes.append(node)
        let last = Int(nodes[parent].lastChild)
        if last >= 0 {
            nodes[last].nextSibling = Int32(index)
        } else {
            nodes[parent].firstChild = Int32(index)
        }
        nodes[parent].lastChild = Int32(index)
        return index
    }

    mutating func appendText(_ text: String, kind: StorageTree.Kind, start: Int, end: Int) {
        guard !text.isEmpty else { return }
        let parent = stack[stack.count - 1]
        let last = Int(nodes[parent].lastChild)
        if kind == .text, last >= 0, nodes[last].kind == .text {
            nodes[last].text += text
            nodes[last].sourceEnd = end
            return
        }
        _ = append(
            StorageTree.Node(
                kind: kind, name: "", attributeStart: 0, attributeCount: 0, text: text, parent: Int32(parent),
                sourceStart: start,
                sourceEnd: end))
    }

    // MARK: scanning

    mutating func run(_ bytes: UnsafeBufferPointer<UInt8>) {
        let count = bytes.count
        var position = 0
        while position < count {
            if bytes[position] == Byte.lessThan {
                position = markup(bytes, at: position)
            } else {
                var end = position + 1
                var hasEntity = bytes[position] == Byte.ampersand
                while end < count, bytes[end] != Byte.lessThan {
                    if bytes[end] == Byte.ampersand { hasEntity = true }
                    end += 1
                }
                let text =
                    hasEntity
                    ? decode(bytes, from: position, to: end)
                    : String(decoding: UnsafeBufferPointer(rebasing: bytes[position..<end]), as: UTF8.self)
                appendText(text, kind: .text, start: position, end: end)
                position = end
            }
        }
    }

    func find(_ needle: [UInt8], in bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        guard let first = needle.first, bytes.count >= needle.count else { return nil }
        var index = start
        let limit = bytes.count - needle.count
        while index <= limit {
            if bytes[index] == first {
                var matched = true
                for offset in 1..<needle.count where bytes[index + offset] != needle[offset] {
                    matched = false
                    break
                }
                if matched { return index }
            }
            index += 1
        }
        return nil
    }

    func hasPrefix(_ prefix: String, in bytes: UnsafeBufferPointer<UInt8>, at position: Int) -> Bool {
        var index = position
        for byte in prefix.utf8 {
            guard index < bytes.count, bytes[index] | 0x20 == byte | 0x20 else { return false }
            index += 1
        }
        return true
    }

    /// Handles the markup starting with `<` at `start`; returns the position after it.
    mutating func markup(_ bytes: UnsafeBufferPointer<UInt8>, at start: Int) -> Int {
        let count = bytes.count
        let next = start + 1 < count ? bytes[start + 1] : 0
        if next == Byte.bang {
            if hasPrefix("<!--", in: bytes, at: start) {
                if let close = find(Array("-->".utf8), in: bytes, from: start + 4) { return close + 3 }
                report(
                    .unterminatedComment, "a comment is never closed (`-->` missing); the rest of the body was ignored",
                    at: start)
                return count
            }
            if hasPrefix("<![CDATA[", in: bytes, at: start) {
                let bodyStart = start + 9
                let close = find(Array("]]>".utf8), in: bytes, from: bodyStart)
                if close == nil {
                    report(
                        .unterminatedCDATA, "a CDATA section is never closed (`]]>` missing); it runs to the end",
                        at: start)
                }
                let bodyEnd = close ?? count
                let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[bodyStart..<bodyEnd]), as: UTF8.self)
                appendText(text, kind: .cdata, start: start, end: min(bodyEnd + 3, count))
                return min(bodyEnd + 3, count)
            }
            return skipDeclaration(bytes, from: start)
        }
        if next == Byte.question { return skipDeclaration(bytes, from: start) }
        if next == Byte.slash { return endTag(bytes, at: start) }
        if Byte.isLetter(next) { return startTag(bytes, at: start) }
        report(.strayLessThan, "a `<` that starts no tag was kept as text", at: start)
        appendText("<", kind: .text, start: start, end: start + 1)
        return start + 1
    }

    func skipDeclaration(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        var index = start + 2
        while index < bytes.count, bytes[index] != Byte.greaterThan { index += 1 }
        return min(index + 1, bytes.count)
    }

    mutating func readName(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> (String, Int) {
        var index = start
        var hasUpper = false
        var packed: UInt64 = 0
        while index < bytes.count {
            let b = bytes[index]
            if Byte.isSpace(b) || b == Byte.greaterThan || b == Byte.slash || b == Byte.equals { break }
            if b >= 0x41 && b <= 0x5A { hasUpper = true }
            packed = packed << 8 | UInt64(b >= 0x41 && b <= 0x5A ? b | 0x20 : b)
            index += 1
        }
        // The lower-cased name packed into an integer when it is short (tag checks compare integers).
        lastNameCode = index - start <= 8 ? packed : 0
        let length = index - start
        guard !hasUpper else {
            nameBuffer.removeAll(keepingCapacity: true)
            for b in bytes[start..<index] { nameBuffer.append(b >= 0x41 && b <= 0x5A ? b | 0x20 : b) }
            return (String(decoding: nameBuffer, as: UTF8.self), index)
        }
        // Common names are shared instead of allocated (most storage names are longer than
        // the 15 bytes a String stores inline).
        if length < internedNames.count {
            candidates: for candidate in internedNames[length] {
                for offset in 0..<length where candidate.bytes[offset] != bytes[start + offset] { continue candidates }
                return (candidate.name, index)
            }
        }
        return (String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self), index)
    }

    mutating func startTag(_ bytes: UnsafeBufferPointer<UInt8>, at start: Int) -> Int {
        let count = bytes.count
        let (name, afterName) = readName(bytes, from: start + 1)
        let nameCode = lastNameCode
        var index = afterName
        let attributeStart = attributes.count
        var selfClosing = false
        var closed = false
        while index < count {
            let b = bytes[index]
            if Byte.isSpace(b) {
                index += 1
                continue
            }
            if b == Byte.greaterThan {
                index += 1
                closed = true
                break
            }
            if b == Byte.slash {
                if index + 1 < count, bytes[index + 1] == Byte.greaterThan {
                    selfClosing = true
                    closed = true
                    index += 2
                    break
                }
                index += 1
                continue
            }
            var (attributeName, afterAttribute) = readName(bytes, from: index)
            if afterAttribute == index {
                // A lone `=`: browsers start an attribute name with it.
                attributeName = "="
                afterAttribute = index + 1
            }
            index = afterAttribute
            while index < count, Byte.isSpace(bytes[index]) { index += 1 }
            var value = ""
            if index < count, bytes[index] == Byte.equals {
                index += 1
                while index < count, Byte.isSpace(bytes[index]) { index += 1 }
                if index < count, bytes[index] == Byte.quote || bytes[index] == Byte.apostrophe {
                    let quote = bytes[index]
                    var end = index + 1
                    var hasEntity = false
                    while end < count, bytes[end] != quote {
                        if bytes[end] == Byte.ampersand { hasEntity = true }
                        end += 1
                    }
                    value =
                        hasEntity
                        ? decode(bytes, from: index + 1, to: end)
                        : String(decoding: UnsafeBufferPointer(rebasing: bytes[(index + 1)..<end]), as: UTF8.self)
                    index = min(end + 1, count)
                } else {
                    var end = index
                    while end < count, !Byte.isSpace(bytes[end]), bytes[end] != Byte.greaterThan { end += 1 }
                    value = decode(bytes, from: index, to: end)
                    index = end
                }
            }
            if attributes[attributeStart...].contains(where: { $0.name == attributeName }) {
                report(
                    .duplicateAttribute, "<\(name)> repeats the attribute \(attributeName); the first value was kept",
                    at: start)
            } else {
                attributes.append(StorageTree.Attribute(name: attributeName, value: value))
            }
        }
        if !closed {
            attributes.removeSubrange(attributeStart...)
            report(.unterminatedTag, "the tag <\(name) is cut off by the end of the body and was ignored", at: start)
            return count
        }
        if impliedEndCodes.contains(nameCode) { closeImplied(before: name, at: start) }
        let parent = stack[stack.count - 1]
        let node = append(
            StorageTree.Node(
                kind: .element, name: name, attributeStart: Int32(attributeStart),
                attributeCount: Int32(attributes.count - attributeStart), text: "", parent: Int32(parent),
                sourceStart: start,
                sourceEnd: index))
        if selfClosing || voidElementCodes.contains(nameCode) { return index }
        if stack.count > StorageParser.maximumDepth {
            report(
                .tooDeep,
                "<\(name)> is nested more than \(StorageParser.maximumDepth) deep; its content was attached to its parent",
                at: start)
            return index
        }
        stack.append(node)
        return index
    }

    /// HTML's implied end tags, applied only where XHTML would be broken anyway:
    /// an `<li>` directly inside an open `<li>`, a cell inside a cell, a row inside a row.
    mutating func closeImplied(before name: String, at offset: Int) {
        guard name.utf8.count <= 5, let scope = impliedEndScopes[name] else { return }
        if name == "p", nodes[stack[stack.count - 1]].name != "p" { return }
        var depth = stack.count - 1
        while depth > 0 {
            let open = nodes[stack[depth]].name
            if scope.closes.contains(open) {
                while stack.count > depth {
                    let closing = stack.removeLast()
                    nodes[closing].sourceEnd = offset
                    report(.impliedEndTag, "<\(nodes[closing].name)> was closed by the next <\(name)>", at: offset)
                }
                return
            }
            if scope.stops.contains(open) || open.contains(":") { return }
            depth -= 1
        }
    }

    mutating func endTag(_ bytes: UnsafeBufferPointer<UInt8>, at start: Int) -> Int {
        let (name, afterName) = readName(bytes, from: start + 2)
        let nameCode = lastNameCode
        var index = afterName
        while index < bytes.count, bytes[index] != Byte.greaterThan { index += 1 }
        let end = min(index + 1, bytes.count)
        if name.isEmpty || voidElementCodes.contains(nameCode) {
            report(.strayEndTag, "the end tag </\(name)> has no matching start tag and was ignored", at: start)
            return end
        }
        var depth = stack.count - 1
        while depth > 0, nodes[stack[depth]].name != name { depth -= 1 }
        guard depth > 0 else {
            report(.strayEndTag, "the end tag </\(name)> has no matching start tag and was ignored", at: start)
            return end
        }
        while stack.count > depth + 1 {
            let closing = stack.removeLast()
            nodes[closing].sourceEnd = start
            report(
                .misnestedEndTag, "<\(nodes[closing].name)> was still open at </\(name)> and was closed there",
                at: start)
        }
        let closing = stack.removeLast()
        nodes[closing].sourceEnd = end
        return end
    }

    // MARK: character references

    mutating func decode(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(end - start)
        var index = start
        while index < end {
            let b = bytes[index]
            if b != Byte.ampersand {
                out.append(b)
                index += 1
                continue
            }
            if let (scalar, after) = characterReference(bytes, at: index, end: end) {
                out.append(contentsOf: scalar.utf8)
                index = after
            } else {
                report(.strayAmpersand, "a `&` that starts no character reference was kept as text", at: index)
                out.append(b)
                index += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    func commonEntity(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> String? {
        guard end - start <= 8 else { return nil }
        var packed: UInt64 = 0
        for index in start..<end { packed = packed << 8 | UInt64(bytes[index]) }
        for (key, value) in commonEntities where key == packed { return value }
        return nil
    }

    mutating func characterReference(_ bytes: UnsafeBufferPointer<UInt8>, at start: Int, end: Int) -> (String, Int)? {
        var index = start + 1
        guard index < end else { return nil }
        if bytes[index] == Byte.hash {
            index += 1
            var hex = false
            if index < end, bytes[index] | 0x20 == 0x78 {
                hex = true
                index += 1
            }
            var value: UInt32 = 0
            var digits = 0
            while index < end {
                let b = bytes[index]
                let digit: UInt32
                if b >= 0x30 && b <= 0x39 {
                    digit = UInt32(b - 0x30)
                } else if hex, (b | 0x20) >= 0x61, (b | 0x20) <= 0x66 {
                    digit = UInt32((b | 0x20) - 0x61 + 10)
                } else {
                    break
                }
                if value < 0x110000 { value = value * (hex ? 16 : 10) + digit }
                digits += 1
                index += 1
            }
            guard digits > 0 else { return nil }
            if index < end, bytes[index] == Byte.semicolon { index += 1 }
            guard value != 0, let scalar = Unicode.Scalar(value) else {
                report(
                    .invalidCharacterReference, "the character reference \(value) is not a character; U+FFFD was used",
                    at: start)
                return ("\u{FFFD}", index)
            }
            return (String(Character(scalar)), index)
        }
        var nameEnd = index
        while nameEnd < end, nameEnd - index < HTMLEntities.longestName, Byte.isAlphanumeric(bytes[nameEnd]) {
            nameEnd += 1
        }
        guard nameEnd > index else { return nil }
        if nameEnd < end, bytes[nameEnd] == Byte.semicolon {
            // The entities storage uses all the time, without building a key.
            if let common = commonEntity(bytes, from: index, to: nameEnd) { return (common, nameEnd + 1) }
            let key = String(decoding: UnsafeBufferPointer(rebasing: bytes[index...nameEnd]), as: UTF8.self)
            if let value = HTMLEntities.table[key] { return (value, nameEnd + 1) }
        }
        // Legacy references without `;` (`&copy 2020`): the longest known prefix wins.
        var prefixEnd = nameEnd
        while prefixEnd > index {
            let key = String(decoding: UnsafeBufferPointer(rebasing: bytes[index..<prefixEnd]), as: UTF8.self)
            if let value = HTMLEntities.table[key] {
                report(.invalidCharacterReference, "the character reference &\(key) lacks its `;`", at: start)
                return (value, prefixEnd)
            }
            prefixEnd -= 1
        }
        return nil
    }
}
