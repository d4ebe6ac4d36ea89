public import FerryModel

/// What can go wrong reading a Data Center site.
public enum DataCenterError: FerryError {
    case unauthorized(site: String, status: Int, user: String?)
    case http(method: String, url: String, status: Int, message: String)
    case malformed(site: String, what: String, reason: String)
    case invalidSite(String, reason: String)
    case missingCredentials(site: String)
    case backupFailed(site: String, job: Int64, reason: String)
    case backupConflict(site: String)

    public var summary: String {
        switch self {
        case .unauthorized(let site, let status, let user):
            "\(site) refused the credentials (HTTP \(status))" + (user.map { " for user '\($0)'" } ?? " (token)")
        case .http(let method, let url, let status, let message):
            "\(method) \(url) answered HTTP \(status): \(message)"
        case .malformed(let site, let what, let reason):
            "\(site) returned \(what) in a form Ferry cannot read: \(reason)"
        case .invalidSite(let site, let reason): "'\(site)' cannot be used as a Data Center source: \(reason)"
        case .missingCredentials(let site): "no credentials for the Data Center site \(site)"
        case .backupFailed(let site, let job, let reason): "the site backup job \(job) on \(site) failed: \(reason)"
        case .backupConflict(let site):
            "\(site) refused a new site backup (HTTP 409) and shows no site backup job in progress"
        }
    }

    public var remedy: String? {
        switch self {
        case .unauthorized:
            "check FERRY_SOURCE_TOKEN (a personal access token) or FERRY_SOURCE_USER and FERRY_SOURCE_PASSWORD; the account needs to be a Confluence administrator"
        case .http: "check that the site is up and the account may read the space; run again to resume"
        case .malformed: "check that the URL points at Confluence Data Center (with its context path, e.g. /confluence)"
        case .invalidSite:
            "give an https:// URL; plain http:// is only accepted for 127.0.0.1/localhost or with --allow-insecure-http"
        case .backupFailed:
            "see the job in Confluence administration (Backup and restore); fix its cause, or make a site XML backup there and pass it with --site-backup FILE"
        case .backupConflict:
            "the account needs to be a system administrator to create site backups; or make the backup in Confluence administration and pass it with --site-backup FILE"
        case .missingCredentials:
            "set FERRY_SOURCE_TOKEN (a personal access token), or FERRY_SOURCE_USER and FERRY_SOURCE_PASSWORD, or token_file under [source] in ferry.toml"
        }
    }
}
