import Foundation
import NIOCore
import Testing

@testable import ConfluenceCloud

@Suite("Request payloads written as JSON")
struct JSONPayloadTests {
    @Test("Every escape, nested trees, numbers and booleans read back as the same value")
    func roundTrip() throws {
        let tricky = "quote \" backslash \\ slash / newline \n tab \t cr \r bell \u{07} nul \u{00} ü 日本 😀 \u{1F}"
        let tree: [String: Any] = [
            "title": tricky,
            "status": "current",
            "version": ["number": 3, "message": ""],
            "flags": [true, false, NSNull()],
            "numbers": [0, -7, 1_234_567_890_123, 2.5],
            "body": ["representation": "atlas_doc_format", "value": #"{"type":"doc","content":[]}"#],
        ]
        let buffer = try JSONPayload.encode(tree)
        let data = Data(buffer.readableBytesView)
        let back = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(back["title"] as? String == tricky)
        #expect((back["version"] as? [String: Any])?["number"] as? Int == 3)
        #expect((back["flags"] as? [Any])?.count == 3)
        #expect((back["flags"] as? [Any])?.first as? Bool == true)
        #expect((back["numbers"] as? [Any])?[2] as? Int == 1_234_567_890_123)
        #expect((back["numbers"] as? [Any])?[3] as? Double == 2.5)
        #expect((back["body"] as? [String: Any])?["value"] as? String == #"{"type":"doc","content":[]}"#)
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains(#"slash / newline \n"#))
        #expect(text.contains(#"\u0007"#))
        #expect(text.contains("日本 😀"))
    }
}
