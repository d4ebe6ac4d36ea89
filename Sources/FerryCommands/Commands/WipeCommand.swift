public import ArgumentParser
import FerryModel
import Foundation
import Migration
import Workspace

/// `ferry wipe`: delete exactly what Ferry created.
public struct WipeCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "wipe",
        abstract: "Delete exactly what Ferry created in the target (from the ledger), and nothing else.",
        discussion: """
            Deletes, newest first, every comment, attachment, blog post and page the \
            workspace's migration created, then each space Ferry created once nothing \
            but its home page is left in it. Content people added in Cloud since is never \
            touched: a space that holds any is kept and listed. Without --yes it only \
            shows what it would delete. A wiped space can be migrated again from scratch.

            Example:
              ferry wipe --workspace ./ws                 # what would be deleted
              ferry wipe --workspace ./ws --spaces ENG --yes
            """
    )

    @OptionGroup public var global: GlobalOptions
    @OptionGroup public var options: ConfigurationOptions

    @Option(name: .long, help: ArgumentHelp("Only these space keys (comma-separated).", valueName: "keys"))
    public var spaces: String?

    @Flag(name: .long, help: "Really delete. Without it, only show what would be deleted.")
    public var yes: Bool = false

    @Flag(name: .long, help: "Print the outcome as JSON.")
    public var json: Bool = false

    public init() {}

    public func run() async throws {
        let logger = global.makeLogger()
        let configuration = try options.load(logger: logger)
        let workspace = try Workspace.open(at: URL(fileURLWithPath: configuration.workspace.value))
        guard let record = MigrationRecord.read(workspace.folder) else {
            throw ValidationError("\(workspace.folder.path) holds no migration; nothing to wipe")
        }
        let selected = spaces.map { Set($0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }) }
        let connection = try await TargetConnection.open(
            target: record.target, configuration: configuration, workspace: workspace.folder, logger: logger)
        let wiper = Wiper(workspace: workspace, client: connection.client)
        guard yes else {
            let preview = try wiper.preview(spaces: selected)
            await connection.close()
            if json {
                try Console.printJSON(preview)
            } else {
                Console.print("Would delete (add --yes to do it):")
                for (space, kinds) in preview.sorted(by: { $0.key < $1.key }) {
                    Console.print(
                        "  \(space): "
                            + kinds.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
                }
            }
            return
        }
        let outcomes: [Wiper.Outcome]
        do {
            outcomes = try await wiper.wipe(spaces: selected)
        } catch {
            await connection.close()
            throw error
        }
        await connection.close()
        if json {
            try Console.printJSON(outcomes)
        } else {
            for outcome in outcomes {
                Console.print(
                    "\(outcome.space): deleted "
                        + outcome.deleted.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(
                            separator: ", ")
                        + (outcome.spaceDeleted ? "; space deleted" : ""))
                for item in outcome.keptForeignContent.prefix(20) {
                    Console.print("  kept (not created by Ferry): \(item)")
                }
                for failure in outcome.failures.prefix(20) { Console.print("  failed: \(failure)") }
            }
        }
        if outcomes.contains(where: { !$0.failures.isEmpty }) { throw ExitCode(1) }
    }
}
