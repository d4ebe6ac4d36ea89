import ConfluenceDataCenter
import Foundation
import Synchronization
import Testing
import Transport
import Workspace

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Every request the reader sends, checked against the official Data Center 9.0 OpenAPI
/// description (when ../shared is present) and always against the project's own list of
/// endpoints that lie outside it, each with the reason.
@Suite("Data Center requests against the official API description", .serialized)
struct DataCenterSpecTests {
    /// Endpoints Ferry uses that the 9.0.0 description does not list.
    static let outsideSpec: [String: String] = [
        "/rest/experimental/content/{id}/version":
            "the experimental version list (the documented way to list versions on DC)",
        "/rest/api/space/{spaceKey}/permissions": "added in 9.1, after the 9.0.0 description",
        "/rest/api/space/{spaceKey}/permissions/anonymous": "added in 9.1",
        "/rpc/json-rpc/confluenceservice-v2/getSpacePermissionSets": "JSON-RPC, the only permission read before 9.1",
        "/rest/api/admin/users/list/active": "added in DC 10.2 (e-mail addresses)",
        "/rest/plugins/1.0/": "UPM, its own REST API",
        "/download/attachments/{id}/{filename}": "the attachment's _links.download",
    ]

    /// Parameters the description leaves out of an operation it lists, with the reason.
    static let undocumentedParameters: [String: (Set<String>, String)] = [
        "/rest/api/audit": (
            ["start", "limit"],
            "the 9.0 description lists no parameters for this deprecated endpoint; its paging is start/limit"
        )
    ]

