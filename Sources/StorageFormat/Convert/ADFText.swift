/// The text a reader sees, from either side of a conversion: used to prove that
/// conversion loses no text, and by the converter where blocks must become text.
public enum ADFText {
    /// The text of an ADF subtree: text nodes, mention/status/emoji/placeholder text,
    /// expand titles, macro parameters and plain bodies, and the content kept inside
    /// Cloud's `legacy-content` (its storage) and `nested-table` (its ADF) extensions.
    public static func plainText(of node: ADFNode) -> String {
        var result = ""
        append(node, to: &result)
        return result
    }

    public static func plainText(of document: ADFDocument) -> String {
        var result = ""
        for node in document.content { append(node, to: &result) }
        return result
    }

    private static func append(_ node: ADFNode, to result: inout String) {
        if let text = node.text { result += text }
        if let attrs = node.attrs {
            for key in ["text", "title", "alt"] {
                if let value = attrs[key]?.stringValue {
                    result += " " + value + " "
                }
            }
            if let parameters = attrs["parameters"]?.objectValue {
                if let storage = parameters["cxhtml"]?.stringValue {
                    result += " " + visibleText(of: StorageParser.parse(storage)) + " "
                }
                if let adf = parameters["adf"]?.stringValue, let document = decodeDocument(adf) {
                    result += " " + plainText(of: document) + " "
                }
                if let params = parameters["macroParams"]?.objectValue {
                    for key in params.keys.sorted() {
                        if let value = params[key]?.objectValue?["value"]?.stringValue { result += " " + value + " " }
                    }
                }
            }
        }
        let block = node.type != "text"
        if block { result += " " }
        for child in node.content ?? [] { append(child, to: &result) }
        if block { result += " " }
    }

    private static func decodeDocument(_ json: String) -> ADFDocument? {
        guard let value = try? JSONValueParser.parse(Array(json.utf8)), case .object(let object) = value,
            case .array(let content)? = object["content"]
        else { return nil }
        return ADFDocument(content: content.compactMap(JSONValueParser.node))
    }

    /// The text of a storage body a reader sees: all text except macro parameters,
    /// task metadata, script/style and the bodies of user links (Cloud shows a user's
    /// current display name instead).
    public static func visibleText(of tree: StorageTree) -> String {
        var result = ""
        visible(StorageTree.root, tree, &result)
        return result
    }

    private static let hidden: Set<String> = [
        "ac:parameter", "ac:default-parameter", "ac:task-id", "ac:task-uuid", "ac:task-status", "ac:adf-attribute",
        "ac:adf-fallback", "script", "style",
    ]

    private static func visible(_ index: Int, _ tree: StorageTree, _ result: inout String) {
        let node = tree[index]
        if node.kind != .element {
            result += node.text
            return
        }
        if hidden.contains(node.name) { return }
        if node.name == "ac:link", tree.firstChild(of: index, named: "ri:user") != nil { return }
        result += " "
        for child in tree.children(of: index) { visible(child, tree, &result) }
        result += " "
    }

    /// Whitespace-separated words of `text`.
    public static func words(_ text: String) -> [Substring] {
        text.split(whereSeparator: { $0.isWhitespace })
    }
}

/// A minimal JSON reader for ADF values (used to read back `nested-table` payloads).
enum JSONValueParser {
    struct Failure: Error {}

    static func parse(_ bytes: [UInt8]) throws -> ADFValue {
        var index = 0
        let value = try parseValue(bytes, &index, depth: 0)
        return value
    }

    static func node(_ value: ADFValue) -> ADFNode? {
        guard case .object(let object) = value, let type = object["type"]?.stringValue else { return nil }
        var node = ADFNode(type)
        node.text = object["text"]?.stringValue
        node.attrs = object["attrs"]?.objectValue
        if case .array(let content)? = object["content"] { node.content = content.compactMap(Self.node) }
        if case .array(let marks)? = object["marks"] {
            node.marks = marks.compactMap { mark in
                guard let type = mark.objectValue?["type"]?.stringValue else { return nil }
                return ADFMark(type, attrs: mark.objectValue?["attrs"]?.objectValue)
            }
        }
        return node
    }

