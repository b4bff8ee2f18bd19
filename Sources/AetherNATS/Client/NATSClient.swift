import DequeModule
import Logging
import NIOCore
import NIOPosix
import Synchronization

/// A connection to a NATS server or cluster, on SwiftNIO.
///
/// - Publishes are validated (subject, headers, `max_payload`) before anything is sent, and
///   coalesced: every publish made during one event-loop tick goes out in one socket write.
/// - Subscriptions are `AsyncSequence`s with bounded buffers and counted drops.
/// - Requests share one wildcard inbox subscription; a 503 "no responders" fails at once.
/// - When the connection is lost the client reconnects by itself (backoff with jitter, across
///   configured and advertised servers), re-subscribes every live subscription with the same
///   sid, subject and queue group, and then sends what was published meanwhile (up to
///   `reconnectBufferSize`). Requests and flushes in flight fail with `.disconnected`.
///
/// Not guaranteed: delivery of messages published while disconnected if the client gives up
/// or is closed before it reconnects.
public final class NATSClient: Sendable {
    public let options: NATSOptions
    /// The event loop every connection of this client runs on.
    public let eventLoop: any EventLoop
    /// A task executor on ``eventLoop``. A task that prefers it (`withTaskExecutorPreference`)
    /// runs the client's nonisolated code, and its own, on the loop that reads the connection:
    /// a request is written without waking the loop, and its reply resumes the caller on the
    /// thread that read it, with no hop to a pool thread. That saves two thread wake-ups per
    /// round trip, which is most of a loopback round trip's latency on a small machine. For
    /// callers that make round trips one after another; keep the work between them short, since
    /// every message of every subscription is read on the same loop (and, on the default loop,
    /// other users of NIO's shared group wait too). The preference is inherited: child tasks
    /// (a task group, `async let`) run on the same one thread. Never call
    /// `EventLoopFuture.wait()` under it.
    public let taskExecutor: EventLoopTaskExecutor
    let logger: Logger
    let state: Mutex<State>
    /// `State.maxPayload`, readable without the state lock (every save asks for it); written
    /// under the lock, with it.
    let maxPayloadMirror = Atomic<Int>(1_048_576)
    /// The last request token given out (the mux's reply subjects end in one).
    private let requestTokens = Atomic<UInt64>(0)

    struct SubscriptionEntry {
        var subscription: NATSSubscription
        var max: Int?
        var delivered = 0
    }

    struct RequestMux {
        var prefix: String
        var sid: UInt64
        /// Keyed by the request's token: the decimal number after `prefix` in its reply subject.
        var waiters: [UInt64: RequestWaiter] = [:]
        /// The earliest deadline a timeout sweep is scheduled for, if one is: one sweep per
        /// connection, not one timer per request (scheduling and cancelling a timer from the
        /// caller's thread wakes the event loop twice per request).
        var sweepAt: NIODeadline?
    }

    struct RequestWaiter {
        var reply: ReplySink
        var deadline: NIODeadline
        var subject: String
        var timeout: Duration
    }

    enum PongWaiter {
        case keepalive
        case flush(id: UInt64, CheckedContinuation<Void, any Error>)
    }

    /// Counters since the client was made.
    public struct Statistics: Sendable, Equatable {
        public var inMessages = 0
        public var outMessages = 0
        public var inBytes = 0
        public var outBytes = 0
        public var reconnects = 0
    }

    struct State {
        var lifecycle: ConnectionLifecycle
        var channel: (any Channel)?
        var info: ServerInfo?
        var server: ServerURL?
        var nextSID: UInt64 = 1
        var subscriptions: [UInt64: SubscriptionEntry] = [:]
        var pending: ByteBuffer
        var flushScheduled = false
        var pongWaiters: Deque<PongWaiter> = []
        var nextWaiterID: UInt64 = 0
        var mux: RequestMux?
        var eventStreams: [UInt64: AsyncStream<ConnectionEvent>.Continuation] = [:]
        var keepalive: RepeatedTask?
        /// The task running reconnect passes, while there is one.
        var connector: Task<Void, Never>?
        /// The last attempt's failure, kept as the cause of the error that closes the client.
        var lastAttemptError: NATSError?
        /// Why the client closed, when it closed on a failure (`connect` throws it).
        var closeError: NATSError?
        var maxPayload = 1_048_576
        var statistics = Statistics()
    }

