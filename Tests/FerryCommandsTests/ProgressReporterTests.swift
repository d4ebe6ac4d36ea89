import FerryCommands
import Foundation
import Synchronization
import Testing

@Suite("progress reporter")
struct ProgressReporterTests {
    final class Capture: Sendable {
        let text = Mutex("")
        func append(_ value: String) { text.withLock { $0 += value } }
    }

    @Test("plain-line style prints throttled lines with counts, percentage and bytes, and a final line")
    func plainLines() {
        let capture = Capture()
        let progress = ProgressReporter(
            phase: "reading entities.xml", total: 1000, style: .lines(every: .seconds(3600)),
            write: { capture.append($0) })
        for _ in 0..<1000 { progress.advance(bytes: 1024) }
        progress.finish()
        progress.finish()
        let lines = capture.text.withLock { $0 }.split(separator: "\n")
        // The first advance draws, the throttle suppresses the rest, finish draws once.
        #expect(lines.count == 2)
        #expect(lines.last?.contains("1000/1000 (100%)") == true)
        #expect(lines.last?.contains("1000.0 KiB") == true)
        #expect(!capture.text.withLock { $0 }.contains("\u{1B}"))
    }

    @Test("bar style redraws in place with an escape sequence and ends the line")
    func bar() {
        let capture = Capture()
        let progress = ProgressReporter(phase: "uploading", total: 4, style: .bar, write: { capture.append($0) })
        progress.advance()
        progress.finish()
        let text = capture.text.withLock { $0 }
        #expect(text.contains("\r\u{1B}[2K"))
        #expect(text.contains("[######"))
        #expect(text.hasSuffix("\n"))
    }

    @Test("byte sizes are shown in binary units")
    func byteFormatting() {
        #expect(ProgressReporter.format(bytes: 512) == "512 B")
        #expect(ProgressReporter.format(bytes: 1536) == "1.5 KiB")
        #expect(ProgressReporter.format(bytes: 3 * 1024 * 1024 * 1024) == "3.0 GiB")
    }

    @Test("phase progress: plain lines name each phase that moved, a final line per phase, idle phases hidden")
    func phaseLines() {
        let capture = Capture()
        let progress = PhaseProgress(
            phases: [("pages", 10), ("attachments", 2), ("comments", 0)], style: .lines(every: .seconds(3600)),
            write: { capture.append($0) })
        for _ in 0..<10 { progress.advance(phase: 0) }
        progress.advance(phase: 1, bytes: 2048)
        progress.advance(phase: 1, bytes: 2048)
        progress.finish()
        progress.finish()
        let lines = capture.text.withLock { $0 }.split(separator: "\n").map(String.init)
        // The first advance draws (pages only), the throttle suppresses the rest, finish draws both phases.
        #expect(lines.count == 3)
        #expect(lines[0].hasPrefix("pages       "))
        #expect(lines[1].hasPrefix("pages") && lines[1].contains("10/10 (100%)"))
        #expect(lines[2].hasPrefix("attachments") && lines[2].contains("2/2 (100%)") && lines[2].contains("4.0 KiB"))
        #expect(!lines.contains { $0.hasPrefix("comments") })
        #expect(!capture.text.withLock { $0 }.contains("\u{1B}"))
    }

    @Test("phase progress on a terminal: one bar per phase, redrawn in place by moving the cursor up")
    func phaseBars() {
        let capture = Capture()
        let progress = PhaseProgress(
            phases: [("pages", 4), ("attachments", 4)], style: .bar, write: { capture.append($0) })
        progress.advance(phase: 0)
        progress.finish()
        let text = capture.text.withLock { $0 }
        #expect(text.contains("\u{1B}[2A"))
        #expect(text.components(separatedBy: "\r\u{1B}[2K").count - 1 == 4)
        #expect(text.contains("[######"))
        #expect(text.hasSuffix("\n"))
    }
}
