public import Foundation
import Reports
public import Workspace

/// Builds the migration report (HTML, JSON, CSV) and the redirect maps from a workspace:
/// per space what was migrated, skipped, degraded (with the converter's diagnostics) and
/// failed, and every old URL with its Cloud address.
public struct MigrationReportBuilder {
    public let workspace: Workspace
    /// The Cloud site the workspace migrated to (`https://corp.atlassian.net`, or a twin URL).
    public let site: String
    /// The old site's base URL (`https://wiki.corp.example/confluence`), for redirects.
    public let sourceBaseURL: String

    public init(workspace: Workspace, site: String, sourceBaseURL: String) {
        self.workspace = workspace
        var root = site
        while root.hasSuffix("/") { root.removeLast() }
        if root.hasSuffix("/wiki") { root.removeLast(5) }
        self.site = root
        self.sourceBaseURL = sourceBaseURL
    }

    public struct Written: Sendable {
        public var folder: URL
        public var files: [String]
        public var redirects: Int
    }

    public func write(to folder: URL, generator: String) throws -> Written {
        let ledger = workspace.ledger
        let tally = try ledger.tally()
        var report = Report(title: "Ferry migration report", subtitle: "Target \(site)", generator: generator)
        func count(_ state: WriteState, _ kinds: [WriteKind]? = nil, space: String? = nil) -> Int {
            tally.filter {
                $0.state == state && (kinds?.contains($0.kind) ?? true) && (space == nil || $0.spaceKey == space)
            }
            .map(\.count).reduce(0, +)
        }
        let failed = count(.failed)
        let pending = count(.planned) + count(.inFlight)
        report.figures = [
            Figure("Spaces", Set(tally.map(\.spaceKey)).count),
            Figure("Pages and blog posts", count(.done, [.pageCreate, .blogPostCreate])),
            Figure("Attachments", count(.done, [.attachmentUpload])),
            Figure("Comments", count(.done, [.commentCreate])),
            Figure("Writes done", count(.done)),
            Figure("Skipped (reported)", count(.skipped), severity: count(.skipped) > 0 ? .warning : nil),
            Figure("Failed", failed, severity: failed > 0 ? .error : nil),
            Figure("Pending", pending, severity: pending > 0 ? .warning : nil),
        ]
        let spaces = Set(tally.map(\.spaceKey)).sorted()
        report.tables.append(
            Table(
                id: "spaces", title: "Per space",
                columns: [
                    "space", "pages", "blog posts", "attachments", "comments", "labels", "done", "skipped", "failed",
                    "pending",
                ],
                rows: spaces.map { space in
                    [
                        space, String(count(.done, [.pageCreate], space: space)),
                        String(count(.done, [.blogPostCreate], space: space)),
                        String(count(.done, [.attachmentUpload], space: space)),
                        String(count(.done, [.commentCreate], space: space)),
                        String(count(.done, [.labelAdd], space: space)),
                        String(count(.done, space: space)), String(count(.skipped, space: space)),
                        String(count(.failed, space: space)),
                        String(count(.planned, space: space) + count(.inFlight, space: space)),
                    ]
                }))
        report.charts.append(
            Chart(
                title: "Pages and blog posts per space", unit: "items",
                bars: spaces.map { Chart.Bar($0, Double(count(.done, [.pageCreate, .blogPostCreate], space: $0))) }))

        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        // Notes can run to millions on a large site: all of them stream to notes.csv; the page shows a summary.
        let notesWriter = try CSVWriter(
            url: folder.appendingPathComponent("notes.csv"), columns: ["space", "source_id", "kind", "code", "message"])
        var byCode: [String: (kind: String, count: Int, example: String)] = [:]
        var preview: [[String]] = []
        for note in try ledger.notes() {
            try notesWriter.write([note.spaceKey, note.sourceId, note.kind, note.code, note.message])
            let key = "\(note.kind)|\(note.code)"
            byCode[key, default: (note.kind, 0, note.message)].count += 1
            if preview.count < 200 {
                preview.append([note.spaceKey, note.sourceId, note.kind, note.code, note.message])
            }
        }
        try notesWriter.close()
        report.tables.append(
            Table(
                id: "degraded-and-skipped", title: "Degraded, skipped and unresolved, by reason",
                columns: ["kind", "code", "count", "example"],
                rows: byCode.sorted { $0.value.count > $1.value.count }.map {
                    [
                        $0.value.kind, String($0.key.split(separator: "|").last ?? ""), String($0.value.count),
                        $0.value.example,
                    ]
                }))
        report.tables.append(
            Table(
                id: "notes", title: "Every note (first 200)",
                columns: ["space", "source id", "kind", "code", "message"],
                rows: preview, totalRows: notesWriter.rowCount, fullFile: "notes.csv"))
        let failures = try ledger.entries(state: .failed)
        report.tables.append(
            Table(
                id: "failures", title: "Failed writes (retry with ferry migrate --only-failed)",
                columns: ["write", "space", "attempts", "error"],
                rows: failures.map { [$0.key.rawValue, $0.spaceKey, String($0.attempts), $0.lastError ?? ""] }))
        report.tables.append(try notMigrated(reportFolder: folder))
        report.knownLimits = Verifier.knownLimits(
            history: MigrationPlanner.recordedHistory(workspace) ?? .latest)

        let redirects = try writeRedirects(to: folder)
        report.figures.append(Figure("Old URLs redirected", redirects))
        var written = try ReportWriter().write(report, to: folder)
        written.files += [
            "notes.csv", RedirectMapWriter.csvName, RedirectMapWriter.nginxName, RedirectMapWriter.apacheName,
        ]
        return Written(folder: folder, files: written.files, redirects: redirects)
    }

