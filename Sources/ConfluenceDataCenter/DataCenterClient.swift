import Crypto
public import FerryModel
public import Foundation
public import Logging
public import Transport

/// How Ferry authenticates to Data Center: a personal access token (7.9+) sent as a
/// bearer token, or a username and password (basic auth).
public enum DataCenterCredentials: Sendable {
    case token(Secret)
    case basic(user: String, password: Secret)

    var header: String {
        switch self {
        case .token(let token): "Bearer \(token.exposedValue)"
        case .basic(let user, let password):
            "Basic " + HTTPTransport.basicCredentials(user: user, password: password.exposedValue)
        }
    }
}

/// A client of the Confluence Data Center/Server REST API v1. It only reads, except that it
/// can ask the site for a site backup (the backup and restore API).
///
/// Every request goes through the shared ``HTTPTransport`` (its per-host limiter paces
/// them at the source rate given to it, so a production site is never overloaded).
/// Listings follow `start`/`limit` or the scan cursor to the end.
public final class DataCenterClient: Sendable {
    public let site: String
    let credentials: DataCenterCredentials
    public let transport: HTTPTransport
    let logger: Logger

    /// - Parameter site: the base URL, with the context path if there is one (`https://wiki.corp.com/confluence`).
    public init(site: String, credentials: DataCenterCredentials, transport: HTTPTransport, logger: Logger) {
        var base = site
        while base.hasSuffix("/") { base.removeLast() }
        self.site = base
        self.credentials = credentials
        self.transport = transport
        self.logger = logger
    }

    /// A transport configuration that never sends more than `rate` requests per second to the source.
    public static func transportConfiguration(
        _ base: TransportConfiguration, rate: Double, concurrency: Int
    ) -> TransportConfiguration {
        var configuration = base
        let rate = max(rate, 0.1)
        configuration.rateLimit = RateLimiterConfiguration(
            initialRate: rate, minimumRate: min(0.5, rate), maximumRate: rate, additiveIncrease: rate / 10,
            lanesPerEndpoint: false)
        configuration.maxConnectionsPerHost = max(1, concurrency)
        return configuration
    }

    // MARK: requests

    func url(_ path: String, _ query: [(String, String)] = []) -> String {
        var components = URLComponents()
        components.path = path
        if !query.isEmpty { components.queryItems = query.map { URLQueryItem(name: $0.0, value: $0.1) } }
        let suffix =
            (components.percentEncodedPath)
            + (components.percentEncodedQuery.map { "?" + $0.replacingOccurrences(of: "+", with: "%2B") } ?? "")
        return site + suffix
    }

    /// GETs `path` (relative to the site); 404 is returned as nil, other errors thrown.
    func get(_ path: String, _ query: [(String, String)] = [], allowMissing: Bool = false) async throws -> Data? {
        try await send("GET", url(path, query), body: nil, allowMissing: allowMissing)
    }

    func send(
        _ method: String, _ url: String, body: Data?, allowMissing: Bool, retrySafety: RetrySafety = .idempotent
    ) async throws -> Data? {
        var headers = [("Authorization", credentials.header), ("Accept", "application/json")]
        if body != nil { headers.append(("Content-Type", "application/json")) }
        let response = try await transport.send(
            TransportRequest(
                method: method, url: url, headers: headers, body: body.map { .bytes(.init(data: $0)) },
                retrySafety: retrySafety))
        switch response.status {
        case 200..<300: return response.bodyData
        case 401, 403:
            throw DataCenterError.unauthorized(site: site, status: response.status, user: credentials.userName)
        case 404 where allowMissing: return nil
        default:
            throw DataCenterError.http(
                method: method, url: SecretRegistry.shared.redact(url), status: response.status,
                message: Self.message(response.bodyData))
        }
    }

    static func message(_ data: Data) -> String {
        if let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let message = object["message"] as? String
        {
            return message
        }
        return String(decoding: data.prefix(300), as: UTF8.self)
    }

