import Aether
import Synchronization

/// A clock that moves only when a test says so, for node shells (`Cluster.NodeClock`). Sleepers
/// wake when `advance(by:)` passes their deadline; `sleeping` tells how many wait, so a test can
/// advance only once every loop has come back to its sleep.
public final class ManualClock: Sendable {
    private struct Sleeper {
        var id: UInt64
        var deadline: Duration
        /// The sleep of the task that `driving` paces time by.
        var pacer = false
        var continuation: CheckedContinuation<Void, any Error>?
    }

    private struct State {
        var offset: Duration = .zero
        var sleepers: [Sleeper] = []
        var nextID: UInt64 = 0
        var cancelled: Set<UInt64> = []
    }

    public init() {}

    private let base = ContinuousClock.now
    private let state = Mutex(State())

    public var now: ContinuousClock.Instant { base.advanced(by: state.withLock { $0.offset }) }

    public var nodeClock: Cluster.NodeClock {
        Cluster.NodeClock(now: { [self] in now }, sleep: { [self] in try await sleep(for: $0) })
    }

    /// How many sleepers wait.
    public var sleeping: Int { state.withLock { $0.sleepers.count } }

    public func sleep(for duration: Duration) async throws {
        try await sleep(for: duration, pacer: false)
    }

    private func sleep(for duration: Duration, pacer: Bool) async throws {
        let id = state.withLock { state -> UInt64 in
            state.nextID += 1
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let cancelledAlready = state.withLock { state -> Bool in
                    if state.cancelled.remove(id) != nil { return true }
                    state.sleepers.append(
                        Sleeper(id: id, deadline: state.offset + duration, pacer: pacer, continuation: continuation)
                    )
                    return false
                }
                if cancelledAlready { continuation.resume(throwing: CancellationError()) }
            }
        } onCancel: {
            let waiting = state.withLock { state -> CheckedContinuation<Void, any Error>? in
                guard let index = state.sleepers.firstIndex(where: { $0.id == id }) else {
                    state.cancelled.insert(id)
                    return nil
                }
                return state.sleepers.remove(at: index).continuation
            }
            waiting?.resume(throwing: CancellationError())
        }
    }

    /// Moves time on and wakes every sleeper whose deadline has passed.
    public func advance(by duration: Duration) {
        let due = state.withLock { state -> [CheckedContinuation<Void, any Error>] in
            state.offset += duration
            let offset = state.offset
            let due = state.sleepers.filter { $0.deadline <= offset }.compactMap(\.continuation)
            state.sleepers.removeAll { $0.deadline <= offset }
            return due
        }
        for continuation in due { continuation.resume() }
    }

    /// Whether the pacing task sleeps now.
    private var pacerSleeps: Bool { state.withLock { $0.sleepers.contains { $0.pacer } } }

    /// Returns once the number of sleepers has stayed the same over `rounds` yields: every loop
    /// on this clock is asleep again (or waits on something else), so time can move on.
    public func settle(rounds: Int = 50) async {
        var last = sleeping
        var same = 0
        while same < rounds {
            await Task.yield()
            let now = sleeping
            if now == last {
                same += 1
            } else {
                last = now
                same = 0
            }
        }
    }

    /// Runs `body` and moves time on in steps of `step` while it runs; returns what it returned.
    ///
    /// `body` is the pacer: it waits on the clock it is given, and time moves while it sleeps
    /// there. Time also waits for every loop a step woke to sleep again (the number of sleepers
    /// is back to what it was); a loop that ended instead is given up on once the number has
    /// stood still for `quiet` of real time. So what a loop does between two sleeps happens at
    /// one instant of this clock, however slow the machine. When `body` waits for something
    /// that needs time to pass (a node's graceful stop), time moves on after `stalled` of real
    /// time in which nothing changed.
    public func driving<T: Sendable>(
        step: Duration = .milliseconds(10),
        quiet: Duration = .milliseconds(50),
        stalled: Duration = .milliseconds(250),
        _ body: @escaping @Sendable (Cluster.NodeClock) async throws -> T
    ) async throws -> T {
        let pacer = Cluster.NodeClock(
            now: { [self] in now },
            sleep: { [self] in try await sleep(for: $0, pacer: true) }
        )
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await body(pacer) }
            group.addTask {
                var expected = 0
                while !Task.isCancelled {
                    let quietFor = await self.quiescent(expected: expected, quiet: quiet, stalled: stalled)
                    guard self.pacerSleeps || quietFor >= stalled else { continue }
                    expected = self.sleeping
                    self.advance(by: step)
                }
                return nil
            }
            defer { group.cancelAll() }
            while let next = try await group.next() {
                if let value = next { return value }
            }
            throw CancellationError()
        }
    }

    /// Returns once the pacer sleeps and `expected` loops sleep (zero), or once the number of
    /// sleepers has not changed for `quiet` of real time while the pacer sleeps (a loop ended),
    /// or for `stalled` while it does not; returns how long nothing changed.
    private func quiescent(expected: Int, quiet: Duration, stalled: Duration) async -> Duration {
        var last = sleeping
        var since = ContinuousClock.now
        var rounds = 0
        while !Task.isCancelled {
            // Yields first (the loops a step woke are quick); then naps, so a wait on a slow
            // loop does not take a core from it.
            rounds += 1
            if rounds < 200 { await Task.yield() } else { try? await Task.sleep(for: .microseconds(200)) }
            let count = sleeping
            let pacing = pacerSleeps
            if count >= expected, pacing { return .zero }
            if count != last {
                last = count
                since = .now
                continue
            }
            let still = since.duration(to: .now)
            if still >= (pacing ? quiet : stalled) { return still }
        }
        return .zero
    }
}
