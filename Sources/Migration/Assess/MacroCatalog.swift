public import Reports

/// What happens to a macro in Confluence Cloud.
public enum CloudAvailability: String, Sendable, Codable, Equatable {
    /// Confluence Cloud has this macro itself.
    case builtIn = "built-in"
    /// A Cloud version of the app exists; it must be installed on the Cloud site, and its
    /// data moves through the vendor's migration path, not through Confluence's REST API.
    case cloudApp = "cloud-app"
    /// No Cloud equivalent: the content is kept (as a macro placeholder or legacy content) but will not render.
    case unavailable
}

/// One known macro family: the app that provides it and its Cloud fate.
public struct MacroCatalogEntry: Sendable, Equatable {
    public var macros: [String]
    public var app: String
    /// The Data Center/Server app (plugin) key, matching UPM's list of installed apps.
    public var appKey: String?
    public var availability: CloudAvailability
    public var note: String

    public init(macros: [String], app: String, appKey: String?, availability: CloudAvailability, note: String) {
        self.macros = macros
        self.app = app
        self.appKey = appKey
        self.availability = availability
        self.note = note
    }
}

/// The maintained table of common macros: Confluence's own and the Marketplace apps
/// most Data Center sites carry. Unknown macros are reported as such, never guessed.
public enum MacroCatalog {
    static let confluence = "Confluence"

    public static let entries: [MacroCatalogEntry] = [
        MacroCatalogEntry(
            macros: [
                "info", "note", "tip", "warning", "panel", "code", "noformat", "expand", "status", "anchor", "toc",
                "toc-zone", "children", "excerpt", "excerpt-include", "include", "jira", "attachments",
                "recently-updated", "contentbylabel", "pagetree", "pagetreesearch", "livesearch", "gallery",
                "widget", "multimedia", "view-file", "roadmap", "tasks-report-macro", "create-from-template",
                "blog-posts", "contributors", "contributors-summary", "details", "detailssummary", "chart",
                "profile", "change-history", "listlabels", "related-labels", "section", "column",
            ],
            app: confluence, appKey: nil, availability: .builtIn,
            note: "Converted to the Cloud editor's own node or to the Cloud macro of the same name."),
        MacroCatalogEntry(
            macros: ["viewpdf", "viewdoc", "viewppt", "viewxls"], app: "Confluence Office Connector", appKey: nil,
            availability: .builtIn,
            note: "Cloud shows attached Office and PDF files with its file macro; the old viewers become file previews."
        ),
        MacroCatalogEntry(
            macros: ["html", "html-include"], app: confluence, appKey: nil, availability: .unavailable,
            note: "Confluence Cloud has no HTML macro; raw HTML is kept as legacy content but will not run."),
        MacroCatalogEntry(
            macros: ["gadget", "rss"], app: confluence, appKey: nil, availability: .unavailable,
            note: "No Cloud equivalent; replace with a Smart Link or the vendor's Cloud gadget."),
        MacroCatalogEntry(
            macros: ["calendar"], app: "Team Calendars", appKey: "com.atlassian.confluence.extra.team-calendars",
            availability: .builtIn,
            note:
                "Cloud has Team Calendars built in, but calendar data is not migrated: export events (iCal) and re-import."
        ),
        MacroCatalogEntry(
            macros: ["gliffy"], app: "Gliffy Diagrams", appKey: "com.gliffy.integration.confluence",
            availability: .cloudApp,
            note: "Diagrams are stored as attachments and move with them; install Gliffy on the Cloud site."),
        MacroCatalogEntry(
            macros: ["drawio", "drawio-sketch", "inc-drawio", "drawio-board"], app: "draw.io Diagrams",
            appKey: "com.mxgraph.confluence.plugins.diagramly", availability: .cloudApp,
            note: "Diagrams are stored as attachments and move with them; install draw.io on the Cloud site."),
        MacroCatalogEntry(
            macros: ["lucidchart"], app: "Lucidchart Diagrams", appKey: "lucidchart-app", availability: .cloudApp,
            note: "Diagrams live in Lucid's service; install the Cloud app and re-link the documents."),
        MacroCatalogEntry(
            macros: ["mockup"], app: "Balsamiq Wireframes", appKey: "com.balsamiq.confluence.plugins.mockups",
            availability: .cloudApp, note: "Wireframes are attachments; install the Cloud app."),
        MacroCatalogEntry(
            macros: ["workflow", "pagestatus", "approval", "workflowreport", "pageactivity"],
            app: "Comala Document Management", appKey: "com.comalatech.workflow", availability: .cloudApp,
            note:
                "Workflow history does not migrate; export it to CSV before cutover. Restricted pages can block the app's data migration."
        ),
        MacroCatalogEntry(
            macros: [
                "sv-translation", "scroll-ignore", "scroll-only", "scroll-pagebreak", "scroll-exportbutton",
                "scroll-title",
            ],
            app: "Scroll Versions / Translations / Exporters (K15t)", appKey: "com.k15t.scroll.scroll-platform",
            availability: .cloudApp,
            note: "Convert versioned and translated spaces to Scroll Documents before migrating; the Cloud apps differ."
        ),
        MacroCatalogEntry(
            macros: [
                "table-filter", "table-chart", "pivot-table", "table-excerpt", "table-excerpt-include",
                "table-transformer",
            ],
            app: "Table Filter, Charts & Spreadsheets", appKey: "table-filter", availability: .cloudApp,
            note: "Install the Cloud app; the macros keep their tables as bodies."),
        MacroCatalogEntry(
            macros: ["multiexcerpt", "multiexcerpt-include", "multiexcerpt-macro", "multiexcerpt-include-macro"],
            app: "MultiExcerpt", appKey: "com.lastlight.confluence.multiexcerpt", availability: .cloudApp,
            note:
                "Install the Cloud app; check includes after migration (its app migrations have been reported to stall)."
        ),
        MacroCatalogEntry(
            macros: ["plantuml"], app: "PlantUML for Confluence", appKey: "de.griffel.confluence.plugins.plant-uml",
            availability: .cloudApp, note: "The diagram source is kept as the macro body; install a PlantUML Cloud app."
        ),
        MacroCatalogEntry(
            macros: ["numberedheadings"], app: "Numbered Headings",
            appKey: "de.edrup.confluence.plugins.numbered-headings",
            availability: .cloudApp, note: "Install the Cloud app."),
        MacroCatalogEntry(
            macros: ["auibutton", "auibuttongroup", "deck", "card", "tab-pane", "tab-group", "panel-macro"],
            app: "Content Formatting Macros / Composition (Adaptavist, Appfire)", appKey: nil, availability: .cloudApp,
            note: "Cloud versions exist with different macros; nested content does not convert to the Cloud editor."),
        MacroCatalogEntry(
            macros: ["show-if", "hide-if"], app: "Visibility macros", appKey: nil, availability: .cloudApp,
            note: "User and group parameters must be rewritten to Cloud accountIds and group ids."),
    ]

