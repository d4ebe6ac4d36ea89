public import ArgumentParser
import FerryModel
import Foundation
import Migration
import Workspace

/// `ferry report`: the migration report and redirect maps.
public struct ReportCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write the migration report (HTML, JSON, CSV) and redirect maps for old URLs.",
        discussion: """
            Writes into --out: report.html (self-contained, open it offline), report.json, \
            spaces.csv, failures.csv, notes.csv (every degraded, skipped or unresolved \
            item with its reason), and redirects.csv mapping every old page, blog post, \
            attachment and space URL (/display/KEY/Title, viewpage.action?pageId=N, \
            /x/<tiny link>, blog date paths, /download/attachments/…) to its Cloud URL, \
            with a ready nginx map (redirects.nginx.conf) and Apache RewriteMap \
            (redirects.apache.txt) so old bookmarks keep working after cutover.

            Example:
              ferry report --workspace ./ws --out ./report --source-url https://wiki.corp.example/confluence
            """
    )

    @OptionGroup public var global: GlobalOptions

    @Option(name: .long, help: ArgumentHelp("The migration's workspace folder.", valueName: "dir"))
    public var workspace: String = FerryConfiguration.defaultWorkspace

    @Option(
        name: .long, help: ArgumentHelp("Where to write the report (default: <workspace>/report).", valueName: "dir"))
    public var out: String?

    @Option(
        name: .long,
        help: ArgumentHelp("The old Data Center site's base URL, for the redirect maps.", valueName: "url"))
    public var sourceUrl: String = "https://confluence.example.com"

    @Flag(name: .long, help: "Print the list of written files as JSON.")
    public var json: Bool = false

    public init() {}

    public func run() async throws {
        _ = global.makeLogger()
        let folder = URL(fileURLWithPath: workspace)
        guard let record = MigrationRecord.read(folder) else {
            throw ValidationError("\(folder.path) holds no migration; run ferry migrate with this --workspace first")
        }
        let store = try Workspace.open(at: folder)
        let site = record.target == "twin" ? "http://127.0.0.1" : record.target
        let destination = out.map { URL(fileURLWithPath: $0) } ?? folder.appendingPathComponent("report")
        let written = try MigrationReportBuilder(workspace: store, site: site, sourceBaseURL: sourceUrl).write(
            to: destination, generator: "ferry \(FerryCommand.version)")
        if json {
            try Console.printJSON([
                "folder": written.folder.path, "files": written.files.joined(separator: ","),
                "redirects": String(written.redirects),
            ])
        } else {
            Console.print("Report written to \(written.folder.path): " + written.files.joined(separator: ", "))
            Console.print(
                "  \(written.redirects) old URLs mapped to Cloud in redirects.csv (nginx and Apache maps beside it)")
        }
    }
}
