import FerryModel
import Foundation

/// What a command prints for people (stdout) and machines (`--json`).
///
/// All text passes through the secret registry on its way out, so a secret that
/// found its way into a message is still never printed.
public enum Console {
    /// True when stdout is a terminal, so progress can be drawn in place.
    public static var standardErrorIsTerminal: Bool { isatty(STDERR_FILENO) == 1 }

    public static func print(_ text: String, terminator: String = "\n") {
        FileHandle.standardOutput.write(Data((SecretRegistry.shared.redact(text) + terminator).utf8))
    }

    /// Writes `text` as is (no newline added), through the secret filter.
    public static func write(_ text: String) {
        FileHandle.standardOutput.write(Data(SecretRegistry.shared.redact(text).utf8))
    }

    public static func printError(_ text: String) {
        FileHandle.standardError.write(Data((SecretRegistry.shared.redact(text) + "\n").utf8))
    }

    /// Encodes `value` as pretty, key-sorted JSON on stdout.
    public static func printJSON(_ value: some Encodable) throws {
        Console.print(try jsonString(value))
    }

    public static func jsonString(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
