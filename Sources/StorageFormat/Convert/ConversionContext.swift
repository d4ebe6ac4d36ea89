/// What the converter needs to know about the target site to turn storage
/// references into Cloud ones. Every field is optional: an unresolved reference
/// stays readable (text or link) and is reported.
///
/// The JSON form is the `--context` file of `ferry convert`:
/// `{"pageId": "...", "spaceKey": "...", "baseUrls": ["..."],
///   "attachments": {"<filename>": {"fileId": "...", "pageId": "..."}},
///   "users": {"<userkey or username>": {"accountId": "...", "displayName": "..."}},
///   "pages": {"<SPACEKEY>:<title>": {"id": "...", "url": "..."}}}`.
public struct ConversionContext: Sendable, Codable, Equatable {
    public struct Attachment: Sendable, Codable, Equatable {
        /// The Cloud media file id of the uploaded attachment.
        public var fileId: String
        /// The Cloud page the attachment belongs to (media collection `contentId-<pageId>`);
        /// `nil` means the page being converted.
        public var pageId: String?

        public init(fileId: String, pageId: String? = nil) {
            self.fileId = fileId
            self.pageId = pageId
        }
    }

    public struct User: Sendable, Codable, Equatable {
        public var accountId: String
        public var displayName: String?

        public init(accountId: String, displayName: String? = nil) {
            self.accountId = accountId
            self.displayName = displayName
        }
    }

    public struct Page: Sendable, Codable, Equatable {
        public var id: String
        public var url: String?

        public init(id: String, url: String? = nil) {
            self.id = id
            self.url = url
        }
    }

    /// The Cloud id of the page being converted (media collection `contentId-<pageId>`).
    public var pageId: String?
    /// The space of the page being converted: the default for links without `ri:space-key`.
    public var spaceKey: String?
    /// Base URLs of the source site (`https://wiki.example.com`, `https://wiki.example.com/confluence`):
    /// absolute links under them are resolved like `ac:link`s.
    public var baseUrls: [String]
    /// Attachment filename → Cloud file. A key `SPACEKEY:Title/filename` names an
    /// attachment of another page and is tried first for `ri:attachment` inside `ri:page`.
    public var attachments: [String: Attachment]
    /// Server user key or username → Cloud account.
    public var users: [String: User]
    /// `SPACEKEY:Title` → Cloud page.
    public var pages: [String: Page]

    public init(
        pageId: String? = nil, spaceKey: String? = nil, baseUrls: [String] = [],
        attachments: [String: Attachment] = [:],
        users: [String: User] = [:], pages: [String: Page] = [:]
    ) {
        self.pageId = pageId
        self.spaceKey = spaceKey
        self.baseUrls = baseUrls
        self.attachments = attachments
        self.users = users
        self.pages = pages
    }

    private enum CodingKeys: String, CodingKey {
        case pageId, spaceKey, baseUrls, attachments, users, pages
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        pageId = try container.decodeIfPresent(String.self, forKey: .pageId)
        spaceKey = try container.decodeIfPresent(String.self, forKey: .spaceKey)
        baseUrls = try container.decodeIfPresent([String].self, forKey: .baseUrls) ?? []
        attachments = try container.decodeIfPresent([String: Attachment].self, forKey: .attachments) ?? [:]
        users = try container.decodeIfPresent([String: User].self, forKey: .users) ?? [:]
        pages = try container.decodeIfPresent([String: Page].self, forKey: .pages) ?? [:]
    }
}

/// Something the converter did that the admin should know about, with where.
public struct ConversionDiagnostic: Sendable, Codable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// The parser repaired broken markup.
        case parseRecovery = "parse-recovery"
        /// Content Cloud cannot express was wrapped in a `legacy-content` / `nested-table` extension.
        case fallback
        /// Content was reshaped to fit Cloud's nesting rules without losing text.
        case restructured
        /// An attribute, style or mark with no ADF equivalent was left out.
        case droppedAttribute = "dropped-attribute"
        /// A page, attachment, user or link target the context does not know.
        case unresolvedReference = "unresolved-reference"
        /// A macro the converter has no native mapping for (kept as an extension).
        case unknownMacro = "unknown-macro"
    }

    public var kind: Kind
    /// A stable, specific code (`nested-table`, `unresolved-page` …).
    public var code: String
    public var message: String
    /// Where in the storage body, e.g. `/table[1]/tbody[1]/tr[2]/td[1]/table[1]`.
    public var path: String
    /// 1-based line in the storage body.
    public var line: Int

    public var description: String { "\(kind.rawValue) \(code) at \(path) (line \(line)): \(message)" }
}

/// The outcome of converting one storage body.
public struct ConversionResult: Sendable {
    public var document: ADFDocument
    public var diagnostics: [ConversionDiagnostic]
    /// Issues the in-project validator found in `document`; empty unless the converter has a bug,
    /// in which case the caller must not publish the document.
    public var validationIssues: [ADFValidationIssue]

    public var isValid: Bool { validationIssues.isEmpty }
}
