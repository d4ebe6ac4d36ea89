public import FerryModel
import Foundation
public import Logging
import NIOCore
public import Transport

/// A typed client for the Confluence Cloud REST API: v2 where Cloud has it, v1 for
/// the writes v2 lacks (space create, labels, attachments, move, restrictions,
/// space permissions, user migration look-up).
///
/// Every create is exactly-once: when a POST's outcome is unknown (a 5xx or a
/// connection cut after sending), the client looks for the object it tried to create
/// (by title, file name, key or body) before sending the POST again.
public final class ConfluenceCloudClient: Sendable {
    /// The site root, e.g. `https://example.atlassian.net` (a trailing `/wiki` is accepted).
    public let site: String
    private let transport: HTTPTransport
    private let authorization: Secret
    private let logger: Logger
    /// Rounds of reconcile-then-retry for a write whose outcome is unknown.
    public let reconcileRounds: Int

    public init(
        site: String, email: String, token: Secret, transport: HTTPTransport, reconcileRounds: Int = 6,
        logger: Logger = Logger(label: "ferry.cloud")
    ) {
        var root = site
        while root.hasSuffix("/") { root.removeLast() }
        if root.hasSuffix("/wiki") { root.removeLast(5) }
        self.site = root
        self.transport = transport
        let credentials = HTTPTransport.basicCredentials(user: email, password: token.exposedValue)
        // Registered on its own too, so the encoded pair is scrubbed even without its "Basic " prefix.
        _ = Secret(credentials, origin: "target credentials")
        self.authorization = Secret("Basic " + credentials, origin: "target credentials")
        self.reconcileRounds = reconcileRounds
        self.logger = logger
    }

    /// Requests, 429s, 5xx and retries sent through this client's transport so far.
    public var transportStatistics: TransportStatistics { transport.statistics }

    static let v2 = "/wiki/api/v2"
    static let v1 = "/wiki/rest/api"

    // MARK: request plumbing

    enum Payload {
        case json(Any)
        case multipart(MultipartBody)
    }

    struct Reply {
        var status: Int
        var response: TransportResponse
        /// The body parsed as a JSON object tree, on first use only: most replies are
        /// decoded straight into a `Decodable` (or only their status matters), and
        /// parsing every body twice cost about a tenth of a migration's CPU.
        private let parsed: ParsedBody

        init(status: Int, response: TransportResponse) {
            self.status = status
            self.response = response
            self.parsed = ParsedBody(response)
        }

        var json: Any? { parsed.value }
        var object: [String: Any] { json as? [String: Any] ?? [:] }
    }

    /// A reply body's JSON tree, parsed when first asked for.
    final class ParsedBody {
        private let response: TransportResponse
        private var parsed = false
        private var cached: Any?

        init(_ response: TransportResponse) { self.response = response }

        var value: Any? {
            if !parsed {
                parsed = true
                cached =
                    response.body.readableBytes > 0 ? try? JSONSerialization.jsonObject(with: response.bodyData) : nil
            }
            return cached
        }
    }

    static func encodePath(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/")))
            ?? text
    }

    static func query(_ items: [(String, String)]) -> String {
        guard !items.isEmpty else { return "" }
        var components = URLComponents()
        components.queryItems = items.map { URLQueryItem(name: $0.0, value: $0.1) }
        let encoded = components.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B") ?? ""
        return "?" + encoded
    }

    /// Sends one request. `pathAndQuery` starts with `/wiki/...` (or is an absolute `_links.next`).
    func send(
        _ method: String, _ pathAndQuery: String, payload: Payload? = nil, retrySafety: RetrySafety = .byMethod
    ) async throws -> Reply {
        var headers = [("Authorization", authorization.exposedValue), ("Accept", "application/json")]
        var body: TransportBody?
        switch payload {
        case .json(let value)?:
            headers.append(("Content-Type", "application/json"))
            body = .bytes(try JSONPayload.encode(value))
        case .multipart(let multipart)?:
            headers.append(("Content-Type", multipart.contentType))
            headers.append(("X-Atlassian-Token", "nocheck"))
            body = try multipart.transportBody()
        case nil: break
        }
        let url = pathAndQuery.hasPrefix("http") ? pathAndQuery : site + pathAndQuery
        let response = try await transport.send(
            TransportRequest(method: method, url: url, headers: headers, body: body, retrySafety: retrySafety))
        return Reply(status: response.status, response: response)
    }

