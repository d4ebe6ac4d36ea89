import Foundation
import StorageFormat
import Testing

/// Checks over every fixture and every storage body of the shared exports: text
/// survives, and every document validates in Swift and against the official schema.
@Suite("conversion corpus")
struct CorpusTests {
    static func corpus() throws -> [(name: String, storage: String)] {
        try Fixtures.storageFixtures() + (Fixtures.exportBodies() ?? [])
    }

    /// Words of the storage's visible text that do not occur in the ADF's text.
    static func missingWords(storage: String, result: ConversionResult) -> [Substring] {
        let visible = ADFText.visibleText(of: StorageParser.parse(storage))
        let output = String(ADFText.plainText(of: result.document).filter { !$0.isWhitespace })
        return ADFText.words(visible).filter { !output.contains(String($0)) }
    }

    @Test("the visible text of every input appears in its output (whitespace-normalised)")
    func textSurvives() throws {
        let context = try Fixtures.context()
        let corpus = try Self.corpus()
        #expect(corpus.count >= 8)
        for (name, storage) in corpus {
            let result = StorageConverter(context: context).convert(storage)
            let missing = Self.missingWords(storage: storage, result: result)
            #expect(missing.isEmpty, "\(name): lost \(missing.prefix(10))")
        }
    }

    @Test("the text check notices lost text")
    func textCheckCanFail() {
        let result = StorageConverter().convert("<p>kept</p>")
        #expect(Self.missingWords(storage: "<p>kept lost</p>", result: result) == ["lost"])
    }

    @Test("every converted document validates in Swift and against full.json with jsonschema-rs")
    func schemaValid() throws {
        let context = try Fixtures.context()
        let corpus = try Self.corpus()
        let directory = try Fixtures.temporaryDirectory("adf-schema")
        defer { try? FileManager.default.removeItem(at: directory) }
        for (name, storage) in corpus {
            let result = StorageConverter(context: context).convert(storage)
            #expect(result.isValid, "\(name): \(result.validationIssues.prefix(3))")
            #expect(ADFValidator.validate(result.document).isEmpty)
            try Data(result.document.jsonBytes()).write(to: directory.appendingPathComponent("\(name).adf.json"))
        }
        try Self.validateWithPython(directory, expected: corpus.count)
    }

    static func validateWithPython(_ directory: URL, expected: Int) throws {
        guard FileManager.default.fileExists(atPath: Fixtures.schema.path) else {
            print(
                "../shared/reference/adf-schema/full.json not found: schema validation with jsonschema-rs skipped; in-project validation ran"
            )
            return
        }
        let (status, output) = try Fixtures.runPythonValidator(directory)
        if status == 2 {
            Issue.record(
                "the independent ADF validator could not run: \(output.trimmingCharacters(in: .whitespacesAndNewlines)). CI installs it from scripts/ci-requirements.txt; locally run `python3 -m pip install -r scripts/ci-requirements.txt`"
            )
            return
        }
        #expect(status == 0, "jsonschema-rs rejected documents:\n\(output)")
        #expect(output.contains("validated \(expected) documents"), "\(output)")
        print("jsonschema-rs: \(output.split(separator: "\n").last ?? "")")
    }

    @Test("the Python validator rejects an invalid document (so the schema check can fail)")
    func pythonValidatorCanFail() throws {
        guard FileManager.default.fileExists(atPath: Fixtures.schema.path) else {
            print("../shared/reference/adf-schema/full.json not found: skipped")
            return
        }
        let directory = try Fixtures.temporaryDirectory("adf-invalid")
        defer { try? FileManager.default.removeItem(at: directory) }
        let invalid = ADFDocument(content: [
            ADFNode.paragraph([ADFNode.text("x", marks: [ADFMark("code"), ADFMark("strong")])])
        ])
        try Data(invalid.jsonBytes()).write(to: directory.appendingPathComponent("bad.adf.json"))
        let (status, output) = try Fixtures.runPythonValidator(directory)
        #expect(status == 1, "\(output)")
    }
}
