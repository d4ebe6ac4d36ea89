public import FerryModel

/// A Cloud API failure, named by the object it concerns.
public enum CloudError: FerryError, Equatable {
    /// The server refused the request (4xx other than the cases below).
    case rejected(operation: String, status: Int, message: String)
    /// A page/blog post update carried a version that is not current + 1.
    case versionConflict(id: String, currentVersion: Int?, message: String)
    case notFound(operation: String, message: String)
    /// A response body could not be read as the documented JSON.
    case malformedResponse(operation: String, detail: String)
    /// A write whose outcome stayed unknown after every reconcile-and-retry round.
    case unresolved(operation: String, detail: String)

    public var summary: String {
        let text: String =
            switch self {
            case .rejected(let operation, let status, let message):
                "\(operation) was refused with HTTP \(status): \(message)"
            case .versionConflict(let id, let current, let message):
                "Content \(id) changed meanwhile (current version \(current.map(String.init) ?? "unknown")): \(message)"
            case .notFound(let operation, let message): "\(operation) found nothing: \(message)"
            case .malformedResponse(let operation, let detail):
                "\(operation) returned a response Ferry cannot read: \(detail)"
            case .unresolved(let operation, let detail): "\(operation) could not be confirmed: \(detail)"
            }
        return SecretRegistry.shared.redact(text)
    }

    public var remedy: String? {
        switch self {
        case .rejected(_, let status, _) where status == 401: "Check the target email and API token."
        case .rejected(_, let status, _) where status == 403: "Give the account the permission named in the message."
        case .rejected(_, let status, _) where status == 413: "The body is over Cloud's 5 MB limit; split the page."
        case .rejected: "Read the message; fix the object in the source or the mapping, then run again."
        case .versionConflict: "Someone else edited the page in Cloud; re-read it and decide which edit wins."
        case .notFound: "Check that the object exists in Cloud and that the account can see it."
        case .malformedResponse: "Check that the URL points at a Confluence Cloud site (…/wiki)."
        case .unresolved: "Run again: Ferry checks whether the write took effect before repeating it."
        }
    }
}
