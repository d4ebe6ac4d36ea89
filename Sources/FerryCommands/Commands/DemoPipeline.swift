import ConfluenceExport
import FerryModel
import Foundation
import Logging
import Migration
import Workspace

/// The stages `ferry demo` runs, in order: generate a sample site, stage it, migrate it
/// into an in-process Cloud twin, verify the result. Each stage appends what it did.
struct DemoPipeline {
    struct Summary: Encodable {
        var workspace: String
        var stages: [Stage]
        var clean: Bool
    }

    struct Stage: Encodable {
        var name: String
        var result: String
    }

    let workspace: URL
    let logger: Logger
    let json: Bool
    var pages = 300
    var attachments = 60

    func run() async throws -> Bool {
        try FileManager.default.createDirectory(at: workspace, withIntermediateDirectories: true)
        var summary = Summary(workspace: workspace.path, stages: [], clean: false)

        var options = SampleGenerator.Options()
        options.spaces = 3
        options.pages = pages
        options.attachments = attachments
        options.seed = 2029
        let exportURL = workspace.appendingPathComponent("sample-site.zip")
        let generated = try SampleGenerator(options: options).generate(to: exportURL)
        summary.stages.append(
            Stage(
                name: "sample",
                result:
                    "generated a realistic site export (3 spaces, \(pages) pages, \(attachments) attachments, comments, labels, restrictions): \(exportURL.path), entities.xml \(ProgressReporter.format(bytes: generated.entitiesBytes))"
            ))

        let store = try Workspace.open(at: workspace.appendingPathComponent("workspace"))
        let export = try SourceStaging.stage(export: exportURL, workspace: store, logger: logger, restage: true)
        let staged = try store.summary()
        summary.stages.append(
            Stage(
                name: "stage",
                result:
                    "staged \(staged.totals.pages) pages, \(staged.totals.attachments) attachments, \(staged.totals.comments) comments into \(store.folder.path)"
            ))

        let configuration = FerryConfiguration()
        let connection = try await TargetConnection.open(
            target: "twin", configuration: configuration, workspace: store.folder, logger: logger)
        try MigrationRecord(source: exportURL.path, target: "twin").write(store.folder)
        do {
            let outcome = try await MigrateCommand.migrate(
                workspace: store, export: export, connection: connection,
                options: MigrationOptions(concurrency: configuration.concurrency.value), logger: logger,
                showProgress: !json)
            summary.stages.append(
                Stage(
                    name: "migrate",
                    result:
                        "into an in-process Cloud twin at \(connection.site): \(outcome.done) writes done, \(outcome.skipped) skipped (reported), \(outcome.failed) failed; \(outcome.pages) pages and blog posts with \(outcome.requests) requests (\(String(format: "%.2f", outcome.requestsPerPage)) per page) in \(String(format: "%.1f", outcome.seconds)) s"
                ))
            let report = try await Verifier(
                workspace: store, export: export, client: connection.client, options: MigrationOptions()
            ).verify()
            try Data(try Console.jsonString(report).utf8).write(
                to: store.folder.appendingPathComponent("verify.json"), options: .atomic)
            summary.clean = report.clean && outcome.failed == 0
            summary.stages.append(
                Stage(
                    name: "verify",
                    result: (report.clean ? "clean" : "\(report.differences.count) differences") + ": "
                        + report.checked.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(
                            separator: ", ")
                        + "; report \(store.folder.path)/verify.json"))
        } catch {
            await connection.close()
            throw error
        }
        await connection.close()

        if json {
            try Console.printJSON(summary)
        } else {
            Console.print("Ferry \(FerryCommand.version) demo, workspace \(summary.workspace)")
            for stage in summary.stages { Console.print("  \(stage.name): \(stage.result)") }
            Console.print(
                summary.clean
                    ? "Done: every page, attachment, comment and label verified in the twin."
                    : "Done with differences: see verify.json.")
            Console.print("Look around: ferry status --workspace \(store.folder.path)")
        }
        return summary.clean
    }
}
