#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The pages, blog posts and attachments a storage body links to, found by a light scan
/// of `ri:` elements (the converter does the real parsing; this only decides what to look up).
enum StorageReferences {
    struct Reference: Equatable {
        var spaceKey: String?
        var title: String
        var blogPost: Bool
        var attachments: [String]
    }

    static func scan(_ storage: String) -> [Reference] {
        var references: [Reference] = []
        var seen: Set<String> = []
        var rest = storage[...]
        while let start = rest.utf8Range(of: "<ri:") {
            let tail = rest[start.lowerBound...]
            guard let end = tail.firstIndex(of: ">") else { break }
            let element = tail[..<end]
            rest = tail[end...]
            let isPage = element.hasPrefix("<ri:page")
            let isBlog = element.hasPrefix("<ri:blog-post")
            guard isPage || isBlog, let title = attribute("ri:content-title", in: element) else { continue }
            let space = attribute("ri:space-key", in: element)
            let identity = "\(space ?? ""):\(title):\(isBlog)"
            guard seen.insert(identity).inserted else { continue }
            references.append(Reference(spaceKey: space, title: title, blogPost: isBlog, attachments: []))
        }
        // Attachments of other pages: <ri:attachment ri:filename="x"><ri:page ri:content-title="T" …/></ri:attachment>
        var attachmentRest = storage[...]
        while let start = attachmentRest.utf8Range(of: "<ri:attachment") {
            let tail = attachmentRest[start.lowerBound...]
            guard let close = tail.utf8Range(of: "</ri:attachment>") else { break }
            let element = tail[..<close.lowerBound]
            attachmentRest = tail[close.upperBound...]
            guard let filename = attribute("ri:filename", in: element),
                let pageStart = element.utf8Range(of: "<ri:page"),
                let title = attribute("ri:content-title", in: element[pageStart.lowerBound...])
            else { continue }
            let space = attribute("ri:space-key", in: element[pageStart.lowerBound...])
            if let index = references.firstIndex(where: { $0.title == title && $0.spaceKey == space && !$0.blogPost }) {
                references[index].attachments.append(filename)
            } else {
                references.append(Reference(spaceKey: space, title: title, blogPost: false, attachments: [filename]))
            }
        }
        return references
    }

    static func attribute(_ name: String, in element: Substring) -> String? {
        guard let range = element.utf8Range(of: name + "=") else { return nil }
        let after = element[range.upperBound...]
        guard let quote = after.first, quote == "\"" || quote == "'" else { return nil }
        let value = after.dropFirst()
        guard let end = value.firstIndex(of: quote) else { return nil }
        return decodeEntities(String(value[..<end]))
    }

    static func decodeEntities(_ text: String) -> String {
        guard text.contains("&") else { return text }
        return text.replacing("&quot;", with: "\"").replacing("&apos;", with: "'").replacing("&lt;", with: "<")
            .replacing("&gt;", with: ">").replacing("&amp;", with: "&")
    }
}

extension StringProtocol {
    /// The first occurrence of `needle`, compared byte for byte in UTF-8. Storage markup is
    /// searched for ASCII element and attribute names, where this equals a literal search;
    /// it is several times cheaper than Foundation's `range(of:)`, which works in UTF-16.
    func utf8Range(of needle: String) -> Range<String.Index>? {
        var pattern = needle
        let offset: Int?? = utf8.withContiguousStorageIfAvailable { haystack -> Int? in
            pattern.withUTF8 { bytes -> Int? in
                guard let base = haystack.baseAddress, let pattern = bytes.baseAddress, !bytes.isEmpty,
                    bytes.count <= haystack.count
                else { return nil }
                // memchr finds each candidate first byte; memcmp checks the rest.
                let last = haystack.count - bytes.count
                var position = 0
                while position <= last {
                    guard let hit = memchr(base + position, Int32(pattern.pointee), last - position + 1) else {
                        return nil
                    }
                    let index = UnsafeRawPointer(base).distance(to: UnsafeRawPointer(hit))
                    if memcmp(hit, pattern, bytes.count) == 0 { return index }
                    position = index + 1
                }
                return nil
            }
        }
        let start: String.Index
        if let offset {
            guard let offset else { return nil }
            start = utf8.index(utf8.startIndex, offsetBy: offset)
        } else {
            guard let found = utf8.firstRange(of: needle.utf8) else { return nil }
            start = found.lowerBound
        }
        return start..<utf8.index(start, offsetBy: needle.utf8.count)
    }

    /// Whether `needle` occurs, compared byte for byte in UTF-8 (see ``utf8Range(of:)``).
    func utf8Contains(_ needle: String) -> Bool { utf8Range(of: needle) != nil }
}
