public import Foundation

/// What a response says about the server's rate limits, read from Cloud's headers:
/// `Retry-After` (also `Beta-Retry-After`/`X-Beta-Retry-After`), `X-RateLimit-Limit`,
/// `X-RateLimit-Remaining`, `X-RateLimit-Reset`, `X-RateLimit-NearLimit`,
/// `RateLimit-Reason`, and the structured `RateLimit`/`RateLimit-Policy` pair
/// (or their `Beta-` forms before enforcement).
public struct RateLimitSignals: Sendable, Equatable {
    /// Seconds to wait before the next request, from `Retry-After`.
    public var retryAfter: Duration?
    /// The burst limit in requests per second.
    public var limit: Double?
    public var remaining: Double?
    public var nearLimit: Bool
    public var reason: String?
    /// Quota policies from `RateLimit-Policy`: name → (quota, window seconds).
    public var policies: [String: QuotaPolicy]
    /// Remaining quota from `RateLimit`: name → (remaining points, seconds until reset).
    public var quotas: [String: QuotaState]

    public struct QuotaPolicy: Sendable, Equatable {
        public var quota: Double
        public var window: Double
    }

    public struct QuotaState: Sendable, Equatable {
        public var remaining: Double?
        public var resetSeconds: Double?
    }

    public init(
        retryAfter: Duration? = nil, limit: Double? = nil, remaining: Double? = nil, nearLimit: Bool = false,
        reason: String? = nil, policies: [String: QuotaPolicy] = [:], quotas: [String: QuotaState] = [:]
    ) {
        self.retryAfter = retryAfter
        self.limit = limit
        self.remaining = remaining
        self.nearLimit = nearLimit
        self.reason = reason
        self.policies = policies
        self.quotas = quotas
    }

    /// Reads the signals from response headers; `header(name)` returns the first value, case-insensitively.
    public init(header: (String) -> String?, now: Date = Date()) {
        self.init()
        let retryText = header("Retry-After") ?? header("Beta-Retry-After") ?? header("X-Beta-Retry-After")
        if let retryText { retryAfter = Self.parseRetryAfter(retryText, now: now) }
        limit = (header("X-RateLimit-Limit") ?? header("X-Beta-RateLimit-Limit")).flatMap(Self.number)
        remaining = (header("X-RateLimit-Remaining") ?? header("X-Beta-RateLimit-Remaining")).flatMap(Self.number)
        let near = header("X-RateLimit-NearLimit") ?? header("X-Beta-RateLimit-NearLimit")
        nearLimit = near?.trimmingCharacters(in: .whitespaces).lowercased() == "true"
        reason = header("RateLimit-Reason") ?? header("X-Beta-RateLimit-Reason")
        for text in [header("RateLimit-Policy"), header("Beta-RateLimit-Policy")].compactMap({ $0 }) {
            for item in Self.structuredItems(text) {
                guard let q = item.params["q"].flatMap(Self.number) else { continue }
                policies[item.name] = QuotaPolicy(quota: q, window: item.params["w"].flatMap(Self.number) ?? 3600)
            }
        }
        for text in [header("RateLimit"), header("Beta-RateLimit")].compactMap({ $0 }) {
            for item in Self.structuredItems(text) {
                quotas[item.name] = QuotaState(
                    remaining: item.params["r"].flatMap(Self.number),
                    resetSeconds: item.params["t"].flatMap(Self.number))
            }
        }
    }

    /// The request rate (per second) the quotas allow for the rest of their windows, if any says so.
    public var sustainableQuotaRate: Double? {
        var best: Double?
        for (_, state) in quotas {
            guard let r = state.remaining, let t = state.resetSeconds, t > 0 else { continue }
            let rate = r / t
            best = min(best ?? rate, rate)
        }
        return best
    }

    static func number(_ text: String) -> Double? {
        Double(text.trimmingCharacters(in: .whitespaces))
    }

    /// `Retry-After` is either delta-seconds or an HTTP date.
    static func parseRetryAfter(_ text: String, now: Date) -> Duration? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let seconds = Double(trimmed), seconds >= 0 { return .milliseconds(Int64(seconds * 1000)) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: trimmed) else { return nil }
        let seconds = max(0, date.timeIntervalSince(now))
        return .milliseconds(Int64(seconds * 1000))
    }

    struct Item {
        var name: String
        var params: [String: String]
    }

    /// Parses `"name";k=v;k=v, "other";k=v` (RFC 8941 list of strings/tokens with parameters).
    static func structuredItems(_ text: String) -> [Item] {
        text.split(separator: ",").compactMap { member in
            let parts = member.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let first = parts.first, !first.isEmpty else { return nil }
            let name = first.trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            var params: [String: String] = [:]
            for part in parts.dropFirst() {
                let kv = part.split(separator: "=", maxSplits: 1).map(String.init)
                if kv.count == 2 {
                    params[kv[0].lowercased()] = kv[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                }
            }
            return Item(name: name, params: params)
        }
    }
}
