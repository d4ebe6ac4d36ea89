public import Foundation

/// JSON string quoting for the line-oriented files Ferry writes by hand (the staged
/// object properties, the archive's JSON lines), where building a `Codable` value per
/// line would cost more than the line itself.
public enum JSONText {
    /// `text` as a JSON string literal, quotes included; control characters escaped.
    public static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    out += String(format: "\\u%04x", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
