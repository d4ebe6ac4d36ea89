public import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS
import Synchronization

/// Checks, from this machine, that an endpoint can be reached the way Ferry will reach
/// it: through the configured proxy (an HTTP `CONNECT` tunnel), with the configured trust
/// (system roots plus the CA bundle), and with SNI set to the endpoint's host name.
///
/// When the verified TLS handshake fails, the probe looks again to say why: a handshake
/// that succeeds without host-name checking is a name (SNI) problem; otherwise the
/// server's certificate is fetched without verification and its dates are read, so an
/// expired certificate is told apart from one issued by an authority this machine does
/// not trust (a self-signed certificate, a TLS-inspecting proxy, an outdated CA bundle).
/// No request is sent and nothing is written: a probe ends after the handshake.
public struct ConnectivityProbe: Sendable {
    /// What one probe found.
    public enum Outcome: Sendable, Equatable {
        /// Reached; `tls` is false for plain http endpoints.
        case reachable(tls: Bool)
        /// The host name did not resolve.
        case nameNotResolved(String)
        /// The host (or proxy) refused the connection: nothing listens on that port.
        case refused(String)
        /// No route or another socket failure.
        case unreachable(String)
        /// No answer within the timeout at `stage` ("connect", "TLS handshake", "proxy CONNECT").
        case timeout(stage: String)
        /// The chain does not lead to a trusted root.
        case untrusted(subject: String, issuer: String, selfSigned: Bool)
        case expired(subject: String, notAfter: Date)
        case notYetValid(subject: String, notBefore: Date)
        /// The certificate is trusted but does not name the host (wrong SNI, wrong site, or an intercepting device).
        case hostnameMismatch(host: String, names: [String])
        /// The TLS handshake failed for another reason (protocol version, cipher suites, a reset).
        case handshakeFailed(String)
        /// The proxy itself could not be reached.
        case proxyUnreachable(proxy: String, reason: String)
        /// The proxy answered CONNECT with something other than 200.
        case proxyRefused(proxy: String, status: Int, reason: String)
        /// The proxy wants credentials (407).
        case proxyAuthenticationRequired(proxy: String)

        public var isReachable: Bool {
            if case .reachable = self { return true }
            return false
        }
    }

    public struct Result: Sendable, Equatable {
        public var endpoint: String
        public var outcome: Outcome
        /// The proxy used, without credentials; `nil` for a direct connection.
        public var proxy: String?
        public var milliseconds: Int
    }

    let configuration: TransportConfiguration
    let timeout: Duration

    public init(configuration: TransportConfiguration, timeout: Duration = .seconds(10)) {
        self.configuration = configuration
        self.timeout = timeout
    }

    /// Probes every endpoint, at most `concurrency` at a time, keeping the input order.
    public func probeAll(_ endpoints: [URL], concurrency: Int = 4) async throws -> [Result] {
        let trust = try trustRoots()
        return await withTaskGroup(of: (Int, Result).self) { group in
            var results = [Result?](repeating: nil, count: endpoints.count)
            var next = 0
            func add() {
                let index = next
                let url = endpoints[index]
                next += 1
                group.addTask { (index, await self.probe(url, trust: trust)) }
            }
            while next < endpoints.count && next < max(1, concurrency) { add() }
            while let (index, result) = await group.next() {
                results[index] = result
                if next < endpoints.count { add() }
            }
            return results.compactMap { $0 }
        }
    }

    /// Probes one endpoint.
    public func probe(_ url: URL) async throws -> Result {
        await probe(url, trust: try trustRoots())
    }

    func trustRoots() throws -> [NIOSSLCertificate] {
        guard let path = configuration.caBundlePath else { return [] }
        do {
            let certificates = try NIOSSLCertificate.fromPEMFile(path)
            guard !certificates.isEmpty else {
                throw TransportError.invalidCABundle(path: path, reason: "no certificate found")
            }
            return certificates
        } catch let error as TransportError {
            throw error
        } catch {
            throw TransportError.invalidCABundle(path: path, reason: String(describing: error))
        }
    }

    struct Proxy {
        var host: String
        var port: Int
        var authorization: String?
        var display: String
    }

    func proxy() -> Proxy? {
        guard let proxyURL = configuration.proxyURL, let components = URLComponents(string: proxyURL),
            let host = components.host, !host.isEmpty
        else { return nil }
        var authorization: String?
        if let user = configuration.proxyUser {
            let password = configuration.proxyPassword?.exposedValue ?? ""
            authorization = "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
        }
        let port = components.port ?? 8080
        return Proxy(host: host, port: port, authorization: authorization, display: "http://\(host):\(port)")
    }

