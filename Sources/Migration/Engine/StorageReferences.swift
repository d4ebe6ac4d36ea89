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
        while let start = rest.range(of: "<ri:") {
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
        while let start = attachmentRest.range(of: "<ri:attachment") {
            let tail = attachmentRest[start.lowerBound...]
            guard let close = tail.range(of: "</ri:attachment>") else { break }
            let element = tail[..<close.lowerBound]
            attachmentRest = tail[close.upperBound...]
            guard let filename = attribute("ri:filename", in: element), let pageStart = element.range(of: "<ri:page"),
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
        guard let range = element.range(of: name + "=") else { return nil }
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
