public import ArgumentParser

/// The `ferry` command line: one binary, one subcommand per capability.
public struct FerryCommand: AsyncParsableCommand {
    public static let version = "0.1.0-dev"

    public static let configuration = CommandConfiguration(
        commandName: "ferry",
        abstract: "Move Confluence Data Center/Server sites to Confluence Cloud, safely and resumably.",
        discussion: """
            Ferry reads a Confluence Data Center/Server site (an XML export or the live \
            REST API), stages it in a workspace, checks it, converts every page to the \
            Cloud editor's format, writes it to Cloud through the public REST API with a \
            crash-safe ledger, verifies the result and reports everything it could not move.

            Start with `ferry demo`, which runs the whole pipeline on a generated site \
            against a local Cloud twin. Every command has --help with an example.

            Secrets come from the environment (FERRY_SOURCE_TOKEN, FERRY_TARGET_TOKEN, \
            FERRY_PROXY_PASSWORD) or from files named in ferry.toml, never from flags.
            """,
        version: FerryCommand.version,
        subcommands: [
            DemoCommand.self,
            MigrateCommand.self,
            UsersCommand.self,
            SyncCommand.self,
            CutoverCommand.self,
            AssessCommand.self,
            StatusCommand.self,
            VerifyCommand.self,
            ReportCommand.self,
            ArchiveCommand.self,
            WipeCommand.self,
            ConfigCommand.self,
            InspectCommand.self,
            ConvertCommand.self,
            SampleCommand.self,
            TwinCommand.self,
        ]
    )

    public init() {}
}
