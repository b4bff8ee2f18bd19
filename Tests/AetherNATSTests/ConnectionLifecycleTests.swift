import Testing

@testable import AetherNATS

/// The connection's life without a server or a clock: every input is given, every output read.
@Suite("Connection lifecycle (pure)")
struct ConnectionLifecycleTests {
    typealias Lifecycle = ConnectionLifecycle
    let a = try! ServerURL(parsing: "nats://a:4222")
    let b = try! ServerURL(parsing: "nats://b:4222")
    let c = try! ServerURL(parsing: "nats://c:4222")
    let t0 = ContinuousClock.now

    func policy(maxPasses: Int? = nil, reconnect: Bool = true) -> Lifecycle.Policy {
        var policy = Lifecycle.Policy()
        policy.reconnect.enabled = reconnect
        policy.reconnect.maxAttempts = maxPasses
        policy.reconnect.initialDelay = .milliseconds(100)
        policy.reconnect.maxDelay = .seconds(2)
        policy.reconnect.jitter = .milliseconds(100)
        policy.maxPingsOut = 2
        return policy
    }

    func failure(_ text: String) -> Lifecycle.Failure { Lifecycle.Failure(code: .connectionFailed, message: text) }

    /// A lifecycle connected to `a` (generation 1).
    func connected(_ policy: Lifecycle.Policy? = nil) -> Lifecycle {
        var life = Lifecycle(pool: [a, b, c], policy: policy ?? self.policy())
        _ = life.start()
        _ = life.transportOpened(generation: 1)
        _ = life.handshakeSucceeded(generation: 1, now: t0, jitter: 0)
        return life
    }

