/// A storage macro (`ac:structured-macro`, or Confluence 4.x `ac:macro`) read into one shape.
struct StorageMacro {
    var element: Int
    var name: String
    /// Parameters in source order; the default parameter has the key `""`.
    var parameters: [(name: String, value: String)]
    var richBody: Int?
    var plainBody: String?
    var macroId: String?
    var schemaVersion: String?

    func parameter(_ name: String) -> String? {
        parameters.first { $0.name.lowercased() == name }?.value
    }
}

extension ConversionRun {
    /// Macros with a native ADF node or a fixed shape; all others are reported as unknown.
    static let builtInMacros: Set<String> = Set(ConversionTables.macroTitles.keys)

    /// Macros that sit in a line of text in Cloud.
    static let inlineMacros: Set<String> = ["anchor", "status", "jira", "im", "span", "profile-picture", "lozenge"]

    mutating func readMacro(_ index: Int) -> StorageMacro {
        var macro = StorageMacro(
            element: index, name: (tree.attribute("ac:name", of: index) ?? "").trimmingSpaces().lowercased(),
            parameters: [],
            macroId: tree.attribute("ac:macro-id", of: index),
            schemaVersion: tree.attribute("ac:schema-version", of: index))
        for child in tree.children(of: index) where tree[child].kind == .element {
            switch tree[child].name {
            case "ac:parameter":
                let name = tree.attribute("ac:name", of: child) ?? ""
                macro.parameters.append((name, parameterValue(child)))
            case "ac:default-parameter":
                macro.parameters.append(("", parameterValue(child)))
            case "ac:rich-text-body":
                macro.richBody = child
            case "ac:plain-text-body":
                macro.plainBody = tree.textContent(of: child)
            default: break
            }
        }
        return macro
    }

    /// The text of a parameter; resource references (`ri:user`, `ri:page` …) are written
    /// the way Cloud's macro parameters name them, with user keys mapped to account ids.
    mutating func parameterValue(_ index: Int) -> String {
        var values: [String] = []
        var plain = ""
        for child in tree.children(of: index) {
            let node = tree[child]
            if node.kind != .element {
                plain += node.text
                continue
            }
            let resource =
                node.name == "ac:link" ? tree.children(of: child).first { tree[$0].name.hasPrefix("ri:") } : child
            guard let resource else {
                plain += tree.textContent(of: child)
                continue
            }
            switch tree[resource].name {
            case "ri:user":
                let key =
                    tree.attribute("ri:userkey", of: resource) ?? tree.attribute("ri:username", of: resource)
                    ?? tree.attribute("ri:account-id", of: resource) ?? ""
                if let user = context.users[key] {
                    values.append(user.accountId)
                } else {
                    if tree.attribute("ri:account-id", of: resource) == nil {
                        note(
                            .unresolvedReference, "unresolved-user",
                            "the user \(key) in a macro parameter has no Cloud account in the context; kept as \(key)",
                            at: resource)
                    }
                    values.append(key)
                }
            case "ri:page", "ri:blog-post":
                let title = tree.attribute("ri:content-title", of: resource) ?? ""
                if let space = tree.attribute("ri:space-key", of: resource), !space.isEmpty, space != context.spaceKey {
                    values.append("\(space):\(title)")
                } else {
                    values.append(title)
                }
            case "ri:space": values.append(tree.attribute("ri:space-key", of: resource) ?? "")
            case "ri:attachment": values.append(tree.attribute("ri:filename", of: resource) ?? "")
            case "ri:url": values.append(tree.attribute("ri:value", of: resource) ?? "")
            default: values.append(tree.textContent(of: resource))
            }
        }
        if values.isEmpty { return plain.trimmingSpaces() }
        let text = plain.trimmingSpaces()
        return (text.isEmpty ? [] : [text]).joined() + values.joined(separator: ",")
    }

