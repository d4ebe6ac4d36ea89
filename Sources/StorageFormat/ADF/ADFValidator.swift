/// A rule an ADF document broke, with where.
public struct ADFValidationIssue: Sendable, Equatable, Codable, CustomStringConvertible {
    /// JSON-pointer-like location, e.g. `/content/2/content/0`.
    public var path: String
    public var message: String

    public var description: String { "\(path): \(message)" }
}

/// Checks ADF against the node, attribute, content and mark rules of the ADF JSON
/// schema (`@atlaskit/adf-schema` 57.x `full.json`): required and allowed
/// attributes with their types, enums and ranges; which children each node may
/// hold, including the mark variants that decide it (a paragraph with an
/// alignment mark is allowed at the top level but not in a panel); non-empty
/// text; and the mark combinations text may carry (`code` only with `link` and
/// `annotation`). It also refuses a mark repeated on one node, which Cloud's
/// editor refuses although the JSON schema does not say so.
///
/// Cost: one walk of the tree, no allocation unless there is an issue.
public enum ADFValidator {
    /// Every issue in `document`; empty when it is valid.
    public static func validate(_ document: ADFDocument) -> [ADFValidationIssue] {
        var issues: [ADFValidationIssue] = []
        if document.version != 1 { issues.append(ADFValidationIssue(path: "/version", message: "version must be 1")) }
        var path = Path()
        validateChildren(document.content, of: .doc, path: &path, issues: &issues)
        return issues
    }

    /// Whether `nodes` may stand as the content of `container` (used by the
    /// converter to decide whether a subtree needs a fallback).
    public static func issues(_ nodes: [ADFNode], in container: Container) -> [ADFValidationIssue] {
        issues(nodes, range: nodes.indices, in: container)
    }

    /// The issues of `nodes[range]` as content of `container`, without copying the nodes.
    static func issues(_ nodes: [ADFNode], range: Range<Int>, in container: Container) -> [ADFValidationIssue] {
        var issues: [ADFValidationIssue] = []
        var path = Path()
        validateChildren(nodes, range: range, of: container, path: &path, issues: &issues)
        return issues
    }

    /// The content models of the schema, named after the node that holds them.
    public enum Container: Sendable, Hashable {
        case doc, layoutColumn, bodiedExtension, expand, nestedExpand, tableCell, panel, blockquote, listItem
        case taskList, decisionList, list, table, tableRow, layoutSection, mediaSingle, mediaGroup
        case inline, caption, codeBlock
    }

    // MARK: content models

    /// Allowed child types, each with the sets of node marks its variants accept.
    private typealias ContentModel = [String: [Set<String>]]

    private static let none: [Set<String>] = [[]]
    private static let paragraphFull: [Set<String>] = [[], ["fontSize", "alignment"], ["fontSize", "indentation"]]
    private static let paragraphFontSize: [Set<String>] = [[], ["fontSize"]]
    private static let headingFull: [Set<String>] = [[], ["alignment"], ["indentation"]]
    private static let extensionMarks: [Set<String>] = [["dataConsumer", "fragment"]]

    private static let blockContent: ContentModel = [
        "blockCard": none, "paragraph": paragraphFull, "mediaSingle": [["link"]], "codeBlock": none, "taskList": none,
        "bulletList": none, "orderedList": none, "heading": headingFull, "mediaGroup": none, "decisionList": none,
        "rule": none, "panel": none, "blockquote": none, "extension": extensionMarks, "embedCard": none,
        "table": [["fragment"]], "expand": none, "bodiedExtension": extensionMarks,
    ]

    private static let docContent: ContentModel = {
        var model = blockContent
        model["codeBlock"] = [["breakout"]]
        model["expand"] = [["breakout"]]
        model["layoutSection"] = [["breakout"]]
        model["syncBlock"] = [["breakout"]]
        model["bodiedSyncBlock"] = [["breakout"]]
        return model
    }()

