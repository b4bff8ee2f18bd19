import DequeModule
import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

extension NATSClient {
    typealias Lifecycle = ConnectionLifecycle

    /// What an action list asks for that takes time: one at most.
    enum Step {
        case open(ServerURL, generation: UInt64)
        case wait(until: ContinuousClock.Instant)
    }

    /// What the state gave up for an action list, taken under the same lock the lifecycle decided
    /// under, to be acted on outside it.
    struct Taken {
        var flushes: [CheckedContinuation<Void, any Error>] = []
        var requests: [ReplySink] = []
        var subscriptions: [NATSSubscription] = []
        var streams: [AsyncStream<ConnectionEvent>.Continuation] = []
        /// The channel to close, with what was still buffered for it.
        var closing: (channel: any Channel, pending: ByteBuffer)?
        /// A channel to flush (a keepalive PING was buffered).
        var flush: (any Channel)?
        var stale: (any Channel)?
        var connector: Task<Void, Never>?
    }

    /// A weak hold on a client: the connector holds it only while it works, so a client released
    /// without `close()` stops reconnecting.
    struct WeakClient: Sendable {
        weak var client: NATSClient?
    }

    /// Runs the first pass over the pool in the caller's task.
    func connectFirst() async throws {
        let actions = decide { $0.start() }
        await Self.drive(WeakClient(client: self), actions)
        let failure = state.withLock { state -> NATSError? in
            if case .connected = state.lifecycle.phase { return nil }
            return state.closeError ?? NATSError(code: .connectionClosed, message: "the connection is closed")
        }
        if let failure { throw failure }
    }

    /// Asks the lifecycle under the lock, takes what its actions need there, and carries them out
    /// outside it. Returns the actions (for `drive`).
    @discardableResult
    func decide(_ event: (inout Lifecycle) -> [Lifecycle.Action]) -> [Lifecycle.Action] {
        let (actions, taken) = state.withLock { state -> ([Lifecycle.Action], Taken) in
            let actions = event(&state.lifecycle)
            return (actions, state.take(for: actions))
        }
        carryOut(actions, taken)
        return actions
    }

    /// The actions that need no waiting; the rest `drive` does.
    private func carryOut(_ actions: [Lifecycle.Action], _ taken: Taken) {
        for action in actions {
            switch action {
            case .failInFlight(let failure):
                let error = failure.error
                for flush in taken.flushes { flush.resume(throwing: error) }
                for request in taken.requests { request.resume(throwing: error) }
            case .emit(let event):
                switch event {
                case .disconnected(let server, let reason):
                    logger.info("disconnected", metadata: ["server": "\(server)", "reason": "\(reason)"])
                case .reconnected(let server):
                    logger.info("reconnected", metadata: ["server": "\(server)"])
                case .lameDuckMode(let server):
                    logger.info("server entered lame duck mode", metadata: ["server": "\(server)"])
                default: break
                }
                emit(event)
            case .sendPing:
                if let channel = taken.flush { scheduleFlush(on: channel) }
            case .closeTransport(_, let reason):
                logger.warning("\(reason)")
                taken.stale?.close(promise: nil)
            case .shutDown(let failure):
                let error = failure.error
                for flush in taken.flushes { flush.resume(throwing: error) }
                for request in taken.requests { request.resume(throwing: error) }
                for subscription in taken.subscriptions { subscription.finish(discardBuffered: false) }
                taken.connector?.cancel()
                if let (channel, pending) = taken.closing {
                    // Send what is buffered before closing.
                    if pending.readableBytes > 0 {
                        channel.writeAndFlush(pending).whenComplete { _ in channel.close(promise: nil) }
                    } else {
                        channel.close(promise: nil)
                    }
                }
                let reason: String? = {
                    if case .closed(let reason) = state.withLock({ $0.lifecycle.phase }) { return reason }
                    return nil
                }()
                for stream in taken.streams {
                    stream.yield(.closed(reason: reason))
                    stream.finish()
                }
            case .open, .retry, .promote, .discard, .beginDrain:
                break
            }
        }
    }

