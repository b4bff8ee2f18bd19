import NIOCore

/// What the server sends.
public enum ServerOp: Sendable, Equatable {
    case info(ServerInfo)
    case msg(NATSMessage)
    case ping
    case pong
    case ok
    case err(String)
}

/// A message received on a subscription (MSG or HMSG).
public struct NATSMessage: Sendable, Equatable {
    public var subject: String
    /// The subscription id it was delivered on.
    public var sid: UInt64
    public var replyTo: String?
    public var headers: NATSHeaders?
    /// The payload, a slice of the bytes read from the socket (no copy).
    public var payload: ByteBuffer

    public init(subject: String, sid: UInt64, replyTo: String? = nil, headers: NATSHeaders? = nil, payload: ByteBuffer)
    {
        self.subject = subject
        self.sid = sid
        self.replyTo = replyTo
        self.headers = headers
        self.payload = payload
    }

    /// The inline status code, when the headers carry one (503, 404, 100 …).
    public var status: Int? { headers?.status }

    /// The payload bytes, copied.
    public var bytes: [UInt8] { Array(payload.readableBytesView) }

    /// The payload as UTF-8 text.
    public var string: String { String(buffer: payload) }
}

/// The server's INFO.
public struct ServerInfo: Sendable, Equatable, Codable {
    public var serverID: String?
    public var serverName: String?
    public var version: String?
    public var proto: Int?
    public var host: String?
    public var port: Int?
    public var headers: Bool?
    public var authRequired: Bool?
    public var tlsRequired: Bool?
    public var tlsAvailable: Bool?
    public var maxPayload: Int?
    public var jetStream: Bool?
    public var nonce: String?
    public var cluster: String?
    public var connectURLs: [String]?
    public var lameDuckMode: Bool?
    public var clientID: UInt64?
    public var clientIP: String?

    public init() {}

    enum CodingKeys: String, CodingKey {
        case serverID = "server_id"
        case serverName = "server_name"
        case version, proto, host, port, headers
        case authRequired = "auth_required"
        case tlsRequired = "tls_required"
        case tlsAvailable = "tls_available"
        case maxPayload = "max_payload"
        case jetStream = "jetstream"
        case nonce, cluster
        case connectURLs = "connect_urls"
        case lameDuckMode = "ldm"
        case clientID = "client_id"
        case clientIP = "client_ip"
    }
}
