public import Foundation
import ZIPFoundation

/// Packs an archive folder into one .zip (manifest included), for cold storage.
public enum ArchiveZip {
    /// Writes `zip` from every file below `folder`, under a top-level folder named like `folder`.
    public static func write(folder: URL, to zip: URL) throws {
        try? FileManager.default.removeItem(at: zip)
        do {
            let archive = try Archive(url: zip, accessMode: .create)
            let base = folder.standardizedFileURL
            let name = base.lastPathComponent
            for path in try ArchiveManifest.listFiles(base) {
                try archive.addEntry(
                    with: name + "/" + path, fileURL: base.appendingPathComponent(path), compressionMethod: .deflate)
            }
        } catch let error as ArchiveError {
            throw error
        } catch {
            throw ArchiveBuildError.cannotWrite(path: zip.path, reason: "\(error)")
        }
    }
}
