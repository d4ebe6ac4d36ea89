public import ArgumentParser
import FerryModel
import Foundation

/// `ferry config …`: inspect the effective configuration.
public struct ConfigCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Show the configuration Ferry will use, and where each value came from.",
        subcommands: [ConfigShowCommand.self],
        defaultSubcommand: ConfigShowCommand.self
    )

    public init() {}
}

/// `ferry config show`: the effective configuration with secrets redacted.
public struct ConfigShowCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Print the effective configuration with every secret redacted.",
        discussion: """
            Ferry reads built-in defaults, then ferry.toml (or the file named by --config \
            or $FERRY_CONFIG), then the environment, then command-line options; each \
            overrides the one before. This command prints the result and the origin of \
            every value, so you can see why Ferry uses what it uses.

            Secrets (API tokens, passwords) are never read from ferry.toml or from \
            command-line options: give them as FERRY_SOURCE_TOKEN, FERRY_TARGET_TOKEN and \
            FERRY_PROXY_PASSWORD, or name a file holding them with token_file / \
            proxy_password_file. This command shows only whether each secret is set and \
            where it came from, never its value.

            Example:
              FERRY_TARGET_EMAIL=admin@example.com FERRY_TARGET_TOKEN=... \\
                ferry config show --config ferry.toml --json
            """
    )

    @OptionGroup public var global: GlobalOptions
    @OptionGroup public var options: ConfigurationOptions

    @Option(
        name: .customLong("from"),
        help: ArgumentHelp("The source: an export (zip or folder) or a Data Center URL.", valueName: "source"))
    public var source: String?

    @Option(
        name: .customLong("to"),
        help: ArgumentHelp("The target: a Cloud site URL, a twin URL, or 'twin'.", valueName: "target"))
    public var target: String?

    @Flag(name: .long, help: "Print the configuration as JSON.")
    public var json: Bool = false

    public init() {}

    public func run() async throws {
        let logger = global.makeLogger()
        let configuration = try options.load(source: source, target: target, logger: logger)
        logger.debug("configuration loaded", metadata: ["file": "\(configuration.configFile ?? "none")"])
        if json {
            try Console.printJSON(ConfigurationView(configuration))
        } else {
            Console.print(ConfigurationView(configuration).text)
        }
    }
}

/// The printable form of a configuration: values with their origins; secrets as "set"/"not set".
struct ConfigurationView: Encodable {
    struct Entry: Encodable {
        var key: String
        var value: String?
        var origin: String?
        var secret: Bool
    }

    var configFile: String?
    var settings: [Entry]

    init(_ configuration: FerryConfiguration) {
        configFile = configuration.configFile
        func plain<V>(_ key: String, _ setting: Setting<V>?) -> Entry {
            Entry(key: key, value: setting.map { "\($0.value)" }, origin: setting?.origin.description, secret: false)
        }
        func secret(_ key: String, _ value: Secret?) -> Entry {
            Entry(key: key, value: value == nil ? nil : "<redacted>", origin: value?.origin, secret: true)
        }
        settings = [
            plain("workspace", configuration.workspace),
            plain("concurrency", configuration.concurrency),
            plain("source.location", configuration.source.location),
            plain("source.user", configuration.source.user),
            secret("source.token", configuration.source.token),
            plain("target.url", configuration.target.url),
            plain("target.email", configuration.target.email),
            secret("target.token", configuration.target.token),
            plain("network.proxy", configuration.network.proxy),
            plain("network.proxy_user", configuration.network.proxyUser),
            secret("network.proxy_password", configuration.network.proxyPassword),
            plain("network.ca_bundle", configuration.network.caBundle),
            plain("network.insecure", configuration.network.insecure),
            plain("network.retry_base_delay_ms", configuration.network.retryBaseDelayMilliseconds),
            plain("network.max_retries", configuration.network.maxRetries),
        ]
    }

    var text: String {
        var lines = ["config file: \(configFile ?? "none (built-in defaults)")"]
        let width = settings.map(\.key.count).max() ?? 0
        for entry in settings {
            let padded = entry.key.padding(toLength: width, withPad: " ", startingAt: 0)
            let value: String
            if entry.secret {
                value = entry.value == nil ? "not set" : "set, <redacted>"
            } else {
                value = entry.value ?? "not set"
            }
            lines.append("  \(padded)  \(value)" + (entry.origin.map { "  (\($0))" } ?? ""))
        }
        return lines.joined(separator: "\n")
    }
}
