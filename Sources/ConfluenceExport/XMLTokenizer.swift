import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Receives what ``XMLTokenizer`` finds, in document order.
///
/// Text is delivered only with the end tag that closes it (the Hibernate export
/// grammar has no mixed content), so whitespace between elements costs nothing.
public protocol XMLTokenHandler {
    /// A start tag; `selfClosing` tags are followed at once by ``endElement(_:text:)``.
    mutating func startElement(_ tag: XMLStartTag) throws
    /// An end tag, with the decoded text (entities resolved, CDATA unwrapped) the
    /// element held since its start tag. The buffer is only valid during the call.
    mutating func endElement(_ name: XMLName, text: UnsafeBufferPointer<UInt8>) throws
    /// Something the tokenizer repaired on the way (a bad character reference).
    mutating func tokenizerRepaired(_ kind: RepairKind, detail: String)
}

/// An element name as raw bytes, compared without allocating.
public struct XMLName {
    let bytes: UnsafeBufferPointer<UInt8>
    /// Byte offset of the tag's `<` in the whole stream.
    public var offset: Int64 = 0

    /// True when the name equals `literal` (ASCII).
    public func `is`(_ literal: StaticString) -> Bool {
        guard literal.utf8CodeUnitCount == bytes.count else { return false }
        guard let base = bytes.baseAddress else { return literal.utf8CodeUnitCount == 0 }
        return memcmp(base, literal.utf8Start, bytes.count) == 0
    }

    public var string: String { String(decoding: bytes, as: UTF8.self) }
}

/// A start tag: its name and a lazily scanned attribute list.
public struct XMLStartTag {
    /// The bytes between `<` and `>` (or `/>`).
    let bytes: UnsafeBufferPointer<UInt8>
    let nameEnd: Int
    public let selfClosing: Bool
    /// Byte offset of the `<` in the whole stream.
    public let offset: Int64

    public var name: XMLName { XMLName(bytes: UnsafeBufferPointer(rebasing: bytes[0..<nameEnd]), offset: offset) }

    /// The value of attribute `attribute`, entity-decoded, or nil when absent.
    public func attribute(_ attribute: StaticString) -> String? {
        var i = nameEnd
        let n = bytes.count
        let wanted = UnsafeBufferPointer(start: attribute.utf8Start, count: attribute.utf8CodeUnitCount)
        while i < n {
            while i < n, XMLTokenizer.isSpace(bytes[i]) { i += 1 }
            let nameStart = i
            while i < n, bytes[i] != UInt8(ascii: "="), !XMLTokenizer.isSpace(bytes[i]), bytes[i] != UInt8(ascii: "/") {
                i += 1
            }
            let nameRange = nameStart..<i
            while i < n, XMLTokenizer.isSpace(bytes[i]) { i += 1 }
            guard i < n, bytes[i] == UInt8(ascii: "=") else {
                i += 1
                continue
            }
            i += 1
            while i < n, XMLTokenizer.isSpace(bytes[i]) { i += 1 }
            guard i < n else { return nil }
            let quote = bytes[i]
            guard quote == UInt8(ascii: "\"") || quote == UInt8(ascii: "'") else { return nil }
            i += 1
            let valueStart = i
            while i < n, bytes[i] != quote { i += 1 }
            let valueRange = valueStart..<min(i, n)
            i += 1
            if nameRange.count == wanted.count, let base = bytes.baseAddress, let wantedBase = wanted.baseAddress,
                memcmp(base + nameRange.lowerBound, wantedBase, wanted.count) == 0
            {
                return XMLTokenizer.decodeAttribute(UnsafeBufferPointer(rebasing: bytes[valueRange]))
            }
        }
        return nil
    }
}

/// A byte-level, push-fed XML tokenizer for the Hibernate export grammar.
///
/// Feed it chunks of any size (a chunk boundary may fall anywhere, even inside a
/// tag, a CDATA terminator or an entity); it keeps only the current tag and the
/// current text node, so memory is bounded by the largest single text node, not by
/// the document. It has no text-size limit, tolerates comments, processing
/// instructions and a DOCTYPE, and never resolves external entities.
public struct XMLTokenizer {
    enum State {
        case text
        case tag
        case cdata
        case comment
        case entity
    }

    private var state: State = .text
    private var tagBuffer: [UInt8] = []
    private var textBuffer: [UInt8] = []
    private var entityBuffer: [UInt8] = []
    private var pendingBrackets = 0
    private var commentDashes = 0
    private var tagQuote: UInt8 = 0
    private var tagStartOffset: Int64 = 0
    /// Bytes consumed so far.
    public private(set) var offset: Int64 = 0

    public init() {
        tagBuffer.reserveCapacity(512)
        textBuffer.reserveCapacity(64 * 1024)
    }

    /// Byte offset of the most recent tag's `<`.
    public var lastTagOffset: Int64 { tagStartOffset }