    init(options: NATSOptions) throws(NATSError) {
        var pool: [ServerURL] = []
        for text in options.servers { pool.append(try ServerURL(parsing: text)) }
        if pool.isEmpty { throw NATSError(code: .connectionFailed, message: "no server URLs given") }
        if !options.noRandomize { pool.shuffle() }
        self.options = options
        self.logger = options.logger
        if let given = options.eventLoop, ClientBootstrap(validatingGroup: given) == nil {
            throw NATSError(
                code: .connectionFailed,
                message:
                    "NATSOptions.eventLoop must be a loop of NIOPosix's MultiThreadedEventLoopGroup; \(type(of: given)) cannot open sockets"
            )
        }
        self.eventLoop = options.eventLoop ?? MultiThreadedEventLoopGroup.singleton.next()
        self.taskExecutor = EventLoopTaskExecutor(eventLoop)
        self.state = Mutex(
            State(
                lifecycle: ConnectionLifecycle(pool: pool, policy: ConnectionLifecycle.Policy(options: options)),
                pending: ByteBufferAllocator().buffer(capacity: 64 * 1024)
            )
        )
    }

    /// A client released without `close()` closes: it stops reconnecting, ends its
    /// subscriptions and streams and closes its socket.
    deinit {
        decide { $0.close(reason: "the client was released without close()") }
    }

    /// Connects to the first server of the pool that answers.
    /// - Throws: `NATSError` `.authorization` when the server rejects the credentials,
    ///   `.tls` when TLS fails, else `.connectionFailed` naming the servers tried.
    public static func connect(_ options: NATSOptions) async throws -> NATSClient {
        let client = try NATSClient(options: options)
        try await client.connectFirst()
        return client
    }

    /// Connects to one URL with default options.
    public static func connect(url: String) async throws -> NATSClient {
        try await connect(NATSOptions(url: url))
    }

    // MARK: observing

    /// Where the connection is now.
    public var status: ConnectionStatus { state.withLock { $0.lifecycle.status } }

    /// The INFO of the server connected to (nil before the first connect).
    public var serverInfo: ServerInfo? { state.withLock { $0.info } }

    /// The server connected to, without credentials.
    public var connectedServer: ServerURL? { state.withLock { $0.server } }

    /// Why the last connection attempt failed, while the client is away (nil once connected):
    /// what a reconnecting status can say beside its attempt number. Never holds credentials
    /// (the server's words, or the socket's).
    public var lastAttemptFailure: NATSError? { state.withLock { $0.lastAttemptError } }

    /// The largest message (headers plus payload) the server accepts.
    public var maxPayload: Int { maxPayloadMirror.load(ordering: .relaxed) }

    public var statistics: Statistics { state.withLock { $0.statistics } }

