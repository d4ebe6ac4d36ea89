import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A bounded hand-off of record batches from the reading thread to the staging
/// thread. It holds at most `capacityBytes` of objects (by their XML size; one
/// batch is always accepted when the queue is empty, so a single huge body passes),
/// so reading can run ahead of SQLite on the second core without memory growing.
/// 8 MB is enough to ride out the stager's pauses (checkpoints) and small enough that
/// the peak RSS of a 200 MB export and a 2 GB one stay close (docs/benchmarks.md).
final class RecordQueue: @unchecked Sendable {
    private let condition = NSCondition()
    private var batches: [(records: [EntityRecord], bytes: Int64)] = []
    private var queuedBytes: Int64 = 0
    private var finished = false
    private var cancelled = false
    private var failure: (any Error)?
    private let capacityBytes: Int64

    init(capacityBytes: Int64 = 8 << 20) {
        self.capacityBytes = capacityBytes
    }

    /// Blocks while the queue is full; returns false when the consumer gave up.
    func push(_ records: [EntityRecord], bytes: Int64) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while !cancelled, !batches.isEmpty, queuedBytes + bytes > capacityBytes { condition.wait() }
        guard !cancelled else { return false }
        batches.append((records, bytes))
        queuedBytes += bytes
        condition.broadcast()
        return true
    }

    /// The producer is done (`error` nil) or failed.
    func finish(error: (any Error)? = nil) {
        condition.lock()
        finished = true
        failure = error
        condition.broadcast()
        condition.unlock()
    }

    /// The consumer stops; a blocked producer wakes and stops too.
    func cancel() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        condition.unlock()
    }

    /// The next batch, nil at the end; rethrows the producer's error.
    func pop() throws -> [EntityRecord]? {
        condition.lock()
        defer { condition.unlock() }
        while batches.isEmpty, !finished { condition.wait() }
        if !batches.isEmpty {
            let batch = batches.removeFirst()
            queuedBytes -= batch.bytes
            condition.broadcast()
            return batch.records
        }
        if let failure { throw failure }
        return nil
    }

    /// Waits until the producer has finished (after the consumer saw the end or cancelled).
    func waitUntilFinished() {
        condition.lock()
        while !finished { condition.wait() }
        condition.unlock()
    }
}

/// What the reading thread reports when it is done.
final class ReadOutcome: @unchecked Sendable {
    private let lock = NSLock()
    private var _objects = 0
    private var _stray: [RepairKind: Int] = [:]
    private var _readerCPU = 0.0

    func set(objects: Int, stray: [RepairKind: Int]) {
        lock.lock()
        _objects = objects
        _stray = stray
        lock.unlock()
    }

    func setReaderCPU(_ seconds: Double) {
        lock.lock()
        _readerCPU = seconds
        lock.unlock()
    }

    /// CPU seconds the reading thread used.
    var readerCPU: Double {
        lock.lock()
        defer { lock.unlock() }
        return _readerCPU
    }

    var objects: Int {
        lock.lock()
        defer { lock.unlock() }
        return _objects
    }

    var stray: [RepairKind: Int] {
        lock.lock()
        defer { lock.unlock() }
        return _stray
    }
}

/// CPU time consumed so far, for the importer's figures.
enum CPUTime {
    /// By the calling thread.
    static func thread() -> Double { clock(CLOCK_THREAD_CPUTIME_ID) }

    /// By the whole process (every thread).
    static func process() -> Double { clock(CLOCK_PROCESS_CPUTIME_ID) }

    private static func clock(_ id: clockid_t) -> Double {
        var time = timespec()
        guard clock_gettime(id, &time) == 0 else { return 0 }
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}
