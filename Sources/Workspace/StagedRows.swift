import GRDB
import GRDBSQLite

/// A row of one `staged_*` table. Each type names its table and columns once and
/// binds its values in column order; the writer inserts any of them with one cached
/// statement per table.
public protocol StagedRow: Sendable {
    static var table: String { get }
    static var columns: [String] { get }
    func bind(to binder: inout StagedBinder)
}

/// Binds a row's values straight into the writer's prepared statement, in column
/// order: no array or boxed value per row.
public struct StagedBinder {
    let statement: OpaquePointer
    private(set) var index: Int32 = 0

    init(statement: OpaquePointer) {
        self.statement = statement
    }

    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    @inline(__always) mutating func add(_ value: String) {
        index += 1
        var value = value
        value.withUTF8 { utf8 in
            if let base = utf8.baseAddress {
                base.withMemoryRebound(to: CChar.self, capacity: utf8.count) { chars in
                    _ = sqlite3_bind_text(statement, index, chars, Int32(utf8.count), Self.transient)
                }
            } else {
                _ = sqlite3_bind_text(statement, index, "", 0, Self.transient)
            }
        }
    }

    @inline(__always) mutating func add(_ value: String?) {
        if let value {
            add(value)
        } else {
            index += 1
            sqlite3_bind_null(statement, index)
        }
    }

    @inline(__always) mutating func add(_ value: Int64) {
        index += 1
        sqlite3_bind_int64(statement, index, value)
    }

    @inline(__always) mutating func add(_ value: Int64?) {
        if let value {
            add(value)
        } else {
            index += 1
            sqlite3_bind_null(statement, index)
        }
    }

    @inline(__always) mutating func add(_ value: Bool?) {
        add(value.map { $0 ? 1 : 0 } as Int64?)
    }
}

/// A space (`Space`).
public struct StagedSpace: StagedRow {
    public var id: String
    public var key: String?
    public var name: String?
    public var type: String?
    public var status: String?
    public var homePageID: String?
    public var descriptionID: String?
    public var xmlBytes: Int64

    public init(
        id: String, key: String?, name: String?, type: String?, status: String?, homePageID: String?,
        descriptionID: String?, xmlBytes: Int64
    ) {
        self.id = id
        self.key = key
        self.name = name
        self.type = type
        self.status = status
        self.homePageID = homePageID
        self.descriptionID = descriptionID
        self.xmlBytes = xmlBytes
    }

    public static let table = "staged_spaces"
    public static let columns = ["id", "key", "name", "type", "status", "home_page_id", "description_id", "xml_bytes"]
    public func bind(to binder: inout StagedBinder) {
        binder.add(id)
        binder.add(key)
        binder.add(name)
        binder.add(type)
        binder.add(status)
        binder.add(homePageID)
        binder.add(descriptionID)
        binder.add(xmlBytes)
    }
}

/// A content object: Page, BlogPost, Comment, SpaceDescription, GlobalDescription,
/// Draft, CustomContentEntityObject — every revision is its own row.
public struct StagedContent: StagedRow {
    public var id: String
    public var className: String
    public var title: String?
    public var spaceID: String?
    public var spaceKey: String?
    public var parentID: String?
    public var position: Int64?
    public var version: Int64?
    /// current, draft, deleted, archived (absent in old exports: treated as current).
    public var status: String?
    /// The head revision this one is a historical version of.
    public var originalID: String?
    /// For comments: the page, blog post or attachment commented on.
    public var containerID: String?
    public var creator: String?
    public var lastModifier: String?
    public var created: String?
    public var modified: String?
    public var versionComment: String?
    public var pluginKey: String?
    /// For the legacy `Draft` class: the page it edits (0 when never published) and its type.
    public var draftPageID: String?
    public var draftType: String?
    public var xmlBytes: Int64

    public init(id: String, className: String, xmlBytes: Int64) {
        self.id = id
        self.className = className
        self.xmlBytes = xmlBytes
    }

