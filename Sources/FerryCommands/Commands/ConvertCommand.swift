public import ArgumentParser
public import FerryModel
import Foundation
import StorageFormat

/// `ferry convert`: storage-format files → ADF documents, with a per-file report.
public struct ConvertCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Convert Confluence storage-format pages to ADF for Cloud's editor.",
        discussion: """
            Each input (a .xhtml, .xml or .html file holding one page body in storage \
            format, or a folder searched recursively for them) becomes DIR/<name>.adf.json, \
            a document that validates against the ADF schema. What Cloud cannot express is \
            restructured the way Cloud's editor does, or kept in a Legacy Content block with \
            its original storage; nothing is dropped silently. Every fallback, dropped \
            attribute, unresolved link, image or user, unknown macro and repaired parse \
            error is listed per file with its path in the body.

            --context names a JSON file that maps the source to Cloud: {"pageId": "...", \
            "spaceKey": "...", "baseUrls": ["..."], "attachments": {"<filename>": \
            {"fileId": "...", "pageId": "..."}}, "users": {"<userkey or username>": \
            {"accountId": "...", "displayName": "..."}}, "pages": {"<SPACEKEY>:<title>": \
            {"id": "...", "url": "..."}}}. Without it, links, images and mentions stay \
            readable as text and are reported as unresolved.

            Exit status: 0 when every input produced a valid document, 1 otherwise.

            Example:
              ferry convert page.xhtml --out adf/
              ferry convert bodies/ --out adf/ --context context.json --report report.json
              ferry convert page.xhtml --out adf/ --json
            """
    )

    @OptionGroup public var global: GlobalOptions

    @Argument(help: ArgumentHelp("Storage-format files, or folders of them.", valueName: "input"))
    public var inputs: [String]

    @Option(
        name: .long, help: ArgumentHelp("Folder for the .adf.json documents (created if missing).", valueName: "dir"))
    public var out: String

    @Option(
        name: .long, help: ArgumentHelp("JSON file mapping pages, attachments and users to Cloud.", valueName: "file"))
    public var context: String?

    @Option(name: .long, help: ArgumentHelp("Write the per-file diagnostics report here as JSON.", valueName: "file"))
    public var report: String?

    @Flag(name: .long, help: "Print the report as JSON instead of text.")
    public var json: Bool = false

    public init() {}

    public func run() async throws {
        let logger = global.makeLogger()
        let conversionContext = try loadContext()
        var files: [(input: String, file: URL)] = []
        var missing: [ConvertReport.File] = []
        for input in inputs {
            do {
                files += try Self.expand(input).map { (input, $0) }
            } catch let error as ConvertError {
                missing.append(ConvertReport.File(input: input, output: nil, valid: false, error: error.summary))
            }
        }
        let outDirectory = URL(fileURLWithPath: out)
        do {
            try FileManager.default.createDirectory(at: outDirectory, withIntermediateDirectories: true)
        } catch {
            throw ConvertError.outputUnwritable(path: out, reason: error.localizedDescription)
        }
        let converter = StorageConverter(context: conversionContext)
        let progress = ProgressReporter(phase: "converting", total: files.count, style: json ? .silent : nil)
        var entries = missing
        var usedNames: Set<String> = []
        for (input, file) in files {
            var name = file.deletingPathExtension().lastPathComponent
            var suffix = 2
            while usedNames.contains(name) {
                name = file.deletingPathExtension().lastPathComponent + "-\(suffix)"
                suffix += 1
            }
            usedNames.insert(name)
            let target = outDirectory.appendingPathComponent(name + ".adf.json")
            let data: Data
            do {
                data = try Data(contentsOf: file)
            } catch {
                entries.append(
                    ConvertReport.File(
                        input: file.path, output: nil, valid: false,
                        error: ConvertError.inputUnreadable(path: file.path, reason: error.localizedDescription).summary
                    ))
                continue
            }
            let result = converter.convert([UInt8](data))
            var entry = ConvertReport.File(
                input: file.path, output: nil, valid: result.isValid, diagnostics: result.diagnostics,
                validationIssues: result.validationIssues)
            if result.isValid {
                do {
                    try Data(result.document.jsonBytes()).write(to: target, options: .atomic)
                    entry.output = target.path
                } catch {
                    entry.valid = false
                    entry.error =
                        ConvertError.outputUnwritable(path: target.path, reason: error.localizedDescription).summary
                }
            }
            logger.debug(
                "converted",
                metadata: ["input": "\(input)", "file": "\(file.path)", "diagnostics": "\(result.diagnostics.count)"])
            entries.append(entry)
            progress.advance(bytes: Int64(data.count))
        }
        progress.finish()
        let summary = ConvertReport(files: entries)
        if let report {
            do {
                try Data(Console.jsonString(summary).utf8).write(to: URL(fileURLWithPath: report), options: .atomic)
            } catch {
                throw ConvertError.outputUnwritable(path: report, reason: error.localizedDescription)
            }
        }
        if json {
            try Console.printJSON(summary)
        } else {
            Console.print(summary.text)
        }
        if summary.invalid > 0 { throw ExitCode(1) }
    }

    private func loadContext() throws -> ConversionContext {
        guard let context else { return ConversionContext() }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: context))
        } catch {
            throw ConvertError.contextUnreadable(path: context, reason: error.localizedDescription)
        }
        do {
            return try JSONDecoder().decode(ConversionContext.self, from: data)
        } catch let DecodingError.dataCorrupted(detail) {
            throw ConvertError.contextInvalid(path: context, reason: detail.debugDescription)
        } catch let DecodingError.typeMismatch(_, detail), let DecodingError.valueNotFound(_, detail),
            let DecodingError.keyNotFound(_, detail)
        {
            let where_ = detail.codingPath.map(\.stringValue).joined(separator: ".")
            throw ConvertError.contextInvalid(
                path: context, reason: "at \(where_.isEmpty ? "top level" : where_): \(detail.debugDescription)")
        } catch {
            throw ConvertError.contextInvalid(path: context, reason: "\(error)")
        }
    }

    static let extensions: Set<String> = ["xhtml", "xml", "html", "htm"]

    /// A file as is; a folder as every storage file below it, in name order.
    static func expand(_ input: String) throws -> [URL] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: input, isDirectory: &isDirectory) else {
            throw ConvertError.inputNotFound(path: input)
        }
        let url = URL(fileURLWithPath: input)
        guard isDirectory.boolValue else { return [url] }
        guard let enumerator = FileManager.default.enumerator(at: url, includingPropertiesForKeys: nil) else {
            throw ConvertError.inputUnreadable(path: input, reason: "cannot list the folder")
        }
        var found: [URL] = []
        for case let file as URL in enumerator where extensions.contains(file.pathExtension.lowercased()) {
            found.append(file)
        }
        if found.isEmpty { throw ConvertError.noStorageFiles(path: input) }
        return found.sorted { $0.path < $1.path }
    }
}

