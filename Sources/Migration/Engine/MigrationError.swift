public import FerryModel

/// A migration that cannot start or go on.
public enum MigrationError: FerryError, Equatable {
    case noSpaces(requested: [String])
    case spaceExists(sourceKey: String, targetKey: String)
    case sourceUnavailable(reason: String)
    case interrupted
    case historyModeChanged(recorded: String, requested: String)

    public var summary: String {
        switch self {
        case .noSpaces(let requested):
            requested.isEmpty
                ? "the source holds no space to migrate"
                : "none of the requested spaces (\(requested.joined(separator: ", "))) is in the source"
        case .spaceExists(let sourceKey, let targetKey):
            "space \(sourceKey): a space with key \(targetKey) already exists in the target and was not created by this workspace"
        case .sourceUnavailable(let reason): "the source cannot be read: \(reason)"
        case .interrupted: "the migration was interrupted"
        case .historyModeChanged(let recorded, let requested):
            "this workspace was migrated with --history \(recorded); --history \(requested) would mix page histories"
        }
    }

    public var remedy: String? {
        switch self {
        case .noSpaces: "check --spaces against `ferry inspect` of the source"
        case .spaceExists:
            "migrate into it only if that is intended, with --into-existing; otherwise rename or remove the target space"
        case .sourceUnavailable: "give the same export with --from that the workspace was staged from"
        case .interrupted: "run the same ferry migrate command again: it resumes where it stopped"
        case .historyModeChanged(let recorded, _):
            "run again with --history \(recorded), or migrate with a new workspace (after ferry wipe) to change it"
        }
    }
}
