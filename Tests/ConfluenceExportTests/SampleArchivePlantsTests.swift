import Foundation
import Testing

/// `ferry sample --plant-archive`: the extra items keep `ferry inspect` and the manifest in agreement.
@Suite("ferry sample --plant-archive")
struct SampleArchivePlantsTests {
    @Test("inspect still reports exactly what the manifest says, and the archive section lists the plants")
    func plantedRoundTrip() throws {
        let folder = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("site")
        let (manifest, report) = try SampleRoundTripTests.roundTrip(
            ["--spaces", "2", "--pages", "30", "--attachments", "6", "--plant-archive"], out: out)
        let problems = SampleRoundTripTests.mismatches(manifest: manifest, report: report)
        #expect(problems.isEmpty, "\(problems)")
        let archive = manifest["archive"] as? [String: Any] ?? [:]
        #expect(archive["planted"] as? Bool == true)
        #expect((archive["auditRecords"] as? [Any])?.count == 6)
        #expect((archive["avatars"] as? [Any])?.count == 3)
        #expect((archive["emoticons"] as? [Any])?.count == 2)
        #expect((archive["settingsRecords"] as? [Any])?.count == 6)
        #expect((archive["apps"] as? [Any])?.count == 3)
        let descriptor = try String(
            contentsOf: out.appendingPathComponent("exportDescriptor.properties"), encoding: .utf8)
        #expect(descriptor.contains("ao.data.version.com.gliffy.integration.confluence=9.3.0"))
        let unplanted = folder.appendingPathComponent("plain")
        let (plainManifest, _) = try SampleRoundTripTests.roundTrip(["--spaces", "1", "--pages", "12"], out: unplanted)
        #expect((plainManifest["archive"] as? [String: Any])?["planted"] as? Bool == false)
    }
}
