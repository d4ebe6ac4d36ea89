import ConfluenceCloud
import FerryModel
import Foundation
import Logging
import Synchronization
import Transport
import Twins

/// The Cloud site a command writes to: a real site, a twin at a URL, or `twin`, an
/// in-process Cloud twin whose state lives in the workspace (for rehearsals and the demo).
final class TargetConnection: Sendable {
    let client: ConfluenceCloudClient
    let transport: HTTPTransport
    let site: String
    let isInProcessTwin: Bool
    private let twinTask: Task<Void, any Error>?

    private init(
        client: ConfluenceCloudClient, transport: HTTPTransport, site: String, twinTask: Task<Void, any Error>?
    ) {
        self.client = client
        self.transport = transport
        self.site = site
        self.twinTask = twinTask
        self.isInProcessTwin = twinTask != nil
    }

    /// Connects to `target`. Credentials come from the configuration (environment or token
    /// files); the in-process twin needs none.
    static func open(
        target: String, configuration: FerryConfiguration, workspace: URL, logger: Logger,
        twinRate: TwinRateSpec = .cloudDefaults
    ) async throws -> TargetConnection {
        let transportConfiguration = TransportConfiguration(network: configuration.network)
        if target == "twin" {
            let state = workspace.appendingPathComponent("twin")
            try FileManager.default.createDirectory(at: state, withIntermediateDirectories: true)
            let twin = try await CloudTwin(
                configuration: CloudTwinConfiguration(
                    port: 0, dataDirectory: state.path, rate: twinRate, converter: StorageFormatBodyConverter()))
            let (stream, continuation) = AsyncStream.makeStream(of: Int.self)
            var twinLogger = logger
            twinLogger.logLevel = .critical
            let task = Task {
                try await twin.run(logger: twinLogger) { port in continuation.yield(port) }
            }
            var port = 0
            for await bound in stream {
                port = bound
                break
            }
            let site = "http://127.0.0.1:\(port)"
            let transport = try HTTPTransport(configuration: transportConfiguration, logger: logger)
            let client = ConfluenceCloudClient(
                site: site, email: CloudTwinConfiguration.defaultEmail,
                token: Secret(CloudTwinConfiguration.defaultToken, origin: "in-process twin"), transport: transport,
                logger: logger)
            return TargetConnection(client: client, transport: transport, site: site, twinTask: task)
        }
        guard let url = URL(string: target), let scheme = url.scheme, ["http", "https"].contains(scheme),
            url.host != nil
        else { throw TargetError.invalidTarget(target) }
        guard let email = configuration.target.email?.value, let token = configuration.target.token else {
            throw TargetError.missingCredentials(target: target)
        }
        let transport = try HTTPTransport(configuration: transportConfiguration, logger: logger)
        let client = ConfluenceCloudClient(
            site: target, email: email, token: token, transport: transport, logger: logger)
        return TargetConnection(client: client, transport: transport, site: client.site, twinTask: nil)
    }

    func close() async {
        try? await transport.shutdown()
        if let twinTask {
            twinTask.cancel()
            _ = await twinTask.result
        }
    }
}

/// A `--to` that cannot be used.
enum TargetError: FerryError {
    case invalidTarget(String)
    case missingCredentials(target: String)

    var summary: String {
        switch self {
        case .invalidTarget(let target): "'\(target)' is not a target: give a Cloud site URL, a twin URL, or 'twin'"
        case .missingCredentials(let target): "no credentials for \(target)"
        }
    }

    var remedy: String? {
        switch self {
        case .invalidTarget: "for example --to https://example.atlassian.net, or --to twin for a local rehearsal"
        case .missingCredentials:
            "set FERRY_TARGET_EMAIL and FERRY_TARGET_TOKEN (an Atlassian API token), or name a token_file under [target] in ferry.toml"
        }
    }
}