    private static let nonNestable: ContentModel = [
        "paragraph": paragraphFontSize, "panel": none, "blockquote": none, "orderedList": none, "bulletList": none,
        "rule": none, "heading": none, "codeBlock": none, "mediaGroup": none, "mediaSingle": [["link"]],
        "decisionList": none, "taskList": none, "table": [["fragment"]], "blockCard": none, "embedCard": none,
        "extension": extensionMarks,
    ]

    private static let expandContent: ContentModel = {
        var model = nonNestable
        model["nestedExpand"] = none
        return model
    }()

    private static let nestedExpandContent: ContentModel = [
        "paragraph": paragraphFontSize, "heading": none, "mediaSingle": [["link"]], "mediaGroup": none,
        "codeBlock": none, "bulletList": none, "orderedList": none, "taskList": none, "decisionList": none,
        "rule": none, "panel": none, "blockquote": none, "extension": extensionMarks,
    ]

    private static let tableCellContent: ContentModel = [
        "paragraph": [[], ["fontSize", "alignment"]], "panel": none, "blockquote": none, "orderedList": none,
        "bulletList": none, "rule": none, "heading": headingFull, "codeBlock": none, "mediaSingle": [["link"]],
        "mediaGroup": none, "decisionList": none, "taskList": none, "blockCard": none, "embedCard": none,
        "extension": extensionMarks, "nestedExpand": none,
    ]

    private static let panelContent: ContentModel = [
        "paragraph": paragraphFontSize, "heading": none, "bulletList": none, "orderedList": none, "blockCard": none,
        "mediaGroup": none, "mediaSingle": [["link"]], "codeBlock": none, "taskList": none, "rule": none,
        "decisionList": none, "extension": extensionMarks,
    ]

    private static let blockquoteContent: ContentModel = [
        "paragraph": none, "orderedList": none, "bulletList": none, "codeBlock": none, "mediaSingle": [["link"]],
        "mediaGroup": none, "extension": extensionMarks,
    ]

    private static let listItemContent: ContentModel = [
        "paragraph": paragraphFontSize, "bulletList": none, "orderedList": none, "taskList": none,
        "mediaSingle": [["link"]], "codeBlock": none, "extension": extensionMarks,
    ]

    private static let inlineContent: ContentModel = [
        "text": [
            ["link", "em", "strong", "strike", "subsup", "underline", "textColor", "annotation", "backgroundColor"]
        ],
        "date": none, "emoji": none, "hardBreak": none, "inlineCard": none, "mention": none, "placeholder": none,
        "status": none, "inlineExtension": extensionMarks,
        "mediaInline": [["dataConsumer", "link", "annotation", "border"]],
    ]

    private static let captionContent: ContentModel = {
        var model = inlineContent
        model["inlineExtension"] = nil
        model["mediaInline"] = nil
        return model
    }()

    private static func model(of container: Container) -> ContentModel {
        switch container {
        case .doc: return docContent
        case .layoutColumn: return blockContent
        case .bodiedExtension: return nonNestable
        case .expand: return expandContent
        case .nestedExpand: return nestedExpandContent
        case .tableCell: return tableCellContent
        case .panel: return panelContent
        case .blockquote: return blockquoteContent
        case .listItem: return listItemContent
        case .taskList: return ["taskItem": none, "taskList": none, "blockTaskItem": none]
        case .decisionList: return ["decisionItem": none]
        case .list: return ["listItem": none]
        case .table: return ["tableRow": none]
        case .tableRow: return ["tableCell": none, "tableHeader": none]
        case .layoutSection: return ["layoutColumn": none]
        case .mediaSingle: return ["media": [["dataConsumer", "link", "annotation", "border"]], "caption": none]
        case .mediaGroup: return ["media": [["dataConsumer", "link", "annotation", "border"]]]
        case .inline: return inlineContent
        case .caption: return captionContent
        case .codeBlock: return ["text": none]
        }
    }

