extension ConversionRun {
    // MARK: <a href>

    mutating func anchorElement(_ index: Int, marks: [ADFMark], flow: inout Flow) {
        guard let href = tree.attribute("href", of: index)?.trimmingSpaces(), !href.isEmpty else {
            walkChildren(of: index, marks: marks, flow: &flow, inParagraph: true)
            return
        }
        let target = rewriteSourceURL(href, at: index)
        let before = flow.inlines.count
        let blocksBefore = flow.blocks.count
        walkChildren(
            of: index, marks: adding(ADFMark("link", attrs: ["href": .string(target)]), to: marks, at: index),
            flow: &flow, inParagraph: true)
        let producedText =
            flow.blocks.count != blocksBefore
            || (flow.inlines.count > before && flow.inlines[before...].contains { $0.type == "text" })
        if !producedText {
            appendText(
                target, marks: adding(ADFMark("link", attrs: ["href": .string(target)]), to: marks, at: index),
                preserve: false, flow: &flow)
        }
    }

    /// Links into the old site (`/display/KEY/Title`, `/spaces/KEY/pages/…`) become Cloud
    /// page URLs from the context; other links are left as written.
    mutating func rewriteSourceURL(_ href: String, at index: Int) -> String {
        guard let base = context.baseUrls.first(where: { !$0.isEmpty && href.hasPrefix($0) }) else { return href }
        var rest = String(href.dropFirst(base.count))
        var fragment = ""
        if let hash = rest.firstIndex(of: "#") {
            fragment = String(rest[hash...])
            rest = String(rest[..<hash])
        }
        let parts = rest.split(separator: "/").map(String.init)
        if parts.count >= 3, parts[0] == "display" {
            let title = (parts[2].replacingPlus().removingPercentEncodingSafely())
            if let page = context.pages["\(parts[1]):\(title)"], let url = page.url { return url + fragment }
        }
        note(
            .unresolvedReference, "unresolved-link",
            "the link \(href) points into the source site and no Cloud page in the context matches it; kept as written",
            at: index)
        return href
    }

    // MARK: ac:link

    mutating func link(_ index: Int, marks: [ADFMark], flow: inout Flow) {
        var resource: Int?
        var body: Int?
        var plainBody: String?
        for child in tree.children(of: index) where tree[child].kind == .element {
            let name = tree[child].name
            if name.hasPrefix("ri:") { resource = resource ?? child }
            if name == "ac:link-body" { body = child }
            if name == "ac:plain-text-link-body" { plainBody = tree.textContent(of: child) }
        }
        let anchor = tree.attribute("ac:anchor", of: index).map { "#" + $0 } ?? ""
        guard let resource else {
            // An anchor on this page.
            emitLink(
                href: anchor.isEmpty ? nil : anchor, defaultText: anchor, body: body, plainBody: plainBody,
                marks: marks, flow: &flow, at: index)
            return
        }
        let name = tree[resource].name
        switch name {
        case "ri:user":
            let key = tree.attribute("ri:userkey", of: resource) ?? tree.attribute("ri:username", of: resource) ?? ""
            let accountId = tree.attribute("ri:account-id", of: resource)
            let user = context.users[key] ?? accountId.map { ConversionContext.User(accountId: $0) }
            let shown = body.map { tree.textContent(of: $0) } ?? plainBody
            if let user {
                let display = user.displayName ?? shown?.trimmingSpaces() ?? key
                appendInline(
                    ADFNode("mention", attrs: ["id": .string(user.accountId), "text": .string("@" + display)]),
                    to: &flow)
            } else {
                note(
                    .unresolvedReference, "unresolved-user",
                    "the user \(key.isEmpty ? "(no key)" : key) has no Cloud account in the context; kept as text",
                    at: resource)
                let text = shown?.trimmingSpaces().nilIfEmpty ?? "@" + (key.isEmpty ? "unknown user" : key)
                appendText(text, marks: marks, preserve: false, flow: &flow)
            }
        case "ri:page", "ri:blog-post":
            let title = tree.attribute("ri:content-title", of: resource) ?? ""
            let space = tree.attribute("ri:space-key", of: resource) ?? context.spaceKey ?? ""
            var href: String?
            if let page = context.pages["\(space):\(title)"] {
                href = (page.url ?? "/wiki/spaces/\(space)/pages/\(page.id)") + anchor
            } else if title.isEmpty {
                href = anchor.isEmpty ? nil : anchor
            } else {
                note(
                    .unresolvedReference, "unresolved-page",
                    "the page \(space):\(title) is not in the context; the link text was kept without a link",
                    at: resource)
            }
            emitLink(
                href: href, defaultText: title.isEmpty ? anchor : title, body: body, plainBody: plainBody, marks: marks,
                flow: &flow, at: index)
        case "ri:attachment":
            let filename = tree.attribute("ri:filename", of: resource) ?? ""
            var href: String?
            if let attachment = resolveAttachment(filename, of: resource) {
                let page = attachment.pageId ?? context.pageId ?? ""
                href = "/wiki/download/attachments/\(page)/\(filename.percentEncodedPathComponent())"
            } else {
                note(
                    .unresolvedReference, "unresolved-attachment",
                    "the attachment \(filename) is not in the context; the link text was kept without a link",
                    at: resource)
            }
            emitLink(
                href: href, defaultText: filename, body: body, plainBody: plainBody, marks: marks, flow: &flow,
                at: index)
        case "ri:space":
            let space = tree.attribute("ri:space-key", of: resource) ?? ""
            emitLink(
                href: "/wiki/spaces/\(space.percentEncodedPathComponent())", defaultText: space, body: body,
                plainBody: plainBody, marks: marks, flow: &flow, at: index)
        case "ri:url":
            let url = tree.attribute("ri:value", of: resource) ?? ""
            emitLink(
                href: url.isEmpty ? nil : rewriteSourceURL(url, at: index), defaultText: url, body: body,
                plainBody: plainBody, marks: marks, flow: &flow, at: index)
        default:
            note(
                .unresolvedReference, "unresolved-content",
                "a link to \(name) cannot be resolved from the context; the link text was kept", at: resource)
            let id = tree.attribute("ri:content-id", of: resource) ?? ""
            emitLink(href: nil, defaultText: id, body: body, plainBody: plainBody, marks: marks, flow: &flow, at: index)
        }
    }

