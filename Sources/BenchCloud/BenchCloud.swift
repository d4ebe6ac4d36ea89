import AsyncHTTPClient
import ConfluenceCloud
import FerryModel
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization
import Transport

/// Benchmarks of the Cloud client against a running twin (`ferry twin cloud`):
///
///     BenchCloud ratelimit --url URL --rate N [--writers 50] [--seconds 20]
///     BenchCloud faults --url URL [--writes 2000] [--writers 16]
///     BenchCloud threads --url URL [--counts 10,10000]
///     BenchCloud clientcost --url URL [--requests 5000] [--concurrency 64] [--rate 350]
///
/// Each mode prints its figures and exits non-zero when a target is missed.
@main
struct BenchCloud {
    static func main() async {
        let arguments = Array(CommandLine.arguments.dropFirst())
        guard let mode = arguments.first else {
            print("usage: BenchCloud ratelimit|faults|threads --url URL [options]")
            exit(2)
        }
        var options: [String: String] = [:]
        var index = 1
        while index + 1 < arguments.count {
            options[String(arguments[index].drop(while: { $0 == "-" }))] = arguments[index + 1]
            index += 2
        }
        guard let url = options["url"] else {
            print("--url is required")
            exit(2)
        }
        do {
            let passed: Bool
            switch mode {
            case "ratelimit":
                passed = try await rateLimit(
                    url: url, rate: Double(options["rate"] ?? "100") ?? 100,
                    writers: Int(options["writers"] ?? "50") ?? 50,
                    seconds: Double(options["seconds"] ?? "20") ?? 20)
            case "faults":
                passed = try await faults(
                    url: url, writes: Int(options["writes"] ?? "2000") ?? 2000,
                    writers: Int(options["writers"] ?? "16") ?? 16)
            case "throughput":
                passed = try await throughput(
                    url: url, seconds: Double(options["seconds"] ?? "10") ?? 10,
                    connections: Int(options["connections"] ?? "32") ?? 32,
                    twinPid: options["twin-pid"].flatMap { Int32($0) })
            case "clientcost":
                passed = try await clientCost(
                    url: url, requests: Int(options["requests"] ?? "5000") ?? 5000,
                    concurrency: Int(options["concurrency"] ?? "64") ?? 64,
                    rate: Double(options["rate"] ?? "350") ?? 350)
            case "threads":
                let counts = (options["counts"] ?? "10,10000").split(separator: ",").compactMap { Int($0) }
                passed = try await threads(url: url, counts: counts)
            default:
                print("unknown mode \(mode)")
                exit(2)
            }
            exit(passed ? 0 : 1)
        } catch {
            print("error: \(SecretRegistry.shared.redact(String(describing: error)))")
            exit(1)
        }
    }

    static func client(_ url: String, transport: HTTPTransport) -> ConfluenceCloudClient {
        ConfluenceCloudClient(
            site: url, email: "twin@example.com", token: Secret("twin-token", origin: "bench"), transport: transport)
    }

    static func admin(
        _ url: String, _ path: String, method: String = "GET", body: String? = nil
    ) async throws -> [String: Any] {
        let root = url.hasSuffix("/wiki") ? String(url.dropLast(5)) : url
        let transport = try HTTPTransport(configuration: TransportConfiguration(retry: RetryPolicy(maxRetries: 0)))
        var request = TransportRequest(method: method, url: root + path)
        if let body {
            request.body = .bytes(.init(string: body))
            request.headers = [("Content-Type", "application/json")]
        }
        let response: TransportResponse
        do {
            response = try await transport.send(request)
        } catch {
            try? await transport.shutdown()
            throw error
        }
        try await transport.shutdown()
        return (try JSONSerialization.jsonObject(with: response.bodyData) as? [String: Any]) ?? [:]
    }

    /// The names of the process's threads (`/proc/self/task/*/comm`), to show what a count is made of.
    static func threadNames() -> String {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
        var names: [String: Int] = [:]
        for task in tasks {
            let name =
                (try? String(contentsOfFile: "/proc/self/task/\(task)/comm", encoding: .utf8))?
                .trimmingCharacters(in: .whitespacesAndNewlines) ?? "?"
            names[name, default: 0] += 1
        }
        return names.sorted { $0.key < $1.key }.map { "\($0.key)×\($0.value)" }.joined(separator: ", ")
    }