    /// Whether a node of `type` may appear inside `container` at all.
    static func allows(_ type: String, in container: Container) -> Bool {
        model(of: container)[type] != nil
    }

    /// The node marks (`alignment`, `indentation` …) a `type` node may keep inside `container`.
    static func allowedNodeMarks(_ type: String, in container: Container) -> Set<String> {
        (model(of: container)[type] ?? []).reduce(into: Set<String>()) { $0.formUnion($1) }
    }

    // MARK: walking

    /// Where the walk is; turned into text only when an issue is reported.
    struct Path {
        enum Step {
            case content
            case index(Int)
            case mark(Int)
        }

        var components: [Step] = []

        var string: String {
            let parts = components.map { step -> String in
                switch step {
                case .content: return "content"
                case .index(let index): return String(index)
                case .mark(let index): return "marks/\(index)"
                }
            }
            return parts.isEmpty ? "/" : "/" + parts.joined(separator: "/")
        }
    }

    private static func fail(_ message: String, _ path: Path, _ issues: inout [ADFValidationIssue]) {
        issues.append(ADFValidationIssue(path: path.string, message: message))
    }

    private static func validateChildren(
        _ children: [ADFNode], range: Range<Int>? = nil, of container: Container, path: inout Path,
        issues: inout [ADFValidationIssue]
    ) {
        let model = model(of: container)
        path.components.append(.content)
        defer { path.components.removeLast() }
        for index in range ?? children.indices {
            path.components.append(.index(index))
            defer { path.components.removeLast() }
            guard let variants = model[children[index].type] else {
                fail("\(children[index].type) is not allowed inside \(container)", path, &issues)
                continue
            }
            validateChild(children[index], variants: variants, in: container, path: &path, issues: &issues)
        }
        switch container {
        case .layoutSection where children.count < 2 || children.count > 3:
            fail("a layoutSection needs 2 or 3 columns, not \(children.count)", path, &issues)
        case .mediaSingle:
            if children.first?.type != "media" || children.count > 2
                || (children.count == 2 && children[1].type != "caption")
            {
                fail("a mediaSingle holds one media, optionally followed by one caption", path, &issues)
            }
        default: break
        }
    }

    private static func validateChild(
        _ child: ADFNode, variants: [Set<String>], in container: Container, path: inout Path,
        issues: inout [ADFValidationIssue]
    ) {

        if let marks = child.marks, !marks.isEmpty {
            let markTypes = marks.map(\.type)
            if child.type == "text" {
                validateTextMarks(markTypes, allowed: variants, path: path, issues: &issues)
            } else if !variants.contains(where: { $0.isSuperset(of: markTypes) }) {
                fail("\(child.type) may not carry the marks \(markTypes) inside \(container)", path, &issues)
            }
            if marks.count > 1 {
                let unique = markTypes.filter { $0 != "annotation" }
                if Set(unique).count != unique.count {
                    fail("\(child.type) carries the same mark twice", path, &issues)
                }
            }
            for (markIndex, mark) in marks.enumerated() {
                path.components.append(.mark(markIndex))
                validateMark(mark, path: path, issues: &issues)
                path.components.removeLast()
            }
        }
        validateNode(child, in: container, path: &path, issues: &issues)
    }

    private static let codeMarks: [String] = ["code", "link", "annotation"]
    private static let formattedMarks: [String] = [
        "link", "em", "strong", "strike", "subsup", "underline", "textColor", "annotation", "backgroundColor",
    ]

    private static func validateTextMarks(
        _ types: [String], allowed: [Set<String>], path: Path, issues: inout [ADFValidationIssue]
    ) {
        if allowed == none {
            fail("text here may not carry marks", path, &issues)
            return
        }
        // Text outside code blocks is formatted_text or code_inline; short arrays compared in
        // place are cheaper than hashing each mark name.
        if !types.allSatisfy({ formattedMarks.contains($0) }), !types.allSatisfy({ codeMarks.contains($0) }) {
            fail(
                "text may not combine the marks \(types.sorted()) (code only goes with link and annotation)", path,
                &issues)
        }
    }

