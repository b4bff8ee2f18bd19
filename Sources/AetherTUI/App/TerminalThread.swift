import Foundation
import Synchronization

/// Runs a terminal backend on a thread of its own (ncurses is not thread-safe, and its reads
/// block): it polls for input and presents the newest frame posted; nothing else crosses.
///
/// Inputs are never dropped: a dropped key can be a dropped `y` or Enter, a dropped character
/// a corrupted paste. The queue is unbounded; it holds only what the operator's terminal sent
/// (a paste arrives as one input), and the dashboard drains it as fast as it can apply it.
final class TerminalThread: Sendable {
    let inputs: AsyncStream<TerminalInput>
    private let continuation: AsyncStream<TerminalInput>.Continuation
    private let pending = Mutex<Canvas?>(nil)
    private let stopping = Atomic<Bool>(false)
    private let started = Atomic<Bool>(false)
    private let finished = Mutex<(done: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    init() {
        (inputs, continuation) = AsyncStream.makeStream(of: TerminalInput.self, bufferingPolicy: .unbounded)
    }

    /// Starts the thread with a backend made on it. The first input is the terminal's size
    /// (`.resize`); a backend that cannot start finishes the inputs with nothing.
    func start(
        _ makeBackend: @escaping @Sendable () -> any TerminalBackend,
        failed: @escaping @Sendable (any Error) -> Void
    ) {
        started.store(true, ordering: .releasing)
        let thread = Thread { [self] in
            var backend = makeBackend()
            do {
                let size = try backend.start()
                continuation.yield(.resize(width: size.width, height: size.height))
                // After an input the frame that answers it is due soon: poll with a 1 ms timeout
                // for about 100 ms so it is shown as soon as it is posted, not after a 25 ms poll.
                var eagerPolls = 0
                while !stopping.load(ordering: .acquiring) {
                    if let input = backend.poll(timeoutMilliseconds: eagerPolls > 0 ? 1 : 25) {
                        continuation.yield(input)
                        eagerPolls = 100
                    } else if eagerPolls > 0 {
                        eagerPolls -= 1
                    }
                    if let canvas = pending.withLock({ value -> Canvas? in
                        defer { value = nil }
                        return value
                    }) {
                        backend.present(canvas)
                    }
                }
            } catch {
                failed(error)
            }
            backend.stop()
            continuation.finish()
            let waiters = finished.withLock { state in
                state.done = true
                defer { state.waiters = [] }
                return state.waiters
            }
            for waiter in waiters { waiter.resume() }
        }
        thread.name = "aether-top terminal"
        thread.start()
    }

    /// Posts a frame; a frame not yet shown is replaced (frames are coalesced).
    func present(_ canvas: Canvas) {
        pending.withLock { $0 = canvas }
    }

    /// Stops the thread and waits until the terminal is restored.
    func stop() async {
        stopping.store(true, ordering: .releasing)
        // Never started (the dashboard ended before it took the terminal): nothing to restore.
        guard started.load(ordering: .acquiring) else { return }
        await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
            let done = finished.withLock { state -> Bool in
                if state.done { return true }
                state.waiters.append(waiter)
                return false
            }
            if done { waiter.resume() }
        }
    }
}
