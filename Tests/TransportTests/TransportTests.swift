import AsyncHTTPClient
import FerryModel
import Foundation
import Hummingbird
import NIOCore
import Synchronization
import Testing

@testable import Transport

/// Backoff scaled down so that retry tests take milliseconds, same shape as production.
let fastRetry = RetryPolicy(maxRetries: 4, baseDelay: .milliseconds(5), maxDelay: .milliseconds(30))

final class Counter: Sendable {
    let value = Mutex(0)
    func next() -> Int {
        value.withLock {
            $0 += 1; return $0
        }
    }
    var current: Int { value.withLock { $0 } }
}

@Suite("Retry policy and rate-limit headers")
struct PolicyTests {
    @Test("Atlassian backoff: 5 s doubling to a 30 s cap, jitter 0.7–1.3")
    func backoff() {
        let policy = RetryPolicy()
        #expect(policy.backoff(retry: 0, random: 0.5) == .seconds(5))
        #expect(policy.backoff(retry: 1, random: 0.5) == .seconds(10))
        #expect(policy.backoff(retry: 2, random: 0.5) == .seconds(20))
        #expect(policy.backoff(retry: 3, random: 0.5) == .seconds(30))
        #expect(policy.backoff(retry: 9, random: 0.5) == .seconds(30))
        #expect(policy.backoff(retry: 0, random: 0) == .seconds(3.5))
        #expect(policy.backoff(retry: 3, random: 1) == .seconds(39))
    }

    @Test("Reads Retry-After, X-RateLimit-*, RateLimit-Reason and structured quota headers")
    func signals() {
        let headers: [String: String] = [
            "retry-after": "7", "x-ratelimit-limit": "100", "x-ratelimit-remaining": "3",
            "x-ratelimit-nearlimit": "true", "ratelimit-reason": "confluence-quota-tenant-based",
            "beta-ratelimit-policy": "\"global-app-quota\";q=65000;w=3600",
            "ratelimit": "\"tenant-app-quota\";r=1200;t=600",
        ]
        let signals = RateLimitSignals(header: { headers[$0.lowercased()] })
        #expect(signals.retryAfter == .seconds(7))
        #expect(signals.limit == 100)
        #expect(signals.remaining == 3)
        #expect(signals.nearLimit)
        #expect(signals.reason == "confluence-quota-tenant-based")
        #expect(signals.policies["global-app-quota"] == .init(quota: 65000, window: 3600))
        #expect(signals.quotas["tenant-app-quota"] == .init(remaining: 1200, resetSeconds: 600))
        #expect(signals.sustainableQuotaRate == 2)
        let date = RateLimitSignals(
            header: { $0 == "Retry-After" ? "Wed, 21 Oct 2015 07:28:10 GMT" : nil },
            now: Date(timeIntervalSince1970: 1_445_412_480))
        #expect(date.retryAfter == .seconds(10))
    }

