extension ADFDocument {
    /// The bytes this document takes once written as a JSON string value inside a request
    /// (Cloud's page APIs carry the ADF as an escaped string): quotes and backslashes
    /// double, control characters take six bytes (`\n`, `\t` and the like two).
    public var escapedJSONLength: Int { Self.escapedLength(jsonBytes()) }

    static func escapedLength(_ bytes: [UInt8]) -> Int {
        var length = 0
        for byte in bytes {
            switch byte {
            case 0x22, 0x5C, 0x08, 0x09, 0x0A, 0x0C, 0x0D: length += 2
            case ..<0x20: length += 6
            default: length += 1
            }
        }
        return length
    }

    /// A document that fits in `maxEscapedBytes` (see ``escapedJSONLength``): `nil` when this
    /// one already does. Otherwise the leading top-level nodes that fit, the first one that
    /// does not cut inside its text when it is a paragraph or heading of plain text runs,
    /// and `notice` last. Nothing is reordered; what is left out follows the kept part.
    public func fitted(maxEscapedBytes: Int, notice: ADFNode) -> ADFDocument? {
        guard escapedJSONLength > maxEscapedBytes else { return nil }
        let overhead = ADFDocument(content: []).escapedJSONLength
        let noticeSize = ADFDocument(content: [notice]).escapedJSONLength - overhead
        // Separators between nodes, and slack for the cut node's own braces.
        var room = maxEscapedBytes - overhead - noticeSize - 256
        var kept: [ADFNode] = []
        for node in content {
            let size = ADFDocument(content: [node]).escapedJSONLength - overhead + 1
            if size <= room {
                kept.append(node)
                room -= size
                continue
            }
            if let cut = Self.cut(node, toEscapedBytes: room) { kept.append(cut) }
            break
        }
        return ADFDocument(content: kept + [notice])
    }

    /// What one byte of text costs in ``escapedJSONLength``: escaped once by the JSON
    /// writer (`\"`, `\\`, `\n`, `\u0001`…) and once more as a string inside the request.
    static func textByteWidth(_ byte: UInt8) -> Int {
        switch byte {
        case 0x22, 0x5C: 4
        case 0x0A, 0x0D, 0x09: 3
        case ..<0x20: 7
        default: 1
        }
    }

    /// The first part of a paragraph or heading made only of text runs, within `budget`
    /// bytes; `nil` for other nodes or when not even one character fits.
    static func cut(_ node: ADFNode, toEscapedBytes budget: Int) -> ADFNode? {
        guard node.type == "paragraph" || node.type == "heading", let runs = node.content,
            runs.allSatisfy({ $0.type == "text" })
        else { return nil }
        var shell = node
        shell.content = []
        var room = budget - ADFDocument(content: [shell]).escapedJSONLength
        var kept: [ADFNode] = []
        for run in runs {
            var empty = run
            empty.text = ""
            let frame = ADFDocument(content: [empty]).escapedJSONLength - ADFDocument(content: []).escapedJSONLength + 1
            guard room > frame, let text = run.text else { break }
            room -= frame
            var prefix = ""
            for character in text {
                let width = character.utf8.reduce(0) { $0 + textByteWidth($1) }
                if width > room { break }
                prefix.append(character)
                room -= width
            }
            if prefix.isEmpty { break }
            var part = run
            part.text = prefix
            kept.append(part)
            if prefix.count < text.count { break }
        }
        guard !kept.isEmpty else { return nil }
        shell.content = kept
        return shell
    }
}
