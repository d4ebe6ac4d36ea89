/// Settings of the per-host rate limiter.
public struct RateLimiterConfiguration: Sendable {
    /// Requests per second before the server has said anything.
    public var initialRate: Double
    public var minimumRate: Double
    public var maximumRate: Double
    /// Fraction of a published limit (`X-RateLimit-Limit`) Ferry aims for.
    public var headroom: Double
    /// Additive increase, in requests per second gained per second of clean responses.
    public var additiveIncrease: Double
    /// Multiplicative decrease applied on a 429.
    public var decreaseFactor: Double
    /// One lane per method and endpoint (Cloud's buckets). False: every request to the
    /// host shares one lane, so `maximumRate` caps the host's total (`--source-rate`).
    public var lanesPerEndpoint: Bool

    public init(
        initialRate: Double = 50, minimumRate: Double = 0.5, maximumRate: Double = 1000, headroom: Double = 0.97,
        additiveIncrease: Double = 5, decreaseFactor: Double = 0.7, lanesPerEndpoint: Bool = true
    ) {
        self.lanesPerEndpoint = lanesPerEndpoint
        self.initialRate = initialRate
        self.minimumRate = minimumRate
        self.maximumRate = maximumRate
        self.headroom = headroom
        self.additiveIncrease = additiveIncrease
        self.decreaseFactor = decreaseFactor
    }
}

