public import FerryModel

/// A problem with `ferry.toml`, an environment variable or a credential file.
public enum ConfigurationError: FerryError, Equatable {
    case fileUnreadable(path: String, reason: String)
    case syntax(path: String, line: Int, column: Int, message: String)
    case unknownKey(path: String, key: String, known: [String])
    case wrongType(path: String, key: String, expected: String)
    case secretInFile(path: String, key: String, environmentVariable: String, fileKey: String)
    case credentialsInURL(setting: String, origin: String)
    case invalidValue(setting: String, origin: String, value: String, expected: String)
    case secretFileUnreadable(path: String, key: String, reason: String)
    case secretFileEmpty(path: String, key: String)

    public var summary: String {
        switch self {
        case .fileUnreadable(let path, let reason):
            "cannot read configuration file \(path): \(reason)"
        case .syntax(let path, let line, let column, let message):
            "\(path):\(line):\(column): TOML syntax error: \(message)"
        case .unknownKey(let path, let key, _):
            "\(path): unknown setting '\(key)'"
        case .wrongType(let path, let key, let expected):
            "\(path): setting '\(key)' must be \(expected)"
        case .secretInFile(let path, let key, _, _):
            "\(path): '\(key)' holds a secret, and secrets are never read from ferry.toml"
        case .credentialsInURL(let setting, let origin):
            "\(setting) (from \(origin)) contains user credentials"
        case .invalidValue(let setting, let origin, let value, let expected):
            "\(setting) (from \(origin)) is '\(value)', expected \(expected)"
        case .secretFileUnreadable(let path, let key, let reason):
            "cannot read the file named by '\(key)', \(path): \(reason)"
        case .secretFileEmpty(let path, let key):
            "the file named by '\(key)', \(path), is empty"
        }
    }

    public var remedy: String? {
        switch self {
        case .fileUnreadable:
            "check the path given with --config or FERRY_CONFIG, or run without it to use ./ferry.toml"
        case .syntax:
            "fix the line shown; ferry.toml is TOML 1.0 (https://toml.io)"
        case .unknownKey(_, _, let known):
            "remove it or correct the spelling; settings here are: \(known.joined(separator: ", "))"
        case .wrongType:
            "change the value to the type shown"
        case .secretInFile(_, _, let variable, let fileKey):
            "remove it from the file, then set \(variable) in the environment or put the secret in a file "
                + "readable only by you and name it with '\(fileKey)'"
        case .credentialsInURL:
            "remove 'user:password@' from the URL and give the credentials through the environment or a token file"
        case .invalidValue:
            "correct the value"
        case .secretFileUnreadable:
            "check the path and that this user may read it"
        case .secretFileEmpty:
            "write the token into the file, on one line"
        }
    }
}
