import Foundation

/// The URL forms under which Data Center/Server serves content, so every old
/// bookmark and link can be mapped to its Cloud address after cutover.
public enum ConfluenceURLs {
    /// The `/x/<code>` tiny-link code of a content id, as Confluence's `TinyUrl` computes it:
    /// the id's bytes in little-endian order, Base64-encoded with `+` → `_` and `/` → `-`
    /// (the reverse of RFC 4648's URL alphabet), trailing `A` and `=` removed.
    public static func tinyLinkCode(contentId: Int64) -> String {
        var value = UInt64(bitPattern: contentId)
        var bytes: [UInt8] = []
        for _ in 0..<8 {
            bytes.append(UInt8(value & 0xFF))
            value >>= 8
        }
        var code = Data(bytes).base64EncodedString()
        code = String(code.map { $0 == "+" ? "_" : $0 == "/" ? "-" : $0 })
        while let last = code.last, last == "A" || last == "=" { code.removeLast() }
        return code
    }

    /// The content id a tiny-link code stands for, or `nil` if it is not one.
    public static func contentId(tinyLinkCode code: String) -> Int64? {
        guard !code.isEmpty, code.count <= 11 else { return nil }
        var base64 = String(code.map { $0 == "_" ? "+" : $0 == "-" ? "/" : $0 })
        base64 += String(repeating: "A", count: 11 - base64.count) + "="
        guard let data = Data(base64Encoded: base64), data.count == 8 else { return nil }
        var value: UInt64 = 0
        for (index, byte) in data.enumerated() { value |= UInt64(byte) << (8 * UInt64(index)) }
        return Int64(bitPattern: value)
    }

    /// A title as it appears in `/display/KEY/<title>`: spaces become `+`, and everything
    /// but unreserved characters is percent-encoded (what Confluence's `GeneralUtil.urlEncode` does).
    public static func displayTitle(_ title: String) -> String {
        var output = ""
        for byte in title.utf8 {
            switch byte {
            case UInt8(ascii: " "): output += "+"
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."),
                UInt8(ascii: "*"):
                output.unicodeScalars.append(Unicode.Scalar(byte))
            default: output += String(format: "%%%02X", byte)
            }
        }
        return output
    }

    /// A path segment for a file name in download URLs (`%20` for spaces, as browsers send).
    public static func pathSegment(_ text: String) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "/?#")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}
