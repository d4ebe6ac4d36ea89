import Hummingbird
import Logging
import NIOCore

/// Runs a Hummingbird server on a free loopback port for the duration of `body`.
func withTestServer<T: Sendable>(
    _ router: Router<BasicRequestContext>, _ body: @Sendable (Int) async throws -> T
) async throws -> T {
    let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
    var logger = Logger(label: "transport-test-server")
    logger.logLevel = .critical
    let app = Application(
        router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
        onServerRunning: { channel in
            continuation.yield(channel.localAddress?.port ?? 0)
            continuation.finish()
        }, logger: logger)
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await app.runService(gracefulShutdownSignals: []) }
        var iterator = ports.makeAsyncIterator()
        let port = await iterator.next() ?? 0
        do {
            let result = try await body(port)
            group.cancelAll()
            return result
        } catch {
            group.cancelAll()
            throw error
        }
    }
}

/// A response that promises a body and then closes the connection mid-way.
func droppedResponse() -> Response {
    Response(
        status: .ok, headers: [.contentLength: "100"],
        body: ResponseBody { writer in
            try await writer.write(ByteBuffer(string: "{\"partial\":"))
            throw CancellationError()
        })
}
