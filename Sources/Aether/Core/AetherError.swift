/// An error from Aether: a code to match on, a message that names the actor, namespace or
/// subject involved, optional structured details and an optional underlying cause.
///
/// Match on `code`, never on `message`:
/// ```swift
/// catch let error as AetherError where error.code == .versionConflict { … }
/// ```
public struct AetherError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is. New codes may be added.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case versionConflict
            case invalidNamespace
            case invalidActorID
            case invalidEventType
            case invalidEvent
            case invalidPattern
            case invalidJSON
            case payloadTooLarge
            case undecodable
            case corruptSnapshot
            case unavailable
            case timeout
            case closed
            case notFound
            case backend
            case invalidArgument
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// A save's version is not greater than the actor's latest version.
        public static let versionConflict = Code(.versionConflict)
        /// A namespace (or namespace pattern) breaks the naming rules.
        public static let invalidNamespace = Code(.invalidNamespace)
        /// An actor ID is empty, too long, or has control characters.
        public static let invalidActorID = Code(.invalidActorID)
        /// An event type is empty or has unprintable characters.
        public static let invalidEventType = Code(.invalidEventType)
        /// An event is malformed in another way (id empty, version ≤ 0, events of several actors in one batch).
        public static let invalidEvent = Code(.invalidEvent)
        /// A subscription pattern is malformed.
        public static let invalidPattern = Code(.invalidPattern)
        /// JSON text could not be parsed or has the wrong shape.
        public static let invalidJSON = Code(.invalidJSON)
        /// An event or snapshot is larger than the backend accepts.
        public static let payloadTooLarge = Code(.payloadTooLarge)
        /// A stored record could not be decoded.
        public static let undecodable = Code(.undecodable)
        /// A snapshot failed its checksum or could not be decoded.
        public static let corruptSnapshot = Code(.corruptSnapshot)
        /// The backend (NATS, JetStream) cannot be reached or has no leader.
        public static let unavailable = Code(.unavailable)
        /// An operation did not complete in time.
        public static let timeout = Code(.timeout)
        /// The store, bus or subscription was closed.
        public static let closed = Code(.closed)
        /// Something named does not exist.
        public static let notFound = Code(.notFound)
        /// Any other failure reported by a backend.
        public static let backend = Code(.backend)
        /// An argument other than the ones above is not valid (a node ID, a setting).
        public static let invalidArgument = Code(.invalidArgument)

        public var description: String { base.rawValue }
    }

    /// Structured details for the errors that carry them.
    public enum Details: Sendable, Equatable {
        case versionConflict(actorID: String, currentVersion: Int64, attemptedVersion: Int64)
        case jsonPosition(offset: Int, line: Int, column: Int)
        /// A write failed before anything was sent (not connected, or a read it needed
        /// first failed): nothing was stored. Without it, a failed write's outcome is unknown
        /// unless its code says otherwise (a timeout after sending may still be stored).
        case nothingSent
    }

    public var code: Code
    public var message: String
    public var details: Details?
    public var cause: (any Error & Sendable)?

    public init(code: Code, message: String, details: Details? = nil, cause: (any Error & Sendable)? = nil) {
        self.code = code
        self.message = message
        self.details = details
        self.cause = cause
    }

    /// The code and message; the cause only when the message does not already say it.
    public var description: String {
        if let cause {
            let causeMessage = (cause as? any MessageBearingError)?.message ?? "\(cause)"
            if !message.contains(causeMessage) { return "\(code): \(message) (cause: \(cause))" }
        }
        return "\(code): \(message)"
    }

    /// The version-conflict details, when this is a version conflict.
    public var versionConflict: (actorID: String, currentVersion: Int64, attemptedVersion: Int64)? {
        if case .versionConflict(let actorID, let current, let attempted) = details {
            return (actorID, current, attempted)
        }
        return nil
    }

    /// A version conflict: the original's message,
    /// `version conflict: actor "<id>" has version <cur>, cannot save version <attempted>`.
    public static func versionConflict(actorID: String, currentVersion: Int64, attemptedVersion: Int64) -> AetherError {
        AetherError(
            code: .versionConflict,
            message:
                "version conflict: actor \"\(actorID)\" has version \(currentVersion), cannot save version \(attemptedVersion)",
            details: .versionConflict(
                actorID: actorID,
                currentVersion: currentVersion,
                attemptedVersion: attemptedVersion
            )
        )
    }

    /// Wraps a JSON parse error, keeping its position.
    public static func invalidJSON(_ error: JSONParseError, what: String) -> AetherError {
        AetherError(
            code: .invalidJSON,
            message: "\(what): \(error)",
            details: .jsonPosition(offset: error.offset, line: error.line, column: error.column),
            cause: error
        )
    }
}

/// An error whose `message` is its text without its code: a wrapping error that already quotes
/// it does not repeat it as its cause.
public protocol MessageBearingError: Error {
    var message: String { get }
}

extension AetherError: MessageBearingError {}
