/// Converts Confluence storage format to ADF for Cloud's editor.
///
/// ```swift
/// let converter = StorageConverter(context: ConversionContext(pageId: "65539"))
/// let result = converter.convert("<p>Hello <strong>world</strong></p>")
/// // result.document: {"type":"doc","version":1,"content":[{"type":"paragraph",…}]}
/// ```
///
/// The output always validates (``ADFValidator``): constructs Cloud cannot express
/// are restructured where Cloud's editor does so without loss (a heading in a list
/// item becomes a paragraph, an expand in a table cell a nestedExpand, a nested
/// table Cloud's `nested-table` extension), and otherwise wrapped in Cloud's
/// `legacy-content` extension carrying the original storage of exactly that
/// subtree. Every such decision is a ``ConversionDiagnostic`` with its path.
///
/// Cost: linear in the body; one pass to parse, one to convert, one to validate.
public struct StorageConverter: Sendable {
    public var context: ConversionContext

    public init(context: ConversionContext = ConversionContext()) {
        self.context = context
    }

    public func convert(_ storage: String) -> ConversionResult {
        convert(StorageParser.parse(storage))
    }

    public func convert(_ bytes: [UInt8]) -> ConversionResult {
        convert(StorageParser.parse(bytes))
    }

    public func convert(_ tree: StorageTree) -> ConversionResult {
        var run = ConversionRun(tree: tree, context: context)
        // Each top-level group is validated as it is emitted (the document's content model has
        // no rule across siblings, so that is the whole document's validation, done once).
        var (content, issues) = run.convertDocument()
        if !issues.isEmpty {
            // A converter bug must not publish an invalid page: keep it all as legacy content.
            run.note(
                .fallback, "invalid-document",
                "the converted page did not validate (\(issues[0])); kept as legacy content", at: StorageTree.root)
            content = [run.legacyContent(tree.sourceText(of: StorageTree.root))]
            issues = ADFValidator.issues(content, in: .doc)
        }
        return ConversionResult(
            document: ADFDocument(content: content), diagnostics: run.diagnostics, validationIssues: issues)
    }
}

typealias Container = ADFValidator.Container

/// Accumulates the blocks of one container, and the inline run of the paragraph
/// (or heading, or caption) being built.
struct Flow {
    struct Template {
        var type: String = "paragraph"
        var attrs: [String: ADFValue]?
        var marks: [ADFMark] = []
    }

    var container: Container
    var blocks: [ADFNode] = []
    var inlines: [ADFNode] = []
    var lastWasSpace = true
    var template = Template()
    /// Blocks produced since the current explicit `<p>` started (an empty `<p>` stays an empty paragraph).
    var produced = 0

    init(_ container: Container) {
        self.container = container
    }
}

struct ConversionRun {
    let tree: StorageTree
    let context: ConversionContext
    var diagnostics: [ConversionDiagnostic] = []
    /// Set while a table is converted for a `nested-table` payload.
    var insideNestedTable = false
    private var lineStarts: [Int] = []
    private var idCounter: UInt64 = 0
    private let idSeed: UInt64

