import Foundation
import NIOCore

/// A stream's configuration (the JSON names of nats-server's `StreamConfig`). Durations are
/// nanoseconds on the wire; here they are `Duration`s.
public struct StreamConfig: Sendable, Equatable, Codable {
    public enum Retention: String, Sendable, Codable { case limits, interest, workqueue }
    public enum Storage: String, Sendable, Codable { case file, memory }
    public enum Discard: String, Sendable, Codable { case old, new }

    public var name: String
    public var subjects: [String]?
    public var retention: Retention = .limits
    public var storage: Storage = .file
    public var replicas: Int = 1
    public var maxMessages: Int64 = -1
    public var maxBytes: Int64 = -1
    /// Nanoseconds; 0 is unlimited.
    public var maxAgeNanos: Int64 = 0
    public var maxMessagesPerSubject: Int64 = -1
    public var maxMessageSize: Int32 = -1
    public var discard: Discard = .old
    public var duplicateWindowNanos: Int64?
    public var allowDirect: Bool = false
    public var allowRollup: Bool = false
    public var denyDelete: Bool = false
    public var denyPurge: Bool = false
    public var allowMessageTTL: Bool = false
    public var subjectDeleteMarkerTTLNanos: Int64?
    public var allowAtomic: Bool = false
    public var description: String?

    public init(name: String, subjects: [String]? = nil) {
        self.name = name
        self.subjects = subjects
    }

    /// Max age as a duration (nil for unlimited).
    public var maxAge: Duration? {
        get { maxAgeNanos == 0 ? nil : .nanoseconds(maxAgeNanos) }
        set { maxAgeNanos = newValue?.nanoseconds ?? 0 }
    }

    enum CodingKeys: String, CodingKey {
        case name, subjects, retention, storage, discard, description
        case replicas = "num_replicas"
        case maxMessages = "max_msgs"
        case maxBytes = "max_bytes"
        case maxAgeNanos = "max_age"
        case maxMessagesPerSubject = "max_msgs_per_subject"
        case maxMessageSize = "max_msg_size"
        case duplicateWindowNanos = "duplicate_window"
        case allowDirect = "allow_direct"
        case allowRollup = "allow_rollup_hdrs"
        case denyDelete = "deny_delete"
        case denyPurge = "deny_purge"
        case allowMessageTTL = "allow_msg_ttl"
        case subjectDeleteMarkerTTLNanos = "subject_delete_marker_ttl"
        case allowAtomic = "allow_atomic"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        subjects = try container.decodeIfPresent([String].self, forKey: .subjects)
        retention = try container.decodeIfPresent(Retention.self, forKey: .retention) ?? .limits
        storage = try container.decodeIfPresent(Storage.self, forKey: .storage) ?? .file
        replicas = try container.decodeIfPresent(Int.self, forKey: .replicas) ?? 1
        maxMessages = try container.decodeIfPresent(Int64.self, forKey: .maxMessages) ?? -1
        maxBytes = try container.decodeIfPresent(Int64.self, forKey: .maxBytes) ?? -1
        maxAgeNanos = try container.decodeIfPresent(Int64.self, forKey: .maxAgeNanos) ?? 0
        maxMessagesPerSubject = try container.decodeIfPresent(Int64.self, forKey: .maxMessagesPerSubject) ?? -1
        maxMessageSize = try container.decodeIfPresent(Int32.self, forKey: .maxMessageSize) ?? -1
        discard = try container.decodeIfPresent(Discard.self, forKey: .discard) ?? .old
        duplicateWindowNanos = try container.decodeIfPresent(Int64.self, forKey: .duplicateWindowNanos)
        allowDirect = try container.decodeIfPresent(Bool.self, forKey: .allowDirect) ?? false
        allowRollup = try container.decodeIfPresent(Bool.self, forKey: .allowRollup) ?? false
        denyDelete = try container.decodeIfPresent(Bool.self, forKey: .denyDelete) ?? false
        denyPurge = try container.decodeIfPresent(Bool.self, forKey: .denyPurge) ?? false
        allowMessageTTL = try container.decodeIfPresent(Bool.self, forKey: .allowMessageTTL) ?? false
        subjectDeleteMarkerTTLNanos = try container.decodeIfPresent(Int64.self, forKey: .subjectDeleteMarkerTTLNanos)
        allowAtomic = try container.decodeIfPresent(Bool.self, forKey: .allowAtomic) ?? false
        description = try container.decodeIfPresent(String.self, forKey: .description)
    }
}

/// A stream's state.
public struct StreamState: Sendable, Equatable, Codable {
    public var messages: UInt64
    public var bytes: UInt64
    public var firstSequence: UInt64
    public var lastSequence: UInt64
    public var subjectCount: Int?
    public var consumerCount: Int

