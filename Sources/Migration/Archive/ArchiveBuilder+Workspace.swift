import Foundation
import GRDB
import Workspace

extension ArchiveRun {
    /// The whole original bodies of the pages Cloud's 5 MB body limit cut: `ferry migrate`
    /// keeps each in `<workspace>/oversize-bodies/<content id>.xml`; the archive copies them
    /// with a list naming the page, its space and the original size, so the part Cloud does
    /// not hold survives the source's switch-off.
    func truncatedBodies() throws -> ArchiveSection {
        let folderName = "truncated-bodies"
        try makeFolder(folderName)
        let source = builder.workspace.folder.appendingPathComponent(Migrator.oversizeBodiesFolder)
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: source.path)) ?? [])
            .filter { $0.hasSuffix(".xml") }.sorted()
        let table = try csv("\(folderName)/truncated-bodies.csv", ["content_id", "space", "title", "bytes", "file"])
        var copied: [String] = []
        for name in names {
            let id = String(name.dropLast(4))
            let from = source.appendingPathComponent(name)
            let relative = "\(folderName)/\(name)"
            do {
                try FileManager.default.copyItem(at: from, to: url(relative))
            } catch {
                warnings.append("truncated body of content \(id): \(from.path) could not be copied (\(error))")
                continue
            }
            let bytes = (try? FileManager.default.attributesOfItem(atPath: from.path)[.size] as? Int) ?? 0
            let row = try database.read { db in
                try Row.fetchOne(
                    db,
                    sql: """
                        SELECT c.title, s.key AS space_key FROM staged_content c
                        LEFT JOIN staged_spaces s ON s.id = c.effective_space_id WHERE c.id = ?
                        """, arguments: [id])
            }
            try table.write([
                id, (row?["space_key"] as String?) ?? "", (row?["title"] as String?) ?? "", String(bytes), relative,
            ])
            copied.append(relative)
        }
        try table.close()
        return ArchiveSection(
            id: "truncated-bodies", title: "Page bodies over Cloud's 5 MB limit", count: copied.count,
            files: ["\(folderName)/truncated-bodies.csv"] + copied,
            note:
                "Cloud holds the first part of these pages and a notice; each file is the whole original body "
                + "(storage format) that ferry migrate kept in the workspace.")
    }
}
