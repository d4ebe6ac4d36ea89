import Foundation
import NIOCore

/// Writes a request payload (a tree of `[String: Any]`, `[Any]`, `String`, `Int`, `Bool`
/// and `NSNull`) as JSON straight into a `ByteBuffer`.
///
/// Page bodies travel as one long ADF string inside the payload; escaping it byte by
/// byte, copying the runs that need no escape in one go, costs a fraction of what
/// `JSONSerialization` spends on the same tree. Anything else (a bridged `NSNumber`, a
/// `Double`) is written by `JSONSerialization` as a fragment, so the output is always
/// the JSON that `JSONSerialization` would accept back. Slashes are not escaped.
enum JSONPayload {
    static func encode(_ value: Any) throws -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(256)
        try write(value, into: &buffer)
        return buffer
    }

    private static func write(_ value: Any, into buffer: inout ByteBuffer) throws {
        if type(of: value) == Bool.self, let flag = value as? Bool {
            buffer.writeStaticString(flag ? "true" : "false")
            return
        }
        if type(of: value) == Int.self, let number = value as? Int {
            buffer.writeString(String(number))
            return
        }
        switch value {
        case let text as String:
            writeString(text, into: &buffer)
        case let object as [String: Any]:
            buffer.writeInteger(UInt8(ascii: "{"))
            var first = true
            for (key, member) in object {
                if !first { buffer.writeInteger(UInt8(ascii: ",")) }
                first = false
                writeString(key, into: &buffer)
                buffer.writeInteger(UInt8(ascii: ":"))
                try write(member, into: &buffer)
            }
            buffer.writeInteger(UInt8(ascii: "}"))
        case let array as [Any]:
            buffer.writeInteger(UInt8(ascii: "["))
            for (index, element) in array.enumerated() {
                if index > 0 { buffer.writeInteger(UInt8(ascii: ",")) }
                try write(element, into: &buffer)
            }
            buffer.writeInteger(UInt8(ascii: "]"))
        case is NSNull:
            buffer.writeStaticString("null")
        default:
            let data = try JSONSerialization.data(
                withJSONObject: value, options: [.fragmentsAllowed, .withoutEscapingSlashes])
            buffer.writeBytes(data)
        }
    }

    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    static func writeString(_ text: String, into buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { bytes in
            var runStart = 0
            for index in bytes.indices {
                let byte = bytes[index]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                if runStart < index { buffer.writeBytes(UnsafeBufferPointer(rebasing: bytes[runStart..<index])) }
                runStart = index + 1
                switch byte {
                case UInt8(ascii: "\""): buffer.writeStaticString("\\\"")
                case UInt8(ascii: "\\"): buffer.writeStaticString("\\\\")
                case 0x0A: buffer.writeStaticString("\\n")
                case 0x0D: buffer.writeStaticString("\\r")
                case 0x09: buffer.writeStaticString("\\t")
                case 0x08: buffer.writeStaticString("\\b")
                case 0x0C: buffer.writeStaticString("\\f")
                default:
                    buffer.writeStaticString("\\u00")
                    buffer.writeInteger(hex[Int(byte >> 4)])
                    buffer.writeInteger(hex[Int(byte & 0x0F)])
                }
            }
            if runStart < bytes.count {
                buffer.writeBytes(UnsafeBufferPointer(rebasing: bytes[runStart..<bytes.count]))
            }
        }
        buffer.writeInteger(UInt8(ascii: "\""))
    }
}
