import Testing

@testable import Twins

@Suite("Twin token buckets and quota headers")
struct TwinLimiterTests {
    func header(_ name: String, _ decision: TwinRateLimiter.Decision) -> String? {
        decision.headers.first { $0.0 == name }?.1
    }

    @Test("A bucket refuses once empty, with Cloud's headers, per method and endpoint group")
    func buckets() throws {
        let limiter = TwinRateLimiter(spec: try TwinRateSpec.parse("post=3/s"))
        for _ in 0..<3 { #expect(limiter.check(method: "POST", group: .pages).allowed) }
        let refused = limiter.check(method: "POST", group: .pages)
        #expect(!refused.allowed)
        #expect(header("Retry-After", refused) == "1")
        #expect(header("X-RateLimit-Limit", refused) == "3")
        #expect(header("X-RateLimit-Remaining", refused) == "0")
        #expect(header("X-RateLimit-Reset", refused) != nil)
        // Another endpoint group has its own bucket.
        #expect(limiter.check(method: "POST", group: .comments).allowed)
    }

    @Test("The hourly points quota reports its policy, remaining points near the end, and the reason on 429")
    func quota() throws {
        let limiter = TwinRateLimiter(spec: try TwinRateSpec.parse("off"))
        limiter.update(spec: TwinRateSpec(perMethod: [:], perGroup: [:], hourlyPoints: 10))
        let first = limiter.check(method: "GET", group: .pages)
        #expect(header("RateLimit-Policy", first) == "\"tenant-app-quota\";q=10;w=3600")
        #expect(header("RateLimit", first) == nil)
        for _ in 0..<3 { _ = limiter.check(method: "GET", group: .pages) }
        let near = limiter.check(method: "GET", group: .labels)
        #expect(header("RateLimit", near)?.hasPrefix("\"tenant-app-quota\";r=1;t=") == true)
        let refused = limiter.check(method: "GET", group: .pages)
        #expect(!refused.allowed)
        #expect(header("RateLimit-Reason", refused) == "confluence-quota-tenant-based")
        #expect(Int(header("Retry-After", refused) ?? "") ?? 0 > 0)
    }

    @Test("Limit headers can be limited to refusals or switched off, leaving only Retry-After")
    func headerModes() throws {
        let limiter = TwinRateLimiter(spec: try TwinRateSpec.parse("put=1/s"))
        try limiter.update(headerMode: "none")
        let allowed = limiter.check(method: "PUT", group: .pages)
        #expect(allowed.allowed)
        #expect(header("X-RateLimit-Limit", allowed) == nil)
        let refused = limiter.check(method: "PUT", group: .pages)
        #expect(!refused.allowed)
        #expect(header("Retry-After", refused) == "1")
        #expect(header("X-RateLimit-Limit", refused) == nil)
        try limiter.update(headerMode: "429")
        #expect(header("X-RateLimit-Limit", limiter.check(method: "PUT", group: .pages)) == "1")
        #expect(throws: TwinError.self) { try limiter.update(headerMode: "sometimes") }
    }
}
