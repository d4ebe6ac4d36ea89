public import Foundation
import ZIPFoundation

extension ExportPackage {
    /// Relative paths (and sizes) of the export's files below `prefix` (`plugin-data/`), sorted.
    public func files(under prefix: String) throws -> [(path: String, size: Int64)] {
        var found: [(path: String, size: Int64)] = []
        switch layout {
        case .entitiesFile:
            return []
        case .folder(let folder):
            let base = folder.appendingPathComponent(prefix)
            guard
                let enumerator = FileManager.default.enumerator(
                    at: base, includingPropertiesForKeys: [.fileSizeKey, .isRegularFileKey])
            else { return [] }
            let root = folder.standardizedFileURL.path + "/"
            while let item = enumerator.nextObject() as? URL {
                let values = try? item.resourceValues(forKeys: [.fileSizeKey, .isRegularFileKey])
                guard values?.isRegularFile == true else { continue }
                let path = item.standardizedFileURL.path
                guard path.hasPrefix(root) else { continue }
                found.append((String(path.dropFirst(root.count)), Int64(values?.fileSize ?? 0)))
            }
        case .zip(let url, _, let root):
            let archive: Archive
            do {
                archive = try Archive(url: url, accessMode: .read)
            } catch {
                throw ExportError.zip(path: url.path, reason: "\(error)")
            }
            for entry in archive where entry.type == .file && entry.path.hasPrefix(root + prefix) {
                found.append((String(entry.path.dropFirst(root.count)), Int64(entry.uncompressedSize)))
            }
        }
        return found.sorted { $0.path < $1.path }
    }

    /// Copies one file of the export (`attachments/…`, `plugin-data/…`) to `destination`,
    /// 64 KiB at a time, and returns its size.
    @discardableResult
    public func copyFile(path: String, to destination: URL) throws -> Int64 {
        let fileManager = FileManager.default
        try fileManager.createDirectory(at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)
        try? fileManager.removeItem(at: destination)
        switch layout {
        case .entitiesFile:
            throw ExportError.notFound(path: path)
        case .folder(let folder):
            let source = folder.appendingPathComponent(path)
            guard fileManager.fileExists(atPath: source.path) else { throw ExportError.notFound(path: path) }
            do {
                try fileManager.copyItem(at: source, to: destination)
            } catch {
                throw ExportError.unreadable(path: source.path, reason: "\(error)")
            }
            return Int64((try? fileManager.attributesOfItem(atPath: destination.path)[.size] as? Int) ?? 0)
        case .zip(let url, _, let root):
            do {
                let archive = try Archive(url: url, accessMode: .read)
                guard let entry = archive[root + path] else { throw ExportError.notFound(path: path) }
                guard fileManager.createFile(atPath: destination.path, contents: nil),
                    let handle = FileHandle(forWritingAtPath: destination.path)
                else { throw ExportError.unreadable(path: destination.path, reason: "cannot create the file") }
                defer { try? handle.close() }
                var size: Int64 = 0
                _ = try archive.extract(entry, bufferSize: 64 * 1024) { chunk in
                    handle.write(chunk)
                    size += Int64(chunk.count)
                }
                return size
            } catch let error as ExportError {
                throw error
            } catch {
                throw ExportError.zip(path: url.path, reason: "\(error)")
            }
        }
    }
}
