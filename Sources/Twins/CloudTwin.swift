public import Foundation
import HTTPTypes
public import Hummingbird
public import Logging
import NIOCore
import Synchronization

/// A running Confluence Cloud twin: a real HTTP server that answers Cloud's v2
/// (`/wiki/api/v2`) and v1 (`/wiki/rest/api`) endpoints with Cloud's rules, rate
/// limits, faults and error shapes, plus the `/__twin/` admin API.
public final class CloudTwin: Sendable {
    public let configuration: CloudTwinConfiguration
    let store: CloudStore
    let limiter: TwinRateLimiter
    let faults: FaultInjector
    let statistics = TwinStatistics()
    let routes: [Route]
    let authorization: String
    let latency: LatencyBox

    final class LatencyBox: Sendable {
        private let value: Mutex<Duration>
        init(_ value: Duration) { self.value = Mutex(value) }
        var current: Duration {
            get { value.withLock { $0 } }
        }
        func set(_ duration: Duration) { value.withLock { $0 = duration } }
    }

    public init(configuration: CloudTwinConfiguration) async throws {
        self.configuration = configuration
        let persistence = try configuration.dataDirectory.map { try TwinPersistence(directory: $0) }
        store = try await CloudStore(
            converter: configuration.converter, persistence: persistence, adminEmail: configuration.email)
        limiter = TwinRateLimiter(spec: configuration.rate)
        faults = FaultInjector(spec: configuration.faults)
        latency = LatencyBox(configuration.latency)
        authorization = "Basic " + Data("\(configuration.email):\(configuration.token)".utf8).base64EncodedString()
        routes = Self.makeRoutes()
    }

    /// Builds the Hummingbird application; `onStarted` receives the bound port.
    public func makeApplication(
        logger: Logger, onStarted: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let responder = CallbackResponder<BasicRequestContext> { [self] request, _ in
            try await self.respond(to: request)
        }
        return Application(
            responder: responder,
            configuration: .init(
                address: .hostname(configuration.host, port: configuration.port), serverName: "ferry-cloud-twin"),
            onServerRunning: { channel in await onStarted(channel.localAddress?.port ?? 0) },
            logger: logger)
    }

    /// Runs the twin until the task is cancelled or SIGINT/SIGTERM arrives.
    public func run(logger: Logger, onStarted: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        try await makeApplication(logger: logger, onStarted: onStarted).runService()
    }

    // MARK: dispatch

