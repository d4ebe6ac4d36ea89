import Foundation
import Migration
import Testing

@Suite("Confluence home database check")
struct ConfluenceHomeTests {
    func home(_ properties: [String: String], build: String = "8703") throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "confluence-home-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let body = properties.sorted { $0.key < $1.key }.map {
            "    <property name=\"\($0.key)\">\($0.value)</property>"
        }
        .joined(separator: "\n")
        try """
        <?xml version="1.0" encoding="UTF-8"?>
        <confluence-configuration>
          <setupStep>complete</setupStep>
          <buildNumber>\(build)</buildNumber>
          <properties>
        \(body)
          </properties>
        </confluence-configuration>
        """.write(to: folder.appendingPathComponent("confluence.cfg.xml"), atomically: true, encoding: .utf8)
        return folder
    }

    @Test("H2 is flagged with the supported way off it, and the password is never kept")
    func h2Flagged() throws {
        let folder = try home([
            "hibernate.connection.url": "jdbc:h2:file:/var/atlassian/confluence/database/h2db",
            "hibernate.dialect": "com.atlassian.confluence.impl.hibernate.dialect.H2Dialect",
            "hibernate.connection.password": "s3cret-db-pw",
        ])
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = try ConfluenceHomeDatabase.read(home: folder)
        #expect(database.kind == .h2)
        #expect(database.buildNumber == "8703")
        #expect(!"\(database)".contains("s3cret-db-pw"))
        let finding = try #require(database.finding(home: folder))
        #expect(finding.category == "database.h2")
        #expect(finding.fix.contains("PostgreSQL"))
    }

    @Test(
        "supported databases raise no finding",
        arguments: [
            ("jdbc:postgresql://db:5432/confluence", ConfluenceHomeDatabase.Kind.postgresql),
            ("jdbc:mysql://db/confluence", .mysql),
            ("jdbc:oracle:thin:@db:1521:conf", .oracle),
            ("jdbc:sqlserver://db;databaseName=conf", .sqlServer),
        ])
    func supported(url: String, kind: ConfluenceHomeDatabase.Kind) throws {
        let folder = try home(["hibernate.connection.url": url])
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = try ConfluenceHomeDatabase.read(home: folder)
        #expect(database.kind == kind)
        #expect(database.finding(home: folder) == nil)
    }

    @Test("an install folder instead of the home folder gets a clear error")
    func wrongFolder() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("not-home-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(
            throws: ConfluenceHomeError.missingConfiguration(
                path: folder.appendingPathComponent("confluence.cfg.xml").path)
        ) {
            try ConfluenceHomeDatabase.read(home: folder)
        }
    }
}