    /// Tokenizes one chunk, calling `handler` for every complete token in it.
    public mutating func feed<H: XMLTokenHandler>(_ chunk: UnsafeRawBufferPointer, handler: inout H) throws {
        let p = chunk.bindMemory(to: UInt8.self)
        let n = p.count
        guard let base = p.baseAddress else { return }
        var i = 0
        let chunkStart = offset
        defer { offset = chunkStart + Int64(n) }
        while i < n {
            switch state {
            case .text:
                var j = i
                while j < n {
                    let b = p[j]
                    if b == UInt8(ascii: "<") || b == UInt8(ascii: "&") { break }
                    j += 1
                }
                if j > i { textBuffer.append(contentsOf: UnsafeBufferPointer(start: base + i, count: j - i)) }
                if j < n {
                    if p[j] == UInt8(ascii: "<") {
                        state = .tag
                        tagBuffer.removeAll(keepingCapacity: true)
                        tagQuote = 0
                        tagStartOffset = chunkStart + Int64(j)
                    } else {
                        state = .entity
                        entityBuffer.removeAll(keepingCapacity: true)
                    }
                    i = j + 1
                } else {
                    i = n
                }
            case .entity:
                let b = p[i]
                i += 1
                if b == UInt8(ascii: ";") {
                    decodeEntity(handler: &handler)
                    state = .text
                } else if entityBuffer.count >= 16 || b == UInt8(ascii: "<") || Self.isSpace(b) {
                    // A bare '&' (not an entity): keep the text as written.
                    handler.tokenizerRepaired(.badEntity, detail: "bare '&' kept as text")
                    textBuffer.append(UInt8(ascii: "&"))
                    textBuffer.append(contentsOf: entityBuffer)
                    state = .text
                    i -= 1
                } else {
                    entityBuffer.append(b)
                }
            case .tag:
                // Decide what kind of markup this is before looking for '>': CDATA and
                // comments may contain '>'.
                if tagBuffer.count < 8, tagBuffer.first == UInt8(ascii: "!") || tagBuffer.isEmpty {
                    tagBuffer.append(p[i])
                    i += 1
                    if tagBuffer.count == 3, tagBuffer[1] == UInt8(ascii: "-"), tagBuffer[2] == UInt8(ascii: "-") {
                        state = .comment
                        commentDashes = 0
                    } else if tagBuffer.count == 8, tagBuffer.elementsEqual("![CDATA[".utf8) {
                        state = .cdata
                        pendingBrackets = 0
                    } else if tagBuffer.count >= 2, tagBuffer.first != UInt8(ascii: "!"),
                        tagBuffer.last == UInt8(ascii: ">")
                    {
                        tagBuffer.removeLast()
                        try completeTag(handler: &handler)
                    } else if tagBuffer.count >= 2, tagBuffer.first == UInt8(ascii: "!"),
                        tagBuffer.last == UInt8(ascii: ">"), !"![CDATA[".utf8.starts(with: tagBuffer)
                    {
                        // <!DOCTYPE …> or another declaration: ignored.
                        tagBuffer.removeAll(keepingCapacity: true)
                        state = .text
                    }
                    continue
                }
                var j = i
                var quote = tagQuote
                while j < n {
                    let b = p[j]
                    if quote != 0 {
                        if b == quote { quote = 0 }
                    } else if b == UInt8(ascii: "\"") || b == UInt8(ascii: "'") {
                        quote = b
                    } else if b == UInt8(ascii: ">") {
                        break
                    }
                    j += 1
                }
                tagQuote = quote
                if j > i { tagBuffer.append(contentsOf: UnsafeBufferPointer(start: base + i, count: j - i)) }
                if j < n {
                    i = j + 1
                    try completeTag(handler: &handler)
                } else {
                    i = n
                }
            case .cdata:
                if pendingBrackets > 0 {
                    let b = p[i]
                    if b == UInt8(ascii: "]") {
                        if pendingBrackets >= 2 {
                            textBuffer.append(UInt8(ascii: "]"))
                        } else {
                            pendingBrackets += 1
                        }
                        i += 1
                        continue
                    }
                    if b == UInt8(ascii: ">"), pendingBrackets >= 2 {
                        pendingBrackets = 0
                        state = .text
                        i += 1
                        continue
                    }
                    for _ in 0..<pendingBrackets { textBuffer.append(UInt8(ascii: "]")) }
                    pendingBrackets = 0
                }
                guard let found = memchr(base + i, Int32(UInt8(ascii: "]")), n - i) else {
                    textBuffer.append(contentsOf: UnsafeBufferPointer(start: base + i, count: n - i))
                    i = n
                    continue
                }
                let k = (UnsafeRawPointer(found) - UnsafeRawPointer(base))
                if k > i { textBuffer.append(contentsOf: UnsafeBufferPointer(start: base + i, count: k - i)) }
                pendingBrackets = 1
                i = k + 1
            case .comment:
                let b = p[i]
                i += 1
                if b == UInt8(ascii: "-") {
                    commentDashes += 1
                } else if b == UInt8(ascii: ">"), commentDashes >= 2 {
                    state = .text
                } else {
                    commentDashes = 0
                }
            }
        }
    }

