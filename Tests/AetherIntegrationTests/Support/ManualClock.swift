import Aether
import Synchronization

/// A clock that moves only when a test says so, for node shells (`Cluster.NodeClock`). Sleepers
/// wake when `advance(by:)` passes their deadline; `sleeping` tells how many wait, so a test can
/// advance only once every loop has come back to its sleep.
final class ManualClock: Sendable {
    private struct Sleeper {
        var id: UInt64
        var deadline: Duration
        var continuation: CheckedContinuation<Void, any Error>?
    }

    private struct State {
        var offset: Duration = .zero
        var sleepers: [Sleeper] = []
        var nextID: UInt64 = 0
        var cancelled: Set<UInt64> = []
    }

    private let base = ContinuousClock.now
    private let state = Mutex(State())

    var now: ContinuousClock.Instant { base.advanced(by: state.withLock { $0.offset }) }

    var nodeClock: Cluster.NodeClock {
        Cluster.NodeClock(now: { [self] in now }, sleep: { [self] in try await sleep(for: $0) })
    }

    /// How many sleepers wait.
    var sleeping: Int { state.withLock { $0.sleepers.count } }

    func sleep(for duration: Duration) async throws {
        let id = state.withLock { state -> UInt64 in
            state.nextID += 1
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let cancelledAlready = state.withLock { state -> Bool in
                    if state.cancelled.remove(id) != nil { return true }
                    state.sleepers.append(
                        Sleeper(id: id, deadline: state.offset + duration, continuation: continuation)
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
    func advance(by duration: Duration) {
        let due = state.withLock { state -> [CheckedContinuation<Void, any Error>] in
            state.offset += duration
            let offset = state.offset
            let due = state.sleepers.filter { $0.deadline <= offset }.compactMap(\.continuation)
            state.sleepers.removeAll { $0.deadline <= offset }
            return due
        }
        for continuation in due { continuation.resume() }
    }
}
