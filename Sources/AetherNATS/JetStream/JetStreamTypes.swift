import Foundation

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
        public var leader: String?
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

/// A message read back from a stream.
public struct StoredMessage: Sendable, Equatable {
    public var subject: String
    public var sequence: UInt64
    public var headers: NATSHeaders?
    public var data: [UInt8]
    /// RFC 3339 time the server stored it.
    public var time: String?

    public init(subject: String, sequence: UInt64, headers: NATSHeaders?, data: [UInt8], time: String?) {
        self.subject = subject
        self.sequence = sequence
        self.headers = headers
        self.data = data
        self.time = time
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
    /// How long to keep retrying 503 "no responders" (a stream leader change takes ~4–5 s).
    public var retryUntil: Duration = .seconds(10)

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
