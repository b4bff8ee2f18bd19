import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

extension NATSClient {
    /// Tries each server of the pool once.
    func connectFirst() async throws {
        let pool = state.withLock { $0.pool }
        var failures: [String] = []
        var lastError: NATSError?
        for server in pool {
            do {
                try await establish(server)
                emit(.connected(server: server.description))
                return
            } catch let error as NATSError {
                // Bad credentials or TLS trouble are final: the next server would say the same.
                if error.code == .authorization || error.code == .tls {
                    state.withLock {
                        $0.closed = true
                        $0.status = .closed
                    }
                    throw error
                }
                lastError = error
                failures.append(error.message)
            }
        }
        state.withLock { state in
            state.closed = true
            state.status = .closed
        }
        // Each failure names its server and its reason once; the last one's cause is kept for
        // code that inspects it, not repeated in the text.
        if failures.count == 1, let lastError { throw lastError }
        throw NATSError(
            code: .connectionFailed,
            message: "could not connect to any server: \(failures.joined(separator: "; "))",
            cause: lastError
        )
    }

    /// Opens a connection to `server`, runs the handshake and makes it the current one:
    /// re-subscribes everything and sends what was buffered.
    func establish(_ server: ServerURL) async throws {
        let generation = state.withLock { state -> UInt64 in
            state.generation += 1
            return state.generation
        }
        let infoPromise = eventLoop.makePromise(of: ServerInfo.self)
        let readyPromise = eventLoop.makePromise(of: Void.self)
        let bootstrap = ClientBootstrap(group: eventLoop)
            .connectTimeout(.nanoseconds(options.connectTimeout.nanoseconds))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(NATSFrameDecoder()))
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
        let keepalive = eventLoop.scheduleRepeatedTask(
            initialDelay: .nanoseconds(options.pingInterval.nanoseconds),
            delay: .nanoseconds(options.pingInterval.nanoseconds)
        ) { [weak self] _ in
            self?.keepaliveTick(generation: generation)
        }
        let promoted = state.withLock { state -> Bool in
            guard !state.closed, state.generation == generation else { return false }
            state.channel = channel
            state.info = info
            state.server = server
            state.status = .connected(server: server.description)
            state.maxPayload = info.maxPayload ?? state.maxPayload
            state.pingsOut = 0
            state.keepalive?.cancel()
            state.keepalive = keepalive
            state.mergeDiscovered(info.connectURLs ?? [], ignore: options.ignoreDiscoveredServers)
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
            return true
        }
        guard promoted else {
            keepalive.cancel()
            try? await channel.close()
            throw NATSError(code: .connectionClosed, message: "the connection was closed while connecting")
        }
        scheduleFlush(on: channel)
        logger.debug("connected", metadata: ["server": "\(server)"])
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

    private func keepaliveTick(generation: UInt64) {
        enum Action {
            case none
            case ping(any Channel)
            case stale(any Channel)
        }
        let action = state.withLock { state -> Action in
            guard state.generation == generation, let channel = state.channel else { return .none }
            if state.pingsOut >= options.maxPingsOut { return .stale(channel) }
            state.pingsOut += 1
            state.pending.writePing()
            state.pongWaiters.append(.keepalive)
            return state.takeFlushChannel().map { .ping($0) } ?? .none
        }
        switch action {
        case .none: break
        case .ping(let channel): scheduleFlush(on: channel)
        case .stale(let channel):
            logger.warning("stale connection: no PONG to \(options.maxPingsOut) pings")
            channel.close(promise: nil)
        }
    }

    /// The connection of `generation` is gone: fail what was in flight and start reconnecting.
    func connectionLost(generation: UInt64, reason: String) {
        let lost = state.withLock {
            state -> (
                server: String, waiters: [NATSClient.PongWaiter],
                requests: [CheckedContinuation<NATSMessage, any Error>]
            )? in
            guard !state.closed, state.generation == generation, state.channel != nil else { return nil }
            state.channel = nil
            state.keepalive?.cancel()
            state.keepalive = nil
            state.flushScheduled = false
            state.status = .reconnecting(attempt: 1)
            let waiters = Array(state.pongWaiters)
            state.pongWaiters.removeAll()
            let requests = Array(state.mux?.waiters.values ?? [:].values)
            state.mux?.waiters.removeAll()
            return (state.server?.description ?? "?", waiters, requests)
        }
        guard let lost else { return }
        logger.info("disconnected", metadata: ["server": "\(lost.server)", "reason": "\(reason)"])
        let error = NATSError(code: .disconnected, message: "connection to \(lost.server) lost: \(reason)")
        for waiter in lost.waiters {
            if case .flush(_, let continuation) = waiter { continuation.resume(throwing: error) }
        }
        for request in lost.requests { request.resume(throwing: error) }
        emit(.disconnected(server: lost.server, reason: reason))
        guard options.reconnect.enabled else {
            Task { await self.close(reason: "disconnected and reconnect is off") }
            return
        }
        let task = Task { await self.reconnectLoop() }
        state.withLock { $0.reconnectTask = task }
    }

