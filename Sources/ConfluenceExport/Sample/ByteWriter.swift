public import FerryModel
import Foundation

/// A buffered, append-only file writer: bytes go to a fixed buffer and reach the
/// file in large writes, so generating gigabytes costs no more memory than the buffer.
final class ByteWriter {
    private let descriptor: Int32
    private let path: String
    private var buffer: [UInt8] = []
    private let capacity: Int
    private(set) var written: Int64 = 0

    init(path: String, capacity: Int = 1 << 20) throws {
        self.path = path
        self.capacity = capacity
        descriptor = Foundation.open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard descriptor >= 0 else {
            throw SampleError.cannotWrite(path: path, reason: String(cString: strerror(errno)))
        }
        buffer.reserveCapacity(capacity)
    }

    deinit { close(descriptor) }

    var count: Int64 { written + Int64(buffer.count) }

    @inline(__always)
    func write(_ text: String) throws {
        var text = text
        text.withUTF8 { buffer.append(contentsOf: $0) }
        if buffer.count >= capacity { try flush() }
    }

    func write(bytes: [UInt8]) throws {
        buffer.append(contentsOf: bytes)
        if buffer.count >= capacity { try flush() }
    }

    /// Writes `text` as the inside of a CDATA section the way Confluence's exporter
    /// does: a space after every `]]`, so no `]]>` can end the section early.
    /// Returns how many escapes were written.
    @discardableResult
    func writeCDATAContent(_ text: String) throws -> Int {
        var escapes = 0
        var text = text
        text.withUTF8 { p in
            var start = 0
            var i = 0
            let n = p.count
            while i + 1 < n {
                if p[i] == UInt8(ascii: "]"), p[i + 1] == UInt8(ascii: "]") {
                    buffer.append(contentsOf: UnsafeBufferPointer(rebasing: p[start..<(i + 2)]))
                    buffer.append(UInt8(ascii: " "))
                    escapes += 1
                    i += 2
                    start = i
                } else {
                    i += 1
                }
            }
            buffer.append(contentsOf: UnsafeBufferPointer(rebasing: p[start..<n]))
        }
        if buffer.count >= capacity { try flush() }
        return escapes
    }

    func flush() throws {
        var offset = 0
        while offset < buffer.count {
            let result = buffer.withUnsafeBytes { raw in
                Foundation.write(descriptor, raw.baseAddress.map { $0 + offset }, raw.count - offset)
            }
            if result < 0 {
                if errno == EINTR { continue }
                throw SampleError.cannotWrite(path: path, reason: String(cString: strerror(errno)))
            }
            offset += result
        }
        written += Int64(buffer.count)
        buffer.removeAll(keepingCapacity: true)
    }
}

/// SplitMix64: small, fast and the same on every platform, so a seed always gives the same site.
struct SampleRandom {
    private var state: UInt64

    init(seed: UInt64, _ a: UInt64 = 0, _ b: UInt64 = 0) {
        state = seed &* 0x9E37_79B9_7F4A_7C15 ^ a &* 0xBF58_476D_1CE4_E5B9 ^ b &* 0x94D0_49BB_1331_11EB ^ 0x5851_F42D
        _ = next()
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A number in `0..<bound` (bound > 0).
    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(max(bound, 1))) }

    mutating func chance(_ oneIn: Int) -> Bool { below(oneIn) == 0 }

    mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }
}

public enum SampleError: FerryError {
    case cannotWrite(path: String, reason: String)
    case invalidOption(String)

    public var summary: String {
        switch self {
        case .cannotWrite(let path, let reason): "cannot write '\(path)': \(reason)"
        case .invalidOption(let message): message
        }
    }

    public var remedy: String? {
        switch self {
        case .cannotWrite: "check that the folder exists, is writable and has free space"
        case .invalidOption: "see `ferry sample --help`"
        }
    }
}
