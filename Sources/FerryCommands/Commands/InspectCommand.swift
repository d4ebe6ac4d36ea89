public import ArgumentParser
import ConfluenceExport
import FerryModel
import Foundation
import Synchronization
import Workspace

/// `ferry inspect EXPORT`: stream an XML export into a workspace and report what it holds.
public struct InspectCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Read a Confluence XML export (zip, folder or entities.xml) and report what it holds.",
        discussion: """
            Streams entities.xml in constant memory (a 10 GB export needs no more memory \
            than a small one), stages every object into the workspace database and \
            reports, per space and in total: current pages, blog posts, historical \
            versions, comments (footer and inline), attachments (count, bytes of current \
            versions, bytes of all versions), labels, restrictions, space permissions, \
            drafts, users and groups; the body types; every macro used (with how many \
            pages use it); the estimated XML size of each space, flagging spaces over \
            the 200 MB that Atlassian's migration assistant (CCMA) fails on; and every \
            object Ferry repaired or skipped (control characters, invalid UTF-8, nested \
            CDATA escapes, duplicate ids, references to missing objects, missing \
            attachment files), with its class and id.

            Without exportDescriptor.properties the export is still read; its type and \
            space are inferred and a warning says so.

            Example:
              ferry inspect Confluence-space-export-ENG.xml.zip
              ferry inspect backup/ --workspace ./ferry-workspace --json > inventory.json
            """
    )

    @OptionGroup public var global: GlobalOptions

    @Argument(help: ArgumentHelp("The export: a .zip, an unzipped folder, or an entities.xml.", valueName: "export"))
    public var export: String

    @Option(
        name: .long,
        help: ArgumentHelp(
            "The workspace folder to stage into (default: a temporary folder, removed afterwards).",
            valueName: "dir"))
    public var workspace: String?

    @Flag(name: .long, help: "Print the inventory as JSON.")
    public var json: Bool = false

    public init() {}

    public func run() async throws {
        let logger = global.makeLogger()
        let package = try ExportPackage.open(URL(fileURLWithPath: export))
        for warning in package.warnings { logger.warning("\(warning)") }
        let folder: URL
        let temporary = workspace == nil
        if let workspace {
            folder = URL(fileURLWithPath: workspace)
        } else {
            folder = FileManager.default.temporaryDirectory.appendingPathComponent(
                "ferry-inspect-\(UUID().uuidString.prefix(8))")
        }
        defer { if temporary { try? FileManager.default.removeItem(at: folder) } }
        let store = try Workspace.open(at: folder)
        let mebibytes = Int((package.entitiesSize + (1 << 20) - 1) >> 20)
        let progress = ProgressReporter(phase: "reading entities.xml (MiB)", total: max(mebibytes, 1))
        var importer = ExportImporter(package: package, workspace: store)
        importer.progress = progressCallback(progress)
        let result = try importer.run()
        progress.finish()
        for warning in result.warnings where !package.warnings.contains(warning) { logger.warning("\(warning)") }
        logger.info(
            "staged export",
            metadata: [
                "objects": "\(result.objects)", "bytes": "\(result.bytes)",
                "seconds": "\(String(format: "%.2f", result.seconds))",
                "stream_seconds": "\(String(format: "%.2f", result.streamSeconds))",
                "resolve_seconds": "\(String(format: "%.2f", result.resolveSeconds))", "workspace": "\(folder.path)",
                "cpu_seconds": "\(String(format: "%.2f", result.cpuSeconds))",
                "setup_cpu_seconds": "\(String(format: "%.2f", result.setupCPUSeconds))",
                "reader_cpu_seconds": "\(String(format: "%.2f", result.readerCPUSeconds))",
                "stager_cpu_seconds": "\(String(format: "%.2f", result.stagerCPUSeconds))",
                "resolve_cpu_seconds": "\(String(format: "%.2f", result.resolveCPUSeconds))",
                "critical_path_cpu_seconds": "\(String(format: "%.2f", result.criticalPathCPUSeconds))",
            ])
        let summary = try store.summary(includeRepairs: false)
        let report = InspectReport(
            source: package.location.path, workspace: temporary ? nil : folder.path, objects: result.objects,
            entitiesBytes: result.bytes, warnings: result.warnings, summary: summary)
        if json {
            // Repairs can number millions: they are streamed after the rest.
            var head = try Console.jsonString(report)
            guard head.hasSuffix("}") else { return Console.print(head) }
            head.removeLast()
            while head.last?.isWhitespace == true { head.removeLast() }
            var out = head + ",\n  \"repairs\" : ["
            var first = true
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            try store.forEachRepair { repair in
                out += (first ? "\n    " : ",\n    ") + String(decoding: try encoder.encode(repair), as: UTF8.self)
                first = false
                if out.utf8.count >= 1 << 16 {
                    Console.write(out)
                    out = ""
                }
            }
            Console.print(out + (first ? "]\n}" : "\n  ]\n}"))
        } else {
            Console.print(report.text)
        }
    }
}