    func decode<T: Decodable>(_ type: T.Type, _ data: Data, _ what: String) throws -> T {
        do { return try JSONDecoder().decode(type, from: data) } catch {
            throw DataCenterError.malformed(site: site, what: what, reason: "\(error)")
        }
    }

    /// Every item of a start/limit listing, following `_links.next`.
    func list<T: Decodable & Sendable>(
        _ path: String, _ query: [(String, String)], limit: Int = 100, allowMissing: Bool = false
    ) async throws -> [T]? {
        var items: [T] = []
        var start = 0
        while true {
            guard
                let data = try await get(
                    path, query + [("start", String(start)), ("limit", String(limit))], allowMissing: allowMissing)
            else { return nil }
            let page = try decode(DCPage<T>.self, data, path)
            items += page.results
            guard page._links?.next != nil, !page.results.isEmpty else { return items }
            start += page.results.count
        }
    }

    // MARK: spaces and content

    /// Spaces, all of them or those with the given keys.
    public func spaces(keys: [String]? = nil) async throws -> [DCSpaceRef] {
        let query = [("expand", "homepage")] + (keys ?? []).map { ("spaceKey", $0) }
        return try await list("/rest/api/space", query, limit: 50) ?? []
    }

    /// The current pages of a space through `/rest/api/content/scan` (DC 7.18+), or
    /// `/rest/api/content` paging when the site has no scan (it answers 404). Calls
    /// `each` with every batch, so a large space is never held in memory.
    public func pages(
        spaceKey: String, expand: String = "ancestors,version,history,space", each: ([DCContent]) async throws -> Void
    ) async throws -> (scan: Bool, count: Int) {
        var cursor: String?
        var count = 0
        var first = true
        while true {
            var query = [("spaceKey", spaceKey), ("limit", "100"), ("expand", expand), ("status", "current")]
            if let cursor { query.append(("cursor", cursor)) }
            guard let data = try await get("/rest/api/content/scan", query, allowMissing: first) else {
                logger.info("no /rest/api/content/scan on \(site) (before 7.18): paging /rest/api/content")
                let listed = try await contentPages(spaceKey: spaceKey, type: "page", expand: expand, each: each)
                return (false, listed)
            }
            first = false
            let page = try decode(DCPage<DCContent>.self, data, "content scan of \(spaceKey)")
            count += page.results.count
            if !page.results.isEmpty { try await each(page.results) }
            guard let next = page.nextCursor, page._links?.next != nil, !page.results.isEmpty else {
                return (true, count)
            }
            cursor = next
        }
    }

    /// Pages or blog posts of a space through `/rest/api/content?spaceKey&type`, batch by batch.
    public func contentPages(
        spaceKey: String, type: String, status: String = "current", expand: String = "ancestors,version,history,space",
        each: ([DCContent]) async throws -> Void
    ) async throws -> Int {
        var start = 0
        let limit = 100
        while true {
            let query = [
                ("spaceKey", spaceKey), ("type", type), ("status", status), ("expand", expand),
                ("start", String(start)), ("limit", String(limit)),
            ]
            guard let data = try await get("/rest/api/content", query) else { return start }
            let page = try decode(DCPage<DCContent>.self, data, "\(type)s of \(spaceKey)")
            if !page.results.isEmpty { try await each(page.results) }
            start += page.results.count
            guard page._links?.next != nil, !page.results.isEmpty else { return start }
        }
    }

    /// A page, blog post or comment, at its current version or (`version`) a historical one.
    public func content(
        id: String, version: Int? = nil, expand: String = "body.storage,version,history,ancestors,space"
    )
        async throws -> DCContent?
    {
        var query = [("expand", expand)]
        if let version { query += [("status", "historical"), ("version", String(version))] }
        guard let data = try await get("/rest/api/content/\(id)", query, allowMissing: true) else { return nil }
        return try decode(DCContent.self, data, "content \(id)")
    }