    func probe(_ url: URL, trust: [NIOSSLCertificate]) async -> Result {
        let start = ContinuousClock.now
        let proxy = proxy()
        let outcome = await classify(url, trust: trust, proxy: proxy)
        let elapsed = ContinuousClock.now - start
        let milliseconds = Int(
            elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
        return Result(endpoint: url.absoluteString, outcome: outcome, proxy: proxy?.display, milliseconds: milliseconds)
    }

    enum Verification {
        case full
        case noHostname
        case none
    }

    /// How one attempt ended.
    enum Attempt {
        case ok(NIOSSLCertificate?)
        case failed(Outcome)
        case tlsFailed(String)
    }

    func classify(_ url: URL, trust: [NIOSSLCertificate], proxy: Proxy?) async -> Outcome {
        guard let host = url.host, !host.isEmpty else { return .unreachable("\(url) has no host") }
        let tls = url.scheme?.lowercased() == "https"
        let port = url.port ?? (tls ? 443 : 80)
        let first = await attempt(host: host, port: port, tls: tls, verification: .full, trust: trust, proxy: proxy)
        switch first {
        case .ok: return .reachable(tls: tls)
        case .failed(let outcome): return outcome
        case .tlsFailed(let reason):
            if case .ok = await attempt(
                host: host, port: port, tls: true, verification: .noHostname, trust: trust, proxy: proxy)
            {
                let names = await peerNames(host: host, port: port, trust: trust, proxy: proxy)
                return .hostnameMismatch(host: host, names: names)
            }
            guard
                case .ok(let certificate?) = await attempt(
                    host: host, port: port, tls: true, verification: .none, trust: trust, proxy: proxy)
            else { return .handshakeFailed(reason) }
            let subject = Self.describe(certificate)
            let now = time(nil)
            if certificate.notValidAfter < now {
                return .expired(
                    subject: subject, notAfter: Date(timeIntervalSince1970: TimeInterval(certificate.notValidAfter)))
            }
            if certificate.notValidBefore > now {
                return .notYetValid(
                    subject: subject, notBefore: Date(timeIntervalSince1970: TimeInterval(certificate.notValidBefore)))
            }
            let issuer = Self.issuer(of: certificate)
            return .untrusted(subject: subject, issuer: issuer, selfSigned: issuer == Self.subject(of: certificate))
        }
    }

    func peerNames(host: String, port: Int, trust: [NIOSSLCertificate], proxy: Proxy?) async -> [String] {
        guard
            case .ok(let certificate?) = await attempt(
                host: host, port: port, tls: true, verification: .none, trust: trust, proxy: proxy)
        else { return [] }
        return Self.dnsNames(certificate)
    }

    static func dnsNames(_ certificate: NIOSSLCertificate) -> [String] {
        certificate._subjectAlternativeNames().compactMap { name -> String? in
            guard name.nameType == .dnsName else { return nil }
            return name.contents.withUnsafeBufferPointer { String(decoding: $0, as: UTF8.self) }
        }
    }

    static func subject(of certificate: NIOSSLCertificate) -> String {
        (try? certificate.toDERBytes()).map { Self.distinguishedName(der: $0, field: 5) } ?? "unknown"
    }

    static func issuer(of certificate: NIOSSLCertificate) -> String {
        (try? certificate.toDERBytes()).map { Self.distinguishedName(der: $0, field: 3) } ?? "unknown"
    }

    /// The subject's names, or the host names it carries when the subject is empty.
    static func describe(_ certificate: NIOSSLCertificate) -> String {
        let subject = subject(of: certificate)
        if subject != "" { return subject }
        let names = dnsNames(certificate)
        return names.isEmpty ? "a certificate without a subject" : names.joined(separator: ", ")
    }

    /// Reads the printable attribute values of the `field`-th element of a certificate's
    /// TBSCertificate (3 = issuer, 5 = subject, counting the explicit version as 0).
    static func distinguishedName(der: [UInt8], field: Int) -> String {
        var reader = DERReader(bytes: der)
        guard let certificate = reader.next(), var inner = certificate.children(der),
            let tbs = inner.next(), var fields = tbs.children(der)
        else { return "" }
        var elements: [DERReader.Element] = []
        while let element = fields.next() { elements.append(element) }
        // Without the optional explicit version, every index shifts down by one.
        let hasVersion = elements.first?.tag == 0xA0
        let index = hasVersion ? field : field - 1
        guard index >= 0, index < elements.count, var rdns = elements[index].children(der) else { return "" }
        var parts: [String] = []
        while let set = rdns.next() {
            guard var attributes = set.children(der) else { continue }
            while let attribute = attributes.next() {
                guard var pair = attribute.children(der), pair.next() != nil, let value = pair.next() else { continue }
                if [0x0C, 0x13, 0x16, 0x14].contains(value.tag) {
                    parts.append(String(decoding: der[value.contentRange], as: UTF8.self))
                }
            }
        }
        return parts.joined(separator: ", ")
    }

    // MARK: one attempt

    func attempt(
        host: String, port: Int, tls: Bool, verification: Verification, trust: [NIOSSLCertificate], proxy: Proxy?
    ) async -> Attempt {
        let group = MultiThreadedEventLoopGroup.singleton
        let connectHost = proxy?.host ?? host
        let connectPort = proxy?.port ?? port
        let timeAmount = TimeAmount.nanoseconds(
            timeout.components.seconds * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000)
        let bootstrap = ClientBootstrap(group: group).connectTimeout(timeAmount)
            .channelOption(.socketOption(.so_reuseaddr), value: 1)
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(host: connectHost, port: connectPort).get()
        } catch {
            let outcome = Self.connectFailure(error)
            if let proxy {
                switch outcome {
                case .timeout: return .failed(.proxyUnreachable(proxy: proxy.display, reason: "no answer (timeout)"))
                case .refused(let reason), .unreachable(let reason), .nameNotResolved(let reason):
                    return .failed(.proxyUnreachable(proxy: proxy.display, reason: reason))
                default: return .failed(outcome)
                }
            }
            return .failed(outcome)
        }
        defer { channel.close(promise: nil) }
        let loop = channel.eventLoop
        let expired = ExpiryFlag()
        let deadline = loop.scheduleTask(in: timeAmount) {
            expired.set()
            channel.close(promise: nil)
        }
        defer { deadline.cancel() }
        if let proxy {
            let promise = loop.makePromise(of: ProxyConnectHandler.Answer.self)
            var request = "CONNECT \(host):\(port) HTTP/1.1\r\nHost: \(host):\(port)\r\n"
            if let authorization = proxy.authorization { request += "Proxy-Authorization: \(authorization)\r\n" }
            request += "\r\n"
            do {
                // One chain of futures on the event loop: the exchange does not wait for this
                // task to be scheduled between its steps, so a busy process cannot make the
                // deadline expire on an answer that came in time.
                let answer = try await loop.submit {
                    try channel.pipeline.syncOperations.addHandler(
                        ProxyConnectHandler(promise: promise), name: ProxyConnectHandler.name)
                }.flatMap {
                    channel.writeAndFlush(ByteBuffer(string: request))
                }.flatMap {
                    promise.futureResult
                }.flatMap { answer in
                    guard answer.status == 200 else { return loop.makeSucceededFuture(answer) }
                    return channel.pipeline.removeHandler(name: ProxyConnectHandler.name).map { answer }
                }.get()
                guard answer.status == 200 else {
                    if answer.status == 407 { return .failed(.proxyAuthenticationRequired(proxy: proxy.display)) }
                    return .failed(.proxyRefused(proxy: proxy.display, status: answer.status, reason: answer.reason))
                }
            } catch {
                if expired.isSet {
                    return .failed(.timeout(stage: "proxy CONNECT to \(proxy.display)"))
                }
                return .failed(.proxyUnreachable(proxy: proxy.display, reason: "\(error)"))
            }
        }
        guard tls else { return .ok(nil) }
        var configuration = TLSConfiguration.makeClientConfiguration()
        switch verification {
        case .full: configuration.certificateVerification = .fullVerification
        case .noHostname: configuration.certificateVerification = .noHostnameVerification
        case .none: configuration.certificateVerification = .none
        }
        if !trust.isEmpty { configuration.additionalTrustRoots = [.certificates(trust)] }
        do {
            let context = try NIOSSLContext(configuration: configuration)
            let isIP = host.contains(":") || host.allSatisfy { $0.isNumber || $0 == "." }
            let promise = loop.makePromise(of: Void.self)
            // As above: the handshake and the certificate read run as one chain on the loop.
            let certificate = try await loop.submit {
                let ssl = try NIOSSLClientHandler(context: context, serverHostname: isIP ? nil : host)
                try channel.pipeline.syncOperations.addHandlers([ssl, HandshakeWatcher(promise: promise)])
            }.flatMap {
                promise.futureResult
            }.flatMap {
                channel.nioSSL_peerCertificate()
            }.get()
            return .ok(certificate)
        } catch {
            if expired.isSet { return .failed(.timeout(stage: "TLS handshake")) }
            return .tlsFailed(String(describing: error))
        }
    }