    /// Carries out the lifecycle's actions, opening connections and waiting between passes as
    /// it asks, each reporting back, until it asks for nothing that takes time.
    static func drive(_ weak: WeakClient, _ first: [Lifecycle.Action]) async {
        var actions = first
        while !Task.isCancelled {
            var step: Step?
            for action in actions {
                switch action {
                case .open(let server, let generation): step = .open(server, generation: generation)
                case .retry(let at): step = .wait(until: at)
                default: break
                }
            }
            switch step {
            case nil:
                return
            case .open(let server, let generation):
                guard let client = weak.client else { return }
                actions = await client.attempt(server, generation: generation)
            case .wait(let until):
                do { try await Task.sleep(until: until, clock: .continuous) } catch { return }
                guard let client = weak.client else { return }
                actions = client.decide { $0.retryDue(now: .now) }
            }
        }
    }

    /// One attempt: connect, handshake, promote. Returns what the lifecycle asks next.
    private func attempt(_ server: ServerURL, generation: UInt64) async -> [Lifecycle.Action] {
        do {
            let connection = try await establish(server, generation: generation)
            return promote(connection, generation: generation)
        } catch {
            let failure = error as? NATSError ?? NATSError(code: .connectionFailed, message: "\(error)")
            logger.debug("connect attempt failed", metadata: ["server": "\(server)", "error": "\(failure)"])
            state.withLock { $0.lastAttemptError = failure }
            return decide {
                $0.attemptFailed(
                    generation: generation,
                    Lifecycle.Failure(code: failure.code, message: failure.message),
                    final: failure.code == .authorization || failure.code == .tls,
                    now: .now,
                    jitter: Double.random(in: 0..<1)
                )
            }
        }
    }

    struct Established {
        var channel: any Channel
        var info: ServerInfo
        var server: ServerURL
    }

    /// Makes a handshaken connection the current one, if the lifecycle still wants it:
    /// re-subscribes everything and sends what was buffered.
    private func promote(_ connection: Established, generation: UInt64) -> [Lifecycle.Action] {
        let channel = connection.channel
        let (actions, taken, promoted) = state.withLock { state -> ([Lifecycle.Action], Taken, Bool) in
            let actions = state.lifecycle.handshakeSucceeded(
                generation: generation,
                now: .now,
                jitter: Double.random(in: 0..<1)
            )
            guard actions.contains(where: { if case .promote = $0 { true } else { false } }) else {
                return (actions, state.take(for: actions), false)
            }
            state.channel = channel
            state.lastAttemptError = nil
            state.info = connection.info
            state.server = connection.server
            state.maxPayload = connection.info.maxPayload ?? state.maxPayload
            maxPayloadMirror.store(state.maxPayload, ordering: .relaxed)
            state.mergeDiscovered(connection.info.connectURLs ?? [], ignore: options.ignoreDiscoveredServers)
            if actions.contains(.promote(connection.server, generation: generation, reconnected: true)) {
                state.statistics.reconnects += 1
            }
            // Subscriptions first, then what was published while away.
            var out = channel.allocator.buffer(capacity: 256 + state.pending.readableBytes)
            if let mux = state.mux { out.writeSubscribe(subject: mux.prefix + "*", queue: nil, sid: mux.sid) }
            for (sid, entry) in state.subscriptions.sorted(by: { $0.key < $1.key }) {
                out.writeSubscribe(subject: entry.subscription.subject, queue: entry.subscription.queue, sid: sid)
                if let max = entry.max { out.writeUnsubscribe(sid: sid, max: max - entry.delivered) }
            }
            out.writeBuffer(&state.pending)
            state.pending = out
            state.flushScheduled = true
            return (actions, state.take(for: actions), true)
        }
        guard promoted else {
            // Closed meanwhile, or the socket went away before it could be used.
            channel.close(promise: nil)
            carryOut(actions, taken)
            return actions
        }
        let keepalive = eventLoop.scheduleRepeatedTask(
            initialDelay: .nanoseconds(options.pingInterval.nanoseconds),
            delay: .nanoseconds(options.pingInterval.nanoseconds)
        ) { [weak self] _ in
            self?.decide { $0.pingDue(generation: generation) }
        }
        let replaced = state.withLock { state -> RepeatedTask? in
            guard state.lifecycle.liveGeneration == generation else { return keepalive }
            let old = state.keepalive
            state.keepalive = keepalive
            return old
        }
        replaced?.cancel()
        scheduleFlush(on: channel)
        logger.debug("connected", metadata: ["server": "\(connection.server)"])
        carryOut(actions, taken)
        return actions
    }

