/// Where a configuration value came from. Shown by `ferry config show` so an
/// operator can tell why Ferry uses the value it uses.
public enum SettingOrigin: Sendable, Hashable, Encodable, CustomStringConvertible {
    case builtInDefault
    case configFile(path: String)
    case environment(variable: String)
    case commandLine(option: String)

    public var description: String {
        switch self {
        case .builtInDefault: "default"
        case .configFile(let path): "config file \(path)"
        case .environment(let variable): "environment \(variable)"
        case .commandLine(let option): "command line \(option)"
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// A configuration value together with its origin.
public struct Setting<Value: Sendable & Hashable & Encodable>: Sendable, Hashable, Encodable {
    public var value: Value
    public var origin: SettingOrigin

    public init(_ value: Value, origin: SettingOrigin) {
        self.value = value
        self.origin = origin
    }
}

/// The effective configuration of one Ferry invocation: built-in defaults, then
/// `ferry.toml`, then environment variables (secrets only), then command-line
/// options, each overriding the one before.
public struct FerryConfiguration: Sendable, Encodable {
    /// The Data Center/Server site being migrated: an export (zip or folder) or a base URL.
    public struct Source: Sendable, Encodable {
        public var location: Setting<String>?
        public var user: Setting<String>?
        public var token: Secret?

        public init(location: Setting<String>? = nil, user: Setting<String>? = nil, token: Secret? = nil) {
            self.location = location
            self.user = user
            self.token = token
        }
    }

    /// The Cloud site (or twin) being written to.
    public struct Target: Sendable, Encodable {
        public var url: Setting<String>?
        public var email: Setting<String>?
        public var token: Secret?

        public init(url: Setting<String>? = nil, email: Setting<String>? = nil, token: Secret? = nil) {
            self.url = url
            self.email = email
            self.token = token
        }
    }

    /// How this machine reaches the network.
    public struct Network: Sendable, Encodable {
        /// An HTTP(S) proxy URL without credentials.
        public var proxy: Setting<String>?
        public var proxyUser: Setting<String>?
        public var proxyPassword: Secret?
        /// A PEM file of extra trusted certificate authorities (a corporate TLS-inspecting proxy, say).
        public var caBundle: Setting<String>?
        /// TLS verification switched off. Never the default; every command that honours it warns.
        public var insecure: Setting<Bool>
        /// The first retry delay after a 5xx or a dropped connection (doubling to 30 s); Atlassian recommends 5 s.
        public var retryBaseDelayMilliseconds: Setting<Int> = Setting(5000, origin: .builtInDefault)
        /// How many times one request is retried before its write is recorded as failed.
        public var maxRetries: Setting<Int> = Setting(4, origin: .builtInDefault)

        public init(
            proxy: Setting<String>? = nil, proxyUser: Setting<String>? = nil, proxyPassword: Secret? = nil,
            caBundle: Setting<String>? = nil, insecure: Setting<Bool> = Setting(false, origin: .builtInDefault)
        ) {
            self.proxy = proxy
            self.proxyUser = proxyUser
            self.proxyPassword = proxyPassword
            self.caBundle = caBundle
            self.insecure = insecure
        }
    }

    public static let defaultWorkspace = "ferry-workspace"
    public static let defaultConcurrency = 16

    public var configFile: String?
    public var source: Source
    public var target: Target
    public var network: Network
    /// The folder that holds the workspace database, reports and archives.
    public var workspace: Setting<String>
    /// How many writes are in flight at once toward the target.
    public var concurrency: Setting<Int>

    public init(
        configFile: String? = nil,
        source: Source = Source(), target: Target = Target(), network: Network = Network(),
        workspace: Setting<String> = Setting(FerryConfiguration.defaultWorkspace, origin: .builtInDefault),
        concurrency: Setting<Int> = Setting(FerryConfiguration.defaultConcurrency, origin: .builtInDefault)
    ) {
        self.configFile = configFile
        self.source = source
        self.target = target
        self.network = network
        self.workspace = workspace
        self.concurrency = concurrency
    }
}
