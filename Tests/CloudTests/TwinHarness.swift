import Foundation
import Logging
import NIOCore
import Transport
import Twins

/// Runs a Cloud twin in-process on a free loopback port for the duration of `body`.
func withTwin<T: Sendable>(
    _ configuration: CloudTwinConfiguration = CloudTwinConfiguration(),
    _ body: @Sendable (CloudTwin, String) async throws -> T
) async throws -> T {
    let twin = try await CloudTwin(configuration: configuration)
    let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
    var logger = Logger(label: "cloud-twin-test")
    logger.logLevel = .critical
    let app = twin.makeApplication(logger: logger) { port in
        continuation.yield(port)
        continuation.finish()
    }
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await app.runService(gracefulShutdownSignals: []) }
        var iterator = ports.makeAsyncIterator()
        let port = await iterator.next() ?? 0
        do {
            let result = try await body(twin, "http://127.0.0.1:\(port)")
            group.cancelAll()
            return result
        } catch {
            group.cancelAll()
            throw error
        }
    }
}

/// A small raw client for twin tests: basic auth, JSON in and out.
struct RawClient: Sendable {
    let transport: HTTPTransport
    let root: String
    var authorization = "Basic " + Data("twin@example.com:twin-token".utf8).base64EncodedString()

    func call(
        _ method: String, _ path: String, json: String? = nil, headers: [(String, String)] = [],
        body: TransportBody? = nil
    ) async throws -> (status: Int, json: Any?, response: TransportResponse) {
        var allHeaders = [("Authorization", authorization)] + headers
        var payload = body
        if let json {
            allHeaders.append(("Content-Type", "application/json"))
            payload = .bytes(ByteBuffer(string: json))
        }
        let response = try await transport.send(
            TransportRequest(method: method, url: root + path, headers: allHeaders, body: payload))
        let parsed = response.body.readableBytes > 0 ? try? JSONSerialization.jsonObject(with: response.bodyData) : nil
        return (response.status, parsed, response)
    }
}

func makeTestTransport() throws -> HTTPTransport {
    try HTTPTransport(
        configuration: TransportConfiguration(
            retry: RetryPolicy(maxRetries: 6, baseDelay: .milliseconds(5), maxDelay: .milliseconds(40)),
            rateLimit: RateLimiterConfiguration(initialRate: 1000, maximumRate: 5000)))
}

extension Dictionary where Key == String, Value == Any {
    func string(_ key: String) -> String? { self[key] as? String }
}
