public import ArgumentParser
import ConfluenceDataCenter
import ConfluenceExport
import FerryModel
import Foundation
import Logging
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
            the admin groups Atlassian blocklists, every other object Cloud has no place \
            for, and the whole original of each page body ferry migrate had to cut to \
            Cloud's 5 MB limit. carried-by-ferry.json names what ferry migrate carries instead \
            (space permissions, page restrictions, groups and memberships). index.html \
            and index.json describe the contents.

            manifest.json lists every file with its size and SHA-256, chained so that a \
            changed, removed or added file or an edited manifest is detected; the root is \
            also kept in the workspace (archive.json), which `ferry report` uses to link \
            each "not migrated" row to its archive file. `ferry archive --check DIR` \
            re-verifies an archive and exits 1 naming each problem.

            SOURCE is a Confluence XML export (zip, folder or entities.xml) or a live \
            Data Center site URL (credentials from FERRY_SOURCE_TOKEN, or \
            FERRY_SOURCE_USER and FERRY_SOURCE_PASSWORD), staged into --workspace \
            (reused when it was already staged from the same source). From a live site \
            the audit log comes from /rest/api/audit and the installed apps (with \
            versions) from the plugin manager; everything REST does not serve (other \
            people's drafts, settings records, global permissions, avatars, emoticons, \
            plugin data) comes from a site backup: Ferry queues one through the site's \
            backup and restore API (Confluence 8 and later; a system administrator \
            account), waits for it, downloads it into <workspace>/site-backup and archives \
            from it. --site-backup FILE uses a site XML backup you already have instead \
            (needed on Confluence 7); --no-site-backup archives only what REST serves. The \
            identity mapping (--identity-mapping, or identity-mapping.csv in the \
            workspace) names the Cloud account for each avatar and admin.

            Example:
              ferry archive --from site-export.zip --workspace ./ws
              ferry archive --from site-export.zip --workspace ./ws --out /cold/ferry-archive --zip
              FERRY_SOURCE_TOKEN=… ferry archive --from https://wiki.corp.example --workspace ./ws
              FERRY_SOURCE_TOKEN=… ferry archive --from https://wiki.corp.example --workspace ./ws \
                --site-backup /var/atlassian/confluence/backups/backup-2026_11_30.zip
              ferry archive --check /cold/ferry-archive
            """
    )

    @OptionGroup public var global: GlobalOptions
    @OptionGroup public var options: ConfigurationOptions

    @Option(
        name: .customLong("from"),
        help: ArgumentHelp(
            "The source: a Confluence XML export (zip, folder or entities.xml) or a Data Center site URL.",
            valueName: "source"))
    public var source: String?

    @Flag(name: .long, help: "Allow a plain-http Data Center site that is not on this machine (credentials in clear).")
    public var allowInsecureHttp: Bool = false

    @Option(
        name: .long, help: ArgumentHelp("Where to write the archive (default: <workspace>/archive).", valueName: "dir"))
    public var out: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "The identity mapping CSV (default: identity-mapping.csv in the workspace, when present).",
            valueName: "file"))
    public var identityMapping: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "With a Data Center site: a site XML backup of it to archive from, instead of queuing a new one.",
            valueName: "file"))
    public var siteBackup: String?

    @Flag(
        name: .long,
        help:
            "With a Data Center site: no site backup; archive only what REST serves (drafts, settings, avatars… stay empty)."
    )
    public var noSiteBackup: Bool = false

    @Flag(
        name: .long,
        help:
            "With a Data Center site: queue the site backup without attachments (smaller; avatar, emoticon and app files then missing)."
    )
    public var backupWithoutAttachments: Bool = false

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
        let site = source.map(DataCenterSource.isSite) ?? false
        if !site && (siteBackup != nil || noSiteBackup || backupWithoutAttachments) {
            throw ValidationError(
                "--site-backup, --no-site-backup and --backup-without-attachments apply to a Data Center site URL in --from"
            )
        }
        if siteBackup != nil && noSiteBackup {
            throw ValidationError("--site-backup FILE and --no-site-backup contradict each other; give one")
        }
        if let siteBackup, !FileManager.default.fileExists(atPath: siteBackup) {
            throw ValidationError("--site-backup \(siteBackup): no such file")
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
        /// The site backup archived from, when the source was a Data Center site.
        var siteBackup: String?
    }

    public func run() async throws {
        let logger = global.makeLogger()
        let configuration = try options.load(source: source, logger: logger)
        let workspaceURL = URL(fileURLWithPath: configuration.workspace.value)
        if let check {
            try runCheck(URL(fileURLWithPath: check), workspace: workspaceURL)
            return
        }
        guard let source else { return }
        var store = try Workspace.open(at: workspaceURL)
        var package: ExportPackage
        var backupPath: String?
        if DataCenterSource.isSite(source) {
            let client = try DataCenterSource.client(
                site: source, configuration: configuration, rate: 20, concurrency: 4,
                allowInsecureHTTP: allowInsecureHttp, logger: logger)
            do {
                if noSiteBackup {
                    package = try await DataCenterSource.stage(
                        client: client, workspace: store, spaces: nil, concurrency: 4, history: false, logger: logger)
                } else {
                    (store, package) = try await stageSiteBackup(
                        client: client, workspace: workspaceURL, logger: logger)
                    backupPath = package.location.path
                }
            } catch {
                try? await client.transport.shutdown()
                throw error
            }
            try? await client.transport.shutdown()
        } else {
            package = try SourceStaging.stage(export: URL(fileURLWithPath: source), workspace: store, logger: logger)
        }
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
        let progress = ProgressReporter(phase: "archiving", total: 11)
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
            warnings: written.index.warnings, siteBackup: backupPath)
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

    /// Gets a site backup (the one given, or one the site writes on request), stages it into
    /// `<workspace>/site-backup/staging`, and adds what only REST gives (the audit log from
    /// /rest/api/audit, installed apps from the plugin manager). The archive is written from
    /// that staging; the workspace's own staging (a migration's source) is left alone.
    func stageSiteBackup(
        client: DataCenterClient, workspace: URL, logger: Logger
    ) async throws -> (Workspace, ExportPackage) {
        let folder = workspace.appendingPathComponent("site-backup")
        let file: URL
        if let siteBackup {
            file = URL(fileURLWithPath: siteBackup)
        } else {
            guard
                let downloaded = try await DataCenterSource.requestSiteBackup(
                    client: client, into: folder, includeAttachments: !backupWithoutAttachments, logger: logger)
            else { throw ArchiveSourceError.noBackupAPI(site: client.site) }
            file = downloaded
            if !json { Console.print("Site backup downloaded to \(file.path) (reuse it with --site-backup)") }
        }
        let staging = try Workspace.open(at: folder.appendingPathComponent("staging"))
        let package = try SourceStaging.stage(export: file, workspace: staging, logger: logger, restage: true)
        let audit = try await client.auditRecords()
        let apps = try await client.installedApps()
        var rows: [StagedOtherObject] = []
        for (index, record) in audit.enumerated() {
            rows.append(
                StagedOtherObject(
                    className: "AuditRecord", id: "audit:\(index + 1)", propertiesJSON: record, xmlBytes: 0))
        }
        for app in apps {
            let json = String(decoding: try JSONEncoder().encode(app), as: UTF8.self)
            rows.append(StagedOtherObject(className: "InstalledApp", id: app.key, propertiesJSON: json, xmlBytes: 0))
        }
        // The REST audit log is complete; an old export's audit objects would only repeat part of it.
        try staging.supplementStaging(
            source: "\(client.site) (site backup \(file.lastPathComponent))",
            replacing: audit.isEmpty ? [] : ["AuditRecord", "AuditRecordImpl", "AuditEntity"], with: rows)
        return (staging, package)
    }

    func runCheck(_ folder: URL, workspace: URL) throws {
        // Compare with the root the workspace recorded, when it recorded this folder.
        let record = ArchiveRecord.read(workspace: workspace)
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

/// A Data Center source the archive cannot get everything from.
enum ArchiveSourceError: FerryError {
    case noBackupAPI(site: String)

    var summary: String {
        switch self {
        case .noBackupAPI(let site):
            "\(site) has no backup and restore REST API (Confluence 7 and earlier), so Ferry cannot ask it for a site backup"
        }
    }

    var remedy: String? {
        switch self {
        case .noBackupAPI:
            "make a site XML backup in Confluence administration (Backup and restore) and pass it with --site-backup FILE, or give --no-site-backup to archive only what REST serves (drafts, settings records, avatars, emoticons and plugin data then stay out of the archive)"
        }
    }
}
