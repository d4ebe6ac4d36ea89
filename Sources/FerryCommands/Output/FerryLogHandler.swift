import FerryModel
import Foundation
public import Logging

/// The two shapes a log line can take on stderr.
public enum LogFormat: String, Sendable, CaseIterable {
    /// `2026-11-30T12:00:00Z info ferry: message key=value`
    case text
    /// One JSON object a line: `{"ts":…,"level":…,"label":…,"message":…,"metadata":{…}}`
    case json
}

/// A swift-log handler that writes to stderr and scrubs every registered
/// ``Secret`` from the message and metadata before anything is written.
public struct FerryLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String
    private let format: LogFormat
    private let sink: LogSink

    public init(label: String, level: Logger.Level, format: LogFormat, sink: LogSink = .standardError) {
        self.label = label
        self.logLevel = level
        self.format = format
        self.sink = sink
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        let timestamp = Date().formatted(.iso8601)
        let registry = SecretRegistry.shared
        let message = registry.redact(event.message.description)
        let line: String
        switch format {
        case .text:
            let fields = merged.sorted { $0.key < $1.key }
                .map { "\($0.key)=\(registry.redact($0.value.description))" }
                .joined(separator: " ")
            line = "\(timestamp) \(event.level) \(label): \(message)" + (fields.isEmpty ? "" : " " + fields)
        case .json:
            var object: [String: Any] = [
                "ts": timestamp, "level": event.level.rawValue, "label": label, "message": message,
            ]
            if !merged.isEmpty {
                object["metadata"] = Dictionary(
                    uniqueKeysWithValues: merged.map { ($0.key, registry.redact($0.value.description)) })
            }
            let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
            line = String(decoding: data, as: UTF8.self)
        }
        sink.write(line + "\n")
    }
}

/// Where log lines go. Tests capture them; the CLI writes to stderr.
public struct LogSink: Sendable {
    let write: @Sendable (String) -> Void

    public init(write: @escaping @Sendable (String) -> Void) {
        self.write = write
    }

    public static let standardError = LogSink { text in
        FileHandle.standardError.write(Data(text.utf8))
    }
}
