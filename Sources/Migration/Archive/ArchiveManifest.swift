import Crypto
public import FerryModel
public import Foundation

/// The manifest of an archive folder: every file with its size and SHA-256, chained so
/// that changing, removing or adding a file, or editing the manifest itself, is detected.
///
/// Each entry's `chain` is `SHA-256(previous chain ‖ path ‖ NUL ‖ size ‖ NUL ‖ sha256)`,
/// starting from 64 zeros; ``root`` is the last link. Keep the root somewhere else too (the
/// migration report and the workspace record it) and a rewritten manifest is caught as well.
///
/// Cost: reads every file once, 1 MiB at a time.
public struct ArchiveManifest: Codable, Sendable, Equatable {
    public struct Entry: Codable, Sendable, Equatable {
        public var path: String
        public var size: Int64
        public var sha256: String
        public var chain: String
    }

    public static let fileName = "manifest.json"
    static let genesis = String(repeating: "0", count: 64)

    public var version = 1
    public var createdAt: Date
    public var generator: String
    public var files: [Entry]
    public var root: String

    /// Hashes every file below `folder` (except the manifest) and returns the manifest,
    /// entries sorted by path so the same content always gives the same root.
    public static func build(folder: URL, generator: String, createdAt: Date = Date()) throws -> ArchiveManifest {
        var chain = genesis
        var entries: [Entry] = []
        for path in try listFiles(folder) where path != fileName {
            let url = folder.appendingPathComponent(path)
            let (size, digest) = try hash(url)
            chain = link(chain, path: path, size: size, sha256: digest)
            entries.append(Entry(path: path, size: size, sha256: digest, chain: chain))
        }
        return ArchiveManifest(createdAt: createdAt, generator: generator, files: entries, root: chain)
    }

    /// Writes `manifest.json` into `folder`.
    public func write(to folder: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        try encoder.encode(self).write(to: folder.appendingPathComponent(Self.fileName), options: .atomic)
    }

    public static func read(from folder: URL) throws(ArchiveError) -> ArchiveManifest {
        let url = folder.appendingPathComponent(fileName)
        guard let data = FileManager.default.contents(atPath: url.path) else { throw .missingManifest(path: url.path) }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        do {
            return try decoder.decode(ArchiveManifest.self, from: data)
        } catch {
            throw .malformedManifest(path: url.path, reason: "\(error)")
        }
    }

    /// One problem found by ``check(folder:expectedRoot:)``.
    public struct Problem: Codable, Sendable, Equatable, CustomStringConvertible {
        public enum Kind: String, Codable, Sendable {
            case modified, missing, unexpected, brokenChain = "broken-chain", rootMismatch = "root-mismatch"
        }

        public var kind: Kind
        public var path: String
        public var detail: String

        public var description: String { "\(kind.rawValue): \(path): \(detail)" }
    }

    /// Re-hashes the folder against its manifest. An empty result means the archive is intact.
    public static func check(folder: URL, expectedRoot: String? = nil) throws -> [Problem] {
        let manifest = try read(from: folder)
        var problems: [Problem] = []
        var chain = genesis
        for entry in manifest.files {
            chain = link(chain, path: entry.path, size: entry.size, sha256: entry.sha256)
            if chain != entry.chain {
                problems.append(Problem(kind: .brokenChain, path: entry.path, detail: "the manifest entry was edited"))
                chain = entry.chain
            }
            let url = folder.appendingPathComponent(entry.path)
            guard FileManager.default.fileExists(atPath: url.path) else {
                problems.append(
                    Problem(kind: .missing, path: entry.path, detail: "listed in the manifest, not on disk"))
                continue
            }
            let (size, digest) = try hash(url)
            if size != entry.size || digest != entry.sha256 {
                problems.append(
                    Problem(
                        kind: .modified, path: entry.path,
                        detail:
                            "expected \(entry.size) bytes sha256 \(entry.sha256), found \(size) bytes sha256 \(digest)")
                )
            }
        }
        if chain != manifest.root {
            problems.append(Problem(kind: .brokenChain, path: fileName, detail: "the root does not close the chain"))
        }
        if let expectedRoot, expectedRoot != manifest.root {
            problems.append(
                Problem(kind: .rootMismatch, path: fileName, detail: "root \(manifest.root), expected \(expectedRoot)"))
        }
        let listed = Set(manifest.files.map(\.path))
        for path in try listFiles(folder) where path != fileName && !listed.contains(path) {
            problems.append(Problem(kind: .unexpected, path: path, detail: "on disk, not in the manifest"))
        }
        return problems
    }

    static func link(_ previous: String, path: String, size: Int64, sha256: String) -> String {
        var hasher = SHA256()
        hasher.update(data: Data(previous.utf8))
        hasher.update(data: Data(path.utf8))
        hasher.update(data: Data([0]))
        hasher.update(data: Data(String(size).utf8))
        hasher.update(data: Data([0]))
        hasher.update(data: Data(sha256.utf8))
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    /// Size and SHA-256 (hex) of a file, read in 1 MiB chunks.
    public static func hash(_ url: URL) throws -> (Int64, String) {
        guard let handle = FileHandle(forReadingAtPath: url.path) else {
            throw ArchiveError.unreadable(path: url.path)
        }
        defer { try? handle.close() }
        var hasher = SHA256()
        var size: Int64 = 0
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            hasher.update(data: chunk)
            size += Int64(chunk.count)
        }
        return (size, hasher.finalize().map { String(format: "%02x", $0) }.joined())
    }

    /// Relative paths of every regular file below `folder`, sorted.
    static func listFiles(_ folder: URL) throws -> [String] {
        let base = folder.standardizedFileURL.resolvingSymlinksInPath().path
        guard
            let enumerator = FileManager.default.enumerator(
                at: folder, includingPropertiesForKeys: [.isRegularFileKey], options: [])
        else { throw ArchiveError.unreadable(path: folder.path) }
        var paths: [String] = []
        for case let url as URL in enumerator {
            guard (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true else { continue }
            let full = url.standardizedFileURL.resolvingSymlinksInPath().path
            guard full.hasPrefix(base + "/") else { continue }
            paths.append(String(full.dropFirst(base.count + 1)))
        }
        return paths.sorted()
    }
}

/// An archive that cannot be written or checked.
public enum ArchiveError: FerryError, Equatable {
    case missingManifest(path: String)
    case malformedManifest(path: String, reason: String)
    case unreadable(path: String)

    public var summary: String {
        switch self {
        case .missingManifest(let path): "no archive manifest at \(path)"
        case .malformedManifest(let path, let reason): "\(path) is not a Ferry archive manifest: \(reason)"
        case .unreadable(let path): "cannot read \(path)"
        }
    }

    public var remedy: String? {
        switch self {
        case .missingManifest: "give the folder written by ferry archive (it holds manifest.json)"
        case .malformedManifest: "the manifest was damaged or edited: restore the archive from its copy"
        case .unreadable: "check the file exists and is readable by this user"
        }
    }
}
