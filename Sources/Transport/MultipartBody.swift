import AsyncHTTPClient
public import Foundation
import NIOCore

/// A `multipart/form-data` body whose file parts are read from disk while the request
/// is sent, one chunk at a time, so that uploading a 2 GB attachment holds one chunk
/// in memory, not the file.
public struct MultipartBody: Sendable {
    public enum Part: Sendable {
        case field(name: String, value: String, contentType: String?)
        case file(name: String, filename: String, contentType: String, path: String)
        case data(name: String, filename: String, contentType: String, bytes: [UInt8])
    }

    public let boundary: String
    public let parts: [Part]
    public static let chunkSize = 64 * 1024

    public init(parts: [Part], boundary: String = "ferry-" + UUID().uuidString) {
        self.parts = parts
        self.boundary = boundary
    }

    public var contentType: String { "multipart/form-data; boundary=\(boundary)" }

    enum Segment: Sendable {
        case bytes([UInt8])
        case file(path: String, size: Int64)
    }

    func segments() throws -> [Segment] {
        var result: [Segment] = []
        for part in parts {
            var head = "--\(boundary)\r\n"
            switch part {
            case .field(let name, let value, let contentType):
                head += "Content-Disposition: form-data; name=\"\(Self.escape(name))\"\r\n"
                if let contentType { head += "Content-Type: \(contentType)\r\n" }
                head += "\r\n"
                result.append(.bytes(Array(head.utf8) + Array(value.utf8) + Array("\r\n".utf8)))
            case .file(let name, let filename, let contentType, let path):
                head +=
                    "Content-Disposition: form-data; name=\"\(Self.escape(name))\"; filename=\"\(Self.escape(filename))\"\r\n"
                head += "Content-Type: \(contentType)\r\n\r\n"
                result.append(.bytes(Array(head.utf8)))
                let size: Int64
                do {
                    let attributes = try FileManager.default.attributesOfItem(atPath: path)
                    size = (attributes[.size] as? NSNumber)?.int64Value ?? 0
                } catch {
                    throw TransportError.unreadableFile(path: path, reason: error.localizedDescription)
                }
                result.append(.file(path: path, size: size))
                result.append(.bytes(Array("\r\n".utf8)))
            case .data(let name, let filename, let contentType, let bytes):
                head +=
                    "Content-Disposition: form-data; name=\"\(Self.escape(name))\"; filename=\"\(Self.escape(filename))\"\r\n"
                head += "Content-Type: \(contentType)\r\n\r\n"
                result.append(.bytes(Array(head.utf8) + bytes + Array("\r\n".utf8)))
            }
        }
        result.append(.bytes(Array("--\(boundary)--\r\n".utf8)))
        return result
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\r", with: "").replacingOccurrences(of: "\n", with: "")
    }

    /// The exact number of bytes the body will have.
    public func length() throws -> Int64 {
        try segments().reduce(Int64(0)) { total, segment in
            switch segment {
            case .bytes(let bytes): total + Int64(bytes.count)
            case .file(_, let size): total + size
            }
        }
    }

    /// The body as a transport body; files are opened anew for each attempt.
    public func transportBody() throws -> TransportBody {
        let segments = try segments()
        let length = try length()
        return .stream(length: length) {
            .stream(ChunkSequence(segments: segments), length: .known(length))
        }
    }

    /// Pull-based: the next chunk is read only when the HTTP client asks for it.
    struct ChunkSequence: AsyncSequence, Sendable {
        typealias Element = ByteBuffer
        let segments: [Segment]

        func makeAsyncIterator() -> Iterator { Iterator(segments: segments) }

        struct Iterator: AsyncIteratorProtocol {
            var segments: [Segment]
            var index = 0
            var handle: FileHandle?
            var remaining: Int64 = 0
            var path = ""

            init(segments: [Segment]) { self.segments = segments }

            mutating func next() async throws -> ByteBuffer? {
                while true {
                    if let current = handle {
                        if remaining > 0 {
                            let count = Int(Swift.min(Int64(MultipartBody.chunkSize), remaining))
                            let data: Data?
                            do { data = try current.read(upToCount: count) } catch {
                                throw TransportError.unreadableFile(path: path, reason: error.localizedDescription)
                            }
                            guard let data, !data.isEmpty else {
                                throw TransportError.unreadableFile(
                                    path: path, reason: "the file became shorter while it was being uploaded")
                            }
                            remaining -= Int64(data.count)
                            return ByteBuffer(bytes: data)
                        }
                        try? current.close()
                        handle = nil
                        continue
                    }
                    guard index < segments.count else { return nil }
                    let segment = segments[index]
                    index += 1
                    switch segment {
                    case .bytes(let bytes): return ByteBuffer(bytes: bytes)
                    case .file(let filePath, let size):
                        guard size > 0 else { continue }
                        guard let opened = FileHandle(forReadingAtPath: filePath) else {
                            throw TransportError.unreadableFile(path: filePath, reason: "it cannot be opened")
                        }
                        handle = opened
                        remaining = size
                        path = filePath
                    }
                }
            }
        }
    }
}