    // MARK: attributes

    private indirect enum AttributeType {
        case string, nonEmptyString, bool, any, numberArray, stringArray, hexColor, hexColorWithAlpha
        case number(min: Double?, max: Double?)
        case oneOf([String])
    }

    private struct AttributeRules {
        var allowed: [String: AttributeType]
        var required: Set<String>
        /// The same rules as a short list: a linear scan of a few names beats hashing each one.
        let list: [(name: String, type: AttributeType, required: Bool)]

        init(allowed: [String: AttributeType], required: Set<String> = []) {
            self.allowed = allowed
            self.required = required
            list = allowed.map { ($0.key, $0.value, required.contains($0.key)) }
        }
    }

    private static let localId: [String: AttributeType] = ["localId": .string]

    private static func rules(_ allowed: [String: AttributeType], required: Set<String> = []) -> AttributeRules {
        AttributeRules(allowed: allowed.merging(localId) { first, _ in first }, required: required)
    }

    private static let extensionAttributes: [String: AttributeType] = [
        "extensionKey": .nonEmptyString, "extensionType": .nonEmptyString, "parameters": .any, "text": .string,
        "layout": .oneOf(["wide", "full-width", "default"]), "localId": .nonEmptyString,
    ]

    private static let cellAttributes: [String: AttributeType] = [
        "colspan": .number(min: nil, max: nil), "rowspan": .number(min: nil, max: nil), "colwidth": .numberArray,
        "background": .string, "valign": .oneOf(["top", "middle", "bottom"]),
    ]

    private static let mediaLayouts = [
        "wide", "full-width", "center", "wrap-right", "wrap-left", "align-end", "align-start",
    ]

    private static let nodeRules: [String: AttributeRules] = [
        "paragraph": rules([:]),
        "heading": rules(["level": .number(min: 1, max: 6)], required: ["level"]),
        "hardBreak": rules(["text": .oneOf(["\n"])]),
        "rule": rules([:]),
        "blockquote": rules([:]),
        "bulletList": rules([:]),
        "orderedList": rules(["order": .number(min: 0, max: nil)]),
        "listItem": rules([:]),
        "codeBlock": rules(["language": .string, "uniqueId": .string, "wrap": .bool, "hideLineNumbers": .bool]),
        "panel": rules(
            [
                "panelType": .oneOf(["info", "note", "tip", "warning", "error", "success", "custom"]),
                "panelIcon": .string, "panelIconId": .string, "panelIconText": .string, "panelColor": .string,
            ], required: ["panelType"]),
        "table": rules([
            "displayMode": .oneOf(["default", "fixed"]), "isNumberColumnEnabled": .bool,
            "layout": .oneOf(["wide", "full-width", "center", "align-end", "align-start", "default"]),
            "localId": .nonEmptyString, "width": .number(min: nil, max: nil),
        ]),
        "tableRow": rules([:]),
        "tableCell": rules(cellAttributes),
        "tableHeader": rules(cellAttributes),
        "expand": rules(["title": .string]),
        "nestedExpand": rules(["title": .string]),
        "extension": AttributeRules(allowed: extensionAttributes, required: ["extensionKey", "extensionType"]),
        "bodiedExtension": AttributeRules(allowed: extensionAttributes, required: ["extensionKey", "extensionType"]),
        "inlineExtension": AttributeRules(
            allowed: extensionAttributes.filter { $0.key != "layout" }, required: ["extensionKey", "extensionType"]),
        "caption": rules([:]),
        "mediaInline": rules(
            [
                "type": .oneOf(["link", "file", "image"]), "id": .nonEmptyString, "alt": .string, "collection": .string,
                "occurrenceKey": .nonEmptyString, "width": .number(min: nil, max: nil),
                "height": .number(min: nil, max: nil), "data": .any,
            ], required: ["id", "collection"]),
        "taskList": rules([:], required: ["localId"]),
        "taskItem": rules(["state": .oneOf(["TODO", "DONE"])], required: ["localId", "state"]),
        "blockTaskItem": rules(["state": .oneOf(["TODO", "DONE"])], required: ["localId", "state"]),
        "decisionList": rules([:], required: ["localId"]),
        "decisionItem": rules(["state": .string], required: ["localId", "state"]),
        "layoutSection": rules([:]),
        "layoutColumn": rules(
            ["width": .number(min: 0, max: 100), "valign": .oneOf(["top", "middle", "bottom"])], required: ["width"]),
        "mention": rules(
            [
                "id": .string, "text": .string, "accessLevel": .string,
                "userType": .oneOf(["DEFAULT", "SPECIAL", "APP"]),
            ],
            required: ["id"]),
        "emoji": rules(["shortName": .string, "id": .string, "text": .string], required: ["shortName"]),
        "date": rules(["timestamp": .nonEmptyString], required: ["timestamp"]),
        "status": rules(
            [
                "text": .nonEmptyString, "color": .oneOf(["neutral", "purple", "blue", "red", "yellow", "green"]),
                "style": .string,
            ], required: ["text", "color"]),
        "placeholder": rules(["text": .string], required: ["text"]),
        "embedCard": rules(
            [
                "url": .string, "layout": .oneOf(mediaLayouts), "width": .number(min: 0, max: 100),
                "originalHeight": .number(min: nil, max: nil), "originalWidth": .number(min: nil, max: nil),
            ], required: ["url", "layout"]),
    ]