    @Test("The limiter paces shared workers at its rate and pauses them all on Retry-After")
    func limiterPacing() async throws {
        let limiter = HostRateLimiter(
            host: "h", configuration: .init(initialRate: 200, additiveIncrease: 0))
        let clock = ContinuousClock()
        let start = clock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<5 {
                group.addTask { for _ in 0..<20 { try await limiter.acquire() } }
            }
            try await group.waitForAll()
        }
        let elapsed = clock.now - start
        // 100 slots at 200/s: at least 99 intervals of 5 ms.
        #expect(elapsed >= .milliseconds(480))
        await limiter.record(status: 429, signals: RateLimitSignals(retryAfter: .milliseconds(300)))
        #expect(await limiter.rate < 200)
        let pausedAt = clock.now
        try await limiter.acquire()
        #expect(clock.now - pausedAt >= .milliseconds(280))
    }

    @Test("A published limit sets the rate just under it; clean responses grow it additively")
    func aimd() async {
        let limiter = HostRateLimiter(
            host: "h", configuration: .init(initialRate: 10, headroom: 0.95, additiveIncrease: 5))
        await limiter.record(status: 200, signals: RateLimitSignals())
        #expect(await limiter.rate > 10)
        await limiter.record(status: 200, signals: RateLimitSignals(limit: 40))
        #expect(await limiter.rate == 38)
        await limiter.record(status: 429, signals: RateLimitSignals(retryAfter: .seconds(1), limit: 40))
        #expect(await limiter.rate < 30)
        for _ in 0..<1000 { await limiter.record(status: 200, signals: RateLimitSignals(limit: 40)) }
        #expect(await limiter.rate == 38)
    }

    @Test("Each method and endpoint has its own lane: a PUT limit does not slow POSTs, an hourly quota is not a rate")
    func lanes() async throws {
        #expect(
            HostRateLimiter.lane(method: "post", path: "/wiki/api/v2/pages/65539/properties")
                == "POST /wiki/api/v2/pages/{}/properties")
        #expect(
            HostRateLimiter.lane(method: "PUT", path: "/wiki/rest/api/content/42/restriction?expand=x")
                == "PUT /wiki/rest/api/content/{}/restriction")
        #expect(
            HostRateLimiter.lane(method: "GET", path: "/wiki/rest/api/user?accountId=557058:abc")
                == "GET /wiki/rest/api/user")
        // File names are ids too: downloads of every file share one lane.
        #expect(
            HostRateLimiter.lane(method: "GET", path: "/wiki/download/attachments/98/report final.pdf")
                == "GET /wiki/download/attachments/{}/{}")
        #expect(
            HostRateLimiter.lane(method: "GET", path: "/wiki/download/attachments/98/notes.txt")
                == "GET /wiki/download/attachments/{}/{}")
        let limiter = HostRateLimiter(host: "h", configuration: .init(initialRate: 10, headroom: 0.97))
        let post = HostRateLimiter.lane(method: "POST", path: "/wiki/api/v2/pages")
        let put = HostRateLimiter.lane(method: "PUT", path: "/wiki/api/v2/pages/1")
        await limiter.record(lane: post, status: 200, signals: RateLimitSignals(limit: 100))
        await limiter.record(lane: put, status: 200, signals: RateLimitSignals(limit: 50))
        #expect(await limiter.rate(lane: post) == 97)
        #expect(await limiter.rate(lane: put) == 48.5)
        // Alternating answers no longer pull the POST lane down to the PUT limit.
        for _ in 0..<10 {
            await limiter.record(lane: put, status: 200, signals: RateLimitSignals(limit: 50))
            await limiter.record(lane: post, status: 200, signals: RateLimitSignals(limit: 100))
        }
        #expect(await limiter.rate(lane: post) == 97)
        // A 429 on one lane slows that lane and pauses every lane.
        await limiter.record(
            lane: put, status: 429, signals: RateLimitSignals(retryAfter: .milliseconds(200), limit: 50))
        #expect(await limiter.rate(lane: put) < 48.5)
        #expect(await limiter.rate(lane: post) == 97)
        let clock = ContinuousClock()
        let pausedAt = clock.now
        try await limiter.acquire(lane: post)
        #expect(clock.now - pausedAt >= .milliseconds(180))
        // The hourly quota's X-RateLimit-Limit (40000) is not taken as 40000 requests a second.
        let other = HostRateLimiter.lane(method: "GET", path: "/wiki/api/v2/spaces")
        await limiter.record(
            lane: other, status: 429,
            signals: RateLimitSignals(
                retryAfter: .milliseconds(1), limit: 40000, reason: "confluence-quota-tenant-based"))
        #expect(await limiter.rate(lane: other) < 10)
        // The lane table is bounded: beyond its size, new endpoints share one lane per method.
        let bounded = HostRateLimiter(host: "b", configuration: .init(initialRate: 10, headroom: 0.97))
        for index in 0..<(HostRateLimiter.maximumLanes + 50) {
            await bounded.record(lane: "POST /e\(index)", status: 200, signals: RateLimitSignals(limit: 100))
        }
        #expect(await bounded.laneRates.count == HostRateLimiter.maximumLanes + 1)
        #expect(await bounded.laneRates["POST *"] == 97)
    }
}

