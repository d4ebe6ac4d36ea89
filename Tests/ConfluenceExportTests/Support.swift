import ConfluenceExport
import Foundation
import Workspace

/// The project's own fixtures, found next to this file (no bundle resources needed).
enum Fixtures {
    static var root: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/Export")
    }

    static func url(_ name: String) -> URL { root.appendingPathComponent(name) }
}

/// `../shared/reference/xml-exports`, when this checkout sits beside it.
enum SharedReference {
    static var exports: URL? {
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let url = packageRoot.deletingLastPathComponent().appendingPathComponent("shared/reference/xml-exports")
        return FileManager.default.fileExists(atPath: url.path) ? url : nil
    }
}

func makeTemporaryDirectory(_ name: String = "ferry-export-test") throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Collects every record of a document fed in chunks of `chunkSize` bytes.
func readRecords(_ data: Data, chunkSize: Int) throws -> (records: [EntityRecord], unattributed: [RepairKind: Int]) {
    var records: [EntityRecord] = []
    var reader = EntityReader(path: "test") { records.append($0) }
    var tokenizer = XMLTokenizer()
    var start = 0
    while start < data.count {
        let end = min(start + chunkSize, data.count)
        try data[start..<end].withUnsafeBytes { try tokenizer.feed($0, handler: &reader) }
        start = end
    }
    try tokenizer.finish()
    return (records, reader.unattributedRepairs)
}

/// Imports `url` into a fresh workspace and returns the summary.
func importExport(_ url: URL) throws -> (StagingSummary, Workspace, ExportImporter.Result) {
    let folder = try makeTemporaryDirectory("ferry-ws")
    let workspace = try Workspace.open(at: folder)
    let package = try ExportPackage.open(url)
    let result = try ExportImporter(package: package, workspace: workspace).run()
    return (try workspace.summary(), workspace, result)
}

/// Runs the built `ferry` binary (beside the test bundle) and captures its output.
enum Ferry {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String

        func json() throws -> [String: Any] {
            (try JSONSerialization.jsonObject(with: Data(stdout.utf8)) as? [String: Any]) ?? [:]
        }
    }

    static var executable: URL {
        var directory = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("ferry")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        return directory.appendingPathComponent("ferry")
    }

    static func run(_ arguments: [String]) throws -> Result {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
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
