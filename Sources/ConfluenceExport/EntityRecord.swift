public import FerryModel

/// One `<object>` of entities.xml, normalized: class, id and properties, with the
/// repairs its text needed.
public struct EntityRecord: Sendable {
    public var className: String
    public var id: String
    public var properties: [(name: String, value: EntityValue)] = []
    /// Byte offset of `<object` in entities.xml and the object's length in bytes.
    public var offset: Int64
    public var byteLength: Int64 = 0
    /// Repairs applied to this object's text (kind → how many).
    public var repairs: [RepairKind: Int] = [:]

    public init(className: String, id: String, offset: Int64) {
        self.className = className
        self.id = id
        self.offset = offset
    }

    public subscript(name: String) -> EntityValue? {
        for property in properties where property.name == name { return property.value }
        return nil
    }

    /// The property's text, or nil when absent or null.
    public func text(_ name: String) -> String? {
        if case .text(let value) = self[name] { return value }
        return nil
    }

    /// The property's integer value.
    public func integer(_ name: String) -> Int64? {
        text(name).flatMap { Int64($0.trimmingSpaces) }
    }

    /// The id a reference property points to.
    public func reference(_ name: String) -> EntityReference? {
        if case .reference(let reference) = self[name] { return reference }
        return nil
    }

    /// The references of a collection property (empty when absent).
    public func collection(_ name: String) -> [EntityReference] {
        if case .collection(let references) = self[name] { return references }
        return []
    }
}

/// A reference to another object: its class (from the `class` attribute) and id.
public struct EntityReference: Sendable, Hashable {
    public var className: String
    public var id: String

    public init(className: String, id: String) {
        self.className = className
        self.id = id
    }
}

public enum EntityValue: Sendable {
    case null
    case text(String)
    case reference(EntityReference)
    case collection([EntityReference])
    case map([(key: String, value: String)])
}

/// The kinds of damage the reader repairs or skips; stable strings, used in reports.
public enum RepairKind: String, Sendable, Codable, CaseIterable, Comparable {
    /// XML-illegal control characters (or U+FFFE/U+FFFF) dropped from text.
    case controlCharacters = "control-characters"
    /// Bytes that were not UTF-8, replaced by U+FFFD.
    case invalidUTF8 = "invalid-utf8"
    /// The exporter's nested-CDATA escape `]] ` turned back into `]]`.
    case cdataEscape = "cdata-escape"
    /// An `&` that did not start a known entity; kept as text.
    case badEntity = "bad-entity"
    /// A second object with a class and id already seen: skipped.
    case duplicateID = "duplicate-id"
    /// An object without an id: skipped.
    case missingID = "missing-id"
    /// A reference to an object the export does not contain.
    case missingReference = "missing-reference"
    /// An attachment version whose file is not in the export.
    case missingAttachmentFile = "missing-attachment-file"

    public static func < (lhs: RepairKind, rhs: RepairKind) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// Why an export could not be read at all.
public enum ExportError: FerryError, Equatable {
    case notFound(path: String)
    case noEntities(path: String)
    case notConfluence(path: String, root: String)
    case truncatedXML(offset: Int64, inside: String)
    case unreadable(path: String, reason: String)
    case zip(path: String, reason: String)

    public var summary: String {
        switch self {
        case .notFound(let path): "export '\(path)' does not exist"
        case .noEntities(let path): "'\(path)' holds no entities.xml, so it is not a Confluence XML export"
        case .notConfluence(let path, let root):
            "'\(path)' has root element <\(root)>, not <hibernate-generic>: it is not a Confluence export (a Jira backup uses <entity-engine-xml>)"
        case .truncatedXML(let offset, let inside):
            "entities.xml ends inside \(inside) at byte \(offset): the export is truncated"
        case .unreadable(let path, let reason): "cannot read '\(path)': \(reason)"
        case .zip(let path, let reason): "cannot read zip '\(path)': \(reason)"
        }
    }

    public var remedy: String? {
        switch self {
        case .notFound: "check the path; give a .zip, a folder holding entities.xml, or entities.xml itself"
        case .noEntities, .notConfluence:
            "export the space or site from Confluence (Space tools > Export > XML, or a site backup)"
        case .truncatedXML:
            "the file was cut short (disk full or an interrupted copy); export again or copy the whole file"
        case .unreadable: "check the file's permissions and that the disk is readable"
        case .zip: "test the zip with `unzip -t`; re-download or unzip it and give the folder instead"
        }
    }
}

extension String {
    /// The string without leading and trailing spaces, tabs and line breaks (scanned as
    /// UTF-8 bytes: no grapheme breaking on the hot path).
    var trimmingSpaces: Substring {
        let utf8 = self.utf8
        var start = utf8.startIndex
        var end = utf8.endIndex
        @inline(__always) func isSpace(_ byte: UInt8) -> Bool {
            byte == 0x20 || byte == 0x0A || byte == 0x09 || byte == 0x0D
        }
        while start < end, isSpace(utf8[start]) { start = utf8.index(after: start) }
        while start < end {
            let last = utf8.index(before: end)
            guard isSpace(utf8[last]) else { break }
            end = last
        }
        return self[start..<end]
    }
}
