import DequeModule
import Synchronization

/// A subscription: an `AsyncSequence` of the messages delivered on it.
///
/// Single consumer. Messages wait in a bounded buffer (`NATSOptions.subscriptionPendingLimit`);
/// when it is full, new messages are dropped and counted (`droppedCount`) and the client emits
/// `.slowConsumer`. Leaving a `for await` loop, or cancelling the reading task, unsubscribes.
/// The sequence ends (returns nil) after `unsubscribe()`, `drain()` once buffered messages are
/// read, the auto-unsubscribe limit, or the client closing.
public final class NATSSubscription: AsyncSequence, Sendable {
    public typealias Element = NATSMessage

    public let subject: String
    public let queue: String?
    public let sid: UInt64
    private let pendingLimit: Int
    private let state: Mutex<State>
    private let unsubscribeAction: @Sendable (_ sid: UInt64) -> Void
    private let drainAction: @Sendable (_ sid: UInt64) async -> Void
    /// Told of every message dropped because the buffer was full (on the client's event loop,
    /// outside any lock): a consumer can count drops by subject.
    private let onDrop: (@Sendable (NATSMessage) -> Void)?
    /// Set for a handler subscription: each message goes to it as it is read, on the client's
    /// event loop, and nothing is buffered.
    private let onMessage: (@Sendable (NATSMessage) -> Void)?

    private struct State {
        var buffer: Deque<NATSMessage> = []
        var consumer: CheckedContinuation<NATSMessage?, Never>?
        /// No more messages will be added; the reader drains the buffer, then gets nil.
        var ending = false
        var delivered = 0
        var dropped = 0
        var droppedSinceReport = 0
    }

    init(
        subject: String,
        queue: String?,
        sid: UInt64,
        pendingLimit: Int,
        unsubscribe: @escaping @Sendable (UInt64) -> Void,
        drain: @escaping @Sendable (UInt64) async -> Void,
        onDrop: (@Sendable (NATSMessage) -> Void)? = nil,
        onMessage: (@Sendable (NATSMessage) -> Void)? = nil
    ) {
        self.onDrop = onDrop
        self.onMessage = onMessage
        self.subject = subject
        self.queue = queue
        self.sid = sid
        self.pendingLimit = pendingLimit
        self.state = Mutex(State())
        self.unsubscribeAction = unsubscribe
        self.drainAction = drain
    }

    /// Messages delivered to this subscription so far (not counting drops).
    public var deliveredCount: Int { state.withLock { $0.delivered } }
    /// Messages dropped because the buffer was full.
    public var droppedCount: Int { state.withLock { $0.dropped } }
    /// Messages buffered, not yet read.
    public var pendingCount: Int { state.withLock { $0.buffer.count } }

    /// Adds a message. Returns the number of drops to report when this message was dropped
    /// and a report is due, else 0.
    func deliver(_ message: NATSMessage) -> Int {
        if let onMessage {
            let taken = state.withLock { state -> Bool in
                if state.ending { return false }
                state.delivered += 1
                return true
            }
            if taken { onMessage(message) }
            return 0
        }
        let (consumer, report, dropped) = state.withLock {
            state -> (CheckedContinuation<NATSMessage?, Never>?, Int, Bool) in
            if state.ending { return (nil, 0, false) }
            if let consumer = state.consumer {
                state.consumer = nil
                state.delivered += 1
                return (consumer, 0, false)
            }
            if state.buffer.count >= pendingLimit {
                state.dropped += 1
                state.droppedSinceReport += 1
                // Report the first drop of a burst; later drops are in the counter.
                if state.droppedSinceReport == 1 { return (nil, 1, true) }
                return (nil, 0, true)
            }
            state.buffer.append(message)
            state.delivered += 1
            if state.buffer.count < pendingLimit / 2 { state.droppedSinceReport = 0 }
            return (nil, 0, false)
        }
        consumer?.resume(returning: message)
        if dropped { onDrop?(message) }
        return report
    }

    /// Stops taking messages; the reader gets what is buffered, then nil.
    func finish(discardBuffered: Bool) {
        let consumer = state.withLock { state -> CheckedContinuation<NATSMessage?, Never>? in
            state.ending = true
            if discardBuffered { state.buffer.removeAll() }
            if state.buffer.isEmpty, let consumer = state.consumer {
                state.consumer = nil
                return consumer
            }
            return nil
        }
        consumer?.resume(returning: nil)
    }

    /// The next message; nil once the subscription has ended and its buffer is empty.
    ///
    /// Cancelling the calling task unsubscribes.
    public func next() async -> NATSMessage? {
        let message = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<NATSMessage?, Never>) in
                let immediate = state.withLock { state -> NATSMessage?? in
                    if let message = state.buffer.popFirst() { return .some(message) }
                    if state.ending || Task.isCancelled { return .some(nil) }
                    precondition(
                        state.consumer == nil,
                        "NATSSubscription \(subject) is being read by two tasks at once"
                    )
                    state.consumer = continuation
                    return nil
                }
                if let immediate { continuation.resume(returning: immediate) }
            }
        } onCancel: {
            self.finish(discardBuffered: true)
        }
        if message == nil, Task.isCancelled {
            unsubscribeAction(sid)
        }
        return message
    }

    /// Waits for at least one message, then returns it with up to `max - 1` more already
    /// buffered: one wake-up for a burst. Empty once the subscription has ended.
    public func nextBatch(max: Int) async -> [NATSMessage] {
        guard let first = await next() else { return [] }
        var batch = [first]
        state.withLock { state in
            while batch.count < max, let message = state.buffer.popFirst() { batch.append(message) }
        }
        return batch
    }

    /// Unsubscribes now: the server stops sending, buffered messages are discarded.
    public func unsubscribe() {
        finish(discardBuffered: true)
        unsubscribeAction(sid)
    }

    /// Drains: the server stops sending, and the messages already sent or buffered are still
    /// delivered to the reader before the sequence ends.
    public func drain() async {
        await drainAction(sid)
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        final class Lifetime: Sendable {
            let subscription: NATSSubscription
            init(_ subscription: NATSSubscription) { self.subscription = subscription }
            deinit {
                subscription.unsubscribe()
            }
        }

        let lifetime: Lifetime

        public mutating func next() async -> NATSMessage? {
            await lifetime.subscription.next()
        }

        public mutating func next(isolation actor: isolated (any Actor)?) async -> NATSMessage? {
            await lifetime.subscription.next()
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(lifetime: AsyncIterator.Lifetime(self))
    }
}
