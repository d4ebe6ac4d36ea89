public import Foundation
public import Reports

#if canImport(FoundationXML)
import FoundationXML
#endif

/// What the Confluence home folder's `confluence.cfg.xml` says about the site's
/// database, read without ever opening the database (Ferry never needs it).
///
/// The file's passwords are never read: the parser keeps only the dialect, the JDBC
/// URL's scheme (not its host or credentials) and the build number.
public struct ConfluenceHomeDatabase: Sendable, Equatable {
    public enum Kind: String, Sendable, Equatable, Codable {
        case h2
        case hsqldb
        case postgresql
        case mysql
        case oracle
        case sqlServer = "sqlserver"
        case jndi
        case unknown

        /// Embedded, evaluation-only databases.
        public var isEmbedded: Bool { self == .h2 || self == .hsqldb }
    }

    public var kind: Kind
    public var dialect: String?
    public var buildNumber: String?
    public var clustered: Bool

    /// Reads `<home>/confluence.cfg.xml`.
    public static func read(home: URL) throws(ConfluenceHomeError) -> ConfluenceHomeDatabase {
        let file = home.appendingPathComponent("confluence.cfg.xml")
        guard let data = FileManager.default.contents(atPath: file.path) else {
            throw FileManager.default.fileExists(atPath: home.path)
                ? .missingConfiguration(path: file.path) : .missingHome(path: home.path)
        }
        let delegate = ConfigurationParser()
        let parser = XMLParser(data: data)
        parser.delegate = delegate
        parser.shouldResolveExternalEntities = false
        guard parser.parse() else {
            throw .malformed(
                path: file.path, line: parser.lineNumber, reason: parser.parserError.map { "\($0)" } ?? "not XML")
        }
        let properties = delegate.properties
        let url = properties["hibernate.connection.url"]?.lowercased() ?? ""
        let dialect = properties["hibernate.dialect"]
        let loweredDialect = dialect?.lowercased() ?? ""
        let kind: Kind
        if url.hasPrefix("jdbc:h2:") || loweredDialect.contains("h2dialect") {
            kind = .h2
        } else if url.hasPrefix("jdbc:hsqldb:") || loweredDialect.contains("hsql") {
            kind = .hsqldb
        } else if url.hasPrefix("jdbc:postgresql:") || loweredDialect.contains("postgres") {
            kind = .postgresql
        } else if url.hasPrefix("jdbc:mysql:") || loweredDialect.contains("mysql") {
            kind = .mysql
        } else if url.hasPrefix("jdbc:oracle:") || loweredDialect.contains("oracle") {
            kind = .oracle
        } else if url.hasPrefix("jdbc:sqlserver:") || url.hasPrefix("jdbc:jtds:")
            || loweredDialect.contains("sqlserver")
        {
            kind = .sqlServer
        } else if properties["hibernate.connection.datasource"] != nil {
            kind = .jndi
        } else {
            kind = .unknown
        }
        return ConfluenceHomeDatabase(
            kind: kind, dialect: dialect, buildNumber: delegate.buildNumber,
            clustered: properties["confluence.cluster"]?.lowercased() == "true")
    }

    /// The assessment finding for this database, if any.
    public func finding(home: URL) -> Finding? {
        guard kind.isEmbedded else { return nil }
        let name = kind == .h2 ? "H2" : "HSQLDB"
        return Finding(
            id: "database.\(kind.rawValue)", category: "database.\(kind.rawValue)", severity: .warning,
            title: "The site runs on the embedded \(name) database",
            detail:
                "\(name) is for evaluation only: it corrupts easily and refuses remote connections, which is why CCMA migrations from it fail. Ferry never needs the database: it reads an XML export or the REST API.",
            objects: [ObjectReference(kind: "file", id: home.appendingPathComponent("confluence.cfg.xml").path)],
            fix:
                "Migrate with Ferry from an XML site export or from the live REST API; no database access is needed. If the site must keep running until cutover, move it off \(name) first: take a site XML backup, install Confluence on PostgreSQL, and restore the backup there (Atlassian's 'Migrating to another database' procedure)."
        )
    }
}

/// The Confluence home folder cannot be read.
public enum ConfluenceHomeError: Error, Equatable, Sendable, CustomStringConvertible {
    case missingHome(path: String)
    case missingConfiguration(path: String)
    case malformed(path: String, line: Int, reason: String)

    public var description: String {
        switch self {
        case .missingHome(let path):
            "no Confluence home folder at \(path); give the folder that holds confluence.cfg.xml with --confluence-home"
        case .missingConfiguration(let path):
            "\(path) does not exist; --confluence-home must be the Confluence home (data) folder, not the install folder"
        case .malformed(let path, let line, let reason):
            "\(path):\(line): not readable XML (\(reason)); check the file is a complete confluence.cfg.xml"
        }
    }
}

/// Collects `<property name="…">value</property>` and `<buildNumber>`, skipping anything
/// whose name mentions a password or secret so it never enters memory we keep.
private final class ConfigurationParser: NSObject, XMLParserDelegate {
    var properties: [String: String] = [:]
    var buildNumber: String?
    private var currentProperty: String?
    private var inBuildNumber = false
    private var text = ""

    func parser(
        _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
        attributes: [String: String] = [:]
    ) {
        text = ""
        if elementName == "property", let name = attributes["name"] {
            let lowered = name.lowercased()
            currentProperty = lowered.contains("password") || lowered.contains("secret") ? nil : name
        } else if elementName == "buildNumber" {
            inBuildNumber = true
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if currentProperty != nil || inBuildNumber { text += string }
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
        if elementName == "property", let name = currentProperty {
            properties[name] = text.trimmingCharacters(in: .whitespacesAndNewlines)
            currentProperty = nil
        } else if elementName == "buildNumber" {
            buildNumber = text.trimmingCharacters(in: .whitespacesAndNewlines)
            inBuildNumber = false
        }
    }
}
