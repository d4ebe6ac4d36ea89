public import Foundation
import ZIPFoundation

extension ExportPackage {
    /// Writes the export as a site-backup style zip (`entities.xml`,
    /// `exportDescriptor.properties`, `plugin-data/…` and, with `includeAttachments`,
    /// `attachments/…` at the top level), the way Confluence's backup job lays out its file.
    /// Files are copied in 64 KiB chunks; nothing is held whole in memory. Returns the
    /// number of files written.
    @discardableResult
    public func writeBackupZip(to destination: URL, includeAttachments: Bool) throws -> Int {
        let fileManager = FileManager.default
        try? fileManager.removeItem(at: destination)
        let output: Archive
        do {
            output = try Archive(url: destination, accessMode: .create)
        } catch {
            throw ExportError.unreadable(path: destination.path, reason: "cannot create the zip: \(error)")
        }
        func wanted(_ path: String) -> Bool {
            includeAttachments || !path.hasPrefix("attachments/")
        }
        var written = 0
        do {
            switch layout {
            case .entitiesFile(let url):
                try output.addEntry(with: "entities.xml", fileURL: url, compressionMethod: .deflate)
                written = 1
            case .folder(let folder):
                let root = folder.standardizedFileURL.path + "/"
                guard
                    let enumerator = fileManager.enumerator(
                        at: folder, includingPropertiesForKeys: [.isRegularFileKey])
                else { throw ExportError.unreadable(path: folder.path, reason: "the folder cannot be listed") }
                var paths: [String] = []
                while let item = enumerator.nextObject() as? URL {
                    guard (try? item.resourceValues(forKeys: [.isRegularFileKey]))?.isRegularFile == true else {
                        continue
                    }
                    let path = item.standardizedFileURL.path
                    guard path.hasPrefix(root) else { continue }
                    let relative = String(path.dropFirst(root.count))
                    if wanted(relative) { paths.append(relative) }
                }
                for relative in paths.sorted() {
                    try output.addEntry(
                        with: relative, fileURL: folder.appendingPathComponent(relative), compressionMethod: .deflate)
                    written += 1
                }
            case .zip(let url, _, let root):
                let input = try Archive(url: url, accessMode: .read)
                let scratch = fileManager.temporaryDirectory.appendingPathComponent("ferry-backup-\(UUID().uuidString)")
                defer { try? fileManager.removeItem(at: scratch) }
                for entry in input where entry.type == .file && entry.path.hasPrefix(root) {
                    let relative = String(entry.path.dropFirst(root.count))
                    guard wanted(relative) else { continue }
                    try? fileManager.removeItem(at: scratch)
                    _ = try input.extract(entry, to: scratch, bufferSize: 64 * 1024, skipCRC32: false)
                    try output.addEntry(with: relative, fileURL: scratch, compressionMethod: .deflate)
                    written += 1
                }
            }
        } catch let error as ExportError {
            throw error
        } catch {
            throw ExportError.unreadable(path: destination.path, reason: "writing the backup zip failed: \(error)")
        }
        return written
    }
}
