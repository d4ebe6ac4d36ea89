public import ArgumentParser
import FerryModel
import Foundation

/// `ferry demo`: the whole pipeline on embedded defaults, with nothing to set up.
public struct DemoCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run Ferry end to end on a generated sample site, with nothing to set up.",
        discussion: """
            Generates a realistic sample site export (3 spaces, 300 pages, attachments, \
            comments, labels, restrictions), stages it, starts a Cloud twin on a free \
            loopback port inside this process, migrates the site into it, verifies the \
            result page by page and file by file, and prints what each stage did and \
            where its output is. It needs no Confluence site, no Cloud site, no \
            credentials and no network. Exit status 0 when verification is clean.

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

    @Option(name: .long, help: ArgumentHelp("Pages in the generated site (spread over 3 spaces).", valueName: "n"))
    public var pages: Int = 300

    @Option(name: .long, help: ArgumentHelp("Attachments in the generated site.", valueName: "n"))
    public var attachments: Int = 60

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
        guard pages >= 3, attachments >= 0 else {
            throw ValidationError("--pages must be at least 3 and --attachments at least 0")
        }
        let clean = try await DemoPipeline(
            workspace: URL(fileURLWithPath: folder), logger: logger, json: json, pages: pages, attachments: attachments
        ).run()
        if !clean { throw ExitCode(1) }
    }
}
