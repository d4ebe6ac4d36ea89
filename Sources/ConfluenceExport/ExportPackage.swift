import FerryModel
public import Foundation
import ZIPFoundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A Confluence XML export on disk: a .zip, an unzipped folder, or a bare entities.xml.
///
/// Nothing is loaded when it is opened; ``streamEntities(chunkSize:_:)`` reads
/// entities.xml in fixed-size chunks (from a zip entry too, decompressed on the fly)
/// and ``attachmentFiles(_:)`` lists `attachments/<container>/<attachment>/<version>`.
public struct ExportPackage: Sendable {
    public enum Layout: Sendable, Equatable {
        case folder(URL)
        case zip(URL, entitiesPath: String, root: String)
        case entitiesFile(URL)
    }

    public let location: URL
    public let layout: Layout
    /// `exportDescriptor.properties`, or nil when the export lacks it.
    public let descriptor: [String: String]?
    /// Size of entities.xml in bytes (uncompressed).
    public let entitiesSize: Int64
    /// Problems found while opening that do not stop the read.
    public let warnings: [String]

    public var exportType: String? { descriptor?["exportType"] }
    public var spaceKey: String? { descriptor?["spaceKey"] }

    public static func open(_ url: URL) throws -> ExportPackage {
        let fileManager = FileManager.default
        var isDirectory: ObjCBool = false
        guard fileManager.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw ExportError.notFound(path: url.path)
        }
        if isDirectory.boolValue {
            let entities = url.appendingPathComponent("entities.xml")
            guard fileManager.fileExists(atPath: entities.path) else { throw ExportError.noEntities(path: url.path) }
            let descriptorURL = url.appendingPathComponent("exportDescriptor.properties")
            let descriptor = (try? String(contentsOf: descriptorURL, encoding: .utf8)).map(parseProperties)
            return ExportPackage(
                location: url, layout: .folder(url), descriptor: descriptor,
                entitiesSize: fileSize(entities),
                warnings: descriptor == nil ? [missingDescriptorWarning(url)] : [])
        }
        if url.pathExtension.lowercased() == "zip" || isZip(url) {
            let archive: Archive
            do {
                archive = try Archive(url: url, accessMode: .read)
            } catch {
                throw ExportError.zip(path: url.path, reason: "\(error)")
            }
            // entities.xml at the top, or inside one top-level folder.
            var best: Entry?
            for entry in archive where entry.type == .file {
                let path = entry.path
                guard path == "entities.xml" || path.hasSuffix("/entities.xml") else { continue }
                if best == nil || path.count < (best?.path.count ?? .max) { best = entry }
            }
            guard let entities = best else { throw ExportError.noEntities(path: url.path) }
            let root = String(entities.path.dropLast("entities.xml".count))
            var descriptor: [String: String]?
            if let entry = archive[root + "exportDescriptor.properties"] {
                var data = Data()
                _ = try? archive.extract(entry, skipCRC32: true) { data.append($0) }
                descriptor = parseProperties(String(decoding: data, as: UTF8.self))
            }
            return ExportPackage(
                location: url, layout: .zip(url, entitiesPath: entities.path, root: root), descriptor: descriptor,
                entitiesSize: Int64(entities.uncompressedSize),
                warnings: descriptor == nil ? [missingDescriptorWarning(url)] : [])
        }
        return ExportPackage(
            location: url, layout: .entitiesFile(url), descriptor: nil, entitiesSize: fileSize(url),
            warnings: [missingDescriptorWarning(url)])
    }

    /// A folder holding only `attachments/<container>/<attachment>/<version>` files: where
    /// a migration from a live Data Center site keeps the files it downloaded, so the
    /// transfer and verification read them exactly as they read an export's.
    public static func attachmentFolder(_ url: URL) -> ExportPackage {
        ExportPackage(location: url, layout: .folder(url), descriptor: nil, entitiesSize: 0, warnings: [])
    }

    private static func missingDescriptorWarning(_ url: URL) -> String {
        "\(url.lastPathComponent) has no exportDescriptor.properties; the export type and space are inferred from entities.xml"
    }

    private static func fileSize(_ url: URL) -> Int64 {
        ((try? FileManager.default.attributesOfItem(atPath: url.path)[.size]) as? NSNumber)?.int64Value ?? 0
    }

    private static func isZip(_ url: URL) -> Bool {
        guard let handle = try? FileHandle(forReadingFrom: url) else { return false }
        defer { try? handle.close() }
        let magic = (try? handle.read(upToCount: 4)) ?? Data()
        return magic == Data([0x50, 0x4B, 0x03, 0x04])
    }

    /// Java `.properties`: `key=value` lines; `#` and `!` start comments.
    static func parseProperties(_ text: String) -> [String: String] {
        var result: [String: String] = [:]
        for line in text.split(whereSeparator: \.isNewline) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty, !trimmed.hasPrefix("#"), !trimmed.hasPrefix("!") else { continue }
            guard let separator = trimmed.firstIndex(where: { $0 == "=" || $0 == ":" }) else { continue }
            let key = trimmed[..<separator].trimmingCharacters(in: .whitespaces)
            let value = trimmed[trimmed.index(after: separator)...].trimmingCharacters(in: .whitespaces)
            result[key] = value
        }
        return result
    }

    /// Calls `body` with successive chunks of entities.xml (at most `chunkSize` bytes each).
    public func streamEntities(chunkSize: Int = 1 << 20, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        switch layout {
        case .folder(let folder):
            try streamFile(folder.appendingPathComponent("entities.xml"), chunkSize: chunkSize, body)
        case .entitiesFile(let file):
            try streamFile(file, chunkSize: chunkSize, body)
        case .zip(let url, let entitiesPath, _):
            let archive: Archive
            do {
                archive = try Archive(url: url, accessMode: .read)
            } catch {
                throw ExportError.zip(path: url.path, reason: "\(error)")
            }
            guard let entry = archive[entitiesPath] else { throw ExportError.noEntities(path: url.path) }
            do {
                _ = try archive.extract(entry, bufferSize: chunkSize, skipCRC32: true) { data in
                    try data.withUnsafeBytes { try body($0) }
                }
            } catch let error as ExportError {
                throw error
            } catch let error as any FerryError {
                throw error
            } catch {
                throw ExportError.zip(path: url.path, reason: "\(error)")
            }
        }
    }

    private func streamFile(_ url: URL, chunkSize: Int, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        let descriptor = Foundation.open(url.path, O_RDONLY)
        guard descriptor >= 0 else {
            throw ExportError.unreadable(path: url.path, reason: String(cString: strerror(errno)))
        }
        defer { close(descriptor) }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let count = read(descriptor, buffer.baseAddress, chunkSize)
            if count < 0 {
                if errno == EINTR { continue }
                throw ExportError.unreadable(path: url.path, reason: String(cString: strerror(errno)))
            }
            if count == 0 { return }
            try body(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
        }
    }

    /// One file under `attachments/`: the bytes of one attachment version.
    public struct AttachmentFile: Sendable, Equatable {
        public var containerID: String
        public var attachmentID: String
        public var version: Int
        public var size: Int64
        /// A path relative to the export (`attachments/…`), inside the zip for zips.
        public var path: String
    }

    /// Lists every `attachments/<container>/<attachment>/<version>` file, streaming.
    public func attachmentFiles(_ body: (AttachmentFile) throws -> Void) throws {
        func parse(_ relative: String, size: Int64) throws {
            let parts = relative.split(separator: "/", omittingEmptySubsequences: true)
            guard parts.count == 4, parts[0] == "attachments", let version = Int(parts[3]) else { return }
            try body(
                AttachmentFile(
                    containerID: String(parts[1]), attachmentID: String(parts[2]), version: version, size: size,
                    path: relative))
        }
        switch layout {
        case .entitiesFile:
            return
        case .folder(let folder):
            // attachments/<container>/<attachment>/<version>, walked with readdir and
            // fstatat: Foundation's URL resource values cost ~0.2 ms per file.
            try Self.walkAttachments(folder: folder.standardizedFileURL.path) { relative, size in
                try parse(relative, size: size)
            }
        case .zip(let url, _, let root):
            let archive: Archive
            do {
                archive = try Archive(url: url, accessMode: .read)
            } catch {
                throw ExportError.zip(path: url.path, reason: "\(error)")
            }
            for entry in archive where entry.type == .file && entry.path.hasPrefix(root + "attachments/") {
                try parse(String(entry.path.dropFirst(root.count)), size: Int64(entry.uncompressedSize))
            }
        }
    }

    /// Calls `body` with `attachments/<container>/<attachment>/<version>` (relative to
    /// `folder`) and the size of every regular file three levels below `attachments`.
    /// Symbolic links are neither followed nor listed.
    private static func walkAttachments(folder: String, _ body: (String, Int64) throws -> Void) throws {
        func entries(_ path: String) -> [(name: String, isDirectory: Bool, size: Int64)] {
            guard let directory = opendir(path) else { return [] }
            defer { closedir(directory) }
            let descriptor = dirfd(directory)
            var result: [(name: String, isDirectory: Bool, size: Int64)] = []
            while let entry = readdir(directory) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                    String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
                }
                guard name != ".", name != ".." else { continue }
                var info = stat()
                guard fstatat(descriptor, name, &info, AT_SYMLINK_NOFOLLOW) == 0 else { continue }
                let kind = info.st_mode & S_IFMT
                if kind == S_IFDIR {
                    result.append((name, true, 0))
                } else if kind == S_IFREG {
                    result.append((name, false, Int64(info.st_size)))
                }
            }
            return result
        }
        let base = folder + "/attachments"
        for container in entries(base) where container.isDirectory {
            let containerPath = base + "/" + container.name
            for attachment in entries(containerPath) where attachment.isDirectory {
                for version in entries(containerPath + "/" + attachment.name) where !version.isDirectory {
                    try body("attachments/\(container.name)/\(attachment.name)/\(version.name)", version.size)
                }
            }
        }
    }

    /// Reads one attachment file's bytes (for tests and small checks; not for bulk copies).
    public func readAttachment(path: String) throws -> Data {
        switch layout {
        case .folder(let folder):
            return try Data(contentsOf: folder.appendingPathComponent(path))
        case .entitiesFile:
            throw ExportError.notFound(path: path)
        case .zip(let url, _, let root):
            let archive = try Archive(url: url, accessMode: .read)
            guard let entry = archive[root + path] else { throw ExportError.notFound(path: path) }
            var data = Data()
            _ = try archive.extract(entry) { data.append($0) }
            return data
        }
    }
}
