public import AsyncHTTPClient
import FerryModel
public import Foundation
public import Logging
public import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization

/// Whether a request may be sent again after a failure whose outcome is unknown.
public enum RetrySafety: Sendable {
    /// Decided by the method: GET, HEAD, PUT, DELETE and OPTIONS are idempotent and retried;
    /// POST and PATCH are retried only when the server cannot have acted on them
    /// (a 429, or a connection that never opened).
    case byMethod
    /// The caller knows the request is safe to repeat (for example a POST that adds a
    /// label, which Cloud treats as a set union).
    case idempotent
}

/// A request body, rebuilt for every attempt so that a retry re-reads a streamed file.
public enum TransportBody: Sendable {
    case bytes(ByteBuffer)
    /// A streamed body of known length; `make` is called once per attempt.
    case stream(length: Int64, make: @Sendable () throws -> HTTPClientRequest.Body)

    public static func json<T: Encodable>(_ value: T) throws -> TransportBody {
        let data = try JSONEncoder().encode(value)
        return .bytes(ByteBuffer(bytes: data))
    }
}

/// One HTTP request as Ferry describes it.
public struct TransportRequest: Sendable {
    public var method: String
    public var url: String
    public var headers: [(String, String)]
    public var body: TransportBody?
    public var retrySafety: RetrySafety

    public init(
        method: String, url: String, headers: [(String, String)] = [], body: TransportBody? = nil,
        retrySafety: RetrySafety = .byMethod
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.retrySafety = retrySafety
    }

    var isIdempotent: Bool {
        if case .idempotent = retrySafety { return true }
        return ["GET", "HEAD", "PUT", "DELETE", "OPTIONS"].contains(method.uppercased())
    }
}

/// A complete response: status, headers and the body read into memory.
public struct TransportResponse: Sendable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: ByteBuffer
    /// How many attempts it took (1 when the first one succeeded).
    public var attempts: Int

    public init(status: Int, headers: [(String, String)], body: ByteBuffer, attempts: Int = 1) {
        self.status = status
        self.headers = headers
        self.body = body
        self.attempts = attempts
    }

    public func header(_ name: String) -> String? {
        headers.first { $0.0.caseInsensitiveCompare(name) == .orderedSame }?.1
    }

    public var bodyData: Data { Data(body.readableBytesView) }
    public var bodyText: String { String(buffer: body) }
}

/// Counters a benchmark or report can read.
public struct TransportStatistics: Sendable, Equatable {
    public var requests = 0
    public var responses429 = 0
    public var responses5xx = 0
    public var connectionErrors = 0
    public var retries = 0
}

/// Ferry's one HTTP client: pooled connections on the shared event loop group,
/// proxy and trust settings, per-host rate limiting, and Atlassian-style retries.
///
/// Create one per process and share it; call ``shutdown()`` before exit.
public final class HTTPTransport: Sendable {
    public let configuration: TransportConfiguration
    private let client: HTTPClient
    private let limiters = Mutex<[String: HostRateLimiter]>([:])
    private let stats = Mutex(TransportStatistics())
    private let logger: Logger
    private let observer: (@Sendable (TransportRequest) -> Void)?
    private let responseObserver: (@Sendable (_ method: String, _ status: Int) -> Void)?