    private static let markRules: [String: AttributeRules] = [
        "strong": AttributeRules(allowed: [:]), "em": AttributeRules(allowed: [:]),
        "underline": AttributeRules(allowed: [:]), "strike": AttributeRules(allowed: [:]),
        "code": AttributeRules(allowed: [:]),
        "subsup": AttributeRules(allowed: ["type": .oneOf(["sub", "sup"])], required: ["type"]),
        "textColor": AttributeRules(allowed: ["color": .hexColor], required: ["color"]),
        "backgroundColor": AttributeRules(allowed: ["color": .hexColor], required: ["color"]),
        "link": AttributeRules(
            allowed: [
                "href": .string, "title": .string, "id": .string, "collection": .string, "occurrenceKey": .string,
            ],
            required: ["href"]),
        "annotation": AttributeRules(
            allowed: ["id": .string, "annotationType": .oneOf(["inlineComment"])], required: ["id", "annotationType"]),
        "alignment": AttributeRules(allowed: ["align": .oneOf(["center", "end"])], required: ["align"]),
        "indentation": AttributeRules(allowed: ["level": .number(min: 1, max: 6)], required: ["level"]),
        "fontSize": AttributeRules(allowed: ["fontSize": .oneOf(["small"])], required: ["fontSize"]),
        "breakout": AttributeRules(
            allowed: ["mode": .oneOf(["wide", "full-width"]), "width": .number(min: nil, max: nil)], required: ["mode"]),
        "fragment": AttributeRules(allowed: ["localId": .nonEmptyString, "name": .string], required: ["localId"]),
        "dataConsumer": AttributeRules(allowed: ["sources": .stringArray], required: ["sources"]),
        "border": AttributeRules(
            allowed: ["size": .number(min: 1, max: 3), "color": .hexColorWithAlpha], required: ["size", "color"]),
    ]

    private static func validateMark(_ mark: ADFMark, path: Path, issues: inout [ADFValidationIssue]) {
        guard let rules = markRules[mark.type] else {
            fail("unknown mark \(mark.type)", path, &issues)
            return
        }
        if !rules.list.isEmpty {
            guard let attrs = mark.attrs else {
                fail("the \(mark.type) mark needs attrs", path, &issues)
                return
            }
            check(attrs, against: rules, what: "\(mark.type) mark", path: path, issues: &issues)
        } else if mark.attrs != nil {
            fail("the \(mark.type) mark takes no attrs", path, &issues)
        }
    }

