public import FerryModel

/// How Ferry reaches a remote site: proxy, trust, timeouts and retry limits.
public struct TransportConfiguration: Sendable {
    /// An HTTP proxy (`http://host:port`) used for both http and https targets (https goes through CONNECT).
    public var proxyURL: String?
    public var proxyUser: String?
    public var proxyPassword: Secret?
    /// A PEM file whose certificates are trusted in addition to the system roots.
    public var caBundlePath: String?
    /// TLS certificate verification switched off. Never the default.
    public var insecure: Bool
    public var connectTimeout: Duration
    /// The longest a single request may take, from sending to the last body byte.
    public var requestTimeout: Duration
    /// Connections kept open per host.
    public var maxConnectionsPerHost: Int
    public var retry: RetryPolicy
    public var rateLimit: RateLimiterConfiguration
    /// The largest response body Ferry reads into memory.
    public var maxResponseBytes: Int

    public init(
        proxyURL: String? = nil, proxyUser: String? = nil, proxyPassword: Secret? = nil,
        caBundlePath: String? = nil, insecure: Bool = false,
        connectTimeout: Duration = .seconds(10), requestTimeout: Duration = .seconds(120),
        maxConnectionsPerHost: Int = 32, retry: RetryPolicy = RetryPolicy(),
        rateLimit: RateLimiterConfiguration = RateLimiterConfiguration(),
        maxResponseBytes: Int = 64 * 1024 * 1024
    ) {
        self.proxyURL = proxyURL
        self.proxyUser = proxyUser
        self.proxyPassword = proxyPassword
        self.caBundlePath = caBundlePath
        self.insecure = insecure
        self.connectTimeout = connectTimeout
        self.requestTimeout = requestTimeout
        self.maxConnectionsPerHost = maxConnectionsPerHost
        self.retry = retry
        self.rateLimit = rateLimit
        self.maxResponseBytes = maxResponseBytes
    }

    /// Builds the transport settings from Ferry's configuration (`[network]` in ferry.toml).
    public init(network: FerryConfiguration.Network) {
        self.init(
            proxyURL: network.proxy?.value, proxyUser: network.proxyUser?.value,
            proxyPassword: network.proxyPassword, caBundlePath: network.caBundle?.value,
            insecure: network.insecure.value,
            retry: RetryPolicy(
                maxRetries: network.maxRetries.value,
                baseDelay: .milliseconds(network.retryBaseDelayMilliseconds.value)))
    }
}

/// Atlassian's recommended backoff: start at 5 s, double to a 30 s cap, multiply by a
/// random factor in 0.7...1.3, stop after `maxRetries`.
public struct RetryPolicy: Sendable {
    public var maxRetries: Int
    public var baseDelay: Duration
    public var maxDelay: Duration
    public var jitter: ClosedRange<Double>
    /// The longest `Retry-After` Ferry waits for before giving up on a request.
    public var maxRetryAfter: Duration

    public init(
        maxRetries: Int = 4, baseDelay: Duration = .seconds(5), maxDelay: Duration = .seconds(30),
        jitter: ClosedRange<Double> = 0.7...1.3, maxRetryAfter: Duration = .seconds(3600)
    ) {
        self.maxRetries = maxRetries
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.jitter = jitter
        self.maxRetryAfter = maxRetryAfter
    }

    /// The delay before retry number `retry` (0-based) when the server gave no `Retry-After`.
    public func backoff(retry: Int, random: Double = Double.random(in: 0...1)) -> Duration {
        var delay = baseDelay
        for _ in 0..<max(0, retry) {
            delay = delay * 2
            if delay >= maxDelay { break }
        }
        if delay > maxDelay { delay = maxDelay }
        let factor = jitter.lowerBound + (jitter.upperBound - jitter.lowerBound) * random
        return delay * factor
    }
}