    mutating func macro(_ index: Int, marks: [ADFMark], flow: inout Flow, inParagraph: Bool) {
        let macro = readMacro(index)
        switch macro.name {
        case "code", "noformat":
            appendBlocks(codeBlock(macro, in: flow.container), to: &flow)
        case "info", "note", "tip", "warning", "panel":
            appendBlocks(panel(macro, in: flow.container), to: &flow)
        case "expand":
            appendBlocks(expand(macro, in: flow.container), to: &flow)
        case "status":
            let title = (macro.parameter("title") ?? "").trimmingSpaces()
            let colour =
                ConversionTables.statusColours[
                    (macro.parameter("colour") ?? macro.parameter("color") ?? "").lowercased()] ?? "neutral"
            if title.isEmpty {
                note(
                    .droppedAttribute, "empty-status", "a status without text cannot exist in Cloud and was left out",
                    at: index)
                return
            }
            let subtle = (macro.parameter("subtle") ?? "").lowercased() == "true"
            var attrs: [String: ADFValue] = [
                "text": .string(title), "color": .string(colour), "style": subtle ? "subtle" : "bold",
            ]
            attrs["localId"] = .string(newId())
            appendInline(ADFNode("status", attrs: attrs), to: &flow)
        default:
            genericMacro(macro, marks: marks, flow: &flow, inParagraph: inParagraph)
        }
    }

    // MARK: code

    mutating func codeBlock(_ macro: StorageMacro, in container: Container) -> [ADFNode] {
        var result: [ADFNode] = []
        if let title = macro.parameter("title")?.trimmingSpaces(), !title.isEmpty {
            note(
                .restructured, "code-title",
                "ADF code blocks have no title; the title is kept as a bold line above the code", at: macro.element)
            result.append(ADFNode.paragraph([ADFNode.text(title, marks: [ADFMark("strong")])]))
        }
        var attrs: [String: ADFValue] = [:]
        if macro.name == "code" {
            let language = (macro.parameter("language") ?? macro.parameter("") ?? "").trimmingSpaces().lowercased()
            if !language.isEmpty {
                if let mapped = ConversionTables.codeLanguages[language] {
                    attrs["language"] = .string(mapped)
                } else {
                    note(
                        .droppedAttribute, "code-language",
                        "the code language \(language) has no Cloud equivalent; kept as \(language)", at: macro.element)
                    attrs["language"] = .string(language)
                }
            }
        }
        var body = macro.plainBody ?? macro.richBody.map { tree.textContent(of: $0) } ?? ""
        if body.hasSuffix("\n") { body.removeLast() }
        let node = ADFNode(
            "codeBlock", attrs: attrs.isEmpty ? nil : attrs, content: body.isEmpty ? nil : [ADFNode.text(body)])
        result.append(fit(node, source: macro.element, in: container))
        return result
    }

    // MARK: panels and expands

    mutating func panel(_ macro: StorageMacro, in container: Container) -> [ADFNode] {
        guard ADFValidator.allows("panel", in: container) else {
            return [
                fallback(
                    macro.element, reason: "a \(macro.name) panel is not allowed inside \(container) in Cloud",
                    in: container)
            ]
        }
        var attrs: [String: ADFValue] = [:]
        if let type = ConversionTables.panelTypes[macro.name] {
            attrs["panelType"] = .string(type)
        } else if let colour = macro.parameter("bgcolor").flatMap(ConversionTables.hexColour) {
            attrs["panelType"] = "custom"
            attrs["panelColor"] = .string(colour)
        } else {
            attrs["panelType"] = "info"
            if macro.parameter("bordercolor") != nil || macro.parameter("titlebgcolor") != nil {
                note(
                    .droppedAttribute, "panel-colours",
                    "Cloud panels have one colour; the border and title colours were left out", at: macro.element)
            }
        }
        var content: [ADFNode] = []
        if let title = macro.parameter("title")?.trimmingSpaces(), !title.isEmpty {
            content.append(ADFNode("heading", attrs: ["level": 3], content: [ADFNode.text(title)]))
        }
        if let body = macro.richBody {
            content += blocks(of: body, in: .panel)
        } else if let plain = macro.plainBody, !plain.trimmingSpaces().isEmpty {
            content.append(ADFNode.paragraph([ADFNode.text(plain.trimmingSpaces())]))
        }
        if content.isEmpty { content = [ADFNode("paragraph")] }
        return [ADFNode("panel", attrs: attrs, content: content)]
    }

    mutating func expand(_ macro: StorageMacro, in container: Container) -> [ADFNode] {
        let type: String
        let inner: Container
        if ADFValidator.allows("expand", in: container) {
            type = "expand"
            inner = .expand
        } else if ADFValidator.allows("nestedExpand", in: container) {
            type = "nestedExpand"
            inner = .nestedExpand
        } else {
            return [
                fallback(macro.element, reason: "an expand is not allowed inside \(container) in Cloud", in: container)
            ]
        }
        var content: [ADFNode] = []
        if let body = macro.richBody { content = blocks(of: body, in: inner) }
        if content.isEmpty { content = [ADFNode("paragraph")] }
        let title = macro.parameter("title") ?? macro.parameter("") ?? ""
        return [ADFNode(type, attrs: ["title": .string(title)], content: content)]
    }