    static func connectFailure(_ error: any Error) -> Outcome {
        if let error = error as? ChannelError, case .connectTimeout = error { return .timeout(stage: "connect") }
        if let error = error as? NIOConnectionError {
            if error.connectionErrors.isEmpty {
                return .nameNotResolved(
                    "\(error.host) did not resolve (\(error.dnsAError.map { "\($0)" } ?? "no address"))")
            }
            for failure in error.connectionErrors {
                if let io = failure.error as? IOError, io.errnoCode == ECONNREFUSED {
                    return .refused("connection to \(error.host):\(error.port) refused")
                }
                if let channelError = failure.error as? ChannelError, case .connectTimeout = channelError {
                    return .timeout(stage: "connect")
                }
            }
            return .unreachable(error.connectionErrors.map { "\($0.error)" }.joined(separator: "; "))
        }
        if let io = error as? IOError, io.errnoCode == ECONNREFUSED { return .refused("connection refused") }
        return .unreachable(String(describing: error))
    }
}

/// Set when an attempt's deadline closed its channel.
final class ExpiryFlag: Sendable {
    private let value = Mutex(false)
    func set() { value.withLock { $0 = true } }
    var isSet: Bool { value.withLock { $0 } }
}

/// Sends nothing; reads the proxy's answer to CONNECT up to the blank line.
final class ProxyConnectHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    static let name = "ferry-proxy-connect"

    struct Answer {
        var status: Int
        var reason: String
    }

    private var buffer: [UInt8] = []
    private let promise: EventLoopPromise<Answer>
    private var done = false

    init(promise: EventLoopPromise<Answer>) { self.promise = promise }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        guard !done else { return }
        buffer += bytes.readBytes(length: bytes.readableBytes) ?? []
        guard let end = buffer.firstRange(of: Array("\r\n\r\n".utf8)) else {
            if buffer.count > 16_384 { finish(.failure(ChannelError.eof)) }
            return
        }
        let head = String(decoding: buffer[..<end.lowerBound], as: UTF8.self)
        let statusLine = head.split(separator: "\r\n").first.map(String.init) ?? ""
        let parts = statusLine.split(separator: " ", maxSplits: 2)
        let status = parts.count > 1 ? Int(parts[1]) ?? 0 : 0
        finish(.success(Answer(status: status, reason: parts.count > 2 ? String(parts[2]) : statusLine)))
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish(.failure(ChannelError.eof))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        finish(.failure(error))
    }

    private func finish(_ result: Result<Answer, any Error>) {
        guard !done else { return }
        done = true
        promise.completeWith(result)
    }
}

