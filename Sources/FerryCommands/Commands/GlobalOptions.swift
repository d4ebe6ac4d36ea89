public import ArgumentParser
public import FerryModel
import Foundation
public import Logging
import Synchronization

/// Options every command takes: how much to log, and in which shape.
public struct GlobalOptions: ParsableArguments, Sendable {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "How much to log to stderr: trace, debug, info, notice, warning, error or critical.",
            valueName: "level"))
    public var logLevel: String = "info"

    @Option(name: .long, help: ArgumentHelp("Log line shape on stderr: text or json.", valueName: "format"))
    public var logFormat: String = "text"

    public init() {}

    public func validate() throws {
        guard Logger.Level(rawValue: logLevel.lowercased()) != nil else {
            throw ValidationError(
                "--log-level '\(logLevel)' is not a level; use one of: "
                    + Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))
        }
        guard LogFormat(rawValue: logFormat.lowercased()) != nil else {
            throw ValidationError("--log-format '\(logFormat)' is not a format; use text or json")
        }
    }

    /// Installs the log handler once per process and returns a logger for `label`.
    public func makeLogger(label: String = "ferry") -> Logger {
        let level = Logger.Level(rawValue: logLevel.lowercased()) ?? .info
        let format = LogFormat(rawValue: logFormat.lowercased()) ?? .text
        LoggingBootstrap.install(level: level, format: format)
        var logger = Logger(label: label)
        logger.logLevel = level
        return logger
    }
}

/// swift-log may be bootstrapped once per process; in-process tests run many commands.
enum LoggingBootstrap {
    private static let installed = Mutex(false)

    static func install(level: Logger.Level, format: LogFormat) {
        let first = installed.withLock { done in
            defer { done = true }
            return !done
        }
        guard first else { return }
        LoggingSystem.bootstrap { label in
            FerryLogHandler(label: label, level: level, format: format)
        }
    }
}

/// Where Ferry's configuration comes from, and the command-line options that override it.
public struct ConfigurationOptions: ParsableArguments, Sendable {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "The configuration file. Default: $FERRY_CONFIG, else ./ferry.toml when it exists.", valueName: "file"))
    public var config: String?

    @Option(
        name: .long,
        help: ArgumentHelp("The workspace folder that holds Ferry's state (overrides ferry.toml).", valueName: "dir"))
    public var workspace: String?

    @Option(
        name: .long,
        help: ArgumentHelp("How many target writes may be in flight at once (1-1024).", valueName: "n"))
    public var concurrency: Int?

    @Option(name: .long, help: ArgumentHelp("HTTP(S) proxy URL, without credentials.", valueName: "url"))
    public var proxy: String?

    @Option(
        name: .long, help: ArgumentHelp("A PEM file of extra certificate authorities to trust.", valueName: "file"))
    public var caBundle: String?

    @Flag(name: .long, help: "Do not verify TLS certificates. Ferry warns every time; never use it in production.")
    public var insecure: Bool = false

    public init() {}

    /// Loads the effective configuration; `source` and `target` are the command's own `--from`/`--to`.
    public func load(source: String? = nil, target: String? = nil, logger: Logger) throws -> FerryConfiguration {
        let loader = ConfigurationLoader(warn: { message in logger.warning("\(message)") })
        let configuration = try loader.load(
            explicitFile: config,
            overrides: ConfigurationOverrides(
                source: source, target: target, workspace: workspace, concurrency: concurrency, proxy: proxy,
                caBundle: caBundle, insecure: insecure))
        if configuration.network.insecure.value {
            logger.warning(
                "TLS certificate verification is OFF (\(configuration.network.insecure.origin)); traffic can be intercepted"
            )
        }
        return configuration
    }
}
