public import ConfluenceCloud
import FerryModel
import Foundation
public import Reports

/// The checks against the Cloud site: the credentials work, the account may create and
/// administer spaces, and no source space key is taken there (compared case-insensitively,
/// and after deriving the Cloud key for keys Cloud does not accept as they are).
public struct TargetAssessment: Sendable {
    public let client: ConfluenceCloudClient

    public init(client: ConfluenceCloudClient) {
        self.client = client
    }

    public struct Outcome: Sendable {
        public var findings: [Finding] = []
        public var account: CloudCurrentUser?
    }

    public func run(sourceSpaces: [(key: String, name: String?)]) async -> Outcome {
        var outcome = Outcome()
        let site = client.site
        let siteObject = ObjectReference(kind: "site", id: site)
        do {
            let account = try await client.currentUserOperations()
            outcome.account = account
            outcome.findings += Self.permissionFindings(account, site: site)
        } catch {
            let status: Int? =
                if case CloudError.rejected(_, let status, _) = error { status } else { nil }
            outcome.findings.append(
                Finding(
                    id: "target.credentials", category: "target.credentials", severity: .critical,
                    title: status == 401 || status == 403
                        ? "The target site refused the credentials (\(status ?? 0))"
                        : "The target site's current user could not be read",
                    detail: Self.describe(error), objects: [siteObject],
                    fix:
                        "Set FERRY_TARGET_EMAIL and FERRY_TARGET_TOKEN to the email and an API token (id.atlassian.com → Security → API tokens) of a site admin, then run assess again."
                ))
            return outcome
        }
        do {
            outcome.findings += try await keyConflicts(sourceSpaces)
        } catch {
            outcome.findings.append(
                Finding(
                    id: "target.unreadable", category: "target.unreadable", severity: .error,
                    title: "The target site's spaces could not be listed", detail: Self.describe(error),
                    objects: [siteObject], fix: "Check the account can browse spaces, then run assess again."))
        }
        return outcome
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? any FerryError {
            return error.summary + (error.remedy.map { " (\($0))" } ?? "")
        }
        return String(describing: error)
    }

    /// Findings for an account that lacks what migration needs: creating spaces (or, when
    /// the spaces exist, administering them) and site administration for permissions.
    public static func permissionFindings(_ account: CloudCurrentUser, site: String) -> [Finding] {
        guard let operations = account.operations else {
            return [
                Finding(
                    id: "target.permission:unknown", category: "target.permission", severity: .warning,
                    title: "The target did not say what the account may do",
                    objects: [ObjectReference(kind: "user", id: account.accountId, name: account.displayName)],
                    fix: "Make sure the account is a site admin with Confluence admin access before migrating.")
            ]
        }
        let names = Set(operations.map { "\($0.operation):\($0.targetType)" })
        var missing: [(String, String)] = []
        if !names.contains("create_space:application") && !names.contains("create:space") {
            missing.append(("create space", "create spaces"))
        }
        if !names.contains("administer:application") {
            missing.append(("administer", "administer Confluence (space permissions, restrictions, users)"))
        }
        return missing.map { name, what in
            Finding(
                id: "target.permission:\(name)", category: "target.permission", severity: .critical,
                title: "The account \(account.displayName ?? account.accountId) may not \(what) on \(site)",
                objects: [ObjectReference(kind: "user", id: account.accountId, name: account.displayName)],
                fix:
                    "Use a site admin's API token, or grant this account the Confluence 'Create space' and 'Confluence Administrator' global permissions."
            )
        }
    }

    func keyConflicts(_ sourceSpaces: [(key: String, name: String?)]) async throws -> [Finding] {
        guard !sourceSpaces.isEmpty else { return [] }
        var candidates: [String: [String]] = [:]
        for space in sourceSpaces {
            for key in Set([
                space.key, space.key.uppercased(), space.key.lowercased(), CloudSpaceKey.derive(from: space.key),
            ]) {
                candidates[key, default: []].append(space.key)
            }
        }
        var existing: [CloudSpace] = []
        let keys = candidates.keys.sorted()
        for start in stride(from: 0, to: keys.count, by: 100) {
            existing += try await client.spaces(keys: Array(keys[start..<min(start + 100, keys.count)]))
        }
        var findings: [Finding] = []
        for space in sourceSpaces {
            let derived = CloudSpaceKey.derive(from: space.key)
            let clashes = existing.filter {
                $0.key.caseInsensitiveCompare(space.key) == .orderedSame
                    || $0.key.caseInsensitiveCompare(derived) == .orderedSame
            }
            guard let clash = clashes.first else { continue }
            findings.append(
                Finding(
                    id: "space.key-conflict:\(space.key)", category: "space.key-conflict", severity: .error,
                    title:
                        "Space key \(space.key) is already taken in Cloud by '\(clash.name)' (\(clash.key))",
                    detail:
                        "Cloud space keys are unique regardless of case; migrating would write into, or fail against, the existing space.",
                    objects: [
                        ObjectReference(kind: "space", id: space.key, name: space.name),
                        ObjectReference(kind: "cloud-space", id: clash.key, name: clash.name),
                    ],
                    fix:
                        "Rename the space in the source, delete or rename the Cloud space if it is a leftover test, or migrate into it on purpose with `ferry migrate --into-existing`."
                ))
        }
        return findings
    }
}
