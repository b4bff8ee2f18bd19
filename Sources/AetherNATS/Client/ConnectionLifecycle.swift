/// The life of one client's connection, as a pure state machine.
///
/// Every transition of a `NATSClient`'s connection is decided here: the first pass over the
/// servers, the handshake, a lost connection, reconnect passes with backoff and jitter, keepalive
/// pings, drain and close. Time is an input (`now`), and so is randomness (`jitter`, a fraction in
/// 0..<1), so the whole life can be replayed in a test without a server or a clock. The client
/// interprets the returned actions: it opens sockets, sleeps, writes and fails waiters.
///
/// Generations tell connections apart: each attempt gets a new one, and an event that names an
/// older generation (a socket closing late, a handshake that finished after its attempt was given
/// up) changes nothing except, where needed, closing that late socket.
struct ConnectionLifecycle: Sendable, Equatable {
    struct Policy: Sendable, Equatable {
        var reconnect = ReconnectPolicy()
        var maxPingsOut = 2

        init() {}

        init(options: NATSOptions) {
            reconnect = options.reconnect
            maxPingsOut = options.maxPingsOut
        }
    }

    /// One try of one server: the TCP connect, then the handshake.
    struct Attempt: Sendable, Equatable {
        var server: ServerURL
        var generation: UInt64
        /// 0 for the first pass (`connect`), 1… for reconnect passes.
        var pass: Int
        /// The servers this pass still has to try after this one.
        var rest: [ServerURL]
        /// The socket closed after the handshake's last step was read but before the attempt was
        /// reported done: the attempt fails when it is.
        var lostReason: String?
    }

    enum Phase: Sendable, Equatable {
        /// Made; nothing tried yet.
        case idle
        case connecting(Attempt)
        case handshaking(Attempt)
        case connected(server: ServerURL, generation: UInt64)
        /// Between passes: the next pass starts at `retryAt`.
        case reconnecting(pass: Int, retryAt: ContinuousClock.Instant)
        case draining(server: ServerURL, generation: UInt64)
        case closed(reason: String?)
    }

    /// Why something failed, as the client will report it.
    struct Failure: Sendable, Equatable {
        var code: NATSError.Code
        var message: String

        var error: NATSError { NATSError(code: code, message: message) }
    }

    enum Action: Sendable, Equatable {
        /// Open a socket to `server` and run the handshake; report `transportOpened`, then
        /// `handshakeSucceeded` or `attemptFailed`, with this generation.
        case open(ServerURL, generation: UInt64)
        /// The handshake of `generation` is done and it is the current connection now:
        /// re-subscribe, send what was buffered, start the keepalive.
        case promote(ServerURL, generation: UInt64, reconnected: Bool)
        /// A connection whose attempt is over (it finished too late): close it, use nothing of it.
        case discard(generation: UInt64)
        /// Requests and flushes in flight on the lost connection fail with this.
        case failInFlight(Failure)
        case emit(ConnectionEvent)
        case sendPing(generation: UInt64)
        /// Close the socket of `generation` (stale); its close comes back as `transportClosed`.
        case closeTransport(generation: UInt64, reason: String)
        /// Wait until `at`, then report `retryDue`.
        case retry(at: ContinuousClock.Instant)
        /// Stop taking subscriptions' new messages, flush, then report `drainFinished`.
        case beginDrain
        /// The client is closed: close the socket (after sending what is buffered), fail every
        /// waiter with `failure`, end subscriptions and event streams, stop any retry.
        case shutDown(Failure)
    }

    let policy: Policy
    private(set) var phase: Phase = .idle {
        didSet {
            switch phase {
            case .connected(_, let generation):
                gate = .open
                liveGeneration = generation
            case .draining(_, let generation):
                gate = .draining
                liveGeneration = generation
            case .closed:
                gate = .closed
                liveGeneration = nil
            case .idle, .connecting, .handshaking, .reconnecting:
                gate = .open
                liveGeneration = nil
            }
        }
    }

    /// Whether publishes are taken: kept with `phase`, so the checks made for every message
    /// read one word rather than copy the phase (its server URL's strings) each time.
    enum Gate: Sendable, Equatable {
        case open
        case draining
        case closed
    }

    private(set) var gate = Gate.open
    /// The generation of the connection in use (connected or draining), if any; kept with `phase`.
    private(set) var liveGeneration: UInt64?
    /// The servers to try, in order; grows with servers the cluster advertises.
    private(set) var pool: [ServerURL]
    /// The server of the last connection that was made (tried last on reconnect).
    private(set) var lastServer: ServerURL?
    private(set) var generation: UInt64 = 0
    private(set) var pingsOut = 0
    /// The first pass's failures, one line per server.
    private(set) var startFailures: [String] = []

    init(pool: [ServerURL], policy: Policy) {
        self.pool = pool
        self.policy = policy
    }

    // MARK: reading

