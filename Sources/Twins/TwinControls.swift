import Foundation
import Synchronization

/// Token buckets per (method, endpoint group) and the optional hourly points quota.
final class TwinRateLimiter: Sendable {
    struct Bucket {
        var tokens: Double
        var capacity: Double
        var rate: Double
        var last: ContinuousClock.Instant
    }

    struct Decision {
        var allowed: Bool
        var headers: [(String, String)]
        var quota: Bool
    }

    private struct State {
        var spec: TwinRateSpec
        var buckets: [String: Bucket] = [:]
        var points = 0
        var hour = 0
        /// Whether burst-limit headers go out on every response or only with a 429 ("429") or never ("none").
        var headerMode = "always"
    }

    private let state: Mutex<State>
    private let clock = ContinuousClock()

    init(spec: TwinRateSpec) { state = Mutex(State(spec: spec)) }

    func update(spec: TwinRateSpec) {
        state.withLock {
            $0.spec = spec
            $0.buckets = [:]
        }
    }

    var spec: TwinRateSpec { state.withLock { $0.spec } }

    /// `always` (default), `429` (limit headers only on refusals) or `none` (only Retry-After).
    func update(headerMode: String) throws {
        guard ["always", "429", "none"].contains(headerMode) else {
            throw TwinError.invalidRate(headerMode, reason: "rate headers must be always, 429 or none")
        }
        state.withLock { $0.headerMode = headerMode }
    }

    static func points(method: String, group: EndpointGroup) -> Int {
        if method != "GET" { return 2 }
        switch group {
        case .pages, .spaces, .attachments, .blogposts, .content: return 2
        case .users, .permissions: return 3
        default: return 1
        }
    }

    func check(method: String, group: EndpointGroup) -> Decision {
        let now = clock.now
        let wall = Date()
        return state.withLock { state in
            var headers: [(String, String)] = []
            if let quota = state.spec.hourlyPoints {
                let hour = Int(wall.timeIntervalSince1970 / 3600)
                if hour != state.hour {
                    state.hour = hour
                    state.points = 0
                }
                let cost = Self.points(method: method, group: group)
                let secondsLeft = max(1, (hour + 1) * 3600 - Int(wall.timeIntervalSince1970))
                let reset = Date(timeIntervalSince1970: Double((hour + 1) * 3600))
                    .formatted(Date.ISO8601FormatStyle())
                headers.append(("RateLimit-Policy", "\"tenant-app-quota\";q=\(quota);w=3600"))
                if state.points + cost > quota {
                    headers += [
                        ("Retry-After", "\(secondsLeft)"), ("X-RateLimit-Limit", "\(quota)"),
                        ("X-RateLimit-Remaining", "0"), ("X-RateLimit-Reset", reset),
                        ("RateLimit-Reason", "confluence-quota-tenant-based"),
                        ("RateLimit", "\"tenant-app-quota\";r=0;t=\(secondsLeft)"),
                    ]
                    return Decision(allowed: false, headers: headers, quota: true)
                }
                state.points += cost
                let remaining = quota - state.points
                if Double(state.points) >= 0.8 * Double(quota) {
                    headers.append(("RateLimit", "\"tenant-app-quota\";r=\(remaining);t=\(secondsLeft)"))
                    headers.append(("X-RateLimit-NearLimit", "true"))
                }
            }
            guard let rate = state.spec.rate(method: method, group: group) else {
                return Decision(allowed: true, headers: headers, quota: false)
            }
            let key = "\(method):\(group.rawValue)"
            var bucket = state.buckets[key] ?? Bucket(tokens: rate, capacity: rate, rate: rate, last: now)
            let elapsed = now - bucket.last
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            bucket.tokens = min(bucket.capacity, bucket.tokens + seconds * bucket.rate)
            bucket.last = now
            let limitText = rate == rate.rounded() ? "\(Int(rate))" : "\(rate)"
            if bucket.tokens >= 1 {
                bucket.tokens -= 1
                state.buckets[key] = bucket
                if state.headerMode == "always" {
                    headers.append(("X-RateLimit-Limit", limitText))
                    headers.append(("X-RateLimit-Remaining", "\(Int(bucket.tokens))"))
                    if bucket.tokens < 0.2 * bucket.capacity { headers.append(("X-RateLimit-NearLimit", "true")) }
                }
                return Decision(allowed: true, headers: headers, quota: false)
            }
            state.buckets[key] = bucket
            let wait = max(1, Int(((1 - bucket.tokens) / bucket.rate).rounded(.up)))
            let reset = wall.addingTimeInterval(Double(wait)).formatted(Date.ISO8601FormatStyle())
            headers.append(("Retry-After", "\(wait)"))
            if state.headerMode != "none" {
                headers += [
                    ("X-RateLimit-Limit", limitText), ("X-RateLimit-Remaining", "0"), ("X-RateLimit-Reset", reset),
                    ("X-RateLimit-NearLimit", "true"),
                ]
            }
            return Decision(allowed: false, headers: headers, quota: false)
        }
    }
}

