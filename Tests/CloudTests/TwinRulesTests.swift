import Foundation
import NIOCore
import Synchronization
import Testing
import Transport
import Twins

@Suite("Cloud twin rules")
struct TwinRulesTests {
    @Test("Spaces, pages, versions, titles and error shapes follow Cloud's rules")
    func pagesAndVersions() async throws {
        let transport = try makeTestTransport()
        try await withTwin { _, root in
            let client = RawClient(transport: transport, root: root)
            let space = try await client.call(
                "POST", "/wiki/rest/api/space", json: #"{"key":"ENG","name":"Engineering"}"#)
            #expect(space.status == 200)
            let duplicate = try await client.call(
                "POST", "/wiki/rest/api/space", json: #"{"key":"ENG","name":"Again"}"#)
            #expect(duplicate.status == 400)
            let badKey = try await client.call("POST", "/wiki/rest/api/space", json: #"{"key":"E-1","name":"Bad"}"#)
            #expect(badKey.status == 400)
            let spaces = try await client.call("GET", "/wiki/api/v2/spaces?keys=ENG")
            let spaceJSON = ((spaces.json as? [String: Any])?["results"] as? [[String: Any]])?.first
            let spaceId = try #require(spaceJSON?.string("id"))
            #expect(Int(spaceId) != nil)
            let page = try await client.call(
                "POST", "/wiki/api/v2/pages",
                json:
                    #"{"spaceId":"\#(spaceId)","title":"Plan","body":{"representation":"storage","value":"<p>Hello</p>"}}"#
            )
            #expect(page.status == 200)
            let pageId = try #require((page.json as? [String: Any])?.string("id"))
            let sameTitle = try await client.call(
                "POST", "/wiki/api/v2/pages",
                json: #"{"spaceId":"\#(spaceId)","title":"Plan","body":{"representation":"storage","value":""}}"#)
            #expect(sameTitle.status == 400)
            let badADF = try await client.call(
                "POST", "/wiki/api/v2/pages",
                json:
                    #"{"spaceId":"\#(spaceId)","title":"ADF","body":{"representation":"atlas_doc_format","value":"{\"type\":\"paragraph\"}"}}"#
            )
            #expect(badADF.status == 400)
            let stale = try await client.call(
                "PUT", "/wiki/api/v2/pages/\(pageId)",
                json:
                    #"{"id":"\#(pageId)","status":"current","title":"Plan","body":{"representation":"storage","value":"<p>x</p>"},"version":{"number":1}}"#
            )
            #expect(stale.status == 409)
            let detail = (((stale.json as? [String: Any])?["errors"] as? [[String: Any]])?.first)?.string("detail")
            #expect(detail == "Version must be incremented on update. Current version is: 1")
            let updated = try await client.call(
                "PUT", "/wiki/api/v2/pages/\(pageId)",
                json:
                    #"{"id":"\#(pageId)","status":"current","title":"Plan v2","body":{"representation":"storage","value":"<p>x</p>"},"version":{"number":2}}"#
            )
            #expect(updated.status == 200)
            let adf = try await client.call("GET", "/wiki/api/v2/pages/\(pageId)?body-format=atlas_doc_format")
            let body =
                (((adf.json as? [String: Any])?["body"] as? [String: Any])?["atlas_doc_format"] as? [String: Any])?
                .string("value")
            #expect(body?.contains("\"type\":\"doc\"") == true)
            let big = String(repeating: "a", count: 5 * 1024 * 1024 + 10)
            let tooLarge = try await client.call(
                "POST", "/wiki/api/v2/pages",
                json: #"{"spaceId":"\#(spaceId)","title":"Big","body":{"representation":"storage","value":"\#(big)"}}"#)
            #expect(tooLarge.status == 413)
            var wrong = client
            wrong.authorization = "Basic " + Data("twin@example.com:nope".utf8).base64EncodedString()
            let status9994 = try await wrong.call("GET", "/wiki/api/v2/spaces").status
            #expect(status9994 == 401)
        }
        try await transport.shutdown()
    }

    @Test("Attachments: X-Atlassian-Token required, duplicate names refused, size limit, new versions get new file ids")
    func attachments() async throws {
        let transport = try makeTestTransport()
        try await withTwin(CloudTwinConfiguration(maxAttachmentSize: 1000)) { twin, root in
            let client = RawClient(transport: transport, root: root)
            _ = try await client.call("POST", "/wiki/rest/api/space", json: #"{"key":"DOC","name":"Docs"}"#)
            let space = try await client.call("GET", "/wiki/rest/api/space/DOC")
            let homepage = try #require(((space.json as? [String: Any])?["homepage"] as? [String: Any])?.string("id"))
            func upload(
                _ method: String, _ bytes: String, token: Bool = true
            ) async throws -> (status: Int, json: Any?, response: TransportResponse) {
                let body = MultipartBody(parts: [
                    .field(name: "minorEdit", value: "true", contentType: nil),
                    .data(name: "file", filename: "a.txt", contentType: "text/plain", bytes: Array(bytes.utf8)),
                ])
                var headers = [("Content-Type", body.contentType)]
                if token { headers.append(("X-Atlassian-Token", "nocheck")) }
                return try await client.call(
                    method, "/wiki/rest/api/content/\(homepage)/child/attachment", headers: headers,
                    body: try body.transportBody())
            }
            let status3278 = try await upload("POST", "hello", token: false).status
            #expect(status3278 == 403)
            let first = try await upload("POST", "hello")
            #expect(first.status == 200)
            let result = try #require(((first.json as? [String: Any])?["results"] as? [[String: Any]])?.first)
            let extensions = try #require(result["extensions"] as? [String: Any])
            #expect(extensions.string("collectionName") == "contentId-\(homepage)")
            let fileId = extensions.string("fileId")
            let status6436 = try await upload("POST", "again").status
            #expect(status6436 == 400)
            let second = try await upload("PUT", "hello v2")
            #expect(second.status == 200)
            let secondResult = ((second.json as? [String: Any])?["results"] as? [[String: Any]])?.first
            let secondFileId = (secondResult?["extensions"] as? [String: Any])?.string("fileId")
            #expect(secondFileId != nil && secondFileId != fileId)
            let status5414 = try await upload("PUT", String(repeating: "x", count: 2000)).status
            #expect(status5414 == 404)
            let state = await twin.exportState()
            let attachment = try #require(state["attachments"]?.array?.first)
            #expect(attachment["version"]?.int == 2)
            #expect(attachment["sha256"]?.string == SHA256Digest.hex(Array("hello v2".utf8)))
            let download = try await client.call("GET", "/wiki/download/attachments/\(homepage)/a.txt")
            #expect(download.response.bodyText == "hello v2")
        }
        try await transport.shutdown()
    }

    @Test("The twin's JSON writer escapes text and round-trips through a JSON parser")
    func jsonWriter() throws {
        let value: JSONValue = [
            "quote": "say \"hi\"\\ \n\t\u{01} ü 🚀 </script>", "int": 42, "neg": -7, "frac": .number(1.5),
            "list": [true, false, .null, [:]], "nested": ["b": 2, "a": 1],
        ]
        let text = value.serialized()
        #expect(try JSONValue.parse(text) == value)
        #expect(text.contains(#""nested":{"a":1,"b":2}"#))
        let parsed = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
        #expect(parsed?["quote"] as? String == "say \"hi\"\\ \n\t\u{01} ü 🚀 </script>")
    }

    @Test("SHA-256 matches the FIPS 180-4 test vectors")
    func sha256() {
        #expect(
            SHA256Digest.hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256Digest.hex([UInt8]()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        let long = Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)
        #expect(SHA256Digest.hex(long) == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    @Test("Rate and fault specs parse, and bad specs are refused with a fix")
    func specs() throws {
        let rate = try TwinRateSpec.parse("get=10/s,post:pages=5/s,points=1000/h")
        #expect(rate.rate(method: "GET", group: .pages) == 10)
        #expect(rate.rate(method: "POST", group: .pages) == 5)
        #expect(rate.rate(method: "POST", group: .comments) == 100)
        #expect(rate.hourlyPoints == 1000)
        #expect(throws: TwinError.self) { try TwinRateSpec.parse("get=fast") }
        #expect(throws: TwinError.self) { try TwinRateSpec.parse("post:nothing=1/s") }
        let faults = try TwinFaultSpec.parse("5xx=0.1,drop=0.05,slow=0.02:2s,500=every:10,seed=3")
        #expect(faults.rules.count == 4)
        #expect(faults.seed == 3)
        #expect(faults.rules[2].delay == .seconds(2))
        #expect(faults.rules[3].trigger == .every(10))
        #expect(throws: TwinError.self) { try TwinFaultSpec.parse("5xx=2") }
        #expect(try parseTwinSize("100MB") == 100 << 20)
        #expect(try parseTwinDuration("80ms") == .milliseconds(80))
    }

    @Test("The twin answers 429 with Cloud's headers when a bucket is empty")
    func rateLimit() async throws {
        let transport = try HTTPTransport(
            configuration: TransportConfiguration(
                retry: RetryPolicy(maxRetries: 0),
                // A client that ignores the published limit, so that the twin has to refuse it.
                rateLimit: RateLimiterConfiguration(initialRate: 1000, headroom: 100)))
        try await withTwin(CloudTwinConfiguration(rate: try TwinRateSpec.parse("get=5/s"))) { twin, root in
            let client = RawClient(transport: transport, root: root)
            // A burst, all at once: on a slow machine sequential calls could be spaced out
            // enough for the bucket to refill between them.
            let statuses = await withTaskGroup(of: Int?.self) { group in
                for _ in 0..<30 {
                    group.addTask {
                        do {
                            _ = try await client.call("GET", "/wiki/api/v2/spaces")
                            return nil
                        } catch let error as TransportError {
                            return error.status
                        } catch {
                            return -1
                        }
                    }
                }
                var collected: [Int] = []
                for await status in group { if let status { collected.append(status) } }
                return collected
            }
            #expect(!statuses.isEmpty)
            #expect(statuses.allSatisfy { $0 == 429 })
            let stats = await twin.statisticsSnapshot()
            #expect((stats["rateLimited"]?.int ?? 0) >= 1)
        }
        try await transport.shutdown()
    }

    @Test("An hourly points quota answers 429 with RateLimit-Reason, RateLimit-Policy and Retry-After")
    func pointsQuota() async throws {
        let headers = Counter429Headers()
        let transport = try HTTPTransport(
            configuration: TransportConfiguration(
                retry: RetryPolicy(maxRetries: 0),
                rateLimit: RateLimiterConfiguration(initialRate: 1000, minimumRate: 1000, maximumRate: 1000)),
            responseObserver: { _, status in headers.record(status) })
        try await withTwin(CloudTwinConfiguration(rate: try TwinRateSpec.parse("points=6/h"))) { _, root in
            let client = RawClient(transport: transport, root: root)
            for _ in 0..<3 {
                let status = try await client.call("GET", "/wiki/api/v2/spaces").status
                #expect(status == 200)
            }
            do {
                _ = try await client.call("GET", "/wiki/api/v2/spaces")
                Issue.record("the fourth read must exceed the 6-point quota")
            } catch let error as TransportError {
                #expect(error.status == 429)
            }
        }
        #expect(headers.statuses == [200, 200, 200, 429])
        try await transport.shutdown()
    }

    @Test("State survives a restart with --data")
    func persistence() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-twin-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let transport = try makeTestTransport()
        let configuration = CloudTwinConfiguration(dataDirectory: directory.path)
        try await withTwin(configuration) { _, root in
            let client = RawClient(transport: transport, root: root)
            let status4690 = try await client.call(
                "POST", "/wiki/rest/api/space", json: #"{"key":"KEEP","name":"Kept"}"#
            ).status
            #expect(status4690 == 200)
        }
        try await withTwin(configuration) { twin, root in
            let client = RawClient(transport: transport, root: root)
            let status491 = try await client.call("GET", "/wiki/rest/api/space/KEEP").status
            #expect(status491 == 200)
            let state = await twin.exportState()
            #expect(state["pages"]?.array?.count == 1)
            let status7315 = try await client.call("POST", "/wiki/rest/api/space", json: #"{"key":"NEW","name":"New"}"#)
                .status
            #expect(status7315 == 200)
        }
        try await transport.shutdown()
    }
}

final class Counter429Headers: Sendable {
    private let values = Synchronization.Mutex<[Int]>([])
    func record(_ status: Int) { values.withLock { $0.append(status) } }
    var statuses: [Int] { values.withLock { $0 } }
}
