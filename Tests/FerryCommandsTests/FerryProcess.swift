import Foundation

/// Runs the built `ferry` executable as a child process, the way an operator would,
/// and captures what it printed.
struct FerryProcess {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// The `ferry` binary beside this test bundle (SwiftPM builds it because the test
    /// target depends on it). `FERRY_BIN` overrides, for testing an installed binary.
    static var executable: URL {
        if let override = ProcessInfo.processInfo.environment["FERRY_BIN"] {
            return URL(fileURLWithPath: override)
        }
        let testBinary = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var directory = testBinary.deletingLastPathComponent()
        // Linux: .build/<triple>/debug/FerryPackageTests.xctest; macOS: …/FerryPackageTests.xctest/Contents/MacOS/…
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("ferry")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        return testBinary.deletingLastPathComponent().appendingPathComponent("ferry")
    }

    /// Runs `ferry arguments…` with exactly `environment` (plus PATH and HOME), in `directory`.
    static func run(
        _ arguments: [String], environment: [String: String] = [:], directory: URL? = nil, stdin: String? = nil
    ) throws -> Result {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        var env = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"]
        env["HOME"] = ProcessInfo.processInfo.environment["HOME"] ?? "/tmp"
        env.merge(environment) { _, new in new }
        process.environment = env
        if let directory { process.currentDirectoryURL = directory }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let input = Pipe()
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        // Read both pipes concurrently so a chatty child cannot block on a full pipe.
        let group = DispatchGroup()
        nonisolated(unsafe) var errData = Data()
        group.enter()
        DispatchQueue.global().async {
            errData = err.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self))
    }
}

/// A fresh folder under the system temporary directory, removed by the caller.
func makeTemporaryDirectory(_ name: String = "ferry-test") throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
