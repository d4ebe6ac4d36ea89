import Foundation
import StorageFormat

/// The twin's body seam backed by Ferry's own StorageFormat module: documents are
/// checked with the ADF validator (the schema's node, attribute, content and mark rules),
/// and storage bodies read as ADF go through the real converter, like Cloud does.
public struct StorageFormatBodyConverter: BodyConverter {
    public init() {}

    public func validateADF(_ json: String) -> [String] {
        let document: ADFDocument
        do {
            document = try JSONDecoder().decode(ADFDocument.self, from: Data(json.utf8))
        } catch {
            return ["the body is not an ADF document: \(error)"]
        }
        return ADFValidator.validate(document).prefix(20).map(\.description)
    }

    public func storageToADF(_ storage: String) -> String {
        StorageConverter().convert(storage).document.jsonString
    }

    public func adfToStorage(_ json: String) -> String {
        StructuralBodyConverter().adfToStorage(json)
    }
}