/// What `ferry inspect` prints: `{"totals", "spaces", "macros", "repairs", …}`.
struct InspectReport: Encodable {
    var source: String
    var workspace: String?
    var objects: Int
    var entitiesBytes: Int64
    var warnings: [String]
    var summary: StagingSummary

    enum CodingKeys: String, CodingKey {
        case source, workspace, objects, entitiesBytes, warnings, totals, spaces, macros, repairCounts, export
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(source, forKey: .source)
        try container.encodeIfPresent(workspace, forKey: .workspace)
        try container.encode(objects, forKey: .objects)
        try container.encode(entitiesBytes, forKey: .entitiesBytes)
        try container.encode(warnings, forKey: .warnings)
        try container.encode(summary.totals, forKey: .totals)
        try container.encode(summary.spaces, forKey: .spaces)
        try container.encode(summary.macros, forKey: .macros)
        try container.encode(summary.export, forKey: .export)
        try container.encode(summary.repairGroups, forKey: .repairCounts)
    }

    var text: String {
        var lines: [String] = []
        let type = summary.export["exportType"] ?? "unknown"
        let inferred = summary.export["inferred"] == "true" ? " (inferred)" : ""
        lines.append(
            "\(source): \(type) export\(inferred), \(objects) objects, "
                + ProgressReporter.format(bytes: entitiesBytes) + " of entities.xml")
        let totals = summary.totals
        lines.append(
            "  \(totals.spaces ?? 0) spaces, \(totals.users ?? 0) users, \(totals.groups ?? 0) groups, "
                + "\(totals.globalPermissions ?? 0) global permissions")
        let header = [
            "space", "pages", "blogs", "history", "comments", "inline", "attach", "attach-bytes", "all-versions",
            "labels", "restrict", "space-perm", "drafts", "est-xml",
        ]
        var table = [header]
        func row(_ name: String, _ c: StagingSummary.Counts) -> [String] {
            [
                name, "\(c.pages)", "\(c.blogPosts)", "\(c.historicalVersions)", "\(c.comments)",
                "\(c.inlineComments)", "\(c.attachments)", ProgressReporter.format(bytes: c.attachmentBytes),
                ProgressReporter.format(bytes: c.attachmentBytesAllVersions), "\(c.labels)", "\(c.restrictions)",
                "\(c.spacePermissions)", "\(c.drafts)",
                ProgressReporter.format(bytes: c.estimatedXMLBytes) + (c.overCCMALimit ? " OVER 200 MB" : ""),
            ]
        }
        for space in summary.spaces { table.append(row(space.key ?? "?", space)) }
        table.append(row("TOTAL", totals))
        let widths = header.indices.map { column in table.map { $0[column].count }.max() ?? 0 }
        for cells in table {
            lines.append(
                "  "
                    + cells.enumerated().map { index, cell in
                        index == 0
                            ? cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
                            : String(repeating: " ", count: widths[index] - cell.count) + cell
                    }.joined(separator: "  "))
        }
        let over = summary.spaces.filter(\.overCCMALimit)
        if !over.isEmpty {
            lines.append(
                "  CCMA: \(over.count) space(s) over 200 MB of XML, which CCMA cannot migrate: "
                    + over.compactMap(\.key).joined(separator: ", "))
        }
        lines.append(
            "  bodies: "
                + totals.bodyTypes.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        if !summary.macros.isEmpty {
            lines.append("  macros (name: uses on pages / pages using it):")
            for macro in summary.macros.prefix(30) {
                lines.append("    \(macro.name): \(macro.count) / \(macro.pages)")
            }
            if summary.macros.count > 30 { lines.append("    … \(summary.macros.count - 30) more (see --json)") }
        }
        if let unmigratable = totals.unmigratable, !unmigratable.isEmpty {
            lines.append(
                "  not migratable to Cloud (kept for the archive): "
                    + unmigratable.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        }
        if summary.repairGroups.isEmpty {
            lines.append("  repairs: none")
        } else {
            lines.append(
                "  repaired or skipped objects: \(summary.repairGroups.map(\.objects).reduce(0, +)) (all of them: --json)"
            )
            for group in summary.repairGroups {
                let examples = group.examples.joined(separator: ", ")
                lines.append(
                    "    \(group.kind) (\(group.action)): \(group.objects) — \(examples)\(group.objects > 5 ? ", …" : "")"
                )
            }
        }
        for warning in warnings { lines.append("  warning: \(warning)") }
        return lines.joined(separator: "\n")
    }
}
