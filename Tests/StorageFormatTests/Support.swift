import Foundation
import StorageFormat
import Testing

/// Paths and helpers shared by the StorageFormat tests.
enum Fixtures {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let directory = packageRoot.appendingPathComponent("Tests/Fixtures/StorageFormat")
    static let shared = packageRoot.appendingPathComponent("../shared").standardizedFileURL
    static let schema = shared.appendingPathComponent("reference/adf-schema/full.json")
    static let exports = shared.appendingPathComponent("reference/xml-exports")

    /// Every `.xhtml` fixture: name → storage.
    static func storageFixtures() throws -> [(name: String, storage: String)] {
        let files = try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "xhtml" }.sorted { $0.path < $1.path }
        return try files.map {
            ($0.deletingPathExtension().lastPathComponent, try String(contentsOf: $0, encoding: .utf8))
        }
    }

    static func context() throws -> ConversionContext {
        let data = try Data(contentsOf: directory.appendingPathComponent("context.json"))
        return try JSONDecoder().decode(ConversionContext.self, from: data)
    }

    static func convert(_ name: String) throws -> ConversionResult {
        let storage = try String(contentsOf: directory.appendingPathComponent(name + ".xhtml"), encoding: .utf8)
        return StorageConverter(context: try context()).convert(storage)
    }

    /// Every storage (bodyType 2) body in the shared XML exports, or `nil` (with a
    /// printed line) when ../shared is not there.
    static func exportBodies() throws -> [(name: String, storage: String)]? {
        guard FileManager.default.fileExists(atPath: exports.path) else {
            print("../shared/reference/xml-exports not found: only the project's own fixtures are checked")
            return nil
        }
        var bodies: [(String, String)] = []
        for export in try FileManager.default.contentsOfDirectory(atPath: exports.path).sorted() {
            let file = exports.appendingPathComponent(export).appendingPathComponent("entities.xml")
            guard let text = try? String(contentsOf: file, encoding: .utf8) else { continue }
            for (index, body) in bodyContents(text).enumerated() where !body.isEmpty {
                bodies.append(("\(export)-\(index)", body))
            }
        }
        return bodies
    }

    /// The `body` of every BodyContent object with bodyType 2, read with plain string
    /// scanning (CDATA sections are joined; `]]]]><![CDATA[>` splits are undone).
    static func bodyContents(_ entities: String) -> [String] {
        var result: [String] = []
        var rest = entities[...]
        while let start = rest.range(of: "<object class=\"BodyContent\"") {
            guard let end = rest[start.upperBound...].range(of: "</object>") else { break }
            let object = rest[start.upperBound..<end.lowerBound]
            rest = rest[end.upperBound...]
            guard object.contains("<property name=\"bodyType\">2</property>"),
                let bodyStart = object.range(of: "<property name=\"body\">"),
                let bodyEnd = object[bodyStart.upperBound...].range(of: "</property>")
            else { continue }
            var raw = String(object[bodyStart.upperBound..<bodyEnd.lowerBound])
            raw = raw.replacingOccurrences(of: "]]]]><![CDATA[>", with: "]]>")
            if raw.hasPrefix("<![CDATA["), raw.hasSuffix("]]>") {
                raw = String(raw.dropFirst(9).dropLast(3))
            } else {
                raw = raw.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
                    .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&amp;", with: "&")
            }
            result.append(raw)
        }
        return result
    }

    /// All nodes of `type` in the document, depth first.
    static func nodes(_ type: String, in document: ADFDocument) -> [ADFNode] {
        var found: [ADFNode] = []
        func visit(_ node: ADFNode) {
            if node.type == type { found.append(node) }
            node.content?.forEach(visit)
        }
        document.content.forEach(visit)
        return found
    }

    /// Runs `scripts/validate-adf.py` over `directory`; returns (exit status, output).
    static func runPythonValidator(_ directory: URL) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", packageRoot.appendingPathComponent("scripts/validate-adf.py").path, "--schema", schema.path,
            directory.path,
        ]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }

    /// Validates one document with jsonschema-rs (when ../shared holds the schema).
    static func expectSchemaValid(_ document: ADFDocument, sourceLocation: SourceLocation = #_sourceLocation) {
        guard FileManager.default.fileExists(atPath: schema.path) else { return }
        do {
            let directory = try temporaryDirectory("adf-one")
            defer { try? FileManager.default.removeItem(at: directory) }
            try Data(document.jsonBytes()).write(to: directory.appendingPathComponent("document.adf.json"))
            let (status, output) = try runPythonValidator(directory)
            #expect(status == 0, "jsonschema-rs: \(output)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("could not run the schema validator: \(error)", sourceLocation: sourceLocation)
        }
    }

    static func temporaryDirectory(_ name: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