    public static let table = "staged_content"
    public static let columns = [
        "id", "class", "title", "space_id", "space_key", "parent_id", "position", "version", "status",
        "original_id", "container_id", "creator", "last_modifier", "created", "modified", "version_comment",
        "plugin_key", "draft_page_id", "draft_type", "xml_bytes", "effective_space_id",
    ]
    /// `effective_space_id` starts as the object's own space (most rows have one), so
    /// resolution only fills in revisions, comments and legacy drafts.
    public func bind(to binder: inout StagedBinder) {
        binder.add(id)
        binder.add(className)
        binder.add(title)
        binder.add(spaceID)
        binder.add(spaceKey)
        binder.add(parentID)
        binder.add(position)
        binder.add(version)
        binder.add(status)
        binder.add(originalID)
        binder.add(containerID)
        binder.add(creator)
        binder.add(lastModifier)
        binder.add(created)
        binder.add(modified)
        binder.add(versionComment)
        binder.add(pluginKey)
        binder.add(draftPageID)
        binder.add(draftType)
        binder.add(xmlBytes)
        binder.add(spaceID)
    }
}

/// An attachment revision, in either shape (≤5.3 `fileName`/`content`, or the
/// content-entity shape with `title`/`containerContent`).
public struct StagedAttachment: StagedRow {
    public var id: String
    public var title: String?
    public var containerID: String?
    public var spaceID: String?
    public var version: Int64?
    public var status: String?
    public var originalID: String?
    public var mediaType: String?
    public var fileSize: Int64?
    public var comment: String?
    public var creator: String?
    public var created: String?
    public var xmlBytes: Int64

    public init(id: String, xmlBytes: Int64) {
        self.id = id
        self.xmlBytes = xmlBytes
    }

    public static let table = "staged_attachments"
    public static let columns = [
        "id", "title", "container_id", "space_id", "version", "status", "original_id", "media_type", "file_size",
        "comment", "creator", "created", "xml_bytes",
    ]
    public func bind(to binder: inout StagedBinder) {
        binder.add(id)
        binder.add(title)
        binder.add(containerID)
        binder.add(spaceID)
        binder.add(version)
        binder.add(status)
        binder.add(originalID)
        binder.add(mediaType)
        binder.add(fileSize)
        binder.add(comment)
        binder.add(creator)
        binder.add(created)
        binder.add(xmlBytes)
    }
}

/// A body (`BodyContent`): 0 wiki markup, 1 raw, 2 XHTML storage, nil (pre-4.0) wiki.
public struct StagedBody: StagedRow {
    public var id: String
    public var contentID: String?
    public var contentClass: String?
    public var bodyType: Int64?
    public var body: String
    public var xmlBytes: Int64

    public init(
        id: String, contentID: String?, contentClass: String?, bodyType: Int64?, body: String, xmlBytes: Int64
    ) {
        self.id = id
        self.contentID = contentID
        self.contentClass = contentClass
        self.bodyType = bodyType
        self.body = body
        self.xmlBytes = xmlBytes
    }

    public static let table = "staged_bodies"
    public static let columns = ["id", "content_id", "content_class", "body_type", "body_bytes", "xml_bytes"]
    public func bind(to binder: inout StagedBinder) {
        binder.add(id)
        binder.add(contentID)
        binder.add(contentClass)
        binder.add(bodyType)
        binder.add(Int64(body.utf8.count))
        binder.add(xmlBytes)
    }

    /// The text lives in its own table so scans of body metadata never read the bodies.
    public var text: StagedBodyText { StagedBodyText(id: id, body: body) }
}

/// The text of a staged body (`staged_body_texts`), written with its ``StagedBody``.
public struct StagedBodyText: StagedRow {
    public var id: String
    public var body: String

    public init(id: String, body: String) {
        self.id = id
        self.body = body
    }

    public static let table = "staged_body_texts"
    public static let columns = ["id", "body"]
    public func bind(to binder: inout StagedBinder) {
        binder.add(id)
        binder.add(body)
    }
}

/// A `ContentProperty` (attachment metadata, inline-comment markers, app data…).
public struct StagedContentProperty: StagedRow {
    public var id: String
    public var contentID: String?
    public var name: String?
    public var stringValue: String?
    public var longValue: Int64?
    public var xmlBytes: Int64

    public init(
        id: String, contentID: String?, name: String?, stringValue: String?, longValue: Int64?, xmlBytes: Int64
    ) {
        self.id = id
        self.contentID = contentID
        self.name = name
        self.stringValue = stringValue
        self.longValue = longValue
        self.xmlBytes = xmlBytes
    }