    private static func skipSpace(_ bytes: [UInt8], _ index: inout Int) {
        while index < bytes.count, [0x20, 0x0A, 0x0D, 0x09].contains(bytes[index]) { index += 1 }
    }

    private static func parseValue(_ bytes: [UInt8], _ index: inout Int, depth: Int) throws -> ADFValue {
        guard depth < 200 else { throw Failure() }
        skipSpace(bytes, &index)
        guard index < bytes.count else { throw Failure() }
        switch bytes[index] {
        case 0x7B:
            index += 1
            var object: [String: ADFValue] = [:]
            skipSpace(bytes, &index)
            if index < bytes.count, bytes[index] == 0x7D {
                index += 1
                return .object(object)
            }
            while true {
                skipSpace(bytes, &index)
                guard case .string(let key) = try parseValue(bytes, &index, depth: depth + 1) else { throw Failure() }
                skipSpace(bytes, &index)
                guard index < bytes.count, bytes[index] == 0x3A else { throw Failure() }
                index += 1
                object[key] = try parseValue(bytes, &index, depth: depth + 1)
                skipSpace(bytes, &index)
                guard index < bytes.count else { throw Failure() }
                if bytes[index] == 0x2C {
                    index += 1
                    continue
                }
                guard bytes[index] == 0x7D else { throw Failure() }
                index += 1
                return .object(object)
            }
        case 0x5B:
            index += 1
            var array: [ADFValue] = []
            skipSpace(bytes, &index)
            if index < bytes.count, bytes[index] == 0x5D {
                index += 1
                return .array(array)
            }
            while true {
                array.append(try parseValue(bytes, &index, depth: depth + 1))
                skipSpace(bytes, &index)
                guard index < bytes.count else { throw Failure() }
                if bytes[index] == 0x2C {
                    index += 1
                    continue
                }
                guard bytes[index] == 0x5D else { throw Failure() }
                index += 1
                return .array(array)
            }
        case 0x22:
            index += 1
            var out: [UInt8] = []
            while index < bytes.count, bytes[index] != 0x22 {
                if bytes[index] == 0x5C, index + 1 < bytes.count {
                    index += 1
                    switch bytes[index] {
                    case 0x6E: out.append(0x0A)
                    case 0x72: out.append(0x0D)
                    case 0x74: out.append(0x09)
                    case 0x62: out.append(0x08)
                    case 0x66: out.append(0x0C)
                    case 0x75:
                        guard index + 4 < bytes.count,
                            let code = UInt32(
                                String(decoding: bytes[(index + 1)...(index + 4)], as: UTF8.self), radix: 16)
                        else { throw Failure() }
                        out.append(contentsOf: String(Character(Unicode.Scalar(code) ?? "\u{FFFD}")).utf8)
                        index += 4
                    default: out.append(bytes[index])
                    }
                } else {
                    out.append(bytes[index])
                }
                index += 1
            }
            guard index < bytes.count else { throw Failure() }
            index += 1
            return .string(String(decoding: out, as: UTF8.self))
        case 0x74:
            index += 4
            return .bool(true)
        case 0x66:
            index += 5
            return .bool(false)
        case 0x6E:
            index += 4
            return .null
        default:
            let start = index
            while index < bytes.count,
                [0x2D, 0x2B, 0x2E, 0x65, 0x45].contains(bytes[index]) || (bytes[index] >= 0x30 && bytes[index] <= 0x39)
            {
                index += 1
            }
            guard let number = Double(String(decoding: bytes[start..<index], as: UTF8.self)) else { throw Failure() }
            return .number(number)
        }
    }
}