    /// The socket of `generation` closed (from its handler, on the event loop).
    func connectionLost(generation: UInt64, reason: String) {
        let actions = decide {
            $0.transportClosed(generation: generation, reason: reason, now: .now, jitter: Double.random(in: 0..<1))
        }
        guard actions.contains(where: { if case .open = $0 { true } else { false } }) else { return }
        // A reconnect: its passes run in a task of their own, owned by the client (close cancels
        // it) and holding it only while an attempt runs.
        let connector = Task { [weak self] in await Self.drive(WeakClient(client: self), actions) }
        let previous = state.withLock { state -> Task<Void, Never>? in
            let previous = state.connector
            state.connector = connector
            return previous
        }
        previous?.cancel()
        if state.withLock({ $0.lifecycle.isClosed }) { connector.cancel() }
    }

    /// Opens a connection to `server` and runs the handshake.
    private func establish(_ server: ServerURL, generation: UInt64) async throws -> Established {
        let infoPromise = eventLoop.makePromise(of: ServerInfo.self)
        let readyPromise = eventLoop.makePromise(of: Void.self)
        let bootstrap = ClientBootstrap(group: eventLoop)
            .connectTimeout(.nanoseconds(options.connectTimeout.nanoseconds))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { [weak self] channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        NATSChannelHandler(
                            client: self,
                            generation: generation,
                            infoPromise: infoPromise,
                            readyPromise: readyPromise
                        )
                    )
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(host: server.host, port: server.port).get()
        } catch {
            infoPromise.fail(error)
            readyPromise.fail(error)
            throw NATSError(
                code: .connectionFailed,
                message: "cannot reach \(server): \(Self.reason(error))",
                cause: SendableDescription(error)
            )
        }
        let opened = decide { $0.transportOpened(generation: generation) }
        if opened.contains(.discard(generation: generation)) {
            infoPromise.fail(NATSError(code: .connectionClosed, message: "the connection was closed while connecting"))
            readyPromise.fail(NATSError(code: .connectionClosed, message: "the connection was closed while connecting"))
            try? await channel.close()
            throw NATSError(code: .connectionClosed, message: "the connection was closed while connecting")
        }
        let timeout = eventLoop.scheduleTask(in: .nanoseconds(options.connectTimeout.nanoseconds)) {
            let error = NATSError(
                code: .timeout,
                message: "handshake with \(server) timed out after \(self.options.connectTimeout)"
            )
            infoPromise.fail(error)
            readyPromise.fail(error)
            channel.close(promise: nil)
        }
        defer { timeout.cancel() }
        let info: ServerInfo
        do {
            info = try await infoPromise.futureResult.get()
            let wantsTLS = server.tls || options.tls != nil
            if wantsTLS && info.tlsRequired != true && info.tlsAvailable != true {
                throw NATSError(code: .tls, message: "TLS was asked for, but \(server) does not offer TLS")
            }
            if wantsTLS || info.tlsRequired == true {
                let (context, hostname) = try makeTLSContext(for: server)
                try await channel.eventLoop.submit {
                    let handler = try NIOSSLClientHandler(context: context, serverHostname: hostname)
                    try channel.pipeline.syncOperations.addHandler(handler, position: .first)
                }.get()
            }
            var hello = channel.allocator.buffer(capacity: 256)
            hello.writeConnect(try connectJSON(info: info, server: server))
            hello.writePing()
            do {
                try await channel.writeAndFlush(hello)
            } catch {
                // The channel died (a TLS handshake failure, say): the handler knows why.
                try await readyPromise.futureResult.get()
                throw error
            }
            try await readyPromise.futureResult.get()
        } catch {
            try? await channel.close()
            if let error = error as? NATSError { throw error }
            throw NATSError(
                code: .connectionFailed,
                message: "handshake with \(server) failed",
                cause: SendableDescription(error)
            )
        }
        return Established(channel: channel, info: info, server: server)
    }

    private func makeTLSContext(for server: ServerURL) throws -> (NIOSSLContext, String?) {
        let settings = options.tls ?? NATSTLSOptions()
        var configuration = TLSConfiguration.makeClientConfiguration()
        do {
            if let caFile = settings.caFile { configuration.trustRoots = .file(caFile) }
            if let certificateFile = settings.certificateFile {
                configuration.certificateChain = try NIOSSLCertificate.fromPEMFile(certificateFile).map {
                    .certificate($0)
                }
            }
            if let keyFile = settings.keyFile {
                configuration.privateKey = .privateKey(try NIOSSLPrivateKey(file: keyFile, format: .pem))
            }
            if settings.insecureSkipVerify { configuration.certificateVerification = .none }
            let context = try NIOSSLContext(configuration: configuration)
            let isIPAddress = server.host.contains(":") || server.host.allSatisfy { $0.isNumber || $0 == "." }
            return (context, isIPAddress ? nil : server.host)
        } catch {
            throw NATSError(code: .tls, message: "cannot set up TLS for \(server): \(error)")
        }
    }

    private func connectJSON(info: ServerInfo, server: ServerURL) throws -> String {
        var request = ConnectRequest(name: options.name, echo: options.echo)
        request.tlsRequired = server.tls || options.tls != nil
        if let user = server.user ?? options.user {
            request.user = user
            request.pass = server.password ?? options.password
        } else if let token = server.token ?? options.token {
            request.authToken = token
        }
        try NATSCredentials.sign(&request, options: options, nonce: info.nonce)
        let data = try JSONEncoder().encode(request)
        return String(decoding: data, as: UTF8.self)
    }

    /// Closes the connection: subscriptions end, requests and flushes in flight fail with
    /// `.connectionClosed`, event streams finish. Calling it again does nothing. Returns once
    /// what was buffered has been written and the socket is closed.
    public func close() async {
        await close(reason: nil)
    }

    /// Starts closing, as `close()` does, without waiting for the socket to close: for places
    /// where nothing can be awaited (`defer`).
    public func closeNow() {
        decide { $0.close(reason: nil) }
    }

    func close(reason: String?) async {
        let channel = state.withLock { $0.channel }
        decide { $0.close(reason: reason) }
        try? await channel?.closeFuture.get()
    }

    /// Drains: every subscription stops receiving new messages but delivers what it has, what
    /// was published is flushed, and the connection closes. Not connected, there is nothing to
    /// drain to: the client closes.
    public func drain() async {
        let channel = state.withLock { $0.channel }
        let actions = decide { $0.drain() }
        if actions.contains(.beginDrain) {
            let sids = state.withLock { Array($0.subscriptions.keys) }
            for sid in sids { enqueueControl { $0.writeUnsubscribe(sid: sid, max: nil) } }
            try? await flush()
            let subscriptions = state.withLock { state -> [NATSSubscription] in
                let subscriptions = state.subscriptions.values.map(\.subscription)
                state.subscriptions.removeAll()
                return subscriptions
            }
            for subscription in subscriptions { subscription.finish(discardBuffered: false) }
            decide { $0.drainFinished() }
        }
        try? await channel?.closeFuture.get()
    }
}

