import Migration
import Reports
import Testing

@Suite("macro catalogue")
struct MacroCatalogTests {
    let page = ObjectReference(kind: "page", id: "98311", name: "Home")

    @Test("built-in macros raise nothing; app, unavailable and unknown macros each raise their category")
    func findings() {
        let findings = MacroCatalog.findings(inventory: [
            ("info", 10, [page]), ("drawio", 2, [page]), ("html", 1, [page]), ("acme-widget", 4, [page]),
            ("TOC", 1, [page]),
        ])
        #expect(
            Dictionary(grouping: findings, by: \.category).mapValues(\.count) == [
                "macro.app-required": 1, "macro.app-unavailable": 1, "macro.unknown": 1,
            ])
        #expect(findings.first { $0.category == "macro.app-required" }?.title.contains("draw.io") == true)
    }

    @Test("every macro name is listed once, in lower case")
    func tableIsConsistent() {
        let names = MacroCatalog.entries.flatMap(\.macros)
        #expect(names.count == Set(names).count)
        #expect(names.allSatisfy { $0 == $0.lowercased() })
        #expect(MacroCatalog.entry(forMacro: "Gliffy")?.availability == .cloudApp)
        #expect(MacroCatalog.entry(forMacro: "calendar")?.note.contains("not migrated") == true)
    }
}
