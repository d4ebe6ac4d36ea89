import Foundation
import Migration
import Testing

@Suite("archive manifest")
struct ArchiveManifestTests {
    func makeArchive() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-archive-\(UUID().uuidString)")
        try FileManager.default.createDirectory(
            at: folder.appendingPathComponent("drafts/alice"), withIntermediateDirectories: true)
        try Data("draft body".utf8).write(to: folder.appendingPathComponent("drafts/alice/1.storage.xml"))
        try Data(repeating: 7, count: 3 << 20).write(to: folder.appendingPathComponent("avatars.bin"))
        try Data("{\"a\":1}\n".utf8).write(to: folder.appendingPathComponent("audit.jsonl"))
        let manifest = try ArchiveManifest.build(folder: folder, generator: "ferry test")
        try manifest.write(to: folder)
        return folder
    }

    @Test("an untouched archive checks clean, and the same content gives the same root")
    func clean() throws {
        let folder = try makeArchive()
        defer { try? FileManager.default.removeItem(at: folder) }
        let manifest = try ArchiveManifest.read(from: folder)
        #expect(manifest.files.map(\.path) == ["audit.jsonl", "avatars.bin", "drafts/alice/1.storage.xml"])
        #expect(manifest.files[1].size == 3 << 20)
        #expect(try ArchiveManifest.check(folder: folder, expectedRoot: manifest.root).isEmpty)
        #expect(try ArchiveManifest.build(folder: folder, generator: "again").root == manifest.root)
    }

    @Test("a modified, a removed and an added file are each detected")
    func tampering() throws {
        let folder = try makeArchive()
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data("{\"a\":2}\n".utf8).write(to: folder.appendingPathComponent("audit.jsonl"))
        try FileManager.default.removeItem(at: folder.appendingPathComponent("drafts/alice/1.storage.xml"))
        try Data("x".utf8).write(to: folder.appendingPathComponent("extra.txt"))
        let problems = try ArchiveManifest.check(folder: folder)
        #expect(
            Set(problems.map { "\($0.kind.rawValue) \($0.path)" }) == [
                "modified audit.jsonl", "missing drafts/alice/1.storage.xml", "unexpected extra.txt",
            ])
    }

    @Test("editing the manifest to hide a change breaks the chain, and a rewritten manifest misses the kept root")
    func manifestEdits() throws {
        let folder = try makeArchive()
        defer { try? FileManager.default.removeItem(at: folder) }
        let original = try ArchiveManifest.read(from: folder)
        try Data("{\"a\":2}\n".utf8).write(to: folder.appendingPathComponent("audit.jsonl"))
        var edited = original
        let (size, digest) = try ArchiveManifest.hash(folder.appendingPathComponent("audit.jsonl"))
        edited.files[0].size = size
        edited.files[0].sha256 = digest
        try edited.write(to: folder)
        #expect(try ArchiveManifest.check(folder: folder).contains { $0.kind == .brokenChain })
        let rebuilt = try ArchiveManifest.build(folder: folder, generator: "forger")
        try rebuilt.write(to: folder)
        #expect(try ArchiveManifest.check(folder: folder).isEmpty)
        #expect(try ArchiveManifest.check(folder: folder, expectedRoot: original.root).map(\.kind) == [.rootMismatch])
    }
}
