public import Foundation
import GRDB
public import Workspace

/// How many items of each archive section a staged export holds, counted without writing
/// anything: the migration report lists them as "not migrated" before an archive exists.
public enum ArchiveSurvey {
    public static func sections(_ workspace: Workspace) throws -> [ArchiveSection] {
        let blocklisted = IdentityAudit.blocklistedGroups.map { "'\($0)'" }.joined(separator: ",")
        return try workspace.database.read { db in
            func count(_ sql: String) throws -> Int { try Int.fetchOne(db, sql: sql) ?? 0 }
            let pending = "not archived yet: run ferry archive with this workspace"
            return [
                ArchiveSection(
                    id: "drafts", title: "Personal drafts and unpublished shared drafts",
                    count: try count(
                        "SELECT COUNT(*) FROM staged_content WHERE (class IN ('Page', 'BlogPost') AND status = 'draft') OR class = 'Draft'"
                    ), files: [], note: pending),
                ArchiveSection(
                    id: "audit-log", title: "Audit log",
                    count: try count(
                        "SELECT COUNT(*) FROM staged_other_objects WHERE class IN ('AuditRecord', 'AuditRecordImpl', 'AuditEntity')"
                    ), files: [], note: pending),
                ArchiveSection(
                    id: "avatars", title: "User avatars (profile pictures)",
                    count: try count(
                        "SELECT COUNT(*) FROM staged_other_objects WHERE class = 'Attachment:PersonalInformation' AND json_extract(properties, '$.originalVersion') IS NULL"
                    )
                        + (try count(
                            """
                            SELECT COUNT(*) FROM staged_attachments a JOIN staged_other_objects p
                            ON p.class = 'PersonalInformation' AND p.id = a.container_id WHERE a.original_id IS NULL
                            """)),
                    files: [], note: pending),
                ArchiveSection(
                    id: "emoticons", title: "Custom emoticons",
                    count: try count(
                        """
                        SELECT COUNT(*) FROM staged_content WHERE class = 'CustomContentEntityObject' AND original_id IS NULL
                        AND (lower(plugin_key) LIKE '%emoticon%' OR lower(plugin_key) LIKE '%emoji%')
                        """), files: [], note: pending),
                ArchiveSection(
                    id: "global-settings", title: "Global settings",
                    count: try count(
                        "SELECT COUNT(*) FROM staged_other_objects WHERE class = 'ConfluenceBandanaRecord'"),
                    files: [], note: pending),
                ArchiveSection(
                    id: "permissions", title: "Global and space permission matrices",
                    count: try count("SELECT COUNT(*) FROM staged_space_permissions"), files: [], note: pending),
                ArchiveSection(
                    id: "admins", title: "Members of blocklisted admin groups",
                    count: try count(
                        """
                        SELECT COUNT(*) FROM staged_memberships m JOIN staged_groups g ON g.id = m.group_id
                        WHERE lower(g.name) IN (\(blocklisted))
                        """), files: [], note: pending),
                ArchiveSection(
                    id: "truncated-bodies", title: "Page bodies over Cloud's 5 MB limit",
                    count: try count(
                        "SELECT COUNT(DISTINCT source_id) FROM ledger_notes WHERE code = 'body.truncated'"),
                    files: [], note: pending),
            ]
        }
    }

    /// `target` relative to the folder `base` (`../archive/drafts/drafts-by-user.csv`).
    public static func relativePath(from base: URL, to target: URL) -> String {
        let from = base.standardizedFileURL.pathComponents
        let to = target.standardizedFileURL.pathComponents
        var common = 0
        while common < from.count, common < to.count, from[common] == to[common] { common += 1 }
        let ups = Array(repeating: "..", count: from.count - common)
        return (ups + to[common...]).joined(separator: "/")
    }
}
