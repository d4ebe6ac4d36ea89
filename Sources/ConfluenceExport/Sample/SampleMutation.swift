/// Changes a generated site the way its users would between two exports, for testing
/// `ferry sync` with a re-export: the same seed with a mutation writes the same site
/// with some pages edited, renamed, moved, deleted, re-restricted, commented, labelled
/// or given a new attachment version, plus new pages. Ids stay those of the unchanged
/// site, as a real re-export keeps them.
///
/// Page `p` (from 1) changes when `(p - 1)` is a multiple of ``every``; the kind of change
/// cycles through ``Kind`` in that order. Deletions only take leaf pages (a page whose
/// children would remain is edited instead). Changed content carries ``modified`` as its
/// last modification time, so the sync lag can be measured from it.
public struct SampleMutation: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case edit, rename, move, delete, restrict, comment, attachmentVersion = "attachment-version", label
    }

    /// Every how many pages one changes (1: every page from page 1).
    public var every: Int
    /// New pages per space, appended to the tree.
    public var newPages: Int
    /// Spaces whose pages (all but the home page) and blog posts are all deleted.
    public var vanishSpaces: Set<String>
    /// The last-modification time of changed content, as an export writes it.
    public var modified: String

    public init(every: Int = 10, newPages: Int = 2, vanishSpaces: Set<String> = [], modified: String) {
        self.every = max(1, every)
        self.newPages = max(0, newPages)
        self.vanishSpaces = vanishSpaces
        self.modified = modified
    }

    /// The change page `p` of a space with `pages` original pages gets, if any.
    public func kind(page p: Int, pages: Int) -> Kind? {
        guard p >= 1, p < pages, (p - 1) % every == 0 else { return nil }
        let kind = Kind.allCases[((p - 1) / every) % Kind.allCases.count]
        // Children of p are 4p+1 … 4p+4 (new pages included): only leaves are deleted.
        if kind == .delete, 4 * p + 1 < pages + newPages { return .edit }
        return kind
    }

    /// The parent a moved page gets: the home page, or page 1 or 2 for a child of the home page.
    public func movedParent(page p: Int) -> Int {
        (p - 1) / 4 != 0 ? 0 : (p == 1 ? 2 : 1)
    }
}
