import DequeModule
import Synchronization

/// A live subscription: an `AsyncSequence` of the events it receives.
///
/// Single consumer: iterate it from one task at a time. Ending the iteration (leaving the
/// loop, cancelling the task) or calling `cancel()` unsubscribes; buffered events are then
/// discarded and any publisher waiting on this subscriber is released.
public final class EventSubscription: AsyncSequence, Sendable {
    public typealias Element = DeliveredEvent

    /// The pattern this subscription was made with.
    public let pattern: String
    public let filter: SubscriptionFilter?
    public let options: SubscriptionOptions
    let compiledPattern: TokenPattern

    enum Offer {
        case delivered
        /// The buffer was full and this event was dropped (drop newest).
        case droppedNewest
        /// The buffer was full and the oldest buffered event, of the namespace given, was dropped for this one.
        case droppedOldest(namespace: String)
        /// The subscription has ended.
        case closed
    }

    private struct State {
        var buffer: Deque<DeliveredEvent> = []
        var consumer: CheckedContinuation<DeliveredEvent?, Never>?
        var waitingPublishers: Deque<(id: UInt64, item: DeliveredEvent, resume: CheckedContinuation<Bool, Never>)> = []
        var nextWaiterID: UInt64 = 0
        var finished = false
        var delivered = 0
        var dropped = 0
        var onCancel: [@Sendable () -> Void] = []
    }

    private let state: Mutex<State>

    init(pattern: TokenPattern, filter: SubscriptionFilter?, options: SubscriptionOptions) {
        self.pattern = pattern.text
        self.compiledPattern = pattern
        self.filter = filter
        self.options = options
        self.state = Mutex(State())
    }

    /// Adds an action run once when the subscription ends (at once if it has ended).
    func setOnCancel(_ action: @escaping @Sendable () -> Void) {
        let runNow = state.withLock { state -> Bool in
            if state.finished { return true }
            state.onCancel.append(action)
            return false
        }
        if runNow { action() }
    }

    /// Whether the event is for this subscriber (pattern and filter).
    func wants(_ event: Event, in namespace: String) -> Bool {
        compiledPattern.matches(namespace) && (filter?.accepts(event) ?? true)
    }

    /// Events delivered into this subscriber's buffer so far.
    public var deliveredCount: Int { state.withLock { $0.delivered } }
    /// Events dropped for this subscriber so far.
    public var droppedCount: Int { state.withLock { $0.dropped } }
    /// Events buffered, not yet read.
    public var bufferedCount: Int { state.withLock { $0.buffer.count } }
    /// Whether a reader is waiting in `next()` (for tests that must deliver to a waiting reader).
    package var hasWaitingReader: Bool { state.withLock { $0.consumer != nil } }
    /// Whether the subscription has ended.
    public var isCancelled: Bool { state.withLock { $0.finished } }

    /// Offers an event without waiting. With the `.block` policy a full buffer returns nil:
    /// the caller must `offerWaiting`.
    func offer(_ item: DeliveredEvent) -> Offer? {
        let (result, consumer) = state.withLock { place(item, in: &$0) }
        consumer?.resume(returning: item)
        return result
    }

    /// Offers events in order without waiting, as `offer` one at a time would, under one lock;
    /// counts what it delivered and dropped in `tally`, by namespace. Not for the `.block`
    /// policy.
    func offer(contentsOf items: [DeliveredEvent], counting tally: inout NamespaceTally) {
        precondition(options.overflow != .block, "offer(contentsOf:) cannot wait; use offerWaiting")
        let consumer = state.withLock { state -> CheckedContinuation<DeliveredEvent?, Never>? in
            var handedTo: CheckedContinuation<DeliveredEvent?, Never>?
            for item in items {
                let (result, consumer) = place(item, in: &state)
                if let consumer { handedTo = consumer }  // only the first: it takes the reader
                switch result {
                case .delivered: tally.update(item.namespace) { $0.delivered += 1 }
                case .droppedNewest: tally.update(item.namespace) { $0.dropped += 1 }
                case .droppedOldest(let namespace):
                    tally.update(item.namespace) { $0.delivered += 1 }
                    tally.update(namespace) { $0.dropped += 1 }
                case .closed, nil: return handedTo
                }
            }
            return handedTo
        }
        if let consumer, let first = items.first { consumer.resume(returning: first) }
    }

    /// Puts an item where it goes, under the lock: to a waiting reader (returned, to be resumed
    /// outside the lock with the item), into the buffer, or over the overflow policy. Nil when a
    /// `.block` buffer is full.
    private func place(
        _ item: DeliveredEvent,
        in state: inout State
    ) -> (Offer?, CheckedContinuation<DeliveredEvent?, Never>?) {
        if state.finished { return (.closed, nil) }
        if let consumer = state.consumer {
            state.consumer = nil
            state.delivered += 1
            return (.delivered, consumer)
        }
        if state.buffer.count < options.bufferSize {
            state.buffer.append(item)
            state.delivered += 1
            return (.delivered, nil)
        }
        switch options.overflow {
        case .dropNewest:
            state.dropped += 1
            return (.droppedNewest, nil)
        case .dropOldest:
            let oldest = state.buffer.removeFirst()
            state.buffer.append(item)
            state.dropped += 1
            state.delivered += 1
            return (.droppedOldest(namespace: oldest.namespace), nil)
        case .block:
            return (nil, nil)
        }
    }

