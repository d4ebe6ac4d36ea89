public import ArgumentParser
import ConfluenceExport
import FerryModel
import Foundation

/// `ferry sample`: write a synthetic, realistic site export.
public struct SampleCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "sample",
        abstract: "Write a synthetic Confluence site export (XML) for trials, tests and benchmarks.",
        discussion: """
            Generates a site export in the format Confluence Data Center writes \
            (entities.xml, exportDescriptor.properties, attachments/), deterministic \
            for a given --seed. It holds: spaces with page trees several levels deep, \
            page history, blog posts, footer and inline comments, attachments of several \
            types and sizes with versions, labels, restrictions, space and global \
            permissions, users and groups (with invalid and duplicate e-mail addresses \
            and the admin groups Cloud blocks), drafts and trash, and storage-format \
            bodies using headings, lists, tables with merged cells, code, info, panel, \
            expand, status, Jira and toc macros, task lists, layouts, images, links to \
            pages, users and attachments, emoticons, dates and inline comment markers. \
            It also plants what Cloud cannot take: global settings, audit records, \
            avatars, custom emoticons and app data. --plant-archive adds more of \
            those for `ferry archive` (more audit records and avatars, custom emoticons \
            with images, look-and-feel and app settings, installed-app versions, and a \
            page using draw.io, Gliffy and Team Calendars macros with its diagram files); \
            the manifest's "archive" section lists every item ferry archive must hold.

            --profile adversarial adds the damage real exports carry: control \
            characters and invalid UTF-8 in bodies and titles, a text node over 10 MB, \
            objects out of reference order, references to missing objects, duplicate \
            ids, missing attachment files and no exportDescriptor.properties.

            manifest.json (beside entities.xml) lists the generated counts, the macro \
            inventory and every planted problem, so `ferry inspect` can be checked \
            against it. Output is written as it is generated (constant memory): it \
            scales to a million pages and tens of gigabytes.

            --mutate-every N writes the same site as a later export would show it: \
            every Nth page edited, renamed, moved, deleted, re-restricted, commented, \
            labelled or given a new attachment version (in turn), --new-pages new pages \
            per space, and every page and blog post of the --vanish-spaces gone; ids stay \
            those of the unchanged site and changed content is dated now. Migrate the \
            plain site, then `ferry sync --from` the mutated one.

            Example:
              ferry sample --out site.zip
              ferry sample --out site-later.zip --mutate-every 10 --new-pages 3
              ferry sample --out big-site/ --spaces 20 --pages 200000 --attachments 50000 --seed 7
              ferry sample --out broken.zip --profile adversarial
              ferry sample --out site/ --plant-archive
            """
    )

    @OptionGroup public var global: GlobalOptions

    @Option(name: .long, help: ArgumentHelp("Where to write: a .zip, or a folder.", valueName: "path"))
    public var out: String

    @Option(name: .long, help: "Number of spaces.")
    public var spaces: Int = 3

    @Option(name: .long, help: "Current pages in total, spread over the spaces.")
    public var pages: Int = 60

    @Option(name: .long, help: "Current attachments in total, spread over the pages.")
    public var attachments: Int = 20

    @Option(name: .long, help: "The most historical versions a page or attachment gets.")
    public var history: Int = 2

    @Option(name: .long, help: "The seed: the same seed and options give the same export, byte for byte.")
    public var seed: UInt64 = 1

    @Option(name: .long, help: "realistic, or adversarial (adds the damage real exports carry).")
    public var profile: String = "realistic"

    @Option(name: .long, help: "Average sections per page body (about 0.5 KB each).")
    public var sections: Int = 6

    @Option(name: .long, help: ArgumentHelp("The largest attachment file in bytes.", valueName: "bytes"))
    public var maxAttachmentBytes: Int = 256 * 1024

    @Flag(name: .long, help: "Plant more of what Cloud cannot take, for ferry archive (listed in the manifest).")
    public var plantArchive: Bool = false

    @Option(
        name: .long,
        help: ArgumentHelp("Write a later export of the site: every Nth page changes.", valueName: "N"))
    public var mutateEvery: Int?

    @Option(name: .long, help: "With --mutate-every: new pages per space.")
    public var newPages: Int = 2

    @Option(
        name: .long,
        help: ArgumentHelp(
            "With --mutate-every: spaces whose pages and blog posts all vanish (comma-separated).", valueName: "keys"))
    public var vanishSpaces: String?

    @Flag(name: .long, help: "Print what was written as JSON.")
    public var json: Bool = false

    public init() {}

    public func validate() throws {
        guard SampleGenerator.Profile(rawValue: profile) != nil else {
            throw ValidationError("--profile '\(profile)' is not a profile; use realistic or adversarial")
        }
        if let mutateEvery, mutateEvery < 1 {
            throw ValidationError("--mutate-every must be at least 1")
        }
        guard newPages >= 0 else { throw ValidationError("--new-pages cannot be negative") }
        guard sections >= 1, maxAttachmentBytes >= 64 else {
            throw ValidationError("--sections must be at least 1 and --max-attachment-bytes at least 64")
        }
    }

    struct Summary: Encodable {
        var out: String
        var profile: String
        var seed: UInt64
        var entitiesBytes: Int64
        var attachmentFiles: Int
        var attachmentFileBytes: Int64
        var plantedProblems: Int
        var seconds: Double
    }

    public func run() async throws {
        let logger = global.makeLogger()
        var options = SampleGenerator.Options()
        options.spaces = spaces
        options.pages = pages
        options.attachments = attachments
        options.history = history
        options.seed = seed
        options.profile = SampleGenerator.Profile(rawValue: profile) ?? .realistic
        options.sections = sections
        options.maxAttachmentBytes = maxAttachmentBytes
        options.plantArchive = plantArchive
        if let mutateEvery {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "UTC")
            formatter.dateFormat = "yyyy-MM-dd HH:mm:ss.SSS"
            options.mutation = SampleMutation(
                every: mutateEvery, newPages: newPages,
                vanishSpaces: Set(
                    (vanishSpaces ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }),
                modified: formatter.string(from: Date()))
        }
        let progress = ProgressReporter(phase: "writing entities.xml (MiB)")
        var generator = SampleGenerator(options: options)
        generator.progress = { bytes in progress.advance(items: Int(bytes >> 20), bytes: bytes) }
        let started = ContinuousClock.now
        let result = try generator.generate(to: URL(fileURLWithPath: out))
        progress.finish()
        let elapsed = (ContinuousClock.now - started).components
        let summary = Summary(
            out: out, profile: profile, seed: seed, entitiesBytes: result.entitiesBytes,
            attachmentFiles: result.attachmentFiles, attachmentFileBytes: result.attachmentFileBytes,
            plantedProblems: result.problems,
            seconds: Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18)
        logger.info("sample written", metadata: ["out": "\(out)", "seconds": "\(summary.seconds)"])
        if json {
            try Console.printJSON(summary)
        } else {
            Console.print(
                "wrote \(out): \(profile) site, seed \(seed), entities.xml "
                    + ProgressReporter.format(bytes: result.entitiesBytes)
                    + ", \(result.attachmentFiles) attachment files ("
                    + ProgressReporter.format(bytes: result.attachmentFileBytes)
                    + "), \(result.problems) entries in manifest.json's problem list")
        }
    }
}
