import Logging
import NIOCore

/// How a `NATSClient` connects. A value with defaults; set what you need.
///
/// Defaults follow nats.go where the NATS notes give them (ping every 2 min, 2 pings out, 2 s
/// connect timeout, 8 MiB reconnect buffer), with exponential backoff and jitter for reconnects
/// as ADR-40 asks.
public struct NATSOptions: Sendable {
    /// Server URLs; credentials in a URL (`nats://user:pass@host:4222`) are used for that server.
    public var servers: [String]
    /// The connection name the server shows.
    public var name: String?
    public var user: String?
    public var password: String?
    public var token: String?
    /// An NKey seed (`SU…`) to sign the server's nonce with.
    public var nkeySeed: String?
    /// A `.creds` file (user JWT plus NKey seed).
    public var credentialsFile: String?
    /// TLS settings; also used when a server requires TLS.
    public var tls: NATSTLSOptions?
    /// Whether the server echoes this connection's own publishes to its own subscriptions.
    public var echo: Bool = true
    /// Time allowed for one connect (TCP, TLS, INFO, CONNECT/PONG).
    public var connectTimeout: Duration = .seconds(2)
    public var pingInterval: Duration = .seconds(120)
    /// Unanswered keepalive pings before the connection counts as stale.
    public var maxPingsOut: Int = 2
    public var reconnect: ReconnectPolicy = ReconnectPolicy()
    /// Bytes of publishes held while reconnecting; beyond it publishes fail with `.bufferFull`.
    public var reconnectBufferSize: Int = 8 * 1024 * 1024
    /// Default timeout for `request`.
    public var requestTimeout: Duration = .seconds(5)
    /// Messages a subscription buffers before it drops (slow consumer).
    public var subscriptionPendingLimit: Int = 65_536
    /// Ignore the servers the cluster advertises in INFO.
    public var ignoreDiscoveredServers: Bool = false
    /// Keep the configured order of servers instead of shuffling them.
    public var noRandomize: Bool = false
    /// Inbox prefix for request/reply.
    public var inboxPrefix: String = "_INBOX"
    /// The event loop the connection runs on; nil takes the next loop of NIO's shared group.
    /// Clients that talk to each other in one process (a requester and its responder) answer
    /// sooner on one loop: a message between them then wakes one thread, not two.
    ///
    /// It must be a loop of a NIOPosix `MultiThreadedEventLoopGroup` (the connection is made with
    /// `ClientBootstrap`), and its group must outlive the client: once the group is shut down,
    /// what the client schedules on the loop (flushes, keepalives, request timeouts, tasks that
    /// prefer ``NATSClient/taskExecutor``) is dropped, and requests wait for ever.
    public var eventLoop: (any EventLoop)?
    public var logger: Logger

    public init(
        servers: [String] = ["nats://127.0.0.1:4222"],
        logger: Logger = Logger(label: "aether.nats", factory: { _ in SwiftLogNoOpLogHandler() })
    ) {
        self.servers = servers
        self.logger = logger
    }

    /// Options for one server URL.
    public init(url: String) {
        self.init(servers: [url])
    }
}

/// When and how often to reconnect.
public struct ReconnectPolicy: Sendable, Equatable {
    public var enabled: Bool = true
    /// Full passes over the server pool before giving up; nil reconnects forever.
    public var maxAttempts: Int? = nil
    /// The wait after the first failed pass; doubles each pass up to `maxDelay`.
    public var initialDelay: Duration = .milliseconds(100)
    public var maxDelay: Duration = .seconds(2)
    /// A random extra wait up to this, so many clients do not reconnect in step.
    public var jitter: Duration = .milliseconds(100)

    public init() {}

    /// The wait after `pass` failed passes (1-based), without jitter.
    public func delay(afterPass pass: Int) -> Duration {
        var delay = initialDelay
        var remaining = pass - 1
        while remaining > 0 && delay < maxDelay {
            delay *= 2
            remaining -= 1
        }
        return min(delay, maxDelay)
    }
}

/// TLS settings. Certificates and keys are PEM files.
public struct NATSTLSOptions: Sendable {
    /// A CA bundle to verify the server with (instead of the system's).
    public var caFile: String?
    public var certificateFile: String?
    public var keyFile: String?
    /// Skip verifying the server's certificate (tests only).
    public var insecureSkipVerify: Bool = false
    /// Start TLS before the server's INFO (server `handshake_first`).
    public var handshakeFirst: Bool = false

    public init(caFile: String? = nil, certificateFile: String? = nil, keyFile: String? = nil) {
        self.caFile = caFile
        self.certificateFile = certificateFile
        self.keyFile = keyFile
    }
}

/// A change in a client's connection.
public enum ConnectionEvent: Sendable, Equatable {
    /// The first event of every `events()` stream: where the connection is now.
    case snapshot(ConnectionStatus)
    case connected(server: String)
    case disconnected(server: String, reason: String)
    case reconnecting(attempt: Int)
    case reconnected(server: String)
    /// The server entered lame-duck mode and will close this connection soon.
    case lameDuckMode(server: String)
    /// A subscription dropped messages because its reader was too slow.
    case slowConsumer(subject: String, dropped: Int)
    /// The server reported an error that did not close the connection (permissions …).
    case serverError(String)
    case closed(reason: String?)
}

/// Where a connection is.
public enum ConnectionStatus: Sendable, Equatable, CustomStringConvertible {
    case connecting
    case connected(server: String)
    case reconnecting(attempt: Int)
    case draining
    case closed

    public var description: String {
        switch self {
        case .connecting: return "connecting"
        case .connected(let server): return "connected to \(server)"
        case .reconnecting(let attempt): return "reconnecting (attempt \(attempt))"
        case .draining: return "draining"
        case .closed: return "closed"
        }
    }
}