@Suite("HTTP transport against a live server")
struct TransportLiveTests {
    func makeTransport(_ configure: (inout TransportConfiguration) -> Void = { _ in }) throws -> HTTPTransport {
        var configuration = TransportConfiguration(retry: fastRetry)
        configure(&configuration)
        return try HTTPTransport(configuration: configuration)
    }

    @Test("429 with Retry-After is waited out and retried, even for POST")
    func retryAfter() async throws {
        let calls = Counter()
        let router = Router()
        router.post("/limited") { _, _ -> Response in
            if calls.next() <= 2 {
                return Response(status: .tooManyRequests, headers: [.retryAfter: "0.2"])
            }
            return Response(status: .created, body: .init(byteBuffer: ByteBuffer(string: "ok")))
        }
        let transport = try makeTransport()
        try await withTestServer(router) { port in
            let clock = ContinuousClock()
            let start = clock.now
            let response = try await transport.send(
                TransportRequest(
                    method: "POST", url: "http://127.0.0.1:\(port)/limited", body: .bytes(ByteBuffer(string: "x"))))
            #expect(response.status == 201)
            #expect(response.attempts == 3)
            #expect(clock.now - start >= .milliseconds(390))
        }
        #expect(transport.statistics.responses429 == 2)
        try await transport.shutdown()
    }

    @Test("A 5xx on GET is retried; on POST it is returned for the caller to reconcile")
    func serverErrors() async throws {
        let gets = Counter()
        let posts = Counter()
        let router = Router()
        router.get("/flaky") { _, _ -> Response in
            gets.next() <= 2 ? Response(status: .badGateway) : Response(status: .ok)
        }
        router.post("/flaky") { _, _ -> Response in
            _ = posts.next()
            return Response(status: .internalServerError)
        }
        let transport = try makeTransport()
        try await withTestServer(router) { port in
            let get = try await transport.send(TransportRequest(method: "GET", url: "http://127.0.0.1:\(port)/flaky"))
            #expect(get.status == 200)
            #expect(get.attempts == 3)
            let post = try await transport.send(TransportRequest(method: "POST", url: "http://127.0.0.1:\(port)/flaky"))
            #expect(post.status == 500)
            #expect(post.attempts == 1)
        }
        #expect(posts.current == 1)
        try await transport.shutdown()
    }