/// Decides, per request, which fault (if any) to inject.
final class FaultInjector: Sendable {
    private struct State {
        var spec: TwinFaultSpec
        var random: SplitMix
        var counter = 0
    }

    struct SplitMix {
        var state: UInt64
        mutating func next() -> Double {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            z = z ^ (z >> 31)
            return Double(z >> 11) / Double(1 << 53)
        }
    }

    private let state: Mutex<State>

    init(spec: TwinFaultSpec) {
        state = Mutex(State(spec: spec, random: SplitMix(state: spec.seed ?? UInt64.random(in: 0...UInt64.max))))
    }

    func update(spec: TwinFaultSpec) {
        state.withLock {
            $0.spec = spec
            $0.random = SplitMix(state: spec.seed ?? UInt64.random(in: 0...UInt64.max))
            $0.counter = 0
        }
    }

    var spec: TwinFaultSpec { state.withLock { $0.spec } }

    /// The faults that fire for the next request (at most one status fault, plus slow/drop).
    func draw() -> [TwinFaultSpec.Rule] {
        state.withLock { state in
            guard !state.spec.rules.isEmpty else { return [] }
            state.counter += 1
            var fired: [TwinFaultSpec.Rule] = []
            // One roll decides among the probability rules so that their probabilities add up.
            let roll = state.random.next()
            var cumulative = 0.0
            var rolled = false
            for rule in state.spec.rules {
                switch rule.trigger {
                case .every(let n):
                    if state.counter % n == 0 { fired.append(rule) }
                case .probability(let p):
                    if !rolled, roll < cumulative + p {
                        fired.append(rule)
                        rolled = true
                    }
                    cumulative += p
                }
            }
            return fired
        }
    }
}

/// Per-endpoint request counts, status counts, faults and 429s, for `/__twin/stats`.
final class TwinStatistics: Sendable {
    /// A rate-limit bucket: `METHOD:group`, and its burst rate (nil: not limited).
    struct Bucket: Sendable {
        var name: String
        var rate: Double?
    }

    struct Endpoint: Codable, Sendable {
        var bucket: String?
        var bucketRate: Double?
        var requests = 0
        var statuses: [String: Int] = [:]
        var rateLimited = 0
        var faults: [String: Int] = [:]
    }

    private struct State {
        var endpoints: [String: Endpoint] = [:]
        var total = 0
        var rateLimited = 0
        var faults: [String: Int] = [:]
        var started = Date()
    }

    private let state = Mutex(State())

    func record(endpoint: String, bucket: Bucket? = nil, status: Int, rateLimited: Bool, fault: String?) {
        state.withLock { state in
            state.total += 1
            var entry = state.endpoints[endpoint] ?? Endpoint()
            if let bucket {
                entry.bucket = bucket.name
                entry.bucketRate = bucket.rate
            }
            entry.requests += 1
            entry.statuses["\(status)", default: 0] += 1
            if rateLimited {
                entry.rateLimited += 1
                state.rateLimited += 1
            }
            if let fault {
                entry.faults[fault, default: 0] += 1
                state.faults[fault, default: 0] += 1
            }
            state.endpoints[endpoint] = entry
        }
    }

    func reset() { state.withLock { $0 = State() } }

    func snapshot(applied: [String: Int]) -> JSONValue {
        state.withLock { state in
            var endpoints: [String: JSONValue] = [:]
            for (name, entry) in state.endpoints {
                endpoints[name] = [
                    "bucket": JSONValue(entry.bucket),
                    "bucketRate": entry.bucketRate.map { JSONValue.number($0) } ?? .null,
                    "requests": JSONValue(entry.requests),
                    "statuses": .object(entry.statuses.mapValues { JSONValue($0) }),
                    "rateLimited": JSONValue(entry.rateLimited),
                    "faults": .object(entry.faults.mapValues { JSONValue($0) }),
                ]
            }
            let uptime = Date().timeIntervalSince(state.started)
            return [
                "requests": JSONValue(state.total),
                "rateLimited": JSONValue(state.rateLimited),
                "faults": .object(state.faults.mapValues { JSONValue($0) }),
                "endpoints": .object(endpoints),
                "applied": .object(applied.mapValues { JSONValue($0) }),
                "uptimeSeconds": .number(uptime),
            ]
        }
    }
}
