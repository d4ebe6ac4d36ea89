public import Foundation
public import Reports
public import Transport

/// The endpoints a Cloud migration talks to from the machine that runs it, and the
/// findings for the ones it cannot reach.
public enum NetworkAssessment {
    /// Atlassian's hosts a migration needs besides the site itself: the identity and API
    /// gateways, and the media service that stores uploaded attachments.
    public static let atlassianEndpoints = [
        "https://api.atlassian.com", "https://id.atlassian.com", "https://auth.atlassian.com",
        "https://api.media.atlassian.com", "https://media.atlassian.com", "https://admin.atlassian.com",
    ]

    /// The endpoints for `target` (a site URL, or nil): `endpoints` when given (tests and
    /// locked-down networks name their own), else Atlassian's list; the target site is
    /// always added, once.
    public static func endpoints(target: String?, override: [String]?) -> [URL] {
        var list = override ?? atlassianEndpoints
        if let target, target.hasPrefix("http"), !list.contains(target) { list.append(target) }
        return list.compactMap(URL.init(string:))
    }

    /// One finding per unreachable endpoint, with what to do for its cause.
    public static func findings(_ results: [ConnectivityProbe.Result]) -> [Finding] {
        results.compactMap { result in
            let endpoint = result.endpoint
            let via = result.proxy.map { " through the proxy \($0)" } ?? ""
            let object = [ObjectReference(kind: "endpoint", id: endpoint, name: result.proxy.map { "via \($0)" })]
            func finding(
                _ category: String, _ severity: Severity, _ title: String, _ detail: String, _ fix: String
            )
                -> Finding
            {
                Finding(
                    id: "\(category):\(endpoint)", category: category, severity: severity, title: title,
                    detail: detail, objects: object, fix: fix)
            }
            switch result.outcome {
            case .reachable:
                return nil
            case .nameNotResolved(let reason):
                return finding(
                    "network.unreachable", .error, "\(endpoint) cannot be reached: its name does not resolve\(via)",
                    reason,
                    "Check DNS on this machine (or the proxy's), and that the firewall allows Atlassian's domains (*.atlassian.com, *.atlassian.net, *.atl-paas.net)."
                )
            case .refused(let reason):
                return finding(
                    "network.unreachable", .error, "\(endpoint) refused the connection\(via)", reason,
                    "Nothing accepts connections there: check the URL and port, and that no firewall rejects the traffic."
                )
            case .unreachable(let reason):
                return finding(
                    "network.unreachable", .error, "\(endpoint) cannot be reached\(via)", reason,
                    "Check the route and firewall from this machine to the endpoint; set [network] proxy in ferry.toml if outbound traffic must use a proxy."
                )
            case .timeout(let stage):
                return finding(
                    "network.timeout", .error, "\(endpoint) did not answer within the timeout (\(stage))\(via)",
                    "A firewall that silently drops packets, or a server that accepts connections but never answers, looks like this.",
                    "Allow outbound HTTPS to this host in the firewall, or configure the proxy this network requires.")
            case .untrusted(let subject, let issuer, let selfSigned):
                return finding(
                    "tls.untrusted", .critical,
                    "\(endpoint) presents a certificate this machine does not trust\(selfSigned ? " (self-signed)" : "")",
                    "Certificate for \(subject), issued by \(issuer). Either the CA bundle here is outdated or a TLS-inspecting proxy re-signs traffic with its own authority.",
                    "Update the system CA certificates (apt-get install --reinstall ca-certificates), or add the proxy's root certificate with [network] ca_bundle in ferry.toml. Never switch verification off."
                )
            case .expired(let subject, let notAfter):
                return finding(
                    "tls.expired", .critical,
                    "\(endpoint) presents a certificate that expired on \(notAfter.formatted(.iso8601))",
                    "Certificate for \(subject). If this is Atlassian's host, something between this machine and Atlassian (a proxy or appliance) serves a stale certificate, or this machine's clock is wrong.",
                    "Check the clock (timedatectl), then the proxy or appliance that terminates TLS; renew its certificate."
                )
            case .notYetValid(let subject, let notBefore):
                return finding(
                    "tls.expired", .critical,
                    "\(endpoint) presents a certificate that is not valid before \(notBefore.formatted(.iso8601))",
                    "Certificate for \(subject). This machine's clock is most likely behind.",
                    "Set the clock right (enable NTP), then run assess again.")
            case .hostnameMismatch(let host, let names):
                return finding(
                    "tls.hostname-mismatch", .critical,
                    "\(endpoint) presents a trusted certificate that does not name \(host)",
                    "The certificate names \(names.isEmpty ? "no host" : names.joined(separator: ", ")). A proxy or load balancer that ignores SNI, or a wrong DNS entry, serves another site's certificate.",
                    "Make the proxy pass SNI through (or stop intercepting Atlassian's domains), and check DNS for \(host)."
                )
            case .handshakeFailed(let reason):
                return finding(
                    "tls.handshake-failed", .error, "The TLS handshake with \(endpoint) failed\(via)", reason,
                    "Cloud requires TLS 1.2 or later: check that no appliance downgrades or blocks the handshake.")
            case .proxyUnreachable(let proxy, let reason):
                return finding(
                    "proxy.unreachable", .error, "The proxy \(proxy) cannot be reached (for \(endpoint))", reason,
                    "Check [network] proxy in ferry.toml (host and port) and that the proxy runs.")
            case .proxyRefused(let proxy, let status, let reason):
                return finding(
                    "proxy.refused", .error,
                    "The proxy \(proxy) refused to tunnel to \(endpoint) (\(status) \(reason))",
                    "The proxy's rules do not allow CONNECT to this host and port.",
                    "Ask the proxy's administrators to allow HTTPS (CONNECT) to Atlassian's domains and the Cloud site."
                )
            case .proxyAuthenticationRequired(let proxy):
                return finding(
                    "proxy.auth-required", .error, "The proxy \(proxy) asks for credentials (407) for \(endpoint)",
                    "No or wrong proxy credentials were sent.",
                    "Set proxy_user in ferry.toml and the password through FERRY_PROXY_PASSWORD or proxy_password_file."
                )
            }
        }
    }

    /// A short word for a result, for the connectivity table.
    public static func status(_ outcome: ConnectivityProbe.Outcome) -> String {
        switch outcome {
        case .reachable(let tls): tls ? "ok (TLS verified)" : "ok"
        case .nameNotResolved: "name not resolved"
        case .refused: "refused"
        case .unreachable: "unreachable"
        case .timeout(let stage): "timeout (\(stage))"
        case .untrusted(_, _, let selfSigned): selfSigned ? "untrusted (self-signed)" : "untrusted"
        case .expired: "certificate expired"
        case .notYetValid: "certificate not yet valid"
        case .hostnameMismatch: "hostname mismatch"
        case .handshakeFailed: "TLS handshake failed"
        case .proxyUnreachable: "proxy unreachable"
        case .proxyRefused(_, let status, _): "proxy refused (\(status))"
        case .proxyAuthenticationRequired: "proxy needs credentials"
        }
    }
}
