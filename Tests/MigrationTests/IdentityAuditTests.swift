import Foundation
import Migration
import Reports
import Testing

@Suite("identity audit")
struct IdentityAuditTests {
    let users = [
        SourceUser(key: "k1", username: "alice", displayName: "Alice", email: "alice@corp.com", ownedContent: 10),
        SourceUser(key: "k2", username: "alice2", email: "ALICE@corp.com"),
        SourceUser(key: "k3", username: "bob", email: "b.o.b+confluence@gmail.com"),
        SourceUser(key: "k4", username: "bob-old", email: "bob@googlemail.com"),
        SourceUser(key: "k5", username: "carol", email: nil),
        SourceUser(key: "k6", username: "dave", email: "dave@@corp"),
        SourceUser(key: "k7", username: "erin", email: "erin@example.com"),
        SourceUser(key: "k8", username: "frank", email: "frank@corp.com", active: false, ownedContent: 3),
        SourceUser(key: "k9", username: "grace", email: "grace@corp.com"),
        SourceUser(key: "k10", username: "heidi", email: "noreply@corp.com"),
    ]
    let groups = [
        SourceGroup(name: "confluence-users", memberKeys: ["k1", "k2", "k3", "k9"]),
        SourceGroup(name: "site-admins", memberKeys: ["k9", "k1"]),
        SourceGroup(name: "Engineering", memberKeys: ["k3"]),
    ]

    func categories(_ findings: [Finding]) -> [String: [Finding]] { Dictionary(grouping: findings, by: \.category) }

    @Test("missing, malformed and placeholder emails are each reported once, naming the user")
    func invalidEmails() {
        let found = categories(IdentityAudit(users: users, groups: groups).findings())["email.invalid"] ?? []
        #expect(Set(found.flatMap { $0.objects.map(\.id) }) == ["k5", "k6", "k7", "k10"])
    }

    @Test("duplicates are found case-insensitively and through Gmail's dots and +tags")
    func duplicates() {
        let found = categories(IdentityAudit(users: users, groups: groups).findings())["email.duplicate"] ?? []
        let sets = Set(found.map { Set($0.objects.map(\.id)) })
        #expect(sets == [["k1", "k2"], ["k3", "k4"]])
    }

    @Test("a Jira user whose email differs is flagged; one whose email matches is not")
    func jiraMismatch() {
        let jira = [
            JiraUser(username: "ALICE", email: "alice@corp.com"),
            JiraUser(username: "grace", email: "grace.hopper@corp.com"),
        ]
        let found =
            categories(IdentityAudit(users: users, groups: groups, jiraUsers: jira).findings())["email.jira-mismatch"]
            ?? []
        #expect(found.map { $0.objects.map(\.id) } == [["k9"]])
    }

    @Test("blocklisted admin groups list every member who loses admin")
    func blocklisted() {
        let found = categories(IdentityAudit(users: users, groups: groups).findings())["group.blocklisted"] ?? []
        #expect(found.count == 1)
        #expect(Set(found.first?.objects.filter { $0.kind == "user" }.map(\.id) ?? []) == ["k1", "k9"])
    }

    @Test("a source group whose name exists in Cloud is an escalation risk; granting groups are critical")
    func cloudCollision() {
        let cloud = [CloudGroup(name: "engineering", id: "g-1", grants: ["Confluence admin"])]
        let found =
            categories(IdentityAudit(users: users, groups: groups, cloudGroups: cloud).findings())[
                "group.cloud-collision"] ?? []
        #expect(found.count == 1)
        #expect(found.first?.severity == .critical)
        #expect(found.first?.title.contains("Confluence admin") == true)
    }

    @Test("deactivated users who own content are reported")
    func deactivatedOwner() {
        let found = categories(IdentityAudit(users: users, groups: groups).findings())["user.deactivated-owner"] ?? []
        #expect(found.map { $0.objects.map(\.id) } == [["k8"]])
    }

    @Test("a clean directory raises no finding")
    func noFalseAlarm() {
        let clean = [
            SourceUser(key: "a", username: "a", email: "a@corp.com"),
            SourceUser(key: "b", username: "b", email: "b.b@corp.com"),
            SourceUser(key: "c", username: "c", email: "bb@corp.com"),
        ]
        #expect(
            IdentityAudit(users: clean, groups: [SourceGroup(name: "confluence-users", memberKeys: ["a", "b"])])
                .findings().isEmpty)
    }

    @Test("the cascade names every group and user a space selection pulls in")
    func cascade() {
        let result = IdentityAudit.cascade(
            spacePermissions: [("~alice", "confluence-users", nil), ("DOCS", "Engineering", nil), ("DOCS", nil, "k8")],
            groups: groups, spaces: ["~alice"])
        #expect(result.groups == ["confluence-users"])
        #expect(result.userKeys == ["k1", "k2", "k3", "k9"])
    }

    @Test("email syntax and mailbox keys")
    func emailRules() {
        #expect(EmailAddress.problem(with: "first.last@sub.corp.co.uk") == nil)
        #expect(EmailAddress.problem(with: " ") == .missing)
        #expect(EmailAddress.problem(with: "a@b") == .placeholder)
        #expect(EmailAddress.problem(with: "a..b@corp.com") == .syntax)
        #expect(EmailAddress.problem(with: "user@host.invalid") == .placeholder)
        #expect(EmailAddress.mailboxKey("J.Doe+x@GoogleMail.com") == "jdoe@gmail.com")
        #expect(EmailAddress.mailboxKey("j.doe+x@corp.com") == "j.doe+x@corp.com")
    }
}

@Suite("Jira users file")
struct JiraUserFileTests {
    func write(_ text: String, _ ext: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("jira-\(UUID().uuidString).\(ext)")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    @Test("reads Jira's user export CSV with quoted fields and a BOM")
    func csv() throws {
        let url = try write(
            "\u{FEFF}User id,User name,email,User status\r\n1,alice,\"alice@corp.com\",Active\r\n2,bob,bob@corp.com,Inactive\r\n",
            "csv")
        defer { try? FileManager.default.removeItem(at: url) }
        let users = try JiraUserFile.read(url)
        #expect(
            users == [
                JiraUser(username: "alice", email: "alice@corp.com"),
                JiraUser(username: "bob", email: "bob@corp.com", active: false),
            ])
    }

    @Test("reads the JSON of /rest/api/2/user/search")
    func json() throws {
        let url = try write(
            #"[{"name":"alice","key":"JIRAUSER1","emailAddress":"alice@corp.com","displayName":"Alice","active":true}]"#,
            "json")
        defer { try? FileManager.default.removeItem(at: url) }
        #expect(
            try JiraUserFile.read(url) == [JiraUser(username: "alice", email: "alice@corp.com", displayName: "Alice")])
    }

    @Test("a CSV without an email column is refused, listing the columns it has")
    func missingColumn() throws {
        let url = try write("User name,Full name\nalice,Alice\n", "csv")
        defer { try? FileManager.default.removeItem(at: url) }
        #expect(
            throws: JiraUserFileError.missingColumn(path: url.path, column: "email", found: ["User name", "Full name"])
        ) {
            try JiraUserFile.read(url)
        }
    }
}
