public import FerryModel
import Foundation
import TOMLKit

/// Settings given on the command line; `nil` means "not given".
public struct ConfigurationOverrides: Sendable {
    public var source: String?
    public var target: String?
    public var workspace: String?
    public var concurrency: Int?
    public var proxy: String?
    public var caBundle: String?
    public var insecure: Bool = false

    public init(
        source: String? = nil, target: String? = nil, workspace: String? = nil, concurrency: Int? = nil,
        proxy: String? = nil, caBundle: String? = nil, insecure: Bool = false
    ) {
        self.source = source
        self.target = target
        self.workspace = workspace
        self.concurrency = concurrency
        self.proxy = proxy
        self.caBundle = caBundle
        self.insecure = insecure
    }
}

/// Builds the effective ``FerryConfiguration``: built-in defaults, then `ferry.toml`,
/// then the environment, then command-line options.
///
/// Secrets are read only from `FERRY_SOURCE_TOKEN`, `FERRY_TARGET_TOKEN`,
/// `FERRY_PROXY_PASSWORD`, or from files named by `token_file` /
/// `proxy_password_file`. A secret written into ferry.toml itself is refused, so a
/// config file can be shared or committed without leaking anything.
public struct ConfigurationLoader: Sendable {
    /// The file looked for in the current directory when neither `--config` nor `FERRY_CONFIG` names one.
    public static let defaultFileName = "ferry.toml"

    public var environment: [String: String]
    public var currentDirectory: String
    /// Called with a warning an operator should see (a world-readable token file, say).
    public var warn: @Sendable (String) -> Void

    public init(
        environment: [String: String]? = nil,
        currentDirectory: String? = nil,
        warn: @escaping @Sendable (String) -> Void = { _ in }
    ) {
        self.environment = environment ?? ProcessInfo.processInfo.environment
        self.currentDirectory = currentDirectory ?? FileManager.default.currentDirectoryPath
        self.warn = warn
    }

    // The settings ferry.toml may hold, per table ("" is the top level).
    static let knownKeys: [String: [String]] = [
        "": ["workspace", "concurrency", "source", "target", "network"],
        "source": ["location", "user", "token_file"],
        "target": ["url", "email", "token_file"],
        "network": [
            "proxy", "proxy_user", "proxy_password_file", "ca_bundle", "insecure", "retry_base_delay_ms", "max_retries",
        ],
    ]

    // Keys that look like an inline secret, with where the secret belongs instead.
    static let forbiddenSecretKeys: [String: (variable: String, fileKey: String)] = [
        "source.token": ("FERRY_SOURCE_TOKEN", "token_file"),
        "source.password": ("FERRY_SOURCE_TOKEN", "token_file"),
        "target.token": ("FERRY_TARGET_TOKEN", "token_file"),
        "target.api_token": ("FERRY_TARGET_TOKEN", "token_file"),
        "target.password": ("FERRY_TARGET_TOKEN", "token_file"),
        "network.proxy_password": ("FERRY_PROXY_PASSWORD", "proxy_password_file"),
    ]

    /// Loads the configuration. `explicitFile` is `--config`; without it `FERRY_CONFIG`,
    /// then `./ferry.toml` if it exists.
    public func load(
        explicitFile: String? = nil, overrides: ConfigurationOverrides = .init()
    ) throws(ConfigurationError)
        -> FerryConfiguration
    {
        var configuration = FerryConfiguration()
        if let path = configFilePath(explicitFile: explicitFile) {
            configuration.configFile = path
            try apply(file: path, to: &configuration)
        }
        try applyEnvironment(to: &configuration)
        try apply(overrides, to: &configuration)
        try validate(configuration)
        return configuration
    }

    func configFilePath(explicitFile: String?) -> String? {
        if let explicitFile { return absolute(explicitFile) }
        if let fromEnvironment = environment["FERRY_CONFIG"], !fromEnvironment.isEmpty {
            return absolute(fromEnvironment)
        }
        let local = absolute(Self.defaultFileName)
        return FileManager.default.fileExists(atPath: local) ? local : nil
    }

    func absolute(_ path: String) -> String {
        if path.hasPrefix("/") { return path }
        return URL(fileURLWithPath: currentDirectory).appendingPathComponent(path).standardizedFileURL.path
    }

    // MARK: - ferry.toml

