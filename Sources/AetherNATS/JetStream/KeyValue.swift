import Foundation
import NIOCore

/// One value of a key, or the marker that it was deleted or purged.
public struct KVEntry: Sendable, Equatable {
    public enum Operation: String, Sendable, Equatable {
        case put = "PUT"
        case delete = "DEL"
        case purge = "PURGE"
    }

    public var bucket: String
    public var key: String
    public var value: [UInt8]
    /// The stream sequence of this entry: compare-and-set on it.
    public var revision: UInt64
    public var operation: Operation
    /// Nanoseconds since the epoch, when known.
    public var createdNanos: Int64?
}

/// A change seen by a watch.
public enum KVWatchEvent: Sendable, Equatable {
    case entry(KVEntry)
    /// Every value that existed when the watch started has been delivered.
    case initialValuesDone
}

/// A key-value bucket on JetStream (ADR-8): stream `KV_<bucket>`, subjects `$KV.<bucket>.<key>`.
///
/// Reads by direct get may be stale on replicated buckets; decide on CAS results, not reads.
public struct KeyValue: Sendable {
    public let js: JetStream
    public let bucket: String
    var streamName: String { "KV_\(bucket)" }

    /// Bucket settings.
    public struct Config: Sendable {
        public var bucket: String
        /// Values kept per key (1…64).
        public var history: Int = 1
        /// Age after which values go; nil keeps them.
        public var ttl: Duration?
        public var replicas: Int = 1
        public var storage: StreamConfig.Storage = .file
        /// Allow a TTL per key (`create(_:value:ttl:)`, `purge(_:ttl:)`); needs server ≥ 2.11.
        public var allowPerKeyTTL: Bool = false
        /// How long delete markers left by expiry stay (≥ 1 s); needs `allowPerKeyTTL`.
        public var markerTTL: Duration?
        public var description: String?

        public init(bucket: String) {
            self.bucket = bucket
        }
    }

    /// Creates the bucket, or binds to it when it exists with the same settings (updating it otherwise).
    /// - Throws: `.invalidKey` for a bad bucket name.
    public static func create(_ config: Config, in js: JetStream) async throws -> KeyValue {
        try validateBucket(config.bucket)
        guard (1...64).contains(config.history) else {
            throw NATSError(code: .invalidKey, message: "KV history must be 1…64, got \(config.history)")
        }
        var stream = StreamConfig(name: "KV_\(config.bucket)", subjects: ["$KV.\(config.bucket).>"])
        stream.maxMessagesPerSubject = Int64(config.history)
        stream.maxAge = config.ttl
        stream.replicas = config.replicas
        stream.storage = config.storage
        stream.discard = .new
        stream.allowRollup = true
        stream.denyDelete = true
        stream.allowDirect = true
        stream.allowMessageTTL = config.allowPerKeyTTL
        stream.subjectDeleteMarkerTTLNanos = config.markerTTL?.nanoseconds
        stream.description = config.description
        if let ttl = config.ttl { stream.duplicateWindowNanos = min(ttl, .seconds(120)).nanoseconds }
        try await js.createOrUpdateStream(stream)
        return KeyValue(js: js, bucket: config.bucket)
    }

    /// A handle on a bucket, with no API call: for observers that must never create one.
    /// Reads of a bucket that does not exist fail with `.notFound` until it is created.
    public static func attach(_ bucket: String, in js: JetStream) throws(NATSError) -> KeyValue {
        try validateBucket(bucket)
        return KeyValue(js: js, bucket: bucket)
    }

    /// Binds to an existing bucket.
    /// - Throws: `.notFound` when it does not exist.
    public static func bind(_ bucket: String, in js: JetStream) async throws -> KeyValue {
        try validateBucket(bucket)
        _ = try await js.streamInfo("KV_\(bucket)")
        return KeyValue(js: js, bucket: bucket)
    }

    init(js: JetStream, bucket: String) {
        self.js = js
        self.bucket = bucket
    }

    /// The subject of a key.
    public func subject(for key: String) -> String { "$KV.\(bucket).\(key)" }

    // MARK: reads

    /// The current value; nil when the key is missing, deleted or purged.
    public func get(_ key: String) async throws -> KVEntry? {
        try Self.validateKey(key)
        guard let message = try await js.directGetLast(stream: streamName, subject: subject(for: key)) else {
            return nil
        }
        let entry = entry(from: message)
        return entry.operation == .put ? entry : nil
    }