    var status: ConnectionStatus {
        switch phase {
        case .idle: return .connecting
        case .connecting(let attempt), .handshaking(let attempt):
            return attempt.pass == 0 ? .connecting : .reconnecting(attempt: attempt.pass)
        case .connected(let server, _): return .connected(server: server.description)
        case .reconnecting(let pass, _): return .reconnecting(attempt: pass)
        case .draining: return .draining
        case .closed: return .closed
        }
    }

    var isClosed: Bool { gate == .closed }

    // MARK: events

    /// `connect` was called: the first pass over the pool, in its order.
    mutating func start() -> [Action] {
        guard case .idle = phase, let first = pool.first else {
            if case .idle = phase {
                phase = .closed(reason: "no server URLs given")
                return [.shutDown(Failure(code: .connectionFailed, message: "no server URLs given"))]
            }
            return []
        }
        return begin(Attempt(server: first, generation: nextGeneration(), pass: 0, rest: Array(pool.dropFirst())))
    }

    /// The socket of `generation` is open; the handshake starts.
    mutating func transportOpened(generation: UInt64) -> [Action] {
        guard case .connecting(let attempt) = phase, attempt.generation == generation, attempt.lostReason == nil else {
            return [.discard(generation: generation)]
        }
        phase = .handshaking(attempt)
        return []
    }

    /// The handshake of `generation` is done.
    mutating func handshakeSucceeded(generation: UInt64, now: ContinuousClock.Instant, jitter: Double) -> [Action] {
        guard case .handshaking(let attempt) = phase, attempt.generation == generation else {
            return [.discard(generation: generation)]
        }
        if let reason = attempt.lostReason {
            return [.discard(generation: generation)]
                + attemptFailed(
                    generation: generation,
                    Failure(code: .connectionFailed, message: "\(attempt.server) closed the connection: \(reason)"),
                    now: now,
                    jitter: jitter
                )
        }
        phase = .connected(server: attempt.server, generation: generation)
        lastServer = attempt.server
        pingsOut = 0
        startFailures = []
        let event: ConnectionEvent =
            attempt.pass == 0
            ? .connected(server: attempt.server.description) : .reconnected(server: attempt.server.description)
        return [.promote(attempt.server, generation: generation, reconnected: attempt.pass > 0), .emit(event)]
    }

    /// The attempt of `generation` failed. `final` failures (credentials, TLS) end the first pass
    /// at once: the next server would say the same. `jitter` is a fraction in 0..<1.
    mutating func attemptFailed(
        generation: UInt64,
        _ failure: Failure,
        final: Bool = false,
        now: ContinuousClock.Instant,
        jitter: Double
    ) -> [Action] {
        let attempt: Attempt
        switch phase {
        case .connecting(let current) where current.generation == generation: attempt = current
        case .handshaking(let current) where current.generation == generation: attempt = current
        default: return []
        }
        if attempt.pass == 0 {
            startFailures.append(failure.message)
            if final {
                phase = .closed(reason: failure.message)
                return [.shutDown(failure)]
            }
        }
        if let next = attempt.rest.first {
            return begin(
                Attempt(
                    server: next,
                    generation: nextGeneration(),
                    pass: attempt.pass,
                    rest: Array(attempt.rest.dropFirst())
                )
            )
        }
        // The pass is over.
        if attempt.pass == 0 {
            let summary =
                startFailures.count == 1
                ? failure
                : Failure(
                    code: .connectionFailed,
                    message: "could not connect to any server: \(startFailures.joined(separator: "; "))"
                )
            phase = .closed(reason: summary.message)
            return [.shutDown(summary)]
        }
        if let max = policy.reconnect.maxAttempts, attempt.pass >= max {
            let reason = "gave up reconnecting after \(attempt.pass) passes over \(pool.count) servers"
            phase = .closed(reason: reason)
            return [.shutDown(Failure(code: .connectionClosed, message: "the connection is closed: \(reason)"))]
        }
        let at = now + retryDelay(afterPass: attempt.pass, jitter: jitter)
        phase = .reconnecting(pass: attempt.pass, retryAt: at)
        return [.retry(at: at)]
    }

    /// The wait after failed pass `pass`: the backoff plus `jitter` (0..<1) of the policy's jitter.
    func retryDelay(afterPass pass: Int, jitter: Double) -> Duration {
        let fraction = Swift.min(Swift.max(jitter, 0), 1)
        return policy.reconnect.delay(afterPass: pass) + policy.reconnect.jitter * fraction
    }

    /// The wait between passes is over: the next pass starts.
    mutating func retryDue(now: ContinuousClock.Instant) -> [Action] {
        guard case .reconnecting(let pass, let at) = phase else { return [] }
        guard now >= at else { return [.retry(at: at)] }
        return beginPass(pass + 1)
    }

