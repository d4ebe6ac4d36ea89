/// What `ferry migrate` should do.
public struct MigrationOptions: Sendable {
    public enum History: String, Sendable, CaseIterable {
        /// Only the current version of each page and attachment.
        case latest
        /// Every historical version, replayed as Cloud versions oldest first.
        case all
    }

    /// Space keys to migrate (compared case-insensitively); `nil` means every space.
    public var spaces: Set<String>?
    /// Writes in flight at once.
    public var concurrency: Int
    public var history: History
    /// Write into a target space whose key already exists (never the default).
    public var intoExisting: Bool
    /// Return failed writes to planned before running (`--only-failed`).
    public var onlyFailed: Bool
    /// Source site base URLs, so absolute links to the old site are rewritten.
    public var sourceBaseURLs: [String]
    /// Only the space, page and blog-post skeletons and attachments (`--attachments-only`):
    /// a later full run completes the pages without uploading anything again.
    public var attachmentsOnly: Bool
    /// The applied identity mapping (`ferry users`, then `--users`): mentions, restrictions,
    /// space permissions and authorship resolve through it. `nil`: no mapping, so user
    /// mentions stay text and user restrictions fall back to the migrating account.
    public var identities: ResolvedIdentities?

    public init(
        spaces: Set<String>? = nil, concurrency: Int = 16, history: History = .latest, intoExisting: Bool = false,
        onlyFailed: Bool = false, sourceBaseURLs: [String] = [], attachmentsOnly: Bool = false,
        identities: ResolvedIdentities? = nil
    ) {
        self.identities = identities
        self.attachmentsOnly = attachmentsOnly
        self.spaces = spaces
        self.concurrency = concurrency
        self.history = history
        self.intoExisting = intoExisting
        self.onlyFailed = onlyFailed
        self.sourceBaseURLs = sourceBaseURLs
    }

    func includes(_ key: String) -> Bool {
        guard let spaces else { return true }
        return spaces.contains { $0.caseInsensitiveCompare(key) == .orderedSame }
    }
}

/// Cloud space keys allow letters and digits only: personal spaces (`~alice`) and keys
/// with other characters get a derived key, which the report lists.
public enum CloudSpaceKey {
    public static func derive(from sourceKey: String) -> String {
        var key = sourceKey.unicodeScalars.filter {
            $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))
        }
        .map(String.init).joined()
        if sourceKey.hasPrefix("~") { key = "U" + key }
        if key.isEmpty { key = "SPACE" }
        return String(key.prefix(255))
    }
}
