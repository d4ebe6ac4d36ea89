import Foundation
import Migration
import Testing

@Suite("identity mapping file")
struct IdentityMappingTests {
    let users = [
        SourceUser(key: "k1", username: "alice", displayName: "Alice, A.", email: "alice@corp.com"),
        SourceUser(key: "k2", username: "alice2", email: "Alice@corp.com"),
        SourceUser(key: "k3", username: "bob", email: "bob@corp.com"),
        SourceUser(key: "k4", username: "carol", email: nil),
        SourceUser(key: "k5", username: "dave", email: "dave@corp.com", active: false),
    ]

    func temporaryFile() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("mapping-\(UUID().uuidString).csv")
    }

    @Test("proposals map known accounts, merge duplicates, skip unusable emails, and follow the strategy")
    func proposals() {
        let rows = IdentityMappingFile.propose(
            users: users, strategy: .inviteActive, cloudAccounts: ["bob@corp.com": "5b10ac8d82e05b22cc7d4ef5"])
        let byKey = Dictionary(uniqueKeysWithValues: rows.map { ($0.sourceKey, $0) })
        #expect(byKey["k1"]?.action == .create)
        #expect(byKey["k2"]?.action == .mergeInto)
        #expect(byKey["k2"]?.mergeInto == "k1")
        #expect(byKey["k3"]?.action == .map)
        #expect(byKey["k3"]?.cloudAccountId == "5b10ac8d82e05b22cc7d4ef5")
        #expect(byKey["k4"]?.action == .skip)
        #expect(byKey["k5"]?.action == .skip)
        let matchEmail = IdentityMappingFile.propose(users: users, strategy: .matchEmail, cloudAccounts: [:])
        #expect(matchEmail.first { $0.sourceKey == "k5" }?.action == .create)
    }

    @Test("a written mapping reads back unchanged, commas and all")
    func roundTrip() throws {
        let url = temporaryFile()
        defer { try? FileManager.default.removeItem(at: url) }
        let rows = IdentityMappingFile.propose(users: users, strategy: .matchEmail, cloudAccounts: [:])
        try IdentityMappingFile.write(rows, to: url)
        #expect(try IdentityMappingFile.read(url) == rows)
    }

    @Test("every bad row is reported together, each with its line")
    func invalidRows() throws {
        let url = temporaryFile()
        defer { try? FileManager.default.removeItem(at: url) }
        try """
        source_key,username,display_name,email,action,cloud_account_id,merge_into,notes
        k1,alice,,alice@corp.com,map,,,
        k2,alice2,,alice@corp.com,merge-into,,k9,
        k3,bob,,bob@corp,create,,,
        k4,carol,,,delete,,,
        k1,alice,,alice@corp.com,skip,,,
        """.write(to: url, atomically: true, encoding: .utf8)
        do {
            _ = try IdentityMappingFile.read(url)
            Issue.record("expected the mapping to be refused")
        } catch {
            guard case .invalid(_, let problems) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(problems.count == 5)
            #expect(problems.contains { $0.hasPrefix("line 2:") && $0.contains("cloud_account_id is empty") })
            #expect(problems.contains { $0.hasPrefix("line 4:") && $0.contains("not a usable email") })
            #expect(problems.contains { $0.hasPrefix("line 5:") && $0.contains("'delete'") })
            #expect(problems.contains { $0.hasPrefix("line 6:") && $0.contains("listed again") })
            #expect(problems.contains { $0.contains("merges into k9, which is not in the file") })
        }
    }
}
