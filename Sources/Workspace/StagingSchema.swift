/// The `staged_*` tables: one per kind of source object, keyed by the source id.
/// Columns named `*_id` hold source ids; nothing is resolved at insert time.
enum StagingSchema {
    static let tables = [
        "staged_export", "staged_spaces", "staged_content", "staged_attachments", "staged_bodies", "staged_body_texts",
        "staged_content_properties", "staged_collection_links", "staged_labels", "staged_labellings",
        "staged_permission_sets", "staged_content_permissions", "staged_space_permissions", "staged_users",
        "staged_groups", "staged_memberships", "staged_outgoing_links", "staged_page_templates",
        "staged_other_objects", "staged_attachment_files", "staged_macro_uses", "staged_repairs",
    ]

    static let statements = [
        "CREATE TABLE staged_export (key TEXT PRIMARY KEY, value TEXT)",
        """
        CREATE TABLE staged_spaces (
            id TEXT PRIMARY KEY, key TEXT, name TEXT, type TEXT, status TEXT,
            home_page_id TEXT, description_id TEXT, xml_bytes INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID
        """,
        """
        CREATE TABLE staged_content (
            id TEXT PRIMARY KEY, class TEXT NOT NULL, title TEXT, space_id TEXT, space_key TEXT,
            parent_id TEXT, position INTEGER, version INTEGER, status TEXT, original_id TEXT,
            container_id TEXT, creator TEXT, last_modifier TEXT, created TEXT, modified TEXT,
            version_comment TEXT, plugin_key TEXT, draft_page_id TEXT, draft_type TEXT,
            xml_bytes INTEGER NOT NULL DEFAULT 0,
            effective_space_id TEXT, inline INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID
        """,
        """
        CREATE TABLE staged_attachments (
            id TEXT PRIMARY KEY, title TEXT, container_id TEXT, space_id TEXT, version INTEGER, status TEXT,
            original_id TEXT, media_type TEXT, file_size INTEGER, comment TEXT, creator TEXT, created TEXT,
            xml_bytes INTEGER NOT NULL DEFAULT 0,
            effective_space_id TEXT, file_container_id TEXT, file_attachment_id TEXT, file_path TEXT) WITHOUT ROWID
        """,
        """
        CREATE TABLE staged_bodies (
            id TEXT PRIMARY KEY, content_id TEXT, content_class TEXT, body_type INTEGER,
            body_bytes INTEGER NOT NULL DEFAULT 0, xml_bytes INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID
        """,
        "CREATE TABLE staged_body_texts (id TEXT PRIMARY KEY, body TEXT)",
        """
        CREATE TABLE staged_content_properties (
            id TEXT PRIMARY KEY, content_id TEXT, name TEXT, string_value TEXT, long_value INTEGER,
            xml_bytes INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID
        """,
        """
        CREATE TABLE staged_collection_links (
            owner_class TEXT NOT NULL, owner_id TEXT NOT NULL, role TEXT NOT NULL,
            target_class TEXT NOT NULL, target_id TEXT NOT NULL)
        """,
        "CREATE TABLE staged_labels (id TEXT PRIMARY KEY, name TEXT, namespace TEXT, owner TEXT) WITHOUT ROWID",
        """
        CREATE TABLE staged_labellings (
            id TEXT PRIMARY KEY, label_id TEXT, content_id TEXT, content_class TEXT, page_template_id TEXT,
            xml_bytes INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID
        """,
        "CREATE TABLE staged_permission_sets (id TEXT PRIMARY KEY, content_id TEXT, type TEXT) WITHOUT ROWID",
        """
        CREATE TABLE staged_content_permissions (
            id TEXT PRIMARY KEY, set_id TEXT, type TEXT, user_key TEXT, user_name TEXT, group_name TEXT,
            xml_bytes INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID
        """,
        """
        CREATE TABLE staged_space_permissions (
            id TEXT PRIMARY KEY, space_id TEXT, type TEXT, group_name TEXT, user_key TEXT, user_name TEXT,
            all_users TEXT, xml_bytes INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID
        """,
        """
        CREATE TABLE staged_users (
            class TEXT NOT NULL, id TEXT NOT NULL, name TEXT, lower_name TEXT, email TEXT, display_name TEXT,
            active INTEGER, account_id TEXT, PRIMARY KEY (class, id)) WITHOUT ROWID
        """,
        """
        CREATE TABLE staged_groups (
            class TEXT NOT NULL, id TEXT NOT NULL, name TEXT, lower_name TEXT, description TEXT,
            PRIMARY KEY (class, id)) WITHOUT ROWID
        """,
        "CREATE TABLE staged_memberships (id TEXT PRIMARY KEY, group_id TEXT, user_id TEXT, child_group_id TEXT) WITHOUT ROWID",
        """
        CREATE TABLE staged_outgoing_links (
            id TEXT PRIMARY KEY, source_id TEXT, destination_space_key TEXT, destination_title TEXT) WITHOUT ROWID
        """,
        """
        CREATE TABLE staged_page_templates (
            id TEXT PRIMARY KEY, name TEXT, space_id TEXT, body_type INTEGER, body TEXT,
            xml_bytes INTEGER NOT NULL DEFAULT 0)
        """,
        """
        CREATE TABLE staged_other_objects (
            class TEXT NOT NULL, id TEXT NOT NULL, properties TEXT, xml_bytes INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (class, id))
        """,
        """
        CREATE TABLE staged_attachment_files (
            container_id TEXT NOT NULL, attachment_id TEXT NOT NULL, version INTEGER NOT NULL,
            size INTEGER NOT NULL, path TEXT NOT NULL, PRIMARY KEY (container_id, attachment_id, version)) WITHOUT ROWID
        """,
        """
        CREATE TABLE staged_macro_uses (
            body_id TEXT NOT NULL, macro TEXT NOT NULL, occurrences INTEGER NOT NULL,
            PRIMARY KEY (body_id, macro)) WITHOUT ROWID
        """,
        """
        CREATE TABLE staged_repairs (
            seq INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, class TEXT NOT NULL,
            object_id TEXT NOT NULL, count INTEGER NOT NULL, action TEXT NOT NULL, detail TEXT)
        """,
    ]

