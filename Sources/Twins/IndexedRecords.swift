/// A table of twin records by id with secondary indexes kept up to date on every write, so
/// the twin's lookups by title, parent or container stay O(1) as a site grows to tens of
/// thousands of pages (a linear scan per request made the twin, not the client, the
/// bottleneck of a 20,000-page migration).
///
/// Reads and writes look like a dictionary's (`table[id]`, `table[id] = record`,
/// `table.values`); `ids(_:_:)` answers an index.
struct IndexedRecords<Record: Sendable>: Sendable {
    typealias KeyFunction = @Sendable (Record) -> String?

    private(set) var byId: [Int: Record] = [:]
    private let keys: [KeyFunction]
    private var indexes: [[String: Set<Int>]]

    init(indexedBy keys: [KeyFunction]) {
        self.keys = keys
        self.indexes = Array(repeating: [:], count: keys.count)
    }

    subscript(id: Int) -> Record? {
        get { byId[id] }
        set {
            if let old = byId[id] {
                for (index, key) in keys.enumerated() {
                    if let value = key(old) {
                        indexes[index][value]?.remove(id)
                        if indexes[index][value]?.isEmpty == true { indexes[index][value] = nil }
                    }
                }
            }
            byId[id] = newValue
            if let newValue {
                for (index, key) in keys.enumerated() {
                    if let value = key(newValue) { indexes[index][value, default: []].insert(id) }
                }
            }
        }
    }

    mutating func removeAll() {
        byId = [:]
        indexes = Array(repeating: [:], count: keys.count)
    }

    var values: Dictionary<Int, Record>.Values { byId.values }
    var count: Int { byId.count }

    /// The ids whose `index`-th key is `value`.
    func ids(_ index: Int, _ value: String) -> Set<Int> { indexes[index][value] ?? [] }

    /// The records whose `index`-th key is `value`.
    func records(_ index: Int, _ value: String) -> [Record] {
        ids(index, value).compactMap { byId[$0] }
    }
}