    static func message(of reply: Reply) -> String {
        let object = reply.object
        if let errors = object["errors"] as? [[String: Any]], let first = errors.first {
            return (first["detail"] as? String) ?? (first["title"] as? String) ?? "error"
        }
        if let message = object["message"] as? String { return message }
        return String(reply.response.bodyText.prefix(300))
    }

    /// Throws the typed error for a non-2xx reply.
    func check(_ reply: Reply, _ operation: String, id: String? = nil) throws {
        guard !(200..<300).contains(reply.status) else { return }
        let message = Self.message(of: reply)
        switch reply.status {
        case 404: throw CloudError.notFound(operation: operation, message: message)
        case 409:
            let current = message.split(separator: ":").last.flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            throw CloudError.versionConflict(id: id ?? "", currentVersion: current, message: message)
        default: throw CloudError.rejected(operation: operation, status: reply.status, message: message)
        }
    }

    func decode<T: Decodable>(_ type: T.Type, from reply: Reply, _ operation: String) throws -> T {
        do {
            return try JSONDecoder().decode(T.self, from: reply.response.bodyData)
        } catch {
            throw CloudError.malformedResponse(operation: operation, detail: String(describing: error))
        }
    }

    /// Runs a create whose outcome may be unknown: `attempt` sends the POST, `find` looks
    /// for the object it would have created. A 5xx or interrupted POST is reconciled
    /// with `find` before it is sent again; so is a 400 that follows an unknown attempt
    /// (the object exists: an earlier attempt created it).
    func createExactlyOnce<T>(
        _ operation: String, attempt: () async throws -> Reply, find: () async throws -> T?,
        decode: (Reply) async throws -> T
    ) async throws -> T {
        var uncertain = false
        for round in 0...reconcileRounds {
            if uncertain, let existing = try await find() {
                logger.debug("\(operation): found the object an interrupted attempt created; not sending again")
                return existing
            }
            let reply: Reply
            do {
                reply = try await attempt()
            } catch let error as TransportError {
                if case .interrupted = error, round < reconcileRounds {
                    uncertain = true
                    continue
                }
                throw error
            }
            if (200..<300).contains(reply.status) { return try await decode(reply) }
            if reply.status >= 500 && round < reconcileRounds {
                uncertain = true
                try await Task.sleep(for: transport.configuration.retry.backoff(retry: round))
                continue
            }
            if reply.status == 400, uncertain, let existing = try await find() { return existing }
            try check(reply, operation)
        }
        throw CloudError.unresolved(
            operation: operation, detail: "no definite answer after \(reconcileRounds + 1) attempts")
    }

    /// Follows cursor pagination (`_links.next`, else the `Link` header) and collects every result.
    func collect(_ firstPath: String, _ operation: String) async throws -> [[String: Any]] {
        var results: [[String: Any]] = []
        var next: String? = firstPath
        var pages = 0
        while let path = next {
            let reply = try await send("GET", path)
            try check(reply, operation)
            results += reply.object["results"] as? [[String: Any]] ?? []
            next = Self.nextLink(reply)
            pages += 1
            if pages > 100_000 {
                throw CloudError.malformedResponse(operation: operation, detail: "pagination does not end")
            }
        }
        return results
    }

    /// The next page's path: `_links.next` (relative to the site), else `Link: <…>; rel="next"`.
    static func nextLink(_ reply: Reply) -> String? {
        if let links = reply.object["_links"] as? [String: Any], let next = links["next"] as? String, !next.isEmpty {
            if next.hasPrefix("http") { return next }
            if next.hasPrefix("/wiki") { return next }
            // v1 links are relative to the /wiki context.
            return "/wiki" + next
        }
        if let link = reply.response.header("Link") {
            for part in link.split(separator: ",") where part.contains("rel=\"next\"") {
                if let open = part.firstIndex(of: "<"), let close = part.firstIndex(of: ">"), open < close {
                    return String(part[part.index(after: open)..<close])
                }
            }
        }
        return nil
    }

    func decodeArray<T: Decodable>(_ type: T.Type, _ items: [[String: Any]], _ operation: String) throws -> [T] {
        do {
            let data = try JSONSerialization.data(withJSONObject: items)
            return try JSONDecoder().decode([T].self, from: data)
        } catch {
            throw CloudError.malformedResponse(operation: operation, detail: String(describing: error))
        }
    }
}
