/// An error Ferry shows to a person: what failed, which object it concerns, and
/// what to do about it.
///
/// Every module's error enum conforms, so the CLI can print any failure the same
/// way (and exit with a stable code) without knowing where it came from.
public protocol FerryError: Error, CustomStringConvertible, Sendable {
    /// One sentence naming the object (file, line, space key, page id) and what went wrong.
    var summary: String { get }
    /// What the operator should do next; `nil` when there is nothing to add.
    var remedy: String? { get }
}

extension FerryError {
    public var description: String {
        guard let remedy else { return summary }
        return "\(summary)\n  fix: \(remedy)"
    }
}
