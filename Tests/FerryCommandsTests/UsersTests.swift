import Foundation
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `ferry users` and the identity mapping applied by `ferry migrate`, through the
/// built binary and a twin process.
@Suite("ferry users", .serialized)
struct UsersTests {
    func sample(_ directory: URL, profile: String, pages: Int = 30) throws -> URL {
        let out = directory.appendingPathComponent("site-\(profile)")
        let result = try FerryProcess.run([
            "sample", "--out", out.path, "--spaces", "2", "--pages", String(pages), "--attachments", "4",
            "--profile", profile, "--seed", "11",
        ])
        #expect(result.status == 0, "sample failed: \(result.stderr)")
        return out
    }

    func json(_ text: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] ?? [:]
    }

    func findings(_ view: [String: Any]) -> [[String: Any]] { view["findings"] as? [[String: Any]] ?? [] }

    func objectIds(_ finding: [String: Any]) -> Set<String> {
        Set((finding["objects"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String })
    }

    @Test(
        "every identity problem the adversarial sample plants is found, nothing else; the realistic sample raises none")
    func findingsMatchManifest() throws {
        let directory = try makeTemporaryDirectory("ferry-users")
        defer { try? FileManager.default.removeItem(at: directory) }
        let export = try sample(directory, profile: "adversarial", pages: 90)
        let manifestData = try Data(contentsOf: export.appendingPathComponent("manifest.json"))
        let manifest = try JSONSerialization.jsonObject(with: manifestData) as? [String: Any] ?? [:]
        let planted = (manifest["problems"] as? [[String: Any]] ?? []).filter { $0["expect"] as? String == "finding" }
        let kinds = Set(planted.compactMap { $0["kind"] as? String })
        #expect(
            kinds == ["email.invalid", "email.duplicate", "user.deactivated-owner", "group.blocklisted"],
            "the generator plants every identity problem kind")

        let result = try FerryProcess.run([
            "users", "--from", export.path, "--workspace", directory.appendingPathComponent("ws").path, "--out",
            directory.appendingPathComponent("mapping.csv").path, "--json",
        ])
        #expect(result.status == 0, "users failed: \(result.stderr)")
        let found = findings(try json(result.stdout))
        // No misses: each planted problem has a finding of its category naming the object.
        for problem in planted {
            let kind = problem["kind"] as? String ?? ""
            let id = problem["id"] as? String ?? ""
            #expect(
                found.contains { $0["category"] as? String == kind && objectIds($0).contains(id) },
                "missed \(kind) \(id)")
        }
        // No false alarms: every finding concerns a planted object.
        let plantedIds = Set(planted.compactMap { $0["id"] as? String })
        for finding in found {
            #expect(!objectIds(finding).isDisjoint(with: plantedIds), "unexpected finding \(finding["id"] ?? "")")
        }
        // The mapping proposes skip for unusable emails and never creates a blocklisted group.
        let csv = try String(contentsOf: directory.appendingPathComponent("mapping.csv"), encoding: .utf8)
        #expect(csv.hasPrefix("kind,source_key,username,display_name,email,action,cloud_account_id,merge_into"))
        let blocklistedRows = csv.components(separatedBy: "\r\n").filter { $0.hasPrefix("group,site-admins,") }
        #expect(
            blocklistedRows.count == 1 && blocklistedRows.allSatisfy { $0.contains(",skip,") }, "\(blocklistedRows)")

        let realistic = try sample(directory, profile: "realistic")
        let clean = try FerryProcess.run([
            "users", "--from", realistic.path, "--workspace", directory.appendingPathComponent("ws2").path, "--out",
            directory.appendingPathComponent("mapping2.csv").path, "--json",
        ])
        #expect(clean.status == 0, "users failed: \(clean.stderr)")
        #expect(findings(try json(clean.stdout)).isEmpty, "realistic findings: \(clean.stdout.prefix(800))")

        // Jira's user export: one person with another address there, one with the same.
        let jira = directory.appendingPathComponent("jira-users.csv")
        try
            "User name,Full name,email,User status\nuser1,U One,u.one@elsewhere.org,Active\nuser2,U Two,user2@sample-corp.net,Active\n"
            .write(to: jira, atomically: true, encoding: .utf8)
        let drift = try FerryProcess.run([
            "users", "--from", realistic.path, "--workspace", directory.appendingPathComponent("ws2").path, "--out",
            directory.appendingPathComponent("mapping2.csv").path, "--jira-users", jira.path, "--json",
        ])
        #expect(drift.status == 0, "\(drift.stderr)")
        let mismatches = findings(try json(drift.stdout))
        #expect(mismatches.map { $0["category"] as? String ?? "" } == ["email.jira-mismatch"], "\(mismatches)")
        #expect((mismatches.first?["title"] as? String ?? "").contains("u.one@elsewhere.org"))

        // The cascade of one space names the groups its permissions and restrictions pull in.
        let cascade = try FerryProcess.run([
            "users", "--from", realistic.path, "--workspace", directory.appendingPathComponent("ws2").path, "--out",
            directory.appendingPathComponent("mapping2.csv").path, "--spaces", "SP1", "--json",
        ])
        #expect(cascade.status == 0, "\(cascade.stderr)")
        let view = try json(cascade.stdout)["cascade"] as? [String: Any] ?? [:]
        let groups = view["groups"] as? [String] ?? []
        #expect(groups.contains("confluence-users") && groups.contains("engineering"), "cascade: \(view)")
        #expect(!(view["users"] as? [String] ?? []).isEmpty)
    }

    @Test("the strategy is locked per workspace unless --change-strategy is given")
    func strategyLock() throws {
        let directory = try makeTemporaryDirectory("ferry-users-lock")
        defer { try? FileManager.default.removeItem(at: directory) }
        let export = try sample(directory, profile: "realistic", pages: 10)
        let base = [
            "users", "--from", export.path, "--workspace", directory.appendingPathComponent("ws").path, "--out",
            directory.appendingPathComponent("mapping.csv").path,
        ]
        #expect(try FerryProcess.run(base + ["--strategy", "match-only"]).status == 0)
        let refused = try FerryProcess.run(base + ["--strategy", "invite-active"])
        #expect(refused.status != 0)
        #expect(
            refused.stderr.contains("match-only") && refused.stderr.contains("--change-strategy"), "\(refused.stderr)")
        #expect(try FerryProcess.run(base + ["--strategy", "match-only"]).status == 0)
        let changed = try FerryProcess.run(base + ["--strategy", "invite-active", "--change-strategy"])
        #expect(changed.status == 0, "\(changed.stderr)")
        let bogus = try FerryProcess.run(base + ["--strategy", "guess"])
        #expect(bogus.status != 0 && bogus.stderr.contains("match-email"))
    }

    // MARK: the mapping applied by ferry migrate

    func post(_ twin: TwinProcess, _ path: String, _ body: Any, admin: Bool = false) async throws -> Int {
        let base = admin ? String(twin.url.dropLast(5)) : twin.url
        var request = URLRequest(url: try #require(URL(string: base + path)))
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue(
            "Basic " + Data("twin@example.com:twin-token".utf8).base64EncodedString(),
            forHTTPHeaderField: "Authorization")
        request.httpBody = try JSONSerialization.data(withJSONObject: body)
        let (_, response) = try await URLSession.shared.data(for: request)
        return (response as? HTTPURLResponse)?.statusCode ?? 0
    }

    func get(_ twin: TwinProcess, _ path: String) async throws -> [String: Any] {
        var request = URLRequest(url: try #require(URL(string: twin.url + path)))
        request.setValue(
            "Basic " + Data("twin@example.com:twin-token".utf8).base64EncodedString(),
            forHTTPHeaderField: "Authorization")
        let (data, _) = try await URLSession.shared.data(for: request)
        return try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
    }

    /// Rewrites the rows of a mapping CSV whose first two fields are `kind,source_key`.
    func edit(_ csv: String, _ changes: [String: (String) -> String]) -> String {
        // The CSV ends lines with CRLF (RFC 4180); "\r\n" is one Character in Swift.
        csv.components(separatedBy: "\r\n").map { line -> String in
            let fields = line.split(separator: ",", maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count >= 2, let change = changes["\(fields[0]),\(fields[1])"] else { return String(line) }
            return change(String(line))
        }.joined(separator: "\r\n")
    }

    @Test("a reviewed mapping carries accounts into mentions, restrictions and permissions; groups follow the rules")
    func mappingRoundTrip() async throws {
        let directory = try makeTemporaryDirectory("ferry-users-apply")
        defer { try? FileManager.default.removeItem(at: directory) }
        let export = try sample(directory, profile: "adversarial", pages: 30)
        let twin = try TwinProcess.start()
        defer { twin.stop() }
        let workspace = directory.appendingPathComponent("ws").path
        let mappingURL = directory.appendingPathComponent("mapping.csv")
        let user2 = "user,8a80c0" + String(repeating: "0", count: 25) + "3"
        let user7 = "user,8a80c0" + String(repeating: "0", count: 25) + "8"

        // The Cloud site already has user1's account, and groups named like two source groups;
        // 'engineering' can read a Cloud space.
        #expect(
            try await post(
                twin, "/__twin/users", [["email": "user1@sample-corp.net", "displayName": "U One"]], admin: true) == 200
        )
        #expect(
            try await post(twin, "/__twin/groups", [["name": "engineering"], ["name": "finance"]], admin: true) == 200)
        #expect(try await post(twin, "/rest/api/space", ["key": "CLOUD", "name": "Cloud only"]) == 200)
        #expect(
            try await post(
                twin, "/rest/api/space/CLOUD/permission",
                [
                    "subject": ["type": "group", "identifier": "engineering"],
                    "operation": ["key": "read", "target": "space"],
                ])
                == 200)

        let users = try FerryProcess.run(
            [
                "users", "--from", export.path, "--to", twin.url, "--workspace", workspace, "--out", mappingURL.path,
                "--json",
            ], environment: TwinProcess.credentials)
        #expect(users.status == 0, "users failed: \(users.stderr)")
        let found = findings(try json(users.stdout))
        let collision = found.first { $0["id"] as? String == "group.cloud-collision:engineering" }
        #expect(collision?["severity"] as? String == "critical", "\(found.map { $0["id"] ?? "" })")
        #expect((collision?["title"] as? String ?? "").contains("read space in space CLOUD"))
        #expect(
            found.contains {
                $0["id"] as? String == "group.cloud-collision:finance" && $0["severity"] as? String == "warning"
            })

        let proposed = try String(contentsOf: mappingURL, encoding: .utf8)
        #expect(proposed.contains("group,engineering,,,,create,,,engineering-migrated,"), "\(proposed)")
        #expect(proposed.contains("user1@sample-corp.net,map,557058:"), "user1 is matched by email")

        // A bad row is reported with its line and nothing is written.
        let bad = directory.appendingPathComponent("bad.csv")
        try edit(proposed, [user2: { $0.replacingOccurrences(of: ",create,", with: ",delete,") }])
            .write(to: bad, atomically: true, encoding: .utf8)
        let refused = try FerryProcess.run(
            ["migrate", "--from", export.path, "--to", twin.url, "--workspace", workspace, "--users", bad.path],
            environment: TwinProcess.credentials)
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("line ") && refused.stderr.contains("'delete'"), "\(refused.stderr)")

        // A same-name Cloud group is never used without merge.
        let sameName = directory.appendingPathComponent("same-name.csv")
        try edit(
            proposed,
            ["group,engineering": { $0.replacingOccurrences(of: "engineering-migrated", with: "engineering") }]
        )
        .write(to: sameName, atomically: true, encoding: .utf8)
        let folded = try FerryProcess.run(
            ["migrate", "--from", export.path, "--to", twin.url, "--workspace", workspace, "--users", sameName.path],
            environment: TwinProcess.credentials)
        #expect(folded.status != 0)
        #expect(folded.stderr.contains("without 'merge'"), "\(folded.stderr)")
        var state = try await twin.state()
        #expect(state["spaces"]?.count == 1, "nothing was migrated by the refused runs")

        // The operator merges finance explicitly and skips user7.
        let reviewed = edit(
            proposed,
            [
                "group,finance": {
                    $0.replacingOccurrences(of: ",create,,,finance-migrated,", with: ",merge,,,finance,")
                },
                user7: { $0.replacingOccurrences(of: ",create,", with: ",skip,") },
            ])
        try reviewed.write(to: mappingURL, atomically: true, encoding: .utf8)
        let migrate = try FerryProcess.run(
            [
                "migrate", "--from", export.path, "--to", twin.url, "--workspace", workspace, "--spaces", "SP2",
                "--json",
            ],
            environment: TwinProcess.credentials)
        #expect(migrate.status == 0, "migrate failed: \(migrate.stderr) \(migrate.stdout.prefix(2000))")
        let outcome = try json(migrate.stdout)
        let identity = outcome["identity"] as? [String: Any] ?? [:]
        #expect((identity["invited"] as? [String] ?? []).contains("user2@sample-corp.net"))
        #expect((identity["skippedUsers"] as? [String] ?? []).contains("user7"), "\(identity)")
        #expect((identity["manualAdminGroups"] as? [String: [String]])?["site-admins"] == ["admin"])

        state = try await twin.state()
        let cloudUsers = state["users"] ?? []
        let accountByEmail = Dictionary(
            cloudUsers.compactMap { user in
                (user["email"] as? String).map { ($0.lowercased(), user["accountId"] as? String ?? "") }
            },
            uniquingKeysWith: { first, _ in first })
        let accounts = Set(accountByEmail.values)
        #expect(cloudUsers.first { $0["email"] as? String == "user2@sample-corp.net" }?["invited"] as? Bool == true)
        #expect(cloudUsers.first { $0["email"] as? String == "user1@sample-corp.net" }?["invited"] as? Bool == false)
        #expect(accountByEmail["user7@sample-corp.net"] == nil, "a skipped user is not invited")

        let groups = Dictionary(
            (state["groups"] ?? []).map { ($0["name"] as? String ?? "", $0["members"] as? [String] ?? []) },
            uniquingKeysWith: { first, _ in first })
        for blocklisted in [
            "site-admins", "system-administrators", "atlassian-addons", "atlassian-addons-admin", "org-admins",
        ] {
            #expect(groups[blocklisted] == nil, "blocklisted \(blocklisted) was created")
        }
        #expect(groups["engineering"] == [], "the same-name Cloud group was not used without merge")
        #expect(!(groups["engineering-migrated"] ?? []).isEmpty)
        #expect(!(groups["finance"] ?? []).isEmpty, "the explicit merge added members")
        #expect(groups["confluence-users"]?.contains(accountByEmail["user2@sample-corp.net"] ?? "-") == true)

        // Space permissions: user grants carry accountIds, group grants the mapped Cloud names.
        let cloudSpace = state["spaces"]?.first { $0["key"] as? String == "CLOUD" }?["id"] as? String
        let permissions = (state["permissions"] ?? []).filter { $0["spaceId"] as? String != cloudSpace }
        let userGrants = permissions.filter { $0["subjectType"] as? String == "user" }
        #expect(!userGrants.isEmpty)
        #expect(userGrants.allSatisfy { accounts.contains($0["identifier"] as? String ?? "") })
        let groupGrants = Set(
            permissions.filter { $0["subjectType"] as? String == "group" }.compactMap { $0["identifier"] as? String })
        #expect(!groupGrants.contains("engineering"), "the same-name Cloud group got no migrated grant")
        #expect(groupGrants.contains("engineering-migrated") || groupGrants.contains("confluence-users"))
        #expect(!groupGrants.contains { ["site-admins", "system-administrators"].contains($0) })

        // Restrictions: mapped groups and accounts only.
        let restrictions = state["restrictions"] ?? []
        #expect(!restrictions.isEmpty)
        for restriction in restrictions {
            for user in restriction["users"] as? [String] ?? [] { #expect(accounts.contains(user)) }
            #expect(!(restriction["groups"] as? [String] ?? []).contains("engineering"))
        }
        #expect(restrictions.contains { ($0["groups"] as? [String] ?? []).contains("engineering-migrated") })

        // Authorship: the ferry.source property of migrated pages names the mapped creator's account.
        let creators = (state["properties"] ?? []).filter { $0["key"] as? String == "ferry.source" }.compactMap {
            property -> String? in
            if let value = property["value"] as? [String: Any] { return value["creatorAccountId"] as? String }
            guard let text = property["value"] as? String,
                let value = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
            else { return nil }
            return value["creatorAccountId"] as? String
        }
        #expect(!creators.isEmpty && creators.allSatisfy { accounts.contains($0) }, "\(creators)")

        // Mentions: at least one page body mentions a mapped account, and every mention is a site account.
        var mentions: [String] = []
        for page in (state["pages"] ?? []).prefix(40) {
            guard let id = page["id"] as? String else { continue }
            let content = try await get(twin, "/api/v2/pages/\(id)?body-format=atlas_doc_format")
            let value =
                ((content["body"] as? [String: Any])?["atlas_doc_format"] as? [String: Any])?["value"] as? String ?? ""
            var rest = value[...]
            while let range = rest.range(of: "\"type\":\"mention\"") {
                rest = rest[range.upperBound...]
                if let idRange = rest.range(of: "\"id\":\""), let end = rest[idRange.upperBound...].firstIndex(of: "\"")
                {
                    mentions.append(String(rest[idRange.upperBound..<end]))
                }
            }
        }
        #expect(!mentions.isEmpty, "no mention resolved")
        #expect(mentions.allSatisfy { accounts.contains($0) }, "\(mentions)")

        // Mentions of skipped users stayed text and are reported in the migration report's notes.
        let reportFolder = directory.appendingPathComponent("report")
        let report = try FerryProcess.run(["report", "--workspace", workspace, "--out", reportFolder.path])
        #expect(report.status == 0, "\(report.stderr)")
        let notes = try String(contentsOf: reportFolder.appendingPathComponent("notes.csv"), encoding: .utf8)
        #expect(notes.contains("mention.user-skipped"), "\(notes.prefix(1500))")

        // A group create cut off before its answer was recorded: the workspace has the name as
        // pending. The rerun adopts the group Cloud made instead of calling it a collision.
        let createdURL = URL(fileURLWithPath: workspace).appendingPathComponent("identity-groups.json")
        var created = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: createdURL)) as? [String: Any])
        var owned = created["groups"] as? [String: String] ?? [:]
        let removed = owned.removeValue(forKey: "engineering-migrated")
        let groupId = try #require(removed, "\(created)")
        created["groups"] = owned
        created["pending"] = ["engineering-migrated"]
        try JSONSerialization.data(withJSONObject: created).write(to: createdURL)
        let rerun = try FerryProcess.run(
            [
                "migrate", "--from", export.path, "--to", twin.url, "--workspace", workspace, "--spaces", "SP2",
                "--json",
            ],
            environment: TwinProcess.credentials)
        #expect(rerun.status == 0, "rerun failed: \(rerun.stderr)")
        let adopted = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: createdURL)) as? [String: Any])
        #expect((adopted["groups"] as? [String: String])?["engineering-migrated"] == groupId, "\(adopted)")
        #expect(!((adopted["pending"] as? [String]) ?? []).contains("engineering-migrated"))
        state = try await twin.state()
        #expect((state["groups"] ?? []).filter { $0["name"] as? String == "engineering-migrated" }.count == 1)
        // Without that record the same group is someone else's: the run refuses to fold into it.
        owned = adopted["groups"] as? [String: String] ?? [:]
        owned.removeValue(forKey: "engineering-migrated")
        try JSONSerialization.data(withJSONObject: ["groups": owned]).write(to: createdURL)
        let unowned = try FerryProcess.run(
            ["migrate", "--from", export.path, "--to", twin.url, "--workspace", workspace, "--spaces", "SP2"],
            environment: TwinProcess.credentials)
        #expect(unowned.status != 0)
        #expect(unowned.stderr.contains("engineering-migrated") && unowned.stderr.contains("without 'merge'"))
    }
}
