public import Foundation
public import Reports
import StorageFormat
public import Workspace

/// Limits of the target that decide what is a problem. Defaults are Confluence Cloud's.
public struct AssessmentLimits: Sendable, Equatable {
    /// CCMA fails on a space whose XML passes 200 MB; Ferry does not, but the figure says
    /// which spaces CCMA-based plans must split.
    public var maxSpaceXMLBytes: Int64
    /// Cloud's default maximum attachment size (100 MB; a site admin can change it).
    public var maxAttachmentBytes: Int64
    /// Cloud refuses page titles longer than 255 characters.
    public var maxTitleLength: Int

    public init(
        maxSpaceXMLBytes: Int64 = StagingSummary.ccmaSpaceLimitBytes, maxAttachmentBytes: Int64 = 100 * 1024 * 1024,
        maxTitleLength: Int = 255
    ) {
        self.maxSpaceXMLBytes = maxSpaceXMLBytes
        self.maxAttachmentBytes = maxAttachmentBytes
        self.maxTitleLength = maxTitleLength
    }
}

/// Every check `ferry assess` runs on the source alone, over a staged export: repairs
/// made while reading, sizes and limits, titles, macros and their Cloud availability,
/// pages that need legacy fallbacks, identity, and what will not migrate.
///
/// Memory: the checks stream the workspace (bodies one at a time); only findings, capped
/// at ``objectsPerFinding`` objects each, are kept.
public struct SourceAssessment {
    public let workspace: Workspace
    public var limits = AssessmentLimits()
    /// Lower-cased space keys to assess; `nil` for all.
    public var spaceKeys: Set<String>?
    public var jiraUsers: [JiraUser] = []
    public var cloudGroups: [CloudGroup]?
    /// Export-level warnings (a missing descriptor…), reported as `export.warning`.
    public var exportWarnings: [String] = []
    /// Files under the export's `plugin-data/` (app data Cloud cannot import).
    public var pluginDataFiles: [String] = []
    /// Objects listed per finding; the rest are counted in its title.
    public var objectsPerFinding = 1000
    /// Called with the number of pages converted since the last call.
    public var progress: (@Sendable (Int) -> Void)?

    public init(workspace: Workspace) {
        self.workspace = workspace
    }

    /// What the source checks found, with the figures and tables of the report.
    public struct Outcome: Sendable {
        public var findings: [Finding] = []
        public var summary: StagingSummary
        public var spaces: [StagingSummary.Counts]
        public var macros: [(name: String, count: Int, pages: Int, app: String, availability: String)] = []
        public var usersAssessed = 0
    }

    public func run() throws -> Outcome {
        let summary = try workspace.summary(includeRepairs: false)
        let spaces = summary.spaces.filter { included($0.key) }
        var outcome = Outcome(summary: summary, spaces: spaces)
        outcome.findings += try repairFindings()
        outcome.findings += exportWarnings.enumerated().map { index, warning in
            Finding(
                id: "export.warning:\(index + 1)", category: "export.warning", severity: .info,
                title: "The export reader warned: \(warning)",
                objects: [], fix: "Check the export is complete (take it again if in doubt); the run goes on.")
        }
        outcome.findings += sizeFindings(spaces)
        outcome.findings += try attachmentFindings()
        outcome.findings += try titleFindings()
        let (macroFindings, macroRows) = try macroFindings()
        outcome.findings += macroFindings
        outcome.macros = macroRows
        outcome.findings += try conversionFindings()
        let (identity, users) = try identityFindings()
        outcome.findings += identity
        outcome.usersAssessed = users
        outcome.findings += try lossFindings(summary: summary, spaces: spaces)
        return outcome
    }

    func included(_ key: String?) -> Bool {
        guard let spaceKeys else { return true }
        return spaceKeys.contains((key ?? "").lowercased())
    }

    func capped(_ objects: [ObjectReference]) -> [ObjectReference] { Array(objects.prefix(objectsPerFinding)) }