    private static func check(
        _ attrs: [String: ADFValue], against rules: AttributeRules, what: String, path: Path,
        issues: inout [ADFValidationIssue]
    ) {
        var requiredFound = 0
        for (name, value) in attrs {
            guard let rule = rules.list.first(where: { $0.name == name }) else {
                fail("\(what) does not allow the attribute \(name)", path, &issues)
                continue
            }
            if rule.required { requiredFound += 1 }
            if let problem = problem(value, rule.type) { fail("\(what).\(name) \(problem)", path, &issues) }
        }
        if requiredFound < rules.required.count {
            for name in rules.required.sorted() where attrs[name] == nil {
                fail("\(what) needs the attribute \(name)", path, &issues)
            }
        }
    }

    private static func isHex(_ text: String, digits: Int) -> Bool {
        let utf8 = text.utf8
        guard utf8.count == digits + 1, utf8.first == 0x23 else { return false }
        return utf8.dropFirst().allSatisfy {
            ($0 >= 0x30 && $0 <= 0x39) || (($0 | 0x20) >= 0x61 && ($0 | 0x20) <= 0x66)
        }
    }

    private static func problem(_ value: ADFValue, _ type: AttributeType) -> String? {
        switch type {
        case .any: return nil
        case .string: return value.stringValue == nil ? "must be a string" : nil
        case .nonEmptyString: return (value.stringValue ?? "").isEmpty ? "must be a non-empty string" : nil
        case .bool:
            if case .bool = value { return nil }
            return "must be true or false"
        case .number(let min, let max):
            guard let number = value.numberValue else { return "must be a number" }
            if let min, number < min { return "must be at least \(min)" }
            if let max, number > max { return "must be at most \(max)" }
            return nil
        case .oneOf(let options):
            guard let text = value.stringValue, options.contains(text) else { return "must be one of \(options)" }
            return nil
        case .numberArray:
            guard case .array(let items) = value, items.allSatisfy({ $0.numberValue != nil }) else {
                return "must be an array of numbers"
            }
            return nil
        case .stringArray:
            guard case .array(let items) = value, !items.isEmpty, items.allSatisfy({ $0.stringValue != nil }) else {
                return "must be a non-empty array of strings"
            }
            return nil
        case .hexColor:
            return isHex(value.stringValue ?? "", digits: 6) ? nil : "must be a colour #rrggbb"
        case .hexColorWithAlpha:
            let text = value.stringValue ?? ""
            return isHex(text, digits: 6) || isHex(text, digits: 8) ? nil : "must be a colour #rrggbb or #rrggbbaa"
        }
    }

    // MARK: nodes

    /// Types that hold content, with the content model of their children and
    /// whether `content` is required with at least one item.
    private static let childContainers: [String: (Container, requiresContent: Bool)] = [
        "paragraph": (.inline, false), "heading": (.inline, false), "taskItem": (.inline, false),
        "decisionItem": (.inline, false), "caption": (.caption, false), "codeBlock": (.codeBlock, false),
        "blockquote": (.blockquote, true), "bulletList": (.list, true), "orderedList": (.list, true),
        "listItem": (.listItem, true), "panel": (.panel, true), "table": (.table, true), "tableRow": (.tableRow, false),
        "tableCell": (.tableCell, true), "tableHeader": (.tableCell, true), "expand": (.expand, true),
        "nestedExpand": (.nestedExpand, true), "bodiedExtension": (.bodiedExtension, true),
        "taskList": (.taskList, true), "decisionList": (.decisionList, true), "layoutSection": (.layoutSection, false),
        "layoutColumn": (.layoutColumn, true), "mediaSingle": (.mediaSingle, true), "mediaGroup": (.mediaGroup, true),
    ]