    public static let table = "staged_content_properties"
    public static let columns = ["id", "content_id", "name", "string_value", "long_value", "xml_bytes"]
    public func bind(to binder: inout StagedBinder) {
        binder.add(id)
        binder.add(contentID)
        binder.add(name)
        binder.add(stringValue)
        binder.add(longValue)
        binder.add(xmlBytes)
    }
}

/// A member of an owner's collection that the export records only on the owner
/// (old `contentProperties`, Crowd-less group members): resolved with SQL later.
public struct StagedCollectionLink: StagedRow {
    public var ownerClass: String
    public var ownerID: String
    public var role: String
    public var targetClass: String
    public var targetID: String

    public init(ownerClass: String, ownerID: String, role: String, targetClass: String, targetID: String) {
        self.ownerClass = ownerClass
        self.ownerID = ownerID
        self.role = role
        self.targetClass = targetClass
        self.targetID = targetID
    }

    public static let table = "staged_collection_links"
    public static let columns = ["owner_class", "owner_id", "role", "target_class", "target_id"]
    public func bind(to binder: inout StagedBinder) {
        binder.add(ownerClass)
        binder.add(ownerID)
        binder.add(role)
        binder.add(targetClass)
        binder.add(targetID)
    }
}

public struct StagedLabel: StagedRow {
    public var id: String
    public var name: String?
    public var namespace: String?
    public var owner: String?

    public init(id: String, name: String?, namespace: String?, owner: String?) {
        self.id = id
        self.name = name
        self.namespace = namespace
        self.owner = owner
    }

    public static let table = "staged_labels"
    public static let columns = ["id", "name", "namespace", "owner"]
    public func bind(to binder: inout StagedBinder) {
        binder.add(id)
        binder.add(name)
        binder.add(namespace)
        binder.add(owner)
    }
}

/// A `Labelling`: a label applied to content (or to a page template).
public struct StagedLabelling: StagedRow {
    public var id: String
    public var labelID: String?
    public var contentID: String?
    public var contentClass: String?
    public var pageTemplateID: String?
    public var xmlBytes: Int64

    public init(
        id: String, labelID: String?, contentID: String?, contentClass: String?, pageTemplateID: String?,
        xmlBytes: Int64
    ) {
        self.id = id
        self.labelID = labelID
        self.contentID = contentID
        self.contentClass = contentClass
        self.pageTemplateID = pageTemplateID
        self.xmlBytes = xmlBytes
    }

    public static let table = "staged_labellings"
    public static let columns = ["id", "label_id", "content_id", "content_class", "page_template_id", "xml_bytes"]
    public func bind(to binder: inout StagedBinder) {
        binder.add(id)
        binder.add(labelID)
        binder.add(contentID)
        binder.add(contentClass)
        binder.add(pageTemplateID)
        binder.add(xmlBytes)
    }
}

/// A `ContentPermissionSet` (View or Edit restrictions of one page or blog post).
public struct StagedPermissionSet: StagedRow {
    public var id: String
    public var contentID: String?
    public var type: String?

    public init(id: String, contentID: String?, type: String?) {
        self.id = id
        self.contentID = contentID
        self.type = type
    }

    public static let table = "staged_permission_sets"
    public static let columns = ["id", "content_id", "type"]
    public func bind(to binder: inout StagedBinder) {
        binder.add(id)
        binder.add(contentID)
        binder.add(type)
    }
}

/// A `ContentPermission`: one user (by key, or by name in old exports) or group in a set.
public struct StagedContentPermission: StagedRow {
    public var id: String
    public var setID: String?
    public var type: String?
    public var userKey: String?
    public var userName: String?
    public var groupName: String?
    public var xmlBytes: Int64

    public init(
        id: String, setID: String?, type: String?, userKey: String?, userName: String?, groupName: String?,
        xmlBytes: Int64
    ) {
        self.id = id
        self.setID = setID
        self.type = type
        self.userKey = userKey
        self.userName = userName
        self.groupName = groupName
        self.xmlBytes = xmlBytes
    }

    public static let table = "staged_content_permissions"
    public static let columns = ["id", "set_id", "type", "user_key", "user_name", "group_name", "xml_bytes"]
    public func bind(to binder: inout StagedBinder) {
        binder.add(id)
        binder.add(setID)
        binder.add(type)
        binder.add(userKey)
        binder.add(userName)
        binder.add(groupName)
        binder.add(xmlBytes)
    }
}

