/// An error from the NATS client: a code to match on, a message naming the subject, server or
/// stream involved, and an optional cause. Messages never contain credentials.
public struct NATSError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }

        /// A subject is empty, has whitespace or empty tokens, or has wildcards where none are allowed.
        public static let invalidSubject = Code("invalidSubject")
        /// A header name or value cannot be sent.
        public static let invalidHeader = Code("invalidHeader")
        /// A message is larger than the server's `max_payload`.
        public static let payloadTooLarge = Code("payloadTooLarge")
        /// Nobody is subscribed to the request's subject (status 503).
        public static let noResponders = Code("noResponders")
        /// A request or operation did not complete in time.
        public static let timeout = Code("timeout")
        /// The connection is closed (by `close()`, or after giving up reconnecting).
        public static let connectionClosed = Code("connectionClosed")
        /// The connection was lost while the operation was in flight.
        public static let disconnected = Code("disconnected")
        /// No server could be reached.
        public static let connectionFailed = Code("connectionFailed")
        /// The server rejected the credentials.
        public static let authorization = Code("authorization")
        /// TLS could not be set up.
        public static let tls = Code("tls")
        /// The server or the bytes broke the protocol.
        public static let protocolError = Code("protocolError")
        /// The server reported an error (`-ERR`).
        public static let serverError = Code("serverError")
        /// The publish buffer used while reconnecting is full.
        public static let bufferFull = Code("bufferFull")
        /// The client is reconnecting and the publish or request asked not to wait in the
        /// reconnect buffer: nothing was sent.
        public static let notConnected = Code("notConnected")
        /// The subscription or connection is draining and takes no new work.
        public static let draining = Code("draining")
        /// A JetStream API error; see `apiError`.
        public static let jetStream = Code("jetStream")
        /// An expectation header failed: wrong last sequence (JetStream 10071 or 10164).
        public static let wrongLastSequence = Code("wrongLastSequence")
        /// Something named does not exist (stream, consumer, message, key).
        public static let notFound = Code("notFound")
        /// A KV key or bucket name is invalid.
        public static let invalidKey = Code("invalidKey")
        /// Credentials could not be read or parsed.
        public static let invalidCredentials = Code("invalidCredentials")

        public var description: String { name }
    }

    /// The error object of a JetStream API reply.
    public struct APIError: Sendable, Hashable, Codable, CustomStringConvertible {
        /// HTTP-like status (400, 404, 503 …).
        public var code: Int
        /// The stable JetStream error code (10071 …). Match on this, never on `description`.
        public var errCode: Int
        public var description: String

        public init(code: Int, errCode: Int, description: String) {
            self.code = code
            self.errCode = errCode
            self.description = description
        }

        enum CodingKeys: String, CodingKey {
            case code
            case errCode = "err_code"
            case description
        }
    }

    public var code: Code
    public var message: String
    public var apiError: APIError?
    public var cause: (any Error & Sendable)?

    public init(code: Code, message: String, apiError: APIError? = nil, cause: (any Error & Sendable)? = nil) {
        self.code = code
        self.message = message
        self.apiError = apiError
        self.cause = cause
    }

    /// The code and message; the cause only when the message does not already say it.
    public var description: String {
        var text = "\(code): \(message)"
        if let apiError { text += " (err_code \(apiError.errCode))" }
        if let cause {
            let causeMessage = (cause as? NATSError)?.message ?? "\(cause)"
            if !message.contains(causeMessage) { text += " (cause: \(cause))" }
        }
        return text
    }
}