    /// Connection changes: first `.snapshot` of the status now, then each change in order.
    /// The stream ends when the client is closed.
    public func events() -> AsyncStream<ConnectionEvent> {
        let (stream, continuation) = AsyncStream<ConnectionEvent>.makeStream(bufferingPolicy: .bufferingNewest(256))
        let id = state.withLock { state -> UInt64? in
            continuation.yield(.snapshot(state.lifecycle.status))
            if state.lifecycle.isClosed { return nil }
            state.nextWaiterID += 1
            state.eventStreams[state.nextWaiterID] = continuation
            return state.nextWaiterID
        }
        guard let id else {
            continuation.finish()
            return stream
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.eventStreams.removeValue(forKey: id) }
        }
        return stream
    }

    func emit(_ event: ConnectionEvent) {
        let streams = state.withLock { Array($0.eventStreams.values) }
        for stream in streams { stream.yield(event) }
    }

    // MARK: publishing

    /// Publishes a message.
    /// - Throws: `NATSError` `.invalidSubject`, `.invalidHeader`, `.payloadTooLarge` (nothing is
    ///   sent), `.bufferFull` while reconnecting, `.connectionClosed`, `.draining`.
    public func publish(
        _ payload: ByteBuffer,
        to subject: String,
        replyTo: String? = nil,
        headers: NATSHeaders? = nil
    ) throws(NATSError) {
        try Subject.validatePublish(subject)
        if let replyTo { try Subject.validatePublish(replyTo) }
        if let headers { try headers.validate() }
        try enqueuePublish(payload, to: subject, replyTo: replyTo, headers: headers)
    }

    /// Publishes bytes.
    public func publish(
        _ bytes: some Sequence<UInt8>,
        to subject: String,
        replyTo: String? = nil,
        headers: NATSHeaders? = nil
    ) throws(NATSError) {
        try publish(ByteBuffer(bytes: bytes), to: subject, replyTo: replyTo, headers: headers)
    }

    /// Publishes UTF-8 text.
    public func publish(
        _ text: String,
        to subject: String,
        replyTo: String? = nil,
        headers: NATSHeaders? = nil
    ) throws(NATSError) {
        try publish(ByteBuffer(string: text), to: subject, replyTo: replyTo, headers: headers)
    }

    /// Enqueues a PUB/HPUB whose subject and headers were already validated.
    func enqueuePublish(
        _ payload: ByteBuffer,
        to subject: String,
        replyTo: String?,
        headers: NATSHeaders?,
        buffered: Bool = true
    ) throws(NATSError) {
        let headerBlock = headers?.encodedBlock()
        let (channel, connected) = try state.withLock {
            state throws(NATSError) -> ((any Channel)?, (any Channel)?) in
            try state.checkOpen()
            let channel = try state.appendPublish(
                payload,
                to: subject,
                replyTo: replyTo,
                headerBlock: headerBlock,
                reconnectBufferSize: options.reconnectBufferSize,
                buffered: buffered
            )
            return (channel, state.pending.readableBytes >= Self.writeNowBytes ? state.channel : nil)
        }
        // A publisher on the connection's own loop that does not yield (a task preferring the
        // client's executor, or NIO's loops as the global executor) would hold back the flush
        // it scheduled until it is done: past `writeNowBytes` pending, it writes at once, as
        // nats.go writes when its buffer is full.
        if let connected, connected.eventLoop.inEventLoop { flushPending() }
        if let channel { scheduleFlush(on: channel) }
    }

    /// Pending bytes past which a publish made on the connection's loop writes at once.
    static let writeNowBytes = 64 * 1024

    /// Bytes waiting for the next flush (tests).
    var pendingBytes: Int { state.withLock { $0.pending.readableBytes } }

    /// Writes `write` into the outbound buffer (any state but closed) and schedules a flush.
    func enqueueControl(_ write: (inout ByteBuffer) -> Void) {
        let channel = state.withLock { state -> (any Channel)? in
            if state.lifecycle.isClosed { return nil }
            write(&state.pending)
            return state.takeFlushChannel()
        }
        if let channel { scheduleFlush(on: channel) }
    }

    func scheduleFlush(on channel: any Channel) {
        channel.eventLoop.execute { self.flushPending() }
    }

    /// Sends everything buffered, in one write. Runs on the event loop.
    private func flushPending() {
        let (channel, buffer) = state.withLock { state -> ((any Channel)?, ByteBuffer?) in
            state.flushScheduled = false
            guard let channel = state.channel, state.pending.readableBytes > 0 else { return (nil, nil) }
            let out = state.pending
            state.pending = channel.allocator.buffer(capacity: Swift.max(4096, out.readableBytes))
            return (channel, out)
        }
        if let channel, let buffer {
            channel.writeAndFlush(buffer, promise: nil)
        }
    }

    /// Sends a PING and waits for the PONG: everything published before it has reached the server.
    /// A cancelled task stops waiting at once.
    /// - Throws: `NATSError` `.timeout`, `.disconnected`, `.connectionClosed`; `CancellationError`.
    public func flush(timeout: Duration = .seconds(5)) async throws {
        try Task.checkCancellation()
        let id = state.withLock { state -> UInt64 in
            state.nextWaiterID += 1
            return state.nextWaiterID
        }
        let timer = eventLoop.scheduleTask(in: .nanoseconds(timeout.nanoseconds)) {
            self.failFlush(id: id, NATSError(code: .timeout, message: "flush timed out after \(timeout)"))
        }
        defer { timer.cancel() }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let (channel, failure) = state.withLock { state -> ((any Channel)?, (any Error)?) in
                    // Checked under the lock the cancellation handler takes: a cancel that came
                    // before this finds no waiter, so it is seen here.
                    if Task.isCancelled { return (nil, CancellationError()) }
                    if state.lifecycle.isClosed {
                        return (nil, NATSError(code: .connectionClosed, message: "the connection is closed"))
                    }
                    guard state.channel != nil else {
                        return (nil, NATSError(code: .disconnected, message: "not connected; cannot flush"))
                    }
                    state.pending.writePing()
                    state.pongWaiters.append(.flush(id: id, continuation))
                    return (state.takeFlushChannel(), nil)
                }
                if let failure { continuation.resume(throwing: failure) }
                if let channel { scheduleFlush(on: channel) }
            }
        } onCancel: {
            self.failFlush(id: id, CancellationError())
        }
    }

    private func failFlush(id: UInt64, _ error: any Error) {
        let continuation = state.withLock { state -> CheckedContinuation<Void, any Error>? in
            guard
                let index = state.pongWaiters.firstIndex(where: {
                    if case .flush(id, _) = $0 { return true } else { return false }
                })
            else { return nil }
            guard case .flush(_, let continuation) = state.pongWaiters[index] else { return nil }
            // Keep the slot so PONGs stay matched to PINGs; it becomes a keepalive.
            state.pongWaiters[index] = .keepalive
            return continuation
        }
        continuation?.resume(throwing: error)
    }

    // MARK: subscribing

    /// Subscribes to a subject (wildcards allowed), optionally in a queue group.
    ///
    /// Returns once the server has the subscription (a PING/PONG round trip), so messages
    /// published after this returns are delivered. While disconnected it returns at once and the
    /// subscription is made on reconnect.
    /// - Parameter max: unsubscribe automatically after this many messages.
    /// - Throws: `NATSError` `.invalidSubject`, `.connectionClosed`.
    public func subscribe(to subject: String, queue: String? = nil, max: Int? = nil) async throws -> NATSSubscription {
        try await confirmed(subscribeNoWait(to: subject, queue: queue, max: max, onDrop: nil, onMessage: nil))
    }

    /// `subscription` once the server has it (a PING/PONG round trip); at once while
    /// disconnected (it is made on reconnect).
    private func confirmed(_ subscription: NATSSubscription) async throws -> NATSSubscription {
        if state.withLock({ $0.channel != nil }) {
            do {
                try await flush()
            } catch let error as NATSError where error.code == .disconnected {
                // Made again on reconnect.
            }
        }
        return subscription
    }

    /// Subscribes with a handler that gets each message as the connection reads it, on the
    /// client's event loop: no buffer, no task to wake, as a nats.go callback subscription. A
    /// responder that answers at once (`publish` from the handler) costs no thread hop.
    ///
    /// The handler must be short and must never block or wait: while it runs, the connection
    /// reads nothing else. Iterating the returned subscription yields nothing; it ends, like any
    /// subscription, on `unsubscribe()`, `drain()`, the `max` limit or the client closing.
    /// Returns once the server has the subscription.
    public func subscribe(
        to subject: String,
        queue: String? = nil,
        max: Int? = nil,
        handler: @escaping @Sendable (NATSMessage) -> Void
    ) async throws -> NATSSubscription {
        try await confirmed(subscribeNoWait(to: subject, queue: queue, max: max, onDrop: nil, onMessage: handler))
    }

    /// Subscribes without waiting for the server to confirm.
    ///
    /// - Parameter onDrop: told of every message dropped because the subscription's buffer was
    ///   full (on the client's event loop; keep it short).
    public func subscribeNoWait(
        to subject: String,
        queue: String? = nil,
        max: Int? = nil,
        onDrop: (@Sendable (NATSMessage) -> Void)? = nil
    ) throws(NATSError) -> NATSSubscription {
        try subscribeNoWait(to: subject, queue: queue, max: max, onDrop: onDrop, onMessage: nil)
    }

    private func subscribeNoWait(
        to subject: String,
        queue: String?,
        max: Int?,
        onDrop: (@Sendable (NATSMessage) -> Void)?,
        onMessage: (@Sendable (NATSMessage) -> Void)?
    ) throws(NATSError) -> NATSSubscription {
        try Subject.validateSubscribe(subject)
        if let queue { try Subject.validateQueue(queue) }
        if let max, max <= 0 {
            throw NATSError(code: .invalidSubject, message: "auto-unsubscribe limit must be positive, got \(max)")
        }
        let (subscription, channel) = try state.withLock {
            state throws(NATSError) -> (NATSSubscription, (any Channel)?) in
            try state.checkOpen()
            let sid = state.nextSID
            state.nextSID += 1
            let subscription = NATSSubscription(
                subject: subject,
                queue: queue,
                sid: sid,
                pendingLimit: options.subscriptionPendingLimit,
                unsubscribe: { [weak self] sid in self?.unsubscribe(sid: sid) },
                drain: { [weak self] sid in await self?.drain(sid: sid) },
                onDrop: onDrop,
                onMessage: onMessage
            )
            state.subscriptions[sid] = SubscriptionEntry(subscription: subscription, max: max)
            state.pending.writeSubscribe(subject: subject, queue: queue, sid: sid)
            if let max { state.pending.writeUnsubscribe(sid: sid, max: max) }
            return (subscription, state.takeFlushChannel())
        }
        if let channel { scheduleFlush(on: channel) }
        return subscription
    }

    func unsubscribe(sid: UInt64) {
        let (entry, channel) = state.withLock { state -> (SubscriptionEntry?, (any Channel)?) in
            guard let entry = state.subscriptions.removeValue(forKey: sid) else { return (nil, nil) }
            if !state.lifecycle.isClosed { state.pending.writeUnsubscribe(sid: sid, max: nil) }
            return (entry, state.takeFlushChannel())
        }
        entry?.subscription.finish(discardBuffered: true)
        if let channel { scheduleFlush(on: channel) }
    }

    func drain(sid: UInt64) async {
        enqueueControl { $0.writeUnsubscribe(sid: sid, max: nil) }
        // Once the PONG is back, the server has sent everything it will send on this sid.
        try? await flush()
        let entry = state.withLock { $0.subscriptions.removeValue(forKey: sid) }
        entry?.subscription.finish(discardBuffered: false)
    }

    // MARK: request/reply

    /// Sends a request and waits for the first reply. While the client reconnects, the request
    /// waits in the reconnect buffer and is sent on reconnect, even after it timed out; with
    /// `buffered: false` it fails at once instead, with `.notConnected`, and is never sent.
    /// - Throws: `NATSError` `.noResponders` (at once, when nobody listens), `.timeout`,
    ///   `.disconnected` (the connection was lost first), `.notConnected`, `.invalidSubject`,
    ///   `.payloadTooLarge`.
    public func request(
        _ payload: ByteBuffer,
        to subject: String,
        headers: NATSHeaders? = nil,
        timeout: Duration? = nil,
        buffered: Bool = true
    ) async throws -> NATSMessage {
        try Subject.validatePublish(subject)
        if let headers { try headers.validate() }
        try Task.checkCancellation()
        let timeout = timeout ?? options.requestTimeout
        let token = newRequestToken()
        let headerBlock = headers?.encodedBlock()
        let deadline = NIODeadline.now() + .nanoseconds(timeout.nanoseconds)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<NATSMessage, any Error>) in
                let waiter = RequestWaiter(
                    reply: .caller(continuation),
                    deadline: deadline,
                    subject: subject,
                    timeout: timeout
                )
                // One lock for the mux, the publish and the waiter. A cancel that came first finds
                // no waiter to fail, so it is seen here instead.
                enum Outcome {
                    case sent(flush: (any Channel)?, sweep: Bool)
                    case failed(any Error, flush: (any Channel)?)
                }
                let outcome = state.withLock { state -> Outcome in
                    if Task.isCancelled { return .failed(CancellationError(), flush: nil) }
                    do throws(NATSError) {
                        try state.checkOpen()
                        let prefix = state.muxPrefix(inboxPrefix: options.inboxPrefix)
                        let flush = try state.appendPublish(
                            payload,
                            to: subject,
                            replyTo: prefix + String(token),
                            headerBlock: headerBlock,
                            reconnectBufferSize: options.reconnectBufferSize,
                            buffered: buffered
                        )
                        return .sent(flush: flush, sweep: state.addWaiter(waiter, token: token, deadline: deadline))
                    } catch {
                        // A new mux's SUB is queued even when the publish is refused.
                        return .failed(error, flush: state.takeFlushChannel())
                    }
                }
                switch outcome {
                case .sent(let flush, let sweep):
                    if sweep { scheduleSweep(at: deadline) }
                    if let flush { scheduleFlush(on: flush) }
                case .failed(let error, let flush):
                    if let flush { scheduleFlush(on: flush) }
                    continuation.resume(throwing: error)
                }
            }
        } onCancel: {
            self.failRequest(token: token, CancellationError())
        }
    }

    /// One request of ``requests(_:timeout:)``.
    public struct OutgoingRequest: Sendable {
        public var payload: ByteBuffer
        public var subject: String
        public var headers: NATSHeaders?

        public init(_ payload: ByteBuffer, to subject: String, headers: NATSHeaders? = nil) {
            self.payload = payload
            self.subject = subject
            self.headers = headers
        }
    }

    /// Sends several requests in this order, in one socket write, and waits for every reply:
    /// one round trip for all of them, the server reading them one after the other.
    ///
    /// Each result is that request's first reply or its own error (`.noResponders`, `.timeout`,
    /// `.disconnected`, …). Throws only when nothing could be sent (invalid subject or headers,
    /// a closed client) or on cancellation.
    public func requests(
        _ items: [OutgoingRequest],
        timeout: Duration? = nil,
        buffered: Bool = true
    ) async throws -> [Result<
        NATSMessage, any Error
    >] {
        guard !items.isEmpty else { return [] }
        for item in items {
            try Subject.validatePublish(item.subject)
            if let headers = item.headers { try headers.validate() }
        }
        try Task.checkCancellation()
        let timeout = timeout ?? options.requestTimeout
        let prefix = try ensureMux()
        let tokens = items.map { _ in newRequestToken() }
        let deadline = NIODeadline.now() + .nanoseconds(timeout.nanoseconds)
        return try await withTaskCancellationHandler {
            let results = await withCheckedContinuation {
                (continuation: CheckedContinuation<[Result<NATSMessage, any Error>], Never>) in
                let group = RequestGroup(count: items.count, continuation: continuation)
                let waiters = items.enumerated().map { index, item in
                    (
                        tokens[index],
                        RequestWaiter(
                            reply: .member(group, index),
                            deadline: deadline,
                            subject: item.subject,
                            timeout: timeout
                        )
                    )
                }
                guard register(waiters, deadline: deadline) else {
                    for index in items.indices { group.finish(index, .failure(CancellationError())) }
                    return
                }
                for (index, item) in items.enumerated() {
                    do {
                        try enqueuePublish(
                            item.payload,
                            to: item.subject,
                            replyTo: prefix + String(tokens[index]),
                            headers: item.headers,
                            buffered: buffered
                        )
                    } catch {
                        failRequest(token: tokens[index], error)
                    }
                }
            }
            try Task.checkCancellation()
            return results
        } onCancel: {
            for token in tokens { self.failRequest(token: token, CancellationError()) }
        }
    }

    /// Registers request waiters, all due at `deadline`, and schedules the timeout sweep when
    /// none is due by then. Checked under the lock the cancellation handler takes: a cancel that
    /// came first finds no waiter, so it is seen here instead, and false says nothing was
    /// registered.
    private func register(_ waiters: [(token: UInt64, waiter: RequestWaiter)], deadline: NIODeadline) -> Bool {
        let registered = state.withLock { state -> (Bool, sweep: Bool) in
            if Task.isCancelled { return (false, false) }
            var sweep = false
            for (token, waiter) in waiters where state.addWaiter(waiter, token: token, deadline: deadline) {
                sweep = true
            }
            return (true, sweep)
        }
        if registered.sweep { scheduleSweep(at: deadline) }
        return registered.0
    }

    private func scheduleSweep(at deadline: NIODeadline) {
        // Weakly: a pending sweep does not keep a released client alive.
        eventLoop.scheduleTask(deadline: deadline) { [weak self] in self?.sweepRequests(scheduledFor: deadline) }
    }

    /// Fails the requests whose deadline has passed, and schedules the sweep for the next one.
    private func sweepRequests(scheduledFor: NIODeadline) {
        let now = NIODeadline.now()
        let (expired, next) = state.withLock { state -> ([RequestWaiter], NIODeadline?) in
            guard state.mux != nil else { return ([], nil) }
            if state.mux!.sweepAt == scheduledFor { state.mux!.sweepAt = nil }
            let due = state.mux!.waiters.filter { $0.value.deadline <= now }
            for token in due.keys { state.mux!.waiters[token] = nil }
            let earliest = state.mux!.waiters.values.map(\.deadline).min()
            var next: NIODeadline?
            if let earliest, state.mux!.sweepAt.map({ earliest < $0 }) ?? true {
                state.mux!.sweepAt = earliest
                next = earliest
            }
            return (Array(due.values), next)
        }
        if let next { scheduleSweep(at: next) }
        for waiter in expired {
            waiter.reply.resume(
                throwing: NATSError(
                    code: .timeout,
                    message: "request to \(Subject.describe(waiter.subject)) timed out after \(waiter.timeout)"
                )
            )
        }
    }

    /// Sends a request with bytes.
    public func request(
        _ bytes: some Sequence<UInt8>,
        to subject: String,
        headers: NATSHeaders? = nil,
        timeout: Duration? = nil
    ) async throws -> NATSMessage {
        try await request(ByteBuffer(bytes: bytes), to: subject, headers: headers, timeout: timeout)
    }

    /// Sends a request with UTF-8 text.
    public func request(
        _ text: String,
        to subject: String,
        headers: NATSHeaders? = nil,
        timeout: Duration? = nil
    ) async throws -> NATSMessage {
        try await request(ByteBuffer(string: text), to: subject, headers: headers, timeout: timeout)
    }

    private func ensureMux() throws(NATSError) -> String {
        let (prefix, channel) = try state.withLock { state throws(NATSError) -> (String, (any Channel)?) in
            try state.checkOpen()
            if let mux = state.mux { return (mux.prefix, nil) }
            return (state.muxPrefix(inboxPrefix: options.inboxPrefix), state.takeFlushChannel())
        }
        if let channel { scheduleFlush(on: channel) }
        return prefix
    }

    /// A new request token: unique for the client's life, so a late reply never finds another
    /// request's waiter.
    private func newRequestToken() -> UInt64 {
        requestTokens.wrappingAdd(1, ordering: .relaxed).newValue
    }

    /// The token a mux reply subject ends in (decimal digits after the prefix); nil for anything else.
    static func requestToken(in subject: String, prefixLength: Int) -> UInt64? {
        var subject = subject
        return subject.withUTF8 { bytes -> UInt64? in
            guard bytes.count > prefixLength, bytes.count - prefixLength <= 19 else { return nil }
            var value: UInt64 = 0
            for byte in bytes[prefixLength...] {
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + UInt64(byte - UInt8(ascii: "0"))
            }
            return value
        }
    }

    private func failRequest(token: UInt64, _ error: any Error) {
        let waiter = state.withLock { $0.mux?.waiters.removeValue(forKey: token) }
        waiter?.reply.resume(throwing: error)
    }

    /// A new unique inbox subject.
    public func newInbox() -> String {
        NUID.inbox(prefix: options.inboxPrefix)
    }

    // MARK: inbound

    /// Handles one op of the connection of `generation` (on the event loop).
    func handle(_ op: ServerOp, generation: UInt64) {
        switch op {
        case .msg(let message):
            deliver(message, generation: generation)
        case .pong:
            let waiter = state.withLock { state -> PongWaiter? in
                guard state.lifecycle.liveGeneration == generation else { return nil }
                state.lifecycle.pongReceived(generation: generation)
                return state.pongWaiters.popFirst()
            }
            if case .flush(_, let continuation) = waiter { continuation.resume() }
        case .info(let info):
            handleAsyncInfo(info, generation: generation)
        case .err(let text):
            logger.warning("server error", metadata: ["error": "\(text)"])
            emit(.serverError(text))
        case .ok, .ping:
            break
        }
    }

    private func deliver(_ message: NATSMessage, generation: UInt64) {
        enum Route {
            case reply(ReplySink)
            case subscription(NATSSubscription, last: Bool)
            case none
        }
        let route = state.withLock { state -> Route in
            guard state.lifecycle.liveGeneration == generation else { return .none }
            state.statistics.inMessages += 1
            state.statistics.inBytes += message.payload.readableBytes
            if let mux = state.mux, message.sid == mux.sid {
                guard let token = Self.requestToken(in: message.subject, prefixLength: mux.prefix.utf8.count),
                    let waiter = state.mux?.waiters.removeValue(forKey: token)
                else { return .none }
                return .reply(waiter.reply)
            }
            guard var entry = state.subscriptions[message.sid] else { return .none }
            entry.delivered += 1
            if let max = entry.max, entry.delivered >= max {
                state.subscriptions[message.sid] = nil
                return .subscription(entry.subscription, last: true)
            }
            state.subscriptions[message.sid] = entry
            return .subscription(entry.subscription, last: false)
        }
        switch route {
        case .reply(let waiter):
            if message.status == 503 {
                waiter.resume(
                    throwing: NATSError(
                        code: .noResponders,
                        message:
                            "no responders for \(Subject.describe(message.headers?["Nats-Subject"] ?? "the request"))"
                    )
                )
            } else {
                waiter.resume(returning: message)
            }
        case .subscription(let subscription, let last):
            if subscription.deliver(message) > 0 {
                emit(.slowConsumer(subject: subscription.subject, dropped: subscription.droppedCount))
            }
            if last { subscription.finish(discardBuffered: false) }
        case .none:
            break
        }
    }

    private func handleAsyncInfo(_ info: ServerInfo, generation: UInt64) {
        let current = state.withLock { state -> Bool in
            guard state.lifecycle.liveGeneration == generation else { return false }
            state.info = info
            if let maxPayload = info.maxPayload {
                state.maxPayload = maxPayload
                maxPayloadMirror.store(maxPayload, ordering: .relaxed)
            }
            state.mergeDiscovered(info.connectURLs ?? [], ignore: options.ignoreDiscoveredServers)
            return true
        }
        if current, info.lameDuckMode == true { decide { $0.lameDuck(generation: generation) } }
    }

    /// Maps the text of a server `-ERR` to an error.
    static func errorForServerMessage(_ text: String) -> NATSError {
        let lower = text.lowercased()
        if lower.contains("authorization") || lower.contains("authentication") || lower.contains("user/account") {
            return NATSError(code: .authorization, message: "the server rejected the credentials: \(text)")
        }
        if lower.contains("tls required") || lower.contains("secure connection") {
            return NATSError(code: .tls, message: "the server requires TLS: \(text)")
        }
        return NATSError(code: .serverError, message: text)
    }
}

