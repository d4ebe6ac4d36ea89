public import FerryModel

/// A failure talking to a remote site. Every text it carries has been passed
/// through ``SecretRegistry`` so that a token or an `Authorization` value never
/// reaches a log or a report.
public enum TransportError: FerryError, Equatable {
    /// The URL could not be parsed or uses a scheme other than http/https.
    case invalidURL(String)
    /// The proxy setting could not be used.
    case invalidProxy(String, reason: String)
    /// The CA bundle could not be read as PEM certificates.
    case invalidCABundle(path: String, reason: String)
    /// The server answered with a status Ferry does not treat as success.
    case httpStatus(method: String, url: String, status: Int, body: String)
    /// The connection failed or was cut before a complete response arrived.
    case connection(method: String, url: String, reason: String, attempts: Int)
    /// A non-idempotent request was cut off after it may have reached the server: whether it
    /// took effect is unknown until the caller checks (reconciles).
    case interrupted(method: String, url: String, reason: String, attempts: Int)
    /// The server kept answering 429/503 (or failing) after every allowed retry.
    case retriesExhausted(method: String, url: String, lastStatus: Int?, attempts: Int)
    /// The response body was larger than Ferry accepts for this call.
    case responseTooLarge(method: String, url: String, limit: Int)
    /// A local file to upload could not be read.
    case unreadableFile(path: String, reason: String)

    public var summary: String {
        let text: String =
            switch self {
            case .invalidURL(let url): "The URL \(url) is not a valid http or https address."
            case .invalidProxy(let proxy, let reason): "The proxy \(proxy) cannot be used: \(reason)."
            case .invalidCABundle(let path, let reason):
                "The CA bundle \(path) could not be loaded as PEM certificates: \(reason)."
            case .httpStatus(let method, let url, let status, let body):
                "\(method) \(url) answered HTTP \(status)\(body.isEmpty ? "" : ": \(body)")."
            case .connection(let method, let url, let reason, let attempts):
                "\(method) \(url) failed after \(attempts) attempt(s): \(reason)."
            case .interrupted(let method, let url, let reason, _):
                "\(method) \(url) was interrupted after it may have reached the server: \(reason)."
            case .retriesExhausted(let method, let url, let lastStatus, let attempts):
                "\(method) \(url) still failed after \(attempts) attempts"
                    + (lastStatus.map { " (last status HTTP \($0))" } ?? "") + "."
            case .responseTooLarge(let method, let url, let limit):
                "\(method) \(url) returned more than \(limit) bytes."
            case .unreadableFile(let path, let reason): "The file \(path) could not be read: \(reason)."
            }
        return SecretRegistry.shared.redact(text)
    }

    public var remedy: String? {
        switch self {
        case .invalidURL: "Give the site's base URL, for example https://example.atlassian.net."
        case .invalidProxy:
            "Give the proxy as http://host:port and its credentials separately (proxy_user, proxy_password)."
        case .invalidCABundle: "Point ca_bundle at a PEM file holding one or more -----BEGIN CERTIFICATE----- blocks."
        case .httpStatus(_, _, let status, _):
            switch status {
            case 401: "Check the target email and API token."
            case 403: "Check that the account has permission for this object (space admin for spaces and permissions)."
            case 404: "Check that the object exists and that the account can see it."
            case 413: "The body is over the site's size limit; split the content or shrink the attachment."
            default: nil
            }
        case .connection:
            "Check the network path to the site (proxy, firewall, DNS); Ferry already retried what was safe to retry."
        case .interrupted: "Run again: Ferry checks whether the write took effect before repeating it."
        case .retriesExhausted:
            "The site is overloaded or limiting this account; run again later or lower --concurrency."
        case .responseTooLarge: nil
        case .unreadableFile: "Check that the file exists and is readable by the user running Ferry."
        }
    }

    /// The HTTP status, when the server answered.
    public var status: Int? {
        switch self {
        case .httpStatus(_, _, let status, _): status
        case .retriesExhausted(_, _, let status, _): status
        default: nil
        }
    }
}
