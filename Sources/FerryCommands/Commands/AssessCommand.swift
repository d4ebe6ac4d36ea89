public import ArgumentParser
import ConfluenceExport
import FerryModel
import Foundation
import Logging
import Migration
import Reports
import Transport
import Workspace

/// `ferry assess`: every pre-flight check, before anything is written.
public struct AssessCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "assess",
        abstract: "Check a source export, this machine's network and the Cloud target before migrating.",
        discussion: """
            Reads the export (staging it into a workspace) and runs every pre-flight \
            check, writing into --out: report.json ({"findings": [{"id", "category", \
            "severity", "title", "objects", "fix"}], …}), report.html (one self-contained \
            page, readable offline: no scripts, charts as inline SVG, every value \
            escaped), findings.csv, spaces.csv, macros.csv and connectivity.csv. \
            Categories are stable and documented in docs/findings.md.

            Checks: repairs made while reading the export; space sizes (pages, versions, \
            attachment bytes, estimated XML size against CCMA's 200 MB); attachments \
            over the target's maximum size; titles Cloud refuses; every macro with its \
            Cloud availability (built in, needs a Cloud app, none, unknown); pages with \
            nested bodied macros or other legacy-content fallbacks; identity (invalid \
            and duplicate emails, Jira mismatches with --jira-users, deactivated owners, \
            blocklisted groups); what will not migrate (drafts, audit log, custom \
            emoticons, avatars, app data, global settings, admin group memberships) with \
            counts; the database type from --confluence-home (H2 flagged); connectivity \
            from this machine to every endpoint a Cloud migration needs, through the \
            configured proxy, with TLS verified (untrusted or outdated CA bundle, \
            expired certificate, SNI/host-name problems, refused connections and \
            timeouts are told apart); with --to, the credentials, the account's \
            permissions (create space, administer), space keys already taken in \
            Cloud (case-insensitive) and source groups whose name a Cloud group \
            already has (group.cloud-collision); and an estimated duration from the plan's request \
            count and the target's rate limit.

            Nothing is written to the target. Without --workspace the export is staged \
            into a temporary folder that is removed afterwards.

            Example:
              ferry assess --from site-export.zip --out assessment/
              ferry assess --from site-export.zip --to https://corp.atlassian.net \\
                --confluence-home /var/atlassian/application-data/confluence \\
                --jira-users jira-users.csv --spaces ENG,OPS --out assessment/ --json
            """
    )

    @OptionGroup public var global: GlobalOptions
    @OptionGroup public var options: ConfigurationOptions

    @Option(
        name: .customLong("from"),
        help: ArgumentHelp("The XML export: a .zip, a folder or an entities.xml.", valueName: "export"))
    public var source: String?

    @Option(
        name: .customLong("to"),
        help: ArgumentHelp("The Cloud site URL, a twin URL, or 'twin' (optional).", valueName: "target"))
    public var target: String?

    @Option(
        name: .long,
        help: ArgumentHelp("The Confluence home folder holding confluence.cfg.xml (database check).", valueName: "dir"))
    public var confluenceHome: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Jira's users: the CSV of Jira's user export, or the JSON of /rest/api/2/user/search.", valueName: "file"))
    public var jiraUsers: String?

    @Option(name: .long, help: ArgumentHelp("Only these space keys (comma-separated).", valueName: "keys"))
    public var spaces: String?

    @Option(name: .long, help: ArgumentHelp("The folder to write the report into.", valueName: "dir"))
    public var out: String

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Endpoints to check instead of Atlassian's list (comma-separated URLs); the target is always added.",
            valueName: "urls"))
    public var endpoints: String?

    @Flag(name: .long, help: "Skip the connectivity checks (for an assessment run away from the migration machine).")
    public var skipNetwork: Bool = false

    @Option(name: .long, help: ArgumentHelp("Seconds to wait for each endpoint.", valueName: "seconds"))
    public var networkTimeout: Int = 10

    @Option(
        name: .long,
        help: ArgumentHelp(
            "The target's maximum attachment size in bytes (Cloud's default: 100 MiB).", valueName: "bytes"))
    public var maxAttachmentBytes: Int64 = 100 * 1024 * 1024

    @Option(
        name: .long,
        help: ArgumentHelp("The per-space XML size CCMA fails over, in bytes (200 MB).", valueName: "bytes"))
    public var maxSpaceXmlBytes: Int64 = 200_000_000

    @Option(
        name: .long,
        help: ArgumentHelp("The target's rate limit used for the duration estimate.", valueName: "requests/s"))
    public var requestsPerSecond: Double = 100

    @Flag(name: .long, help: "Print the report as JSON on stdout (it is also written to --out).")
    public var json: Bool = false

    public init() {}

    public func validate() throws {
        guard networkTimeout > 0 else { throw ValidationError("--network-timeout must be at least 1 second") }
        guard requestsPerSecond > 0 else { throw ValidationError("--requests-per-second must be positive") }
        guard maxAttachmentBytes > 0, maxSpaceXmlBytes > 0 else {
            throw ValidationError("--max-attachment-bytes and --max-space-xml-bytes must be positive")
        }
    }

    public func run() async throws {
        let logger = global.makeLogger()
        let configuration = try options.load(source: source, target: target, logger: logger)
        guard let source = configuration.source.location?.value else {
            throw ValidationError("give the export with --from (or source.location in ferry.toml)")
        }
        let jira = try jiraUsers.map { try JiraUserFile.read(URL(fileURLWithPath: $0)) } ?? []
        var homeFinding: Finding?
        var databaseKind: String?
        if let confluenceHome {
            let home = URL(fileURLWithPath: confluenceHome)
            do {
                let database = try ConfluenceHomeDatabase.read(home: home)
                databaseKind = database.kind.rawValue
                homeFinding = database.finding(home: home)
            } catch {
                throw AssessError.confluenceHome(error.description)
            }
        }

        let temporary = options.workspace == nil
        let folder =
            temporary
            ? FileManager.default.temporaryDirectory.appendingPathComponent(
                "ferry-assess-\(UUID().uuidString.prefix(8))")
            : URL(fileURLWithPath: configuration.workspace.value)
        defer { if temporary { try? FileManager.default.removeItem(at: folder) } }
        let workspace = try Workspace.open(at: folder)
        let export = try SourceStaging.stage(export: URL(fileURLWithPath: source), workspace: workspace, logger: logger)
        let selected = spaces.map {
            Set($0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() })
        }

        var assessment = SourceAssessment(workspace: workspace)
        assessment.limits = AssessmentLimits(
            maxSpaceXMLBytes: maxSpaceXmlBytes, maxAttachmentBytes: maxAttachmentBytes)
        assessment.spaceKeys = selected
        assessment.jiraUsers = jira
        assessment.cloudGroups = try await cloudGroups(
            configuration: configuration, workspace: workspace, logger: logger)
        assessment.exportWarnings = export.warnings
        assessment.pluginDataFiles = Self.pluginDataFiles(export)
        let progress = ProgressReporter(phase: "assessing pages", total: max(try workspace.currentContentCount(), 1))
        assessment.progress = { progress.advance(items: $0) }
        let sourceOutcome = try assessment.run()
        progress.finish()
        if let selected {
            let known = Set(sourceOutcome.summary.spaces.compactMap { $0.key?.lowercased() })
            let unknown = selected.subtracting(known)
            guard unknown.isEmpty else {
                throw AssessError.unknownSpaces(unknown.sorted(), known: known.sorted())
            }
        }
        var findings = sourceOutcome.findings
        if let homeFinding { findings.append(homeFinding) }

        // Connectivity, through the configured proxy and trust.
        var probes: [ConnectivityProbe.Result] = []
        if !skipNetwork {
            let override = endpoints.map {
                $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            }
            let urls = NetworkAssessment.endpoints(target: configuration.target.url?.value, override: override)
            let probe = ConnectivityProbe(
                configuration: TransportConfiguration(network: configuration.network),
                timeout: .seconds(networkTimeout))
            let reporter = ProgressReporter(phase: "checking endpoints", total: urls.count)
            probes = try await probe.probeAll(urls)
            reporter.advance(items: urls.count)
            reporter.finish()
            findings += NetworkAssessment.findings(probes)
        }

        // The target: credentials, permissions, space keys.
        var account: String?
        if let targetName = configuration.target.url?.value {
            let connection = try await TargetConnection.open(
                target: targetName, configuration: configuration, workspace: workspace.folder, logger: logger)
            let sourceSpaces = sourceOutcome.spaces.compactMap { space in
                space.key.map { (key: $0, name: space.name) }
            }
            let outcome = await TargetAssessment(client: connection.client).run(sourceSpaces: sourceSpaces)
            await connection.close()
            findings += outcome.findings
            account = outcome.account.map { $0.displayName ?? $0.accountId }
        }

        // The plan: how many requests, how long at the target's rate.
        let plan = try MigrationPlanner(
            workspace: workspace,
            options: MigrationOptions(spaces: selected)
        ).plan()
        let seconds = Double(plan.estimatedRequests) / requestsPerSecond

        let report = AssessReportBuilder(
            source: source, target: configuration.target.url?.value, account: account, outcome: sourceOutcome,
            findings: findings, probes: probes, networkSkipped: skipNetwork, databaseKind: databaseKind,
            requests: plan.estimatedRequests, uploadBytes: plan.bytes, seconds: seconds,
            requestsPerSecond: requestsPerSecond
        ).build()
        let written = try ReportWriter().write(report, to: URL(fileURLWithPath: out))
        if json {
            Console.print(try ReportWriter.json(report))
        } else {
            Console.print(AssessReportBuilder.text(report, folder: written.folder.path, files: written.files))
        }
    }

    /// The target's groups, for the same-name collision check; `nil` without a target, or
    /// when the target cannot be read (the target checks below then report why).
    func cloudGroups(
        configuration: FerryConfiguration, workspace: Workspace, logger: Logger
    ) async throws -> [CloudGroup]? {
        guard let targetName = configuration.target.url?.value else { return nil }
        let connection = try await TargetConnection.open(
            target: targetName, configuration: configuration, workspace: workspace.folder, logger: logger)
        do {
            let directory = try await CloudDirectory.read(client: connection.client)
            await connection.close()
            return directory.auditGroups
        } catch {
            await connection.close()
            logger.warning("could not list the target's groups, so group collisions are not checked: \(error)")
            return nil
        }
    }

    /// The files under the export's plugin-data/ (apps' own tables), for a folder export.
    static func pluginDataFiles(_ export: ExportPackage) -> [String] {
        guard case .folder(let root) = export.layout else { return [] }
        let pluginData = root.appendingPathComponent("plugin-data")
        guard let enumerator = FileManager.default.enumerator(atPath: pluginData.path) else { return [] }
        var files: [String] = []
        while let path = enumerator.nextObject() as? String {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(
                atPath: pluginData.appendingPathComponent(path).path, isDirectory: &isDirectory), !isDirectory.boolValue
            {
                files.append("plugin-data/" + path)
            }
        }
        return files.sorted()
    }
}

enum AssessError: FerryError {
    case confluenceHome(String)
    case unknownSpaces([String], known: [String])

    var summary: String {
        switch self {
        case .confluenceHome(let reason): reason
        case .unknownSpaces(let unknown, _): "the export has no space \(unknown.joined(separator: ", "))"
        }
    }

    var remedy: String? {
        switch self {
        case .confluenceHome: "give --confluence-home the Confluence home (data) folder, or leave it out"
        case .unknownSpaces(_, let known): "choose among: \(known.joined(separator: ", "))"
        }
    }
}