/// What `ferry convert` did, per file.
struct ConvertReport: Encodable {
    struct File: Encodable {
        var input: String
        var output: String?
        var valid: Bool
        var error: String?
        var diagnostics: [ConversionDiagnostic] = []
        var validationIssues: [ADFValidationIssue] = []
    }

    var files: [File]
    var converted: Int { files.filter(\.valid).count }
    var invalid: Int { files.count - converted }

    private enum CodingKeys: String, CodingKey {
        case files, converted, invalid, diagnostics
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(files, forKey: .files)
        try container.encode(converted, forKey: .converted)
        try container.encode(invalid, forKey: .invalid)
        try container.encode(files.reduce(0) { $0 + $1.diagnostics.count }, forKey: .diagnostics)
    }

    var text: String {
        var lines: [String] = []
        for file in files {
            if let error = file.error {
                lines.append("FAILED \(file.input): \(error)")
            } else if !file.valid {
                lines.append(
                    "INVALID \(file.input): \(file.validationIssues.map(\.description).joined(separator: "; "))")
            } else {
                lines.append("converted \(file.input) → \(file.output ?? "?") (\(file.diagnostics.count) diagnostics)")
            }
            for diagnostic in file.diagnostics {
                lines.append(
                    "  \(diagnostic.kind.rawValue) [\(diagnostic.code)] \(diagnostic.path), line \(diagnostic.line): \(diagnostic.message)"
                )
            }
        }
        lines.append("\(converted) of \(files.count) inputs converted to valid ADF; \(invalid) failed")
        return lines.joined(separator: "\n")
    }
}

/// Why `ferry convert` could not read or write a file.
public enum ConvertError: FerryError, Equatable {
    case inputNotFound(path: String)
    case inputUnreadable(path: String, reason: String)
    case noStorageFiles(path: String)
    case contextUnreadable(path: String, reason: String)
    case contextInvalid(path: String, reason: String)
    case outputUnwritable(path: String, reason: String)

    public var summary: String {
        switch self {
        case .inputNotFound(let path): "input \(path) does not exist"
        case .inputUnreadable(let path, let reason): "cannot read input \(path): \(reason)"
        case .noStorageFiles(let path): "the folder \(path) holds no .xhtml, .xml or .html files"
        case .contextUnreadable(let path, let reason): "cannot read the context file \(path): \(reason)"
        case .contextInvalid(let path, let reason):
            "the context file \(path) is not a valid conversion context: \(reason)"
        case .outputUnwritable(let path, let reason): "cannot write \(path): \(reason)"
        }
    }

    public var remedy: String? {
        switch self {
        case .inputNotFound: "check the path; give files or folders of storage-format bodies"
        case .inputUnreadable: "check that this user may read the file"
        case .noStorageFiles: "point at the files themselves, or rename them to .xhtml"
        case .contextUnreadable: "check the path given with --context"
        case .contextInvalid:
            "fix the JSON; the shape is shown in `ferry convert --help` (pageId, spaceKey, baseUrls, attachments, users, pages)"
        case .outputUnwritable: "check that the folder exists and this user may write to it"
        }
    }
}
