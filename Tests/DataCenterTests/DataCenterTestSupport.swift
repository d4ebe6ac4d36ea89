import ConfluenceDataCenter
import ConfluenceExport
import FerryModel
import Foundation
import Logging
import Transport
import Twins
import Workspace

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A sample export staged into a workspace and served by an in-process Data Center twin.
final class TwinFixture: @unchecked Sendable {
    let directory: URL
    let exportWorkspace: Workspace
    let twin: DataCenterTwin
    let task: Task<Void, any Error>
    let url: String

    static func start(
        version: Int = 9, spaces: Int = 2, pages: Int = 24, attachments: Int = 8
    ) async throws
        -> TwinFixture
    {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-dc-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var options = SampleGenerator.Options()
        options.spaces = spaces
        options.pages = pages
        options.attachments = attachments
        options.maxAttachmentBytes = 16 * 1024
        let export = directory.appendingPathComponent("site")
        _ = try SampleGenerator(options: options).generate(to: export)
        let package = try ExportPackage.open(export)
        let workspace = try Workspace.open(at: directory.appendingPathComponent("export-ws"))
        _ = try ExportImporter(package: package, workspace: workspace).run()
        let twin = try DataCenterTwin(
            configuration: DataCenterTwinConfiguration(port: 0, version: version), workspace: workspace,
            readFile: { path in try package.readAttachment(path: path) },
            siteBackup: { destination, attachments in
                try package.writeBackupZip(to: destination, includeAttachments: attachments)
            })
        let (stream, continuation) = AsyncStream.makeStream(of: Int.self)
        var logger = Logger(label: "dc-twin-test")
        logger.logLevel = .critical
        let task = Task { try await twin.run(logger: logger) { port in continuation.yield(port) } }
        var port = 0
        for await bound in stream {
            port = bound
            break
        }
        return TwinFixture(
            directory: directory, exportWorkspace: workspace, twin: twin, task: task, url: "http://127.0.0.1:\(port)")
    }

    private init(
        directory: URL, exportWorkspace: Workspace, twin: DataCenterTwin, task: Task<Void, any Error>, url: String
    ) {
        self.directory = directory
        self.exportWorkspace = exportWorkspace
        self.twin = twin
        self.task = task
        self.url = url
    }

    func client(
        credentials: DataCenterCredentials = .token(Secret("twin-token", origin: "test")), rate: Double = 2000,
        observer: (@Sendable (TransportRequest) -> Void)? = nil
    ) throws -> DataCenterClient {
        var base = TransportConfiguration()
        base.retry = RetryPolicy(maxRetries: 1, baseDelay: .milliseconds(50))
        let transport = try HTTPTransport(
            configuration: DataCenterClient.transportConfiguration(base, rate: rate, concurrency: 8), observer: observer
        )
        return DataCenterClient(
            site: url, credentials: credentials, transport: transport, logger: Logger(label: "dc-test"))
    }

    func newWorkspace(_ name: String) throws -> Workspace {
        try Workspace.open(at: directory.appendingPathComponent(name))
    }

    func stop() async {
        task.cancel()
        _ = await task.result
        try? FileManager.default.removeItem(at: directory)
    }

    // MARK: admin API

    func admin(_ method: String, _ path: String, json: [String: Any]? = nil) async throws -> (Int, [String: Any]) {
        guard let endpoint = URL(string: url + path) else { return (0, [:]) }
        var request = URLRequest(url: endpoint)
        request.httpMethod = method
        if let json {
            request.httpBody = try JSONSerialization.data(withJSONObject: json)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let (data, response) = try await URLSession.shared.data(for: request)
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
        return (status, object)
    }

    func upload(page: String, filename: String, bytes: Data) async throws -> Int {
        guard let endpoint = URL(string: url + "/__twin/pages/\(page)/attachments") else { return 0 }
        var request = URLRequest(url: endpoint)
        request.httpMethod = "POST"
        let boundary = "test-\(UUID().uuidString)"
        request.setValue("multipart/form-data; boundary=\(boundary)", forHTTPHeaderField: "Content-Type")
        var body = Data(
            "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(filename)\"\r\n".utf8)
        body += Data("Content-Type: text/plain\r\n\r\n".utf8) + bytes + Data("\r\n--\(boundary)--\r\n".utf8)
        request.httpBody = body
        let (_, response) = try await URLSession.shared.data(for: request)
        return (response as? HTTPURLResponse)?.statusCode ?? 0
    }
}
