public import FerryModel

/// A report could not be written.
public enum ReportError: FerryError {
    case cannotWrite(path: String)
    case cannotCreateFolder(path: String, reason: String)

    public var summary: String {
        switch self {
        case .cannotWrite(let path): "cannot write report file \(path)"
        case .cannotCreateFolder(let path, let reason): "cannot create the report folder \(path): \(reason)"
        }
    }

    public var remedy: String? {
        "check that the folder exists, is writable by this user and that the disk is not full"
    }
}