extension NATSClient.State {
    func checkOpen() throws(NATSError) {
        switch lifecycle.gate {
        case .open: return
        case .closed: throw NATSError(code: .connectionClosed, message: "the connection is closed")
        case .draining: throw NATSError(code: .draining, message: "the connection is draining")
        }
    }

    /// The channel to flush on, when a flush is not already scheduled; marks it scheduled.
    mutating func takeFlushChannel() -> (any Channel)? {
        guard let channel, !flushScheduled else { return nil }
        flushScheduled = true
        return channel
    }

    /// Appends a PUB/HPUB (subject and headers already validated, the headers encoded outside
    /// the lock) to what the next flush writes; returns the channel to flush when no flush is
    /// scheduled yet.
    /// - Throws: `.payloadTooLarge`; `.bufferFull` while disconnected with the reconnect buffer full.
    mutating func appendPublish(
        _ payload: ByteBuffer,
        to subject: String,
        replyTo: String?,
        headerBlock: ByteBuffer?,
        reconnectBufferSize: Int,
        buffered: Bool = true
    ) throws(NATSError) -> (any Channel)? {
        if !buffered && channel == nil {
            throw NATSError(
                code: .notConnected,
                message: "not connected (reconnecting); \(Subject.describe(subject)) not sent"
            )
        }
        let size = (headerBlock?.readableBytes ?? 0) + payload.readableBytes
        if size > maxPayload {
            throw NATSError(
                code: .payloadTooLarge,
                message:
                    "message to \(Subject.describe(subject)) is \(size) bytes; the server accepts at most \(maxPayload)"
            )
        }
        if channel == nil && pending.readableBytes + size > reconnectBufferSize {
            throw NATSError(
                code: .bufferFull,
                message:
                    "reconnect buffer full (\(reconnectBufferSize) bytes) while disconnected; publish to \(Subject.describe(subject)) not sent"
            )
        }
        pending.writePublish(subject: subject, replyTo: replyTo, headerBlock: headerBlock, payload: payload)
        statistics.outMessages += 1
        statistics.outBytes += payload.readableBytes
        return takeFlushChannel()
    }