    private mutating func emitLink(
        href: String?, defaultText: String, body: Int?, plainBody: String?, marks: [ADFMark], flow: inout Flow,
        at index: Int
    ) {
        let linkMarks =
            href.map { adding(ADFMark("link", attrs: ["href": .string($0)]), to: marks, at: index) } ?? marks
        if let body {
            let before = flow.inlines.count
            let blocksBefore = flow.blocks.count
            walkChildren(of: body, marks: linkMarks, flow: &flow, inParagraph: true)
            if flow.inlines.count > before || flow.blocks.count != blocksBefore { return }
        }
        if let plainBody, !plainBody.isEmpty {
            appendText(plainBody, marks: linkMarks, preserve: false, flow: &flow)
            return
        }
        if !defaultText.isEmpty { appendText(defaultText, marks: linkMarks, preserve: false, flow: &flow) }
    }

    func resolveAttachment(_ filename: String, of resource: Int) -> ConversionContext.Attachment? {
        if let page = tree.firstChild(of: resource, named: "ri:page")
            ?? tree.firstChild(of: resource, named: "ri:blog-post")
        {
            let title = tree.attribute("ri:content-title", of: page) ?? ""
            let space = tree.attribute("ri:space-key", of: page) ?? context.spaceKey ?? ""
            if let attachment = context.attachments["\(space):\(title)/\(filename)"] { return attachment }
        }
        return context.attachments[filename]
    }

    // MARK: images

