public import Foundation
import ZIPFoundation

extension ExportPackage {
    /// Runs `body` with a path on disk holding the attachment file at `path` (relative to
    /// the export). A folder export hands over its own file; a zip entry is streamed into
    /// `scratch` 64 KiB at a time and removed afterwards, so no attachment is ever held in memory.
    public func withLocalAttachmentFile<T: Sendable>(
        path: String, scratch: URL, _ body: (String) async throws -> T
    ) async throws -> T {
        switch layout {
        case .folder(let folder):
            let file = folder.appendingPathComponent(path).path
            guard FileManager.default.fileExists(atPath: file) else { throw ExportError.notFound(path: path) }
            return try await body(file)
        case .entitiesFile:
            throw ExportError.notFound(path: path)
        case .zip(let url, _, let root):
            try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
            let local = scratch.appendingPathComponent(UUID().uuidString)
            defer { try? FileManager.default.removeItem(at: local) }
            do {
                let archive = try Archive(url: url, accessMode: .read)
                guard let entry = archive[root + path] else { throw ExportError.notFound(path: path) }
                guard FileManager.default.createFile(atPath: local.path, contents: nil),
                    let handle = FileHandle(forWritingAtPath: local.path)
                else { throw ExportError.notFound(path: local.path) }
                defer { try? handle.close() }
                _ = try archive.extract(entry, bufferSize: 64 * 1024) { chunk in handle.write(chunk) }
            } catch let error as ExportError {
                throw error
            } catch {
                throw ExportError.zip(path: url.path, reason: "\(error)")
            }
            return try await body(local.path)
        }
    }
}
