/// How the twin checks and converts page bodies, the seam where Ferry's full
/// StorageFormat module (ADF validator and storage → ADF converter) plugs in.
///
/// Bodies cross the seam as JSON text so that any implementation (a schema-driven
/// validator, the real converter) can sit behind it without sharing types with the twin.
public protocol BodyConverter: Sendable {
    /// Problems with an `atlas_doc_format` document, empty when Cloud would accept it.
    func validateADF(_ json: String) -> [String]
    /// The ADF document (JSON text) for a storage-format body, as Cloud returns it
    /// when a page stored as storage is read with `body-format=atlas_doc_format`.
    func storageToADF(_ storage: String) -> String
    /// The storage-format body for an ADF document, for reads with `body-format=storage`.
    func adfToStorage(_ json: String) -> String
}

/// The twin's built-in converter: a structural ADF check (a `doc` node with
/// `version: 1` and a `content` array; every node an object with a string `type`;
/// `content` always an array; text nodes carry a string `text`) and a plain
/// conversion that keeps the text of each paragraph.
public struct StructuralBodyConverter: BodyConverter {
    public init() {}

    public func validateADF(_ json: String) -> [String] {
        let document: JSONValue
        do { document = try JSONValue.parse(json) } catch { return ["the body is not JSON"] }
        var problems: [String] = []
        guard case .object(let root) = document else { return ["the document is not a JSON object"] }
        if root["type"]?.string != "doc" { problems.append("the root node's type must be \"doc\"") }
        if root["version"]?.int != 1 { problems.append("the root node must have \"version\": 1") }
        guard let content = root["content"]?.array else {
            problems.append("the root node must have a \"content\" array")
            return problems
        }
        for (index, node) in content.enumerated() { check(node, path: "content[\(index)]", into: &problems) }
        return problems
    }

    private func check(_ node: JSONValue, path: String, into problems: inout [String]) {
        guard problems.count < 20 else { return }
        guard case .object(let object) = node else {
            problems.append("\(path) is not an object")
            return
        }
        guard let type = object["type"]?.string, !type.isEmpty else {
            problems.append("\(path) has no string \"type\"")
            return
        }
        if type == "doc" { problems.append("\(path): a \"doc\" node may only be the root") }
        if type == "text", object["text"]?.string == nil {
            problems.append("\(path): a text node needs a string \"text\"")
        }
        if let marks = object["marks"], marks.array == nil { problems.append("\(path).marks must be an array") }
        if let attrs = object["attrs"], attrs.object == nil { problems.append("\(path).attrs must be an object") }
        if let content = object["content"] {
            guard let children = content.array else {
                problems.append("\(path).content must be an array")
                return
            }
            for (index, child) in children.enumerated() {
                check(child, path: "\(path).content[\(index)]", into: &problems)
            }
        }
    }

    public func storageToADF(_ storage: String) -> String {
        let paragraphs = Self.paragraphs(of: storage)
        let content: [JSONValue] = paragraphs.map { text in
            text.isEmpty
                ? ["type": "paragraph"]
                : ["type": "paragraph", "content": [["type": "text", "text": .string(text)]]]
        }
        let doc: JSONValue = ["type": "doc", "version": 1, "content": .array(content)]
        return doc.serialized()
    }

    public func adfToStorage(_ json: String) -> String {
        guard let document = try? JSONValue.parse(json), let blocks = document["content"]?.array else { return "" }
        return blocks.map { "<p>\(Self.escape(Self.text(of: $0)))</p>" }.joined()
    }

    static func text(of node: JSONValue) -> String {
        if let text = node["text"]?.string { return text }
        return (node["content"]?.array ?? []).map(text(of:)).joined()
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }

    /// Splits storage XHTML at block ends and strips the markup, keeping the text.
    static func paragraphs(of storage: String) -> [String] {
        var blocks: [String] = []
        var current = ""
        var tag = ""
        var inTag = false
        for character in storage {
            if inTag {
                if character == ">" {
                    inTag = false
                    let name = tag.lowercased()
                    if ["/p", "/h1", "/h2", "/h3", "/h4", "/h5", "/h6", "/li", "/pre", "br/", "br /", "br"].contains(
                        name)
                    {
                        blocks.append(current)
                        current = ""
                    }
                    tag = ""
                } else {
                    tag.append(character)
                }
            } else if character == "<" {
                inTag = true
            } else {
                current.append(character)
            }
        }
        if !current.isEmpty { blocks.append(current) }
        return blocks.map(unescape)
    }

    static func unescape(_ text: String) -> String {
        text.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&nbsp;", with: "\u{00A0}")
            .replacingOccurrences(of: "&amp;", with: "&")
    }
}