    /// `ac:image` → mediaSingle with a Cloud file (attachment) or an external image (URL).
    mutating func image(_ index: Int, in container: Container) -> [ADFNode] {
        var mediaAttrs: [String: ADFValue] = [:]
        if let attachment = tree.firstChild(of: index, named: "ri:attachment") {
            let filename = tree.attribute("ri:filename", of: attachment) ?? ""
            guard let resolved = resolveAttachment(filename, of: attachment) else {
                note(
                    .unresolvedReference, "unresolved-image",
                    "the image \(filename) is not in the context (no Cloud file id); its name was kept as text",
                    at: index)
                let text = tree.attribute("ac:alt", of: index)?.nilIfEmpty ?? filename
                return text.isEmpty ? [] : [ADFNode.paragraph([ADFNode.text(text)])]
            }
            guard let page = resolved.pageId ?? context.pageId else {
                note(
                    .unresolvedReference, "unknown-page-id",
                    "the image \(filename) needs the Cloud page id (context pageId) for its media collection; its name was kept as text",
                    at: index)
                return filename.isEmpty ? [] : [ADFNode.paragraph([ADFNode.text(filename)])]
            }
            mediaAttrs = ["type": "file", "id": .string(resolved.fileId), "collection": .string("contentId-\(page)")]
            mediaAttrs["alt"] = .string(tree.attribute("ac:alt", of: index) ?? filename)
        } else if let url = tree.firstChild(of: index, named: "ri:url").flatMap({ tree.attribute("ri:value", of: $0) }),
            !url.isEmpty
        {
            mediaAttrs = ["type": "external", "url": .string(url)]
            if let alt = tree.attribute("ac:alt", of: index) { mediaAttrs["alt"] = .string(alt) }
        } else {
            note(
                .unresolvedReference, "image-without-source", "an image without an attachment or URL was left out",
                at: index)
            return []
        }
        if let width = tree.attribute("ac:width", of: index).flatMap({ Double($0) }), width > 0 {
            mediaAttrs["width"] = .number(width)
        }
        if let height = tree.attribute("ac:height", of: index).flatMap({ Double($0) }), height > 0 {
            mediaAttrs["height"] = .number(height)
        }
        return [mediaSingle(ADFNode("media", attrs: mediaAttrs), element: index, in: container)]
    }

    mutating func htmlImage(_ index: Int, in container: Container) -> [ADFNode] {
        guard let source = tree.attribute("src", of: index), !source.isEmpty else { return [] }
        var attrs: [String: ADFValue] = ["type": "external", "url": .string(source)]
        if let alt = tree.attribute("alt", of: index) { attrs["alt"] = .string(alt) }
        return [mediaSingle(ADFNode("media", attrs: attrs), element: index, in: container)]
    }

    private mutating func mediaSingle(_ media: ADFNode, element: Int, in container: Container) -> ADFNode {
        let align = (tree.attribute("ac:layout", of: element) ?? tree.attribute("ac:align", of: element) ?? "center")
            .lowercased()
        let layouts = [
            "center": "center", "left": "align-start", "right": "align-end", "wrap-left": "wrap-left",
            "wrap-right": "wrap-right",
            "align-start": "align-start", "align-end": "align-end", "wide": "wide", "full-width": "full-width",
        ]
        var attrs: [String: ADFValue] = ["layout": .string(layouts[align] ?? "center")]
        if let width = tree.attribute("ac:width", of: element).flatMap({ Double($0) }), width > 0 {
            attrs["width"] = .number(width)
            attrs["widthType"] = "pixel"
        }
        var content = [media]
        if let caption = tree.firstChild(of: element, named: "ac:caption") {
            var flow = Flow(.caption)
            flow.template.type = "caption"
            walkChildren(of: caption, marks: [], flow: &flow, inParagraph: true)
            flushInline(&flow)
            // Captions take fewer inline nodes than paragraphs: others are kept as their text.
            let inline = flow.blocks.flatMap { $0.type == "caption" ? ($0.content ?? []) : inlineContent(of: [$0]) }
                .map { node -> ADFNode in
                    guard node.type == "inlineExtension" || node.type == "mediaInline" else { return node }
                    let text = ADFText.plainText(of: node).trimmingSpaces()
                    return ADFNode.text(text.isEmpty ? node.type : text)
                }
            if !inline.isEmpty { content.append(ADFNode("caption", content: inline)) }
        }
        return fit(ADFNode("mediaSingle", attrs: attrs, content: content), source: element, in: container)
    }
}

extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }

    func replacingPlus() -> String { String(map { $0 == "+" ? " " : $0 }) }

    /// Decodes `%XX` escapes; invalid escapes are left as written.
    func removingPercentEncodingSafely() -> String {
        var bytes: [UInt8] = []
        let utf8 = Array(self.utf8)
        var index = 0
        while index < utf8.count {
            if utf8[index] == 0x25, index + 2 < utf8.count,
                let value = UInt8(String(decoding: utf8[(index + 1)...(index + 2)], as: UTF8.self), radix: 16)
            {
                bytes.append(value)
                index += 3
            } else {
                bytes.append(utf8[index])
                index += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    func percentEncodedPathComponent() -> String {
        var result = ""
        for byte in utf8 {
            if (byte >= 0x30 && byte <= 0x39) || ((byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7A) || byte == 0x2D
                || byte == 0x2E
                || byte == 0x5F || byte == 0x7E
            {
                result.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                result += "%" + (byte < 16 ? "0" : "") + String(byte, radix: 16, uppercase: true)
            }
        }
        return result
    }
}
