import ConfluenceCloud
import FerryModel
import Foundation
import Testing
import Transport
import Twins

@Suite("Exactly-once writes under injected faults")
struct FaultTests {
    @Test("With 10% 5xx and 10% dropped connections, every page and comment is written exactly once")
    func exactlyOnce() async throws {
        let writes = 120
        let faults = try TwinFaultSpec.parse("5xx=0.1,drop=0.1,seed=11")
        try await withTwin(CloudTwinConfiguration(rate: .unlimited)) { twin, root in
            let transport = try HTTPTransport(
                configuration: TransportConfiguration(
                    retry: RetryPolicy(maxRetries: 8, baseDelay: .milliseconds(2), maxDelay: .milliseconds(20)),
                    rateLimit: RateLimiterConfiguration(initialRate: 2000, maximumRate: 5000)))
            let client = ConfluenceCloudClient(
                site: root, email: CloudTwinConfiguration.defaultEmail,
                token: Secret(CloudTwinConfiguration.defaultToken, origin: "test"), transport: transport)
            do {
                let space = try await client.createSpace(key: "FLT", name: "Faults")
                try await twin.setFaults(faults)
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for n in 0..<(writes / 2) {
                        group.addTask {
                            let page = try await client.createPage(
                                spaceId: space.id, title: "Page \(n)", body: .storage("<p>\(n)</p>"))
                            _ = try await client.createFooterComment(on: .page(page.id), body: .storage("<p>c\(n)</p>"))
                        }
                    }
                    try await group.waitForAll()
                }
                try await twin.setFaults(.none)
            } catch {
                try await transport.shutdown()
                throw error
            }
            try await transport.shutdown()
            let stats = await twin.statisticsSnapshot()
            let injected = stats["faults"]?.object?.values.compactMap(\.int).reduce(0, +) ?? 0
            #expect(injected > 0, "no fault was injected, so the test proves nothing")
            let state = await twin.exportState()
            let pages = (state["pages"]?.array ?? []).filter { $0["title"]?.string?.hasPrefix("Page ") == true }
            #expect(pages.count == writes / 2)
            #expect(Set(pages.compactMap { $0["title"]?.string }).count == writes / 2)
            let comments = state["comments"]?.array ?? []
            #expect(comments.count == writes / 2)
            #expect(Set(comments.compactMap { $0["containerId"]?.string }).count == writes / 2)
            #expect(stats["applied"]?["createPage"]?.int == writes / 2)
            #expect(stats["applied"]?["createFooterComment"]?.int == writes / 2)
        }
    }
}
