import Workspace

/// Data Center space permissions and the Cloud operation each becomes.
enum SpacePermissionMapping {
    struct Grant: Sendable, Equatable {
        var sourceType: String
        var operation: String
        var target: String
        var groupName: String?
        var userKey: String?

        /// Stable within a space: the ledger key's discriminator.
        var discriminator: String {
            "\(sourceType)/" + (groupName.map { "group:\($0)" } ?? userKey.map { "user:\($0)" } ?? "anonymous")
        }
    }

    /// Cloud's `operation.key` and `operation.target` for each DC permission type.
    static let operations: [String: (String, String)] = [
        "VIEWSPACE": ("read", "space"),
        "EDITSPACE": ("create", "page"),
        "EDITBLOG": ("create", "blogpost"),
        "COMMENT": ("create", "comment"),
        "CREATEATTACHMENT": ("create", "attachment"),
        "REMOVEPAGE": ("delete", "page"),
        "REMOVEBLOG": ("delete", "blogpost"),
        "REMOVECOMMENT": ("delete", "comment"),
        "REMOVEATTACHMENT": ("delete", "attachment"),
        "REMOVEOWNCONTENT": ("delete", "space"),
        "SETPAGEPERMISSIONS": ("restrict_content", "space"),
        "SETSPACEPERMISSIONS": ("administer", "space"),
        "EXPORTSPACE": ("export", "space"),
    ]

    /// Every grant of a space, including those Cloud cannot take (their writes are skipped with a reason).
    static func grants(_ permissions: [Workspace.PermissionInfo]) -> [Grant] {
        var seen: Set<String> = []
        return permissions.compactMap { permission in
            guard let type = permission.type?.uppercased() else { return nil }
            let (operation, target) = operations[type] ?? ("", "")
            let grant = Grant(
                sourceType: type, operation: operation, target: target, groupName: permission.groupName,
                userKey: permission.userKey ?? permission.userName)
            return seen.insert(grant.discriminator).inserted ? grant : nil
        }
    }
}
