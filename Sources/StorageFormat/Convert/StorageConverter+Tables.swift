extension ConversionRun {
    static let tableLayouts: Set<String> = ["wide", "full-width", "center", "align-end", "align-start", "default"]

    /// `<table>` → ADF table; inside a table cell Cloud's `nested-table` extension; where
    /// tables are not allowed (list items, panels, quotes) a legacy-content block.
    mutating func table(_ index: Int, in container: Container) -> [ADFNode] {
        if container == .tableCell, insideNestedTable {
            // A table three levels deep: one nested-table payload inside another would
            // escape its JSON twice per level, so deeper tables keep their storage instead.
            return [fallback(index, reason: "a table nested in a nested table cannot be shown in Cloud", in: container)]
        }
        if container == .tableCell {
            insideNestedTable = true
            let inner = table(index, in: .doc)
            insideNestedTable = false
            guard !inner.isEmpty else { return [] }
            note(
                .fallback, "nested-table",
                "a table inside a table cell cannot be edited in Cloud; kept as Cloud's nested-table block", at: index)
            let adf = ADFDocument(content: inner).jsonString
            return [
                ADFNode(
                    "extension",
                    attrs: [
                        "extensionType": "com.atlassian.confluence.migration", "extensionKey": "nested-table",
                        "parameters": .object([
                            "reason": "A table in a table cell can't be created or edited in the new editor.",
                            "adf": .string(adf),
                        ]),
                        "localId": .string(newId()),
                    ])
            ]
        }
        guard ADFValidator.allows("table", in: container) else {
            return [fallback(index, reason: "a table is not allowed inside \(container) in Cloud", in: container)]
        }
        var before: [ADFNode] = []
        var rowElements: [Int] = []
        var columnWidths: [Double?] = []
        for child in tree.children(of: index) {
            let node = tree[child]
            guard node.kind == .element else {
                if node.text.contains(where: { !$0.isWhitespace }) {
                    note(.restructured, "text-in-table", "text directly inside a table was moved before it", at: child)
                    before.append(ADFNode.paragraph([ADFNode.text(node.text.trimmingSpaces())]))
                }
                continue
            }
            switch node.name {
            case "tr": rowElements.append(child)
            case "thead", "tbody", "tfoot":
                for row in tree.children(of: child) where tree[row].kind == .element && tree[row].name == "tr" {
                    rowElements.append(row)
                }
            case "colgroup":
                for column in tree.children(of: child) where tree[column].name == "col" {
                    let span = max(Int(tree.attribute("span", of: column) ?? "1") ?? 1, 1)
                    let width = columnWidth(column)
                    columnWidths.append(contentsOf: Array(repeating: width, count: min(span, 100)))
                }
            case "caption":
                let caption = blocks(of: child, in: container)
                before.append(contentsOf: caption)
            default:
                note(
                    .restructured, "content-in-table", "<\(node.name)> directly inside a table was moved before it",
                    at: child)
                before.append(contentsOf: blocks(of: child, in: container))
            }
        }
        var rows: [ADFNode] = []
        var spanning: [Int] = []
        var numbered = false
        for (rowNumber, row) in rowElements.enumerated() {
            var cells: [ADFNode] = []
            var column = 0
            for cell in tree.children(of: row) {
                let node = tree[cell]
                guard node.kind == .element, node.name == "td" || node.name == "th" else {
                    if node.kind == .element || node.text.contains(where: { !$0.isWhitespace }) {
                        note(
                            .restructured, "content-in-row",
                            "content directly inside a table row was moved before the table", at: cell)
                        before.append(contentsOf: blocks(of: cell, in: container))
                    }
                    continue
                }
                while column < spanning.count, spanning[column] > 0 { column += 1 }
                let colspan = min(max(Int(tree.attribute("colspan", of: cell) ?? "1") ?? 1, 1), 1000)
                let rowspan = min(max(Int(tree.attribute("rowspan", of: cell) ?? "1") ?? 1, 1), 1000)
                if spanning.count < column + colspan {
                    spanning.append(contentsOf: Array(repeating: 0, count: column + colspan - spanning.count))
                }
                for spanned in column..<(column + colspan) { spanning[spanned] = rowspan }
                var attrs: [String: ADFValue] = [:]
                if colspan > 1 { attrs["colspan"] = .number(Double(colspan)) }
                if rowspan > 1 { attrs["rowspan"] = .number(Double(rowspan)) }
                if column + colspan <= columnWidths.count {
                    let widths = columnWidths[column..<(column + colspan)].compactMap { $0 }
                    if widths.count == colspan { attrs["colwidth"] = .array(widths.map { .number($0) }) }
                }
                if let background = cellBackground(cell) { attrs["background"] = .string(background) }
                if rowNumber == 0, cells.isEmpty, (tree.attribute("class", of: cell) ?? "").contains("numberingColumn")
                {
                    numbered = true
                }
                let content = nonEmptyBlocks(of: cell, in: .tableCell)
                cells.append(
                    ADFNode(
                        node.name == "th" ? "tableHeader" : "tableCell", attrs: attrs.isEmpty ? nil : attrs,
                        content: content))
                column += colspan
            }
            for spanned in spanning.indices where spanning[spanned] > 0 { spanning[spanned] -= 1 }
            if cells.isEmpty {
                note(.droppedAttribute, "empty-row", "a table row without cells was left out", at: row)
                continue
            }
            rows.append(ADFNode("tableRow", content: cells))
        }
        guard !rows.isEmpty else {
            note(.droppedAttribute, "empty-table", "a table without cells was left out", at: index)
            return before
        }
        var attrs: [String: ADFValue] = ["isNumberColumnEnabled": .bool(numbered), "localId": .string(newId())]
        let layout = tree.attribute("data-layout", of: index) ?? "default"
        attrs["layout"] = .string(Self.tableLayouts.contains(layout) ? layout : "default")
        if let width = tree.attribute("data-table-width", of: index).flatMap({ Double($0) }), width > 0 {
            attrs["width"] = .number(width)
        }
        return before + [ADFNode("table", attrs: attrs, content: rows)]
    }

    func columnWidth(_ column: Int) -> Double? {
        if let style = tree.attribute("style", of: column) {
            for (property, value) in ConversionTables.styleDeclarations(style) where property == "width" {
                if let pixels = ConversionTables.pixels(value), pixels > 0 { return pixels }
            }
        }
        if let width = tree.attribute("width", of: column), let pixels = ConversionTables.pixels(width), pixels > 0 {
            return pixels
        }
        return nil
    }

    mutating func cellBackground(_ cell: Int) -> String? {
        if let highlight = tree.attribute("data-highlight-colour", of: cell)?.trimmingSpaces().lowercased(),
            !highlight.isEmpty
        {
            if let named = ConversionTables.highlightColours[highlight] { return named }
            if let hex = ConversionTables.hexColour(highlight) { return hex }
            note(.droppedAttribute, "cell-colour", "the cell colour \(highlight) is not known; left out", at: cell)
        }
        if let style = tree.attribute("style", of: cell) {
            for (property, value) in ConversionTables.styleDeclarations(style)
            where property == "background-color" || property == "background" {
                if let hex = ConversionTables.hexColour(value) { return hex }
            }
        }
        return nil
    }

    // MARK: layouts

    /// `ac:layout` → layoutSections at the top level (2–3 columns); single-column
    /// sections are unwrapped, 4–5 columns and layouts below the top level are kept
    /// as legacy content or unwrapped.
    mutating func layout(_ index: Int, in container: Container) -> [ADFNode] {
        guard container == .doc else {
            note(
                .restructured, "layout-not-top-level",
                "Cloud allows layouts only at the top of a page; the columns' content was placed one after another",
                at: index)
            var result: [ADFNode] = []
            for section in tree.children(of: index) where tree[section].name == "ac:layout-section" {
                for cell in tree.children(of: section) where tree[cell].name == "ac:layout-cell" {
                    result += blocks(of: cell, in: container)
                }
            }
            return result
        }
        var result: [ADFNode] = []
        for section in tree.children(of: index) where tree[section].kind == .element {
            guard tree[section].name == "ac:layout-section" else {
                result += blocks(of: section, in: container)
                continue
            }
            let cells = tree.children(of: section).filter {
                tree[$0].kind == .element && tree[$0].name == "ac:layout-cell"
            }
            let type = tree.attribute("ac:type", of: section) ?? ""
            switch cells.count {
            case 0: continue
            case 1: result += blocks(of: cells[0], in: .doc)
            case 2, 3:
                var widths = ConversionTables.layoutWidths[type] ?? []
                if widths.count != cells.count {
                    widths = Array(repeating: (100 / Double(cells.count) * 100).rounded() / 100, count: cells.count)
                }
                var columns: [ADFNode] = []
                for (cell, width) in zip(cells, widths) {
                    columns.append(
                        ADFNode(
                            "layoutColumn", attrs: ["width": .number(width)],
                            content: nonEmptyBlocks(of: cell, in: .layoutColumn)))
                }
                result.append(ADFNode("layoutSection", content: columns))
            default:
                result.append(
                    fallback(
                        section, reason: "Cloud layouts have 2 or 3 columns, this one has \(cells.count)", in: container
                    ))
            }
        }
        return result
    }
}