    /// Indexes built after the bulk insert and before resolution (cheaper than
    /// maintaining them row by row).
    static let resolutionIndexes = [
        "CREATE INDEX IF NOT EXISTS staged_content_original ON staged_content(original_id)",
        "CREATE INDEX IF NOT EXISTS staged_content_parent ON staged_content(parent_id)",
        "CREATE INDEX IF NOT EXISTS staged_content_container ON staged_content(container_id)",
        "CREATE INDEX IF NOT EXISTS staged_attachments_container ON staged_attachments(container_id)",
        "CREATE INDEX IF NOT EXISTS staged_attachments_original ON staged_attachments(original_id)",
        "CREATE INDEX IF NOT EXISTS staged_bodies_content ON staged_bodies(content_id)",
        "CREATE INDEX IF NOT EXISTS staged_properties_content ON staged_content_properties(content_id, name)",
        "CREATE INDEX IF NOT EXISTS staged_links_target ON staged_collection_links(role, target_id)",
        "CREATE INDEX IF NOT EXISTS staged_labellings_content ON staged_labellings(content_id)",
        "CREATE INDEX IF NOT EXISTS staged_permission_sets_content ON staged_permission_sets(content_id)",
        "CREATE INDEX IF NOT EXISTS staged_content_permissions_set ON staged_content_permissions(set_id)",
        "CREATE INDEX IF NOT EXISTS staged_space_permissions_space ON staged_space_permissions(space_id)",
        "CREATE INDEX IF NOT EXISTS staged_users_lower ON staged_users(lower_name)",
        "CREATE INDEX IF NOT EXISTS staged_spaces_key ON staged_spaces(key)",
        // Memberships name their group by id alone (the key is class and id), and a file is
        // looked up by its path: without these, each lookup scans the table.
        "CREATE INDEX IF NOT EXISTS staged_groups_id ON staged_groups(id)",
        "CREATE INDEX IF NOT EXISTS staged_attachment_files_path ON staged_attachment_files(path)",
    ]

    /// Indexes on columns that resolution writes: built once it is done, so its
    /// UPDATE passes do not maintain them row by row.
    static let resolvedIndexes = [
        "CREATE INDEX IF NOT EXISTS staged_content_space ON staged_content(effective_space_id, class, status)",
        // Link resolution looks pages up by title, one at a time (Workspace.contentID):
        // without it, every page link scans its space (60% of a 20,000-page migration's CPU).
        "CREATE INDEX IF NOT EXISTS staged_content_title ON staged_content(title, class, effective_space_id)",
        Self.attachmentFileContainerIndex,
    ]

    /// A page's files are looked up by the container their files lie under (planning, each
    /// upload, each attachment link): without it, every lookup scans all attachments, so a
    /// migration's CPU per page grew with the site. Also added to older workspaces by migration.
    static let attachmentFileContainerIndex =
        "CREATE INDEX IF NOT EXISTS staged_attachments_file_container ON staged_attachments(file_container_id)"
}
