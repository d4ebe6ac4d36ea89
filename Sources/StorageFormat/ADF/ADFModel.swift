/// A JSON value inside ADF attributes (`parameters` of extensions hold arbitrary JSON).
public enum ADFValue: Sendable, Equatable, Hashable {
    case string(String)
    case number(Double)
    case bool(Bool)
    case array([ADFValue])
    case object([String: ADFValue])
    case null

    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    public var numberValue: Double? {
        if case .number(let value) = self { return value }
        return nil
    }

    public var objectValue: [String: ADFValue]? {
        if case .object(let value) = self { return value }
        return nil
    }
}

extension ADFValue: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([ADFValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: ADFValue].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let value): try container.encode(value)
        case .number(let value):
            if value.rounded() == value, abs(value) < 1e15 {
                try container.encode(Int64(value))
            } else {
                try container.encode(value)
            }
        case .bool(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        case .null: try container.encodeNil()
        }
    }
}

extension ADFValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .number(Double(value)) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
}

/// A mark on an ADF node (`strong`, `link{href}`, `alignment{align}` …).
public struct ADFMark: Sendable, Equatable, Hashable, Codable {
    public var type: String
    public var attrs: [String: ADFValue]?

    public init(_ type: String, attrs: [String: ADFValue]? = nil) {
        self.type = type
        self.attrs = attrs
    }
}

/// One ADF node. Field names and optionality follow the ADF JSON shape, so the
/// synthesized `Codable` reads and writes ADF directly.
public struct ADFNode: Sendable, Equatable, Codable {
    public var type: String
    public var attrs: [String: ADFValue]?
    public var content: [ADFNode]?
    public var marks: [ADFMark]?
    public var text: String?

    public init(
        _ type: String, attrs: [String: ADFValue]? = nil, content: [ADFNode]? = nil, marks: [ADFMark]? = nil,
        text: String? = nil
    ) {
        self.type = type
        self.attrs = attrs
        self.content = content
        self.marks = marks
        self.text = text
    }

    public static func text(_ text: String, marks: [ADFMark] = []) -> ADFNode {
        ADFNode("text", marks: marks.isEmpty ? nil : marks, text: text)
    }

    public static func paragraph(_ content: [ADFNode], marks: [ADFMark] = []) -> ADFNode {
        ADFNode("paragraph", content: content, marks: marks.isEmpty ? nil : marks)
    }
}

/// A whole ADF document (`{"type": "doc", "version": 1, "content": [...]}`).
public struct ADFDocument: Sendable, Equatable, Codable {
    public var version: Int = 1
    public var content: [ADFNode]

    public init(content: [ADFNode]) {
        self.content = content
    }

    private enum CodingKeys: String, CodingKey {
        case type, version, content
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let type = try container.decode(String.self, forKey: .type)
        guard type == "doc" else {
            throw DecodingError.dataCorruptedError(
                forKey: .type, in: container, debugDescription: "an ADF document has type \"doc\", not \"\(type)\"")
        }
        version = try container.decode(Int.self, forKey: .version)
        content = try container.decode([ADFNode].self, forKey: .content)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode("doc", forKey: .type)
        try container.encode(version, forKey: .version)
        try container.encode(content, forKey: .content)
    }

    /// The document as compact JSON with sorted attribute keys, written without
    /// Foundation's encoder (several times faster on large pages).
    public func jsonBytes() -> [UInt8] {
        var writer = ADFJSONWriter()
        writer.write(self)
        return writer.bytes
    }

    public var jsonString: String { String(decoding: jsonBytes(), as: UTF8.self) }
}