/// A `SpacePermission`; `spaceID` nil means a global (site) permission.
public struct StagedSpacePermission: StagedRow {
    public var id: String
    public var spaceID: String?
    public var type: String?
    public var groupName: String?
    public var userKey: String?
    public var userName: String?
    public var allUsers: String?
    public var xmlBytes: Int64

    public init(
        id: String, spaceID: String?, type: String?, groupName: String?, userKey: String?, userName: String?,
        allUsers: String?, xmlBytes: Int64
    ) {
        self.id = id
        self.spaceID = spaceID
        self.type = type
        self.groupName = groupName
        self.userKey = userKey
        self.userName = userName
        self.allUsers = allUsers
        self.xmlBytes = xmlBytes
    }

    public static let table = "staged_space_permissions"
    public static let columns = [
        "id", "space_id", "type", "group_name", "user_key", "user_name", "all_users", "xml_bytes",
    ]
    public func bind(to binder: inout StagedBinder) {
        binder.add(id)
        binder.add(spaceID)
        binder.add(type)
        binder.add(groupName)
        binder.add(userKey)
        binder.add(userName)
        binder.add(allUsers)
        binder.add(xmlBytes)
    }
}

/// A user: `ConfluenceUserImpl` (key ↔ username), Crowd `InternalUser`, or pre-4.0
/// `DefaultHibernateUser`. Users are matched across classes by lower-case name.
public struct StagedUser: StagedRow {
    public var className: String
    public var id: String
    public var name: String?
    public var email: String?
    public var displayName: String?
    public var active: Bool?
    public var accountID: String?

    public init(
        className: String, id: String, name: String?, email: String?, displayName: String?, active: Bool?,
        accountID: String?
    ) {
        self.className = className
        self.id = id
        self.name = name
        self.email = email
        self.displayName = displayName
        self.active = active
        self.accountID = accountID
    }

    public static let table = "staged_users"
    public static let columns = [
        "class", "id", "name", "lower_name", "email", "display_name", "active", "account_id",
    ]
    public func bind(to binder: inout StagedBinder) {
        binder.add(className)
        binder.add(id)
        binder.add(name)
        binder.add(name?.lowercased())
        binder.add(email)
        binder.add(displayName)
        binder.add(active)
        binder.add(accountID)
    }
}

/// A group: Crowd `InternalGroup` or pre-4.0 `DefaultHibernateGroup`.
public struct StagedGroup: StagedRow {
    public var className: String
    public var id: String
    public var name: String?
    public var description: String?

    public init(className: String, id: String, name: String?, description: String?) {
        self.className = className
        self.id = id
        self.name = name
        self.description = description
    }

    public static let table = "staged_groups"
    public static let columns = ["class", "id", "name", "lower_name", "description"]
    public func bind(to binder: inout StagedBinder) {
        binder.add(className)
        binder.add(id)
        binder.add(name)
        binder.add(name?.lowercased())
        binder.add(description)
    }
}

/// A group membership (`HibernateMembership`, or a pre-4.0 `localMembers` entry).
public struct StagedMembership: StagedRow {
    public var id: String
    public var groupID: String?
    public var userID: String?
    public var childGroupID: String?

    public init(id: String, groupID: String?, userID: String?, childGroupID: String?) {
        self.id = id
        self.groupID = groupID
        self.userID = userID
        self.childGroupID = childGroupID
    }

    public static let table = "staged_memberships"
    public static let columns = ["id", "group_id", "user_id", "child_group_id"]
    public func bind(to binder: inout StagedBinder) {
        binder.add(id)
        binder.add(groupID)
        binder.add(userID)
        binder.add(childGroupID)
    }
}

/// An `OutgoingLink` (the link index; the body holds the real links).
public struct StagedOutgoingLink: StagedRow {
    public var id: String
    public var sourceID: String?
    public var destinationSpaceKey: String?
    public var destinationTitle: String?

    public init(id: String, sourceID: String?, destinationSpaceKey: String?, destinationTitle: String?) {
        self.id = id
        self.sourceID = sourceID
        self.destinationSpaceKey = destinationSpaceKey
        self.destinationTitle = destinationTitle
    }

