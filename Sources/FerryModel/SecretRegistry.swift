import Synchronization

/// Every secret value known to the process, so that text bound for a log line,
/// an error message or a report can be scrubbed even when a secret slipped into
/// it by accident (a URL with credentials, an echoed header).
///
/// Cost: ``redact(_:)`` scans the text once per registered secret; processes hold
/// a handful of secrets, so this stays linear in the text's length.
public final class SecretRegistry: Sendable {
    public static let shared = SecretRegistry()

    /// Shorter strings are not treated as secrets: scrubbing "a" or "12" would
    /// mangle every log line while protecting nothing.
    public static let minimumLength = 4

    private let values = Mutex<Set<String>>([])

    public init() {}

    public func register(_ value: String) {
        guard value.count >= Self.minimumLength else { return }
        values.withLock { _ = $0.insert(value) }
    }

    /// Returns `text` with every registered secret replaced by `<redacted>`.
    public func redact(_ text: String) -> String {
        let snapshot = values.withLock { $0 }
        guard !snapshot.isEmpty else { return text }
        var result = text
        // Longest first, so a secret that contains another is removed whole.
        for secret in snapshot.sorted(by: { $0.count > $1.count }) where result.contains(secret) {
            result = result.replacing(secret, with: "<redacted>")
        }
        return result
    }
}
