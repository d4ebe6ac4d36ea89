#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Turns the raw bytes of one text node into a clean Swift string, counting each
/// repair: XML-illegal control characters (all C0 except TAB, LF, CR, and
/// U+FFFE/U+FFFF) are dropped, bytes that are not UTF-8 become U+FFFD, and the
/// exporter's nested-CDATA escape `]] ` becomes `]]` (left to right).
enum TextRepair {
    struct Counts {
        var controlCharacters = 0
        var invalidUTF8 = 0
        var cdataEscapes = 0
    }

    static func clean(_ raw: UnsafeBufferPointer<UInt8>, counts: inout Counts) -> String {
        guard raw.count > 0 else { return "" }
        if let firstBad = firstProblem(raw) {
            var repaired = [UInt8]()
            repaired.reserveCapacity(raw.count)
            repaired.append(contentsOf: UnsafeBufferPointer(rebasing: raw[0..<firstBad]))
            repair(UnsafeBufferPointer(rebasing: raw[firstBad...]), into: &repaired, counts: &counts)
            return repaired.withUnsafeBufferPointer { unescape($0, counts: &counts) }
        }
        return unescape(raw, counts: &counts)
    }

    /// Index of the first byte that needs repair, or nil when the text is valid.
    private static func firstProblem(_ p: UnsafeBufferPointer<UInt8>) -> Int? {
        var i = 0
        let n = p.count
        while i < n {
            let b = p[i]
            if b >= 0x20 && b < 0x80 {
                i += 1
                continue
            }
            if b < 0x20 {
                if b == 0x09 || b == 0x0A || b == 0x0D {
                    i += 1
                    continue
                }
                return i
            }
            let length = sequenceLength(p, i)
            if length == 0 { return i }
            i += length
        }
        return nil
    }

    /// Length of a valid, XML-legal UTF-8 sequence at `i`, or 0.
    @inline(__always)
    private static func sequenceLength(_ p: UnsafeBufferPointer<UInt8>, _ i: Int) -> Int {
        let n = p.count
        let b0 = p[i]
        func cont(_ k: Int) -> Bool { i + k < n && p[i + k] & 0xC0 == 0x80 }
        switch b0 {
        case 0xC2...0xDF:
            return cont(1) ? 2 : 0
        case 0xE0...0xEF:
            guard cont(1), cont(2) else { return 0 }
            let b1 = p[i + 1]
            if b0 == 0xE0 && b1 < 0xA0 { return 0 }
            if b0 == 0xED && b1 >= 0xA0 { return 0 }  // surrogates
            if b0 == 0xEF && b1 == 0xBF && (p[i + 2] == 0xBE || p[i + 2] == 0xBF) { return 0 }  // U+FFFE/U+FFFF
            return 3
        case 0xF0...0xF4:
            guard cont(1), cont(2), cont(3) else { return 0 }
            let b1 = p[i + 1]
            if b0 == 0xF0 && b1 < 0x90 { return 0 }
            if b0 == 0xF4 && b1 >= 0x90 { return 0 }
            return 4
        default:
            return 0
        }
    }

    private static func repair(_ p: UnsafeBufferPointer<UInt8>, into out: inout [UInt8], counts: inout Counts) {
        var i = 0
        let n = p.count
        while i < n {
            let b = p[i]
            if b >= 0x20 && b < 0x80 {
                out.append(b)
                i += 1
                continue
            }
            if b < 0x20 {
                if b == 0x09 || b == 0x0A || b == 0x0D {
                    out.append(b)
                } else {
                    counts.controlCharacters += 1
                }
                i += 1
                continue
            }
            let length = sequenceLength(p, i)
            if length > 0 {
                out.append(contentsOf: UnsafeBufferPointer(rebasing: p[i..<(i + length)]))
                i += length
            } else if b == 0xEF, i + 2 < n, p[i + 1] == 0xBF, p[i + 2] == 0xBE || p[i + 2] == 0xBF {
                counts.controlCharacters += 1
                i += 3
            } else {
                counts.invalidUTF8 += 1
                out.append(contentsOf: [0xEF, 0xBF, 0xBD])
                i += 1
            }
        }
    }

    /// Replaces each `]] ` with `]]`, scanning left to right.
    private static func unescape(_ p: UnsafeBufferPointer<UInt8>, counts: inout Counts) -> String {
        guard let base = p.baseAddress else { return "" }
        let n = p.count
        var searchFrom = 0
        var firstHit: Int?
        while searchFrom < n - 2 {
            guard let hit = memchr(base + searchFrom, Int32(UInt8(ascii: "]")), n - searchFrom - 2) else { break }
            let k = (UnsafeRawPointer(hit) - UnsafeRawPointer(base))
            if p[k + 1] == UInt8(ascii: "]"), p[k + 2] == UInt8(ascii: " ") {
                firstHit = k
                break
            }
            searchFrom = k + 1
        }
        guard let first = firstHit else { return String(decoding: p, as: UTF8.self) }
        var out = [UInt8]()
        out.reserveCapacity(n)
        // Copy runs between escapes in bulk: from each `]] `, keep `]]` and skip the space.
        var runStart = 0
        var hit = first
        while true {
            out.append(contentsOf: UnsafeBufferPointer(start: base + runStart, count: hit + 2 - runStart))
            counts.cdataEscapes += 1
            runStart = hit + 3
            var next: Int?
            var from = runStart
            while from < n - 2 {
                guard let found = memchr(base + from, Int32(UInt8(ascii: "]")), n - from - 2) else { break }
                let k = (UnsafeRawPointer(found) - UnsafeRawPointer(base))
                if p[k + 1] == UInt8(ascii: "]"), p[k + 2] == UInt8(ascii: " ") {
                    next = k
                    break
                }
                from = k + 1
            }
            guard let found = next else { break }
            hit = found
        }
        if runStart < n { out.append(contentsOf: UnsafeBufferPointer(start: base + runStart, count: n - runStart)) }
        return String(decoding: out, as: UTF8.self)
    }
}
