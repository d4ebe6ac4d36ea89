public import ArgumentParser
import ConfluenceExport
import FerryModel
import Foundation
import Migration
import Workspace

/// `ferry archive`: keep, verifiably, everything Confluence Cloud cannot take.
public struct ArchiveCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "archive",
        abstract: "Archive what Cloud cannot take (drafts, audit log, avatars, settings, app data…), verifiably.",
        discussion: """
            Writes an archive folder (and with --zip a .zip of it) holding what the \
            source has and no Cloud API accepts: personal drafts and unpublished shared \
            drafts per user (storage, ADF and readable HTML, with drafts-by-user.csv), \
            audit records (JSON lines and CSV with the covered date range), user \
            avatars mapped to Cloud accounts, custom emoticons with their shortcuts and \
            images, global settings (site configuration, look and feel, security, \
            global permissions) as JSON, global and space permission matrices as CSV, \
            app data (apps found, their versions and Cloud availability, plugin data, \
            app files attached to pages, pages using each app's macros), the members of \
            the admin groups Atlassian blocklists, and every other object Cloud has no \
            place for. carried-by-ferry.json names what ferry migrate carries instead \
            (space permissions, page restrictions, groups and memberships). index.html \
            and index.json describe the contents.

            manifest.json lists every file with its size and SHA-256, chained so that a \
            changed, removed or added file or an edited manifest is detected; the root is \
            also kept in the workspace (archive.json), which `ferry report` uses to link \
            each "not migrated" row to its archive file. `ferry archive --check DIR` \
            re-verifies an archive and exits 1 naming each problem.

            SOURCE is a Confluence XML export (zip, folder or entities.xml), staged into \
            --workspace (reused when it was already staged from the same export). The \
            identity mapping (--identity-mapping, or identity-mapping.csv in the \
            workspace) names the Cloud account for each avatar and admin.

            Example:
              ferry archive --from site-export.zip --workspace ./ws
              ferry archive --from site-export.zip --workspace ./ws --out /cold/ferry-archive --zip
              ferry archive --check /cold/ferry-archive
            """
    )

    @OptionGroup public var global: GlobalOptions

    @Option(
        name: .customLong("from"),
        help: ArgumentHelp("The source: a Confluence XML export (zip, folder or entities.xml).", valueName: "source"))
    public var source: String?

    @Option(name: .long, help: ArgumentHelp("The workspace folder.", valueName: "dir"))
    public var workspace: String = FerryConfiguration.defaultWorkspace

    @Option(
        name: .long, help: ArgumentHelp("Where to write the archive (default: <workspace>/archive).", valueName: "dir"))
    public var out: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "The identity mapping CSV (default: identity-mapping.csv in the workspace, when present).",
            valueName: "file"))
    public var identityMapping: String?

    @Flag(name: .long, help: "Also write <out>.zip.")
    public var zip: Bool = false

    @Option(
        name: .long,
        help: ArgumentHelp("Re-verify the archive in this folder instead of writing one.", valueName: "dir"))
    public var check: String?

    @Flag(name: .long, help: "Print the result as JSON.")
    public var json: Bool = false

    public init() {}

    public func validate() throws {
        if check == nil && source == nil {
            throw ValidationError("give --from SOURCE to write an archive, or --check DIR to verify one")
        }
        if check != nil && source != nil {
            throw ValidationError("--check verifies an existing archive; do not combine it with --from")
        }
    }

    struct CheckResult: Encodable {
        var folder: String
        var intact: Bool
        var files: Int
        var root: String
        var problems: [ArchiveManifest.Problem]
    }

    struct Summary: Encodable {
        var folder: String
        var zip: String?
        var root: String
        var files: Int
        var sections: [ArchiveSection]
        var carriedByFerry: [CarriedItem]
        var warnings: [String]
    }

    public func run() async throws {
        let logger = global.makeLogger()
        if let check {
            try runCheck(URL(fileURLWithPath: check))
            return
        }
        guard let source else { return }
        if let url = URL(string: source), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https" {
            throw ArchiveSourceError.liveSourceUnavailable(source)
        }
        let workspaceURL = URL(fileURLWithPath: workspace)
        let store = try Workspace.open(at: workspaceURL)
        let package = try SourceStaging.stage(export: URL(fileURLWithPath: source), workspace: store, logger: logger)
        var accounts: [String: String] = [:]
        let mappingURL =
            identityMapping.map { URL(fileURLWithPath: $0) }
            ?? workspaceURL.appendingPathComponent("identity-mapping.csv")
        if identityMapping != nil || FileManager.default.fileExists(atPath: mappingURL.path) {
            for row in try IdentityMappingFile.read(mappingURL) where !row.cloudAccountId.isEmpty {
                accounts[row.sourceKey] = row.cloudAccountId
            }
        }
        let folder = out.map { URL(fileURLWithPath: $0) } ?? workspaceURL.appendingPathComponent("archive")
        let progress = ProgressReporter(phase: "archiving", total: 10)
        var builder = ArchiveBuilder(
            workspace: store, package: package, cloudAccounts: accounts, generator: "ferry \(FerryCommand.version)")
        builder.progress = { section in
            progress.advance()
            logger.debug("archiving \(section)")
        }
        let written = try builder.write(to: folder)
        progress.finish()
        var zipPath: String?
        if zip {
            let zipURL = folder.standardizedFileURL.deletingLastPathComponent().appendingPathComponent(
                folder.standardizedFileURL.lastPathComponent + ".zip")
            try ArchiveZip.write(folder: folder, to: zipURL)
            zipPath = zipURL.path
        }
        try ArchiveRecord(
            path: folder.standardizedFileURL.path, root: written.manifest.root, createdAt: written.manifest.createdAt,
            zip: zipPath
        ).write(workspace: workspaceURL)
        for warning in written.index.warnings { logger.warning("\(warning)") }
        let summary = Summary(
            folder: folder.path, zip: zipPath, root: written.manifest.root, files: written.manifest.files.count,
            sections: written.index.sections, carriedByFerry: written.index.carriedByFerry,
            warnings: written.index.warnings)
        if json {
            try Console.printJSON(summary)
            return
        }
        Console.print("Archive written to \(folder.path) (\(summary.files) files, manifest root \(summary.root))")
        for section in summary.sections {
            Console.print("  \(section.title): \(section.count) → \(section.files.first ?? "")")
        }
        Console.print("Carried by ferry migrate instead:")
        for item in summary.carriedByFerry { Console.print("  \(item.item): \(item.count) (\(item.how))") }
        if let zipPath { Console.print("Zip: \(zipPath)") }
        if !summary.warnings.isEmpty {
            Console.print("\(summary.warnings.count) warning(s), listed in index.json and index.html")
        }
        Console.print("Open index.html; check later with: ferry archive --check \(folder.path)")
    }

    func runCheck(_ folder: URL) throws {
        // Compare with the root the workspace recorded, when it recorded this folder.
        let record = ArchiveRecord.read(workspace: URL(fileURLWithPath: workspace))
        let expectedRoot = record?.path == folder.standardizedFileURL.path ? record?.root : nil
        let manifest = try ArchiveManifest.read(from: folder)
        let problems = try ArchiveManifest.check(folder: folder, expectedRoot: expectedRoot)
        let result = CheckResult(
            folder: folder.path, intact: problems.isEmpty, files: manifest.files.count, root: manifest.root,
            problems: problems)
        if json {
            try Console.printJSON(result)
        } else if problems.isEmpty {
            Console.print(
                "Intact: \(folder.path) matches its manifest (\(manifest.files.count) files, root \(manifest.root))")
        } else {
            Console.print("NOT intact: \(folder.path) has \(problems.count) problem(s):")
            for problem in problems { Console.print("  \(problem)") }
        }
        if !problems.isEmpty { throw ExitCode(1) }
    }
}

enum ArchiveSourceError: FerryError {
    case liveSourceUnavailable(String)

    var summary: String {
        switch self {
        case .liveSourceUnavailable(let url):
            "ferry archive reads a Confluence XML export, and \(url) is a live site address"
        }
    }

    var remedy: String? {
        "export the site (Administration → Backup & Restore, or Space tools → Export → XML) and give that file as --from"
    }
}
