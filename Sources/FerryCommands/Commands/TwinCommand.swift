public import ArgumentParser
import ConfluenceExport
import Foundation
import Logging
import Twins
import Workspace

/// `ferry twin …`: local stand-ins for the sites Ferry talks to.
public struct TwinCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "twin",
        abstract: "Run a local twin of Confluence Cloud or Data Center to rehearse a migration or test against.",
        subcommands: [TwinCloudCommand.self, TwinDataCenterCommand.self]
    )

    public init() {}
}

/// `ferry twin cloud`: a Confluence Cloud twin on this machine.
public struct TwinCloudCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "cloud",
        abstract: "Serve a Confluence Cloud twin: Cloud's REST API, rules, rate limits and faults, locally.",
        discussion: """
            The twin answers Confluence Cloud's REST API v2 (/wiki/api/v2) and the v1 \
            endpoints Cloud still needs for writes (/wiki/rest/api): spaces, pages, blog \
            posts, comments, labels, attachments, content properties, restrictions, space \
            permissions and user look-ups, with Cloud's rules (numeric ids, unique titles per \
            space, versions that must increment, the 5 MB body limit, X-Atlassian-Token on \
            uploads) and Cloud's error shapes. Point Ferry (or any Cloud client) at the URL \
            it prints and log in with the email and token it prints.

            Rate limits are token buckets per method and endpoint group (--rate), answering \
            429 with Retry-After and X-RateLimit-* headers; `points=N/h` adds an hourly \
            points quota. Faults (--faults) inject 500/502/503, dropped connections, slow \
            responses and timeouts with a probability per request or every Nth request.

            State lives in memory unless --data names a folder, where it is kept in a SQLite \
            file so a rehearsal survives restarts. The admin API under /__twin/ resets the \
            state (POST /__twin/reset), reports per-endpoint statistics (GET /__twin/stats), \
            exports the whole state as JSON (GET /__twin/state) and changes rate, faults and \
            latency at run time (POST /__twin/config). The twin binds 127.0.0.1 unless \
            --host says otherwise; it runs until Ctrl-C (SIGINT) or SIGTERM.

            Example:
              ferry twin cloud --port 8090 --data ./twin-data --latency 80ms \\
                --rate get=100/s,post=100/s,put=50/s,delete=50/s --faults 5xx=0.1,drop=0.05
            """
    )

    @OptionGroup public var global: GlobalOptions

    @Option(name: .long, help: ArgumentHelp("The port to listen on (0 picks a free one).", valueName: "port"))
    public var port: Int = 8090

    @Option(
        name: .long,
        help: ArgumentHelp("The address to bind. Default: 127.0.0.1 (this machine only).", valueName: "address"))
    public var host: String = "127.0.0.1"

    @Option(name: .long, help: ArgumentHelp("Keep state in a SQLite file in this folder.", valueName: "dir"))
    public var data: String?

    @Option(name: .long, help: ArgumentHelp("Added to every response, e.g. 80ms.", valueName: "duration"))
    public var latency: String = "0"

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Rate limits: METHOD[:GROUP]=N/s items and optional points=N/h, or 'off'. Default: Cloud's burst limits.",
            valueName: "spec"))
    public var rate: String = "get=100/s,post=100/s,put=50/s,delete=50/s"

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Faults: 5xx=0.1,drop=0.05,slow=0.02:2s,429=0.01,timeout=0.01:30s,seed=7.", valueName: "spec"))
    public var faults: String = "none"

    @Option(name: .long, help: ArgumentHelp("The largest attachment accepted, e.g. 100MB.", valueName: "size"))
    public var maxAttachmentSize: String = "100MB"

    @Option(name: .long, help: ArgumentHelp("The email the twin accepts.", valueName: "email"))
    public var email: String = CloudTwinConfiguration.defaultEmail

    @Option(
        name: .long,
        help: ArgumentHelp(
            "The API token the twin accepts (a twin-only credential; FERRY_TWIN_TOKEN also works).", valueName: "token")
    )
    public var token: String?

    @Flag(name: .long, help: "Print the start-up line (URL and credentials) as JSON.")
    public var json: Bool = false

    public init() {}

    public func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535.") }
        do {
            _ = try TwinRateSpec.parse(rate)
            _ = try TwinFaultSpec.parse(faults)
            _ = try parseTwinDuration(latency)
            _ = try parseTwinSize(maxAttachmentSize)
        } catch let error as TwinError {
            throw ValidationError(error.description)
        }
    }

    public func run() async throws {
        let logger = global.makeLogger(label: "ferry.twin")
        let token =
            token ?? ProcessInfo.processInfo.environment["FERRY_TWIN_TOKEN"] ?? CloudTwinConfiguration.defaultToken
        let configuration = CloudTwinConfiguration(
            host: host, port: port, dataDirectory: data, latency: try parseTwinDuration(latency),
            rate: try TwinRateSpec.parse(rate), faults: try TwinFaultSpec.parse(faults),
            maxAttachmentSize: try parseTwinSize(maxAttachmentSize), email: email, token: token,
            converter: StorageFormatBodyConverter())
        let twin: CloudTwin
        do {
            twin = try await CloudTwin(configuration: configuration)
        } catch let error as TwinError {
            Console.printError("error: \(error.description)")
            throw ExitCode(1)
        }
        let asJSON = json
        let bindHost = host
        let dataDirectory = data
        try await twin.run(logger: logger) { port in
            let url = "http://\(bindHost):\(port)/wiki"
            if asJSON {
                let line: [String: String] = [
                    "url": url, "email": configuration.email, "token": token,
                    "admin": "http://\(bindHost):\(port)/__twin/",
                    "state": dataDirectory ?? "memory",
                ]
                Console.print((try? Console.jsonString(line).replacingOccurrences(of: "\n", with: "")) ?? url)
            } else {
                Console.print("Confluence Cloud twin listening on \(url)")
                Console.print("  email: \(configuration.email)")
                Console.print("  token: \(token)")
                Console.print("  admin: http://\(bindHost):\(port)/__twin/ (reset, stats, state, config)")
                Console.print("  state: \(dataDirectory.map { "SQLite in \($0)" } ?? "in memory")")
                Console.print("Press Ctrl-C to stop.")
            }
        }
    }
}

