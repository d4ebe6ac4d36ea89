import AsyncHTTPClient
import FerryModel
public import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

extension HTTPTransport {
    /// Streams a GET's body into `file` (64 KiB at a time, never whole in memory), paced by
    /// the host's rate limiter and retried on 429/5xx and dropped connections like ``send(_:)``.
    /// Returns the status and the number of bytes written; on a non-2xx status the file is
    /// removed and nothing is retried but 429/5xx.
    public func download(
        url: String, headers: [(String, String)], to file: URL
    ) async throws -> (
        status: Int, bytes: Int64
    ) {
        guard let components = URLComponents(string: url), let host = components.host,
            let scheme = components.scheme, scheme == "http" || scheme == "https"
        else { throw TransportError.invalidURL(SecretRegistry.shared.redact(url)) }
        let limiter = limiter(forHost: "\(host):\(components.port ?? (scheme == "https" ? 443 : 80))")
        var safeURL: String { SecretRegistry.shared.redact(url) }
        let policy = configuration.retry
        let lane = HostRateLimiter.lane(method: "GET", path: components.path)
        var attempt = 0
        while true {
            attempt += 1
            try await limiter.acquire(lane: lane)
            var request = HTTPClientRequest(url: url)
            request.method = .GET
            for (name, value) in headers { request.headers.add(name: name, value: value) }
            recordRequest()
            do {
                let response = try await execute(request)
                let status = Int(response.status.code)
                let signals = RateLimitSignals(header: { response.headers.first(name: $0) })
                await limiter.record(lane: lane, status: status, signals: signals)
                if status == 429 || status >= 500 {
                    _ = try? await response.body.collect(upTo: 1 << 20)
                    guard attempt <= policy.maxRetries else {
                        throw TransportError.retriesExhausted(
                            method: "GET", url: safeURL, lastStatus: status, attempts: attempt)
                    }
                    try await Task.sleep(for: signals.retryAfter ?? policy.backoff(retry: attempt - 1))
                    continue
                }
                guard (200..<300).contains(status) else {
                    _ = try? await response.body.collect(upTo: 1 << 20)
                    return (status, 0)
                }
                try FileManager.default.createDirectory(
                    at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
                guard FileManager.default.createFile(atPath: file.path, contents: nil),
                    let handle = FileHandle(forWritingAtPath: file.path)
                else { throw TransportError.invalidURL("cannot write \(file.path)") }
                var written: Int64 = 0
                do {
                    for try await chunk in response.body {
                        try handle.write(contentsOf: Data(buffer: chunk))
                        written += Int64(chunk.readableBytes)
                    }
                    try handle.close()
                } catch {
                    try? handle.close()
                    try? FileManager.default.removeItem(at: file)
                    throw error
                }
                return (status, written)
            } catch let error as TransportError {
                throw error
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                let reason = SecretRegistry.shared.redact(Self.describe(error))
                guard attempt <= policy.maxRetries else {
                    throw TransportError.connection(method: "GET", url: safeURL, reason: reason, attempts: attempt)
                }
                try await Task.sleep(for: policy.backoff(retry: attempt - 1))
            }
        }
    }
}
