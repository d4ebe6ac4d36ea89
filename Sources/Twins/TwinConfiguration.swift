public import FerryModel
import Foundation

/// A bad twin setting: which option, what was wrong, what to write instead.
public enum TwinError: FerryError, Equatable {
    case invalidRate(String, reason: String)
    case invalidFaults(String, reason: String)
    case invalidDuration(String)
    case invalidSize(String)
    case storage(path: String, reason: String)

    public var summary: String {
        switch self {
        case .invalidRate(let spec, let reason): "The rate spec \"\(spec)\" is invalid: \(reason)."
        case .invalidFaults(let spec, let reason): "The fault spec \"\(spec)\" is invalid: \(reason)."
        case .invalidDuration(let text): "\"\(text)\" is not a duration."
        case .invalidSize(let text): "\"\(text)\" is not a size."
        case .storage(let path, let reason): "The twin's database \(path) cannot be used: \(reason)."
        }
    }

    public var remedy: String? {
        switch self {
        case .invalidRate:
            "Write METHOD[:GROUP]=N/s items separated by commas, e.g. get=100/s,post=100/s,put:pages=20/s, and optionally points=65000/h."
        case .invalidFaults:
            "Write KIND=PROBABILITY items, e.g. 5xx=0.1,drop=0.05,slow=0.02:2s,429=0.01,timeout=0.01:30s, or KIND=every:N for a schedule."
        case .invalidDuration: "Write a number followed by ms or s, e.g. 80ms or 2s."
        case .invalidSize: "Write a number of bytes, optionally with KB, MB or GB, e.g. 100MB."
        case .storage: "Check that the --data folder exists and is writable, or start the twin without --data."
        }
    }
}

/// Parses `80ms`, `2s`, `1.5s`, `0`.
public func parseTwinDuration(_ text: String) throws -> Duration {
    let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
    if trimmed == "0" { return .zero }
    if trimmed.hasSuffix("ms"), let value = Double(trimmed.dropLast(2)), value >= 0 { return .milliseconds(value) }
    if trimmed.hasSuffix("s"), let value = Double(trimmed.dropLast()), value >= 0 { return .seconds(value) }
    throw TwinError.invalidDuration(text)
}

