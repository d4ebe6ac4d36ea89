import Foundation
import Synchronization

/// Progress of work that runs in several phases at once (a migration's pages,
/// attachments, bodies, comments...): on a terminal, one bar per phase redrawn in place;
/// otherwise a plain line per phase that moved, every few seconds, and a final line for
/// each phase. A phase with nothing to do is not shown. Each phase has its own items, bytes, rate and ETA.
public final class PhaseProgress: Sendable {
    private struct Phase {
        var name: String
        var total: Int
        var items = 0
        var bytes: Int64 = 0
        var started: ContinuousClock.Instant?
        var printedItems = -1
    }

    private struct State {
        var phases: [Phase]
        var lastDraw: ContinuousClock.Instant?
        var drawnLines = 0
        var finished = false
    }

    private let style: ProgressReporter.Style
    private let state: Mutex<State>
    private let write: @Sendable (String) -> Void

    /// - Parameters:
    ///   - phases: name and expected item count of each phase, in display order.
    ///   - style: `nil` picks bars on a terminal and plain lines every 5 s otherwise.
    public init(
        phases: [(name: String, total: Int)], style: ProgressReporter.Style? = nil,
        write: (@Sendable (String) -> Void)? = nil
    ) {
        self.style = style ?? (Console.standardErrorIsTerminal ? .bar : .lines(every: .seconds(5)))
        // Names padded to one width so that the figures line up.
        let width = phases.map(\.name.count).max() ?? 0
        self.state = Mutex(
            State(
                phases: phases.map {
                    Phase(name: $0.name.padding(toLength: width, withPad: " ", startingAt: 0), total: $0.total)
                }))
        self.write = write ?? { FileHandle.standardError.write(Data($0.utf8)) }
    }

    /// Counts `items` (and `bytes`) done in the phase at `index`.
    public func advance(phase index: Int, items: Int = 1, bytes: Int64 = 0) {
        let now = ContinuousClock.now
        let text: String? = state.withLock { state in
            guard state.phases.indices.contains(index) else { return nil }
            if state.phases[index].started == nil { state.phases[index].started = now }
            state.phases[index].items += items
            state.phases[index].bytes += bytes
            let interval: Duration
            switch style {
            case .silent: return nil
            case .bar: interval = .milliseconds(200)
            case .lines(let every): interval = every
            }
            if let last = state.lastDraw, now - last < interval { return nil }
            state.lastDraw = now
            return render(&state, now: now, final: false)
        }
        if let text { write(text) }
    }

    /// Draws every phase's final figures once.
    public func finish() {
        let text: String? = state.withLock { state in
            guard !state.finished else { return nil }
            state.finished = true
            if case .silent = style { return nil }
            return render(&state, now: .now, final: true)
        }
        if let text { write(text) }
    }

    private func render(_ state: inout State, now: ContinuousClock.Instant, final: Bool) -> String {
        var output = ""
        switch style {
        case .silent:
            return ""
        case .bar:
            if state.drawnLines > 0 { output += "\u{1B}[\(state.drawnLines)A" }
            let visible = state.phases.filter { $0.total > 0 || $0.items > 0 }
            for phase in visible {
                output += "\r\u{1B}[2K" + line(phase, now: now, bar: true) + "\n"
            }
            state.drawnLines = visible.count
        case .lines:
            for index in state.phases.indices {
                let phase = state.phases[index]
                // A line for each phase that moved since the last one; at the end, every phase.
                guard phase.total > 0 || phase.items > 0,
                    final || (phase.items > 0 && phase.items != phase.printedItems)
                else { continue }
                state.phases[index].printedItems = phase.items
                output += line(phase, now: now, bar: false) + "\n"
            }
        }
        return output
    }

    private func line(_ phase: Phase, now: ContinuousClock.Instant, bar: Bool) -> String {
        ProgressReporter.line(
            phase: phase.name, items: phase.items, bytes: phase.bytes, total: phase.total,
            elapsed: phase.started.map { (now - $0).seconds } ?? 0, bar: bar)
    }
}
