import ConfluenceDataCenter
import ConfluenceExport
import FerryModel
import Foundation
import Logging
import Migration
import Workspace

/// One sync pass end to end, shared by `ferry sync` and `ferry cutover`: take the
/// baseline, stage the source again, connect to the recorded target, run the pass and
/// record it.
struct SyncRunner {
    let workspace: Workspace
    let configuration: FerryConfiguration
    let source: String?
    let options: SyncOptions
    let logger: Logger
    /// Requests per second and in flight toward a Data Center source.
    var sourceRate: Double = 20
    var sourceConcurrency: Int = 4

    static let cutoverRequestedKey = "cutover_requested"
    static let cutoverAtKey = "cutover_at"
    static let cutoverReportKey = "cutover_report"
    static let heartbeatKey = "loop_heartbeat"
    static let stagedPassKey = "staged_pass"

    func pass() async throws -> SyncOutcome {
        let inventory = workspace.syncInventory
        if let at = try inventory.meta(Self.cutoverAtKey) { throw SyncError.cutOver(at: at) }
        guard let record = MigrationRecord.read(workspace.folder) else {
            throw SyncError.notMigrated(workspace: workspace.folder.path)
        }
        let path =
            source.map { DataCenterSource.isSite($0) ? $0 : URL(fileURLWithPath: $0).standardizedFileURL.path }
            ?? record.source
        // The baseline comes from the staging the migration used: take it before restaging.
        try Syncer.takeBaseline(workspace)
        let (pass, resumed) = try inventory.beginPass()
        let export: ExportPackage
        let stagedPass = try inventory.meta(Self.stagedPassKey)
        let staged = resumed && path == record.source && stagedPass == String(pass.number)
        var sourceRead = SyncOutcome.SourceRead(mode: staged ? "staged" : "export")
        if DataCenterSource.isSite(path) {
            // A live Data Center site: read what changed since the last completed pass.
            if staged {
                export = ExportPackage.attachmentFolder(
                    workspace.folder.appendingPathComponent(DataCenterStager.filesFolderName))
            } else {
                let client = try DataCenterSource.client(
                    site: path, configuration: configuration, rate: sourceRate, concurrency: sourceConcurrency,
                    allowInsecureHTTP: false, logger: logger)
                let keys = try inventory.spaceKeys()
                do {
                    let read = try await readSite(client: client, path: path, record: record, keys: keys)
                    export = read.0
                    sourceRead = read.1
                } catch {
                    try? await client.transport.shutdown()
                    throw error
                }
                try? await client.transport.shutdown()
                try inventory.setMeta(Self.stagedPassKey, String(pass.number))
            }
        } else if staged {
            export = try ExportPackage.open(URL(fileURLWithPath: path))
        } else {
            export = try SourceStaging.stage(
                export: URL(fileURLWithPath: path), workspace: workspace, logger: logger, restage: true)
            try inventory.setMeta(Self.stagedPassKey, String(pass.number))
        }
        try MigrationRecord(source: path, target: record.target).write(workspace.folder)
        let connection = try await TargetConnection.open(
            target: record.target, configuration: configuration, workspace: workspace.folder, logger: logger)
        var outcome: SyncOutcome
        do {
            let syncer = Syncer(
                workspace: workspace, export: export, client: connection.client, options: options,
                concurrency: options.concurrency, logger: logger,
                progress: { line in Console.printError(line) })
            outcome = try await syncer.run(pass: pass, resumed: resumed)
            outcome.source = sourceRead
            if let frozen = try inventory.meta(DataCenterDelta.pendingFrozenTimeKey).flatMap(Double.init) {
                outcome.queryTime = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: frozen))
            }
        } catch let error as SyncError {
            await connection.close()
            // Refused before writing: the next run is a new pass that reads the source again.
            try inventory.finishPass(pass.number, outcome: try Self.compactJSON(["refused": error.summary]))
            throw error
        } catch {
            await connection.close()
            throw error
        }
        await connection.close()
        try inventory.finishPass(pass.number, outcome: try Self.compactJSON(outcome))
        // The next pass's CQL window starts from this one's frozen time (less the overlap).
        if let frozen = try inventory.meta(DataCenterDelta.pendingFrozenTimeKey) {
            try inventory.setMeta(DataCenterDelta.frozenTimeKey, frozen)
            try inventory.setMeta(DataCenterDelta.pendingFrozenTimeKey, nil)
        }
        return outcome
    }

    /// Reads a Data Center site for a pass: the changes since the last completed pass's
    /// frozen time (``DataCenterDelta``), or the migrated spaces in full when no frozen
    /// time was recorded (a workspace staged before Ferry recorded one, or a new site).
    /// The time this read starts from, on the site's clock, becomes the pass's frozen time.
    func readSite(
        client: DataCenterClient, path: String, record: MigrationRecord, keys: [String]
    ) async throws
        -> (ExportPackage, SyncOutcome.SourceRead)
    {
        let inventory = workspace.syncInventory
        let until = try await client.serverTime()
        let before = client.transport.statistics.requests
        let previous = try inventory.meta(DataCenterDelta.frozenTimeKey).flatMap(Double.init)
        let export: ExportPackage
        var read: SyncOutcome.SourceRead
        if let previous, path == record.source, !keys.isEmpty {
            let since = Date(timeIntervalSince1970: previous - DataCenterDelta.overlap)
            let delta = DataCenterDelta(
                client: client, workspace: workspace, concurrency: sourceConcurrency, logger: logger)
            let result = try await delta.run(spaces: keys, since: since)
            export = ExportPackage.attachmentFolder(
                workspace.folder.appendingPathComponent(DataCenterStager.filesFolderName))
            read = SyncOutcome.SourceRead(
                mode: "delta", since: ISO8601DateFormatter().string(from: since), restaged: result.restaged,
                removed: result.removed)
        } else {
            export = try await DataCenterSource.stage(
                client: client, workspace: workspace, spaces: keys.isEmpty ? nil : keys,
                concurrency: sourceConcurrency, history: false, logger: logger, restage: true,
                recordFrozenTime: false)
            read = SyncOutcome.SourceRead(mode: "full")
        }
        read.requests = client.transport.statistics.requests - before
        try inventory.setMeta(DataCenterDelta.pendingFrozenTimeKey, String(until.timeIntervalSince1970))
        return (export, read)
    }

    /// The final pass and the cut-over record.
    func cutover() async throws -> CutoverReport {
        let outcome = try await pass()
        let inventory = workspace.syncInventory
        let passes = try inventory.passes(limit: 100_000).filter { !($0.outcome ?? "").hasPrefix("{\"refused\"") }
        let report = CutoverReport(
            cutoverAt: ISO8601DateFormatter().string(from: Date()), passes: passes.count, finalPass: outcome,
            lag: outcome.lag)
        try inventory.setMeta(Self.cutoverReportKey, try Self.compactJSON(report))
        try inventory.setMeta(Self.cutoverAtKey, report.cutoverAt)
        return report
    }

    static func compactJSON(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// `30s`, `10m`, `1h` or plain seconds.
    static func seconds(_ text: String) -> Double? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]
        for (suffix, factor) in units where trimmed.hasSuffix(suffix) {
            guard let number = Double(trimmed.dropLast(suffix.count)), number > 0 else { return nil }
            return number * factor
        }
        guard let number = Double(trimmed), number > 0 else { return nil }
        return number
    }

    static func describe(_ outcome: SyncOutcome) -> String {
        var lines = [
            "Sync pass \(outcome.pass)\(outcome.resumed ? " (resumed)" : "") with the source as read at \(outcome.queryTime): "
                + "\(outcome.changes) changes, \(outcome.conflicts.count) conflicts, \(outcome.failed) failed, "
                + "\(outcome.requests) requests, \(String(format: "%.1f", outcome.seconds)) s"
        ]
        for (space, kinds) in outcome.spaces.sorted(by: { $0.key < $1.key }) {
            let parts = SyncChangeKind.allCases.compactMap { kind in
                kinds[kind.rawValue].map { "\(kind.rawValue) \($0)" }
            }
            lines.append("  \(space): " + parts.joined(separator: ", "))
        }
        for conflict in outcome.conflicts {
            let found = conflict.foundVersion.map { "version \($0)" } ?? "gone"
            lines.append(
                "  conflict [\(conflict.space)] \(conflict.sourceId) '\(conflict.title)' (Cloud \(conflict.targetId)): "
                    + "edited in Cloud (\(found), Ferry wrote version \(conflict.expectedVersion.map(String.init) ?? "?")); "
                    + (conflict.resolution == "overwritten"
                        ? "overwritten (--source-wins)" : "left alone (rerun with --source-wins to overwrite)"))
        }
        for failure in outcome.failures { lines.append("  failed \(failure.key) (\(failure.space)): \(failure.error)") }
        lines.append("  lag: " + describe(outcome.lag))
        return lines.joined(separator: "\n")
    }

    static func describe(_ lag: SyncLag) -> String {
        guard let max = lag.maxSeconds, let median = lag.medianSeconds else { return "no timed changes" }
        return "median \(ProgressReporter.format(seconds: median)), max \(ProgressReporter.format(seconds: max)) "
            + "(\(lag.samples) changes, from their last modification in the source to their arrival in Cloud)"
    }

    static func describe(_ report: CutoverReport) -> String {
        [
            "Cut over at \(report.cutoverAt) after \(report.passes) sync passes; later ferry sync runs refuse.",
            "Final pass:",
            describe(report.finalPass),
            "Change lag of the final pass: " + describe(report.lag),
        ].joined(separator: "\n")
    }
}