    func respond(to request: Request) async throws -> Response {
        let method = request.method.rawValue
        let rawPath = request.uri.path
        let query = Self.parseQuery(request.uri.query)
        let host = request.head.authority ?? "\(configuration.host):\(configuration.port)"
        let base = "http://\(host)/wiki"
        if rawPath.hasPrefix("/__twin/") || rawPath == "/__twin" {
            let body = try await Self.collect(request.body, limit: configuration.maxBodySize).bytes
            return Self.render(try await admin(method: method, path: rawPath, body: body ?? []))
        }
        let segments = rawPath.split(separator: "/", omittingEmptySubsequences: true).map {
            String($0).removingPercentEncoding ?? String($0)
        }
        guard let (route, params) = match(method: method, segments: segments) else {
            let known = routes.contains { $0.matches(segments) != nil }
            let response = Self.error(
                APIFailure(status: known ? 405 : 404, message: "No endpoint \(method) \(rawPath)."),
                v1: rawPath.hasPrefix("/wiki/rest"))
            statistics.record(endpoint: "\(method) (unknown)", status: response.status, rateLimited: false, fault: nil)
            return Self.render(response)
        }
        let endpoint = "\(method) \(route.template)"
        // The token bucket this request draws from, and its rate per second, for the stats.
        let bucket = TwinStatistics.Bucket(
            name: "\(method):\(route.group.rawValue)", rate: limiter.spec.rate(method: method, group: route.group))
        let delay = latency.current
        if delay > .zero { try await Task.sleep(for: delay) }

        let decision = limiter.check(method: method, group: route.group)
        guard decision.allowed else {
            statistics.record(
                endpoint: endpoint, bucket: bucket, status: 429, rateLimited: true, fault: nil)
            var response = Self.error(APIFailure(status: 429, message: "Rate limit exceeded."), v1: route.v1)
            response.headers += decision.headers
            return Self.render(response)
        }

        var drop = false
        for fault in faults.draw() {
            switch fault.kind {
            case .slow, .timeout:
                try await Task.sleep(for: fault.delay)
            case .drop:
                drop = true
            case .status429:
                statistics.record(
                    endpoint: endpoint, bucket: bucket, status: 429, rateLimited: true, fault: "429")
                var response = Self.error(APIFailure(status: 429, message: "Rate limit exceeded."), v1: route.v1)
                response.headers += [
                    ("Retry-After", "1"),
                    ("X-RateLimit-Limit", "\(Int(limiter.spec.rate(method: method, group: route.group) ?? 100))"),
                    ("X-RateLimit-Remaining", "0"), ("X-RateLimit-NearLimit", "true"),
                ]
                return Self.render(response)
            case .serverError, .status500, .status502, .status503, .status503RetryAfter:
                var status = 500
                var retryAfter = false
                switch fault.kind {
                case .status502: status = 502
                case .status503: status = 503
                case .status503RetryAfter:
                    status = 503
                    retryAfter = true
                case .serverError:
                    let choice = Int.random(in: 0..<4)
                    status = [500, 502, 503, 503][choice]
                    retryAfter = choice == 3
                default: status = 500
                }
                statistics.record(
                    endpoint: endpoint, bucket: bucket, status: status, rateLimited: false, fault: fault.kind.rawValue)
                var response = Self.error(
                    APIFailure(status: status, message: "Injected fault: the service is temporarily unavailable."),
                    v1: route.v1)
                if retryAfter { response.headers.append(("Retry-After", "1")) }
                return Self.render(response)
            }
        }

        guard request.headers[.authorization] == authorization else {
            statistics.record(
                endpoint: endpoint, bucket: bucket, status: 401, rateLimited: false, fault: nil)
            var response = Self.error(
                APIFailure(status: 401, message: "Client must be authenticated to access this resource."), v1: route.v1)
            response.headers.append(("WWW-Authenticate", "Basic realm=\"Confluence\""))
            return Self.render(response)
        }
        if route.multipart {
            let token = request.headers[HTTPField.Name("X-Atlassian-Token") ?? .authorization] ?? ""
            guard token.lowercased() == "nocheck" || token.lowercased() == "no-check" else {
                statistics.record(
                    endpoint: endpoint, bucket: bucket, status: 403, rateLimited: false, fault: nil)
                return Self.render(Self.error(APIFailure(status: 403, message: "XSRF check failed"), v1: true))
            }
        }
        let limit =
            route.multipart
            ? Int(min(configuration.maxAttachmentSize + (1 << 20), Int64(Int.max / 2))) : configuration.maxBodySize
        let collected = try await Self.collect(request.body, limit: limit)
        guard let body = collected.bytes else {
            let failure =
                route.multipart
                ? APIFailure(
                    status: 404,
                    message:
                        "The attachment exceeds the maximum configured attachment size of \(configuration.maxAttachmentSize) bytes."
                )
                : APIFailure(
                    status: 413,
                    message: "Request entity too large: the body is over \(configuration.maxBodySize) bytes.")
            statistics.record(
                endpoint: endpoint, bucket: bucket, status: failure.status, rateLimited: false, fault: nil)
            return Self.render(Self.error(failure, v1: route.v1))
        }
        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.canonicalName.lowercased()] = field.value }
        let twinRequest = TwinRequest(
            method: method, path: rawPath, params: params, query: query, headers: headers, body: body, base: base)
        var response: TwinResponse
        do {
            response = try await route.handler(self, twinRequest)
            try await store.commit()
        } catch let failure as APIFailure {
            response = Self.error(failure, v1: route.v1)
        } catch let error as TwinError {
            response = Self.error(APIFailure(status: 500, message: error.summary), v1: route.v1)
        }
        response.headers += decision.headers.filter { $0.0 != "Retry-After" }
        statistics.record(
            endpoint: endpoint, bucket: bucket, status: response.status, rateLimited: false, fault: drop ? "drop" : nil)
        if drop {
            // The request took effect; the client never learns the outcome.
            let partial = ByteBuffer(bytes: response.body.prefix(response.body.count / 2))
            return Response(
                status: HTTPResponse.Status(code: response.status),
                headers: [.contentLength: "\(response.body.count + 64)"],
                body: ResponseBody { writer in
                    try await writer.write(partial)
                    throw CancellationError()
                })
        }
        return Self.render(response)
    }

    func match(method: String, segments: [String]) -> (Route, [String: String])? {
        for route in routes where route.method == method {
            if let params = route.matches(segments) { return (route, params) }
        }
        return nil
    }

    static func collect(_ body: RequestBody, limit: Int) async throws -> (bytes: [UInt8]?, size: Int) {
        var bytes: [UInt8] = []
        var size = 0
        var over = false
        for try await chunk in body {
            size += chunk.readableBytes
            if size > limit {
                over = true
                continue
            }
            bytes.append(contentsOf: chunk.readableBytesView)
        }
        return (over ? nil : bytes, size)
    }

    static func parseQuery(_ query: String?) -> [(String, String)] {
        guard let query, !query.isEmpty else { return [] }
        return query.split(separator: "&").map { item in
            let pair = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map {
                String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String($0)
            }
            return (pair.first ?? "", pair.count > 1 ? pair[1] : "")
        }
    }

    static func error(_ failure: APIFailure, v1: Bool) -> TwinResponse {
        if v1 {
            return .json(
                [
                    "statusCode": JSONValue(failure.status),
                    "data": [
                        "authorized": .bool(failure.status != 401 && failure.status != 403), "valid": false,
                        "errors": [], "successful": false,
                    ],
                    "message": .string(failure.message),
                ], status: failure.status)
        }
        let codes: [Int: (String, String)] = [
            400: ("BAD_REQUEST", "Bad Request"), 401: ("UNAUTHORIZED", "Unauthorized"), 403: ("FORBIDDEN", "Forbidden"),
            404: ("NOT_FOUND", "Not Found"), 405: ("METHOD_NOT_ALLOWED", "Method Not Allowed"),
            409: ("CONFLICT", "Conflict"), 413: ("REQUEST_ENTITY_TOO_LARGE", "Request Entity Too Large"),
            429: ("TOO_MANY_REQUESTS", "Too Many Requests"), 500: ("INTERNAL_SERVER_ERROR", "Internal Server Error"),
            502: ("BAD_GATEWAY", "Bad Gateway"), 503: ("SERVICE_UNAVAILABLE", "Service Unavailable"),
        ]
        let (code, title) = codes[failure.status] ?? ("ERROR", "Error")
        return .json(
            [
                "errors": [
                    [
                        "status": JSONValue(failure.status), "code": .string(code), "title": .string(title),
                        "detail": .string(failure.message),
                    ]
                ]
            ],
            status: failure.status)
    }

    static func render(_ response: TwinResponse) -> Response {
        var fields = HTTPFields()
        for (name, value) in response.headers {
            if let fieldName = HTTPField.Name(name) { fields.append(HTTPField(name: fieldName, value: value)) }
        }
        fields[.contentLength] = "\(response.body.count)"
        return Response(
            status: HTTPResponse.Status(code: response.status), headers: fields,
            body: .init(byteBuffer: ByteBuffer(bytes: response.body)))
    }
}