extension NATSClient.State {
    /// Takes, for `actions`, what they act on: the waiters to fail, the channel to close, the
    /// subscriptions and event streams to end. Runs under the lock the lifecycle decided under.
    mutating func take(for actions: [ConnectionLifecycle.Action]) -> NATSClient.Taken {
        var taken = NATSClient.Taken()
        for action in actions {
            switch action {
            case .failInFlight:
                channel = nil
                keepalive?.cancel()
                keepalive = nil
                flushScheduled = false
                takeWaiters(into: &taken)
            case .sendPing:
                pending.writePing()
                pongWaiters.append(.keepalive)
                taken.flush = takeFlushChannel()
            case .closeTransport:
                taken.stale = channel
            case .shutDown:
                keepalive?.cancel()
                keepalive = nil
                if let channel {
                    taken.closing = (channel, pending)
                    pending.clear()
                }
                channel = nil
                takeWaiters(into: &taken)
                taken.subscriptions = subscriptions.values.map(\.subscription)
                subscriptions.removeAll()
                taken.streams = Array(eventStreams.values)
                eventStreams.removeAll()
                taken.connector = connector
                connector = nil
                if closeError == nil, case .shutDown(let failure) = action {
                    closeError =
                        lastAttemptError?.message == failure.message
                        ? lastAttemptError
                        : NATSError(code: failure.code, message: failure.message, cause: lastAttemptError)
                }
            case .open, .promote, .discard, .emit, .retry, .beginDrain:
                break
            }
        }
        return taken
    }