    static func page(_ content: Workspace.AssessContent) -> ObjectReference {
        ObjectReference(
            kind: content.className == "BlogPost" ? "blogpost" : "page", id: content.id,
            name: "\(content.spaceKey ?? "?"): \(content.title ?? "")")
    }

    // MARK: repairs

    func repairFindings() throws -> [Finding] {
        struct Group {
            var action: String
            var total = 0
            var objects: [ObjectReference] = []
        }
        var groups: [String: Group] = [:]
        try workspace.forEachRepair { repair in
            let key = repair.kind + "\u{0}" + repair.action
            var group = groups[key] ?? Group(action: repair.action)
            group.total += 1
            if group.objects.count < objectsPerFinding {
                group.objects.append(ObjectReference(kind: repair.className, id: repair.objectID, name: repair.detail))
            }
            groups[key] = group
        }
        return groups.sorted { $0.key < $1.key }.map { key, group in
            let kind = String(key.split(separator: "\u{0}").first ?? "")
            let count = "\(group.total) object\(group.total == 1 ? "" : "s")"
            if kind == "missing-attachment-file" {
                return Finding(
                    id: "attachment.file-missing", category: "attachment.file-missing", severity: .error,
                    title: "\(count): attachment files missing from the export",
                    detail: "The export lists these attachments but their files are not in attachments/.",
                    objects: group.objects,
                    fix:
                        "Take the export again with attachments, or copy the files from the Confluence home's attachments folder; the pages migrate without them otherwise."
                )
            }
            switch group.action {
            case "skipped":
                return Finding(
                    id: "export.skipped:\(kind)", category: "export.skipped", severity: .warning,
                    title: "\(count) skipped while reading the export (\(kind))",
                    detail: "Ferry could not place these objects and left them out; nothing else depends on them.",
                    objects: group.objects,
                    fix:
                        "Usually leftovers of deleted content. If one matters, repair it in Confluence and export again."
                )
            case "repaired":
                return Finding(
                    id: "export.repaired:\(kind)", category: "export.repaired", severity: .info,
                    title: "\(count) repaired while reading the export (\(kind))",
                    detail: "The damage was fixed in Ferry's staging copy; the export itself is unchanged.",
                    objects: group.objects, fix: "Nothing to do; review the listed objects after migration if in doubt."
                )
            default:
                return Finding(
                    id: "export.reported:\(kind)", category: "export.reported", severity: .warning,
                    title: "\(count) reported while reading the export (\(kind))", objects: group.objects,
                    fix: "Check the listed objects in Confluence before migrating.")
            }
        }
    }

    // MARK: sizes, attachments, titles

    func sizeFindings(_ spaces: [StagingSummary.Counts]) -> [Finding] {
        spaces.filter { $0.estimatedXMLBytes > limits.maxSpaceXMLBytes }.map { space in
            let key = space.key ?? "?"
            return Finding(
                id: "space.xml-over-200mb:\(key)", category: "space.xml-over-200mb", severity: .warning,
                title:
                    "Space \(key) has an estimated \(Self.megabytes(space.estimatedXMLBytes)) of XML, over the \(Self.megabytes(limits.maxSpaceXMLBytes)) CCMA can migrate",
                detail:
                    "Atlassian's migration assistant fails on spaces this large; Ferry migrates them through the REST API in pieces.",
                objects: [ObjectReference(kind: "space", id: key, name: space.name)],
                fix:
                    "Migrate this space with Ferry (no size limit), or, with CCMA, split the space or migrate its attachments separately first."
            )
        }
    }