    /// What Cloud could not take, one row per archive section, each linked to its archive file
    /// when `ferry archive` has written one for this workspace (recorded in archive.json).
    func notMigrated(reportFolder: URL) throws -> Table {
        let columns = ["item", "count", "archive file", "note"]
        if let record = ArchiveRecord.read(workspace: workspace.folder) {
            let archive = URL(fileURLWithPath: record.path)
            if let index = try? ArchiveIndex.read(from: archive) {
                return Table(
                    id: "not-migrated", title: "Not migrated: kept in the archive (\(record.path))", columns: columns,
                    rows: index.sections.map { section in
                        let file = section.files.first.map {
                            ArchiveSurvey.relativePath(from: reportFolder, to: archive.appendingPathComponent($0))
                        }
                        return [section.title, String(section.count), file ?? "", section.note]
                    }, linkColumn: 2)
            }
        }
        return Table(
            id: "not-migrated", title: "Not migrated: run ferry archive to keep these", columns: columns,
            rows: try ArchiveSurvey.sections(workspace).map { [$0.title, String($0.count), "", $0.note] },
            linkColumn: 2)
    }

    /// Every old URL of every migrated space, page, blog post and attachment, streamed.
    func writeRedirects(to folder: URL) throws -> Int {
        let writer = try RedirectMapWriter(folder: folder, sourceBaseURL: sourceBaseURL)
        let ledger = workspace.ledger
        for space in try workspace.spaces() {
            guard let key = space.key,
                let created = try ledger.result(WriteKey(kind: .spaceCreate, sourceId: space.id)),
                created.targetId != nil
            else { continue }
            let cloudKey = CloudSpaceKey.derive(from: key)
            let spaceURL = "\(site)/wiki/spaces/\(cloudKey)"
            try writer.add(
                RedirectSubject(
                    kind: .space, spaceKey: key, title: space.name ?? key, targetURL: spaceURL + "/overview"))
            let contents =
                try workspace.pages(spaceKey: key).map { ($0, false) }
                + workspace.blogPosts(spaceKey: key).map { ($0, true) }
            for (content, blogPost) in contents {
                guard
                    let target = try ledger.result(
                        WriteKey(kind: blogPost ? .blogPostCreate : .pageCreate, sourceId: content.id))?.targetId
                else { continue }
                let posted = Self.date(content.created)
                let targetURL: String
                if blogPost, let posted, let year = posted.year, let month = posted.month, let day = posted.day {
                    targetURL = spaceURL + String(format: "/blog/%04d/%02d/%02d/", year, month, day) + target
                } else {
                    targetURL = spaceURL + "/pages/" + target
                }
                try writer.add(
                    RedirectSubject(
                        kind: blogPost ? .blogPost : .page, spaceKey: key, sourceId: Int64(content.id),
                        title: content.title ?? "", postedOn: posted, targetURL: targetURL))
                for attachment in try workspace.attachments(containerID: content.id) where attachment.isCurrent {
                    guard let title = attachment.title,
                        try ledger.result(WriteKey(kind: .attachmentUpload, sourceId: attachment.id)) != nil
                    else { continue }
                    try writer.add(
                        RedirectSubject(
                            kind: .attachment, spaceKey: key, sourceId: Int64(attachment.id), title: title,
                            containerSourceId: Int64(content.id),
                            targetURL:
                                "\(site)/wiki/download/attachments/\(target)/\(ConfluenceURLs.pathSegment(title))"))
                }
            }
        }
        try writer.close()
        return writer.count
    }

    /// `2013-10-14 16:05:52.000` (export) or ISO 8601 → its date.
    static func date(_ text: String?) -> DateComponents? {
        guard let text, text.count >= 10 else { return nil }
        let parts = text.prefix(10).split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3 else { return nil }
        return DateComponents(year: parts[0], month: parts[1], day: parts[2])
    }
}