    /// The socket of `generation` closed (the server went away, a write failed, a stale close).
    mutating func transportClosed(
        generation: UInt64,
        reason: String,
        now: ContinuousClock.Instant,
        jitter: Double
    )
        -> [Action]
    {
        switch phase {
        case .connected(let server, let current) where current == generation:
            let failure = Failure(code: .disconnected, message: "connection to \(server) lost: \(reason)")
            var actions: [Action] = [
                .failInFlight(failure), .emit(.disconnected(server: server.description, reason: reason)),
            ]
            guard policy.reconnect.enabled else {
                let why = "disconnected and reconnect is off"
                phase = .closed(reason: why)
                actions.append(.shutDown(Failure(code: .connectionClosed, message: "the connection is closed: \(why)")))
                return actions
            }
            return actions + beginPass(1)
        case .draining(let server, let current) where current == generation:
            // Nothing more can be drained: the drain ends here, not in a reconnect.
            let why = "connection to \(server) lost while draining: \(reason)"
            phase = .closed(reason: why)
            return [.shutDown(Failure(code: .connectionClosed, message: "the connection is closed: \(why)"))]
        case .connecting(var attempt) where attempt.generation == generation:
            // The attempt itself sees its socket fail and reports it.
            attempt.lostReason = reason
            phase = .connecting(attempt)
            return []
        case .handshaking(var attempt) where attempt.generation == generation:
            attempt.lostReason = reason
            phase = .handshaking(attempt)
            return []
        default:
            return []
        }
    }

    /// The keepalive timer of `generation` fired.
    mutating func pingDue(generation: UInt64) -> [Action] {
        guard case .connected(_, let current) = phase, current == generation else { return [] }
        if pingsOut >= policy.maxPingsOut {
            return [
                .closeTransport(
                    generation: generation,
                    reason: "stale connection: no PONG to \(policy.maxPingsOut) pings"
                )
            ]
        }
        pingsOut += 1
        return [.sendPing(generation: generation)]
    }

    /// A PONG came on `generation`.
    mutating func pongReceived(generation: UInt64) {
        guard liveGeneration == generation else { return }
        pingsOut = 0
    }

    /// The server of `generation` entered lame-duck mode. The connection is kept until the server
    /// closes it; the close reconnects elsewhere as any other loss does.
    func lameDuck(generation: UInt64) -> [Action] {
        guard case .connected(let server, let current) = phase, current == generation else { return [] }
        return [.emit(.lameDuckMode(server: server.description))]
    }

    /// Servers the cluster advertised (already parsed).
    mutating func merge(discovered: [ServerURL]) {
        for var url in discovered where !pool.contains(where: { ServerURL.sameEndpoint($0, url) }) {
            url.discovered = true
            url.tls = pool.first?.tls ?? false
            pool.append(url)
        }
    }

    /// `drain` was called.
    mutating func drain() -> [Action] {
        switch phase {
        case .connected(let server, let generation):
            phase = .draining(server: server, generation: generation)
            return [.beginDrain]
        case .draining, .closed:
            return []
        case .idle, .connecting, .handshaking, .reconnecting:
            // No server to drain to: what is buffered cannot be delivered.
            let why = "drained while not connected"
            phase = .closed(reason: why)
            return [.shutDown(Failure(code: .connectionClosed, message: "the connection is closed: \(why)"))]
        }
    }

    /// The drain flushed what it could.
    mutating func drainFinished() -> [Action] {
        guard case .draining = phase else { return [] }
        phase = .closed(reason: "drained")
        return [.shutDown(Failure(code: .connectionClosed, message: "the connection is closed: drained"))]
    }

    /// `close` was called, or the client was released without it.
    mutating func close(reason: String?) -> [Action] {
        if case .closed = phase { return [] }
        phase = .closed(reason: reason)
        let message = reason.map { "the connection is closed: \($0)" } ?? "the connection is closed"
        return [.shutDown(Failure(code: .connectionClosed, message: message))]
    }

    // MARK: steps

    private mutating func nextGeneration() -> UInt64 {
        generation += 1
        return generation
    }

    private mutating func begin(_ attempt: Attempt) -> [Action] {
        phase = .connecting(attempt)
        return [.open(attempt.server, generation: attempt.generation)]
    }

    /// A reconnect pass: every server, the one last used at the end.
    private mutating func beginPass(_ pass: Int) -> [Action] {
        var order = pool
        if let lastServer, let index = order.firstIndex(where: { ServerURL.sameEndpoint($0, lastServer) }) {
            order.append(order.remove(at: index))
        }
        pingsOut = 0
        guard let first = order.first else {
            phase = .closed(reason: "no server to reconnect to")
            return [.shutDown(Failure(code: .connectionClosed, message: "the connection is closed: no server"))]
        }
        let attempt = Attempt(server: first, generation: nextGeneration(), pass: pass, rest: Array(order.dropFirst()))
        return [.emit(.reconnecting(attempt: pass))] + begin(attempt)
    }
}