    func attachmentFindings() throws -> [Finding] {
        let large = try workspace.attachments(largerThan: limits.maxAttachmentBytes).filter { included($0.spaceKey) }
        guard !large.isEmpty else { return [] }
        return [
            Finding(
                id: "attachment.too-large", category: "attachment.too-large", severity: .error,
                title:
                    "\(large.count) attachment\(large.count == 1 ? " is" : "s are") larger than the target's maximum attachment size (\(Self.megabytes(limits.maxAttachmentBytes)))",
                detail: "Cloud refuses the upload; the page migrates without the file.",
                objects: capped(
                    large.map {
                        ObjectReference(
                            kind: "attachment", id: $0.id,
                            name: "\($0.spaceKey ?? "?"): \($0.title ?? "") (\(Self.megabytes($0.fileSize)))")
                    }),
                fix:
                    "Raise the Cloud site's attachment limit (Settings → Attachment settings, up to the plan's maximum), or move these files to other storage and link them."
            )
        ]
    }

    func titleFindings() throws -> [Finding] {
        let refused = try workspace.contentWithRefusedTitles(maxLength: limits.maxTitleLength).filter {
            included($0.spaceKey)
        }
        guard !refused.isEmpty else { return [] }
        return [
            Finding(
                id: "page.title-refused", category: "page.title-refused", severity: .error,
                title:
                    "\(refused.count) page title\(refused.count == 1 ? "" : "s") Cloud will refuse (empty, blank, or over \(limits.maxTitleLength) characters)",
                objects: capped(refused.map(Self.page)),
                fix:
                    "Rename these pages in Confluence before exporting, or let Ferry shorten the title (it keeps the full title in the page's ferry.source property)."
            )
        ]
    }

    // MARK: macros and conversion

    func macroFindings() throws -> (
        [Finding], [(name: String, count: Int, pages: Int, app: String, availability: String)]
    ) {
        let uses = try workspace.macroPages(limit: objectsPerFinding).map { use in
            (name: use.macro, occurrences: use.occurrences, pages: use.pages.filter { included($0.spaceKey) })
        }.filter { !$0.pages.isEmpty }
        let inventory = uses.map { (name: $0.name, count: $0.occurrences, pages: $0.pages.map(Self.page)) }
        let rows = uses.map { use in
            let entry = MacroCatalog.entry(forMacro: use.name)
            return (
                name: use.name, count: use.occurrences, pages: use.pages.count, app: entry?.app ?? "unknown",
                availability: entry?.availability.rawValue ?? "unknown"
            )
        }
        return (MacroCatalog.findings(inventory: inventory), rows)
    }

    func conversionFindings() throws -> [Finding] {
        var nested: [ObjectReference] = []
        var legacy: [ObjectReference] = []
        var nestedCount = 0
        var legacyCount = 0
        var pending = 0
        var last: String?
        let converter = StorageConverter()
        try workspace.forEachCurrentBody(spaceKeys: spaceKeys) { content, body in
            guard content.id != last else { return }
            last = content.id
            let diagnostics = converter.convert(body).diagnostics.filter { $0.kind == .fallback }
            let nestedHere = diagnostics.filter { $0.message.contains("no nested bodied macros") }
            if !nestedHere.isEmpty {
                nestedCount += 1
                if nested.count < objectsPerFinding {
                    var reference = Self.page(content)
                    reference.name = (reference.name ?? "") + " — " + (nestedHere.first?.message ?? "")
                    nested.append(reference)
                }
            }
            if let other = diagnostics.first(where: { !$0.message.contains("no nested bodied macros") }) {
                legacyCount += 1
                if legacy.count < objectsPerFinding {
                    var reference = Self.page(content)
                    reference.name = (reference.name ?? "") + " — " + other.code + ": " + other.message
                    legacy.append(reference)
                }
            }
            pending += 1
            if pending >= 100 {
                progress?(pending)
                pending = 0
            }
        }
        if pending > 0 { progress?(pending) }
        var findings: [Finding] = []
        if nestedCount > 0 {
            findings.append(
                Finding(
                    id: "macro.nested-bodied", category: "macro.nested-bodied", severity: .warning,
                    title:
                        "\(nestedCount) page\(nestedCount == 1 ? " has" : "s have") a macro with a body inside another",
                    detail:
                        "The Cloud editor cannot nest bodied macros: Ferry keeps the inner macro as a Legacy Content block, which renders but edits only in the legacy editor.",
                    objects: nested,
                    fix:
                        "Flatten the macros in Confluence before migrating (move the inner macro out), or accept legacy content on these pages."
                ))
        }
        if legacyCount > 0 {
            findings.append(
                Finding(
                    id: "content.legacy-fallback", category: "content.legacy-fallback", severity: .info,
                    title:
                        "\(legacyCount) page\(legacyCount == 1 ? " needs" : "s need") legacy-content fallbacks for markup Cloud cannot express",
                    detail:
                        "Parts of these pages (nested tables, content in places Cloud does not allow it) are kept as Legacy Content blocks with their original storage.",
                    objects: legacy,
                    fix:
                        "Nothing is lost; edit these pages after migration to convert the blocks, or simplify them first."
                ))
        }
        return findings
    }

