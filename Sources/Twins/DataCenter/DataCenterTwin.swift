public import Foundation
import HTTPTypes
public import Hummingbird
public import Logging
import NIOCore
import Synchronization
public import Workspace

/// Settings of a Data Center twin.
public struct DataCenterTwinConfiguration: Sendable {
    public static let defaultUser = "admin"
    public static let defaultToken = "twin-token"

    public var host: String
    public var port: Int
    /// The major version it behaves like: 7 (7.17: no scan, JSON-RPC permissions),
    /// 8 (scan, JSON-RPC permissions) or 9 (scan and the space permissions REST endpoint).
    public var version: Int
    public var user: String
    /// Accepted as the basic-auth password and as a bearer personal access token.
    public var token: String
    /// The largest request body the admin API accepts (attachment uploads).
    public var maxBodySize: Int

    public init(
        host: String = "127.0.0.1", port: Int = 8091, version: Int = 9, user: String = Self.defaultUser,
        token: String = Self.defaultToken, maxBodySize: Int = 100 << 20
    ) {
        self.host = host
        self.port = port
        self.version = version
        self.user = user
        self.token = token
        self.maxBodySize = maxBodySize
    }

    /// Whether `/rest/api/content/scan` exists (Confluence 7.18 and later).
    public var hasScan: Bool { version >= 8 }
    /// Whether `/rest/api/space/{key}/permissions` exists (9.1 and later; the twin's 9 is 9.1+).
    public var hasSpacePermissionsREST: Bool { version >= 9 }
    /// Whether the backup and restore REST API (`/rest/api/backup-restore/…`) exists: Confluence 8
    /// brought the backup and restore service behind it; 7.x answers 404.
    public var hasBackupRestoreREST: Bool { version >= 8 }
}

/// A running Confluence Data Center twin: a real HTTP server that answers the REST v1
/// read endpoints Ferry uses (spaces, content, scan, versions, attachments, comments,
/// labels, restrictions, space permissions, users, groups, audit, UPM, CQL search)
/// from an export staged into a workspace, plus the `/__twin/` admin API that changes
/// content while a migration runs. State is held behind one lock, so readers always
/// see a consistent snapshot while the admin API mutates it.
public final class DataCenterTwin: Sendable {
    public let configuration: DataCenterTwinConfiguration
    let state: Mutex<DCTwinState>
    let readFile: @Sendable (String) throws -> Data
    let requestLog = DCRequestLog()
    /// Site backup jobs, when the twin can write its export as a backup.
    let backups: DCBackupJobs?
    private let basic: String
    private let bearer: String

    /// - Parameters:
    ///   - workspace: a workspace an export was staged into (``DCTwinState/load(workspace:)``).
    ///   - readFile: reads an attachment file of the export by its relative path.
    ///   - siteBackup: writes the export as a backup zip (destination, include attachments), for
    ///     the backup and restore API; without it that API answers 404.
    public init(
        configuration: DataCenterTwinConfiguration, workspace: Workspace,
        readFile: @escaping @Sendable (String) throws -> Data,
        siteBackup: (@Sendable (URL, Bool) throws -> Void)? = nil
    ) throws {
        self.configuration = configuration
        self.state = Mutex(try DCTwinState.load(workspace: workspace))
        self.readFile = readFile
        self.backups = siteBackup.map {
            DCBackupJobs(folder: workspace.folder.appendingPathComponent("twin-backups"), write: $0)
        }
        basic = "Basic " + Data("\(configuration.user):\(configuration.token)".utf8).base64EncodedString()
        bearer = "Bearer \(configuration.token)"
    }

    /// Counts of what the twin serves (spaces, pages, blog posts, comments, attachments).
    public var counts: [String: Int] {
        state.withLock { state in
            [
                "spaces": state.spaces.count,
                "pages": state.content.values.filter { $0.type == "page" && $0.status == "current" }.count,
                "blogposts": state.content.values.filter { $0.type == "blogpost" && $0.status == "current" }.count,
                "comments": state.comments.count, "attachments": state.attachments.count, "users": state.users.count,
            ]
        }
    }

    public func makeApplication(
        logger: Logger, onStarted: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let responder = CallbackResponder<BasicRequestContext> { [self] request, _ in
            try await self.respond(to: request)
        }
        return Application(
            responder: responder,
            configuration: .init(
                address: .hostname(configuration.host, port: configuration.port), serverName: "ferry-dc-twin"),
            onServerRunning: { channel in await onStarted(channel.localAddress?.port ?? 0) },
            logger: logger)
    }

    /// Runs the twin until the task is cancelled or SIGINT/SIGTERM arrives.
    public func run(logger: Logger, onStarted: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        try await makeApplication(logger: logger, onStarted: onStarted).runService()
    }