    /// - Parameter observer: called once per ``send(_:)`` with the request as built (tests use
    ///   it to check every request against the official API description).
    public init(
        configuration: TransportConfiguration = TransportConfiguration(), logger: Logger? = nil,
        observer: (@Sendable (TransportRequest) -> Void)? = nil,
        responseObserver: (@Sendable (_ method: String, _ status: Int) -> Void)? = nil
    ) throws {
        self.configuration = configuration
        self.observer = observer
        self.responseObserver = responseObserver
        self.logger = logger ?? Logger(label: "ferry.transport")
        var tls = TLSConfiguration.makeClientConfiguration()
        if configuration.insecure {
            tls.certificateVerification = .none
            self.logger.warning(
                "TLS certificate verification is OFF (insecure): anyone on the network path can read and change this traffic."
            )
        }
        if let path = configuration.caBundlePath {
            do {
                let certificates = try NIOSSLCertificate.fromPEMFile(path)
                guard !certificates.isEmpty else {
                    throw TransportError.invalidCABundle(path: path, reason: "no certificate found")
                }
                tls.additionalTrustRoots = [.certificates(certificates)]
            } catch let error as TransportError {
                throw error
            } catch {
                throw TransportError.invalidCABundle(path: path, reason: String(describing: error))
            }
        }
        var proxy: HTTPClient.Configuration.Proxy?
        if let proxyURL = configuration.proxyURL {
            guard let components = URLComponents(string: proxyURL), let host = components.host, !host.isEmpty else {
                throw TransportError.invalidProxy(proxyURL, reason: "it is not a URL with a host")
            }
            guard components.scheme == nil || components.scheme == "http" else {
                throw TransportError.invalidProxy(
                    proxyURL, reason: "only http:// proxies are supported (https targets are tunnelled with CONNECT)")
            }
            guard components.user == nil, components.password == nil else {
                throw TransportError.invalidProxy(
                    "\(components.scheme ?? "http")://\(host)",
                    reason: "the URL contains credentials; give them as proxy_user and proxy_password")
            }
            var authorization: HTTPClient.Authorization?
            if let user = configuration.proxyUser {
                let password = configuration.proxyPassword?.exposedValue ?? ""
                authorization = .basic(username: user, password: password)
                _ = Secret(Self.basicCredentials(user: user, password: password), origin: "proxy credentials")
            }
            proxy = .server(host: host, port: components.port ?? 8080, authorization: authorization)
        }
        var clientConfiguration = HTTPClient.Configuration(
            tlsConfiguration: tls,
            redirectConfiguration: .disallow,
            timeout: .init(
                connect: .nanoseconds(Int64(configuration.connectTimeout.components.seconds) * 1_000_000_000),
                read: .nanoseconds(Int64(configuration.requestTimeout.components.seconds) * 1_000_000_000)),
            connectionPool: .init(
                idleTimeout: .seconds(60),
                concurrentHTTP1ConnectionsPerHostSoftLimit: configuration.maxConnectionsPerHost),
            proxy: proxy,
            decompression: .disabled)
        clientConfiguration.httpVersion = .http1Only
        self.client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: clientConfiguration)
    }

    /// Closes pooled connections. Call once, when the process is done with the network.
    public func shutdown() async throws {
        try await client.shutdown()
    }

    func recordRequest() { stats.withLock { $0.requests += 1 } }

    func execute(_ request: HTTPClientRequest) async throws -> HTTPClientResponse {
        let timeout = TimeAmount.nanoseconds(
            Int64(configuration.requestTimeout.components.seconds) * 1_000_000_000
                + configuration.requestTimeout.components.attoseconds / 1_000_000_000)
        return try await client.execute(request, timeout: timeout, logger: nil)
    }

    /// `base64(user:password)`, the value of a Basic `Authorization` header.
    public static func basicCredentials(user: String, password: String) -> String {
        Data("\(user):\(password)".utf8).base64EncodedString()
    }

    public var statistics: TransportStatistics { stats.withLock { $0 } }

    /// The rate limiter for `host`, created on first use and shared by every request to it.
    public func limiter(forHost host: String) -> HostRateLimiter {
        limiters.withLock { table in
            if let existing = table[host] { return existing }
            let limiter = HostRateLimiter(host: host, configuration: configuration.rateLimit)
            table[host] = limiter
            return limiter
        }
    }

    /// Sends `request`, pacing it through the host's rate limiter and retrying what is safe to retry.
    ///
    /// Returns every response the server gives that is not retried (including 4xx and,
    /// for a non-idempotent request, 5xx: the caller decides whether the write happened).
    /// Throws ``TransportError/connection(method:url:reason:attempts:)`` when no response
    /// arrived and retrying was not safe or was exhausted, and
    /// ``TransportError/retriesExhausted(method:url:lastStatus:attempts:)`` when the
    /// server kept answering 429/5xx.
    public func send(_ request: TransportRequest) async throws -> TransportResponse {
        guard let components = URLComponents(string: request.url), let host = components.host,
            let scheme = components.scheme, scheme == "http" || scheme == "https"
        else { throw TransportError.invalidURL(SecretRegistry.shared.redact(request.url)) }
        observer?(request)
        let limiter = limiter(forHost: "\(host):\(components.port ?? (scheme == "https" ? 443 : 80))")
        let policy = configuration.retry
        // Redacted only when a message needs it (redacting every URL cost ~2 % of a run's CPU).
        var safeURL: String { SecretRegistry.shared.redact(request.url) }
        let lane = HostRateLimiter.lane(method: request.method, path: components.path)
        var attempt = 0
        var lastStatus: Int?
        while true {
            attempt += 1
            try await limiter.acquire(lane: lane)
            var outgoing = HTTPClientRequest(url: request.url)
            outgoing.method = HTTPMethod(rawValue: request.method.uppercased())
            for (name, value) in request.headers { outgoing.headers.add(name: name, value: value) }
            switch request.body {
            case .bytes(let buffer)?: outgoing.body = .bytes(buffer)
            case .stream(_, let make)?: outgoing.body = try make()
            case nil: break
            }
            stats.withLock { $0.requests += 1 }
            let response: HTTPClientResponse
            let body: ByteBuffer
            do {
                let timeout = TimeAmount.nanoseconds(
                    Int64(configuration.requestTimeout.components.seconds) * 1_000_000_000
                        + configuration.requestTimeout.components.attoseconds / 1_000_000_000)
                response = try await client.execute(outgoing, timeout: timeout, logger: nil)
                body = try await response.body.collect(upTo: configuration.maxResponseBytes)
            } catch let error as NIOTooManyBytesError {
                _ = error
                throw TransportError.responseTooLarge(
                    method: request.method, url: safeURL, limit: configuration.maxResponseBytes)
            } catch {
                stats.withLock { $0.connectionErrors += 1 }
                let neverSent = Self.failedBeforeSending(error)
                let reason = SecretRegistry.shared.redact(Self.describe(error))
                logger.debug("\(request.method) \(safeURL) attempt \(attempt) failed: \(reason)")
                if (request.isIdempotent || neverSent) && attempt <= policy.maxRetries {
                    stats.withLock { $0.retries += 1 }
                    try await Task.sleep(for: policy.backoff(retry: attempt - 1))
                    continue
                }
                if neverSent || request.isIdempotent {
                    throw TransportError.connection(
                        method: request.method, url: safeURL, reason: reason, attempts: attempt)
                }
                throw TransportError.interrupted(
                    method: request.method, url: safeURL, reason: reason, attempts: attempt)
            }
            let status = Int(response.status.code)
            responseObserver?(request.method, status)
            let headers = response.headers.map { ($0.name, $0.value) }
            let signals = RateLimitSignals(header: { response.headers.first(name: $0) })
            await limiter.record(lane: lane, status: status, signals: signals)
            lastStatus = status
            if status == 429 { stats.withLock { $0.responses429 += 1 } }
            if status >= 500 { stats.withLock { $0.responses5xx += 1 } }
            let retryable: Bool
            switch status {
            // Cloud answers 429 before acting on a request, so even a POST may be repeated.
            case 429: retryable = true
            case 500...599: retryable = request.isIdempotent
            default: retryable = false
            }
            if retryable {
                logger.debug("\(request.method) \(safeURL) answered \(status), attempt \(attempt)")
                guard attempt <= policy.maxRetries else {
                    throw TransportError.retriesExhausted(
                        method: request.method, url: safeURL, lastStatus: lastStatus, attempts: attempt)
                }
                stats.withLock { $0.retries += 1 }
                if let retryAfter = signals.retryAfter {
                    guard retryAfter <= policy.maxRetryAfter else {
                        throw TransportError.retriesExhausted(
                            method: request.method, url: safeURL, lastStatus: lastStatus, attempts: attempt)
                    }
                    // The limiter now holds every worker until the pause ends; acquire() waits for it.
                    let factor = Double.random(in: policy.jitter)
                    let extra = retryAfter * max(0, factor - 1)
                    if extra > .zero { try await Task.sleep(for: extra) }
                } else {
                    try await Task.sleep(for: policy.backoff(retry: attempt - 1))
                }
                continue
            }
            return TransportResponse(status: status, headers: headers, body: body, attempts: attempt)
        }
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError { return String(describing: error) }
        return String(describing: error)
    }

    /// True when the error proves the request never reached the server (the connection never opened).
    static func failedBeforeSending(_ error: any Error) -> Bool {
        if error is NIOConnectionError { return true }
        if let error = error as? HTTPClientError {
            return error == .connectTimeout || error == .proxyAuthenticationRequired
                || error == .invalidProxyResponse
        }
        if let error = error as? ChannelError, case .connectTimeout = error { return true }
        if let error = error as? IOError {
            return [ECONNREFUSED, EHOSTUNREACH, ENETUNREACH, EADDRNOTAVAIL].contains(error.errnoCode)
        }
        return false
    }
}