    // MARK: identity

    func identityFindings() throws -> ([Finding], Int) {
        let users = try workspace.identityUsers()
        let keyByName = Dictionary(users.map { ($0.username.lowercased(), $0.key) }, uniquingKeysWith: { a, _ in a })
        var members: [String: [String]] = [:]
        for membership in try workspace.memberships() {
            guard let group = membership.groupName else { continue }
            if let user = membership.userName, let key = keyByName[user.lowercased()] {
                members[group, default: []].append(key)
            } else {
                members[group, default: []] = members[group] ?? []
            }
        }
        let groups = try workspace.groups().compactMap(\.name).map { name in
            SourceGroup(name: name, memberKeys: members[name] ?? [])
        }
        let audit = IdentityAudit(
            users: users.map {
                SourceUser(
                    key: $0.key, username: $0.username, displayName: $0.displayName, email: $0.email,
                    active: $0.active, ownedContent: $0.ownedContent)
            },
            groups: groups, jiraUsers: jiraUsers, cloudGroups: cloudGroups)
        return (audit.findings(), users.count)
    }

    // MARK: losses

    /// Bandana (settings) records, classified by their key.
    struct SettingsRecords {
        var emoticons: [String] = []
        var appData: [String] = []
        var globalSettings: [String] = []
    }

    func settingsRecords() throws -> SettingsRecords {
        var records = SettingsRecords()
        for record in try workspace.otherObjects(className: "ConfluenceBandanaRecord") {
            let properties =
                (try? JSONSerialization.jsonObject(with: Data(record.properties.utf8))) as? [String: Any] ?? [:]
            let key = (properties["key"] as? String) ?? ""
            let context = (properties["context"] as? String) ?? ""
            let lowered = key.lowercased()
            let label = key.isEmpty ? record.id : key
            if lowered.contains("emoticon") || lowered.contains("emoji") {
                records.emoticons.append(label)
            } else if lowered.hasPrefix("atlassian.") || lowered.hasPrefix("com.atlassian.")
                || lowered.hasPrefix("confluence.")
            {
                if context == "_GLOBAL" || context.isEmpty { records.globalSettings.append(label) }
            } else {
                records.appData.append(label)
            }
        }
        return records
    }

