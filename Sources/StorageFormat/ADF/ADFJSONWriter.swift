/// Writes ADF as compact JSON bytes: node keys in a fixed order, attribute keys
/// sorted, so the same document always gives the same bytes.
struct ADFJSONWriter {
    var bytes: [UInt8] = []

    init() {
        bytes.reserveCapacity(32 * 1024)
    }

    mutating func write(_ document: ADFDocument) {
        raw("{\"type\":\"doc\",\"version\":")
        number(Double(document.version))
        raw(",\"content\":")
        nodes(document.content)
        bytes.append(0x7D)
    }

    mutating func nodes(_ nodes: [ADFNode]) {
        bytes.append(0x5B)
        for index in nodes.indices {
            if index > 0 { bytes.append(0x2C) }
            node(nodes[index])
        }
        bytes.append(0x5D)
    }

    mutating func node(_ node: ADFNode) {
        raw("{\"type\":")
        string(node.type)
        if let text = node.text {
            raw(",\"text\":")
            string(text)
        }
        if let attrs = node.attrs {
            raw(",\"attrs\":")
            object(attrs)
        }
        if let marks = node.marks {
            raw(",\"marks\":[")
            for (index, mark) in marks.enumerated() {
                if index > 0 { bytes.append(0x2C) }
                raw("{\"type\":")
                string(mark.type)
                if let attrs = mark.attrs {
                    raw(",\"attrs\":")
                    object(attrs)
                }
                bytes.append(0x7D)
            }
            bytes.append(0x5D)
        }
        if let content = node.content {
            raw(",\"content\":")
            nodes(content)
        }
        bytes.append(0x7D)
    }

    mutating func object(_ object: [String: ADFValue]) {
        if object.count == 1, let (key, value) = object.first {
            bytes.append(0x7B)
            string(key)
            bytes.append(0x3A)
            self.value(value)
            bytes.append(0x7D)
            return
        }
        bytes.append(0x7B)
        for (index, entry) in object.sorted(by: { $0.key < $1.key }).enumerated() {
            if index > 0 { bytes.append(0x2C) }
            string(entry.key)
            bytes.append(0x3A)
            value(entry.value)
        }
        bytes.append(0x7D)
    }

    mutating func value(_ value: ADFValue) {
        switch value {
        case .string(let text): string(text)
        case .number(let number): self.number(number)
        case .bool(let flag):
            if flag { raw("true") } else { raw("false") }
        case .null: raw("null")
        case .object(let object): self.object(object)
        case .array(let array):
            bytes.append(0x5B)
            for (index, element) in array.enumerated() {
                if index > 0 { bytes.append(0x2C) }
                self.value(element)
            }
            bytes.append(0x5D)
        }
    }

    mutating func number(_ number: Double) {
        if number.isNaN || number.isInfinite {
            raw("0")
        } else if number.rounded() == number, abs(number) < 1e15 {
            appendText(String(Int64(number)))
        } else {
            appendText(String(number))
        }
    }

    mutating func raw(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    mutating func appendText(_ text: String) {
        bytes.append(contentsOf: text.utf8)
    }

    mutating func string(_ text: String) {
        bytes.append(0x22)
        var text = text
        text.withUTF8 { utf8 in
            var runStart = 0
            var index = 0
            let count = utf8.count
            while index < count {
                // Eight bytes at a time while none needs escaping (no control byte, `"` or `\`).
                if index + 8 <= count, let base = utf8.baseAddress {
                    let word = UnsafeRawPointer(base).loadUnaligned(fromByteOffset: index, as: UInt64.self)
                    let ones: UInt64 = 0x0101_0101_0101_0101
                    let high: UInt64 = 0x8080_8080_8080_8080
                    let control = (word &- ones &* 0x20) & ~word & high
                    let quote = ((word ^ (ones &* 0x22)) &- ones) & ~(word ^ (ones &* 0x22)) & high
                    let backslash = ((word ^ (ones &* 0x5C)) &- ones) & ~(word ^ (ones &* 0x5C)) & high
                    if control | quote | backslash == 0 {
                        index += 8
                        continue
                    }
                }
                let b = utf8[index]
                index += 1
                guard b < 0x20 || b == 0x22 || b == 0x5C else { continue }
                if runStart < index - 1 {
                    bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<(index - 1)]))
                }
                runStart = index
                switch b {
                case 0x22: raw("\\\"")
                case 0x5C: raw("\\\\")
                case 0x0A: raw("\\n")
                case 0x0D: raw("\\r")
                case 0x09: raw("\\t")
                default:
                    let hex: [UInt8] = Array("0123456789abcdef".utf8)
                    bytes.append(contentsOf: [0x5C, 0x75, 0x30, 0x30, hex[Int(b >> 4)], hex[Int(b & 0xF)]])
                }
            }
            if runStart < utf8.count {
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<utf8.count]))
            }
        }
        bytes.append(0x22)
    }
}