    /// The latest entry including delete and purge markers, from the stream leader (fresh).
    public func latestEntry(_ key: String) async throws -> KVEntry? {
        try Self.validateKey(key)
        guard let message = try await js.lastMessage(stream: streamName, subject: subject(for: key)) else { return nil }
        return entry(from: message)
    }

    /// The key a subject of this bucket stands for.
    func key(of subject: String) -> String {
        String(subject.dropFirst("$KV.\(bucket).".count))
    }

    func entry(from message: StoredMessage) -> KVEntry {
        KVEntry(
            bucket: bucket,
            key: key(of: message.subject),
            value: message.data,
            revision: message.sequence,
            operation: Self.operation(of: message.headers),
            createdNanos: nil
        )
    }

    func entry(from message: ConsumedMessage) -> KVEntry {
        KVEntry(
            bucket: bucket,
            key: key(of: message.subject),
            value: message.data,
            revision: message.streamSequence,
            operation: Self.operation(of: message.headers),
            createdNanos: message.timestampNanos
        )
    }

    static func operation(of headers: NATSHeaders?) -> KVEntry.Operation {
        if let operation = headers?["KV-Operation"], let parsed = KVEntry.Operation(rawValue: operation) {
            return parsed
        }
        if let reason = headers?["Nats-Marker-Reason"] { return reason == "Remove" ? .delete : .purge }
        return .put
    }

    // MARK: writes

    /// Stores a value; returns its revision.
    @discardableResult
    public func put(_ key: String, _ value: some Sequence<UInt8>) async throws -> UInt64 {
        try Self.validateKey(key)
        return try await js.publish(ByteBuffer(bytes: value), to: subject(for: key)).sequence
    }

    /// Stores a value only if the key has none (also over a delete, purge or expiry marker).
    /// - Parameter ttl: a per-key TTL (needs `allowPerKeyTTL`).
    /// - Throws: `.wrongLastSequence` when the key has a value.
    @discardableResult
    public func create(_ key: String, _ value: some Sequence<UInt8>, ttl: Duration? = nil) async throws -> UInt64 {
        try Self.validateKey(key)
        let bytes = Array(value)
        var expected: UInt64 = 0
        var attempt = 1
        while true {
            do {
                return try await publish(key, bytes, expected: expected, ttl: ttl)
            } catch let error as NATSError where error.code == .wrongLastSequence {
                // A delete/purge/expiry marker holds the subject: create on top of it. No
                // entry at all: the subject emptied since the write was refused (an expiry
                // marker's own TTL ran out): try again from nothing. A value: it exists.
                let latest = try await latestEntry(key)
                guard latest?.operation != .put, attempt < 4 else {
                    throw NATSError(
                        code: .wrongLastSequence,
                        message: latest?.operation == .put
                            ? "key \(key) in bucket \(bucket) already has a value"
                            : "key \(key) in bucket \(bucket) changed under each of 4 attempts to create it",
                        apiError: error.apiError
                    )
                }
                expected = latest?.revision ?? 0
                attempt += 1
            }
        }
    }

    /// Stores a value only if the key's latest revision is `revision` (compare-and-set).
    /// - Throws: `.wrongLastSequence` when it is not.
    @discardableResult
    public func update(
        _ key: String,
        _ value: some Sequence<UInt8>,
        revision: UInt64,
        ttl: Duration? = nil
    ) async throws -> UInt64 {
        try Self.validateKey(key)
        return try await publish(key, Array(value), expected: revision, ttl: ttl)
    }

    private func publish(_ key: String, _ value: [UInt8], expected: UInt64, ttl: Duration?) async throws -> UInt64 {
        var options = PublishOptions(expectedLastSubjectSequence: expected)
        options.ttl = ttl.map(Self.ttlText)
        return try await js.publish(ByteBuffer(bytes: value), to: subject(for: key), options: options).sequence
    }

    /// Marks the key deleted (history kept). With `revision`, only if that is the latest.
    @discardableResult
    public func delete(_ key: String, revision: UInt64? = nil) async throws -> UInt64 {
        try Self.validateKey(key)
        return try await marker(key, operation: "DEL", rollup: false, revision: revision, ttl: nil)
    }