    func lossFindings(summary: StagingSummary, spaces: [StagingSummary.Counts]) throws -> [Finding] {
        var findings: [Finding] = []
        func loss(
            _ name: String, count: Int, severity: Severity = .info, title: String, detail: String,
            objects: [ObjectReference] = [], fix: String
        ) {
            guard count > 0 else { return }
            findings.append(
                Finding(
                    id: "loss.\(name)", category: "loss.\(name)", severity: severity, title: title, detail: detail,
                    objects: capped(objects), fix: fix))
        }
        let drafts = spaces.map(\.drafts).reduce(0, +)
        loss(
            "drafts", count: drafts,
            title: "\(drafts) personal draft\(drafts == 1 ? "" : "s") will not migrate",
            detail:
                "Unpublished edits and never-published pages are private to their authors; no migration path (Ferry or CCMA) moves them.",
            objects: spaces.filter { $0.drafts > 0 }.map {
                ObjectReference(kind: "space", id: $0.key ?? "?", name: "\($0.drafts) drafts")
            },
            fix: "Ask authors to publish or copy out their drafts before cutover.")
        let unmigratable = summary.totals.unmigratable ?? [:]
        let audit = unmigratable["AuditRecord"] ?? 0
        loss(
            "audit-log", count: audit, title: "\(audit) audit log record\(audit == 1 ? "" : "s") will not migrate",
            detail: "Cloud keeps its own audit log and has no API to import one.",
            fix: "Keep the export (Ferry's archive keeps these records) or export the audit log to CSV for compliance.")
        let settings = try settingsRecords()
        loss(
            "emoticons", count: settings.emoticons.count,
            title:
                "\(settings.emoticons.count) custom emoticon setting\(settings.emoticons.count == 1 ? "" : "s") will not migrate",
            detail: "Cloud has no API for custom emojis; pages that use them show the emoticon's name.",
            objects: settings.emoticons.map { ObjectReference(kind: "setting", id: $0) },
            fix:
                "Upload the custom emojis in Cloud by hand (any editor → emoji picker → Add your own) before migrating."
        )
        let avatars = unmigratable["Attachment:PersonalInformation"] ?? 0
        loss(
            "avatars", count: avatars, title: "\(avatars) profile picture\(avatars == 1 ? "" : "s") will not migrate",
            detail: "Atlassian accounts own their avatars; no API sets another user's picture.",
            fix: "Tell users to set their picture in their Atlassian account after the migration.")
        let appCount = settings.appData.count + pluginDataFiles.count
        loss(
            "app-data", count: appCount,
            title:
                "App data will not migrate through Confluence (\(settings.appData.count) app settings, \(pluginDataFiles.count) plugin-data files)",
            detail:
                "Marketplace apps keep data in their own tables (plugin-data/ in the export); each vendor has its own Cloud migration path.",
            objects: settings.appData.map { ObjectReference(kind: "setting", id: $0) }
                + pluginDataFiles.map { ObjectReference(kind: "file", id: $0) },
            fix:
                "Install each app's Cloud version and run the vendor's app migration (see the macro findings for which apps)."
        )
        let globalPermissions = summary.totals.globalPermissions ?? 0
        let globalCount = settings.globalSettings.count + globalPermissions
        loss(
            "global-settings", count: globalCount,
            title:
                "Global settings and permissions will not migrate (\(settings.globalSettings.count) settings records, \(globalPermissions) global permissions)",
            detail:
                "Site settings, look and feel and global permissions belong to the Cloud site and are set there by an admin.",
            objects: settings.globalSettings.map { ObjectReference(kind: "setting", id: $0) },
            fix:
                "Record the source's global permissions and settings (the CSV beside this report lists them) and set them in Cloud administration."
        )
        let adminGroups = IdentityAudit.blocklistedGroups.union(["confluence-administrators"])
        var adminMembers: [String: Int] = [:]
        for membership in try workspace.memberships() {
            guard let group = membership.groupName, adminGroups.contains(group.lowercased()),
                membership.userName != nil || membership.childGroupName != nil
            else { continue }
            adminMembers[group, default: 0] += 1
        }
        let adminTotal = adminMembers.values.reduce(0, +)
        loss(
            "admin-group-memberships", count: adminTotal, severity: .warning,
            title:
                "\(adminTotal) admin group membership\(adminTotal == 1 ? "" : "s") will not carry admin rights into Cloud",
            detail:
                "Cloud site and product admins are granted in Atlassian administration, not through migrated groups; blocklisted groups are never migrated.",
            objects: adminMembers.sorted { $0.key < $1.key }.map {
                ObjectReference(kind: "group", id: $0.key, name: "\($0.value) members")
            },
            fix: "Grant admin roles in Atlassian administration to the people who need them after the migration.")
        return findings
    }

    static func megabytes(_ bytes: Int64) -> String {
        let value = Double(bytes) / 1_000_000
        return value >= 10 ? "\(Int(value.rounded())) MB" : String(format: "%.1f MB", value)
    }
}