    @Test("Retries stop at the configured maximum")
    func exhausted() async throws {
        let calls = Counter()
        let router = Router()
        router.get("/down") { _, _ -> Response in
            _ = calls.next()
            return Response(status: .serviceUnavailable)
        }
        let transport = try makeTransport { $0.retry.maxRetries = 2 }
        try await withTestServer(router) { port in
            await #expect(throws: TransportError.self) {
                _ = try await transport.send(TransportRequest(method: "GET", url: "http://127.0.0.1:\(port)/down"))
            }
        }
        #expect(calls.current == 3)
        try await transport.shutdown()
    }

    @Test("A dropped connection is retried for GET and reported as interrupted for POST")
    func dropped() async throws {
        let gets = Counter()
        let router = Router()
        router.get("/drop") { _, _ -> Response in
            gets.next() == 1 ? droppedResponse() : Response(status: .ok)
        }
        router.post("/drop") { _, _ -> Response in droppedResponse() }
        let transport = try makeTransport()
        try await withTestServer(router) { port in
            let get = try await transport.send(TransportRequest(method: "GET", url: "http://127.0.0.1:\(port)/drop"))
            #expect(get.status == 200)
            do {
                _ = try await transport.send(TransportRequest(method: "POST", url: "http://127.0.0.1:\(port)/drop"))
                Issue.record("a dropped POST must not look like success")
            } catch let error as TransportError {
                if case .interrupted = error {} else { Issue.record("expected .interrupted, got \(error)") }
            }
        }
        try await transport.shutdown()
    }

    @Test("A POST to a closed port is retried (it never reached a server) and then fails clearly")
    func connectionRefused() async throws {
        let transport = try makeTransport {
            $0.retry.maxRetries = 1
            $0.connectTimeout = .seconds(1)
            $0.requestTimeout = .seconds(2)
        }
        do {
            _ = try await transport.send(TransportRequest(method: "POST", url: "http://127.0.0.1:1/x"))
            Issue.record("expected a connection error")
        } catch let error as TransportError {
            if case .connection(_, _, _, let attempts) = error {
                #expect(attempts == 2)
            } else {
                Issue.record("expected .connection, got \(error)")
            }
        }
        try await transport.shutdown()
    }

    @Test("Multipart upload streams the file; the server receives every byte")
    func multipartStreaming() async throws {
        let received = Mutex<(count: Int, text: String)>((0, ""))
        let router = Router()
        router.post("/upload") { request, _ -> Response in
            var total = 0
            var head = ""
            for try await chunk in request.body {
                total += chunk.readableBytes
                if head.count < 400 { head += String(buffer: chunk).prefix(400) }
            }
            let length = request.headers[.contentLength] ?? ""
            received.withLock { $0 = (total, head + "|length=" + length) }
            return Response(status: .ok)
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-mp-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("big.bin")
        let size = 3 * MultipartBody.chunkSize + 123
        try Data((0..<size).map { UInt8($0 % 251) }).write(to: file)
        let body = MultipartBody(parts: [
            .field(name: "minorEdit", value: "true", contentType: nil),
            .file(name: "file", filename: "big.bin", contentType: "application/octet-stream", path: file.path),
        ])
        let transport = try makeTransport()
        let expected = try body.length()
        try await withTestServer(router) { port in
            let response = try await transport.send(
                TransportRequest(
                    method: "POST", url: "http://127.0.0.1:\(port)/upload",
                    headers: [("Content-Type", body.contentType)], body: try body.transportBody()))
            #expect(response.status == 200)
        }
        let (count, text) = received.withLock { $0 }
        #expect(count == Int(expected))
        #expect(count > size)
        #expect(text.contains("name=\"minorEdit\""))
        #expect(text.contains("filename=\"big.bin\""))
        #expect(text.hasSuffix("|length=\(expected)"))
        try await transport.shutdown()
    }

    @Test("Secrets never appear in errors; proxy URLs with credentials and bad CA bundles are refused")
    func redactionAndConfiguration() async throws {
        let token = Secret("s3cret-token-value", origin: "test")
        let error = TransportError.httpStatus(
            method: "GET", url: "http://x/?t=\(token.exposedValue)", status: 401, body: "echo \(token.exposedValue)")
        #expect(!error.description.contains(token.exposedValue))
        #expect(error.description.contains("<redacted>"))
        #expect(throws: TransportError.self) {
            _ = try HTTPTransport(configuration: .init(proxyURL: "http://user:pw@proxy.local:3128"))
        }
        #expect(throws: TransportError.self) {
            _ = try HTTPTransport(configuration: .init(proxyURL: "socks5://proxy.local:1080"))
        }
        let pem = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-bad-\(UUID().uuidString).pem")
        try Data("not a certificate".utf8).write(to: pem)
        defer { try? FileManager.default.removeItem(at: pem) }
        #expect(throws: TransportError.self) {
            _ = try HTTPTransport(configuration: .init(caBundlePath: pem.path))
        }
        let proxied = try HTTPTransport(
            configuration: .init(
                proxyURL: "http://proxy.local:3128", proxyUser: "me",
                proxyPassword: Secret("proxy-password-1", origin: "test")))
        try await proxied.shutdown()
    }
}