    /// The request mux's reply prefix; the first call makes the mux and queues its SUB.
    mutating func muxPrefix(inboxPrefix: String) -> String {
        if let mux { return mux.prefix }
        let prefix = "\(inboxPrefix).\(NUID.next())."
        let sid = nextSID
        nextSID += 1
        mux = NATSClient.RequestMux(prefix: prefix, sid: sid)
        pending.writeSubscribe(subject: prefix + "*", queue: nil, sid: sid)
        return prefix
    }

    /// Adds a request waiter due at `deadline`; true when the timeout sweep must be scheduled
    /// for it (none is due by then).
    mutating func addWaiter(_ waiter: NATSClient.RequestWaiter, token: UInt64, deadline: NIODeadline) -> Bool {
        mux?.waiters[token] = waiter
        if let sweepAt = mux?.sweepAt, sweepAt <= deadline { return false }
        mux?.sweepAt = deadline
        return true
    }

    /// Adds advertised servers (`host:port`, no scheme) to the pool.
    mutating func mergeDiscovered(_ urls: [String], ignore: Bool) {
        guard !ignore else { return }
        lifecycle.merge(discovered: urls.compactMap { try? ServerURL(parsing: $0) })
    }
}

extension Duration {
    var nanoseconds: Int64 {
        components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000
    }
}

