/// A parsed storage-format body: a flat array of nodes linked by index, so that a
/// page of thousands of elements costs one array and no reference counting.
///
/// Node 0 is the fragment root (name `#fragment`); storage bodies have several
/// top-level elements and the root holds them all. Element and attribute names
/// are lower-cased and keep their prefix (`ac:structured-macro`, `ri:filename`).
public struct StorageTree: Sendable {
    public enum Kind: UInt8, Sendable {
        case element
        case text
        /// Text from a `<![CDATA[…]]>` section: kept verbatim.
        case cdata
    }

    public struct Attribute: Sendable, Equatable {
        public var name: String
        public var value: String
    }

    public struct Node: Sendable {
        public var kind: Kind
        /// Element name (lower-case, with prefix); empty for text.
        public var name: String
        /// The element's attributes: `attributeCount` entries of ``StorageTree/attributes`` from `attributeStart`.
        public var attributeStart: Int32
        public var attributeCount: Int32
        /// Decoded text for text and CDATA nodes.
        public var text: String
        public var parent: Int32
        public var firstChild: Int32 = -1
        public var lastChild: Int32 = -1
        public var nextSibling: Int32 = -1
        /// Byte range of the node in the source, start tag to end tag inclusive.
        public var sourceStart: Int
        public var sourceEnd: Int
    }

    public static let root = 0

    public internal(set) var nodes: [Node]
    /// Attributes of all elements, each element's in one run (one array for the whole body).
    public internal(set) var attributes: [Attribute]
    /// The bytes the tree was parsed from.
    public let source: [UInt8]
    /// Every recovery the parser made, in source order.
    public internal(set) var diagnostics: [ParseDiagnostic]

    public subscript(index: Int) -> Node { nodes[index] }

    /// The value of `name` on element `index`, if present.
    public func attribute(_ name: String, of index: Int) -> String? {
        let node = nodes[index]
        let start = Int(node.attributeStart)
        for position in start..<(start + Int(node.attributeCount)) where attributes[position].name == name {
            return attributes[position].value
        }
        return nil
    }

    /// The indices of the children of `index`, in order.
    public func children(of index: Int) -> ChildSequence {
        ChildSequence(nodes: nodes, first: Int(nodes[index].firstChild))
    }

    /// The first child element of `index` named `name`.
    public func firstChild(of index: Int, named name: String) -> Int? {
        var child = Int(nodes[index].firstChild)
        while child >= 0 {
            if nodes[child].kind == .element, nodes[child].name == name { return child }
            child = Int(nodes[child].nextSibling)
        }
        return nil
    }

    /// The original storage of the node: the exact bytes it was parsed from.
    public func sourceText(of index: Int) -> String {
        let node = nodes[index]
        let start = min(max(node.sourceStart, 0), source.count)
        let end = min(max(node.sourceEnd, start), source.count)
        return String(decoding: source[start..<end], as: UTF8.self)
    }

    /// All text below `index`, concatenated as written (no whitespace changes).
    public func textContent(of index: Int) -> String {
        var result = ""
        appendText(of: index, to: &result)
        return result
    }

    private func appendText(of index: Int, to result: inout String) {
        let node = nodes[index]
        if node.kind != .element {
            result += node.text
            return
        }
        var child = Int(node.firstChild)
        while child >= 0 {
            appendText(of: child, to: &result)
            child = Int(nodes[child].nextSibling)
        }
    }

    /// An XPath-like location such as `/p[2]/ac:structured-macro[1]`, for diagnostics.
    public func path(of index: Int) -> String {
        var components: [String] = []
        var current = index
        while current > 0, current < nodes.count {
            let node = nodes[current]
            let parent = Int(node.parent)
            if node.kind == .element {
                var position = 0
                var sibling = parent >= 0 ? Int(nodes[parent].firstChild) : -1
                while sibling >= 0 {
                    if nodes[sibling].kind == .element, nodes[sibling].name == node.name { position += 1 }
                    if sibling == current { break }
                    sibling = Int(nodes[sibling].nextSibling)
                }
                components.append("\(node.name)[\(position)]")
            } else {
                components.append("text()")
            }
            current = parent
        }
        return "/" + components.reversed().joined(separator: "/")
    }

    /// The innermost element whose source contains `offset` (the fragment root if none does).
    /// Nodes are stored in source order, so this is a binary search and a walk up the parents.
    public func element(containing offset: Int) -> Int {
        var low = 0
        var high = nodes.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if nodes[middle].sourceStart <= offset { low = middle } else { high = middle - 1 }
        }
        var current = low
        while current > 0 {
            let node = nodes[current]
            if node.kind == .element, offset < max(node.sourceEnd, node.sourceStart + 1) { return current }
            current = Int(node.parent)
        }
        return StorageTree.root
    }

    /// The 1-based line of a byte offset in the source.
    public func line(ofOffset offset: Int) -> Int {
        var line = 1
        for byte in source[0..<min(max(offset, 0), source.count)] where byte == 0x0A { line += 1 }
        return line
    }

    public struct ChildSequence: Sequence, IteratorProtocol {
        let nodes: [Node]
        var cursor: Int

        init(nodes: [Node], first: Int) {
            self.nodes = nodes
            self.cursor = first
        }

        public mutating func next() -> Int? {
            guard cursor >= 0 else { return nil }
            let current = cursor
            cursor = Int(nodes[current].nextSibling)
            return current
        }
    }
}

/// A recovery the tolerant parser made, with where it happened.
public struct ParseDiagnostic: Sendable, Equatable, Codable {
    public enum Code: String, Sendable, Codable {
        case unclosedElement = "unclosed-element"
        case strayEndTag = "stray-end-tag"
        case misnestedEndTag = "misnested-end-tag"
        case strayAmpersand = "stray-ampersand"
        case invalidCharacterReference = "invalid-character-reference"
        case strayLessThan = "stray-less-than"
        case unterminatedComment = "unterminated-comment"
        case unterminatedCDATA = "unterminated-cdata"
        case unterminatedTag = "unterminated-tag"
        case duplicateAttribute = "duplicate-attribute"
        case tooDeep = "nesting-too-deep"
        case invalidUTF8 = "invalid-utf8"
        case impliedEndTag = "implied-end-tag"
    }

    public var code: Code
    public var message: String
    /// Byte offset in the source where the problem was noticed.
    public var offset: Int
}
