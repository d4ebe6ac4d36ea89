import FerryModel
import Foundation
import Logging

/// The stages `ferry demo` runs, in order. Each stage that exists in this build
/// appends a line to the summary; nothing is claimed that did not run.
struct DemoPipeline {
    struct Summary: Encodable {
        var workspace: String
        var stages: [Stage]
    }

    struct Stage: Encodable {
        var name: String
        var result: String
    }

    let workspace: URL
    let logger: Logger
    let json: Bool

    func run() throws {
        try FileManager.default.createDirectory(at: workspace, withIntermediateDirectories: true)
        var summary = Summary(workspace: workspace.path, stages: [])
        logger.info("demo workspace", metadata: ["path": "\(workspace.path)"])

        let configuration = FerryConfiguration()
        summary.stages.append(
            Stage(
                name: "configuration",
                result:
                    "built-in defaults: concurrency \(configuration.concurrency.value), workspace \(workspace.path)"))

        if json {
            try Console.printJSON(summary)
        } else {
            Console.print("Ferry \(FerryCommand.version) demo, workspace \(summary.workspace)")
            for stage in summary.stages {
                Console.print("  \(stage.name): \(stage.result)")
            }
        }
    }
}