/// Completes when the TLS handshake does, or fails with its error.
final class HandshakeWatcher: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    struct Closed: Error {}

    private let promise: EventLoopPromise<Void>
    private var done = false

    init(promise: EventLoopPromise<Void>) { self.promise = promise }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? TLSUserEvent, case .handshakeCompleted = event { finish(.success(())) }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) { finish(.failure(error)) }

    func channelInactive(context: ChannelHandlerContext) {
        finish(.failure(Closed()))
        context.fireChannelInactive()
    }

    private func finish(_ result: Result<Void, any Error>) {
        guard !done else { return }
        done = true
        promise.completeWith(result)
    }
}

/// A minimal DER walker: enough to read the names out of a certificate.
struct DERReader {
    struct Element {
        var tag: UInt8
        var contentRange: Range<Int>

        func children(_ bytes: [UInt8]) -> DERReader? {
            guard tag & 0x20 != 0 else { return nil }
            return DERReader(bytes: bytes, range: contentRange)
        }
    }

    let bytes: [UInt8]
    var position: Int
    let end: Int

    init(bytes: [UInt8], range: Range<Int>? = nil) {
        self.bytes = bytes
        self.position = range?.lowerBound ?? 0
        self.end = range?.upperBound ?? bytes.count
    }

    mutating func next() -> Element? {
        guard position + 2 <= end else { return nil }
        let tag = bytes[position]
        var length = Int(bytes[position + 1])
        var cursor = position + 2
        if length & 0x80 != 0 {
            let count = length & 0x7F
            guard count > 0, count <= 4, cursor + count <= end else { return nil }
            length = 0
            for index in 0..<count { length = length << 8 | Int(bytes[cursor + index]) }
            cursor += count
        }
        guard cursor + length <= end else { return nil }
        position = cursor + length
        return Element(tag: tag, contentRange: cursor..<(cursor + length))
    }
}