    static func specFile() -> URL? {
        var directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        for _ in 0..<6 {
            let candidate = directory.appendingPathComponent(
                "shared/reference/confluence-dc-openapi/confluence-dc-9.0.0.swagger.v3.json")
            if FileManager.default.fileExists(atPath: candidate.path) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        return nil
    }

    static func matches(_ template: String, _ path: String) -> Bool {
        let a = template.split(separator: "/", omittingEmptySubsequences: false)
        let b = path.split(separator: "/", omittingEmptySubsequences: false)
        guard a.count == b.count else { return false }
        return zip(a, b).allSatisfy { $0 == $1 || ($0.hasPrefix("{") && $0.hasSuffix("}")) }
    }

    @Test("every request of a full staging (9.x, 8.x, 7.17) is a documented operation with documented parameters")
    func requestsMatchSpec() async throws {
        let seen = Mutex<[String: Set<String>]>([:])
        for version in [9, 8, 7] {
            let fixture = try await TwinFixture.start(version: version, spaces: 1, pages: 8, attachments: 3)
            let client = try fixture.client(observer: { request in
                guard let components = URLComponents(string: request.url) else { return }
                let names = Set((components.queryItems ?? []).map(\.name))
                seen.withLock { $0["\(request.method) \(components.path)", default: []].formUnion(names) }
            })
            _ = try await DataCenterStager(
                client: client, workspace: try fixture.newWorkspace("spec"), spaceKeys: ["SP1"], history: true
            ).run()
            _ = try await client.changedContent(space: "SP1", since: Date(timeIntervalSince1970: 0))
            // The site backup ferry archive asks for (8 and later; 7 answers 404 and nil).
            if let job = try await client.startSiteBackup(includeAttachments: false, fileNamePrefix: "spec") {
                var current = job
                for _ in 0..<200 where !current.isOver {
                    try await Task.sleep(for: .milliseconds(50))
                    current = try await client.backupJob(id: job.id)
                }
                _ = try await client.backupJobs(states: ["FINISHED"])
            }
            try await client.transport.shutdown()
            await fixture.stop()
        }
        let requests = seen.withLock { $0 }
        #expect(requests.count > 10)
        let spec = Self.specFile().flatMap {
            try? JSONSerialization.jsonObject(with: Data(contentsOf: $0)) as? [String: Any]
        }
        if spec == nil {
            print("../shared/reference/confluence-dc-openapi not found: checking against Ferry's own list only")
        }
        let paths = spec?["paths"] as? [String: [String: Any]] ?? [:]
        for (request, parameters) in requests.sorted(by: { $0.key < $1.key }) {
            let parts = request.split(separator: " ", maxSplits: 1).map(String.init)
            let (method, path) = (parts[0], parts[1])
            if let outside = Self.outsideSpec.keys.first(where: { Self.matches($0, path) }) {
                if spec != nil {
                    #expect(paths[outside] == nil, "\(outside) is in the description now: check it there")
                }
                continue
            }
            guard spec != nil else {
                #expect(path.hasPrefix("/rest/api/"), "\(request) is neither documented nor listed")
                continue
            }
            guard
                let template = paths.keys.filter({
                    Self.matches($0, path) && paths[$0]?[method.lowercased()] != nil
                }).min(by: { a, b in a.filter { $0 == "{" }.count < b.filter { $0 == "{" }.count }),
                let operation = paths[template]?[method.lowercased()] as? [String: Any]
            else {
                Issue.record("\(request) is not in the Data Center 9.0 description")
                continue
            }
            let documented = Set(
                ((operation["parameters"] as? [[String: Any]]) ?? []).compactMap { $0["name"] as? String })
            let undocumented = parameters.subtracting(documented).subtracting(
                Self.undocumentedParameters[template]?.0 ?? [])
            #expect(undocumented.isEmpty, "\(request) sends undocumented parameters \(undocumented.sorted())")
        }
    }

    @Test("the twin's content, version, space and user objects use the description's field names")
    func twinShapesMatchSpec() async throws {
        guard let file = Self.specFile(),
            let spec = try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any],
            let schemas = (spec["components"] as? [String: Any])?["schemas"] as? [String: [String: Any]]
        else {
            print("../shared/reference/confluence-dc-openapi not found: the twin's shapes are not checked against it")
            return
        }
        func fields(_ name: String) -> Set<String> {
            Set((schemas[name]?["properties"] as? [String: Any] ?? [:]).keys).union(["_links", "_expandable"])
        }
        let fixture = try await TwinFixture.start(version: 9, spaces: 1, pages: 6, attachments: 2)
        defer { Task { await fixture.stop() } }
        func get(_ path: String) async throws -> [String: Any] {
            guard let url = URL(string: fixture.url + path) else { return [:] }
            var request = URLRequest(url: url)
            request.setValue("Bearer twin-token", forHTTPHeaderField: "Authorization")
            let (data, _) = try await URLSession.shared.data(for: request)
            return try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
        }
        let list = try await get("/rest/api/content?spaceKey=SP1&expand=ancestors,body.storage,metadata.labels&limit=5")
        let pages = list["results"] as? [[String: Any]] ?? []
        #expect(!pages.isEmpty)
        for page in pages {
            #expect(Set(page.keys).isSubset(of: fields("Content")), "content fields \(page.keys.sorted())")
            let version = page["version"] as? [String: Any] ?? [:]
            #expect(Set(version.keys).isSubset(of: fields("Version")), "version fields \(version.keys.sorted())")
            let history = page["history"] as? [String: Any] ?? [:]
            #expect(Set(history.keys).isSubset(of: fields("History")), "history fields \(history.keys.sorted())")
            let user = version["by"] as? [String: Any] ?? [:]
            #expect(
                Set(user.keys).isSubset(of: fields("User").union(["type"])), "user fields \(user.keys.sorted())")
        }
        let spaces = try await get("/rest/api/space")["results"] as? [[String: Any]] ?? []
        for space in spaces {
            #expect(Set(space.keys).isSubset(of: fields("Space")), "space fields \(space.keys.sorted())")
        }
        let labels =
            try await get("/rest/api/content/\(pages[0]["id"] as? String ?? "")/label")["results"] as? [[String: Any]]
            ?? []
        for label in labels {
            #expect(Set(label.keys).isSubset(of: fields("Label")), "label fields \(label.keys.sorted())")
        }
        // A site backup job, as queued and as listed.
        guard let backupURL = URL(string: fixture.url + "/rest/api/backup-restore/backup/site") else { return }
        var post = URLRequest(url: backupURL)
        post.httpMethod = "POST"
        post.setValue("Bearer twin-token", forHTTPHeaderField: "Authorization")
        post.setValue("application/json", forHTTPHeaderField: "Content-Type")
        post.httpBody = Data(#"{"skipAttachments":true,"keepPermanently":false,"fileNamePrefix":"shape"}"#.utf8)
        let (data, _) = try await URLSession.shared.data(for: post)
        let job = try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
        #expect(job["jobState"] != nil, "\(job)")
        #expect(Set(job.keys).isSubset(of: fields("SiteBackupJobDetails")), "backup job fields \(job.keys.sorted())")
        let settings = job["jobSettings"] as? [String: Any] ?? [:]
        #expect(Set(settings.keys) == fields("SiteBackupSettings").subtracting(["_links", "_expandable"]))
        try await Task.sleep(for: .milliseconds(300))
        let listed = try await get("/rest/api/backup-restore/jobs")["results"] as? [[String: Any]] ?? []
        #expect(!listed.isEmpty)
        for item in listed {
            #expect(Set(item.keys).isSubset(of: fields("SiteBackupJobDetails")), "listed job \(item.keys.sorted())")
        }
    }
}