/// One endpoint: method, path template, endpoint group, handler.
struct Route: Sendable {
    enum Segment: Sendable {
        case literal(String)
        case parameter(String)
    }

    let method: String
    let template: String
    let segments: [Segment]
    let group: EndpointGroup
    let v1: Bool
    let multipart: Bool
    let handler: @Sendable (CloudTwin, TwinRequest) async throws -> TwinResponse

    init(
        _ method: String, _ template: String, _ group: EndpointGroup, multipart: Bool = false,
        _ handler: @escaping @Sendable (CloudTwin, TwinRequest) async throws -> TwinResponse
    ) {
        self.method = method
        self.template = template
        self.group = group
        self.v1 = template.hasPrefix("/wiki/rest") || template.hasPrefix("/wiki/download")
        self.multipart = multipart
        self.handler = handler
        segments = template.split(separator: "/").map { part in
            part.hasPrefix("{") && part.hasSuffix("}")
                ? .parameter(String(part.dropFirst().dropLast())) : .literal(String(part))
        }
    }

    func matches(_ path: [String]) -> [String: String]? {
        guard path.count == segments.count else { return nil }
        var params: [String: String] = [:]
        for (segment, part) in zip(segments, path) {
            switch segment {
            case .literal(let text): if text != part { return nil }
            case .parameter(let name): params[name] = part
            }
        }
        return params
    }
}
