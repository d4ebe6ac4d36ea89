public import ArgumentParser
import ConfluenceDataCenter
import ConfluenceExport
import FerryModel
import Foundation
import Migration
import Reports
import Workspace

/// `ferry verify`: re-read the target and compare it with the source.
public struct VerifyCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Re-read the target and compare it with the source: counts, hierarchy, text, files, labels.",
        discussion: """
            For every migrated space: each page and blog post exists once with its \
            title, parent and sibling order; every word of its text is there; each \
            attachment has the source's size and SHA-256 (downloaded and hashed); labels, \
            top-level comments and group restrictions match. Prints a verdict, writes \
            verify.json and a verify/ report folder (report.html, report.json, \
            differences.csv) into the workspace, and exits 0 only when nothing differs. What \
            Cloud's API cannot carry is listed as known limits, not as differences.

            The target is the one the workspace migrated to (or --to).

            Example:
              ferry verify --workspace ./ws
              ferry verify --workspace ./ws --json > verify.json
            """
    )

    @OptionGroup public var global: GlobalOptions
    @OptionGroup public var options: ConfigurationOptions

    @Option(
        name: .customLong("to"),
        help: ArgumentHelp("The target, when not the one recorded in the workspace.", valueName: "target"))
    public var target: String?

    @Option(name: .long, help: ArgumentHelp("Only these space keys (comma-separated).", valueName: "keys"))
    public var spaces: String?

    @Flag(name: .long, help: "Print the report as JSON.")
    public var json: Bool = false

    public init() {}

    public func run() async throws {
        let logger = global.makeLogger()
        let configuration = try options.load(logger: logger)
        let workspace = try Workspace.open(at: URL(fileURLWithPath: configuration.workspace.value))
        guard let record = MigrationRecord.read(workspace.folder) else {
            throw ValidationError(
                "\(workspace.folder.path) holds no migration; run ferry migrate with this --workspace first")
        }
        let export =
            DataCenterSource.isSite(record.source)
            ? ExportPackage.attachmentFolder(workspace.folder.appendingPathComponent(DataCenterStager.filesFolderName))
            : try ExportPackage.open(URL(fileURLWithPath: record.source))
        let connection = try await TargetConnection.open(
            target: target ?? record.target, configuration: configuration, workspace: workspace.folder, logger: logger)
        let selected = spaces.map { Set($0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }) }
        let report: VerificationReport
        do {
            report = try await Verifier(
                workspace: workspace, export: export, client: connection.client,
                options: MigrationOptions(spaces: selected, concurrency: configuration.concurrency.value)
            ).verify()
        } catch {
            await connection.close()
            throw error
        }
        await connection.close()
        let text = try Console.jsonString(report)
        try Data(text.utf8).write(to: workspace.folder.appendingPathComponent("verify.json"), options: .atomic)
        // The same report set as assess and report: report.json, report.html, CSVs.
        try ReportWriter().write(report.report(), to: workspace.folder.appendingPathComponent("verify"))
        if json {
            Console.print(text)
        } else {
            Console.print(Self.describe(report, workspace: workspace.folder.path))
        }
        if !report.clean { throw ExitCode(1) }
    }

    static func describe(_ report: VerificationReport, workspace: String) -> String {
        var lines = [
            report.clean
                ? "Verified: the target matches the source." : "NOT clean: \(report.differences.count) differences.",
            "  checked: "
                + report.checked.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "),
        ]
        for difference in report.differences.prefix(30) {
            lines.append(
                "  \(difference.kind) [\(difference.space)] source \(difference.source ?? "-") target \(difference.target ?? "-"): \(difference.detail)"
            )
        }
        if report.differences.count > 30 {
            lines.append("  … and \(report.differences.count - 30) more in verify.json")
        }
        lines.append("Known limits (not differences):")
        for limit in report.knownLimits { lines.append("  - \(limit)") }
        lines.append("Report: \(workspace)/verify.json, \(workspace)/verify/report.html")
        return lines.joined(separator: "\n")
    }
}

/// Where a workspace's migration came from and went to, so later commands need not be told again.
struct MigrationRecord: Codable {
    var source: String
    var target: String

    static let fileName = "migration.json"

    static func read(_ folder: URL) -> MigrationRecord? {
        guard let data = FileManager.default.contents(atPath: folder.appendingPathComponent(fileName).path) else {
            return nil
        }
        return try? JSONDecoder().decode(MigrationRecord.self, from: data)
    }

    func write(_ folder: URL) throws {
        try JSONEncoder().encode(self).write(to: folder.appendingPathComponent(Self.fileName), options: .atomic)
    }
}
