import Testing

@testable import Migration

@Suite("storage reference scan")
struct StorageReferencesTests {
    @Test("the UTF-8 search finds what a literal search finds, after multi-byte text and at the very end")
    func utf8Search() {
        let text = "Grüße 👋🏽 <ri:page ri:content-title=\"Ünïcode\"/> end<ri:"
        for needle in ["<ri:", "<ri:page", "ri:content-title=", "end<ri:", "👋🏽", "Grüße", "\"/>"] {
            let found = text.utf8Range(of: needle)
            #expect(found.map { String(text[$0]) } == needle, "\(needle)")
            #expect(found?.lowerBound == text.range(of: needle)?.lowerBound, "\(needle)")
        }
        for missing in ["<ri:user", "end<ri:x", "ü<", "<RI:"] {
            #expect(text.utf8Range(of: missing) == nil, "\(missing)")
            #expect(!text.utf8Contains(missing))
        }
        // A substring searches only itself, and returns indices into its base.
        let tail = text[text.utf8Range(of: "ri:content")!.lowerBound...]
        #expect(tail.utf8Range(of: "Grüße") == nil)
        #expect(
            tail.utf8Range(of: "<ri:").map { text.utf8.distance(from: text.startIndex, to: $0.lowerBound) }
                == text.utf8.count - 4)
    }

    @Test("links, blog links and other pages' attachments are found once each, entities decoded")
    func scan() {
        let storage = """
            <p><ac:link><ri:page ri:space-key="DOC" ri:content-title="A &amp; B"/></ac:link>
            <ac:link><ri:page ri:space-key="DOC" ri:content-title="A &amp; B"/></ac:link>
            <ac:link><ri:blog-post ri:content-title="News" ri:posting-day="2024/01/02"/></ac:link>
            <ac:link><ri:attachment ri:filename="plan.pdf"><ri:page ri:content-title="Other"/></ri:attachment></ac:link>
            <ac:link><ri:attachment ri:filename="own.png"/></ac:link></p>
            """
        let references = StorageReferences.scan(storage)
        #expect(references.count == 3, "\(references)")
        #expect(references.contains { $0.title == "A & B" && $0.spaceKey == "DOC" && !$0.blogPost })
        #expect(references.contains { $0.title == "News" && $0.blogPost })
        #expect(references.contains { $0.title == "Other" && $0.attachments == ["plan.pdf"] })
        #expect(Migrator.mentionedUsers(#"<ri:user ri:userkey="k2"/><ri:user ri:username="bob"/>"#) == ["bob", "k2"])
    }
}
