import Foundation
import Testing

@Suite("ferry twin cloud")
struct TwinCommandTests {
    @Test("--help explains the twin and shows an example")
    func help() throws {
        let result = try FerryProcess.run(["twin", "cloud", "--help"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("Example:"))
        #expect(result.stdout.contains("--faults"))
        #expect(result.stdout.contains("/__twin/"))
    }

    @Test("Bad rate and fault specs are refused with the fix")
    func badSpecs() throws {
        let rate = try FerryProcess.run(["twin", "cloud", "--rate", "get=lots"])
        #expect(rate.status != 0)
        #expect(rate.stderr.contains("N/s"))
        let faults = try FerryProcess.run(["twin", "cloud", "--faults", "meteor=0.5"])
        #expect(faults.status != 0)
        #expect(faults.stderr.contains("is not a fault"))
    }

    @Test("Starts, prints its URL and credentials, serves the API, and stops on SIGTERM")
    func startsAndStops() async throws {
        let process = Process()
        process.executableURL = FerryProcess.executable
        process.arguments = [
            "twin", "cloud", "--port", "0", "--json", "--token", "cli-test-token", "--log-level", "error",
        ]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        var buffer = Data()
        let handle = out.fileHandleForReading
        while !buffer.contains(UInt8(ascii: "\n")) {
            let chunk = handle.availableData
            if chunk.isEmpty { break }
            buffer.append(chunk)
        }
        let line = String(decoding: buffer, as: UTF8.self).split(separator: "\n").first.map(String.init) ?? ""
        let info = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String])
        #expect(info["email"] == "twin@example.com")
        #expect(info["token"] == "cli-test-token")
        let url = try #require(info["url"].flatMap(URL.init(string:)))
        #expect(url.host == "127.0.0.1")
        // A raw HTTP/1.1 request over a socket: the twin answers 401 without credentials.
        let port = try #require(url.port)
        let status = try rawStatus(port: port, path: "/wiki/api/v2/spaces")
        #expect(status == 401)
        process.terminate()
        process.waitUntilExit()
        #expect(process.terminationReason == .exit)
    }

    private func rawStatus(port: Int, path: String) throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { return -1 }
        let request = "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
        _ = request.withCString { send(fd, $0, strlen($0), 0) }
        var bytes = [UInt8](repeating: 0, count: 4096)
        let count = recv(fd, &bytes, bytes.count, 0)
        let text = String(decoding: bytes.prefix(max(0, count)), as: UTF8.self)
        return Int(text.split(separator: " ").dropFirst().first ?? "") ?? -1
    }
}
