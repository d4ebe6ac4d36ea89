public import FerryModel
public import Foundation

/// One part of an archive: what it holds, how many items, and the files to open.
public struct ArchiveSection: Codable, Sendable, Equatable {
    /// Stable: `drafts`, `audit-log`, `avatars`, `emoticons`, `global-settings`,
    /// `permissions`, `apps`, `admins`, `other-objects`, `truncated-bodies`.
    public var id: String
    public var title: String
    public var count: Int
    /// Paths relative to the archive folder; the first is the one to open.
    public var files: [String]
    public var note: String

    public init(id: String, title: String, count: Int, files: [String], note: String) {
        self.id = id
        self.title = title
        self.count = count
        self.files = files
        self.note = note
    }
}

/// Something Cloud's API takes, so Ferry migrates it instead of archiving it.
public struct CarriedItem: Codable, Sendable, Equatable {
    public var item: String
    public var count: Int
    public var how: String

    public init(item: String, count: Int, how: String) {
        self.item = item
        self.count = count
        self.how = how
    }
}

/// `index.json` of an archive: its sections, what Ferry carries instead, and warnings.
public struct ArchiveIndex: Codable, Sendable, Equatable {
    public static let fileName = "index.json"

    public var version = 1
    public var createdAt: Date
    public var source: String
    public var sections: [ArchiveSection]
    public var carriedByFerry: [CarriedItem]
    /// Items the archive could not hold whole (a missing file, an unreadable body), each named.
    public var warnings: [String]

    public func section(_ id: String) -> ArchiveSection? { sections.first { $0.id == id } }

    public static func read(from folder: URL) throws(ArchiveError) -> ArchiveIndex {
        let url = folder.appendingPathComponent(fileName)
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw .unreadable(path: url.path)
        }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        do {
            return try decoder.decode(ArchiveIndex.self, from: data)
        } catch {
            throw .malformedManifest(path: url.path, reason: "\(error)")
        }
    }
}

/// `archive.json` in the workspace: where the last archive was written and its manifest root,
/// so `ferry report` can link to it and `ferry archive --check` can compare the root.
public struct ArchiveRecord: Codable, Sendable, Equatable {
    public static let fileName = "archive.json"

    public var path: String
    public var root: String
    public var createdAt: Date
    public var zip: String?

    public init(path: String, root: String, createdAt: Date, zip: String? = nil) {
        self.path = path
        self.root = root
        self.createdAt = createdAt
        self.zip = zip
    }

    public static func read(workspace: URL) -> ArchiveRecord? {
        guard let data = FileManager.default.contents(atPath: workspace.appendingPathComponent(fileName).path)
        else { return nil }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try? decoder.decode(ArchiveRecord.self, from: data)
    }

    public func write(workspace: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        try encoder.encode(self).write(to: workspace.appendingPathComponent(Self.fileName), options: .atomic)
    }
}

/// Why an archive could not be written.
public enum ArchiveBuildError: FerryError, Equatable {
    case cannotWrite(path: String, reason: String)
    case outputInsideSource(path: String)

    public var summary: String {
        switch self {
        case .cannotWrite(let path, let reason): "cannot write the archive at \(path): \(reason)"
        case .outputInsideSource(let path): "the archive folder \(path) already holds files that are not an archive"
        }
    }

    public var remedy: String? {
        switch self {
        case .cannotWrite: "check the disk has room and the folder is writable, or give another --out"
        case .outputInsideSource: "give an empty folder (or a previous archive folder) as --out"
        }
    }
}
