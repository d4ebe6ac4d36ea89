/// A credential (API token, password) that must never reach a log, a report,
/// the ledger or a process argument.
///
/// `description`, `debugDescription` and `Encodable` all print `<redacted>`; only
/// ``exposedValue`` returns the text, and it is meant to be read once, at the
/// moment a request header is built. Construction registers the value with
/// ``SecretRegistry/shared`` so that log handlers and error renderers can scrub it
/// from any text that mentions it by accident.
public struct Secret: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible, Encodable {
    /// Where the secret came from, for `ferry config show` ("FERRY_TARGET_TOKEN",
    /// "token_file /etc/ferry/target-token"). Never the value itself.
    public let origin: String
    private let value: String

    public init(_ value: String, origin: String) {
        self.value = value
        self.origin = origin
        SecretRegistry.shared.register(value)
    }

    /// The secret text. Call it only where the value is handed to the wire.
    public var exposedValue: String { value }

    public var description: String { "<redacted>" }
    public var debugDescription: String { "Secret(<redacted>, origin: \(origin))" }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode("<redacted>")
    }
}