/// `ferry twin dc`: a Confluence Data Center twin serving an export over REST.
public struct TwinDataCenterCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "dc",
        abstract:
            "Serve an export as a Confluence Data Center twin: DC's REST API v1, locally, with an admin API to change it.",
        discussion: """
            Stages the export (into a temporary workspace, or --workspace) and answers the \
            Data Center REST endpoints Ferry reads: spaces, content (start/limit paging with \
            _links.next, expand), /rest/api/content/scan, CQL search (space, type, \
            lastmodified >=/<, order by lastmodified), versions \
            (/rest/experimental/content/{id}/version and status=historical), attachments and \
            their downloads, comments (footer, inline, resolved), labels, restrictions, space \
            permissions, users, groups, /rest/api/audit, UPM /rest/plugins/1.0/ and (8 and 9) \
            the backup and restore API: POST /rest/api/backup-restore/backup/site queues a \
            site backup job, GET /rest/api/backup-restore/jobs[/{id}] reports it, PUT \
            …/jobs/{id}/cancel cancels it and GET …/jobs/{id}/download streams the zip. The \
            twin's backup is the export it serves, laid out as Confluence's backup job writes \
            it; changes made later through /__twin/ are not in it.

            --dc-version picks the behaviour: 9 (9.1+: scan and the space permissions REST \
            endpoint), 8 (scan; space permissions only through JSON-RPC \
            getSpacePermissionSets) or 7 (7.17: no scan, so clients page /rest/api/content; \
            JSON-RPC permissions). Log in as admin / twin-token, with basic auth or the token \
            as a bearer personal access token.

            The twin-only admin API changes content while a migration runs: POST \
            /__twin/pages {"space","title","parentId","body"}; PUT /__twin/pages/{id} with any \
            of title, body, parentId (a new version); DELETE /__twin/pages/{id} (trash); PUT \
            /__twin/pages/{id}/restrictions {"read":{"users":[],"groups":[]},"update":{...}}; \
            POST /__twin/pages/{id}/attachments (multipart 'file'; a new version when the name \
            exists); POST /__twin/pages/{id}/comments {"body","parentId","inline"}. GET \
            /__twin/stats counts the requests served (total, busiest second, per endpoint). It \
            binds 127.0.0.1 and runs until Ctrl-C (SIGINT) or SIGTERM.

            Example:
              ferry twin dc --port 8091 --from site-export.zip --dc-version 8
              FERRY_SOURCE_TOKEN=twin-token ferry migrate --from http://127.0.0.1:8091 --to twin --workspace ./ws
            """
    )

    @OptionGroup public var global: GlobalOptions

    @Option(name: .long, help: ArgumentHelp("The port to listen on (0 picks a free one).", valueName: "port"))
    public var port: Int = 8091

    @Option(
        name: .long,
        help: ArgumentHelp("The address to bind. Default: 127.0.0.1 (this machine only).", valueName: "address"))
    public var host: String = "127.0.0.1"

    @Option(name: .customLong("from"), help: ArgumentHelp("The export to serve (.zip or folder).", valueName: "export"))
    public var export: String

    @Option(name: .long, help: ArgumentHelp("Behave like Data Center 7 (7.17), 8 or 9.", valueName: "7|8|9"))
    public var dcVersion: Int = 9

    @Option(
        name: .long,
        help: ArgumentHelp("Stage the export into this folder (default: a temporary one).", valueName: "dir"))
    public var workspace: String?

    @Option(name: .long, help: ArgumentHelp("The user name the twin accepts.", valueName: "user"))
    public var user: String = DataCenterTwinConfiguration.defaultUser

    @Flag(name: .long, help: "Print the start-up line (URL and credentials) as JSON.")
    public var json: Bool = false

    public init() {}

    public func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535.") }
        guard [7, 8, 9].contains(dcVersion) else { throw ValidationError("--dc-version must be 7, 8 or 9.") }
    }

    public func run() async throws {
        let logger = global.makeLogger(label: "ferry.twin.dc")
        let token = ProcessInfo.processInfo.environment["FERRY_TWIN_TOKEN"] ?? DataCenterTwinConfiguration.defaultToken
        let package = try ExportPackage.open(URL(fileURLWithPath: export))
        let folder =
            workspace.map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("ferry-dc-twin-\(UUID().uuidString)")
        let temporary = workspace == nil
        defer { if temporary { try? FileManager.default.removeItem(at: folder) } }
        let staging = try Workspace.open(at: folder)
        let progress = ProgressReporter(phase: "staging the export for the twin (MiB)")
        _ = try ExportImporter(package: package, workspace: staging, progress: progressCallback(progress)).run()
        progress.finish()
        let configuration = DataCenterTwinConfiguration(
            host: host, port: port, version: dcVersion, user: user, token: token)
        let twin = try DataCenterTwin(
            configuration: configuration, workspace: staging,
            readFile: { path in try package.readAttachment(path: path) },
            siteBackup: { destination, attachments in
                try package.writeBackupZip(to: destination, includeAttachments: attachments)
            })
        let counts = twin.counts
        let asJSON = json
        let bindHost = host
        let version = dcVersion
        try await twin.run(logger: logger) { port in
            let url = "http://\(bindHost):\(port)"
            if asJSON {
                let line: [String: String] = [
                    "url": url, "user": configuration.user, "token": token, "version": "\(version)",
                    "admin": "\(url)/__twin/", "pages": "\(counts["pages"] ?? 0)",
                ]
                Console.print((try? Console.jsonString(line).replacingOccurrences(of: "\n", with: "")) ?? url)
            } else {
                Console.print("Confluence Data Center \(version) twin listening on \(url)")
                Console.print("  user: \(configuration.user)  token: \(token) (basic auth or bearer)")
                Console.print(
                    "  serving \(counts["spaces"] ?? 0) spaces, \(counts["pages"] ?? 0) pages, "
                        + "\(counts["blogposts"] ?? 0) blog posts, \(counts["attachments"] ?? 0) attachments")
                Console.print("  admin: \(url)/__twin/ (pages, restrictions, attachments, comments, stats)")
                Console.print("Press Ctrl-C to stop.")
            }
        }
    }
}
