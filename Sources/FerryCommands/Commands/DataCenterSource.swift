import ConfluenceDataCenter
import ConfluenceExport
import FerryModel
import Foundation
import Logging
import Transport
import Workspace

/// A `--from` that names a live Data Center site rather than an export.
enum DataCenterSource {
    /// True when `source` is an http(s) URL (an export is a path).
    static func isSite(_ source: String) -> Bool {
        let lower = source.lowercased()
        return lower.hasPrefix("https://") || lower.hasPrefix("http://")
    }

    static func isLoopback(_ host: String) -> Bool {
        ["127.0.0.1", "localhost", "::1", "[::1]"].contains(host.lowercased())
    }

    /// Checks the URL: https, or http on loopback (or with `allowInsecureHTTP`).
    static func validate(_ site: String, allowInsecureHTTP: Bool) throws -> String {
        guard let url = URL(string: site), let scheme = url.scheme?.lowercased(), let host = url.host, !host.isEmpty
        else { throw DataCenterError.invalidSite(site, reason: "it is not a URL with a host") }
        guard url.user == nil, url.password == nil else {
            throw DataCenterError.invalidSite(
                "\(scheme)://\(host)", reason: "the URL contains credentials; give them through the environment")
        }
        if scheme == "http", !isLoopback(host), !allowInsecureHTTP {
            throw DataCenterError.invalidSite(site, reason: "plain http would send the credentials unencrypted")
        }
        guard scheme == "http" || scheme == "https" else {
            throw DataCenterError.invalidSite(site, reason: "only http and https are supported")
        }
        return site
    }

    /// The credentials of `[source]`: a user and password (basic), or a personal access token.
    static func credentials(_ configuration: FerryConfiguration, site: String) throws -> DataCenterCredentials {
        guard let secret = configuration.source.token else { throw DataCenterError.missingCredentials(site: site) }
        if let user = configuration.source.user?.value { return .basic(user: user, password: secret) }
        return .token(secret)
    }

    static func client(
        site: String, configuration: FerryConfiguration, rate: Double, concurrency: Int, allowInsecureHTTP: Bool,
        logger: Logger
    ) throws -> DataCenterClient {
        let site = try validate(site, allowInsecureHTTP: allowInsecureHTTP)
        let credentials = try credentials(configuration, site: site)
        let transport = try HTTPTransport(
            configuration: DataCenterClient.transportConfiguration(
                TransportConfiguration(network: configuration.network), rate: rate, concurrency: concurrency),
            logger: logger)
        return DataCenterClient(site: site, credentials: credentials, transport: transport, logger: logger)
    }

    /// Stages the site into the workspace once (like an export), with progress; a later run
    /// against the same workspace and site reuses the staging. Returns the attachment folder
    /// the transfer reads files from. The site's clock at the start of the read is recorded
    /// as the frozen time the first `ferry sync` pass reads changes from (unless
    /// `recordFrozenTime` is false).
    static func stage(
        client: DataCenterClient, workspace: Workspace, spaces: [String]?, concurrency: Int, history: Bool,
        logger: Logger, restage: Bool = false, recordFrozenTime: Bool = true
    ) async throws -> ExportPackage {
        let record = SourceStaging.Record(path: client.site, size: -1)
        let recordURL = workspace.folder.appendingPathComponent(SourceStaging.recordName)
        let files = ExportPackage.attachmentFolder(
            workspace.folder.appendingPathComponent(DataCenterStager.filesFolderName))
        if !restage, let data = FileManager.default.contents(atPath: recordURL.path),
            let previous = try? JSONDecoder().decode(SourceStaging.Record.self, from: data)
        {
            guard previous == record else {
                throw StagingError.differentSource(workspace: workspace.folder.path, staged: previous.path)
            }
            return files
        }
        let readAt = try await client.serverTime()
        let progress = ProgressReporter(phase: "reading \(client.site) (pages and blog posts)")
        var stager = DataCenterStager(
            client: client, workspace: workspace, spaceKeys: spaces, concurrency: concurrency, history: history)
        stager.progress = { count in progress.advance(items: count) }
        let result = try await stager.run()
        progress.finish()
        logger.info(
            "staged Data Center site",
            metadata: [
                "site": "\(client.site)", "spaces": "\(result.spaces)", "pages": "\(result.pages)",
                "blogposts": "\(result.blogPosts)", "attachments": "\(result.attachments)",
                "requests": "\(result.requests)",
                "scan": "\(result.scan.values.allSatisfy { $0 })",
            ])
        try JSONEncoder().encode(result).write(
            to: workspace.folder.appendingPathComponent("datacenter-staging.json"), options: .atomic)
        try JSONEncoder().encode(record).write(to: recordURL, options: .atomic)
        if recordFrozenTime {
            try workspace.syncInventory.setMeta(DataCenterDelta.frozenTimeKey, String(readAt.timeIntervalSince1970))
        }
        return files
    }
}

extension DataCenterSource {
    /// Has the site write a site backup through its backup and restore API, waits for the
    /// job (polling every `poll`), and streams the file into `folder`. Returns the file, or
    /// nil when the site has no backup and restore API (Confluence 7 and earlier).
    static func requestSiteBackup(
        client: DataCenterClient, into folder: URL, includeAttachments: Bool, poll: Duration = .seconds(2),
        logger: Logger
    ) async throws -> URL? {
        guard
            var job = try await client.startSiteBackup(
                includeAttachments: includeAttachments, fileNamePrefix: "ferry-archive")
        else { return nil }
        let waiting = ProgressReporter(phase: "site backup job \(job.id) on \(client.site) (status checks)")
        while !job.isOver {
            try await Task.sleep(for: poll)
            job = try await client.backupJob(id: job.id)
            waiting.advance()
        }
        waiting.finish()
        guard job.jobState == "FINISHED" else {
            throw DataCenterError.backupFailed(
                site: client.site, job: job.id,
                reason: "it ended \(job.jobState)" + (job.errorMessage.map { ": \($0)" } ?? ""))
        }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let name = (job.fileName?.isEmpty == false ? job.fileName : nil) ?? "site-backup-\(job.id).zip"
        let file = folder.appendingPathComponent(URL(fileURLWithPath: name).lastPathComponent)
        let bytes = try await client.downloadBackup(jobID: job.id, to: file)
        logger.info(
            "downloaded the site backup",
            metadata: ["job": "\(job.id)", "file": "\(file.path)", "bytes": "\(bytes)"])
        return file
    }
}