    @Test("the first pass tries each server once in order; the first to answer is connected")
    func firstPass() {
        var life = Lifecycle(pool: [a, b, c], policy: policy())
        #expect(life.status == .connecting)
        #expect(life.start() == [.open(a, generation: 1)])
        #expect(
            life.attemptFailed(generation: 1, failure("a refused"), now: t0, jitter: 0.5) == [.open(b, generation: 2)]
        )
        #expect(life.transportOpened(generation: 2) == [])
        #expect(life.status == .connecting)
        #expect(
            life.handshakeSucceeded(generation: 2, now: t0, jitter: 0)
                == [.promote(b, generation: 2, reconnected: false), .emit(.connected(server: b.description))]
        )
        #expect(life.status == .connected(server: b.description))
        #expect(life.liveGeneration == 2)
    }

    @Test("a first pass where every server fails closes with each server's reason once")
    func firstPassFails() {
        var life = Lifecycle(pool: [a, b], policy: policy())
        _ = life.start()
        _ = life.attemptFailed(generation: 1, failure("cannot reach a: refused"), now: t0, jitter: 0)
        let last = life.attemptFailed(generation: 2, failure("cannot reach b: timed out"), now: t0, jitter: 0)
        #expect(
            last == [
                .shutDown(
                    Lifecycle.Failure(
                        code: .connectionFailed,
                        message: "could not connect to any server: cannot reach a: refused; cannot reach b: timed out"
                    )
                )
            ]
        )
        #expect(life.isClosed)
        // One server: its own failure, not a summary.
        var single = Lifecycle(pool: [a], policy: policy())
        _ = single.start()
        #expect(
            single.attemptFailed(generation: 1, failure("cannot reach a"), now: t0, jitter: 0) == [
                .shutDown(failure("cannot reach a"))
            ]
        )
    }

    @Test("rejected credentials end the first pass at once: the next server would say the same")
    func authorizationIsFinal() {
        var life = Lifecycle(pool: [a, b, c], policy: policy())
        _ = life.start()
        let denied = Lifecycle.Failure(code: .authorization, message: "the server rejected the credentials")
        #expect(life.attemptFailed(generation: 1, denied, final: true, now: t0, jitter: 0) == [.shutDown(denied)])
        #expect(life.isClosed)
    }

    @Test("a lost connection fails what was in flight and reconnects, the lost server last")
    func lostConnectionReconnects() {
        var life = connected()
        let actions = life.transportClosed(generation: 1, reason: "EOF", now: t0, jitter: 0)
        #expect(
            actions == [
                .failInFlight(Lifecycle.Failure(code: .disconnected, message: "connection to \(a) lost: EOF")),
                .emit(.disconnected(server: a.description, reason: "EOF")),
                .emit(.reconnecting(attempt: 1)),
                .open(b, generation: 2),
            ]
        )
        #expect(life.status == .reconnecting(attempt: 1))
        #expect(
            life.attemptFailed(generation: 2, failure("b refused"), now: t0, jitter: 0) == [.open(c, generation: 3)]
        )
        #expect(
            life.attemptFailed(generation: 3, failure("c refused"), now: t0, jitter: 0) == [.open(a, generation: 4)]
        )
        _ = life.transportOpened(generation: 4)
        #expect(
            life.handshakeSucceeded(generation: 4, now: t0, jitter: 0)
                == [.promote(a, generation: 4, reconnected: true), .emit(.reconnected(server: a.description))]
        )
    }

    @Test("backoff doubles per failed pass up to the maximum, plus a jitter within its bound")
    func backoffAndJitter() {
        var life = connected()
        _ = life.transportClosed(generation: 1, reason: "EOF", now: t0, jitter: 0)
        var now = t0
        var waits: [Duration] = []
        var generation: UInt64 = 2
        for pass in 1...7 {
            // Three servers fail in each pass; the last failure schedules the retry.
            _ = life.attemptFailed(generation: generation, failure("x"), now: now, jitter: 0)
            _ = life.attemptFailed(generation: generation + 1, failure("x"), now: now, jitter: 0)
            let end = life.attemptFailed(generation: generation + 2, failure("x"), now: now, jitter: 0)
            guard case .retry(let at) = end.first else {
                Issue.record("pass \(pass) ended with \(end)")
                return
            }
            waits.append(now.duration(to: at))
            #expect(life.status == .reconnecting(attempt: pass))
            // Too early: still waiting.
            #expect(life.retryDue(now: at - .milliseconds(1)) == [.retry(at: at)])
            now = at
            let next = life.retryDue(now: now)
            #expect(next.first == .emit(.reconnecting(attempt: pass + 1)))
            generation += 3
        }
        #expect(
            waits == [
                .milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(800), .milliseconds(1600),
                .seconds(2), .seconds(2),
            ]
        )
        // Jitter adds its fraction of the policy's jitter, never more, never less than nothing.
        #expect(life.retryDelay(afterPass: 1, jitter: 0) == .milliseconds(100))
        #expect(life.retryDelay(afterPass: 1, jitter: 0.5) == .milliseconds(150))
        #expect(life.retryDelay(afterPass: 1, jitter: 0.999) < .milliseconds(200))
        #expect(life.retryDelay(afterPass: 1, jitter: 7) == .milliseconds(200))
        #expect(life.retryDelay(afterPass: 1, jitter: -1) == .milliseconds(100))
        #expect(life.retryDelay(afterPass: 40, jitter: 1) == .milliseconds(2100))
    }

    @Test("after the last allowed pass the client gives up and closes")
    func maxPasses() {
        var life = connected(policy(maxPasses: 2))
        _ = life.transportClosed(generation: 1, reason: "EOF", now: t0, jitter: 0)
        _ = life.attemptFailed(generation: 2, failure("x"), now: t0, jitter: 0)
        _ = life.attemptFailed(generation: 3, failure("x"), now: t0, jitter: 0)
        guard case .retry(let at) = life.attemptFailed(generation: 4, failure("x"), now: t0, jitter: 0).first else {
            Issue.record("no retry after pass 1")
            return
        }
        _ = life.retryDue(now: at)
        _ = life.attemptFailed(generation: 5, failure("x"), now: at, jitter: 0)
        _ = life.attemptFailed(generation: 6, failure("x"), now: at, jitter: 0)
        let last = life.attemptFailed(generation: 7, failure("x"), now: at, jitter: 0)
        #expect(
            last == [
                .shutDown(
                    Lifecycle.Failure(
                        code: .connectionClosed,
                        message: "the connection is closed: gave up reconnecting after 2 passes over 3 servers"
                    )
                )
            ]
        )
        #expect(life.isClosed)
    }

    @Test("reconnect off: a lost connection closes the client")
    func reconnectOff() {
        var life = connected(policy(reconnect: false))
        let actions = life.transportClosed(generation: 1, reason: "EOF", now: t0, jitter: 0)
        #expect(
            actions.last
                == .shutDown(
                    Lifecycle.Failure(
                        code: .connectionClosed,
                        message: "the connection is closed: disconnected and reconnect is off"
                    )
                )
        )
        #expect(life.isClosed)
    }

    @Test("a drain during a reconnect closes (nothing to drain to); a loss during a drain ends it, never reconnects")
    func drainAndReconnect() {
        var life = connected()
        _ = life.transportClosed(generation: 1, reason: "EOF", now: t0, jitter: 0)
        #expect(
            life.drain() == [
                .shutDown(
                    Lifecycle.Failure(
                        code: .connectionClosed,
                        message: "the connection is closed: drained while not connected"
                    )
                )
            ]
        )
        #expect(life.isClosed)
        // The attempt that was running reports back late: nothing happens.
        #expect(life.attemptFailed(generation: 2, failure("x"), now: t0, jitter: 0) == [])
        #expect(life.handshakeSucceeded(generation: 2, now: t0, jitter: 0) == [.discard(generation: 2)])

        var draining = connected()
        #expect(draining.drain() == [.beginDrain])
        #expect(draining.status == .draining)
        #expect(draining.drain() == [])
        let lost = draining.transportClosed(generation: 1, reason: "EOF", now: t0, jitter: 0)
        #expect(lost.count == 1)
        guard case .shutDown = lost.first else {
            Issue.record("a loss while draining gave \(lost)")
            return
        }
        #expect(draining.isClosed)
        #expect(draining.drainFinished() == [])

        var finished = connected()
        _ = finished.drain()
        #expect(
            finished.drainFinished() == [
                .shutDown(Lifecycle.Failure(code: .connectionClosed, message: "the connection is closed: drained"))
            ]
        )
    }

    @Test("keepalive: a PING per tick while PONGs come; after the limit unanswered, the socket is closed as stale")
    func stalePings() {
        var life = connected()
        #expect(life.pingDue(generation: 1) == [.sendPing(generation: 1)])
        life.pongReceived(generation: 1)
        #expect(life.pingDue(generation: 1) == [.sendPing(generation: 1)])
        #expect(life.pingDue(generation: 1) == [.sendPing(generation: 1)])
        #expect(life.pingsOut == 2)
        #expect(
            life.pingDue(generation: 1) == [
                .closeTransport(generation: 1, reason: "stale connection: no PONG to 2 pings")
            ]
        )
        // A PONG or a timer of an older connection changes nothing.
        life.pongReceived(generation: 0)
        #expect(life.pingsOut == 2)
        #expect(life.pingDue(generation: 0) == [])
        // The close comes back as a lost connection and reconnects with a fresh count.
        let actions = life.transportClosed(generation: 1, reason: "stale", now: t0, jitter: 0)
        #expect(actions.last == .open(b, generation: 2))
        #expect(life.pingsOut == 0)
    }

    @Test("lame duck is reported for the current connection only; the connection is kept until the server closes it")
    func lameDuck() {
        let life = connected()
        #expect(life.lameDuck(generation: 1) == [.emit(.lameDuckMode(server: a.description))])
        #expect(life.lameDuck(generation: 7) == [])
        #expect(life.status == .connected(server: a.description))
    }

    @Test("a socket that closes between the handshake's PONG and the attempt's report fails the attempt")
    func closeDuringHandshake() {
        var life = Lifecycle(pool: [a, b], policy: policy())
        _ = life.start()
        _ = life.transportOpened(generation: 1)
        #expect(life.transportClosed(generation: 1, reason: "EOF", now: t0, jitter: 0) == [])
        let actions = life.handshakeSucceeded(generation: 1, now: t0, jitter: 0)
        #expect(actions == [.discard(generation: 1), .open(b, generation: 2)])
        #expect(life.liveGeneration == nil)
    }

    @Test("close in every state: closed once, later reports ignored")
    func closeEverywhere() {
        func closes(_ life: inout Lifecycle, _ state: String) {
            let actions = life.close(reason: "bye")
            #expect(
                actions == [
                    .shutDown(Lifecycle.Failure(code: .connectionClosed, message: "the connection is closed: bye"))
                ],
                "close while \(state)"
            )
            #expect(life.isClosed, "closed after close while \(state)")
            #expect(life.close(reason: "again") == [], "second close while \(state)")
            #expect(life.transportClosed(generation: life.generation, reason: "EOF", now: t0, jitter: 0) == [])
            #expect(life.retryDue(now: t0 + .seconds(60)) == [])
            #expect(life.pingDue(generation: life.generation) == [])
            #expect(life.drain() == [])
        }
        var idle = Lifecycle(pool: [a], policy: policy())
        closes(&idle, "idle")
        #expect(idle.start() == [])

        var connecting = Lifecycle(pool: [a, b], policy: policy())
        _ = connecting.start()
        closes(&connecting, "connecting")
        #expect(connecting.transportOpened(generation: 1) == [.discard(generation: 1)])

        var handshaking = Lifecycle(pool: [a, b], policy: policy())
        _ = handshaking.start()
        _ = handshaking.transportOpened(generation: 1)
        closes(&handshaking, "handshaking")
        #expect(handshaking.handshakeSucceeded(generation: 1, now: t0, jitter: 0) == [.discard(generation: 1)])

        var live = connected()
        closes(&live, "connected")

        var waiting = connected()
        _ = waiting.transportClosed(generation: 1, reason: "EOF", now: t0, jitter: 0)
        _ = waiting.attemptFailed(generation: 2, failure("x"), now: t0, jitter: 0)
        _ = waiting.attemptFailed(generation: 3, failure("x"), now: t0, jitter: 0)
        _ = waiting.attemptFailed(generation: 4, failure("x"), now: t0, jitter: 0)
        #expect(waiting.status == .reconnecting(attempt: 1))
        closes(&waiting, "waiting between reconnect passes")

        var draining = connected()
        _ = draining.drain()
        closes(&draining, "draining")
    }

    @Test("servers the cluster advertises join the pool once, and are tried on reconnect")
    func discovered() {
        var life = Lifecycle(pool: [a], policy: policy())
        _ = life.start()
        _ = life.transportOpened(generation: 1)
        _ = life.handshakeSucceeded(generation: 1, now: t0, jitter: 0)
        life.merge(discovered: [try! ServerURL(parsing: "a:4222"), try! ServerURL(parsing: "d:4222")])
        #expect(life.pool.map(\.host) == ["a", "d"])
        #expect(life.pool.last?.discovered == true)
        let actions = life.transportClosed(generation: 1, reason: "EOF", now: t0, jitter: 0)
        #expect(actions.last == .open(life.pool[1], generation: 2))
    }
}
