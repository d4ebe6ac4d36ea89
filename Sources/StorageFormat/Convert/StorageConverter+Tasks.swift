extension ConversionRun {
    // MARK: task lists

    /// `ac:task-list` → taskList > taskItem{localId, state}. Task bodies are inline in
    /// ADF: paragraphs are joined with line breaks, a nested task list follows its item.
    mutating func taskList(_ index: Int, in container: Container) -> [ADFNode] {
        guard ADFValidator.allows("taskList", in: container) else {
            return [fallback(index, reason: "a task list is not allowed inside \(container) in Cloud", in: container)]
        }
        var items: [ADFNode] = []
        for task in tree.children(of: index) where tree[task].kind == .element {
            guard tree[task].name == "ac:task" else {
                if tree[task].name == "ac:task-list" { items += taskList(task, in: .taskList) }
                continue
            }
            let id =
                tree.firstChild(of: task, named: "ac:task-id").map { tree.textContent(of: $0).trimmingSpaces() } ?? ""
            let status =
                tree.firstChild(of: task, named: "ac:task-status").map { tree.textContent(of: $0).trimmingSpaces() }
                ?? ""
            var nested: [ADFNode] = []
            var inline: [ADFNode] = []
            if let body = tree.firstChild(of: task, named: "ac:task-body") {
                var flow = Flow(.panel)
                for child in tree.children(of: body) {
                    if tree[child].kind == .element, tree[child].name == "ac:task-list" {
                        flushInline(&flow)
                        nested += taskList(child, in: .taskList)
                    } else {
                        walk(child, marks: [], flow: &flow, inParagraph: false)
                    }
                }
                flushInline(&flow)
                inline = inlineContent(of: flow.blocks, at: body)
            }
            let state = status.lowercased() == "complete" ? "DONE" : "TODO"
            let localId = id.isEmpty ? newId() : id
            items.append(
                ADFNode(
                    "taskItem", attrs: ["localId": .string(localId), "state": .string(state)],
                    content: inline.isEmpty ? nil : inline))
            items += nested
        }
        guard !items.isEmpty else { return [] }
        if items.first?.type != "taskItem" {
            items.insert(ADFNode("taskItem", attrs: ["localId": .string(newId()), "state": "TODO"]), at: 0)
        }
        return [ADFNode("taskList", attrs: ["localId": .string(newId())], content: items)]
    }

    /// The inline content of converted blocks, for places ADF allows only inline
    /// nodes (task and decision items, captions): paragraphs joined by line breaks,
    /// other blocks reduced to their text.
    mutating func inlineContent(of blocks: [ADFNode], at source: Int? = nil) -> [ADFNode] {
        var result: [ADFNode] = []
        var flattened = false
        for block in blocks {
            var inline: [ADFNode]
            switch block.type {
            case "paragraph", "heading", "caption": inline = block.content ?? []
            default:
                flattened = true
                let text = ADFText.plainText(of: block).trimmingSpaces()
                inline = text.isEmpty ? [] : [ADFNode.text(text)]
            }
            if inline.isEmpty { continue }
            if !result.isEmpty { result.append(ADFNode("hardBreak")) }
            result += inline
        }
        if flattened, let source {
            note(
                .restructured, "block-in-inline",
                "content that must be inline in Cloud (a task or decision) held blocks; their text was kept as lines",
                at: source)
        }
        return result
    }

    // MARK: ac:adf-extension (Cloud-authored nodes in storage)

    mutating func adfExtension(_ index: Int, in container: Container) -> [ADFNode] {
        guard let node = tree.firstChild(of: index, named: "ac:adf-node") else {
            return tree.firstChild(of: index, named: "ac:adf-fallback").map { blocks(of: $0, in: container) } ?? []
        }
        let type = tree.attribute("type", of: node) ?? ""
        switch type {
        case "decision-list" where ADFValidator.allows("decisionList", in: container):
            var items: [ADFNode] = []
            for item in tree.children(of: node)
            where tree[item].name == "ac:adf-node" && tree.attribute("type", of: item) == "decision-item" {
                let state = adfAttribute("state", of: item) ?? "DECIDED"
                let localId = adfAttribute("local-id", of: item) ?? newId()
                var inline: [ADFNode] = []
                if let content = tree.firstChild(of: item, named: "ac:adf-content") {
                    inline = inlineContent(of: blocks(of: content, in: .panel), at: content)
                }
                items.append(
                    ADFNode(
                        "decisionItem", attrs: ["localId": .string(localId), "state": .string(state)],
                        content: inline.isEmpty ? nil : inline))
            }
            guard !items.isEmpty else { return [] }
            return [
                ADFNode(
                    "decisionList", attrs: ["localId": .string(adfAttribute("local-id", of: node) ?? newId())],
                    content: items)
            ]
        case "panel" where ADFValidator.allows("panel", in: container):
            var attrs: [String: ADFValue] = ["panelType": .string(adfAttribute("panel-type", of: node) ?? "info")]
            let allowedTypes: Set<String> = ["info", "note", "tip", "warning", "error", "success", "custom"]
            if !allowedTypes.contains(attrs["panelType"]?.stringValue ?? "") { attrs["panelType"] = "info" }
            for (key, attribute) in [
                ("panel-icon", "panelIcon"), ("panel-icon-id", "panelIconId"), ("panel-icon-text", "panelIconText"),
                ("panel-color", "panelColor"),
            ] {
                if let value = adfAttribute(key, of: node) { attrs[attribute] = .string(value) }
            }
            var content = tree.firstChild(of: node, named: "ac:adf-content").map { blocks(of: $0, in: .panel) } ?? []
            if content.isEmpty { content = [ADFNode("paragraph")] }
            return [ADFNode("panel", attrs: attrs, content: content)]
        default:
            note(
                .restructured, "adf-extension", "the Cloud node \(type) was converted from its storage fallback",
                at: index)
            return tree.firstChild(of: index, named: "ac:adf-fallback").map { blocks(of: $0, in: container) } ?? []
        }
    }

    func adfAttribute(_ key: String, of node: Int) -> String? {
        for child in tree.children(of: node)
        where tree[child].name == "ac:adf-attribute" && tree.attribute("key", of: child) == key {
            return tree.textContent(of: child).trimmingSpaces()
        }
        return nil
    }
}