    /// Waits until the item is in the buffer (or handed to the reader). Returns false when the
    /// subscription ended or the publishing task was cancelled first.
    func offerWaiting(_ item: DeliveredEvent) async -> Bool {
        if let result = offer(item) {
            if case .closed = result { return false }
            return true
        }
        let id = state.withLock { state -> UInt64 in
            state.nextWaiterID += 1
            return state.nextWaiterID
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                let (immediate, consumer) = state.withLock {
                    state -> (Bool?, CheckedContinuation<DeliveredEvent?, Never>?) in
                    if state.finished || Task.isCancelled { return (false, nil) }
                    if let consumer = state.consumer {
                        state.consumer = nil
                        state.delivered += 1
                        return (true, consumer)
                    }
                    if state.buffer.count < options.bufferSize {
                        state.buffer.append(item)
                        state.delivered += 1
                        return (true, nil)
                    }
                    state.waitingPublishers.append((id, item, continuation))
                    return (nil, nil)
                }
                consumer?.resume(returning: item)
                if let immediate { continuation.resume(returning: immediate) }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Bool, Never>? in
                guard let index = state.waitingPublishers.firstIndex(where: { $0.id == id }) else { return nil }
                return state.waitingPublishers.remove(at: index).resume
            }
            waiter?.resume(returning: false)
        }
    }

    /// Ends the subscription: unsubscribes, discards buffered events, releases waiting publishers.
    public func cancel() {
        typealias Taken = (
            consumer: CheckedContinuation<DeliveredEvent?, Never>?,
            waiters: [CheckedContinuation<Bool, Never>],
            actions: [@Sendable () -> Void]
        )
        let (consumer, waiters, onCancel) = state.withLock { state -> Taken in
            if state.finished { return (nil, [], []) }
            state.finished = true
            state.buffer.removeAll()
            let consumer = state.consumer
            state.consumer = nil
            let waiters = state.waitingPublishers.map(\.resume)
            state.waitingPublishers.removeAll()
            let onCancel = state.onCancel
            state.onCancel = []
            return (consumer, waiters, onCancel)
        }
        consumer?.resume(returning: nil)
        for waiter in waiters { waiter.resume(returning: false) }
        for action in onCancel { action() }
    }

    /// The next event; nil once the subscription has ended.
    ///
    /// Unlike leaving a `for await` loop, calling this and then stopping does not unsubscribe;
    /// cancelling the calling task does.
    public func next() async -> DeliveredEvent? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<DeliveredEvent?, Never>) in
                let (immediate, released) = state.withLock {
                    state -> (DeliveredEvent??, CheckedContinuation<Bool, Never>?) in
                    if let item = state.buffer.popFirst() {
                        var released: CheckedContinuation<Bool, Never>?
                        if let waiter = state.waitingPublishers.popFirst() {
                            state.buffer.append(waiter.item)
                            state.delivered += 1
                            released = waiter.resume
                        }
                        return (.some(item), released)
                    }
                    if state.finished || Task.isCancelled { return (.some(nil), nil) }
                    if let waiter = state.waitingPublishers.popFirst() {
                        state.delivered += 1
                        return (.some(waiter.item), waiter.resume)
                    }
                    precondition(
                        state.consumer == nil,
                        "EventSubscription \(pattern) is being iterated by two tasks at once"
                    )
                    state.consumer = continuation
                    return (nil, nil)
                }
                released?.resume(returning: true)
                if let immediate { continuation.resume(returning: immediate) }
            }
        } onCancel: {
            self.cancel()
        }
    }

    /// The next event and every other one already buffered, up to `max`, in one wake-up;
    /// empty once the subscription has ended. For readers that keep up with bursts.
    public func nextBatch(max: Int) async -> [DeliveredEvent] {
        guard let first = await next() else { return [] }
        let (more, released) = state.withLock { state -> ([DeliveredEvent], [CheckedContinuation<Bool, Never>]) in
            var items: [DeliveredEvent] = []
            var released: [CheckedContinuation<Bool, Never>] = []
            while items.count < max - 1, let item = state.buffer.popFirst() {
                items.append(item)
                if let waiter = state.waitingPublishers.popFirst() {
                    state.buffer.append(waiter.item)
                    state.delivered += 1
                    released.append(waiter.resume)
                }
            }
            return (items, released)
        }
        for waiter in released { waiter.resume(returning: true) }
        return [first] + more
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        /// Ends the subscription when the last copy of the iterator goes away.
        final class Lifetime: Sendable {
            let subscription: EventSubscription
            init(_ subscription: EventSubscription) { self.subscription = subscription }
            deinit { subscription.cancel() }
        }

        let lifetime: Lifetime

        public mutating func next() async -> DeliveredEvent? {
            await lifetime.subscription.next()
        }

        public mutating func next(isolation actor: isolated (any Actor)?) async -> DeliveredEvent? {
            await lifetime.subscription.next()
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(lifetime: AsyncIterator.Lifetime(self))
    }
}
