import Foundation

/// Email checks as Atlassian's identity platform applies them: Cloud keys every
/// account by email, so a missing, malformed or placeholder address means the user
/// cannot be migrated as themselves.
public enum EmailProblem: String, Sendable, Codable, Equatable {
    case missing
    case syntax
    case placeholder
}

public enum EmailAddress {
    /// Domains that never deliver mail: RFC 2606/6761 reserved names and the
    /// conventional fillers admins put in when a directory had no address.
    static let placeholderDomains: Set<String> = [
        "example.com", "example.org", "example.net", "example.edu", "localhost", "localdomain",
        "test.com", "domain.com", "email.com", "company.com", "mail.com.invalid", "noemail.com", "nomail.com",
        "none.com", "null.com", "invalid.com", "changeme.com", "no-reply.com", "noreply.com",
    ]
    static let placeholderSuffixes = [".invalid", ".test", ".example", ".localhost", ".local", ".localdomain"]
    /// Local parts that name no person, whatever the domain.
    static let placeholderLocalParts: Set<String> = [
        "noreply", "no-reply", "donotreply", "do-not-reply", "nobody", "none", "null", "noemail", "nomail",
        "changeme",
    ]

    /// Providers that ignore dots in the local part (Gmail).
    static let dotInsensitiveDomains: Set<String> = ["gmail.com", "googlemail.com"]
    /// Providers that deliver `name+tag@` to `name@`.
    static let plusTagDomains: Set<String> = [
        "gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "live.com", "msn.com", "icloud.com",
        "me.com", "mac.com", "fastmail.com", "fastmail.fm", "protonmail.com", "proton.me", "yahoo.com",
    ]

    /// Why `email` cannot serve as a Cloud identity, or `nil` when it can.
    public static func problem(with email: String?) -> EmailProblem? {
        guard let raw = email?.trimmingCharacters(in: .whitespacesAndNewlines), !raw.isEmpty else { return .missing }
        guard isSyntacticallyValid(raw) else { return .syntax }
        let lowered = raw.lowercased()
        guard let at = lowered.lastIndex(of: "@") else { return .syntax }
        let local = String(lowered[..<at])
        let domain = String(lowered[lowered.index(after: at)...])
        if placeholderDomains.contains(domain) || placeholderSuffixes.contains(where: { domain.hasSuffix($0) })
            || !domain.contains(".")
        {
            return .placeholder
        }
        let baseLocal = local.split(separator: "+").first.map(String.init) ?? local
        if placeholderLocalParts.contains(baseLocal) { return .placeholder }
        return nil
    }

    /// A practical subset of RFC 5322's addr-spec: one `@`, a dot-atom local part of at
    /// most 64 characters, and a domain of letters, digits and hyphens in dot-separated labels.
    public static func isSyntacticallyValid(_ email: String) -> Bool {
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2 else { return false }
        let local = parts[0]
        let domain = parts[1]
        guard !local.isEmpty, local.utf8.count <= 64, !domain.isEmpty, domain.utf8.count <= 253 else { return false }
        guard !local.hasPrefix("."), !local.hasSuffix("."), !local.contains("..") else { return false }
        let localAllowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+/=?^_`{|}~.-")
        guard local.allSatisfy({ localAllowed.contains($0) }) else { return false }
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 1 else { return false }
        for label in labels {
            guard !label.isEmpty, label.count <= 63, !label.hasPrefix("-"), !label.hasSuffix("-") else { return false }
            guard label.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }) else { return false }
        }
        return true
    }

    /// The mailbox an address delivers to: lower-cased, with plus-tags removed and dots
    /// ignored for providers that do so. Two addresses with the same key reach one person.
    public static func mailboxKey(_ email: String) -> String {
        let lowered = email.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        guard let at = lowered.lastIndex(of: "@") else { return lowered }
        var local = String(lowered[..<at])
        var domain = String(lowered[lowered.index(after: at)...])
        if domain == "googlemail.com" { domain = "gmail.com" }
        if plusTagDomains.contains(domain), let plus = local.firstIndex(of: "+") {
            local = String(local[..<plus])
        }
        if dotInsensitiveDomains.contains(domain) { local = local.replacing(".", with: "") }
        return local + "@" + domain
    }
}
