public import ArgumentParser
import FerryModel
import Foundation

/// `ferry demo`: the whole pipeline on embedded defaults, with nothing to set up.
public struct DemoCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run Ferry end to end on a generated sample site, with nothing to set up.",
        discussion: """
            Runs every stage of Ferry that exists in this build on embedded defaults, \
            inside a fresh workspace folder, and prints what each stage did and where \
            its output is. It needs no Confluence site, no Cloud site, no credentials \
            and no network.

            Example:
              ferry demo
              ferry demo --workspace /tmp/ferry-demo --json
            """
    )

    @OptionGroup public var global: GlobalOptions

    @Option(
        name: .long,
        help: ArgumentHelp("Where the demo keeps its files (default: a new temporary folder).", valueName: "dir"))
    public var workspace: String?

    @Flag(name: .long, help: "Print the summary as JSON.")
    public var json: Bool = false

    public init() {}

    public func run() async throws {
        let logger = global.makeLogger()
        let configuration = try ConfigurationLoader().load(
            explicitFile: nil, overrides: ConfigurationOverrides(workspace: workspace))
        let folder =
            workspace.map { _ in configuration.workspace.value }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent(
                "ferry-demo-\(UUID().uuidString.prefix(8))"
            ).path
        try DemoPipeline(workspace: URL(fileURLWithPath: folder), logger: logger, json: json).run()
    }
}