    /// Ends the stream; throws when it stops inside markup.
    public mutating func finish() throws {
        switch state {
        case .text, .entity: return
        case .tag: throw ExportError.truncatedXML(offset: offset, inside: "a tag")
        case .cdata: throw ExportError.truncatedXML(offset: offset, inside: "a CDATA section")
        case .comment: throw ExportError.truncatedXML(offset: offset, inside: "a comment")
        }
    }

    private mutating func completeTag<H: XMLTokenHandler>(handler: inout H) throws {
        state = .text
        guard let first = tagBuffer.first else { return }
        if first == UInt8(ascii: "?") || first == UInt8(ascii: "!") { return }
        try tagBuffer.withUnsafeBufferPointer { raw in
            if first == UInt8(ascii: "/") {
                var end = raw.count
                while end > 1, Self.isSpace(raw[end - 1]) { end -= 1 }
                let name = XMLName(bytes: UnsafeBufferPointer(rebasing: raw[1..<end]), offset: tagStartOffset)
                try textBuffer.withUnsafeBufferPointer { text in
                    try handler.endElement(name, text: text)
                }
                textBuffer.removeAll(keepingCapacity: textBuffer.capacity <= 1 << 20)
                return
            }
            var count = raw.count
            var selfClosing = false
            if count > 0, raw[count - 1] == UInt8(ascii: "/") {
                selfClosing = true
                count -= 1
            }
            let bytes = UnsafeBufferPointer(rebasing: raw[0..<count])
            var nameEnd = 0
            while nameEnd < count, !Self.isSpace(bytes[nameEnd]) { nameEnd += 1 }
            textBuffer.removeAll(keepingCapacity: textBuffer.capacity <= 1 << 20)
            let tag = XMLStartTag(bytes: bytes, nameEnd: nameEnd, selfClosing: selfClosing, offset: tagStartOffset)
            try handler.startElement(tag)
            if selfClosing {
                let empty = UnsafeBufferPointer<UInt8>(start: nil, count: 0)
                try handler.endElement(tag.name, text: empty)
            }
        }
    }

    private mutating func decodeEntity<H: XMLTokenHandler>(handler: inout H) {
        let name = entityBuffer
        switch String(decoding: name, as: UTF8.self) {
        case "amp": textBuffer.append(UInt8(ascii: "&"))
        case "lt": textBuffer.append(UInt8(ascii: "<"))
        case "gt": textBuffer.append(UInt8(ascii: ">"))
        case "quot": textBuffer.append(UInt8(ascii: "\""))
        case "apos": textBuffer.append(UInt8(ascii: "'"))
        case let reference where reference.hasPrefix("#"):
            let digits = reference.dropFirst()
            let value: UInt32? =
                digits.hasPrefix("x") || digits.hasPrefix("X")
                ? UInt32(digits.dropFirst(), radix: 16) : UInt32(digits, radix: 10)
            guard let value, let scalar = Unicode.Scalar(value), Self.isXMLCharacter(value) else {
                handler.tokenizerRepaired(.controlCharacters, detail: "dropped character reference &\(reference);")
                return
            }
            textBuffer.append(contentsOf: String(Character(scalar)).utf8)
        default:
            handler.tokenizerRepaired(
                .badEntity, detail: "unknown entity &\(String(decoding: name, as: UTF8.self)); kept as text")
            textBuffer.append(UInt8(ascii: "&"))
            textBuffer.append(contentsOf: name)
            textBuffer.append(UInt8(ascii: ";"))
        }
    }

    static func isXMLCharacter(_ value: UInt32) -> Bool {
        value == 0x9 || value == 0xA || value == 0xD || (value >= 0x20 && value <= 0xD7FF)
            || (value >= 0xE000 && value <= 0xFFFD) || (value >= 0x10000 && value <= 0x10FFFF)
    }

    @inline(__always) static func isSpace(_ b: UInt8) -> Bool {
        b == 0x20 || b == 0x0A || b == 0x09 || b == 0x0D
    }

    static func decodeAttribute(_ raw: UnsafeBufferPointer<UInt8>) -> String {
        guard raw.contains(UInt8(ascii: "&")) else { return String(decoding: raw, as: UTF8.self) }
        var text = String(decoding: raw, as: UTF8.self)
        for (entity, value) in [("&lt;", "<"), ("&gt;", ">"), ("&quot;", "\""), ("&apos;", "'"), ("&amp;", "&")] {
            text = text.replacingOccurrences(of: entity, with: value)
        }
        return text
    }
}
