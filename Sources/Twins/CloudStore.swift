import Foundation

/// An error the twin answers with, shaped like Cloud's for the API version it came through.
struct APIFailure: Error, Sendable {
    var status: Int
    var message: String

    static func badRequest(_ message: String) -> APIFailure { APIFailure(status: 400, message: message) }
    static func notFound(_ message: String) -> APIFailure { APIFailure(status: 404, message: message) }
}

/// The twin's whole state, serialised through one actor. In memory, with an optional
/// write-through SQLite file.
actor CloudStore {
    private(set) var spaces: [Int: SpaceRecord] = [:]
    /// Index 0: space, kind and title (title checks); index 1: parent id (siblings, children).
    private(set) var contents = IndexedRecords<ContentRecord>(indexedBy: [
        { "\($0.spaceId):\($0.kind.rawValue):\($0.title)" }, { "\($0.parentId ?? -1)" },
    ])
    /// Indexed by container.
    private(set) var comments = IndexedRecords<CommentRecord>(indexedBy: [{ "\($0.containerId)" }])
    private(set) var attachments: [Int: AttachmentRecord] = [:]
    /// Indexed by container.
    private(set) var labels = IndexedRecords<LabelRecord>(indexedBy: [{ "\($0.containerId)" }])
    /// Indexed by container.
    private(set) var properties = IndexedRecords<PropertyRecord>(indexedBy: [{ "\($0.containerId)" }])
    private(set) var restrictions: [Int: RestrictionRecord] = [:]
    private(set) var permissions: [Int: PermissionRecord] = [:]
    private(set) var users: [String: UserRecord] = [:]
    private(set) var groups: [Int: GroupRecord] = [:]
    private var blobs: [String: [UInt8]] = [:]
    private var labelIds: [String: Int] = [:]
    /// Attachment ids by container and file name, so uploads stay O(1) on pages with thousands of files.
    private var attachmentIndex: [Int: [String: Int]] = [:]
    private var nextId = 65_537
    /// Mutations applied, per operation name: the proof of exactly-once in fault tests.
    private(set) var applied: [String: Int] = [:]

    let converter: any BodyConverter
    let persistence: TwinPersistence?
    let adminAccountId: String

    private var pendingUpserts: [(String, Int, Data)] = []
    private var pendingDeletes: [(String, Int)] = []
    private var pendingBlobs: [(String, [UInt8])] = []

    init(converter: any BodyConverter, persistence: TwinPersistence?, adminEmail: String) async throws {
        self.converter = converter
        self.persistence = persistence
        self.adminAccountId = Self.accountId(for: adminEmail)
        users[adminAccountId] = UserRecord(
            accountId: adminAccountId, email: adminEmail, displayName: "Twin Administrator", username: "admin",
            userKey: "admin")
        if let persistence { try load(from: persistence) }
    }

    static func accountId(for email: String) -> String {
        "557058:" + String(SHA256Digest.hex(Array(email.lowercased().utf8)).prefix(32))
    }

    // MARK: persistence

    private func load(from persistence: TwinPersistence) throws {
        let (objects, next) = try persistence.loadAll()
        let decoder = JSONDecoder()
        for (kind, id, json) in objects {
            do {
                switch kind {
                case "space": spaces[id] = try decoder.decode(SpaceRecord.self, from: json)
                case "content": contents[id] = try decoder.decode(ContentRecord.self, from: json)
                case "comment": comments[id] = try decoder.decode(CommentRecord.self, from: json)
                case "attachment":
                    let attachment = try decoder.decode(AttachmentRecord.self, from: json)
                    attachments[id] = attachment
                    attachmentIndex[attachment.containerId, default: [:]][attachment.title] = id
                case "label":
                    let label = try decoder.decode(LabelRecord.self, from: json)
                    labels[id] = label
                    labelIds["\(label.prefix):\(label.name)"] = label.labelId
                case "property": properties[id] = try decoder.decode(PropertyRecord.self, from: json)
                case "restriction": restrictions[id] = try decoder.decode(RestrictionRecord.self, from: json)
                case "permission": permissions[id] = try decoder.decode(PermissionRecord.self, from: json)
                case "user":
                    let user = try decoder.decode(UserRecord.self, from: json)
                    users[user.accountId] = user
                case "group": groups[id] = try decoder.decode(GroupRecord.self, from: json)
                default: break
                }
            } catch {
                throw TwinError.storage(path: persistence.path, reason: "row \(kind) \(id) is unreadable: \(error)")
            }
        }
        if let next { nextId = max(nextId, next) }
    }

    private func save<T: Encodable>(_ kind: String, _ id: Int, _ value: T) {
        guard persistence != nil, let data = try? JSONEncoder().encode(value) else { return }
        pendingUpserts.append((kind, id, data))
    }

    private func remove(_ kind: String, _ id: Int) {
        guard persistence != nil else { return }
        pendingDeletes.append((kind, id))
    }

    /// Writes the pending changes of one request to SQLite.
    func commit() throws {
        guard let persistence, !(pendingUpserts.isEmpty && pendingDeletes.isEmpty && pendingBlobs.isEmpty) else {
            return
        }
        defer {
            pendingUpserts.removeAll()
            pendingDeletes.removeAll()
            pendingBlobs.removeAll()
        }
        try persistence.write(upserts: pendingUpserts, deletes: pendingDeletes, blobs: pendingBlobs, nextId: nextId)
    }

    private func makeId() -> Int {
        nextId += 1
        return nextId
    }

    private func count(_ operation: String) { applied[operation, default: 0] += 1 }

    func reset() throws {
        spaces = [:]
        contents.removeAll()
        comments.removeAll()
        attachments = [:]
        attachmentIndex = [:]
        labels.removeAll()
        properties.removeAll()
        restrictions = [:]
        permissions = [:]
        groups = [:]
        blobs = [:]
        labelIds = [:]
        applied = [:]
        let admin = users[adminAccountId]
        users = [:]
        if let admin { users[adminAccountId] = admin }
        nextId = 65_537
        try persistence?.reset()
    }

    // MARK: users

    func allUsers() -> [UserRecord] { users.values.sorted { $0.accountId < $1.accountId } }

    func user(email: String) -> UserRecord? {
        let lowered = email.lowercased()
        return users.values.first { $0.email.lowercased() == lowered }
    }

    /// A plausible address: what Cloud's invite endpoint accepts (it ignores the rest).
    static func isValidEmail(_ email: String) -> Bool {
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        return parts.count == 2 && !parts[0].isEmpty && parts[1].contains(".") && !parts[1].hasPrefix(".")
            && !parts[1].hasSuffix(".") && !email.contains(where: \.isWhitespace)
    }

    /// `invite-by-email`: every valid address without an account gets one (marked invited);
    /// addresses that already have access are left alone, invalid ones ignored.
    func invite(emails: [String]) {
        for email in emails where Self.isValidEmail(email) && user(email: email) == nil {
            let local = email.split(separator: "@").first.map(String.init) ?? email
            addUser(
                UserRecord(
                    accountId: Self.accountId(for: email), email: email, displayName: local, username: nil,
                    userKey: nil, invited: true))
            count("inviteUser")
        }
    }

    /// `check-access-by-email`: the addresses with no account, and the invalid ones.
    func access(emails: [String]) -> (without: [String], invalid: [String]) {
        let invalid = emails.filter { !Self.isValidEmail($0) }
        let without = emails.filter { Self.isValidEmail($0) && user(email: $0) == nil }
        return (without, invalid)
    }

    // MARK: groups

    func allGroups() -> [GroupRecord] {
        groups.values.sorted { ($0.name.lowercased(), $0.id) < ($1.name.lowercased(), $1.id) }
    }

    func group(id: Int) -> GroupRecord? { groups[id] }

    func group(named name: String) -> GroupRecord? {
        let lowered = name.lowercased()
        return groups.values.first { $0.name.lowercased() == lowered }
    }

    /// Cloud group names are unique regardless of case.
    func createGroup(name: String) throws -> GroupRecord {
        let trimmed = name.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { throw APIFailure.badRequest("The group name must not be empty.") }
        guard trimmed.count <= 255 else { throw APIFailure.badRequest("The group name is longer than 255 characters.") }
        guard group(named: trimmed) == nil else {
            throw APIFailure.badRequest("A group with the name '\(trimmed)' already exists.")
        }
        let record = GroupRecord(id: makeId(), name: trimmed, members: [])
        groups[record.id] = record
        save("group", record.id, record)
        count("createGroup")
        return record
    }

    /// Adds a member; adding someone already in the group changes nothing.
    func addMember(groupId: Int, accountId: String) throws {
        guard var record = groups[groupId] else { throw APIFailure.notFound("No group with id \(groupId).") }
        guard users[accountId] != nil else { throw APIFailure.badRequest("No user with accountId \(accountId).") }
        guard !record.members.contains(accountId) else { return }
        record.members.append(accountId)
        record.members.sort()
        groups[groupId] = record
        save("group", groupId, record)
        count("addGroupMember")
    }

    func addUser(_ user: UserRecord) {
        users[user.accountId] = user
        save("user", abs(user.accountId.hashValue % 1_000_000_000), user)
    }

    func user(accountId: String) -> UserRecord? { users[accountId] }

    func users(usernames: [String], keys: [String]) -> [UserRecord] {
        users.values.filter { user in
            (user.username.map(usernames.contains) ?? false) || (user.userKey.map(keys.contains) ?? false)
        }.sorted { $0.accountId < $1.accountId }
    }

    // MARK: spaces

    func createSpace(key: String, name: String, description: String, isPrivate: Bool) throws -> SpaceRecord {
        guard !key.isEmpty, key.count <= 255, key.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
            throw APIFailure.badRequest(
                "Space key '\(key)' is invalid: a space key may contain only letters and numbers (at most 255).")
        }
        guard !name.trimmingCharacters(in: .whitespaces).isEmpty, name.count <= 200 else {
            throw APIFailure.badRequest("Space name must be between 1 and 200 characters.")
        }
        guard !spaces.values.contains(where: { $0.key.caseInsensitiveCompare(key) == .orderedSame }) else {
            throw APIFailure.badRequest("A space with key '\(key)' already exists.")
        }
        let id = makeId()
        let now = Timestamp.now()
        let homepage = ContentRecord(
            id: makeId(), kind: .page, spaceId: id, parentId: nil, title: name, status: "current", version: 1,
            versionMessage: "", minorEdit: false, createdAt: now, updatedAt: now, representation: "storage", value: "",
            position: 0, authorId: adminAccountId, ownerId: adminAccountId)
        let space = SpaceRecord(
            id: id, key: key, name: name, description: description, type: isPrivate ? "personal" : "global",
            status: "current", homepageId: homepage.id, createdAt: now, authorId: adminAccountId)
        spaces[id] = space
        contents[homepage.id] = homepage
        save("space", id, space)
        save("content", homepage.id, homepage)
        count("createSpace")
        return space
    }

    func space(id: Int) -> SpaceRecord? { spaces[id] }
    func space(key: String) -> SpaceRecord? { spaces.values.first { $0.key == key } }
    func allSpaces() -> [SpaceRecord] { spaces.values.sorted { $0.id < $1.id } }

    // MARK: content

    func content(_ id: Int) -> ContentRecord? { contents[id] }
    func allContents() -> [ContentRecord] { contents.values.sorted { $0.id < $1.id } }

    func checkBody(representation: String, value: String) throws {
        guard ["storage", "atlas_doc_format", "wiki"].contains(representation) else {
            throw APIFailure.badRequest(
                "Invalid body representation '\(representation)': use storage, atlas_doc_format or wiki.")
        }
        if representation == "atlas_doc_format" {
            let problems = converter.validateADF(value)
            if !problems.isEmpty {
                throw APIFailure.badRequest("Invalid ADF document: " + problems.prefix(5).joined(separator: "; "))
            }
        }
    }

    private func titleTaken(_ title: String, spaceId: Int, kind: ContentKind, except: Int?) -> Bool {
        contents.records(0, "\(spaceId):\(kind.rawValue):\(title)").contains {
            $0.status == "current" && $0.id != except
        }
    }

    func createContent(
        kind: ContentKind, spaceId: Int, parentId: Int?, rootLevel: Bool, title: String, status: String,
        representation: String, value: String
    ) throws -> ContentRecord {
        guard let space = spaces[spaceId] else {
            throw APIFailure.notFound("Space \(spaceId) does not exist or you do not have permission to view it.")
        }
        let trimmed = title.trimmingCharacters(in: .whitespaces)
        guard status == "draft" || !trimmed.isEmpty else { throw APIFailure.badRequest("Title cannot be empty.") }
        guard title.count <= 255 else { throw APIFailure.badRequest("Title cannot be longer than 255 characters.") }
        guard ["current", "draft"].contains(status) else { throw APIFailure.badRequest("Invalid status '\(status)'.") }
        try checkBody(representation: representation, value: value)
        if status == "current", titleTaken(title, spaceId: spaceId, kind: kind, except: nil) {
            throw APIFailure.badRequest(
                "A \(kind == .page ? "page" : "blog post") with this title already exists: A \(kind == .page ? "page" : "blog post") already exists with the same TITLE in this space"
            )
        }
        var parent: Int? = nil
        if kind == .page {
            if let parentId {
                guard !rootLevel else { throw APIFailure.badRequest("parentId cannot be set when root-level is true.") }
                guard let parentRecord = contents[parentId], parentRecord.kind == .page else {
                    throw APIFailure.badRequest("Parent page \(parentId) does not exist.")
                }
                guard parentRecord.spaceId == spaceId else {
                    throw APIFailure.badRequest("Parent page \(parentId) is in another space.")
                }
                parent = parentId
            } else if !rootLevel {
                parent = space.homepageId
            }
        }
        let now = Timestamp.now()
        let siblings = contents.records(1, "\(parent ?? -1)").filter { $0.kind == kind && $0.spaceId == spaceId }
        let record = ContentRecord(
            id: makeId(), kind: kind, spaceId: spaceId, parentId: parent, title: title, status: status, version: 1,
            versionMessage: "", minorEdit: false, createdAt: now, updatedAt: now, representation: representation,
            value: value, position: (siblings.map(\.position).max() ?? -1) + 1, authorId: adminAccountId,
            ownerId: adminAccountId)
        contents[record.id] = record
        save("content", record.id, record)
        count("create\(kind == .page ? "Page" : "BlogPost")")
        return record
    }

    func updateContent(
        id: Int, kind: ContentKind?, title: String?, status: String?, representation: String?, value: String?,
        version: Int, message: String?, parentId: Int?, spaceId: Int?
    ) throws -> ContentRecord {
        guard var record = contents[id], kind == nil || record.kind == kind else {
            throw APIFailure.notFound("Content \(id) does not exist or you do not have permission to view it.")
        }
        guard version == record.version + 1 else {
            throw APIFailure(
                status: 409, message: "Version must be incremented on update. Current version is: \(record.version)")
        }
        if let spaceId, spaceId != record.spaceId {
            throw APIFailure.badRequest("A page cannot be moved to another space by an update.")
        }
        if let title {
            guard !title.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw APIFailure.badRequest("Title cannot be empty.")
            }
            if titleTaken(title, spaceId: record.spaceId, kind: record.kind, except: id) {
                throw APIFailure.badRequest(
                    "A page with this title already exists: A page already exists with the same TITLE in this space")
            }
            record.title = title
        }
        if let representation, let value {
            try checkBody(representation: representation, value: value)
            record.representation = representation
            record.value = value
        }
        if let status {
            guard ["current", "draft", "trashed", "archived"].contains(status) else {
                throw APIFailure.badRequest("Invalid status '\(status)'.")
            }
            record.status = status
        }
        if let parentId, record.kind == .page, parentId != record.parentId {
            try checkMove(id: id, newParent: parentId, spaceId: record.spaceId)
            record.parentId = parentId
        }
        record.version = version
        record.versionMessage = message ?? ""
        record.updatedAt = Timestamp.now()
        contents[id] = record
        save("content", id, record)
        count("update\(record.kind == .page ? "Page" : "BlogPost")")
        return record
    }

    private func checkMove(id: Int, newParent: Int, spaceId: Int?) throws {
        guard let parent = contents[newParent], parent.kind == .page else {
            throw APIFailure.badRequest("Target page \(newParent) does not exist.")
        }
        if let spaceId, parent.spaceId != spaceId { throw APIFailure.badRequest("The target is in another space.") }
        var cursor: Int? = newParent
        while let current = cursor {
            if current == id {
                throw APIFailure.badRequest("Moving page \(id) under \(newParent) would create a loop.")
            }
            cursor = contents[current]?.parentId
        }
    }

    func deleteContent(id: Int, kind: ContentKind?, purge: Bool) throws {
        guard let record = contents[id], kind == nil || record.kind == kind else {
            throw APIFailure.notFound("Content \(id) does not exist.")
        }
        if purge || record.status == "trashed" || record.status == "draft" {
            contents[id] = nil
            remove("content", id)
        } else {
            var trashed = record
            trashed.status = "trashed"
            contents[id] = trashed
            save("content", id, trashed)
        }
        count("deleteContent")
    }

    /// v1 `DELETE /space/{key}`: the space and everything in it (Cloud runs this as a long task).
    func deleteSpace(key: String) throws {
        guard let space = spaces.values.first(where: { $0.key == key }) else {
            throw APIFailure.notFound("No space with key : \(key)")
        }
        let contentIds = Set(contents.values.filter { $0.spaceId == space.id }.map(\.id))
        for id in contentIds {
            contents[id] = nil
            remove("content", id)
        }
        for comment in comments.values where contentIds.contains(comment.containerId) {
            comments[comment.id] = nil
            remove("comment", comment.id)
        }
        for attachment in attachments.values where contentIds.contains(attachment.containerId) {
            attachments[attachment.id] = nil
            attachmentIndex[attachment.containerId] = nil
            remove("attachment", attachment.id)
        }
        for label in labels.values where contentIds.contains(label.containerId) {
            labels[label.id] = nil
            remove("label", label.id)
        }
        for property in properties.values where contentIds.contains(property.containerId) {
            properties[property.id] = nil
            remove("property", property.id)
        }
        for permission in permissions.values where permission.spaceId == space.id {
            permissions[permission.id] = nil
            remove("permission", permission.id)
        }
        spaces[space.id] = nil
        remove("space", space.id)
        count("deleteSpace")
    }

    /// v1 move: `before`/`after` make the page a sibling of the target, `append` a child.
    func move(id: Int, position: String, targetId: Int) throws -> ContentRecord {
        guard var page = contents[id], page.kind == .page else {
            throw APIFailure.notFound("Page \(id) does not exist.")
        }
        guard let target = contents[targetId], target.kind == .page else {
            throw APIFailure.notFound("Target page \(targetId) does not exist.")
        }
        if target.spaceId != page.spaceId,
            titleTaken(page.title, spaceId: target.spaceId, kind: .page, except: id)
        {
            throw APIFailure.badRequest("A page with title '\(page.title)' already exists in the target space.")
        }
        switch position {
        case "append":
            try checkMove(id: id, newParent: targetId, spaceId: nil)
            let siblings = contents.records(1, "\(targetId)").filter { $0.id != id }
            page.parentId = targetId
            page.position = (siblings.map(\.position).max() ?? -1) + 1
        case "before", "after":
            guard let newParent = target.parentId else {
                throw APIFailure.badRequest("Cannot move a page before or after a top-level page.")
            }
            try checkMove(id: id, newParent: newParent, spaceId: nil)
            var ordered = contents.records(1, "\(newParent ?? -1)").filter { $0.id != id && $0.kind == .page }
                .sorted { ($0.position, $0.id) < ($1.position, $1.id) }.map(\.id)
            let index = ordered.firstIndex(of: targetId) ?? ordered.count
            ordered.insert(id, at: position == "before" ? index : index + 1)
            page.parentId = newParent
            for (position, sibling) in ordered.enumerated() where sibling != id {
                if var record = contents[sibling], record.position != position {
                    record.position = position
                    contents[sibling] = record
                    save("content", sibling, record)
                }
            }
            page.position = ordered.firstIndex(of: id) ?? 0
        default:
            throw APIFailure.badRequest("Invalid position '\(position)': use before, after or append.")
        }
        page.spaceId = target.spaceId
        contents[id] = page
        save("content", id, page)
        count("movePage")
        return page
    }

    func children(of id: Int) -> [ContentRecord] {
        contents.records(1, "\(id)").filter { $0.status == "current" }
            .sorted { ($0.position, $0.id) < ($1.position, $1.id) }
    }

    func ancestors(of id: Int) -> [ContentRecord] {
        var result: [ContentRecord] = []
        var cursor = contents[id]?.parentId
        while let current = cursor, let record = contents[current], result.count < 100 {
            result.insert(record, at: 0)
            cursor = record.parentId
        }
        return result
    }

    /// Renders a body in the requested representation, converting like Cloud does.
    func body(of representation: String, value: String, as requested: String) -> String {
        if representation == requested { return value }
        switch (representation, requested) {
        case ("storage", "atlas_doc_format"), ("wiki", "atlas_doc_format"): return converter.storageToADF(value)
        case ("atlas_doc_format", "storage"), ("atlas_doc_format", "view"): return converter.adfToStorage(value)
        default: return value
        }
    }

    // MARK: comments

    func createComment(
        location: String, pageId: Int?, blogPostId: Int?, parentCommentId: Int?, representation: String, value: String,
        selection: String?, matchCount: Int?, matchIndex: Int?
    ) throws -> CommentRecord {
        try checkBody(representation: representation, value: value)
        var containerId: Int
        var containerKind: ContentKind
        if let parentCommentId {
            guard let parent = comments[parentCommentId], parent.location == location else {
                throw APIFailure.notFound("Parent comment \(parentCommentId) does not exist.")
            }
            if location == "inline", selection != nil {
                throw APIFailure.badRequest("inlineCommentProperties are not allowed on a reply.")
            }
            containerId = parent.containerId
            containerKind = parent.containerKind
        } else if let id = pageId ?? blogPostId {
            guard let container = contents[id], container.kind == (pageId != nil ? .page : .blogpost) else {
                throw APIFailure.notFound("Content \(id) does not exist.")
            }
            containerId = id
            containerKind = container.kind
            if location == "inline" {
                guard let selection, !selection.isEmpty else {
                    throw APIFailure.badRequest(
                        "inlineCommentProperties.textSelection is required for an inline comment.")
                }
                let count = matchCount ?? 1
                let index = matchIndex ?? 0
                guard count >= 1, index >= 0, index < count else {
                    throw APIFailure.badRequest("textSelectionMatchIndex must be less than textSelectionMatchCount.")
                }
            }
        } else {
            throw APIFailure.badRequest("One of pageId, blogPostId or parentCommentId is required.")
        }
        let record = CommentRecord(
            id: makeId(), location: location, containerId: containerId, containerKind: containerKind,
            parentCommentId: parentCommentId, representation: representation, value: value, version: 1,
            createdAt: Timestamp.now(), textSelection: parentCommentId == nil ? selection : nil,
            textSelectionMatchCount: parentCommentId == nil && location == "inline" ? (matchCount ?? 1) : nil,
            textSelectionMatchIndex: parentCommentId == nil && location == "inline" ? (matchIndex ?? 0) : nil,
            resolutionStatus: location == "inline" ? "open" : nil)
        comments[record.id] = record
        save("comment", record.id, record)
        count("create\(location == "inline" ? "Inline" : "Footer")Comment")
        return record
    }

    func comment(_ id: Int) -> CommentRecord? { comments[id] }

    func comments(containerId: Int, location: String?) -> [CommentRecord] {
        comments.records(0, "\(containerId)").filter { location == nil || $0.location == location }
            .sorted { $0.id < $1.id }
    }

    func allComments() -> [CommentRecord] { comments.values.sorted { $0.id < $1.id } }

    func updateComment(id: Int, representation: String, value: String, version: Int) throws -> CommentRecord {
        guard var record = comments[id] else { throw APIFailure.notFound("Comment \(id) does not exist.") }
        guard version == record.version + 1 else {
            throw APIFailure(
                status: 409, message: "Version must be incremented on update. Current version is: \(record.version)")
        }
        try checkBody(representation: representation, value: value)
        record.representation = representation
        record.value = value
        record.version = version
        comments[id] = record
        save("comment", id, record)
        count("updateComment")
        return record
    }

    func deleteComment(id: Int) throws {
        guard comments[id] != nil else { throw APIFailure.notFound("Comment \(id) does not exist.") }
        comments[id] = nil
        remove("comment", id)
        count("deleteComment")
    }

    // MARK: labels

    static func validLabel(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 255
            && !name.contains(where: { $0.isWhitespace || ":;,.?&[]()#^*@!".contains($0) })
    }

    func addLabels(containerId: Int, labels newLabels: [(prefix: String, name: String)]) throws -> [LabelRecord] {
        guard contents[containerId] != nil || spaces[containerId] != nil || attachments[containerId] != nil else {
            throw APIFailure.notFound("Content \(containerId) does not exist.")
        }
        for label in newLabels where !Self.validLabel(label.name) {
            throw APIFailure.badRequest("Label '\(label.name)' contains invalid characters.")
        }
        for label in newLabels {
            let name = label.name.lowercased()
            let prefix = label.prefix.isEmpty ? "global" : label.prefix
            if labels.records(0, "\(containerId)").contains(where: { $0.name == name && $0.prefix == prefix }
            ) {
                continue
            }
            let labelKey = "\(prefix):\(name)"
            let labelId = labelIds[labelKey] ?? makeId()
            labelIds[labelKey] = labelId
            let record = LabelRecord(
                id: makeId(), labelId: labelId, containerId: containerId, prefix: prefix, name: name)
            labels[record.id] = record
            save("label", record.id, record)
            count("addLabel")
        }
        return labels(containerId: containerId)
    }

    func labels(containerId: Int) -> [LabelRecord] {
        labels.records(0, "\(containerId)").sorted { $0.id < $1.id }
    }

    func allLabels() -> [LabelRecord] { labels.values.sorted { $0.id < $1.id } }

    func removeLabel(containerId: Int, name: String) throws {
        let matches = labels.records(0, "\(containerId)").filter { $0.name == name.lowercased() }
        guard !matches.isEmpty else { throw APIFailure.notFound("Label '\(name)' is not on content \(containerId).") }
        for match in matches {
            labels[match.id] = nil
            remove("label", match.id)
        }
        count("removeLabel")
    }

    // MARK: attachments

    /// Stores an upload. `mode`: "create" (POST: a duplicate filename is refused),
    /// "upsert" (PUT: a new version when the name exists), or a specific attachment id (POST …/data).
    func upload(
        containerId: Int, filename: String, mediaType: String, bytes: [UInt8], comment: String, mode: String,
        attachmentId: Int? = nil
    ) throws -> AttachmentRecord {
        guard let container = contents[containerId] else {
            throw APIFailure.notFound("Content \(containerId) does not exist or you do not have permission to view it.")
        }
        let existing: AttachmentRecord? =
            if let attachmentId {
                attachments[attachmentId]
            } else {
                attachmentIndex[containerId]?[filename].flatMap { attachments[$0] }
            }
        if attachmentId != nil, existing == nil || existing?.containerId != containerId {
            throw APIFailure.notFound(
                "Attachment \(attachmentId.map { "att\($0)" } ?? "") does not exist on \(containerId).")
        }
        if mode == "create", existing != nil {
            throw APIFailure.badRequest(
                "Cannot add a new attachment with same file name as an existing attachment: \(filename)")
        }
        let version = AttachmentVersion(
            number: (existing?.current.number ?? 0) + 1, fileId: UUID().uuidString.lowercased(),
            fileSize: Int64(bytes.count), sha256: SHA256Digest.hex(bytes), createdAt: Timestamp.now(), comment: comment)
        var record =
            existing
            ?? AttachmentRecord(
                id: makeId(), containerId: containerId, containerKind: container.kind, title: filename,
                mediaType: mediaType, versions: [])
        record.versions.append(version)
        if !mediaType.isEmpty { record.mediaType = mediaType }
        attachments[record.id] = record
        attachmentIndex[containerId, default: [:]][record.title] = record.id
        let blobKey = "\(record.displayId)/\(version.number)"
        if persistence != nil { pendingBlobs.append((blobKey, bytes)) } else { blobs[blobKey] = bytes }
        save("attachment", record.id, record)
        count(existing == nil ? "createAttachment" : "attachmentVersion")
        return record
    }

    func attachment(_ id: Int) -> AttachmentRecord? { attachments[id] }

    func attachments(containerId: Int) -> [AttachmentRecord] {
        (attachmentIndex[containerId] ?? [:]).values.compactMap { attachments[$0] }.sorted { $0.id < $1.id }
    }

    func attachment(containerId: Int, filename: String) -> AttachmentRecord? {
        attachmentIndex[containerId]?[filename].flatMap { attachments[$0] }
    }

    func allAttachments() -> [AttachmentRecord] { attachments.values.sorted { $0.id < $1.id } }

    func bytes(of attachment: AttachmentRecord, version: Int?) -> [UInt8]? {
        let key = "\(attachment.displayId)/\(version ?? attachment.current.number)"
        if let bytes = blobs[key] { return bytes }
        return persistence?.blob(key)
    }

    func deleteAttachment(id: Int) throws {
        guard let record = attachments[id] else { throw APIFailure.notFound("Attachment att\(id) does not exist.") }
        attachments[id] = nil
        attachmentIndex[record.containerId]?[record.title] = nil
        remove("attachment", id)
        count("deleteAttachment")
    }

    // MARK: properties

    func createProperty(containerId: Int, containerType: String, key: String, value: JSONValue) throws -> PropertyRecord
    {
        guard !key.isEmpty, key.count <= 255 else {
            throw APIFailure.badRequest("Property key must be 1 to 255 characters.")
        }
        guard properties.records(0, "\(containerId)").first(where: { $0.key == key }) == nil else {
            throw APIFailure.badRequest(
                "A property with key '\(key)' already exists on \(containerType) \(containerId).")
        }
        let record = PropertyRecord(
            id: makeId(), containerId: containerId, containerType: containerType, key: key, value: value, version: 1)
        properties[record.id] = record
        save("property", record.id, record)
        count("createProperty")
        return record
    }

    func properties(containerId: Int, key: String?) -> [PropertyRecord] {
        properties.records(0, "\(containerId)").filter { key == nil || $0.key == key }.sorted {
            $0.id < $1.id
        }
    }

    func property(_ id: Int, containerId: Int) -> PropertyRecord? {
        properties[id].flatMap { $0.containerId == containerId ? $0 : nil }
    }

    func allProperties() -> [PropertyRecord] { properties.values.sorted { $0.id < $1.id } }

    func updateProperty(
        id: Int, containerId: Int, key: String?, value: JSONValue, version: Int
    ) throws -> PropertyRecord {
        guard var record = property(id, containerId: containerId) else {
            throw APIFailure.notFound("Property \(id) does not exist on \(containerId).")
        }
        guard version == record.version + 1 else {
            throw APIFailure(
                status: 409, message: "Version must be incremented on update. Current version is: \(record.version)")
        }
        if let key { record.key = key }
        record.value = value
        record.version = version
        properties[id] = record
        save("property", id, record)
        count("updateProperty")
        return record
    }

    func deleteProperty(id: Int, containerId: Int) throws {
        guard property(id, containerId: containerId) != nil else {
            throw APIFailure.notFound("Property \(id) does not exist on \(containerId).")
        }
        properties[id] = nil
        remove("property", id)
        count("deleteProperty")
    }

    // MARK: restrictions

    func restrictions(contentId: Int) -> [RestrictionRecord] {
        restrictions.values.filter { $0.contentId == contentId }.sorted { $0.operation < $1.operation }
    }

    func allRestrictions() -> [RestrictionRecord] { restrictions.values.sorted { $0.id < $1.id } }

    /// `replace`: PUT semantics (all restrictions replaced); otherwise POST (added).
    func setRestrictions(
        contentId: Int, updates: [(operation: String, users: [String], groups: [String])], replace: Bool
    ) throws -> [RestrictionRecord] {
        guard contents[contentId] != nil else { throw APIFailure.notFound("Content \(contentId) does not exist.") }
        for update in updates where !["read", "update"].contains(update.operation) {
            throw APIFailure.badRequest("Invalid restriction operation '\(update.operation)': use read or update.")
        }
        if replace {
            for record in restrictions(contentId: contentId) {
                restrictions[record.id] = nil
                remove("restriction", record.id)
            }
        }
        for update in updates {
            if var existing = restrictions.values.first(where: {
                $0.contentId == contentId && $0.operation == update.operation
            }) {
                existing.users = Array(Set(existing.users + update.users)).sorted()
                existing.groups = Array(Set(existing.groups + update.groups)).sorted()
                restrictions[existing.id] = existing
                save("restriction", existing.id, existing)
            } else {
                let record = RestrictionRecord(
                    id: makeId(), contentId: contentId, operation: update.operation, users: update.users.sorted(),
                    groups: update.groups.sorted())
                restrictions[record.id] = record
                save("restriction", record.id, record)
            }
        }
        count("setRestrictions")
        return restrictions(contentId: contentId)
    }

    func clearRestrictions(contentId: Int) throws {
        guard contents[contentId] != nil else { throw APIFailure.notFound("Content \(contentId) does not exist.") }
        for record in restrictions(contentId: contentId) {
            restrictions[record.id] = nil
            remove("restriction", record.id)
        }
        count("clearRestrictions")
    }

    // MARK: space permissions

    static let validPermissions: Set<String> = [
        "create:page", "create:blogpost", "create:comment", "create:attachment", "read:space", "delete:page",
        "delete:blogpost", "delete:comment", "delete:attachment", "delete:space", "export:space", "administer:space",
        "archive:page", "restrict_content:space",
    ]

    func addPermission(
        spaceKey: String, subjectType: String, identifier: String, key: String, target: String
    ) throws
        -> PermissionRecord
    {
        guard let space = space(key: spaceKey) else { throw APIFailure.notFound("No space with key '\(spaceKey)'.") }
        guard ["user", "group"].contains(subjectType) else {
            throw APIFailure.badRequest("Subject type must be user or group.")
        }
        guard Self.validPermissions.contains("\(key):\(target)") else {
            throw APIFailure.badRequest("Invalid permission: operation '\(key)' on target '\(target)'.")
        }
        let existing = permissions.values.filter { $0.spaceId == space.id && $0.identifier == identifier }
        if existing.contains(where: { $0.operationKey == key && $0.target == target }) {
            throw APIFailure.badRequest("Permission already exists.")
        }
        if !(key == "read" && target == "space"), !existing.contains(where: { $0.operationKey == "read" }) {
            throw APIFailure.badRequest("'read space' permission doesn't exist for the given user or group.")
        }
        let record = PermissionRecord(
            id: makeId(), spaceId: space.id, subjectType: subjectType, identifier: identifier, operationKey: key,
            target: target)
        permissions[record.id] = record
        save("permission", record.id, record)
        count("addPermission")
        return record
    }

    func permissions(spaceId: Int) -> [PermissionRecord] {
        permissions.values.filter { $0.spaceId == spaceId }.sorted { $0.id < $1.id }
    }

    func allPermissions() -> [PermissionRecord] { permissions.values.sorted { $0.id < $1.id } }

    func deletePermission(spaceKey: String, id: Int) throws {
        guard let space = space(key: spaceKey), let record = permissions[id], record.spaceId == space.id else {
            throw APIFailure.notFound("Permission \(id) does not exist in space '\(spaceKey)'.")
        }
        permissions[id] = nil
        remove("permission", id)
        count("deletePermission")
    }
}