    private static func childContainer(of node: ADFNode) -> (Container, requiresContent: Bool)? {
        childContainers[node.type]
    }

    /// Nodes whose `attrs` may be left out entirely.
    private static let attrsOptional: Set<String> = [
        "paragraph", "hardBreak", "rule", "blockquote", "bulletList", "orderedList", "listItem", "codeBlock", "table",
        "tableRow", "tableCell", "tableHeader", "expand", "caption", "layoutSection", "mediaSingle",
    ]

    private static func validateNode(
        _ node: ADFNode, in container: Container, path: inout Path, issues: inout [ADFValidationIssue]
    ) {
        if node.type == "text" {
            if (node.text ?? "").isEmpty { fail("text nodes must have non-empty text", path, &issues) }
            if node.attrs != nil || node.content != nil { fail("text nodes take no attrs or content", path, &issues) }
            return
        }
        if node.text != nil { fail("\(node.type) takes no text field", path, &issues) }
        if node.type == "mediaGroup" {
            if node.attrs != nil { fail("mediaGroup takes no attrs", path, &issues) }
        } else if let attrs = node.attrs {
            validateAttributes(attrs, of: node.type, path: path, issues: &issues)
        } else if node.type != "paragraph", !attrsOptional.contains(node.type) {
            fail("\(node.type) needs attrs", path, &issues)
        }
        guard let (childContainer, requiresContent) = childContainer(of: node) else {
            if node.content != nil { fail("\(node.type) takes no content", path, &issues) }
            return
        }
        let content = node.content ?? []
        if requiresContent, content.isEmpty {
            fail("\(node.type) needs at least one child", path, &issues)
        }
        if node.content == nil, node.type == "tableRow" || node.type == "layoutSection" {
            fail("\(node.type) needs content", path, &issues)
        }
        validateChildren(content, of: childContainer, path: &path, issues: &issues)
        _ = container
    }

    private static func validateAttributes(
        _ attrs: [String: ADFValue], of type: String, path: Path, issues: inout [ADFValidationIssue]
    ) {
        switch type {
        case "media":
            let kind = attrs["type"]?.stringValue ?? ""
            if kind == "external" {
                check(
                    attrs,
                    against: rules(
                        [
                            "type": .string, "alt": .string, "height": .number(min: nil, max: nil),
                            "width": .number(min: nil, max: nil), "url": .string,
                        ], required: ["type", "url"]), what: "media", path: path, issues: &issues)
            } else if kind == "file" || kind == "link" {
                check(
                    attrs,
                    against: rules(
                        [
                            "type": .string, "id": .nonEmptyString, "alt": .string, "collection": .string,
                            "height": .number(min: nil, max: nil), "occurrenceKey": .nonEmptyString,
                            "width": .number(min: nil, max: nil),
                        ], required: ["type", "id", "collection"]), what: "media", path: path, issues: &issues)
            } else {
                fail("media.type must be file, link or external", path, &issues)
            }
        case "mediaSingle":
            let pixel = attrs["widthType"]?.stringValue == "pixel"
            check(
                attrs,
                against: rules(
                    [
                        "width": .number(min: 0, max: pixel ? nil : 100), "layout": .oneOf(mediaLayouts),
                        "widthType": .oneOf([pixel ? "pixel" : "percentage"]),
                    ], required: pixel ? ["width", "widthType", "layout"] : ["layout"]), what: "mediaSingle",
                path: path,
                issues: &issues)
        case "inlineCard", "blockCard":
            let key = attrs["url"] != nil ? "url" : "data"
            check(
                attrs, against: rules([key: key == "url" ? .string : .any], required: [key]), what: type, path: path,
                issues: &issues)
        default:
            guard let rules = nodeRules[type] else {
                fail("unknown node type \(type)", path, &issues)
                return
            }
            check(attrs, against: rules, what: type, path: path, issues: &issues)
        }
    }
}