    /// Every version of a page, blog post or attachment, newest first
    /// (`/rest/experimental/content/{id}/version`).
    public func versions(id: String) async throws -> [DCVersionRef] {
        try await list("/rest/experimental/content/\(id)/version", [], limit: 200, allowMissing: true) ?? []
    }

    public func attachments(contentID: String) async throws -> [DCContent] {
        try await list(
            "/rest/api/content/\(contentID)/child/attachment", [("expand", "version,container,extensions")], limit: 100)
            ?? []
    }

    /// Footer, inline and resolved comments, replies included, with their bodies.
    public func comments(contentID: String) async throws -> [DCContent] {
        try await list(
            "/rest/api/content/\(contentID)/child/comment",
            [
                ("depth", "all"), ("location", "footer"), ("location", "inline"), ("location", "resolved"),
                ("expand", "body.storage,version,history,ancestors,extensions.inlineProperties,extensions.resolution"),
            ], limit: 100) ?? []
    }

    public func labels(contentID: String) async throws -> [DCLabelRef] {
        try await list("/rest/api/content/\(contentID)/label", [], limit: 200) ?? []
    }

    public func restrictions(contentID: String) async throws -> [DCRestrictionGrant] {
        guard
            let data = try await get(
                "/rest/api/content/\(contentID)/restriction/byOperation",
                [("expand", "restrictions.user,restrictions.group")])
        else { return [] }
        let byOperation = try decode([String: DCRestrictionList].self, data, "restrictions of \(contentID)")
        return DCRestrictionGrant.grants(byOperation)
    }

    /// Streams an attachment version's file into `file`. Returns its size.
    public func download(_ attachment: DCContent, version: Int, to file: URL) async throws -> Int64 {
        guard let link = attachment._links?.download else {
            throw DataCenterError.malformed(
                site: site, what: "attachment \(attachment.id)", reason: "it has no _links.download")
        }
        var path = link
        if let range = path.range(of: "?") { path = String(path[..<range.lowerBound]) }
        let target = site + path + "?version=\(version)&api=v2"
        let (status, bytes) = try await transport.download(
            url: target, headers: [("Authorization", credentials.header)], to: file)
        guard (200..<300).contains(status) else {
            if status == 401 || status == 403 {
                throw DataCenterError.unauthorized(site: site, status: status, user: credentials.userName)
            }
            throw DataCenterError.http(method: "GET", url: target, status: status, message: "attachment download")
        }
        return bytes
    }

    // MARK: permissions, people, audit, apps

    /// A space's permissions: `/rest/api/space/{key}/permissions` (9.1+), or JSON-RPC
    /// `getSpacePermissionSets` on earlier versions (the REST endpoint answers 404).
    public func spacePermissions(spaceKey: String) async throws -> (grants: [DCSpacePermissionGrant], viaREST: Bool) {
        if let data = try await get("/rest/api/space/\(spaceKey)/permissions", allowMissing: true) {
            var grants = try decode([DCRESTSpacePermission].self, data, "permissions of \(spaceKey)").compactMap {
                Self.grant($0, anonymous: false)
            }
            if let anonymous = try await get("/rest/api/space/\(spaceKey)/permissions/anonymous", allowMissing: true) {
                grants += try decode([DCRESTSpacePermission].self, anonymous, "anonymous permissions of \(spaceKey)")
                    .compactMap { Self.grant($0, anonymous: true) }
            }
            return (grants, true)
        }
        let body = try JSONSerialization.data(withJSONObject: [spaceKey])
        guard
            let data = try await send(
                "POST", url("/rpc/json-rpc/confluenceservice-v2/getSpacePermissionSets"), body: body,
                allowMissing: false)
        else { return ([], false) }
        let sets = try decode([DCRPCPermissionSet].self, data, "JSON-RPC permissions of \(spaceKey)")
        var grants: [DCSpacePermissionGrant] = []
        for set in sets {
            for entry in set.spacePermissions ?? [] {
                guard let type = entry.type ?? set.type else { continue }
                grants.append(
                    DCSpacePermissionGrant(
                        type: type, groupName: entry.groupName, userKey: nil, userName: entry.userName,
                        anonymous: entry.groupName == nil && entry.userName == nil))
            }
        }
        return (grants, false)
    }

