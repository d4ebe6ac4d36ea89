import GRDB

extension Workspace {
    /// A source user as the identity checks need it: the Confluence user key (or the
    /// username on sites without `ConfluenceUserImpl`), the directory's email, display
    /// name and active flag, and how many content items they created or last modified.
    public struct IdentityUserInfo: Sendable, Equatable {
        public var key: String
        public var username: String
        public var displayName: String?
        public var email: String?
        public var active: Bool
        public var ownedContent: Int
    }

    /// Every user of the source: `ConfluenceUserImpl` rows (key, name, email) joined by
    /// lower-cased name to the directory's user rows (display name, email, active), plus
    /// directory users that never got a user key. Ordered by username.
    public func identityUsers() throws -> [IdentityUserInfo] {
        try database.read { db in
            var owned: [String: Int] = [:]
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT who, COUNT(*) AS n FROM (
                        SELECT id, creator AS who FROM staged_content WHERE creator IS NOT NULL
                        UNION SELECT id, last_modifier FROM staged_content WHERE last_modifier IS NOT NULL
                        UNION SELECT id, creator FROM staged_attachments WHERE creator IS NOT NULL)
                    GROUP BY who
                    """)
            {
                if let who: String = row["who"] { owned[who] = row["n"] }
            }
            var directory: [String: Row] = [:]
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT lower_name, name, email, display_name, active FROM staged_users
                    WHERE class IN ('InternalUser', 'DefaultHibernateUser') AND lower_name IS NOT NULL
                    ORDER BY lower_name, class
                    """)
            {
                if let lower: String = row["lower_name"], directory[lower] == nil { directory[lower] = row }
            }
            var users: [IdentityUserInfo] = []
            var keyed: Set<String> = []
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT id, name, lower_name, email FROM staged_users WHERE class = 'ConfluenceUserImpl'
                    ORDER BY lower_name, id
                    """)
            {
                guard let key: String = row["id"], let name: String = row["name"] else { continue }
                let lower: String = row["lower_name"] ?? name.lowercased()
                keyed.insert(lower)
                let entry = directory[lower]
                let directoryEmail: String? = entry?["email"]
                let email: String? = directoryEmail ?? row["email"]
                let active: Bool? = entry?["active"]
                users.append(
                    IdentityUserInfo(
                        key: key, username: name, displayName: entry?["display_name"], email: email,
                        active: active ?? true, ownedContent: (owned[key] ?? 0) + (key != name ? owned[name] ?? 0 : 0)))
            }
            for (lower, entry) in directory.sorted(by: { $0.key < $1.key }) where !keyed.contains(lower) {
                let name: String = entry["name"] ?? lower
                let active: Bool? = entry["active"]
                users.append(
                    IdentityUserInfo(
                        key: name, username: name, displayName: entry["display_name"], email: entry["email"],
                        active: active ?? true, ownedContent: owned[name] ?? 0))
            }
            return users.sorted { ($0.username.lowercased(), $0.key) < ($1.username.lowercased(), $1.key) }
        }
    }

    /// Who a space's content restrictions name: `(group, user key or name)` pairs.
    public func restrictionSubjects(spaceKey: String) throws -> [(group: String?, user: String?)] {
        try database.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT DISTINCT p.group_name, COALESCE(p.user_key, p.user_name) AS who
                    FROM staged_content_permissions p JOIN staged_permission_sets s ON s.id = p.set_id
                    JOIN staged_content c ON c.id = s.content_id
                    WHERE c.space_key = ? OR c.space_id IN (SELECT id FROM staged_spaces WHERE key = ?)
                    """, arguments: [spaceKey, spaceKey]
            ).map { (group: $0["group_name"], user: $0["who"]) }
        }
    }
}
