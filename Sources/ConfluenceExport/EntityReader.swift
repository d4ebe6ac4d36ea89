/// Turns the token stream of entities.xml into one ``EntityRecord`` per `<object>`,
/// calling `emit` as each object closes. Holds only the object being read.
public struct EntityReader: XMLTokenHandler {
    /// Where in the object grammar the tokenizer is.
    private enum Frame {
        case root
        case object
        case objectID
        case property(name: String, className: String?)
        case propertyID
        case collection(name: String, map: Bool)
        case element(className: String?, key: String?)
        case elementID
        case component(prefix: String)
        case compositeID
        case other
    }

    private var stack: [Frame] = []
    private var current: EntityRecord?
    private var pendingReference: EntityReference?
    private var collectionItems: [EntityReference] = []
    private var mapItems: [(key: String, value: String)] = []
    private var compositeParts: [String] = []
    private var counts = TextRepair.Counts()
    private var strayRepairs: [RepairKind: Int] = [:]
    private let path: String
    private let emit: (EntityRecord) throws -> Void
    /// How many `<object>` elements were read.
    public private(set) var objectCount = 0
    /// Repairs found outside any object (or in tokens before an object's id).
    public var unattributedRepairs: [RepairKind: Int] { strayRepairs }

    public init(path: String, emit: @escaping (EntityRecord) throws -> Void) {
        self.path = path
        self.emit = emit
        stack.reserveCapacity(8)
    }

    public mutating func tokenizerRepaired(_ kind: RepairKind, detail: String) {
        if current != nil {
            current?.repairs[kind, default: 0] += 1
        } else {
            strayRepairs[kind, default: 0] += 1
        }
    }

    public mutating func startElement(_ tag: XMLStartTag) throws {
        let name = tag.name
        guard let top = stack.last else {
            guard name.is("hibernate-generic") else {
                throw ExportError.notConfluence(path: path, root: name.string)
            }
            stack.append(.root)
            return
        }
        switch top {
        case .root:
            if name.is("object") {
                var record = EntityRecord(className: tag.attribute("class") ?? "", id: "", offset: tag.offset)
                record.properties.reserveCapacity(16)
                current = record
                stack.append(.object)
            } else {
                stack.append(.other)
            }
        case .object, .component:
            let prefix: String
            if case .component(let p) = top { prefix = p } else { prefix = "" }
            if name.is("id") {
                stack.append(.objectID)
            } else if name.is("property") {
                let propertyName = prefix + (tag.attribute("name") ?? "")
                pendingReference = nil
                stack.append(.property(name: propertyName, className: tag.attribute("class")))
            } else if name.is("collection") {
                collectionItems.removeAll(keepingCapacity: true)
                mapItems.removeAll(keepingCapacity: true)
                let className = tag.attribute("class") ?? ""
                stack.append(
                    .collection(name: prefix + (tag.attribute("name") ?? ""), map: className.hasPrefix("java.util.Map"))
                )
            } else if name.is("component") {
                stack.append(.component(prefix: prefix + (tag.attribute("name") ?? "") + "."))
            } else if name.is("composite-id") {
                compositeParts.removeAll(keepingCapacity: true)
                stack.append(.compositeID)
            } else {
                stack.append(.other)
            }
        case .property(_, let className):
            stack.append(name.is("id") && className != nil ? .propertyID : .other)
        case .collection:
            if name.is("element") {
                pendingReference = nil
                stack.append(.element(className: tag.attribute("class"), key: tag.attribute("name")))
            } else {
                stack.append(.other)
            }
        case .element:
            stack.append(name.is("id") ? .elementID : .other)
        case .compositeID:
            stack.append(name.is("property") ? .property(name: "", className: tag.attribute("class")) : .other)
        case .objectID, .propertyID, .elementID, .other:
            stack.append(.other)
        }
    }

    public mutating func endElement(_ name: XMLName, text: UnsafeBufferPointer<UInt8>) throws {
        guard let top = stack.popLast() else { return }
        switch top {
        case .root:
            return
        case .object:
            guard var record = current else { return }
            current = nil
            record.byteLength = name.offset + 9 - record.offset
            attributeCounts(to: &record)
            objectCount += 1
            try emit(record)
        case .objectID:
            let id = String(clean(text).trimmingSpaces)
            current?.id = id
        case .property(let propertyName, let className):
            let value: EntityValue
            if let className {
                if let reference = pendingReference {
                    value = .reference(EntityReference(className: className, id: reference.id))
                } else {
                    let scalar = clean(text)
                    value = scalar.isEmpty ? .null : .text(scalar)
                }
            } else if text.isEmpty {
                value = .null
            } else {
                value = .text(clean(text))
            }
            pendingReference = nil
            if case .compositeID = stack.last {
                if case .text(let part) = value { compositeParts.append(part) }
            } else {
                current?.properties.append((propertyName, value))
            }
        case .propertyID, .elementID:
            pendingReference = EntityReference(className: "", id: String(clean(text).trimmingSpaces))
        case .collection(let collectionName, let map):
            current?.properties.append((collectionName, map ? .map(mapItems) : .collection(collectionItems)))
            collectionItems.removeAll(keepingCapacity: true)
            mapItems.removeAll(keepingCapacity: true)
        case .element(let className, let key):
            if let key {
                mapItems.append((key, clean(text)))
            } else if let reference = pendingReference {
                collectionItems.append(EntityReference(className: className ?? "", id: reference.id))
            } else if !text.isEmpty {
                collectionItems.append(
                    EntityReference(className: className ?? "", id: String(clean(text).trimmingSpaces)))
            }
            pendingReference = nil
        case .component:
            return
        case .compositeID:
            current?.id = compositeParts.joined(separator: ":")
        case .other:
            return
        }
    }

    private mutating func clean(_ text: UnsafeBufferPointer<UInt8>) -> String {
        TextRepair.clean(text, counts: &counts)
    }

    private mutating func attributeCounts(to record: inout EntityRecord) {
        if counts.controlCharacters > 0 { record.repairs[.controlCharacters, default: 0] += counts.controlCharacters }
        if counts.invalidUTF8 > 0 { record.repairs[.invalidUTF8, default: 0] += counts.invalidUTF8 }
        if counts.cdataEscapes > 0 { record.repairs[.cdataEscape, default: 0] += counts.cdataEscapes }
        counts = TextRepair.Counts()
    }
}