    public static let table = "staged_outgoing_links"
    public static let columns = ["id", "source_id", "destination_space_key", "destination_title"]
    public func bind(to binder: inout StagedBinder) {
        binder.add(id)
        binder.add(sourceID)
        binder.add(destinationSpaceKey)
        binder.add(destinationTitle)
    }
}

/// A `PageTemplate`, body inline; `spaceID` nil for a global template.
public struct StagedPageTemplate: StagedRow {
    public var id: String
    public var name: String?
    public var spaceID: String?
    public var bodyType: Int64?
    public var body: String?
    public var xmlBytes: Int64

    public init(id: String, name: String?, spaceID: String?, bodyType: Int64?, body: String?, xmlBytes: Int64) {
        self.id = id
        self.name = name
        self.spaceID = spaceID
        self.bodyType = bodyType
        self.body = body
        self.xmlBytes = xmlBytes
    }

    public static let table = "staged_page_templates"
    public static let columns = ["id", "name", "space_id", "body_type", "body", "xml_bytes"]
    public func bind(to binder: inout StagedBinder) {
        binder.add(id)
        binder.add(name)
        binder.add(spaceID)
        binder.add(bodyType)
        binder.add(body)
        binder.add(xmlBytes)
    }
}

/// Any other object (settings, audit, app data, likes…), kept whole as JSON so a
/// later stage can archive what Cloud cannot take.
public struct StagedOtherObject: StagedRow {
    public var className: String
    public var id: String
    public var propertiesJSON: String
    public var xmlBytes: Int64

    public init(className: String, id: String, propertiesJSON: String, xmlBytes: Int64) {
        self.className = className
        self.id = id
        self.propertiesJSON = propertiesJSON
        self.xmlBytes = xmlBytes
    }

    public static let table = "staged_other_objects"
    public static let columns = ["class", "id", "properties", "xml_bytes"]
    public func bind(to binder: inout StagedBinder) {
        binder.add(className)
        binder.add(id)
        binder.add(propertiesJSON)
        binder.add(xmlBytes)
    }
}

/// A file under `attachments/<container>/<attachment>/<version>`.
public struct StagedAttachmentFile: StagedRow {
    public var containerID: String
    public var attachmentID: String
    public var version: Int64
    public var size: Int64
    public var path: String

    public init(containerID: String, attachmentID: String, version: Int64, size: Int64, path: String) {
        self.containerID = containerID
        self.attachmentID = attachmentID
        self.version = version
        self.size = size
        self.path = path
    }

    public static let table = "staged_attachment_files"
    public static let columns = ["container_id", "attachment_id", "version", "size", "path"]
    public func bind(to binder: inout StagedBinder) {
        binder.add(containerID)
        binder.add(attachmentID)
        binder.add(version)
        binder.add(size)
        binder.add(path)
    }
}

/// One macro's use in one body (`ac:structured-macro` / `ac:macro` name).
public struct StagedMacroUse: StagedRow {
    public var bodyID: String
    public var macro: String
    public var occurrences: Int64

    public init(bodyID: String, macro: String, occurrences: Int64) {
        self.bodyID = bodyID
        self.macro = macro
        self.occurrences = occurrences
    }

    public static let table = "staged_macro_uses"
    public static let columns = ["body_id", "macro", "occurrences"]
    public func bind(to binder: inout StagedBinder) {
        binder.add(bodyID)
        binder.add(macro)
        binder.add(occurrences)
    }
}

/// A repair or skip: what was wrong, on which object, and what Ferry did.
public struct StagedRepair: StagedRow, Codable, Equatable {
    public var kind: String
    public var className: String
    public var objectID: String
    public var count: Int64
    /// repaired, skipped or reported.
    public var action: String
    public var detail: String?

    public init(kind: String, className: String, objectID: String, count: Int64, action: String, detail: String?) {
        self.kind = kind
        self.className = className
        self.objectID = objectID
        self.count = count
        self.action = action
        self.detail = detail
    }

    enum CodingKeys: String, CodingKey {
        case kind
        case className = "class"
        case objectID = "id"
        case count, action, detail
    }

    public static let table = "staged_repairs"
    public static let columns = ["kind", "class", "object_id", "count", "action", "detail"]
    public func bind(to binder: inout StagedBinder) {
        binder.add(kind)
        binder.add(className)
        binder.add(objectID)
        binder.add(count)
        binder.add(action)
        binder.add(detail)
    }
}
