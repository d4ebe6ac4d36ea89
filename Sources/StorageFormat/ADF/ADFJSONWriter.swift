/// Writes ADF as compact JSON bytes: node keys in a fixed order, attribute keys
/// sorted, so the same document always gives the same bytes.
struct ADFJSONWriter {
    var bytes: [UInt8] = []

    init() {
        bytes.reserveCapacity(4096)
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
        for (index, node) in nodes.enumerated() {
            if index > 0 { bytes.append(0x2C) }
            self.node(node)
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
        for (index, key) in object.keys.sorted().enumerated() {
            if index > 0 { bytes.append(0x2C) }
            string(key)
            bytes.append(0x3A)
            if let value = object[key] { self.value(value) }
        }
        bytes.append(0x7D)
    }

    mutating func value(_ value: ADFValue) {
        switch value {
        case .string(let text): string(text)
        case .number(let number): self.number(number)
        case .bool(let flag): raw(flag ? "true" : "false")
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
            raw(String(Int64(number)))
        } else {
            raw(String(number))
        }
    }

    mutating func raw(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    mutating func raw(_ text: String) {
        bytes.append(contentsOf: text.utf8)
    }

    mutating func string(_ text: String) {
        bytes.append(0x22)
        var text = text
        text.withUTF8 { utf8 in
            var runStart = 0
            for index in 0..<utf8.count {
                let b = utf8[index]
                guard b < 0x20 || b == 0x22 || b == 0x5C else { continue }
                if runStart < index { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<index])) }
                runStart = index + 1
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