/// Paces every request to one host, shared by all workers.
///
/// Cloud keeps its burst limits as token buckets per endpoint and per method (GET 100/s,
/// POST 100/s, PUT 50/s, DELETE 50/s by default), so the limiter keeps one lane per
/// method and endpoint (the path with its ids taken out, see ``lane(method:path:)``).
/// Each request reserves a start slot `1/rate` after the previous one in its lane (a
/// leaky bucket), so fifty workers together send at the lane's rate, not fifty times it.
/// When the server says to wait (`Retry-After` on 429 or 503), the limiter sets a pause
/// that every later slot of every lane respects, so all workers stop together. A lane's
/// rate adapts AIMD-style: it grows by a small step per clean response, shrinks by a
/// factor on every 429, and never exceeds `headroom ×` the limit the server publishes
/// for it (`X-RateLimit-Limit`). The hourly quota (`RateLimit: r=…;t=…`) is shared by
/// the whole host, so when it is published every request also takes a host-wide slot
/// at the rate the remaining quota can sustain.
public actor HostRateLimiter {
    public let host: String
    private let configuration: RateLimiterConfiguration
    private let clock = ContinuousClock()

    struct Lane {
        var rate: Double
        var publishedLimit: Double?
        var nextSlot: ContinuousClock.Instant
        /// The time of the last decrease, so a burst of 429s from one overrun counts once.
        var lastDecrease: ContinuousClock.Instant
    }

    private var lanes: [String: Lane] = [:]
    private var quotaRate: Double?
    private var quotaNextSlot: ContinuousClock.Instant
    private var pausedUntil: ContinuousClock.Instant
    public private(set) var pauses = 0
    public private(set) var lastReason: String?

    /// The lane used when a caller names none (tests, and callers that pace as one stream).
    public static let defaultLane = "*"
    /// At most this many lanes per host; requests to further endpoints share one lane
    /// per method, so the table cannot grow with the site.
    public static let maximumLanes = 128

    public init(host: String, configuration: RateLimiterConfiguration = RateLimiterConfiguration()) {
        self.host = host
        self.configuration = configuration
        let now = clock.now
        self.quotaNextSlot = now
        self.pausedUntil = now
    }

    /// The lane of a request: its method and its path with every segment that carries an
    /// id (a digit, except in `v2`; a colon, dot, space or `%`, as in file names and
    /// account ids; or more than 24 characters) replaced by `{}`, without the query.
    /// `POST /wiki/api/v2/pages/65539/properties` → `POST /wiki/api/v2/pages/{}/properties`.
    public static func lane(method: String, path: String) -> String {
        let bare = path.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        let segments: [String] = bare.split(separator: "/", omittingEmptySubsequences: false).map {
            (segment: Substring) -> String in
            let version = segment.first == "v" && segment.dropFirst().allSatisfy(\.isNumber)
            let id =
                !version && segment.contains(where: { $0.isNumber || ":.% ".contains($0) }) || segment.count > 24
            return id ? "{}" : String(segment)
        }
        return method.uppercased() + " " + segments.joined(separator: "/")
    }

    /// The current rate of `lane` in requests per second.
    public func rate(lane: String = HostRateLimiter.defaultLane) -> Double {
        ceilingRate(lanes[lane] ?? newLane(), quota: false)
    }

    /// The rate of the default lane (what callers without lanes see).
    public var rate: Double { rate(lane: Self.defaultLane) }

    /// Every lane used so far with its current rate, for diagnostics.
    public var laneRates: [String: Double] { lanes.mapValues { ceilingRate($0, quota: false) } }

    private func newLane() -> Lane {
        let now = clock.now
        return Lane(rate: configuration.initialRate, nextSlot: now, lastDecrease: now - .seconds(60))
    }

    /// Waits until this caller may send its request in `lane`.
    public func acquire(lane requested: String = HostRateLimiter.defaultLane) async throws {
        let name = laneName(requested)
        while true {
            let now = clock.now
            var lane = lanes[name] ?? newLane()
            var slot = max(now, lane.nextSlot)
            if pausedUntil > slot { slot = pausedUntil }
            if let quotaRate {
                slot = max(slot, quotaNextSlot)
                quotaNextSlot =
                    slot + .seconds(1.0 / max(configuration.minimumRate, quotaRate * configuration.headroom))
            }
            lane.nextSlot = slot + .seconds(1.0 / ceilingRate(lane, quota: true))
            lanes[name] = lane
            if slot <= now { return }
            let pauseAtReservation = pausedUntil
            try await clock.sleep(until: slot, tolerance: .milliseconds(1))
            // A pause set while this caller slept applies to it too.
            if pausedUntil <= pauseAtReservation || pausedUntil <= clock.now { return }
        }
    }

    /// The lane a request is paced in: its own, the method's overflow lane once the table
    /// is full, or the host's single lane when lanes are off.
    private func laneName(_ requested: String) -> String {
        guard configuration.lanesPerEndpoint else { return Self.defaultLane }
        if lanes[requested] != nil || lanes.count < Self.maximumLanes { return requested }
        return (requested.split(separator: " ").first.map(String.init) ?? "") + " *"
    }

    private func ceilingRate(_ lane: Lane, quota: Bool) -> Double {
        var ceiling = configuration.maximumRate
        if let limit = lane.publishedLimit { ceiling = min(ceiling, limit * configuration.headroom) }
        if quota, let quotaRate { ceiling = min(ceiling, quotaRate * configuration.headroom) }
        return max(configuration.minimumRate, min(lane.rate, ceiling))
    }

    /// Feeds the limiter one response's status and rate-limit headers, for the request's lane.
    public func record(lane requested: String = HostRateLimiter.defaultLane, status: Int, signals: RateLimitSignals) {
        let name = laneName(requested)
        let now = clock.now
        var lane = lanes[name] ?? newLane()
        defer { lanes[name] = lane }
        if let reason = signals.reason { lastReason = reason }
        // A quota answer (`RateLimit-Reason: confluence-quota-…`) gives the hourly quota in
        // `X-RateLimit-Limit`, not a rate per second: only burst answers set the lane's limit.
        let quotaAnswer = signals.reason?.lowercased().contains("quota") ?? false
        if let limit = signals.limit, limit > 0, !quotaAnswer, lane.publishedLimit != limit {
            lane.publishedLimit = limit
            // The server told us this lane's limit: aim just under it at once.
            lane.rate = limit * configuration.headroom
        }
        if let quota = signals.sustainableQuotaRate { quotaRate = max(configuration.minimumRate, quota) }
        let throttled = status == 429 || (status == 503 && signals.retryAfter != nil)
        if let retryAfter = signals.retryAfter, throttled {
            let until = now + retryAfter
            if until > pausedUntil {
                pausedUntil = until
                pauses += 1
            }
        }
        if status == 429 {
            if now - lane.lastDecrease > .milliseconds(500) {
                lane.rate = max(configuration.minimumRate, lane.rate * configuration.decreaseFactor)
                lane.lastDecrease = now
            }
        } else if throttled || signals.nearLimit {
            if now - lane.lastDecrease > .milliseconds(500) {
                lane.rate = max(configuration.minimumRate, lane.rate * 0.9)
                lane.lastDecrease = now
            }
        } else if (200..<500).contains(status) {
            // Additive increase: `additiveIncrease` requests/s per second of responses at this rate.
            lane.rate = ceilingRate(lane, quota: false) + configuration.additiveIncrease / max(lane.rate, 1)
        }
        lane.rate = ceilingRate(lane, quota: false)
    }

    /// The moment the current pause ends, if one is in force.
    public var pauseRemaining: Duration {
        let now = clock.now
        return pausedUntil > now ? pausedUntil - now : .zero
    }
}
