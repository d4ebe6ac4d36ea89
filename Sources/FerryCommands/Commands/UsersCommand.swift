public import ArgumentParser
import ConfluenceCloud
import ConfluenceExport
import FerryModel
import Foundation
import Logging
import Migration
import Reports
import Workspace

/// `ferry users`: the source's users and groups, their identity problems, and the
/// mapping CSV the operator reviews before migration.
public struct UsersCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "users",
        abstract: "Check the source's users and groups and write the identity mapping to review.",
        discussion: """
            Stages the export (once per workspace) and reads its users, groups and \
            memberships. Reports, before anything is written to Cloud: invalid emails \
            (missing, malformed, placeholder domains), duplicate mailboxes (letter case, \
            Gmail dots and +tags), users whose Jira email differs (--jira-users: the CSV \
            of Jira's user export or the JSON of /rest/api/2/user/search), deactivated \
            users who own content, groups on Atlassian's blocklist with the members who \
            lose admin, and, with --spaces, exactly which users and groups those spaces \
            pull in.

            With --to, looks up the Cloud site's accounts (GET /wiki/rest/api/search/user, \
            then POST /wiki/api/v2/users-bulk for hidden emails) and groups (GET \
            /wiki/rest/api/group) with their space permissions, matches users by email, \
            and reports source groups whose name already exists in Cloud with what that \
            group grants there.

            Writes the mapping CSV (--out): one row per user (map, create, merge-into, \
            skip) and per group (create, merge, skip). Review and edit it, then run \
            ferry migrate: it applies the mapping (invites 'create' users, creates groups, \
            adds members) and resolves mentions, restrictions, space permissions and \
            authorship through it. A group is never folded into a same-name Cloud group \
            unless its row says merge; blocklisted groups are never created.

            The strategy (--strategy) is recorded in the workspace; a later run with \
            another strategy is refused unless --change-strategy is given.

            Example:
              ferry users --from site-export.zip --workspace ./ws --out mapping.csv
              ferry users --from site-export.zip --workspace ./ws --to https://corp.atlassian.net \\
                --jira-users jira-users.csv --spaces ENG,OPS --out mapping.csv
              ferry migrate --from site-export.zip --workspace ./ws --to https://corp.atlassian.net --users mapping.csv
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
        help: ArgumentHelp(
            "The Cloud site (URL, twin URL or 'twin') to match accounts and groups against.",
            valueName: "target"))
    public var target: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Jira's users: its user-management CSV export or /rest/api/2/user/search JSON.",
            valueName: "file"))
    public var jiraUsers: String?

    @Option(name: .long, help: ArgumentHelp("Where to write the mapping CSV.", valueName: "mapping.csv"))
    public var out: String

    @Option(
        name: .long,
        help: ArgumentHelp(
            "match-email: map by email, invite the rest; match-only: map by email, skip the rest; invite-active: like match-email but skip deactivated users.",
            valueName: "strategy"))
    public var strategy: String = IdentityStrategy.matchEmail.rawValue

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Show the users and groups these spaces pull in (comma-separated).",
            valueName: "keys"))
    public var spaces: String?

    @Flag(name: .long, help: "Accept a strategy different from the one recorded in the workspace.")
    public var changeStrategy: Bool = false

    @Flag(name: .long, help: "Print the findings and the mapping summary as JSON.")
    public var json: Bool = false

    public init() {}

    public func run() async throws {
        let logger = global.makeLogger()
        guard let chosen = IdentityStrategy(rawValue: strategy) else {
            throw ValidationError(
                "--strategy \(strategy) is not known; use one of "
                    + IdentityStrategy.allCases.map(\.rawValue).joined(separator: ", "))
        }
        let configuration = try options.load(source: source, target: target, logger: logger)
        guard let source = configuration.source.location?.value else {
            throw ValidationError("give the export with --from (or source.location in ferry.toml)")
        }
        let workspace = try Workspace.open(at: URL(fileURLWithPath: configuration.workspace.value))
        let outURL = URL(fileURLWithPath: out).standardizedFileURL
        _ = try IdentityRecord.lock(
            workspace: workspace.folder, strategy: chosen, mapping: outURL.path, change: changeStrategy)
        _ = try SourceStaging.stage(export: URL(fileURLWithPath: source), workspace: workspace, logger: logger)
        let directory = try SourceDirectory.load(from: workspace)
        let jira = try jiraUsers.map { try JiraUserFile.read(URL(fileURLWithPath: $0)) } ?? []

        var cloud: CloudDirectory?
        if let targetName = configuration.target.url?.value, target != nil {
            let connection = try await TargetConnection.open(
                target: targetName, configuration: configuration, workspace: workspace.folder, logger: logger)
            do {
                cloud = try await CloudDirectory.read(client: connection.client)
            } catch {
                await connection.close()
                throw error
            }
            await connection.close()
        }
        let audit = IdentityAudit(
            users: directory.users, groups: directory.groups, jiraUsers: jira, cloudGroups: cloud?.auditGroups)
        var findings = audit.findings()
        var cascade: CascadeView?
        if let spaces {
            let keys = spaces.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter {
                !$0.isEmpty
            }
            let known = Set(try workspace.spaces().compactMap(\.key))
            let unknown = keys.filter { !known.contains($0) }
            guard unknown.isEmpty else {
                throw ValidationError(
                    "--spaces names \(unknown.joined(separator: ", ")), not in the export (it has \(known.sorted().joined(separator: ", ")))"
                )
            }
            let pulled = try SourceDirectory.cascade(
                workspace: workspace, spaces: keys, groups: directory.groups, users: directory.users)
            let usernames = Dictionary(
                directory.users.map { ($0.key, $0.username) }, uniquingKeysWith: { first, _ in first })
            cascade = CascadeView(
                spaces: keys, groups: pulled.groups, users: pulled.userKeys.map { usernames[$0] ?? $0 }.sorted())
            findings.append(
                Finding(
                    id: "identity.cascade:\(keys.joined(separator: ","))", category: "identity.cascade",
                    severity: .info,
                    title:
                        "Spaces \(keys.joined(separator: ", ")) pull in \(pulled.groups.count) groups and \(pulled.userKeys.count) users",
                    detail: "Every group with a permission or restriction in these spaces comes with all its members.",
                    objects: pulled.groups.map { ObjectReference(kind: "group", id: $0) }
                        + pulled.userKeys.map { ObjectReference(kind: "user", id: $0, name: usernames[$0]) },
                    fix:
                        "Check that every group listed should move with these spaces; narrow a space's permissions in the source first if not."
                ))
        }
        let rows = IdentityMappingFile.propose(
            users: directory.users, strategy: chosen, cloudAccounts: cloud?.accountsByMailbox ?? [:])
        let groupRows = IdentityMappingFile.proposeGroups(
            directory.groups, users: directory.users, cloudGroups: cloud?.auditGroups)
        try IdentityMappingFile.write(IdentityMapping(users: rows, groups: groupRows), to: outURL)

        var actions: [String: Int] = [:]
        for row in rows { actions[row.action.rawValue, default: 0] += 1 }
        var groupActions: [String: Int] = [:]
        for row in groupRows { groupActions[row.action.rawValue, default: 0] += 1 }
        let view = UsersView(
            workspace: workspace.folder.path, mapping: outURL.path, strategy: chosen.rawValue,
            users: directory.users.count, groups: directory.groups.count, cloudConsulted: cloud != nil,
            cloudAccounts: cloud?.accountIds.count, cloudGroups: cloud?.groups.count, userActions: actions,
            groupActions: groupActions, cascade: cascade, findings: findings)
        if json {
            try Console.printJSON(view)
        } else {
            Console.print(view.text)
        }
    }
}

struct CascadeView: Encodable {
    var spaces: [String]
    var groups: [String]
    var users: [String]
}

struct UsersView: Encodable {
    var workspace: String
    var mapping: String
    var strategy: String
    var users: Int
    var groups: Int
    var cloudConsulted: Bool
    var cloudAccounts: Int?
    var cloudGroups: Int?
    var userActions: [String: Int]
    var groupActions: [String: Int]
    var cascade: CascadeView?
    var findings: [Finding]

    var text: String {
        var lines = ["Source: \(users) users, \(groups) groups (strategy \(strategy))"]
        if let cloudAccounts, let cloudGroups {
            lines.append("Cloud site: \(cloudAccounts) accounts, \(cloudGroups) groups")
        } else {
            lines.append("Cloud site not consulted (give --to to match accounts and check group names)")
        }
        let bySeverity = Dictionary(grouping: findings, by: \.severity)
        lines.append(
            "Findings: \(findings.count)"
                + (findings.isEmpty
                    ? ""
                    : " ("
                        + Severity.allCases.reversed().compactMap { severity in
                            bySeverity[severity].map { "\($0.count) \(severity.rawValue)" }
                        }.joined(separator: ", ") + ")"))
        for finding in findings.sorted(by: { ($0.severity, $0.id) > ($1.severity, $1.id) }) {
            lines.append("  [\(finding.severity.rawValue)] \(finding.category): \(finding.title)")
            let objects = finding.objects.map { $0.name ?? $0.id }
            if objects.count > 1 {
                let shown = objects.prefix(12).joined(separator: ", ")
                lines.append("      \(shown)" + (objects.count > 12 ? " … (\(objects.count) in all)" : ""))
            }
            lines.append("      fix: \(finding.fix)")
        }
        if let cascade {
            lines.append(
                "Cascade of \(cascade.spaces.joined(separator: ", ")): groups \(cascade.groups.joined(separator: ", ")); "
                    + "\(cascade.users.count) users")
        }
        let userSummary = userActions.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
        let groupSummary = groupActions.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }
            .joined(separator: ", ")
        lines.append("Mapping written to \(mapping): users \(userSummary); groups \(groupSummary)")
        lines.append("Review and edit it, then: ferry migrate --users \(mapping) (same --from and --workspace)")
        return lines.joined(separator: "\n")
    }
}