    init(tree: StorageTree, context: ConversionContext) {
        self.tree = tree
        self.context = context
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in (context.pageId ?? "").utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
        }
        for byte in tree.source.prefix(256) {
            hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
        }
        idSeed = hash
    }

    // MARK: diagnostics and ids

    mutating func note(_ kind: ConversionDiagnostic.Kind, _ code: String, _ message: String, at node: Int) {
        guard diagnostics.count < 1000 else { return }
        let index = min(max(node, 0), tree.nodes.count - 1)
        diagnostics.append(
            ConversionDiagnostic(
                kind: kind, code: code, message: message, path: tree.path(of: index),
                line: line(ofOffset: tree[index].sourceStart)))
    }

    /// A deterministic UUID-shaped id: the same page converts to the same ids every time.
    mutating func newId() -> String {
        idCounter += 1
        var x = idSeed &+ idCounter &* 0x9E37_79B9_7F4A_7C15
        let hex: [UInt8] = Array("0123456789abcdef".utf8)
        var bytes = [UInt8](repeating: 0x2D, count: 36)
        var position = 0
        for _ in 0..<2 {
            x = (x ^ (x >> 30)) &* 0xBF58_476D_1CE4_E5B9
            x = (x ^ (x >> 27)) &* 0x94D0_49BB_1331_11EB
            x ^= x >> 31
            for shift in stride(from: 60, through: 0, by: -4) {
                if position == 8 || position == 13 || position == 18 || position == 23 { position += 1 }
                bytes[position] = hex[Int((x >> UInt64(shift)) & 0xF)]
                position += 1
            }
        }
        bytes[14] = 0x34  // version 4
        bytes[19] = 0x61  // variant
        return String(decoding: bytes, as: UTF8.self)
    }

    // MARK: document

    mutating func convertDocument() -> (content: [ADFNode], issues: [ADFValidationIssue]) {
        for parse in tree.diagnostics {
            diagnostics.append(
                ConversionDiagnostic(
                    kind: .parseRecovery, code: parse.code.rawValue, message: parse.message,
                    path: tree.path(of: tree.element(containing: parse.offset)) + " (byte \(parse.offset))",
                    line: line(ofOffset: parse.offset)))
        }
        var flow = Flow(.doc)
        var replacements: [(range: Range<Int>, node: ADFNode)] = []
        var remaining: [ADFValidationIssue] = []
        var groupStart = 0
        var consumed = 0
        func settle(_ run: inout ConversionRun, _ flow: inout Flow, end: Int) {
            guard flow.blocks.count > consumed else { return }
            let range = consumed..<flow.blocks.count
            consumed = flow.blocks.count
            if !ADFValidator.issues(flow.blocks, range: range, in: .doc).isEmpty {
                let start = min(groupStart, end)
                let source = String(decoding: run.tree.source[start..<end], as: UTF8.self)
                run.note(
                    .fallback, "invalid-subtree", "content that would not validate was kept as legacy content",
                    at: StorageTree.root)
                let legacy = run.legacyContent(source)
                remaining += ADFValidator.issues([legacy], in: .doc)
                replacements.append((range, legacy))
            }
        }
        for child in tree.children(of: StorageTree.root) {
            if flow.inlines.isEmpty { groupStart = tree[child].sourceStart }
            walk(child, marks: [], flow: &flow, inParagraph: false)
            if flow.blocks.count > consumed {
                settle(&self, &flow, end: tree[child].sourceEnd)
                groupStart = tree[child].sourceEnd
            }
        }
        flushInline(&flow)
        settle(&self, &flow, end: tree.source.count)
        var output = flow.blocks
        for replacement in replacements.reversed() {
            output.replaceSubrange(replacement.range, with: [replacement.node])
        }
        return (output, remaining)
    }

    /// The 1-based line of a byte offset; the line index is built once per document, on first use.
    mutating func line(ofOffset offset: Int) -> Int {
        if lineStarts.isEmpty {
            lineStarts = [0]
            for (index, byte) in tree.source.enumerated() where byte == 0x0A { lineStarts.append(index + 1) }
        }
        var low = 0
        var high = lineStarts.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if lineStarts[middle] <= offset { low = middle } else { high = middle - 1 }
        }
        return low + 1
    }

    /// Converts the children of `element` as the content of `container`.
    mutating func blocks(of element: Int, in container: Container, marks: [ADFMark] = []) -> [ADFNode] {
        var flow = Flow(container)
        walkChildren(of: element, marks: marks, flow: &flow, inParagraph: false)
        flushInline(&flow)
        return flow.blocks
    }

    /// Like ``blocks(of:in:marks:)`` but never empty: containers that need a child get an empty paragraph.
    mutating func nonEmptyBlocks(of element: Int, in container: Container) -> [ADFNode] {
        let result = blocks(of: element, in: container)
        return result.isEmpty ? [ADFNode("paragraph")] : result
    }

    mutating func walkChildren(of element: Int, marks: [ADFMark], flow: inout Flow, inParagraph: Bool) {
        var child = Int(tree[element].firstChild)
        while child >= 0 {
            walk(child, marks: marks, flow: &flow, inParagraph: inParagraph)
            child = Int(tree[child].nextSibling)
        }
    }

    // MARK: flow

    mutating func appendBlock(_ node: ADFNode, to flow: inout Flow) {
        flushInline(&flow)
        flow.blocks.append(node)
        flow.produced += 1
    }

    mutating func appendBlocks(_ nodes: [ADFNode], to flow: inout Flow) {
        for node in nodes { appendBlock(node, to: &flow) }
    }

    mutating func appendInline(_ node: ADFNode, to flow: inout Flow) {
        flow.inlines.append(node)
        flow.lastWasSpace = false
    }

    mutating func appendHardBreak(to flow: inout Flow) {
        trimTrailingSpace(&flow.inlines)
        flow.inlines.append(ADFNode("hardBreak"))
        flow.lastWasSpace = true
    }

    func trimTrailingSpace(_ inlines: inout [ADFNode]) {
        guard let last = inlines.last, last.type == "text", let text = last.text, text.hasSuffix(" ") else { return }
        let trimmed = String(text.dropLast())
        if trimmed.isEmpty {
            inlines.removeLast()
        } else {
            inlines[inlines.count - 1].text = trimmed
        }
    }

    /// Appends text with HTML whitespace rules (runs collapse to one space, none at a
    /// paragraph's start), or verbatim when `preserve` is set (CDATA, `<pre>`).
    mutating func appendText(_ text: String, marks: [ADFMark], preserve: Bool, flow: inout Flow) {
        var collapsed: String
        if preserve {
            collapsed = text
        } else if let plain = Self.alreadyCollapsed(text, afterSpace: flow.lastWasSpace) {
            collapsed = text
            flow.lastWasSpace = plain
        } else {
            var bytes: [UInt8] = []
            var changed = false
            var lastWasSpace = flow.lastWasSpace
            for byte in text.utf8 {
                if byte == 0x20 || byte == 0x0A || byte == 0x09 || byte == 0x0D || byte == 0x0C {
                    if lastWasSpace {
                        changed = true
                    } else {
                        if byte != 0x20 { changed = true }
                        bytes.append(0x20)
                        lastWasSpace = true
                    }
                } else {
                    bytes.append(byte)
                    lastWasSpace = false
                }
            }
            collapsed = changed ? String(decoding: bytes, as: UTF8.self) : text
            if collapsed.isEmpty { return }
            flow.lastWasSpace = lastWasSpace
        }
        if collapsed.isEmpty { return }
        if preserve { flow.lastWasSpace = collapsed.hasSuffix(" ") }
        let markList: [ADFMark]? = marks.isEmpty ? nil : marks
        let lastIndex = flow.inlines.count - 1
        if lastIndex >= 0, flow.inlines[lastIndex].type == "text", flow.inlines[lastIndex].marks == markList {
            flow.inlines[lastIndex].text?.append(collapsed)
        } else {
            flow.inlines.append(ADFNode("text", marks: markList, text: collapsed))
        }
    }

    /// `nil` when whitespace in `text` must be collapsed; otherwise whether it ends with a space.
    static func alreadyCollapsed(_ text: String, afterSpace: Bool) -> Bool? {
        var text = text
        return text.withUTF8 { collapsedState($0, afterSpace: afterSpace) }
    }

    private static func collapsedState(_ utf8: UnsafeBufferPointer<UInt8>, afterSpace: Bool) -> Bool? {
        guard !utf8.isEmpty else { return nil }
        var previousSpace = afterSpace
        for byte in utf8 {
            if byte == 0x20 {
                if previousSpace { return nil }
                previousSpace = true
            } else if byte == 0x0A || byte == 0x09 || byte == 0x0D || byte == 0x0C {
                return nil
            } else {
                previousSpace = false
            }
        }
        return previousSpace
    }

    /// Closes the paragraph being built. `explicit` keeps an empty `<p></p>` as an empty paragraph.
    mutating func flushInline(_ flow: inout Flow, explicit: Bool = false) {
        trimTrailingSpace(&flow.inlines)
        let hasContent = !flow.inlines.isEmpty
        if hasContent || (explicit && flow.produced == 0) {
            var node = ADFNode(flow.template.type, attrs: flow.template.attrs)
            if hasContent { node.content = flow.inlines }
            if !flow.template.marks.isEmpty { node.marks = flow.template.marks }
            flow.blocks.append(node)
        }
        flow.inlines = []
        flow.lastWasSpace = true
    }

    // MARK: walking

    /// What an element is to the converter: one hash lookup instead of a chain of string compares.
    enum ElementKind {
        case paragraph, heading, lineBreak, rule, blockquote, list, table, preformatted, taskList, layout, adfExtension,
            macro, image, htmlImage, transparentBlock, strong, emphasis, underline, strike, code, subsup, span, anchor,
            link, emoticon, time, inlineComment, placeholder, ignored
    }

    static let elementKinds: [String: ElementKind] = [
        "p": .paragraph,
        "h1": .heading,
        "h2": .heading,
        "h3": .heading,
        "h4": .heading,
        "h5": .heading,
        "h6": .heading,
        "br": .lineBreak,
        "hr": .rule,
        "blockquote": .blockquote,
        "ul": .list,
        "ol": .list,
        "table": .table,
        "pre": .preformatted,
        "ac:task-list": .taskList,
        "ac:layout": .layout,
        "ac:adf-extension": .adfExtension,
        "ac:structured-macro": .macro,
        "ac:macro": .macro,
        "ac:image": .image,
        "img": .htmlImage,
        "div": .transparentBlock,
        "section": .transparentBlock,
        "article": .transparentBlock,
        "header": .transparentBlock,
        "footer": .transparentBlock,
        "main": .transparentBlock,
        "aside": .transparentBlock,
        "nav": .transparentBlock,
        "li": .transparentBlock,
        "dl": .transparentBlock,
        "dd": .transparentBlock,
        "dt": .transparentBlock,
        "figure": .transparentBlock,
        "figcaption": .transparentBlock,
        "form": .transparentBlock,
        "fieldset": .transparentBlock,
        "address": .transparentBlock,
        "details": .transparentBlock,
        "summary": .transparentBlock,
        "tbody": .transparentBlock,
        "thead": .transparentBlock,
        "tfoot": .transparentBlock,
        "tr": .transparentBlock,
        "td": .transparentBlock,
        "th": .transparentBlock,
        "caption": .transparentBlock,
        "ac:rich-text-body": .transparentBlock,
        "ac:layout-section": .transparentBlock,
        "ac:layout-cell": .transparentBlock,
        "center": .transparentBlock,
        "strong": .strong,
        "b": .strong,
        "em": .emphasis,
        "i": .emphasis,
        "cite": .emphasis,
        "dfn": .emphasis,
        "var": .emphasis,
        "u": .underline,
        "ins": .underline,
        "s": .strike,
        "del": .strike,
        "strike": .strike,
        "code": .code,
        "tt": .code,
        "kbd": .code,
        "samp": .code,
        "sub": .subsup,
        "sup": .subsup,
        "span": .span,
        "font": .span,
        "small": .span,
        "big": .span,
        "mark": .span,
        "abbr": .span,
        "q": .span,
        "label": .span,
        "nobr": .span,
        "a": .anchor,
        "ac:link": .link,
        "ac:emoticon": .emoticon,
        "ac:hipchat-emoticon": .emoticon,
        "time": .time,
        "ac:inline-comment-marker": .inlineComment,
        "ac:placeholder": .placeholder,
        "script": .ignored,
        "style": .ignored,
        "colgroup": .ignored,
        "col": .ignored,
        "meta": .ignored,
        "link": .ignored,
        "ac:parameter": .ignored,
        "ac:task-id": .ignored,
        "ac:task-uuid": .ignored,
        "ac:task-status": .ignored,
        "ac:adf-attribute": .ignored,
    ]

    mutating func walk(_ index: Int, marks: [ADFMark], flow: inout Flow, inParagraph: Bool) {
        switch tree.nodes[index].kind {
        case .text:
            appendText(tree.nodes[index].text, marks: marks, preserve: false, flow: &flow)
            return
        case .cdata:
            appendText(tree.nodes[index].text, marks: marks, preserve: true, flow: &flow)
            return
        case .element: break
        }
        let name = tree.nodes[index].name
        switch Self.elementKinds[name] {
        case .paragraph: paragraph(index, marks: marks, flow: &flow, headingLevel: nil)
        case .heading:
            let level = Int(name.utf8.last.map { $0 - 0x30 } ?? 1)
            paragraph(index, marks: marks, flow: &flow, headingLevel: level)
        case .lineBreak: appendHardBreak(to: &flow)
        case .rule: appendBlock(fit(ADFNode("rule"), source: index, in: flow.container), to: &flow)
        case .blockquote: appendBlocks(blockquote(index, in: flow.container), to: &flow)
        case .list: appendBlocks(list(index, in: flow.container), to: &flow)
        case .table: appendBlocks(table(index, in: flow.container), to: &flow)
        case .preformatted: appendBlock(preformatted(index, in: flow.container), to: &flow)
        case .taskList: appendBlocks(taskList(index, in: flow.container), to: &flow)
        case .layout: appendBlocks(layout(index, in: flow.container), to: &flow)
        case .adfExtension: appendBlocks(adfExtension(index, in: flow.container), to: &flow)
        case .macro: macro(index, marks: marks, flow: &flow, inParagraph: inParagraph)
        case .image: appendBlocks(image(index, in: flow.container), to: &flow)
        case .htmlImage: appendBlocks(htmlImage(index, in: flow.container), to: &flow)
        case .transparentBlock:
            flushInline(&flow)
            walkChildren(of: index, marks: marks, flow: &flow, inParagraph: false)
            flushInline(&flow)
        case .strong:
            walkChildren(
                of: index, marks: adding(ADFMark("strong"), to: marks, at: index), flow: &flow, inParagraph: true)
        case .emphasis:
            walkChildren(of: index, marks: adding(ADFMark("em"), to: marks, at: index), flow: &flow, inParagraph: true)
        case .underline:
            walkChildren(
                of: index, marks: adding(ADFMark("underline"), to: marks, at: index), flow: &flow, inParagraph: true)
        case .strike:
            walkChildren(
                of: index, marks: adding(ADFMark("strike"), to: marks, at: index), flow: &flow, inParagraph: true)
        case .code:
            walkChildren(
                of: index, marks: adding(ADFMark("code"), to: marks, at: index), flow: &flow, inParagraph: true)
        case .subsup:
            let mark = ADFMark("subsup", attrs: ["type": .string(name)])
            walkChildren(of: index, marks: adding(mark, to: marks, at: index), flow: &flow, inParagraph: true)
        case .span:
            walkChildren(of: index, marks: styleMarks(index, base: marks), flow: &flow, inParagraph: true)
        case .anchor: anchorElement(index, marks: marks, flow: &flow)
        case .link: link(index, marks: marks, flow: &flow)
        case .emoticon: appendInline(emoji(index), to: &flow)
        case .time: time(index, marks: marks, flow: &flow)
        case .inlineComment:
            var inner = marks
            if let reference = tree.attribute("ac:ref", of: index), !reference.isEmpty {
                inner = adding(
                    ADFMark("annotation", attrs: ["id": .string(reference), "annotationType": "inlineComment"]),
                    to: marks, at: index)
            }
            walkChildren(of: index, marks: inner, flow: &flow, inParagraph: true)
        case .placeholder:
            let text = tree.textContent(of: index).trimmingSpaces()
            if !text.isEmpty { appendInline(ADFNode("placeholder", attrs: ["text": .string(text)]), to: &flow) }
        case .ignored:
            break
        case nil:
            if name.hasPrefix("ri:") {
                note(
                    .droppedAttribute, "stray-resource",
                    "<\(name)> outside a link, image or macro has no meaning and was left out", at: index)
                return
            }
            if name.contains(":") {
                note(.droppedAttribute, "unknown-element", "<\(name)> is not known; its text was kept", at: index)
            }
            walkChildren(of: index, marks: marks, flow: &flow, inParagraph: inParagraph)
        }
    }

    // MARK: marks

    /// Adds `mark` under ADF's rules: `code` only combines with `link` and `annotation`;
    /// an inner mark of the same type replaces the outer one.
    static let codeCompatible: Set<String> = ["link", "annotation", "code"]

    mutating func adding(_ mark: ADFMark, to marks: [ADFMark], at index: Int) -> [ADFMark] {
        let codeCompatible = Self.codeCompatible
        var result = marks
        if mark.type == "code" {
            let dropped = result.filter { !codeCompatible.contains($0.type) }
            if !dropped.isEmpty {
                note(
                    .droppedAttribute, "mark-beside-code",
                    "\(dropped.map(\.type).joined(separator: ", ")) cannot be combined with code in Cloud and was dropped",
                    at: index)
                result.removeAll { !codeCompatible.contains($0.type) }
            }
            if result.contains(where: { $0.type == "code" }) { return result }
            result.append(mark)
            return result
        }
        if result.contains(where: { $0.type == "code" }), !codeCompatible.contains(mark.type) {
            note(
                .droppedAttribute, "mark-beside-code",
                "\(mark.type) cannot be combined with code in Cloud and was dropped", at: index)
            return result
        }
        if mark.type == "annotation" {
            if !result.contains(mark) { result.append(mark) }
            return result
        }
        result.removeAll { $0.type == mark.type }
        result.append(mark)
        return result
    }

    /// The marks a `<span style>` / `<font color>` adds.
    mutating func styleMarks(_ index: Int, base: [ADFMark]) -> [ADFMark] {
        var marks = base
        if let colour = tree.attribute("color", of: index) {
            if let hex = ConversionTables.hexColour(colour) {
                marks = adding(ADFMark("textColor", attrs: ["color": .string(hex)]), to: marks, at: index)
            }
        }
        guard let style = tree.attribute("style", of: index) else { return marks }
        for (property, value) in ConversionTables.styleDeclarations(style) {
            switch property {
            case "color":
                if let hex = ConversionTables.hexColour(value) {
                    marks = adding(ADFMark("textColor", attrs: ["color": .string(hex)]), to: marks, at: index)
                } else if !["inherit", "initial", "default", "currentcolor"].contains(value.lowercased()) {
                    note(
                        .droppedAttribute, "unknown-colour",
                        "the colour \(value) is not a CSS colour Ferry knows; left out", at: index)
                }
            case "background-color", "background":
                if let hex = ConversionTables.hexColour(value) {
                    marks = adding(ADFMark("backgroundColor", attrs: ["color": .string(hex)]), to: marks, at: index)
                }
            case "text-decoration", "text-decoration-line":
                if value.contains("line-through") { marks = adding(ADFMark("strike"), to: marks, at: index) }
                if value.contains("underline") { marks = adding(ADFMark("underline"), to: marks, at: index) }
            case "font-weight":
                if value == "bold" || (Int(value) ?? 0) >= 600 {
                    marks = adding(ADFMark("strong"), to: marks, at: index)
                }
            case "font-style":
                if value == "italic" { marks = adding(ADFMark("em"), to: marks, at: index) }
            case "font-family":
                if value.lowercased().contains("monospace") || value.lowercased().contains("courier") {
                    marks = adding(ADFMark("code"), to: marks, at: index)
                }
            default: break
            }
        }
        return marks
    }

    // MARK: paragraphs and headings

    mutating func paragraph(_ index: Int, marks: [ADFMark], flow: inout Flow, headingLevel: Int?) {
        flushInline(&flow)
        let saved = flow.template
        let savedProduced = flow.produced
        var template = Flow.Template()
        var type = "paragraph"
        if let headingLevel {
            if ADFValidator.allows("heading", in: flow.container) {
                type = "heading"
                template.attrs = ["level": .number(Double(headingLevel))]
            } else {
                note(
                    .restructured, "heading-as-paragraph",
                    "a heading is not allowed in \(flow.container) in Cloud; kept as a bold paragraph", at: index)
            }
        }
        template.type = type
        template.marks = blockMarks(index, type: type, container: flow.container)
        var inner = marks
        if headingLevel != nil, type == "paragraph" { inner = adding(ADFMark("strong"), to: marks, at: index) }
        flow.template = template
        flow.produced = 0
        walkChildren(of: index, marks: inner, flow: &flow, inParagraph: true)
        flushInline(&flow, explicit: true)
        flow.template = saved
        flow.produced = savedProduced + 1
    }

    /// Alignment and indentation from `style`, kept only where the container allows them.
    mutating func blockMarks(_ index: Int, type: String, container: Container) -> [ADFMark] {
        guard let style = tree.attribute("style", of: index) else { return [] }
        var marks: [ADFMark] = []
        for (property, value) in ConversionTables.styleDeclarations(style) {
            switch property {
            case "text-align":
                let lower = value.lowercased()
                if lower == "center" { marks.append(ADFMark("alignment", attrs: ["align": "center"])) }
                if lower == "right" || lower == "end" { marks.append(ADFMark("alignment", attrs: ["align": "end"])) }
            case "margin-left", "padding-left":
                if let pixels = ConversionTables.pixels(value), pixels >= 15 {
                    let level = min(max(Int((pixels / 30).rounded()), 1), 6)
                    marks.append(ADFMark("indentation", attrs: ["level": .number(Double(level))]))
                }
            default: break
            }
        }
        if marks.contains(where: { $0.type == "alignment" }) { marks.removeAll { $0.type == "indentation" } }
        let allowed = ADFValidator.allowedNodeMarks(type, in: container)
        let kept = marks.filter { allowed.contains($0.type) }
        if kept.count < marks.count {
            note(
                .droppedAttribute, "block-mark-not-allowed",
                "\(marks.filter { !allowed.contains($0.type) }.map(\.type).joined(separator: ", ")) is not allowed on a \(type) in \(container) in Cloud; left out",
                at: index)
        }
        return kept
    }

    // MARK: fitting and fallbacks

    /// `node` when `container` may hold it, otherwise Cloud's legacy-content wrapper around the source of `source`.
    mutating func fit(_ node: ADFNode, source: Int, in container: Container) -> ADFNode {
        if ADFValidator.allows(node.type, in: container) { return node }
        return fallback(source, reason: "\(node.type) is not allowed inside \(container) in Cloud", in: container)
    }

    mutating func fallback(_ source: Int, reason: String, in container: Container) -> ADFNode {
        note(
            .fallback, "legacy-content", "\(reason); kept as a Legacy Content block with its original storage",
            at: source)
        return legacyContent(tree.sourceText(of: source))
    }

    mutating func legacyContent(_ storage: String) -> ADFNode {
        ADFNode(
            "extension",
            attrs: [
                "extensionType": "com.atlassian.confluence.migration", "extensionKey": "legacy-content",
                "parameters": .object(["cxhtml": .string(storage)]), "localId": .string(newId()),
            ])
    }

    // MARK: simple blocks

    mutating func blockquote(_ index: Int, in container: Container) -> [ADFNode] {
        guard ADFValidator.allows("blockquote", in: container) else {
            return [fallback(index, reason: "a quote is not allowed inside \(container) in Cloud", in: container)]
        }
        let content = nonEmptyBlocks(of: index, in: .blockquote)
        return [ADFNode("blockquote", content: content)]
    }

    mutating func preformatted(_ index: Int, in container: Container) -> ADFNode {
        var text = tree.textContent(of: index)
        if text.hasPrefix("\n") { text.removeFirst() }
        let content: [ADFNode]? = text.isEmpty ? nil : [ADFNode.text(text)]
        return fit(ADFNode("codeBlock", content: content), source: index, in: container)
    }

    mutating func list(_ index: Int, in container: Container) -> [ADFNode] {
        let ordered = tree[index].name == "ol"
        let type = ordered ? "orderedList" : "bulletList"
        guard ADFValidator.allows(type, in: container) else {
            return [fallback(index, reason: "a list is not allowed inside \(container) in Cloud", in: container)]
        }
        var items: [ADFNode] = []
        var stray = Flow(.listItem)
        for child in tree.children(of: index) {
            let node = tree[child]
            if node.kind == .element, node.name == "li" {
                flushStray(&stray, into: &items)
                items.append(ADFNode("listItem", content: nonEmptyBlocks(of: child, in: .listItem)))
            } else if node.kind == .element, node.name == "ul" || node.name == "ol", !items.isEmpty {
                // A list directly inside a list belongs to the item before it, as browsers show it.
                note(
                    .restructured, "list-in-list", "a list directly inside a list was moved into the item before it",
                    at: child)
                let nested = list(child, in: .listItem)
                items[items.count - 1].content = (items[items.count - 1].content ?? []) + nested
            } else {
                walk(child, marks: [], flow: &stray, inParagraph: false)
            }
        }
        flushStray(&stray, into: &items)
        guard !items.isEmpty else { return [] }
        var attrs: [String: ADFValue]?
        if ordered, let start = tree.attribute("start", of: index).flatMap({ Int($0.trimmingSpaces()) }) {
            if start >= 0 {
                attrs = ["order": .number(Double(start))]
            } else {
                note(
                    .droppedAttribute, "negative-start",
                    "an ordered list cannot start below 0 in Cloud; it starts at 0", at: index)
                attrs = ["order": 0]
            }
        }
        return [ADFNode(type, attrs: attrs, content: items)]
    }

    private mutating func flushStray(_ flow: inout Flow, into items: inout [ADFNode]) {
        flushInline(&flow)
        if !flow.blocks.isEmpty {
            items.append(ADFNode("listItem", content: flow.blocks))
            flow.blocks = []
        }
    }

    // MARK: inline leaves

    mutating func emoji(_ index: Int) -> ADFNode {
        let name = tree.attribute("ac:name", of: index) ?? tree.attribute("ac:shortcut", of: index) ?? ""
        var attrs: [String: ADFValue] = [:]
        if let known = ConversionTables.emoticons[name] {
            attrs = ["id": .string(known.id), "shortName": .string(known.shortName), "text": .string(known.text)]
        } else {
            attrs = ["id": "2b50", "shortName": .string(":\(name.isEmpty ? "star" : name):")]
        }
        if let id = tree.attribute("ac:emoji-id", of: index), !id.isEmpty { attrs["id"] = .string(id) }
        if let shortName = tree.attribute("ac:emoji-shortname", of: index), !shortName.isEmpty {
            attrs["shortName"] = .string(shortName)
        }
        if let fallback = tree.attribute("ac:emoji-fallback", of: index), !fallback.isEmpty {
            attrs["text"] = .string(fallback)
        }
        return ADFNode("emoji", attrs: attrs)
    }

    mutating func time(_ index: Int, marks: [ADFMark], flow: inout Flow) {
        let value = tree.attribute("datetime", of: index) ?? ""
        if let timestamp = ConversionTables.timestamp(fromISODate: value) {
            appendInline(ADFNode("date", attrs: ["timestamp": .string(timestamp)]), to: &flow)
        } else {
            note(.droppedAttribute, "invalid-date", "the date \"\(value)\" is not YYYY-MM-DD; kept as text", at: index)
            appendText(value, marks: marks, preserve: false, flow: &flow)
            walkChildren(of: index, marks: marks, flow: &flow, inParagraph: true)
        }
    }
}