    static let permissionTypes: [String: String] = [
        "read/space": "VIEWSPACE", "create/page": "EDITSPACE", "create/blogpost": "EDITBLOG",
        "create/comment": "COMMENT", "create/attachment": "CREATEATTACHMENT", "delete/page": "REMOVEPAGE",
        "delete/blogpost": "REMOVEBLOG", "delete/comment": "REMOVECOMMENT", "delete/attachment": "REMOVEATTACHMENT",
        "delete_own/space": "REMOVEOWNCONTENT", "restrict_content/space": "SETPAGEPERMISSIONS",
        "administer/space": "SETSPACEPERMISSIONS", "export/space": "EXPORTSPACE", "delete/mail": "REMOVEMAIL",
        "archive/page": "ARCHIVEPAGE",
    ]

    static func grant(_ permission: DCRESTSpacePermission, anonymous: Bool) -> DCSpacePermissionGrant? {
        guard let operation = permission.operation?.operationKey, let target = permission.operation?.targetType,
            let type = permissionTypes["\(operation)/\(target)"]
        else { return nil }
        let subject = permission.subject
        return DCSpacePermissionGrant(
            type: type, groupName: subject?.type == "group" ? subject?.name : nil,
            userKey: subject?.type == "user" ? subject?.userKey : nil,
            userName: subject?.type == "user" ? subject?.username : nil,
            anonymous: anonymous || subject == nil)
    }

    /// Every registered user; with e-mail addresses where the site exposes them
    /// (`/rest/api/admin/users/list/active`, DC 10.2+ and the twin).
    public func users() async throws -> [DCUserRef] {
        var users: [DCUserRef] = try await list("/rest/api/user/list", [], limit: 200) ?? []
        if let active: [DCUserRef] = try await list(
            "/rest/api/admin/users/list/active", [("expand", "email")], limit: 200, allowMissing: true)
        {
            let emails = Dictionary(
                active.compactMap { user in user.userKey.flatMap { key in user.email.map { (key, $0) } } },
                uniquingKeysWith: { first, _ in first })
            for index in users.indices {
                if let key = users[index].userKey, let email = emails[key] { users[index].email = email }
            }
        } else {
            logger.warning("\(site) does not list e-mail addresses (before DC 10.2): map identities with a user file")
        }
        return users
    }

    public func groups() async throws -> [String] {
        let groups: [DCGroupRef] = try await list("/rest/api/group", [], limit: 200) ?? []
        return groups.compactMap(\.name)
    }

    public func members(group: String) async throws -> [DCUserRef] {
        let escaped = group.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? group
        return try await list("/rest/api/group/\(escaped)/member", [], limit: 200, allowMissing: true) ?? []
    }

