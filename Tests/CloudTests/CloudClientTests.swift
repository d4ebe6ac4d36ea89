import ConfluenceCloud
import FerryModel
import Foundation
import Synchronization
import Testing
import Transport
import Twins

final class RequestLog: Sendable {
    let requests = Mutex<[TransportRequest]>([])
    func add(_ request: TransportRequest) { requests.withLock { $0.append(request) } }
    var all: [TransportRequest] { requests.withLock { $0 } }
}

/// The official Cloud specs, when ../shared is present.
enum OfficialSpecs {
    static var directory: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("shared/reference/confluence-cloud-openapi")
    }

    static func checkers() throws -> [SpecChecker]? {
        let v2 = directory.appendingPathComponent("confluence-cloud-v2.openapi-v2.v3.json")
        let v1 = directory.appendingPathComponent("confluence-cloud-v1.swagger.v3.2021-11.json")
        guard FileManager.default.fileExists(atPath: v2.path), FileManager.default.fileExists(atPath: v1.path) else {
            return nil
        }
        return [try SpecChecker(specFile: v2, prefix: "/wiki/api/v2"), try SpecChecker(specFile: v1, prefix: "")]
    }
}

@Suite("Confluence Cloud client against the twin")
struct CloudClientTests {
    /// Runs the whole client surface once and returns the requests it built.
    func exerciseClient(_ root: String, log: RequestLog) async throws {
        let transport = try HTTPTransport(
            configuration: TransportConfiguration(
                retry: RetryPolicy(maxRetries: 6, baseDelay: .milliseconds(5), maxDelay: .milliseconds(40)),
                rateLimit: RateLimiterConfiguration(initialRate: 1000, maximumRate: 5000)),
            observer: { log.add($0) })
        let client = ConfluenceCloudClient(
            site: root + "/wiki", email: CloudTwinConfiguration.defaultEmail,
            token: Secret(CloudTwinConfiguration.defaultToken, origin: "test"), transport: transport)
        do {
            let space = try await client.createSpace(key: "MIG", name: "Migration", description: "rehearsal")
            #expect(space.key == "MIG")
            let again = try await client.spaces(keys: ["MIG"])
            #expect(again.first?.id == space.id)
            let root = try await client.createPage(
                spaceId: space.id, title: "Root",
                body: .adf(
                    #"{"type":"doc","version":1,"content":[{"type":"paragraph","content":[{"type":"text","text":"hello"}]}]}"#
                ))
            var children: [CloudContent] = []
            for index in 0..<30 {
                children.append(
                    try await client.createPage(
                        spaceId: space.id, title: "Child \(index)", body: .storage("<p>child \(index)</p>"),
                        parentId: root.id))
            }
            let listed = try await client.children(of: root.id)
            #expect(listed.count == 30)
            #expect(listed.map(\.title) == (0..<30).map { "Child \($0)" })
            try await client.movePage(id: children[29].id, position: .before, targetId: children[0].id)
            #expect(try await client.children(of: root.id).first?.id == children[29].id)
            try await client.movePage(id: children[28].id, position: .append, targetId: children[0].id)
            #expect(try await client.children(of: children[0].id).map(\.id) == [children[28].id])
            let read = try await client.content(id: root.id, bodyFormat: .atlasDocFormat)
            #expect(read.body(.atlasDocFormat)?.contains("hello") == true)
            let updated = try await client.updatePage(
                id: root.id, title: "Root", body: .storage("<p>v2</p>"), version: 2, message: "second")
            #expect(updated.version.number == 2)
            do {
                _ = try await client.updatePage(id: root.id, title: "Root", body: .storage("<p>v?</p>"), version: 2)
                Issue.record("a stale version must be refused")
            } catch let error as CloudError {
                #expect(
                    error
                        == .versionConflict(
                            id: root.id, currentVersion: 2,
                            message: "Version must be incremented on update. Current version is: 2"))
            }
            let blog = try await client.createBlogPost(spaceId: space.id, title: "News", body: .storage("<p>news</p>"))
            #expect(try await client.content(id: blog.id, bodyFormat: .storage, blogPost: true).title == "News")
            let footer = try await client.createFooterComment(on: .page(root.id), body: .storage("<p>looks good</p>"))
            _ = try await client.createFooterComment(on: .reply(to: footer.id), body: .storage("<p>thanks</p>"))
            _ = try await client.createInlineComment(
                on: .page(root.id), body: .storage("<p>typo</p>"), textSelection: "v2", matchCount: 1, matchIndex: 0)
            #expect(try await client.comments(on: .page(root.id)).count == 1)
            #expect(try await client.comments(on: .page(root.id), location: "inline").count == 1)
            try await client.addLabels(
                contentId: root.id, labels: [CloudLabel(name: "migrated"), CloudLabel(name: "eng")])
            try await client.addLabels(contentId: root.id, labels: [CloudLabel(name: "migrated")])
            #expect(Set(try await client.labels(pageId: root.id).map(\.name)) == ["migrated", "eng"])
            let file = FileManager.default.temporaryDirectory.appendingPathComponent(
                "ferry-client-\(UUID().uuidString).txt")
            try Data("attachment body".utf8).write(to: file)
            defer { try? FileManager.default.removeItem(at: file) }
            let attachment = try await client.uploadAttachment(
                contentId: root.id, filePath: file.path, filename: "notes.txt", mediaType: "text/plain",
                comment: "first")
            #expect(attachment.collectionName == "contentId-\(root.id)")
            #expect(!attachment.fileId.isEmpty)
            let version2 = try await client.uploadAttachment(
                contentId: root.id, filePath: file.path, filename: "notes.txt", mediaType: "text/plain",
                newVersion: true)
            #expect(version2.version == 2)
            #expect(version2.fileId != attachment.fileId)
            let viaV2 = try await client.attachment(id: attachment.id)
            #expect(viaV2.fileId == version2.fileId)
            let property = try await client.createProperty(
                pageId: root.id, key: "ferry.source", valueJSON: #"{"id":42}"#)
            let updatedProperty = try await client.updateProperty(
                pageId: root.id, property: property, valueJSON: #"{"id":43}"#)
            #expect(updatedProperty.version == 2)
            #expect(try await client.properties(pageId: root.id, key: "ferry.source").first?.valueJSON == #"{"id":43}"#)
            try await client.setRestrictions(
                contentId: root.id,
                [CloudRestriction(operation: "read", userAccountIds: ["557058:abc"], groupNames: ["eng"])])
            let restrictions = try await client.restrictions(contentId: root.id)
            #expect(
                restrictions == [
                    CloudRestriction(operation: "read", userAccountIds: ["557058:abc"], groupNames: ["eng"])
                ])
            try await client.addSpacePermission(
                spaceKey: "MIG",
                CloudSpacePermission(subjectType: .group, identifier: "eng", operation: "read", target: "space"))
            try await client.addSpacePermission(
                spaceKey: "MIG",
                CloudSpacePermission(subjectType: .group, identifier: "eng", operation: "create", target: "page"))
            // A second grant is refused, unless an earlier run sent it and stopped before the answer.
            let readEng = CloudSpacePermission(
                subjectType: .group, identifier: "eng", operation: "read", target: "space")
            await #expect(throws: CloudError.self) {
                try await client.addSpacePermission(spaceKey: "MIG", readEng)
            }
            try await client.addSpacePermission(spaceKey: "MIG", readEng, attemptedBefore: true)
            let admins = try await client.migratedUsers(usernames: ["admin", "nobody"])
            #expect(admins.map(\.username) == ["admin"])
            let users = try await client.users(accountIds: admins.map(\.accountId))
            #expect(users.first?.email == CloudTwinConfiguration.defaultEmail)
        } catch {
            try await transport.shutdown()
            throw error
        }
        try await transport.shutdown()
    }

    @Test("Every endpoint works against the twin, and every request matches the API description")
    func fullSurface() async throws {
        let log = RequestLog()
        try await withTwin(CloudTwinConfiguration(rate: .unlimited)) { _, root in
            try await exerciseClient(root, log: log)
        }
        let requests = log.all
        #expect(requests.count > 50)
        let own = [
            SpecChecker(spec: FerryOperationsSpec.v2(), prefix: "/wiki/api/v2"),
            SpecChecker(spec: FerryOperationsSpec.v1(), prefix: "/wiki/rest/api"),
        ]
        func check(_ checkers: [SpecChecker], label: String) {
            var problems: [String] = []
            for request in requests {
                let path = URLComponents(string: request.url)?.path ?? ""
                guard
                    let checker = checkers.first(where: {
                        path.hasPrefix($0.prefix.isEmpty ? "/wiki/rest/api" : $0.prefix)
                    })
                else {
                    problems.append("\(request.method) \(path): outside every spec")
                    continue
                }
                problems += checker.problems(request)
            }
            let unique = Array(Set(problems)).sorted()
            #expect(unique.isEmpty, "\(label): \(unique.joined(separator: "\n"))")
        }
        check(
            own.map { $0.prefix == "/wiki/rest/api" ? SpecChecker(spec: $0.spec, prefix: "") : $0 },
            label: "Ferry's operation list")
        if let official = try OfficialSpecs.checkers() {
            check(official, label: "official Cloud specs")
            print("Checked \(requests.count) client requests against the official Cloud v1 and v2 specs.")
        } else {
            print("../shared/reference not found: client requests checked against Ferry's own operation list only.")
        }
    }

    @Test("The checker catches a request the spec does not allow")
    func checkerCatches() {
        let checker = SpecChecker(spec: FerryOperationsSpec.v2(), prefix: "/wiki/api/v2")
        let bad = TransportRequest(
            method: "POST", url: "http://x/wiki/api/v2/pages?bogus=1", body: .bytes(.init(string: #"{"title":"x"}"#)))
        let problems = checker.problems(bad)
        #expect(problems.contains { $0.contains("bogus") })
        #expect(problems.contains { $0.contains("spaceId") })
        #expect(!checker.problems(TransportRequest(method: "DELETE", url: "http://x/wiki/api/v2/nothing")).isEmpty)
    }
}

@Suite("Client secrets")
struct ClientSecretTests {
    @Test("The token and the encoded Authorization value are scrubbed from any text")
    func authorizationIsRedacted() async throws {
        let transport = try HTTPTransport()
        let token = Secret("client-secret-token-123", origin: "test")
        _ = ConfluenceCloudClient(
            site: "https://example.atlassian.net", email: "me@example.com", token: token, transport: transport)
        let encoded = HTTPTransport.basicCredentials(user: "me@example.com", password: token.exposedValue)
        let line = "GET /wiki with Authorization: Basic \(encoded) and token \(token.exposedValue); raw \(encoded)"
        let redacted = SecretRegistry.shared.redact(line)
        #expect(!redacted.contains(encoded))
        #expect(!redacted.contains(token.exposedValue))
        let error = CloudError.rejected(operation: "Reading \(encoded)", status: 401, message: token.exposedValue)
        #expect(!error.description.contains(encoded))
        #expect(!error.description.contains(token.exposedValue))
        try await transport.shutdown()
    }
}