    private func reconnectLoop() async {
        var pass = 0
        while !Task.isCancelled {
            pass += 1
            let (pool, closed) = state.withLock { state -> ([ServerURL], Bool) in
                if !state.closed { state.status = .reconnecting(attempt: pass) }
                // Try the other servers before the one just lost.
                var pool = state.pool
                if let current = state.server,
                    let index = pool.firstIndex(where: { ServerURL.sameEndpoint($0, current) })
                {
                    pool.append(pool.remove(at: index))
                }
                return (pool, state.closed)
            }
            if closed { return }
            emit(.reconnecting(attempt: pass))
            for server in pool {
                if Task.isCancelled { return }
                do {
                    try await establish(server)
                    state.withLock { $0.statistics.reconnects += 1 }
                    logger.info("reconnected", metadata: ["server": "\(server)"])
                    emit(.reconnected(server: server.description))
                    return
                } catch {
                    logger.debug("reconnect attempt failed", metadata: ["server": "\(server)", "error": "\(error)"])
                }
            }
            if let max = options.reconnect.maxAttempts, pass >= max {
                await close(reason: "gave up reconnecting after \(pass) passes over \(pool.count) servers")
                return
            }
            let jitterNanos = options.reconnect.jitter.nanoseconds
            let jitter = jitterNanos > 0 ? Int64.random(in: 0...jitterNanos) : 0
            try? await Task.sleep(for: options.reconnect.delay(afterPass: pass) + .nanoseconds(jitter))
        }
    }

    /// Closes the connection: subscriptions end, requests and flushes in flight fail with
    /// `.connectionClosed`, event streams finish. Calling it again does nothing.
    public func close() async {
        await close(reason: nil)
    }

    func close(reason: String?) async {
        let taken = state.withLock {
            state -> (
                channel: (any Channel)?, task: Task<Void, Never>?, waiters: [NATSClient.PongWaiter],
                requests: [CheckedContinuation<NATSMessage, any Error>], subscriptions: [NATSSubscription],
                streams: [AsyncStream<ConnectionEvent>.Continuation]
            )? in
            if state.closed { return nil }
            state.closed = true
            state.status = .closed
            state.keepalive?.cancel()
            state.keepalive = nil
            let channel = state.channel
            state.channel = nil
            let waiters = Array(state.pongWaiters)
            state.pongWaiters.removeAll()
            let requests = Array(state.mux?.waiters.values ?? [:].values)
            state.mux?.waiters.removeAll()
            let subscriptions = state.subscriptions.values.map(\.subscription)
            state.subscriptions.removeAll()
            let streams = Array(state.eventStreams.values)
            state.eventStreams.removeAll()
            let task = state.reconnectTask
            state.reconnectTask = nil
            return (channel, task, waiters, requests, subscriptions, streams)
        }
        guard let taken else { return }
        let error = NATSError(
            code: .connectionClosed,
            message: reason.map { "the connection is closed: \($0)" } ?? "the connection is closed"
        )
        for waiter in taken.waiters {
            if case .flush(_, let continuation) = waiter { continuation.resume(throwing: error) }
        }
        for request in taken.requests { request.resume(throwing: error) }
        for subscription in taken.subscriptions { subscription.finish(discardBuffered: false) }
        taken.task?.cancel()
        if let channel = taken.channel {
            // Send what is buffered before closing.
            let pending = state.withLock { state -> ByteBuffer in
                let out = state.pending
                state.pending.clear()
                return out
            }
            if pending.readableBytes > 0 { try? await channel.writeAndFlush(pending) }
            try? await channel.close()
        }
        for stream in taken.streams {
            stream.yield(.closed(reason: reason))
            stream.finish()
        }
    }

    /// Drains: every subscription stops receiving new messages but delivers what it has, what
    /// was published is flushed, and the connection closes.
    public func drain() async {
        let sids = state.withLock { state -> [UInt64] in
            if state.closed { return [] }
            state.status = .draining
            return Array(state.subscriptions.keys)
        }
        for sid in sids { enqueueControl { $0.writeUnsubscribe(sid: sid, max: nil) } }
        try? await flush()
        let subscriptions = state.withLock { state -> [NATSSubscription] in
            let subscriptions = state.subscriptions.values.map(\.subscription)
            state.subscriptions.removeAll()
            return subscriptions
        }
        for subscription in subscriptions { subscription.finish(discardBuffered: false) }
        await close(reason: "drained")
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
