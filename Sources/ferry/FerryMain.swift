import FerryCommands

/// The `ferry` executable: everything lives in FerryCommands so tests can drive it in-process.
@main
struct FerryMain {
    static func main() async {
        await FerryCommand.main(nil)
    }
}