    enum CodingKeys: String, CodingKey {
        case messages, bytes
        case firstSequence = "first_seq"
        case lastSequence = "last_seq"
        case subjectCount = "num_subjects"
        case consumerCount = "consumer_count"
    }
}

/// `STREAM.INFO`'s reply.
public struct StreamInfo: Sendable, Equatable, Codable {
    public var config: StreamConfig
    public var state: StreamState
    public var cluster: ClusterInfo?

    public struct ClusterInfo: Sendable, Equatable, Codable {
        public var name: String?
        /// The server leading the stream; nil while it has no leader.
        public var leader: String?
        /// The other replicas: whether each is current, and how far behind.
        public var replicas: [Replica]?

        public struct Replica: Sendable, Equatable, Codable {
            public var name: String
            public var current: Bool
            /// Set when the server holding it is gone.
            public var offline: Bool?
            /// Nanoseconds since it was last heard from.
            public var active: Int64?
            public var lag: UInt64?
        }
    }
}

/// A publish acknowledgement.
public struct PubAck: Sendable, Equatable, Codable {
    public var stream: String
    public var sequence: UInt64
    /// The message id was seen within the duplicate window; `sequence` is the original's.
    public var duplicate: Bool
    /// For an atomic batch: its id and message count.
    public var batch: String?
    public var count: Int?

    enum CodingKeys: String, CodingKey {
        case stream
        case sequence = "seq"
        case duplicate, batch, count
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        stream = try container.decode(String.self, forKey: .stream)
        sequence = try container.decode(UInt64.self, forKey: .sequence)
        duplicate = try container.decodeIfPresent(Bool.self, forKey: .duplicate) ?? false
        batch = try container.decodeIfPresent(String.self, forKey: .batch)
        count = try container.decodeIfPresent(Int.self, forKey: .count)
    }
}

extension PubAck {
    /// Reads the ack the server sends on every publish, `{"stream":"S","seq":N}` with optional
    /// `duplicate`, `batch`, `count` (and fields it does not need, like `domain`), straight from
    /// the bytes: the hot path of every save. Returns nil for anything else, an error reply
    /// included (a nested value, an escaped string, a missing field); the caller then decodes
    /// the reply in full.
    init?(flatJSON bytes: some Collection<UInt8>) {
        var stream: String?
        var sequence: UInt64?
        var duplicate = false
        var batch: String?
        var count: Int?
        var scanner = FlatJSONScanner(Array(bytes))
        guard scanner.take(UInt8(ascii: "{")) else { return nil }
        if !scanner.take(UInt8(ascii: "}")) {
            repeat {
                guard let key = scanner.string(), scanner.take(UInt8(ascii: ":")), let value = scanner.scalar() else {
                    return nil
                }
                switch (key, value) {
                case ("stream", .string(let text)): stream = text
                case ("seq", .integer(let number)): sequence = number
                case ("duplicate", .bool(let flag)): duplicate = flag
                case ("batch", .string(let text)): batch = text
                case ("count", .integer(let number)): count = Int(exactly: number)
                case ("stream", _), ("seq", _), ("duplicate", _), ("batch", _), ("count", _): return nil
                default: break
                }
            } while scanner.take(UInt8(ascii: ","))
            guard scanner.take(UInt8(ascii: "}")) else { return nil }
        }
        guard scanner.atEnd, let stream, let sequence else { return nil }
        self.stream = stream
        self.sequence = sequence
        self.duplicate = duplicate
        self.batch = batch
        self.count = count
    }
}

/// Scans one flat JSON object of strings without escapes, unsigned integers, booleans and null.
struct FlatJSONScanner {
    enum Scalar {
        case string(String)
        case integer(UInt64)
        case bool(Bool)
        case null
    }

    private let bytes: [UInt8]
    private var index = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var atEnd: Bool {
        mutating get {
            skipSpace()
            return index == bytes.count
        }
    }

    mutating func take(_ byte: UInt8) -> Bool {
        skipSpace()
        guard index < bytes.count, bytes[index] == byte else { return false }
        index += 1
        return true
    }

