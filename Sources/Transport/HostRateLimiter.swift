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

    public init(
        initialRate: Double = 50, minimumRate: Double = 0.5, maximumRate: Double = 1000, headroom: Double = 0.97,
        additiveIncrease: Double = 5, decreaseFactor: Double = 0.7
    ) {
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
/// Each request reserves a start slot `1/rate` after the previous one (a leaky bucket),
/// so fifty workers together send at `rate`, not fifty times it. When the server says
/// to wait (`Retry-After` on 429 or 503), the limiter sets a pause that every later
/// slot respects, so all workers stop together. The rate adapts AIMD-style: it grows
/// by a small step per clean response, shrinks by a factor on every 429, and never
/// exceeds `headroom ×` the limit the server publishes (`X-RateLimit-Limit`) or the
/// rate the remaining hourly quota (`RateLimit: r=…;t=…`) can sustain.
public actor HostRateLimiter {
    public let host: String
    private let configuration: RateLimiterConfiguration
    private let clock = ContinuousClock()
    private(set) public var rate: Double
    private var publishedLimit: Double?
    private var quotaRate: Double?
    private var nextSlot: ContinuousClock.Instant
    private var pausedUntil: ContinuousClock.Instant
    /// The time of the last decrease, so a burst of 429s from one overrun counts once.
    private var lastDecrease: ContinuousClock.Instant
    public private(set) var pauses = 0
    public private(set) var lastReason: String?

    public init(host: String, configuration: RateLimiterConfiguration = RateLimiterConfiguration()) {
        self.host = host
        self.configuration = configuration
        self.rate = configuration.initialRate
        let now = clock.now
        self.nextSlot = now
        self.pausedUntil = now
        self.lastDecrease = now - .seconds(60)
    }

    /// Waits until this caller may send its request.
    public func acquire() async throws {
        while true {
            let now = clock.now
            var slot = max(now, nextSlot)
            if pausedUntil > slot { slot = pausedUntil }
            nextSlot = slot + .seconds(1.0 / ceilingRate(rate))
            if slot <= now { return }
            let pauseAtReservation = pausedUntil
            try await clock.sleep(until: slot, tolerance: .milliseconds(1))
            // A pause set while this caller slept applies to it too.
            if pausedUntil <= pauseAtReservation || pausedUntil <= clock.now { return }
        }
    }

    private func ceilingRate(_ value: Double) -> Double {
        var ceiling = configuration.maximumRate
        if let publishedLimit { ceiling = min(ceiling, publishedLimit * configuration.headroom) }
        if let quotaRate { ceiling = min(ceiling, quotaRate * configuration.headroom) }
        return max(configuration.minimumRate, min(value, ceiling))
    }

    /// Feeds the limiter one response's status and rate-limit headers.
    public func record(status: Int, signals: RateLimitSignals) {
        let now = clock.now
        if let reason = signals.reason { lastReason = reason }
        if let limit = signals.limit, limit > 0 {
            if publishedLimit != limit {
                publishedLimit = limit
                // The server told us its limit: aim just under it at once.
                rate = limit * configuration.headroom
            }
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
            if now - lastDecrease > .milliseconds(500) {
                rate = max(configuration.minimumRate, rate * configuration.decreaseFactor)
                lastDecrease = now
            }
        } else if throttled || signals.nearLimit {
            if now - lastDecrease > .milliseconds(500) {
                rate = max(configuration.minimumRate, rate * 0.9)
                lastDecrease = now
            }
        } else if (200..<500).contains(status) {
            // Additive increase: `additiveIncrease` requests/s per second of responses at this rate.
            rate = ceilingRate(rate + configuration.additiveIncrease / max(rate, 1))
        }
        rate = ceilingRate(rate)
    }

    /// The moment the current pause ends, if one is in force.
    public var pauseRemaining: Duration {
        let now = clock.now
        return pausedUntil > now ? pausedUntil - now : .zero
    }
}