    /// Audit records (`/rest/api/audit`), each as the JSON object the site returned.
    public func auditRecords(limit: Int = 1000) async throws -> [String] {
        var records: [String] = []
        var start = 0
        while true {
            guard
                let data = try await get(
                    "/rest/api/audit", [("start", String(start)), ("limit", String(limit))], allowMissing: true),
                let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                let results = object["results"] as? [Any]
            else { return records }
            for result in results {
                let encoded = try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys])
                records.append(String(decoding: encoded, as: UTF8.self))
            }
            start += results.count
            let links = object["_links"] as? [String: Any]
            guard links?["next"] != nil, !results.isEmpty else { return records }
        }
    }

    /// Installed apps from the Universal Plugin Manager (`/rest/plugins/1.0/`).
    public func installedApps() async throws -> [DCInstalledApp] {
        guard let data = try await get("/rest/plugins/1.0/", allowMissing: true) else { return [] }
        return try decode(DCPluginList.self, data, "UPM plugin list").plugins
    }

    // MARK: site backup

    /// Queues a site backup job through the backup and restore API
    /// (`POST /rest/api/backup-restore/backup/site`). Returns nil when the site has no such
    /// API (404: Confluence 7 and earlier). When a site backup is already queued or running
    /// (409), that job is returned instead, so Ferry waits for it rather than failing.
    public func startSiteBackup(includeAttachments: Bool, fileNamePrefix: String) async throws -> DCBackupJob? {
        let settings: [String: Any] = [
            "skipAttachments": !includeAttachments, "keepPermanently": false, "fileNamePrefix": fileNamePrefix,
        ]
        let body = try JSONSerialization.data(withJSONObject: settings, options: [.sortedKeys])
        do {
            guard
                let data = try await send(
                    "POST", url("/rest/api/backup-restore/backup/site"), body: body, allowMissing: true,
                    retrySafety: .byMethod)
            else { return nil }
            return try decode(DCBackupJob.self, data, "the site backup job")
        } catch DataCenterError.http(_, _, let status, _) where status == 409 {
            let active = try await backupJobs(states: ["QUEUED", "PROCESSING", "COMPLETING"])
            guard let running = active.first else { throw DataCenterError.backupConflict(site: site) }
            logger.info(
                "a site backup job is already running; waiting for it", metadata: ["job": "\(running.id)"])
            return running
        }
    }

    /// Site backup jobs in the given states, newest first (`GET /rest/api/backup-restore/jobs`).
    public func backupJobs(states: [String]) async throws -> [DCBackupJob] {
        let query = [
            ("jobScope", "SITE"), ("jobOperation", "BACKUP"), ("jobStates", states.joined(separator: ",")),
            ("limit", "25"),
        ]
        guard let data = try await get("/rest/api/backup-restore/jobs", query, allowMissing: true) else { return [] }
        return try decode(DCBackupJobList.self, data, "the backup job list").results
    }

    /// One backup job (`GET /rest/api/backup-restore/jobs/{id}`).
    public func backupJob(id: Int64) async throws -> DCBackupJob {
        guard let data = try await get("/rest/api/backup-restore/jobs/\(id)", allowMissing: true) else {
            throw DataCenterError.backupFailed(site: site, job: id, reason: "the job no longer exists")
        }
        return try decode(DCBackupJob.self, data, "backup job \(id)")
    }

    /// Streams a finished job's backup file into `file`
    /// (`GET /rest/api/backup-restore/jobs/{id}/download`). Returns its size.
    public func downloadBackup(jobID: Int64, to file: URL) async throws -> Int64 {
        let target = url("/rest/api/backup-restore/jobs/\(jobID)/download")
        let (status, bytes) = try await transport.download(
            url: target, headers: [("Authorization", credentials.header)], to: file)
        guard (200..<300).contains(status) else {
            if status == 401 || status == 403 {
                throw DataCenterError.unauthorized(site: site, status: status, user: credentials.userName)
            }
            throw DataCenterError.backupFailed(
                site: site, job: jobID, reason: "downloading the backup file answered HTTP \(status)")
        }
        return bytes
    }

    // MARK: delta sync

    /// Pages and blog posts of a space modified in `[since, until)`, oldest change first,
    /// through CQL `lastmodified` (minute precision: give an overlap window).
    public func changedContent(
        space: String, since: Date, until: Date? = nil, expand: String = "version,ancestors,space"
    )
        async throws -> [DCContent]
    {
        var cql = "space = \"\(space)\" and type in (page,blogpost) and lastmodified >= \"\(Self.cqlDate(since))\""
        if let until { cql += " and lastmodified < \"\(Self.cqlDate(until))\"" }
        cql += " order by lastmodified"
        return try await list("/rest/api/content/search", [("cql", cql), ("expand", expand)], limit: 100) ?? []
    }

    /// `yyyy-MM-dd HH:mm` in UTC, the CQL date form.
    public static func cqlDate(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        return formatter.string(from: date)
    }

    /// The expansion that lists content with its read and update restrictions.
    public static let restrictionsExpand =
        "restrictions.read.restrictions.user,restrictions.read.restrictions.group,"
        + "restrictions.update.restrictions.user,restrictions.update.restrictions.group"

    /// Every current page and blog post of a space with parent, position, title, version
    /// and its restrictions (with a hash): what a sync pass diffs to find moves, renames,
    /// deletions and restriction changes CQL does not report. The restrictions come with
    /// the listing (the `restrictions.*` expansion); a site that leaves them out costs
    /// one request per page. `restrictions: false` skips them. Add `metadata.labels` to
    /// `expand` for the labels.
    public func inventory(
        space: String, restrictions: Bool = true, expand: String = "ancestors,version"
    )
        async throws -> [DCInventoryItem]
    {
        var items: [DCInventoryItem] = []
        func add(_ batch: [DCContent]) async throws {
            for content in batch {
                var grants: [DCRestrictionGrant]?
                if restrictions {
                    if let listed = content.restrictions {
                        grants = listed.grants
                    } else {
                        grants = try await self.restrictions(contentID: content.id)
                    }
                }
                items.append(
                    DCInventoryItem(
                        id: content.id, type: content.type ?? "page", parentID: content.parentID,
                        position: content.position ?? content.extensions?.position,
                        title: content.title ?? "", version: content.version?.number ?? 1,
                        lastModified: content.version?.when, restrictionHash: grants.map(Self.restrictionHash),
                        restrictions: grants, labels: content.metadata?.labelNames))
            }
        }
        let expand = restrictions ? expand + "," + Self.restrictionsExpand : expand
        _ = try await pages(spaceKey: space, expand: expand) { try await add($0) }
        _ = try await contentPages(spaceKey: space, type: "blogpost", expand: expand) { try await add($0) }
        return items
    }

    /// The ids of the pages and blog posts of a space whose comments or attachments were
    /// added or changed since `since` (CQL `type in (comment, attachment)`, which a page's
    /// own `lastmodified` does not reflect).
    public func changedContainers(space: String, since: Date) async throws -> Set<String> {
        let cql =
            "space = \"\(space)\" and type in (comment,attachment) and lastmodified >= \"\(Self.cqlDate(since))\""
            + " order by lastmodified"
        let found: [DCContent] =
            try await list("/rest/api/content/search", [("cql", cql), ("expand", "container")], limit: 100) ?? []
        return Set(found.compactMap { $0.container?.id })
    }

    /// The site's clock, from the `Date` header of a cheap request; the local clock when the
    /// site sends none.
    public func serverTime() async throws -> Date {
        let response = try await transport.send(
            TransportRequest(
                method: "GET", url: url("/rest/api/space", [("limit", "1")]),
                headers: [("Authorization", credentials.header), ("Accept", "application/json")], body: nil,
                retrySafety: .idempotent))
        if response.status == 401 || response.status == 403 {
            throw DataCenterError.unauthorized(site: site, status: response.status, user: credentials.userName)
        }
        return response.header("Date").flatMap(Self.httpDate) ?? Date()
    }

    /// An RFC 7231 date (`Mon, 30 Nov 2026 16:54:45 GMT`).
    static func httpDate(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return formatter.date(from: text.trimmingCharacters(in: .whitespaces))
    }

    public static func restrictionHash(_ grants: [DCRestrictionGrant]) -> String {
        let text = grants.sorted { $0.operation < $1.operation }.map {
            "\($0.operation):u=\($0.userKeys.sorted().joined(separator: ",")):g=\($0.groups.sorted().joined(separator: ","))"
        }.joined(separator: ";")
        return SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}

extension DataCenterCredentials {
    var userName: String? {
        if case .basic(let user, _) = self { return user }
        return nil
    }
}