    // MARK: extensions

    func macroParameters(_ macro: StorageMacro) -> [String: ADFValue] {
        var params: [String: ADFValue] = [:]
        for (name, value) in macro.parameters where params[name] == nil {
            params[name] = .object(["value": .string(value)])
        }
        if let body = macro.plainBody, macro.richBody == nil {
            params["__bodyContent"] = .object(["value": .string(body)])
        }
        return params
    }

    func macroAttributes(_ macro: StorageMacro, inline: Bool) -> [String: ADFValue] {
        var metadata: [String: ADFValue] = [:]
        if let id = macro.macroId, !id.isEmpty { metadata["macroId"] = .object(["value": .string(id)]) }
        metadata["schemaVersion"] = .object(["value": .string(macro.schemaVersion ?? "1")])
        if let title = ConversionTables.macroTitles[macro.name] { metadata["title"] = .string(title) }
        var attrs: [String: ADFValue] = [
            "extensionType": "com.atlassian.confluence.macro.core", "extensionKey": .string(macro.name),
            "parameters": .object(["macroParams": .object(macroParameters(macro)), "macroMetadata": .object(metadata)]),
        ]
        if !inline { attrs["layout"] = "default" }
        return attrs
    }

    /// Whether a body-less macro sits in a line of text (→ inlineExtension) rather than on its own.
    func isInline(_ macro: StorageMacro, inParagraph: Bool) -> Bool {
        guard inParagraph else { return false }
        if Self.inlineMacros.contains(macro.name) { return true }
        let parent = Int(tree[macro.element].parent)
        guard parent >= 0 else { return false }
        for sibling in tree.children(of: parent) where sibling != macro.element {
            let node = tree[sibling]
            if node.kind != .element {
                if node.text.contains(where: { !$0.isWhitespace }) { return true }
            } else if !["br", "ac:structured-macro", "ac:macro"].contains(node.name) {
                return true
            }
        }
        return Int(tree[parent].parent) >= 0 && tree[parent].name != "p" && !tree[parent].name.hasPrefix("h")
            && tree[parent].name != "div"
    }

    mutating func genericMacro(_ macro: StorageMacro, marks: [ADFMark], flow: inout Flow, inParagraph: Bool) {
        if macro.name.isEmpty {
            note(
                .unknownMacro, "unnamed-macro", "a macro without a name cannot be shown in Cloud; its content was kept",
                at: macro.element)
            if let body = macro.richBody { appendBlocks(blocks(of: body, in: flow.container), to: &flow) }
            return
        }
        if !Self.builtInMacros.contains(macro.name) {
            note(
                .unknownMacro, "unknown-macro",
                "the macro \(macro.name) has no Cloud equivalent Ferry knows; kept as a macro extension (the app must exist in Cloud to render it)",
                at: macro.element)
        }
        if let body = macro.richBody {
            guard ADFValidator.allows("bodiedExtension", in: flow.container) else {
                appendBlock(
                    fallback(
                        macro.element,
                        reason:
                            "the macro \(macro.name) with a body is not allowed inside \(flow.container) in Cloud (no nested bodied macros)",
                        in: flow.container),
                    to: &flow)
                return
            }
            var content = blocks(of: body, in: .bodiedExtension)
            if content.isEmpty { content = [ADFNode("paragraph")] }
            var attrs = macroAttributes(macro, inline: false)
            attrs["localId"] = .string(newId())
            appendBlock(ADFNode("bodiedExtension", attrs: attrs, content: content), to: &flow)
            return
        }
        if isInline(macro, inParagraph: inParagraph) {
            var attrs = macroAttributes(macro, inline: true)
            attrs["localId"] = .string(newId())
            appendInline(ADFNode("inlineExtension", attrs: attrs), to: &flow)
        } else {
            var attrs = macroAttributes(macro, inline: false)
            attrs["localId"] = .string(newId())
            appendBlock(fit(ADFNode("extension", attrs: attrs), source: macro.element, in: flow.container), to: &flow)
        }
    }
}