    func respond(to request: Request) async throws -> Response {
        let method = request.method.rawValue
        let path = request.uri.path
        let query = CloudTwin.parseQuery(request.uri.query)
        let host = request.head.authority ?? "\(configuration.host):\(configuration.port)"
        let base = "http://\(host)"
        let collected = try await CloudTwin.collect(request.body, limit: configuration.maxBodySize)
        guard let body = collected.bytes else {
            return CloudTwin.render(Self.failure(APIFailure(status: 413, message: "Request entity too large.")))
        }
        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.canonicalName.lowercased()] = field.value }
        let segments = path.split(separator: "/", omittingEmptySubsequences: true).map {
            String($0).removingPercentEncoding ?? String($0)
        }
        let twinRequest = TwinRequest(
            method: method, path: path, params: [:], query: query, headers: headers, body: body, base: base)
        if segments.first == "__twin" {
            do {
                return CloudTwin.render(try admin(twinRequest, Array(segments.dropFirst())))
            } catch let failure as APIFailure {
                return CloudTwin.render(Self.failure(failure))
            }
        }
        requestLog.record(endpoint: "\(method) \(Self.template(segments))")
        let authorization = request.headers[.authorization] ?? ""
        guard authorization == basic || authorization == bearer else {
            var response = Self.failure(
                APIFailure(status: 401, message: "Client must be authenticated to access this resource."))
            response.headers.append(("WWW-Authenticate", "Basic realm=\"Confluence\""))
            return CloudTwin.render(response)
        }
        do {
            if segments.first == "download" {
                return try download(twinRequest, segments)
            }
            if method == "GET", segments.count == 6, segments.starts(with: ["rest", "api", "backup-restore", "jobs"]),
                segments[5] == "download"
            {
                return try backupJobs(twinRequest).download(segments[4])
            }
            return CloudTwin.render(try route(twinRequest, segments))
        } catch let failure as APIFailure {
            return CloudTwin.render(Self.failure(failure))
        }
    }

    /// The endpoint a path belongs to, numbers and keys replaced, for the request statistics.
    static func template(_ segments: [String]) -> String {
        "/" + segments.map { Int($0) != nil ? "{id}" : $0 }.joined(separator: "/")
    }

    static func failure(_ failure: APIFailure) -> TwinResponse {
        .json(
            [
                "statusCode": JSONValue(failure.status), "message": .string(failure.message),
                "reason": .string(HTTPResponse.Status(code: failure.status).reasonPhrase),
            ], status: failure.status)
    }

    /// `GET /download/attachments/{pageId}/{filename}?version=N`: the file, streamed from the export.
    func download(_ request: TwinRequest, _ segments: [String]) throws -> Response {
        guard segments.count == 4, segments[1] == "attachments", let pageID = Int(segments[2]) else {
            throw APIFailure.notFound("No attachment at \(request.path).")
        }
        let filename = segments[3]
        let found: (DCAttachmentVersion, String)? = state.withLock { state in
            guard let attachment = state.attachments(of: pageID).first(where: { $0.title == filename }) else {
                return nil
            }
            let wanted = request.query("version").flatMap(Int.init)
            guard
                let version = wanted.map({ number in attachment.versions.first { $0.number == number } })
                    ?? attachment.versions.last
            else { return nil }
            return (version, attachment.mediaType)
        }
        guard let (version, mediaType) = found else {
            throw APIFailure.notFound("No attachment \(filename) on content \(pageID).")
        }
        let bytes: [UInt8]
        switch version.source {
        case .bytes(let data): bytes = data
        case .export(let path):
            do { bytes = Array(try readFile(path)) } catch {
                throw APIFailure(status: 500, message: "The twin cannot read \(path) from the export: \(error)")
            }
        }
        return CloudTwin.render(TwinResponse(status: 200, headers: [("Content-Type", mediaType)], body: bytes))
    }
}

/// Requests the twin answered, per endpoint and per second (to check a client's pacing).
final class DCRequestLog: Sendable {
    private struct State {
        var total = 0
        var byEndpoint: [String: Int] = [:]
        var bySecond: [Int: Int] = [:]
    }

    private let state = Mutex(State())

    func record(endpoint: String) {
        let second = Int(Date().timeIntervalSince1970)
        state.withLock {
            $0.total += 1
            $0.byEndpoint[endpoint, default: 0] += 1
            $0.bySecond[second, default: 0] += 1
        }
    }

    func reset() { state.withLock { $0 = State() } }

    var snapshot: JSONValue {
        state.withLock { state in
            let busiest = state.bySecond.values.max() ?? 0
            let seconds = state.bySecond.keys
            let span = (seconds.max() ?? 0) - (seconds.min() ?? 0) + 1
            return [
                "requests": JSONValue(state.total), "maxPerSecond": JSONValue(busiest),
                "activeSeconds": JSONValue(state.bySecond.isEmpty ? 0 : span),
                "byEndpoint": .object(state.byEndpoint.mapValues { JSONValue($0) }),
            ]
        }
    }
}