    static let byMacro: [String: MacroCatalogEntry] = {
        var table: [String: MacroCatalogEntry] = [:]
        for entry in entries {
            for macro in entry.macros where table[macro] == nil { table[macro] = entry }
        }
        return table
    }()

    /// The catalogue entry for a macro name (case-insensitive), or `nil` when unknown.
    public static func entry(forMacro name: String) -> MacroCatalogEntry? {
        byMacro[name.lowercased()]
    }

    /// Findings for a site's macro inventory: macros with no Cloud equivalent, macros that
    /// need a Cloud app installed, and macros this catalogue does not know.
    public static func findings(inventory: [(name: String, count: Int, pages: [ObjectReference])]) -> [Finding] {
        var findings: [Finding] = []
        for item in inventory.sorted(by: { $0.name < $1.name }) {
            let pages =
                "\(item.count) use\(item.count == 1 ? "" : "s") on \(item.pages.count) page\(item.pages.count == 1 ? "" : "s")"
            guard let entry = entry(forMacro: item.name) else {
                findings.append(
                    Finding(
                        id: "macro.unknown:\(item.name)", category: "macro.unknown", severity: .warning,
                        title: "Macro '\(item.name)' (\(pages)) is not in Ferry's catalogue",
                        detail: "Ferry keeps it as a Cloud macro placeholder with its parameters and body.",
                        objects: item.pages,
                        fix:
                            "Find the app that provides it (Administration → Manage apps), check the Marketplace for its Cloud version, and install that before migrating."
                    ))
                continue
            }
            switch entry.availability {
            case .builtIn:
                continue
            case .cloudApp:
                findings.append(
                    Finding(
                        id: "macro.app-required:\(item.name)", category: "macro.app-required", severity: .info,
                        title: "Macro '\(item.name)' from \(entry.app) (\(pages)) needs the app's Cloud version",
                        detail: entry.note, objects: item.pages,
                        fix:
                            "Install \(entry.app) on the Cloud site before migrating and follow the vendor's data migration steps."
                    ))
            case .unavailable:
                findings.append(
                    Finding(
                        id: "macro.app-unavailable:\(item.name)", category: "macro.app-unavailable", severity: .warning,
                        title: "Macro '\(item.name)' (\(pages)) has no Cloud equivalent", detail: entry.note,
                        objects: item.pages,
                        fix:
                            "Review these pages: replace the macro before migrating, or accept that Cloud keeps it as read-only legacy content."
                    ))
            }
        }
        return findings
    }
}