/// Parses `1048576`, `100MB`, `2GB`, `512KB`.
public func parseTwinSize(_ text: String) throws -> Int64 {
    let trimmed = text.trimmingCharacters(in: .whitespaces).uppercased()
    let units: [(String, Int64)] = [("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10), ("B", 1)]
    for (suffix, factor) in units where trimmed.hasSuffix(suffix) {
        guard let value = Double(trimmed.dropLast(suffix.count)), value >= 0 else { throw TwinError.invalidSize(text) }
        return Int64(value * Double(factor))
    }
    guard let value = Int64(trimmed), value >= 0 else { throw TwinError.invalidSize(text) }
    return value
}

/// Request rates the twin allows: a token bucket per method and endpoint group, plus an
/// optional hourly points quota (Cloud's points model: 1 point per request, +1 for
/// pages/spaces/attachments reads, +2 for users/groups/permissions reads, writes flat 1).
public struct TwinRateSpec: Sendable, Equatable {
    /// Requests per second per method ("GET", "POST", ...), applied to each endpoint group separately.
    public var perMethod: [String: Double]
    /// Overrides for one method and endpoint group, keyed "POST:pages".
    public var perGroup: [String: Double]
    /// Points per hour, when a quota applies.
    public var hourlyPoints: Int?

    /// Atlassian's published burst defaults.
    public static let cloudDefaults = TwinRateSpec(
        perMethod: ["GET": 100, "POST": 100, "PUT": 50, "DELETE": 50, "PATCH": 50], perGroup: [:], hourlyPoints: nil)
    public static let unlimited = TwinRateSpec(perMethod: [:], perGroup: [:], hourlyPoints: nil)

    public init(perMethod: [String: Double], perGroup: [String: Double], hourlyPoints: Int?) {
        self.perMethod = perMethod
        self.perGroup = perGroup
        self.hourlyPoints = hourlyPoints
    }

    /// `get=100/s,post=100/s,put=50/s,delete=50/s,post:attachments=10/s,points=65000/h`; `off` disables limits.
    public static func parse(_ spec: String) throws -> TwinRateSpec {
        let trimmed = spec.trimmingCharacters(in: .whitespaces)
        if trimmed == "off" || trimmed == "none" { return .unlimited }
        var result = TwinRateSpec.cloudDefaults
        for item in trimmed.split(separator: ",") {
            let pair = item.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2 else { throw TwinError.invalidRate(spec, reason: "\"\(item)\" has no '='") }
            let key = pair[0].lowercased()
            if key == "points" {
                guard pair[1].lowercased().hasSuffix("/h"), let points = Int(pair[1].dropLast(2)), points > 0 else {
                    throw TwinError.invalidRate(spec, reason: "points must be written as N/h")
                }
                result.hourlyPoints = points
                continue
            }
            guard pair[1].lowercased().hasSuffix("/s"), let rate = Double(pair[1].dropLast(2)), rate > 0 else {
                throw TwinError.invalidRate(spec, reason: "\"\(pair[1])\" is not a rate like 100/s")
            }
            let parts = key.split(separator: ":").map(String.init)
            let method = parts[0].uppercased()
            guard ["GET", "POST", "PUT", "DELETE", "PATCH", "ALL"].contains(method) else {
                throw TwinError.invalidRate(spec, reason: "\"\(parts[0])\" is not an HTTP method")
            }
            let methods = method == "ALL" ? ["GET", "POST", "PUT", "DELETE", "PATCH"] : [method]
            if parts.count == 2 {
                guard EndpointGroup(rawValue: parts[1]) != nil else {
                    throw TwinError.invalidRate(
                        spec,
                        reason:
                            "\"\(parts[1])\" is not an endpoint group (\(EndpointGroup.allCases.map(\.rawValue).joined(separator: ", ")))"
                    )
                }
                for m in methods { result.perGroup["\(m):\(parts[1])"] = rate }
            } else {
                for m in methods { result.perMethod[m] = rate }
            }
        }
        return result
    }

    public func rate(method: String, group: EndpointGroup) -> Double? {
        perGroup["\(method):\(group.rawValue)"] ?? perMethod[method]
    }
}

/// The families of endpoints that rate limits and statistics are kept for.
public enum EndpointGroup: String, Sendable, CaseIterable, Codable {
    case spaces, pages, blogposts, content, comments, labels, attachments, properties, restrictions, permissions, users
    case other
}

/// Faults the twin injects, each with a probability per request or a schedule (every Nth request).
public struct TwinFaultSpec: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        /// 500, 502 or 503 chosen at random, half of the 503s with Retry-After; injected before the request is handled.
        case serverError = "5xx"
        case status500 = "500"
        case status502 = "502"
        case status503 = "503"
        /// 503 with `Retry-After: 1`.
        case status503RetryAfter = "503ra"
        /// 429 with Cloud's headers, as if a limit were hit.
        case status429 = "429"
        /// The request is handled, then the connection is closed mid-response.
        case drop
        /// The response is delayed by the given duration.
        case slow
        /// The response is delayed long enough for a client timeout (default 30 s).
        case timeout
    }

    public enum Trigger: Sendable, Equatable {
        case probability(Double)
        case every(Int)
    }

    public struct Rule: Sendable, Equatable {
        public var kind: Kind
        public var trigger: Trigger
        public var delay: Duration
    }

    public var rules: [Rule]
    public var seed: UInt64?

    public static let none = TwinFaultSpec(rules: [], seed: nil)

    public init(rules: [Rule], seed: UInt64?) {
        self.rules = rules
        self.seed = seed
    }

    public static func parse(_ spec: String) throws -> TwinFaultSpec {
        let trimmed = spec.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty || trimmed == "none" || trimmed == "off" { return .none }
        var result = TwinFaultSpec.none
        for item in trimmed.split(separator: ",") {
            let pair = item.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2 else { throw TwinError.invalidFaults(spec, reason: "\"\(item)\" has no '='") }
            if pair[0] == "seed" {
                guard let seed = UInt64(pair[1]) else {
                    throw TwinError.invalidFaults(spec, reason: "seed must be a number")
                }
                result.seed = seed
                continue
            }
            guard let kind = Kind(rawValue: pair[0].lowercased()) else {
                throw TwinError.invalidFaults(
                    spec,
                    reason: "\"\(pair[0])\" is not a fault (\(Kind.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            var value = pair[1]
            var delay: Duration = kind == .timeout ? .seconds(30) : (kind == .slow ? .seconds(2) : .zero)
            if let colon = value.lastIndex(of: ":"), !value.hasPrefix("every:") || value.filter({ $0 == ":" }).count > 1
            {
                delay = try parseTwinDuration(String(value[value.index(after: colon)...]))
                value = String(value[..<colon])
            }
            let trigger: Trigger
            if value.hasPrefix("every:") {
                guard let n = Int(value.dropFirst(6)), n > 0 else {
                    throw TwinError.invalidFaults(spec, reason: "every:N needs a positive N")
                }
                trigger = .every(n)
            } else {
                guard let p = Double(value), (0...1).contains(p) else {
                    throw TwinError.invalidFaults(spec, reason: "\"\(value)\" is not a probability between 0 and 1")
                }
                trigger = .probability(p)
            }
            result.rules.append(Rule(kind: kind, trigger: trigger, delay: delay))
        }
        return result
    }
}

/// Everything that shapes one twin instance.
public struct CloudTwinConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// A folder for the SQLite state file; nil keeps state in memory.
    public var dataDirectory: String?
    public var latency: Duration
    public var rate: TwinRateSpec
    public var faults: TwinFaultSpec
    public var maxAttachmentSize: Int64
    public var maxBodySize: Int
    public var email: String
    public var token: String
    public var converter: any BodyConverter

    public static let defaultEmail = "twin@example.com"
    public static let defaultToken = "twin-token"

    public init(
        host: String = "127.0.0.1", port: Int = 0, dataDirectory: String? = nil, latency: Duration = .zero,
        rate: TwinRateSpec = .cloudDefaults, faults: TwinFaultSpec = .none, maxAttachmentSize: Int64 = 100 << 20,
        maxBodySize: Int = 5 << 20, email: String = CloudTwinConfiguration.defaultEmail,
        token: String = CloudTwinConfiguration.defaultToken, converter: any BodyConverter = StructuralBodyConverter()
    ) {
        self.host = host
        self.port = port
        self.dataDirectory = dataDirectory
        self.latency = latency
        self.rate = rate
        self.faults = faults
        self.maxAttachmentSize = maxAttachmentSize
        self.maxBodySize = maxBodySize
        self.email = email
        self.token = token
        self.converter = converter
    }
}