    static func threadCount() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return -1 }
        for line in status.split(separator: "\n") where line.hasPrefix("Threads:") {
            return Int(line.dropFirst(8).trimmingCharacters(in: .whitespaces)) ?? -1
        }
        return -1
    }

    // MARK: rate limiting

    struct PhaseResult {
        var limit: Double
        var writes: Int
        var seconds: Double
        var responses: Int
        var throttled: [Double]

        var achieved: Double { Double(writes) / seconds }
        var share: Double { responses == 0 ? 0 : Double(throttled.count) / Double(responses) }
        /// 429s closer than one Retry-After window (1 s) belong to one overrun episode.
        var episodes: [(Double, Double)] {
            var result: [(Double, Double)] = []
            for time in throttled.sorted() {
                if let last = result.last, time - last.1 <= 1.0 {
                    result[result.count - 1].1 = time
                } else {
                    result.append((time, time))
                }
            }
            return result
        }
        var longest: Double { episodes.map { $0.1 - $0.0 }.max() ?? 0 }
        var passed: Bool { achieved >= 0.9 * limit && share < 0.02 && longest <= 1.0 }

        func report(_ title: String) {
            let f = { (value: Double) in String(format: "%.1f", value) }
            print("\(title): twin limit \(Int(limit))/s for POST pages, \(f(seconds)) s")
            print("  pages written:      \(writes)")
            print("  achieved rate:      \(f(achieved))/s = \(f(100 * achieved / limit))% of the limit (target >= 90%)")
            print(
                "  429 responses:      \(throttled.count) of \(responses) = \(String(format: "%.2f", 100 * share))% (target < 2%)"
            )
            print(
                "  overrun episodes:   \(episodes.count), longest \(String(format: "%.2f", longest)) s (target <= 1 Retry-After window, 1 s)"
            )
        }
    }

    /// Counts POST responses and the times of 429s for one client.
    final class Observation: Sendable {
        let start = Date()
        let throttled = Locked<[Double]>([])
        let responses = Locked(0)

        func record(_ method: String, _ status: Int) {
            guard method == "POST" else { return }
            responses.withLock { $0 += 1 }
            if status == 429 { throttled.withLock { $0.append(Date().timeIntervalSince(start)) } }
        }
    }

    static func runPhase(
        url: String, client: ConfluenceCloudClient, observation: Observation, spaceId: String, phase: Int,
        limit: Double, seconds: Double, writers: Int
    ) async throws -> PhaseResult {
        _ = try await admin(
            url, "/__twin/config", method: "POST",
            body: #"{"rate":"get=1000/s,post:pages=\#(limit)/s,post=1000/s,put=1000/s"}"#)
        let responsesBefore = observation.responses.withLock { $0 }
        let throttledBefore = observation.throttled.withLock { $0.count }
        let deadline = Date().addingTimeInterval(seconds)
        let written = Locked(0)
        let clock = ContinuousClock()
        let began = clock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<writers {
                group.addTask {
                    var n = 0
                    while Date() < deadline {
                        _ = try await client.createPage(
                            spaceId: spaceId, title: "p\(phase)-w\(worker)-\(n)", body: .storage("<p>\(n)</p>"))
                        n += 1
                        written.withLock { $0 += 1 }
                    }
                }
            }
            try await group.waitForAll()
        }
        let elapsed = clock.now - began
        let elapsedSeconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return PhaseResult(
            limit: limit, writes: written.withLock { $0 }, seconds: elapsedSeconds,
            responses: observation.responses.withLock { $0 } - responsesBefore,
            throttled: Array(observation.throttled.withLock { $0 }.dropFirst(throttledBefore)))
    }

    /// Phase 1: the twin allows `rate` page creates per second and publishes the limit.
    /// Phase 2: the twin halves its limit while the same writers go on. Phase 3
    /// (information): a new client against a twin that publishes no limit at all, only
    /// `Retry-After` on 429, so the limiter's AIMD alone sets the pace.
    static func rateLimit(url: String, rate: Double, writers: Int, seconds: Double) async throws -> Bool {
        _ = try await admin(url, "/__twin/reset", method: "POST")
        let observation = Observation()
        let transport = try HTTPTransport(
            configuration: TransportConfiguration(maxConnectionsPerHost: writers),
            responseObserver: { observation.record($0, $1) })
        let client = client(url, transport: transport)
        let key = "RL\(Int.random(in: 1000...9999))"
        let space = try await client.createSpace(key: key, name: "Rate limit \(key)")
        print("rate limit: \(writers) concurrent writers creating pages")
        let first = try await runPhase(
            url: url, client: client, observation: observation, spaceId: space.id, phase: 1, limit: rate,
            seconds: seconds, writers: writers)
        first.report("phase 1 (steady limit)")
        let second = try await runPhase(
            url: url, client: client, observation: observation, spaceId: space.id, phase: 2, limit: rate / 2,
            seconds: seconds / 2, writers: writers)
        second.report("phase 2 (the twin halves its limit mid-run)")
        try await transport.shutdown()

        _ = try await admin(url, "/__twin/config", method: "POST", body: #"{"rateHeaders":"none"}"#)
        let blindObservation = Observation()
        let blindTransport = try HTTPTransport(
            configuration: TransportConfiguration(maxConnectionsPerHost: writers),
            responseObserver: { blindObservation.record($0, $1) })
        let blindClient = Self.client(url, transport: blindTransport)
        let third = try await runPhase(
            url: url, client: blindClient, observation: blindObservation, spaceId: space.id, phase: 3, limit: rate,
            seconds: seconds / 2, writers: writers)
        third.report("phase 3 (information: no limit headers, only Retry-After; AIMD alone, fresh client)")
        try await blindTransport.shutdown()
        _ = try await admin(url, "/__twin/config", method: "POST", body: #"{"rateHeaders":"always"}"#)
        return first.passed && second.passed
    }

    // MARK: faults

    static func faults(url: String, writes: Int, writers: Int) async throws -> Bool {
        _ = try await admin(url, "/__twin/reset", method: "POST")
        _ = try await admin(url, "/__twin/config", method: "POST", body: #"{"rate":"off","faults":"none"}"#)
        let transport = try HTTPTransport(
            configuration: TransportConfiguration(
                retry: RetryPolicy(maxRetries: 8, baseDelay: .milliseconds(50), maxDelay: .milliseconds(400))))
        let client = client(url, transport: transport)
        let space = try await client.createSpace(key: "FAULTS", name: "Fault rehearsal")
        _ = try await admin(url, "/__twin/config", method: "POST", body: #"{"faults":"5xx=0.1,drop=0.1"}"#)
        let pages = writes / 2
        let clock = ContinuousClock()
        let began = clock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            var next = 0
            func add() {
                let n = next
                next += 1
                group.addTask {
                    let page = try await client.createPage(
                        spaceId: space.id, title: "Page \(n)", body: .storage("<p>page \(n)</p>"))
                    _ = try await client.createFooterComment(
                        on: .page(page.id), body: .storage("<p>comment on page \(n)</p>"))
                }
            }
            for _ in 0..<min(writers, pages) { add() }
            while try await group.next() != nil { if next < pages { add() } }
        }
        let elapsed = clock.now - began
        _ = try await admin(url, "/__twin/config", method: "POST", body: #"{"faults":"none"}"#)
        let state = try await admin(url, "/__twin/state")
        let stats = try await admin(url, "/__twin/stats")
        try await transport.shutdown()
        let statePages = (state["pages"] as? [[String: Any]] ?? []).filter {
            ($0["title"] as? String)?.hasPrefix("Page ") == true
        }
        let titles = statePages.compactMap { $0["title"] as? String }
        let comments = state["comments"] as? [[String: Any]] ?? []
        var perPage: [String: Int] = [:]
        for comment in comments { perPage[comment["containerId"] as? String ?? "", default: 0] += 1 }
        let applied = stats["applied"] as? [String: Int] ?? [:]
        let injected = stats["faults"] as? [String: Int] ?? [:]
        let duplicatesPages = titles.count - Set(titles).count
        let pagesWithoutOne = statePages.filter { perPage[$0["id"] as? String ?? ""] != 1 }.count
        print(
            "faults: 5xx=0.1,drop=0.1 on every request; \(writes) writes (\(pages) page creates + \(pages) footer comments)"
        )
        print("  elapsed:              \(elapsed)")
        print("  faults injected:      \(injected.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: " "))")
        print("  pages in twin:        \(statePages.count) (expected \(pages)), duplicate titles: \(duplicatesPages)")
        print(
            "  comments in twin:     \(comments.count) (expected \(pages)), pages without exactly one: \(pagesWithoutOne)"
        )
        print(
            "  applied creates:      pages \(applied["createPage"] ?? 0), footer comments \(applied["createFooterComment"] ?? 0)"
        )
        print("  client retries:       \(transport.statistics.retries)")
        return statePages.count == pages && duplicatesPages == 0 && comments.count == pages && pagesWithoutOne == 0
            && applied["createPage"] == pages && applied["createFooterComment"] == pages
    }

    // MARK: twin throughput

    /// Many concurrent reads and writes with limits off: how many requests per second the twin serves.
    /// CPU seconds (user + system) a process has used, from /proc/PID/stat.
    static func cpuSeconds(pid: Int32) -> Double? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // After the command name: state is field 3; utime and stime are fields 14 and 15.
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    static func throughput(url: String, seconds: Double, connections: Int, twinPid: Int32?) async throws -> Bool {
        _ = try await admin(url, "/__twin/reset", method: "POST")
        _ = try await admin(url, "/__twin/config", method: "POST", body: #"{"rate":"off","faults":"none"}"#)
        let transport = try HTTPTransport(
            configuration: TransportConfiguration(
                maxConnectionsPerHost: connections,
                rateLimit: RateLimiterConfiguration(initialRate: 100_000, maximumRate: 100_000)))
        let client = client(url, transport: transport)
        let space = try await client.createSpace(key: "TPUT", name: "Throughput")
        let page = try await client.createPage(spaceId: space.id, title: "Read me", body: .storage("<p>hello</p>"))
        let reads = Locked(0)
        let writes = Locked(0)
        let twinCPUBefore = twinPid.flatMap(cpuSeconds)
        let deadline = Date().addingTimeInterval(seconds)
        let clock = ContinuousClock()
        let began = clock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<connections {
                group.addTask {
                    var n = 0
                    while Date() < deadline {
                        if n % 4 == 3 {
                            _ = try await client.createFooterComment(
                                on: .page(page.id), body: .storage("<p>\(worker)-\(n)</p>"))
                            writes.withLock { $0 += 1 }
                        } else {
                            _ = try await client.content(id: page.id, bodyFormat: .storage)
                            reads.withLock { $0 += 1 }
                        }
                        n += 1
                    }
                }
            }
            try await group.waitForAll()
        }
        let elapsed = clock.now - began
        let elapsedSeconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        try await transport.shutdown()
        let total = reads.withLock { $0 } + writes.withLock { $0 }
        let rate = Double(total) / elapsedSeconds
        print(
            "twin throughput: \(connections) connections, \(String(format: "%.1f", elapsedSeconds)) s, 3 reads : 1 write"
        )
        print(
            "  requests served:    \(total) (\(reads.withLock { $0 }) page reads, \(writes.withLock { $0 }) comment creates)"
        )
        print(
            "  requests/second:    \(String(format: "%.0f", rate)) (wall clock; client and twin share the machine)")
        if let pid = twinPid, let before = twinCPUBefore, let after = cpuSeconds(pid: pid), after > before {
            let perCPUSecond = Double(total) / (after - before)
            let cpu = String(format: "%.2f", after - before)
            print(
                "  twin CPU:           \(cpu) s for \(total) requests = \(String(format: "%.0f", 1e6 / perCPUSecond)) µs each"
            )
            print(
                "  twin capacity:      \(String(format: "%.0f", perCPUSecond)) requests per CPU-second (target: thousands)"
            )
            return perCPUSecond >= 1000
        }
        return rate >= 1000
    }

    // MARK: threads

    static func threads(url: String, counts: [Int]) async throws -> Bool {
        _ = try await admin(url, "/__twin/reset", method: "POST")
        _ = try await admin(url, "/__twin/config", method: "POST", body: #"{"rate":"off","faults":"none"}"#)
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let ceiling = 2 * cores + 8
        let before = threadCount()
        let transport = try HTTPTransport()
        let client = client(url, transport: transport)
        let space = try await client.createSpace(key: "THREADS", name: "Thread count")
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-bench-\(UUID().uuidString).bin")
        try Data(repeating: 0x5A, count: 4096).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        var results: [(Int, Int, Int)] = []
        // Warm-up: the first requests start the event loops and the runtime's lazily created
        // threads; the measured rounds then show whether the count grows with the work.
        let warmPage = try await client.createPage(spaceId: space.id, title: "Warm-up", body: .storage("<p>w</p>"))
        for n in 0..<10 {
            _ = try await client.uploadAttachment(
                contentId: warmPage.id, filePath: file.path, filename: "warm-\(n).bin")
        }
        print("threads: after warm-up \(threadCount()) (\(threadNames()))")
        for (round, count) in counts.enumerated() {
            let page = try await client.createPage(
                spaceId: space.id, title: "Uploads \(round)", body: .storage("<p>files</p>"))
            let peak = Locked(threadCount())
            let clock = ContinuousClock()
            let began = clock.now
            try await withThrowingTaskGroup(of: Void.self) { group in
                var next = 0
                func add() {
                    let n = next
                    next += 1
                    group.addTask {
                        _ = try await client.uploadAttachment(
                            contentId: page.id, filePath: file.path, filename: "file-\(n).bin")
                        if n % 50 == 0 {
                            let now = threadCount()
                            peak.withLock { $0 = max($0, now) }
                        }
                    }
                }
                for _ in 0..<min(16, count) { add() }
                while try await group.next() != nil { if next < count { add() } }
            }
            let elapsed = clock.now - began
            let after = threadCount()
            let high = peak.withLock { max($0, after) }
            results.append((count, high, after))
            print(
                "threads: \(count) uploads in \(elapsed): peak \(high) threads, \(after) after (ceiling 2×\(cores)+8 = \(ceiling))"
            )
        }
        try await transport.shutdown()
        let peaks = results.map(\.1)
        let constant = Set(peaks).count == 1
        print(
            "threads: before the client started \(before); peaks \(peaks.map(String.init).joined(separator: " / ")) — \(constant ? "constant" : "NOT constant")"
        )
        return constant && (peaks.max() ?? 0) <= ceiling
    }
}

/// A value shared between tasks.
final class Locked<Value: Sendable>: Sendable {
    private let storage: Mutex<Value>
    init(_ value: Value) { storage = Mutex(value) }
    func withLock<T: Sendable>(_ body: (inout Value) -> T) -> T { storage.withLock { body(&$0) } }
}

extension BenchCloud {
    /// CPU seconds this process has used (user + system), from getrusage.
    static func ownCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6 + Double(usage.ru_stime.tv_sec)
            + Double(usage.ru_stime.tv_usec) / 1e6
    }

    /// Paces `requests` sends at `rate` per second across `concurrency` workers and returns
    /// the CPU seconds the process spent.
    static func paced(
        requests: Int, concurrency: Int, rate: Double, _ send: @escaping @Sendable (Int) async throws -> Void
    ) async throws -> (cpu: Double, seconds: Double) {
        let clock = ContinuousClock()
        let start = clock.now
        let next = Locked<Slot>(Slot(index: 0, time: start))
        let cpuBefore = ownCPUSeconds()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<concurrency {
                group.addTask {
                    while true {
                        let claim: (Int, ContinuousClock.Instant)? = next.withLock { state in
                            guard state.index < requests else { return nil }
                            let slot = max(state.time, clock.now)
                            state = Slot(index: state.index + 1, time: slot.advanced(by: .seconds(1 / rate)))
                            return (state.index - 1, slot)
                        }
                        guard let (index, slot) = claim else { return }
                        try await Task.sleep(until: slot, clock: clock)
                        try await send(index)
                    }
                }
            }
            try await group.waitForAll()
        }
        let elapsed = clock.now - start
        return (
            ownCPUSeconds() - cpuBefore,
            Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        )
    }

    /// The CPU cost of a request, the floor under `ferry migrate`'s CPU per page: the same
    /// number of footer-comment creates, paced alike (`rate` per second over `concurrency`
    /// workers), sent three ways: not at all (the pacing alone), by bare AsyncHTTPClient, and
    /// by Ferry's Cloud client (transport, rate limiter, retries, JSON). Each figure is the
    /// process's CPU time divided by the request count.
    static func clientCost(url: String, requests: Int, concurrency: Int, rate: Double) async throws -> Bool {
        _ = try await admin(url, "/__twin/reset", method: "POST")
        _ = try await admin(url, "/__twin/config", method: "POST", body: #"{"rate":"off","faults":"none"}"#)
        let transport = try HTTPTransport(
            configuration: TransportConfiguration(
                maxConnectionsPerHost: concurrency,
                rateLimit: RateLimiterConfiguration(initialRate: rate * 10, maximumRate: rate * 10)))
        let client = client(url, transport: transport)
        let space = try await client.createSpace(key: "COST", name: "Cost")
        let page = try await client.createPage(spaceId: space.id, title: "Comments cost", body: .storage("<p>cost</p>"))
        let body = "<p>A comment of ordinary length, about as long as the ones the sample writes.</p>"

        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = concurrency
        let bare = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        let authorization = HTTPTransport.basicCredentials(user: "twin@example.com", password: "twin-token")
        let commentsURL = (url.hasSuffix("/wiki") ? url : url + "/wiki") + "/api/v2/footer-comments"
        let bareRun = try await paced(requests: requests, concurrency: concurrency, rate: rate) { index in
            var request = HTTPClientRequest(url: commentsURL)
            request.method = .POST
            request.headers.add(name: "Authorization", value: "Basic " + authorization)
            request.headers.add(name: "Content-Type", value: "application/json")
            request.headers.add(name: "Accept", value: "application/json")
            let json = #"{"pageId":"\#(page.id)","body":{"representation":"storage","value":"\#(body) \#(index)"}}"#
            request.body = .bytes(ByteBuffer(string: json))
            let response = try await bare.execute(request, timeout: .seconds(60))
            let bytes = try await response.body.collect(upTo: 1 << 20)
            guard response.status == .ok || response.status == .created, bytes.readableBytes > 0 else {
                throw CostError(status: Int(response.status.code))
            }
        }
        try await bare.shutdown()
        let pacingRun = try await paced(requests: requests, concurrency: concurrency, rate: rate) { _ in }
        let ferryRun = try await paced(requests: requests, concurrency: concurrency, rate: rate) { index in
            _ = try await client.createFooterComment(on: .page(page.id), body: .storage("\(body) \(index)"))
        }
        try await transport.shutdown()
        func line(_ name: String, _ run: (cpu: Double, seconds: Double)) {
            let perRequest = run.cpu / Double(requests) * 1e6
            print(
                "  \(name): \(requests) requests in \(String(format: "%.1f", run.seconds)) s, "
                    + "CPU \(String(format: "%.2f", run.cpu)) s = \(String(format: "%.0f", perRequest)) µs per request")
        }
        print("client cost: \(concurrency) workers paced at \(Int(rate)) requests/s, footer-comment creates")
        line("pacing alone         ", pacingRun)
        line("bare AsyncHTTPClient ", bareRun)
        line("Ferry Cloud client   ", ferryRun)
        print("  ratio Ferry / bare:  \(String(format: "%.2f", ferryRun.cpu / max(bareRun.cpu, 1e-9)))x")
        func micros(_ run: (cpu: Double, seconds: Double)) -> String {
            String(format: "%.1f", run.cpu / Double(requests) * 1e6)
        }
        // One line for scripts (scripts/migrate-bench.py reads it).
        print(
            #"json: {"requests": \#(requests), "pacingMicros": \#(micros(pacingRun)), "#
                + #""bareMicros": \#(micros(bareRun)), "ferryClientMicros": \#(micros(ferryRun))}"#)
        return true
    }

    struct Slot: Sendable {
        var index: Int
        var time: ContinuousClock.Instant
    }

    struct CostError: Error {
        var status: Int
    }
}
