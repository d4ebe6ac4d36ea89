import Foundation
import Synchronization

/// Shows how far a long phase has got: a bar redrawn in place on a terminal, or a
/// plain line every few seconds when stderr is a file or a pipe (CI logs, `nohup`).
///
/// Cheap to call from hot loops: ``advance(items:bytes:)`` takes a lock, adds two
/// numbers and draws only when the throttle interval has passed.
public final class ProgressReporter: Sendable {
    public enum Style: Sendable {
        case bar
        case lines(every: Duration)
        case silent
    }

    private struct State {
        var items: Int = 0
        var bytes: Int64 = 0
        var total: Int?
        var lastDraw: ContinuousClock.Instant?
        var finished = false
    }

    private let phase: String
    private let style: Style
    private let started = ContinuousClock.now
    private let state: Mutex<State>
    private let write: @Sendable (String) -> Void

    /// - Parameters:
    ///   - phase: a short name shown before the counts ("reading entities.xml").
    ///   - total: the expected item count, when known, for a percentage and an ETA.
    ///   - style: `nil` picks a bar on a terminal and plain lines every 5 s otherwise.
    public init(
        phase: String, total: Int? = nil, style: Style? = nil,
        write: (@Sendable (String) -> Void)? = nil
    ) {
        self.phase = phase
        self.style = style ?? (Console.standardErrorIsTerminal ? .bar : .lines(every: .seconds(5)))
        self.state = Mutex(State(total: total))
        self.write = write ?? { FileHandle.standardError.write(Data($0.utf8)) }
    }

    public func setTotal(_ total: Int?) {
        state.withLock { $0.total = total }
    }

    public func advance(items: Int = 1, bytes: Int64 = 0) {
        let now = ContinuousClock.now
        let text: String? = state.withLock { state in
            state.items += items
            state.bytes += bytes
            let interval: Duration
            switch style {
            case .silent: return nil
            case .bar: interval = .milliseconds(100)
            case .lines(let every): interval = every
            }
            if let last = state.lastDraw, now - last < interval { return nil }
            state.lastDraw = now
            return render(state, now: now)
        }
        if let text { draw(text) }
    }

    /// Draws the final figures once and ends the bar's line.
    public func finish() {
        let text: String? = state.withLock { state in
            guard !state.finished else { return nil }
            state.finished = true
            if case .silent = style { return nil }
            return render(state, now: .now)
        }
        guard let text else { return }
        draw(text)
        if case .bar = style { write("\n") }
    }

    private func draw(_ text: String) {
        switch style {
        case .bar: write("\r\u{1B}[2K" + text)
        case .lines: write(text + "\n")
        case .silent: break
        }
    }

    private func render(_ state: State, now: ContinuousClock.Instant) -> String {
        let bar: Bool
        if case .bar = style { bar = true } else { bar = false }
        return Self.line(
            phase: phase, items: state.items, bytes: state.bytes, total: state.total,
            elapsed: (now - started).seconds, bar: bar)
    }

    /// One progress line: phase, bar (on a terminal), items of total, ETA, bytes, rates, time.
    static func line(phase: String, items: Int, bytes: Int64, total: Int?, elapsed: Double, bar: Bool) -> String {
        let elapsed = max(elapsed, 0.001)
        let rate = Double(items) / elapsed
        var parts = [phase]
        if let total, total > 0 {
            let fraction = min(Double(items) / Double(total), 1)
            if bar {
                let width = 24
                let filled = Int(fraction * Double(width))
                parts.append(
                    "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "]")
            }
            parts.append("\(items)/\(total) (\(Int(fraction * 100))%)")
            if rate > 0, items < total {
                parts.append("ETA \(Self.format(seconds: Double(total - items) / rate))")
            }
        } else {
            parts.append("\(items) items")
        }
        if bytes > 0 {
            parts.append(Self.format(bytes: bytes))
            parts.append(Self.format(bytes: Int64(Double(bytes) / elapsed)) + "/s")
        }
        parts.append(String(format: "%.0f/s", rate))
        parts.append(Self.format(seconds: elapsed))
        return parts.joined(separator: "  ")
    }

    static func format(seconds: Double) -> String {
        let total = Int(seconds.rounded())
        if total < 60 { return "\(total)s" }
        if total < 3600 { return "\(total / 60)m\(String(format: "%02d", total % 60))s" }
        return "\(total / 3600)h\(String(format: "%02d", total % 3600 / 60))m"
    }

    /// `1536` → `1.5 KiB`.
    public static func format(bytes: Int64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(bytes) B" : String(format: "%.1f", value) + " " + units[unit]
    }
}

extension Duration {
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