    /// Removes the key's history, leaving one purge marker (which goes after `ttl`, if given).
    @discardableResult
    public func purge(_ key: String, revision: UInt64? = nil, ttl: Duration? = nil) async throws -> UInt64 {
        try Self.validateKey(key)
        return try await marker(key, operation: "PURGE", rollup: true, revision: revision, ttl: ttl)
    }

    private func marker(
        _ key: String,
        operation: String,
        rollup: Bool,
        revision: UInt64?,
        ttl: Duration?
    ) async throws -> UInt64 {
        var headers: NATSHeaders = ["KV-Operation": operation]
        if rollup { headers["Nats-Rollup"] = "sub" }
        if let revision { headers["Nats-Expected-Last-Subject-Sequence"] = String(revision) }
        if let ttl { headers["Nats-TTL"] = Self.ttlText(ttl) }
        let reply = try await js.client.request(
            ByteBuffer(),
            to: subject(for: key),
            headers: headers,
            timeout: js.timeout
        )
        return try JetStream.decodeAck(reply, subject: subject(for: key)).sequence
    }

    // MARK: watching

    /// Current values first (then `.initialValuesDone`), then every change, deletes marked.
    /// - Parameter keys: a key or a pattern (`*`, final `>`); default every key.
    public func watch(
        _ keys: String = ">",
        includeHistory: Bool = false,
        updatesOnly: Bool = false
    ) -> AsyncThrowingStream<KVWatchEvent, any Error> {
        let policy: DeliverPolicy = updatesOnly ? .new : (includeHistory ? .all : .lastPerSubject)
        let source = js.orderedConsumer(stream: streamName, filterSubjects: [subject(for: keys)], deliverPolicy: policy)
        let kv = self
        return AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    for try await event in source {
                        switch event {
                        case .caughtUp:
                            continuation.yield(.initialValuesDone)
                        case .message(let message):
                            continuation.yield(.entry(kv.entry(from: message)))
                        }
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// The keys that hold a value now.
    public func keys() async throws -> [String] {
        var keys = Set<String>()
        for try await event in js.orderedConsumer(
            stream: streamName,
            filterSubjects: [subject(for: ">")],
            deliverPolicy: .lastPerSubject,
            headersOnly: true
        ) {
            switch event {
            case .caughtUp: return keys.sorted()
            case .message(let message):
                let key = key(of: message.subject)
                if Self.operation(of: message.headers) == .put { keys.insert(key) } else { keys.remove(key) }
            }
        }
        return keys.sorted()
    }

    /// Every kept entry of a key, oldest first.
    public func history(_ key: String) async throws -> [KVEntry] {
        try Self.validateKey(key)
        var entries: [KVEntry] = []
        for try await event in js.orderedConsumer(
            stream: streamName,
            filterSubjects: [subject(for: key)],
            deliverPolicy: .all
        ) {
            switch event {
            case .caughtUp: return entries
            case .message(let message):
                entries.append(entry(from: message))
            }
        }
        return entries
    }

    // MARK: rules

    /// Bucket names match `[A-Za-z0-9_-]+`.
    public static func validateBucket(_ bucket: String) throws(NATSError) {
        if bucket.isEmpty || !bucket.utf8.allSatisfy(isBucketByte) {
            throw NATSError(
                code: .invalidKey,
                message: "bucket name \(Subject.describe(bucket)) must match [A-Za-z0-9_-]+"
            )
        }
    }

    /// Keys are `.`-separated tokens of `[-/_=.a-zA-Z0-9]`, no leading, trailing or double dot, not starting `_kv`.
    public static func validateKey(_ key: String) throws(NATSError) {
        let valid =
            !key.isEmpty && !key.hasPrefix(".") && !key.hasSuffix(".") && !key.contains("..") && !key.hasPrefix("_kv")
            && key.utf8.allSatisfy {
                isBucketByte($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "=")
            }
        if !valid {
            throw NATSError(code: .invalidKey, message: "key \(Subject.describe(key)) is not a valid KV key")
        }
    }

    private static func isBucketByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "_"), UInt8(ascii: "-"):
            return true
        default:
            return false
        }
    }

    static func ttlText(_ ttl: Duration) -> String {
        let seconds = max(1, ttl.components.seconds + (ttl.components.attoseconds > 0 ? 1 : 0))
        return "\(seconds)s"
    }
}
