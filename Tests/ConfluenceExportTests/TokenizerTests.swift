import ConfluenceExport
import Foundation
import Testing

@Suite("XML tokenizer and entity reader")
struct TokenizerTests {
    static let document = Data(
        """
        <?xml version="1.0" encoding="UTF-8"?>
        <!DOCTYPE hibernate-generic>
        <hibernate-generic datetime="2024-01-01 00:00:00">
        <!-- a comment with <tags> and ]]> inside -->
        <object class="Page" package="com.atlassian.confluence.pages">
        <id name="id">42</id>
        <property name="title"><![CDATA[A <b>title</b> with ]] > and ]]  space]]></property>
        <property name="plain">a &amp; b &lt;c&gt; &#233; &#x1F600; &#1; &bogus;</property>
        <property name="empty"/>
        <property name="parent" class="Page" package="p"><id name="id">41</id>
        </property>
        <collection name="bodyContents" class="java.util.Collection(x.y)"><element class="BodyContent" package="p"><id name="id">7</id>
        </element>
        <element class="BodyContent" package="p"><id name="id">8</id></element>
        </collection>
        <collection name="attributes" class="java.util.Map"><element name="k" type="string"><![CDATA[v]]></element></collection>
        <component name="credential"><property name="credential" type="string"><![CDATA[secret-hash]]></property></component>
        </object>
        <object class="ConfluenceUserImpl" package="p"><id name="key"><![CDATA[ff80]]></id>
        <property name="name"><![CDATA[alice]]></property></object>
        <object class="BucketPropertySetItem" package="p"><composite-id><property name="entityName" type="string">a</property><property name="entityId" type="long">5</property></composite-id></object>
        </hibernate-generic>
        """.utf8)

    @Test("every chunk size gives the same records")
    func chunkInvariance() throws {
        let whole = try readRecords(Self.document, chunkSize: Self.document.count)
        for size in [1, 2, 3, 5, 7, 13, 64] {
            let chunked = try readRecords(Self.document, chunkSize: size)
            #expect(chunked.records.count == whole.records.count, "chunk size \(size)")
            for (a, b) in zip(chunked.records, whole.records) {
                #expect(a.className == b.className && a.id == b.id, "chunk size \(size)")
                #expect(a.text("title") == b.text("title"), "chunk size \(size)")
                #expect(a.text("plain") == b.text("plain"), "chunk size \(size)")
                #expect(a.collection("bodyContents") == b.collection("bodyContents"), "chunk size \(size)")
                #expect(a.repairs == b.repairs, "chunk size \(size)")
                #expect(a.byteLength == b.byteLength, "chunk size \(size)")
            }
        }
    }

    @Test("properties, references, collections, maps, components and composite ids")
    func grammar() throws {
        let records = try readRecords(Self.document, chunkSize: 4096).records
        #expect(records.map(\.className) == ["Page", "ConfluenceUserImpl", "BucketPropertySetItem"])
        let page = records[0]
        #expect(page.id == "42")
        #expect(page.text("title") == "A <b>title</b> with ]]> and ]] space")
        #expect(page.repairs[.cdataEscape] == 2)
        #expect(page.text("plain") == "a & b <c> é 😀  &bogus;")
        #expect(page.repairs[.controlCharacters] == 1)
        #expect(page.repairs[.badEntity] == 1)
        if case .null = page["empty"] {} else { Issue.record("empty property is not null") }
        #expect(page.reference("parent") == EntityReference(className: "Page", id: "41"))
        #expect(page.collection("bodyContents").map(\.id) == ["7", "8"])
        if case .map(let entries) = page["attributes"] {
            #expect(entries.first?.key == "k" && entries.first?.value == "v")
        } else {
            Issue.record("map collection not read")
        }
        #expect(page.text("credential.credential") == "secret-hash")
        #expect(page.byteLength > 100)
        #expect(records[1].id == "ff80")
        #expect(records[1].text("name") == "alice")
        #expect(records[2].id == "a:5")
    }

    @Test("control characters are dropped (TAB, LF, CR kept) and invalid UTF-8 becomes U+FFFD")
    func damage() throws {
        var bytes = Array(
            "<hibernate-generic><object class=\"X\"><id name=\"id\">1</id><property name=\"t\"><![CDATA[".utf8)
        bytes += [
            0x61, 0x02, 0x09, 0x0A, 0x0D, 0x0B, 0xFF, 0x62, 0xC3, 0x63, 0xC3, 0xA9, 0xED, 0xA0, 0x80, 0xEF, 0xBF, 0xBF,
        ]
        bytes += Array("]]></property></object></hibernate-generic>".utf8)
        let record = try #require(readRecords(Data(bytes), chunkSize: 3).records.first)
        #expect(record.text("t") == "a\t\n\r\u{FFFD}b\u{FFFD}cé\u{FFFD}\u{FFFD}\u{FFFD}")
        #expect(record.repairs[.controlCharacters] == 3)
        #expect(record.repairs[.invalidUTF8] == 5)
    }

    @Test("a text node over 10 MB is read whole")
    func hugeTextNode() throws {
        let size = 12 * 1024 * 1024
        var data = Data(
            "<hibernate-generic><object class=\"BodyContent\"><id name=\"id\">9</id><property name=\"body\"><![CDATA["
                .utf8)
        data.append(Data(repeating: UInt8(ascii: "x"), count: size))
        data.append(Data("]]></property></object></hibernate-generic>".utf8))
        let record = try #require(readRecords(data, chunkSize: 1 << 20).records.first)
        #expect(record.text("body")?.utf8.count == size)
    }

    @Test("a Jira backup is refused with a clear error")
    func jiraRefused() throws {
        let data = try Data(contentsOf: Fixtures.url("jira-entities.xml"))
        #expect(throws: ExportError.notConfluence(path: "test", root: "entity-engine-xml")) {
            _ = try readRecords(data, chunkSize: 100)
        }
    }

    @Test("a truncated document is an error")
    func truncated() throws {
        let data = Data(
            "<hibernate-generic><object class=\"X\"><id name=\"id\">1</id><property name=\"t\"><![CDATA[abc".utf8)
        #expect(throws: ExportError.self) { _ = try readRecords(data, chunkSize: 10) }
    }
}