    private func apply(file path: String, to configuration: inout FerryConfiguration) throws(ConfigurationError) {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            let reason =
                FileManager.default.fileExists(atPath: path)
                ? "it is not readable UTF-8 text" : "no such file"
            throw .fileUnreadable(path: path, reason: reason)
        }
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw .syntax(
                path: path, line: error.source.begin.line, column: error.source.begin.column,
                message: error.description)
        } catch {
            throw .syntax(path: path, line: 0, column: 0, message: "\(error)")
        }
        try checkKeys(table, prefix: "", path: path)
        let origin = SettingOrigin.configFile(path: path)
        let fileDirectory = (path as NSString).deletingLastPathComponent

        if let value = try string(table, "workspace", path: path) {
            configuration.workspace = Setting(resolve(value, relativeTo: fileDirectory), origin: origin)
        }
        if let value = try int(table, "concurrency", path: path) {
            configuration.concurrency = Setting(value, origin: origin)
        }
        if let source = try subtable(table, "source", path: path) {
            if let value = try string(source, "location", key: "source.location", path: path) {
                configuration.source.location = Setting(value, origin: origin)
            }
            if let value = try string(source, "user", key: "source.user", path: path) {
                configuration.source.user = Setting(value, origin: origin)
            }
            if let value = try string(source, "token_file", key: "source.token_file", path: path) {
                configuration.source.token = try readSecretFile(
                    resolve(value, relativeTo: fileDirectory), key: "source.token_file")
            }
        }
        if let target = try subtable(table, "target", path: path) {
            if let value = try string(target, "url", key: "target.url", path: path) {
                configuration.target.url = Setting(value, origin: origin)
            }
            if let value = try string(target, "email", key: "target.email", path: path) {
                configuration.target.email = Setting(value, origin: origin)
            }
            if let value = try string(target, "token_file", key: "target.token_file", path: path) {
                configuration.target.token = try readSecretFile(
                    resolve(value, relativeTo: fileDirectory), key: "target.token_file")
            }
        }
        if let network = try subtable(table, "network", path: path) {
            if let value = try string(network, "proxy", key: "network.proxy", path: path) {
                configuration.network.proxy = Setting(value, origin: origin)
            }
            if let value = try string(network, "proxy_user", key: "network.proxy_user", path: path) {
                configuration.network.proxyUser = Setting(value, origin: origin)
            }
            if let value = try string(network, "proxy_password_file", key: "network.proxy_password_file", path: path) {
                configuration.network.proxyPassword = try readSecretFile(
                    resolve(value, relativeTo: fileDirectory), key: "network.proxy_password_file")
            }
            if let value = try string(network, "ca_bundle", key: "network.ca_bundle", path: path) {
                configuration.network.caBundle = Setting(resolve(value, relativeTo: fileDirectory), origin: origin)
            }
            if let value = try int(network, "retry_base_delay_ms", path: path) {
                configuration.network.retryBaseDelayMilliseconds = Setting(value, origin: origin)
            }
            if let value = try int(network, "max_retries", path: path) {
                configuration.network.maxRetries = Setting(value, origin: origin)
            }
            if let value = network["insecure"] {
                guard let flag = value.bool else {
                    throw .wrongType(path: path, key: "network.insecure", expected: "true or false")
                }
                configuration.network.insecure = Setting(flag, origin: origin)
            }
        }
    }

    private func checkKeys(_ table: TOMLTable, prefix: String, path: String) throws(ConfigurationError) {
        let known = Self.knownKeys[prefix] ?? []
        for key in table.keys.sorted() {
            let qualified = prefix.isEmpty ? key : "\(prefix).\(key)"
            if let secret = Self.forbiddenSecretKeys[qualified] {
                throw .secretInFile(
                    path: path, key: qualified, environmentVariable: secret.variable, fileKey: secret.fileKey)
            }
            guard known.contains(key) else {
                throw .unknownKey(
                    path: path, key: qualified, known: known.map { prefix.isEmpty ? $0 : "\(prefix).\($0)" })
            }
            if prefix.isEmpty, Self.knownKeys[key] != nil {
                guard let nested = table[key]?.table else {
                    throw .wrongType(path: path, key: key, expected: "a table ([\(key)])")
                }
                try checkKeys(nested, prefix: key, path: path)
            }
        }
    }

    private func subtable(_ table: TOMLTable, _ name: String, path: String) throws(ConfigurationError) -> TOMLTable? {
        guard let value = table[name] else { return nil }
        guard let nested = value.table else { throw .wrongType(path: path, key: name, expected: "a table") }
        return nested
    }

    private func string(
        _ table: TOMLTable, _ name: String, key: String? = nil, path: String
    ) throws(ConfigurationError)
        -> String?
    {
        guard let value = table[name] else { return nil }
        guard let text = value.string else { throw .wrongType(path: path, key: key ?? name, expected: "a string") }
        return text
    }

    private func int(_ table: TOMLTable, _ name: String, path: String) throws(ConfigurationError) -> Int? {
        guard let value = table[name] else { return nil }
        guard let number = value.int else { throw .wrongType(path: path, key: name, expected: "a whole number") }
        return number
    }

    private func resolve(_ path: String, relativeTo directory: String) -> String {
        if path.hasPrefix("/") { return path }
        if path.hasPrefix("~/"), let home = environment["HOME"] { return home + path.dropFirst(1) }
        return URL(fileURLWithPath: directory).appendingPathComponent(path).standardizedFileURL.path
    }

    private func readSecretFile(_ path: String, key: String) throws(ConfigurationError) -> Secret {
        let contents: String
        do {
            contents = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            let reason =
                FileManager.default.fileExists(atPath: path)
                ? "it is not readable UTF-8 text or not readable by this user" : "no such file"
            throw .secretFileUnreadable(path: path, key: key, reason: reason)
        }
        let value = contents.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !value.isEmpty else { throw .secretFileEmpty(path: path, key: key) }
        if let attributes = try? FileManager.default.attributesOfItem(atPath: path),
            let permissions = attributes[.posixPermissions] as? Int, permissions & 0o077 != 0
        {
            warn(
                "the secret file \(path) (\(key)) can be read by other users (mode "
                    + String(permissions, radix: 8) + "); run: chmod 600 \(path)")
        }
        return Secret(value, origin: "\(key) \(path)")
    }

    // MARK: - environment and command line

    private func applyEnvironment(to configuration: inout FerryConfiguration) throws(ConfigurationError) {
        if let value = nonEmpty("FERRY_SOURCE_USER") {
            configuration.source.user = Setting(value, origin: .environment(variable: "FERRY_SOURCE_USER"))
        }
        if let value = nonEmpty("FERRY_SOURCE_TOKEN") {
            configuration.source.token = Secret(value, origin: "environment FERRY_SOURCE_TOKEN")
        } else if let value = nonEmpty("FERRY_SOURCE_PASSWORD") {
            configuration.source.token = Secret(value, origin: "environment FERRY_SOURCE_PASSWORD")
        }
        if let value = nonEmpty("FERRY_TARGET_EMAIL") {
            configuration.target.email = Setting(value, origin: .environment(variable: "FERRY_TARGET_EMAIL"))
        }
        if let value = nonEmpty("FERRY_TARGET_TOKEN") {
            configuration.target.token = Secret(value, origin: "environment FERRY_TARGET_TOKEN")
        }
        if let value = nonEmpty("FERRY_PROXY_PASSWORD") {
            configuration.network.proxyPassword = Secret(value, origin: "environment FERRY_PROXY_PASSWORD")
        }
    }

    private func nonEmpty(_ variable: String) -> String? {
        guard let value = environment[variable], !value.isEmpty else { return nil }
        return value
    }

    private func apply(
        _ overrides: ConfigurationOverrides, to configuration: inout FerryConfiguration
    )
        throws(ConfigurationError)
    {
        if let value = overrides.source {
            configuration.source.location = Setting(value, origin: .commandLine(option: "--from"))
        }
        if let value = overrides.target {
            configuration.target.url = Setting(value, origin: .commandLine(option: "--to"))
        }
        if let value = overrides.workspace {
            configuration.workspace = Setting(absolute(value), origin: .commandLine(option: "--workspace"))
        }
        if let value = overrides.concurrency {
            configuration.concurrency = Setting(value, origin: .commandLine(option: "--concurrency"))
        }
        if let value = overrides.proxy {
            configuration.network.proxy = Setting(value, origin: .commandLine(option: "--proxy"))
        }
        if let value = overrides.caBundle {
            configuration.network.caBundle = Setting(absolute(value), origin: .commandLine(option: "--ca-bundle"))
        }
        if overrides.insecure {
            configuration.network.insecure = Setting(true, origin: .commandLine(option: "--insecure"))
        }
    }

    private func validate(_ configuration: FerryConfiguration) throws(ConfigurationError) {
        let concurrency = configuration.concurrency
        guard (1...1024).contains(concurrency.value) else {
            throw .invalidValue(
                setting: "concurrency", origin: concurrency.origin.description, value: String(concurrency.value),
                expected: "a number from 1 to 1024")
        }
        for (name, setting) in [
            ("source location", configuration.source.location), ("target url", configuration.target.url),
            ("proxy", configuration.network.proxy),
        ] {
            guard let setting else { continue }
            if let url = URL(string: setting.value), url.scheme != nil, url.user != nil || url.password != nil {
                throw .credentialsInURL(setting: name, origin: setting.origin.description)
            }
        }
        let retry = configuration.network.retryBaseDelayMilliseconds
        guard (1...600_000).contains(retry.value) else {
            throw .invalidValue(
                setting: "network.retry_base_delay_ms", origin: retry.origin.description, value: String(retry.value),
                expected: "milliseconds from 1 to 600000")
        }
        let retries = configuration.network.maxRetries
        guard (0...100).contains(retries.value) else {
            throw .invalidValue(
                setting: "network.max_retries", origin: retries.origin.description, value: String(retries.value),
                expected: "a number from 0 to 100")
        }
        if let proxy = configuration.network.proxy {
            let url = URL(string: proxy.value)
            guard let scheme = url?.scheme?.lowercased(), ["http", "https"].contains(scheme), url?.host != nil else {
                throw .invalidValue(
                    setting: "proxy", origin: proxy.origin.description, value: proxy.value,
                    expected: "an http:// or https:// URL such as http://proxy.example.com:3128")
            }
        }
    }
}