    /// A string without escapes, or nil.
    mutating func string() -> String? {
        guard take(UInt8(ascii: "\"")) else { return nil }
        let start = index
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "\""):
                defer { index += 1 }
                return String(decoding: bytes[start..<index], as: UTF8.self)
            case UInt8(ascii: "\\"), 0..<0x20: return nil
            default: index += 1
            }
        }
        return nil
    }

    mutating func scalar() -> Scalar? {
        skipSpace()
        guard index < bytes.count else { return nil }
        switch bytes[index] {
        case UInt8(ascii: "\""): return string().map(Scalar.string)
        case UInt8(ascii: "0")...UInt8(ascii: "9"):
            var value: UInt64 = 0
            while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) {
                let (times, overflowA) = value.multipliedReportingOverflow(by: 10)
                let (sum, overflowB) = times.addingReportingOverflow(UInt64(bytes[index] - UInt8(ascii: "0")))
                if overflowA || overflowB { return nil }
                value = sum
                index += 1
            }
            if index < bytes.count, [UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E")].contains(bytes[index]) {
                return nil
            }
            return .integer(value)
        case UInt8(ascii: "t"): return literal("true") ? .bool(true) : nil
        case UInt8(ascii: "f"): return literal("false") ? .bool(false) : nil
        case UInt8(ascii: "n"): return literal("null") ? .null : nil
        default: return nil
        }
    }

    private mutating func literal(_ word: StaticString) -> Bool {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count else { return false }
        let matches = word.withUTF8Buffer { Array($0) == Array(bytes[index..<index + count]) }
        if matches { index += count }
        return matches
    }

    private mutating func skipSpace() {
        while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
    }
}

/// A message read back from a stream.
public struct StoredMessage: Sendable, Equatable {
    public var subject: String
    public var sequence: UInt64
    public var headers: NATSHeaders?
    /// The payload as it was received: a view of the read, not a copy.
    public var payload: ByteBuffer
    /// The payload's bytes, copied out of `payload` on each read of this property.
    public var data: [UInt8] {
        get { Array(payload.readableBytesView) }
        set { payload = ByteBuffer(bytes: newValue) }
    }
    /// RFC 3339 time the server stored it.
    public var time: String?

    public init(subject: String, sequence: UInt64, headers: NATSHeaders?, payload: ByteBuffer, time: String?) {
        self.subject = subject
        self.sequence = sequence
        self.headers = headers
        self.payload = payload
        self.time = time
    }

    public init(subject: String, sequence: UInt64, headers: NATSHeaders?, data: [UInt8], time: String?) {
        self.init(subject: subject, sequence: sequence, headers: headers, payload: ByteBuffer(bytes: data), time: time)
    }
}

/// Expectations and options for a JetStream publish.
public struct PublishOptions: Sendable, Equatable {
    /// `Nats-Msg-Id`: a retry with the same id inside the duplicate window is not stored twice.
    public var messageID: String?
    public var expectedStream: String?
    public var expectedLastSequence: UInt64?
    /// `Nats-Expected-Last-Subject-Sequence`: the last sequence on the subject (0 = none).
    public var expectedLastSubjectSequence: UInt64?
    /// `Nats-Expected-Last-Subject-Sequence-Subject`: check the sequence on this subject or filter instead.
    public var expectedLastSubjectSequenceSubject: String?
    /// `Nats-TTL`: seconds, a Go duration, or `never`.
    public var ttl: String?
    /// More headers to send as they are.
    public var extraHeaders: NATSHeaders = NATSHeaders()
    /// How long to keep retrying 503 "no responders" (a stream leader change takes ~4–5 s),
    /// and, with `bufferWhileDisconnected` off, a publish not sent because the client was
    /// reconnecting.
    public var retryUntil: Duration = .seconds(10)
    /// False: while the client reconnects, the publish is not put in the reconnect buffer
    /// (which sends it on reconnect even after the publish reported a timeout); it is tried
    /// again until `retryUntil`, then fails with `.notConnected`, nothing sent.
    public var bufferWhileDisconnected = true

    public init(
        messageID: String? = nil,
        expectedLastSubjectSequence: UInt64? = nil,
        expectedLastSubjectSequenceSubject: String? = nil
    ) {
        self.messageID = messageID
        self.expectedLastSubjectSequence = expectedLastSubjectSequence
        self.expectedLastSubjectSequenceSubject = expectedLastSubjectSequenceSubject
    }

    var headers: NATSHeaders {
        var headers = NATSHeaders()
        if let messageID { headers.append("Nats-Msg-Id", messageID) }
        if let expectedStream { headers.append("Nats-Expected-Stream", expectedStream) }
        if let expectedLastSequence { headers.append("Nats-Expected-Last-Sequence", String(expectedLastSequence)) }
        if let expectedLastSubjectSequence {
            headers.append("Nats-Expected-Last-Subject-Sequence", String(expectedLastSubjectSequence))
        }
        if let expectedLastSubjectSequenceSubject {
            headers.append("Nats-Expected-Last-Subject-Sequence-Subject", expectedLastSubjectSequenceSubject)
        }
        if let ttl { headers.append("Nats-TTL", ttl) }
        for field in extraHeaders { headers.append(field.name, field.value) }
        return headers
    }
}

/// JetStream error codes the client maps to its own codes.
public enum JetStreamErrorCode {
    public static let wrongLastSequence = 10071
    public static let wrongLastSequenceInFlight = 10164
    public static let streamNotFound = 10059
    public static let messageNotFound = 10037
    public static let consumerNotFound = 10014
    public static let streamNameInUse = 10058
}
