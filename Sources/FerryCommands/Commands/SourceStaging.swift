import ConfluenceExport
import FerryModel
import Foundation
import Logging
import Synchronization
import Workspace

/// Stages an export into a workspace once: later runs against the same workspace reuse
/// the staging (the export must be the same file), so a resumed migration plans the
/// same writes under the same keys.
enum SourceStaging {
    struct Record: Codable, Equatable {
        var path: String
        var size: Int64
    }

    static let recordName = "source.json"

    static func stage(
        export: URL, workspace: Workspace, logger: Logger, restage: Bool = false
    ) throws -> ExportPackage {
        let package = try ExportPackage.open(export)
        let record = Record(path: export.standardizedFileURL.path, size: package.entitiesSize)
        let recordURL = workspace.folder.appendingPathComponent(recordName)
        if !restage, let data = FileManager.default.contents(atPath: recordURL.path),
            let previous = try? JSONDecoder().decode(Record.self, from: data)
        {
            guard previous == record else {
                throw StagingError.differentSource(workspace: workspace.folder.path, staged: previous.path)
            }
            return package
        }
        for warning in package.warnings { logger.warning("\(warning)") }
        let mebibytes = Int((package.entitiesSize + (1 << 20) - 1) >> 20)
        let progress = ProgressReporter(phase: "staging entities.xml (MiB)", total: max(mebibytes, 1))
        // The record marks staging complete: drop it first, so that a restage cut short
        // (crash, Ctrl-C) leaves no record and the next run stages afresh.
        try? FileManager.default.removeItem(at: recordURL)
        var importer = ExportImporter(package: package, workspace: workspace)
        importer.progress = progressCallback(progress)
        let result = try importer.run()
        progress.finish()
        try workspace.makeStagingDurable()
        logger.info("staged export", metadata: ["objects": "\(result.objects)", "path": "\(record.path)"])
        try JSONEncoder().encode(record).write(to: recordURL, options: .atomic)
        return package
    }
}

/// Advances `progress` by whole MiB of entities.xml read, with the bytes for the rate.
func progressCallback(_ progress: ProgressReporter) -> @Sendable (Int64) -> Void {
    let consumed = Mutex<Int64>(0)
    return { bytes in
        let mebibytes = consumed.withLock { total in
            let before = (total + (1 << 20) - 1) >> 20
            total += bytes
            return Int(((total + (1 << 20) - 1) >> 20) - before)
        }
        progress.advance(items: mebibytes, bytes: bytes)
    }
}

enum StagingError: FerryError {
    case differentSource(workspace: String, staged: String)

    var summary: String {
        switch self {
        case .differentSource(let workspace, let staged):
            "workspace \(workspace) holds the migration of \(staged), not of this export"
        }
    }

    var remedy: String? {
        "give the same --from as before to resume, or a new --workspace for another export"
    }
}
