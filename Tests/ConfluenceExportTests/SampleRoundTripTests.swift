import Foundation
import Testing

/// `ferry sample` then `ferry inspect`: inspect must report exactly what the
/// generator says it wrote (manifest.json), figures, macros and planted problems.
@Suite("ferry sample round trip")
struct SampleRoundTripTests {
    /// Compares an inspect report with the manifest; returns the mismatches.
    static func mismatches(manifest: [String: Any], report: [String: Any]) -> [String] {
        var problems: [String] = []
        let expected = manifest["expected"] as? [String: Any] ?? [:]
        let expectedTotals = expected["totals"] as? [String: Any] ?? [:]
        let totals = report["totals"] as? [String: Any] ?? [:]
        for (key, value) in expectedTotals where key != "key" {
            if !equal(totals[key], value) {
                problems.append("totals.\(key): expected \(value), got \(totals[key] ?? "nil")")
            }
        }
        let expectedSpaces = expected["spaces"] as? [[String: Any]] ?? []
        let spaces = report["spaces"] as? [[String: Any]] ?? []
        if expectedSpaces.count != spaces.count {
            problems.append("space count \(expectedSpaces.count) vs \(spaces.count)")
        }
        for (want, got) in zip(expectedSpaces, spaces) {
            for (key, value) in want where !equal(got[key], value) {
                problems.append("\(want["key"] ?? "?").\(key): expected \(value), got \(got[key] ?? "nil")")
            }
        }
        func macroSet(_ list: Any?) -> Set<String> {
            Set(
                (list as? [[String: Any]] ?? []).map { "\($0["name"] ?? "") \($0["count"] ?? "") \($0["pages"] ?? "")" }
            )
        }
        if macroSet(expected["macros"]) != macroSet(report["macros"]) {
            problems.append(
                "macros differ: \(macroSet(expected["macros"]).symmetricDifference(macroSet(report["macros"])))")
        }
        func repairLine(_ item: [String: Any]) -> String {
            let kind = item["kind"] as? String ?? ""
            let id = kind == "missing-id" ? "-" : "\(item["id"] ?? "")"
            return "\(kind) \(item["class"] ?? "") \(id) \(item["count"] ?? "")"
        }
        let planted = (manifest["problems"] as? [[String: Any]] ?? []).filter {
            ["repaired", "skipped", "reported"].contains($0["expect"] as? String ?? "")
        }
        let plantedLines = planted.map(repairLine).sorted()
        let reportedLines = (report["repairs"] as? [[String: Any]] ?? []).map(repairLine).sorted()
        if plantedLines != reportedLines {
            problems.append(
                "repairs differ: \(Set(plantedLines).symmetricDifference(Set(reportedLines)).sorted().prefix(10))")
        }
        return problems
    }

    static func equal(_ a: Any?, _ b: Any) -> Bool {
        if let a = a as? NSNumber, let b = b as? NSNumber { return a == b }
        if let a = a as? [String: Any], let b = b as? [String: Any] {
            return a.count == b.count && b.allSatisfy { equal(a[$0.key], $0.value) }
        }
        if let a = a as? String, let b = b as? String { return a == b }
        return false
    }

    static func roundTrip(_ arguments: [String], out: URL) throws -> (manifest: [String: Any], report: [String: Any]) {
        let sample = try Ferry.run(["sample", "--out", out.path] + arguments)
        #expect(sample.status == 0, "sample failed: \(sample.stderr)")
        let inspect = try Ferry.run(["inspect", out.path, "--json"])
        #expect(inspect.status == 0, "inspect failed: \(inspect.stderr)")
        let manifestData = try Data(contentsOf: out.appendingPathComponent("manifest.json"))
        let manifest = try JSONSerialization.jsonObject(with: manifestData) as? [String: Any] ?? [:]
        return (manifest, try inspect.json())
    }

    @Test("realistic profile, as a zip: inspect reports exactly what was generated")
    func realisticZip() throws {
        let folder = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        // The same options twice: once as a folder (to read manifest.json), once as a zip.
        let arguments = ["--spaces", "3", "--pages", "90", "--attachments", "30", "--history", "3", "--seed", "11"]
        let plain = folder.appendingPathComponent("site")
        let (manifest, folderReport) = try Self.roundTrip(arguments, out: plain)
        #expect(Self.mismatches(manifest: manifest, report: folderReport) == [])
        let zip = folder.appendingPathComponent("site.zip")
        let sample = try Ferry.run(["sample", "--out", zip.path] + arguments)
        #expect(sample.status == 0, "\(sample.stderr)")
        let inspect = try Ferry.run(["inspect", zip.path, "--json"])
        #expect(inspect.status == 0, "\(inspect.stderr)")
        #expect(Self.mismatches(manifest: manifest, report: try inspect.json()) == [])
        let totals = folderReport["totals"] as? [String: Any] ?? [:]
        #expect(totals["pages"] as? Int == 90)
        #expect(totals["attachments"] as? Int == 30)
        #expect((folderReport["warnings"] as? [String] ?? []).isEmpty)
    }

    @Test("adversarial profile: every planted problem is reported with its class and id, and the counts still hold")
    func adversarial() throws {
        let folder = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("broken")
        let (manifest, report) = try Self.roundTrip(
            ["--profile", "adversarial", "--spaces", "2", "--pages", "140", "--attachments", "50", "--seed", "5"],
            out: out)
        #expect(Self.mismatches(manifest: manifest, report: report) == [])
        let kinds = Set((manifest["problems"] as? [[String: Any]] ?? []).compactMap { $0["kind"] as? String })
        for kind in [
            "control-characters", "invalid-utf8", "cdata-escape", "huge-text-node", "out-of-order", "missing-reference",
            "duplicate-id", "missing-id", "missing-attachment-file", "missing-descriptor",
        ] {
            #expect(kinds.contains(kind), "manifest lacks planted \(kind)")
        }
        let totals = report["totals"] as? [String: Any] ?? [:]
        #expect((totals["largestBodyBytes"] as? Int ?? 0) > 10_000_000)
        #expect((report["warnings"] as? [String] ?? []).contains { $0.contains("no exportDescriptor.properties") })
        #expect((report["export"] as? [String: Any])?["exportType"] as? String == "all")
    }

    @Test("the same seed gives the same bytes; another seed does not")
    func deterministic() throws {
        let folder = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        for (name, seed) in [("a", "3"), ("b", "3"), ("c", "4")] {
            let result = try Ferry.run(["sample", "--out", folder.appendingPathComponent(name).path, "--seed", seed])
            #expect(result.status == 0, "\(result.stderr)")
        }
        func bytes(_ name: String, _ file: String) throws -> Data {
            try Data(contentsOf: folder.appendingPathComponent(name).appendingPathComponent(file))
        }
        #expect(try bytes("a", "entities.xml") == bytes("b", "entities.xml"))
        #expect(try bytes("a", "manifest.json") == bytes("b", "manifest.json"))
        #expect(try bytes("a", "entities.xml") != bytes("c", "entities.xml"))
    }

    @Test("bad options are refused with a reason")
    func badOptions() throws {
        let result = try Ferry.run(["sample", "--out", "/tmp/never", "--profile", "chaotic"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("realistic or adversarial"))
        let tooFew = try Ferry.run(["sample", "--out", "/tmp/never", "--spaces", "5", "--pages", "2"])
        #expect(tooFew.status != 0)
        #expect(tooFew.stderr.contains("--pages"))
        let help = try Ferry.run(["sample", "--help"])
        #expect(help.stdout.contains("Example:"))
    }
}