/// Where a request's reply goes: the one caller waiting for it, or its place in a group of
/// requests sent together (``NATSClient/requests(_:timeout:)``).
enum ReplySink: Sendable {
    case caller(CheckedContinuation<NATSMessage, any Error>)
    case member(RequestGroup, Int)

    func resume(returning message: NATSMessage) { resume(with: .success(message)) }

    func resume(throwing error: any Error) { resume(with: .failure(error)) }

    func resume(with result: Result<NATSMessage, any Error>) {
        switch self {
        case .caller(let continuation): continuation.resume(with: result)
        case .member(let group, let index): group.finish(index, result)
        }
    }
}

/// The replies of requests sent together; the caller resumes when the last one is in.
final class RequestGroup: Sendable {
    private struct Progress {
        var results: [Result<NATSMessage, any Error>?]
        var remaining: Int
        var continuation: CheckedContinuation<[Result<NATSMessage, any Error>], Never>?
    }

    private let progress: Mutex<Progress>

    init(count: Int, continuation: CheckedContinuation<[Result<NATSMessage, any Error>], Never>) {
        progress = Mutex(
            Progress(results: Array(repeating: nil, count: count), remaining: count, continuation: continuation)
        )
    }

    /// Records request `index`'s result (the first one counts); the last resumes the caller.
    func finish(_ index: Int, _ result: Result<NATSMessage, any Error>) {
        let done = progress.withLock {
            progress -> (
                CheckedContinuation<[Result<NATSMessage, any Error>], Never>, [Result<NATSMessage, any Error>]
            )? in
            guard progress.results[index] == nil else { return nil }
            progress.results[index] = result
            progress.remaining -= 1
            guard progress.remaining == 0, let continuation = progress.continuation else { return nil }
            progress.continuation = nil
            return (continuation, progress.results.map { $0! })
        }
        if let (continuation, results) = done { continuation.resume(returning: results) }
    }
}