    private mutating func takeWaiters(into taken: inout NATSClient.Taken) {
        for waiter in pongWaiters {
            if case .flush(_, let continuation) = waiter { taken.flushes.append(continuation) }
        }
        pongWaiters.removeAll()
        taken.requests = mux?.waiters.values.map(\.reply) ?? []
        mux?.waiters.removeAll()
    }
}

/// CONNECT's JSON.
struct ConnectRequest: Encodable {
    var verbose = false
    var pedantic = false
    var tlsRequired = false
    var name: String?
    var lang = "swift"
    var version = "0.1.0"
    var `protocol` = 1
    var echo: Bool
    var headers = true
    var noResponders = true
    var user: String?
    var pass: String?
    var authToken: String?
    var nkey: String?
    var sig: String?
    var jwt: String?

    init(name: String?, echo: Bool) {
        self.name = name
        self.echo = echo
    }

    enum CodingKeys: String, CodingKey {
        case verbose, pedantic
        case tlsRequired = "tls_required"
        case name, lang, version
        case `protocol`
        case echo, headers
        case noResponders = "no_responders"
        case user, pass
        case authToken = "auth_token"
        case nkey, sig, jwt
    }
}

/// An error's description, as a `Sendable` cause.
extension NATSClient {
    /// A socket error in a few words: "connection refused", "timed out", the system's text.
    static func reason(_ error: any Error) -> String {
        if let error = error as? NIOConnectionError {
            if let first = error.connectionErrors.first { return reason(first.error) }
            if let resolution = error.dnsAAAAError ?? error.dnsAError { return "cannot resolve: \(resolution)" }
            return "no address to connect to"
        }
        if let error = error as? IOError {
            return String(cString: strerror(error.errnoCode)).lowercased()
        }
        if let error = error as? ChannelError, case .connectTimeout(let after) = error {
            return "timed out after \(after.nanoseconds / 1_000_000) ms"
        }
        return "\(error)"
    }
}

struct SendableDescription: Error, Sendable, CustomStringConvertible {
    var description: String
    init(_ error: any Error) { description = "\(error)" }
}
