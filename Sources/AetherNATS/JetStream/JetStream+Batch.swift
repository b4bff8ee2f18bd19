import Foundation
import NIOCore

/// One message of an atomic batch.
public struct BatchMessage: Sendable {
    public var subject: String
    public var payload: ByteBuffer
    public var headers: NATSHeaders

    public init(subject: String, payload: ByteBuffer, headers: NATSHeaders = NATSHeaders()) {
        self.subject = subject
        self.payload = payload
        self.headers = headers
    }
}

extension JetStream {
    /// The most messages one atomic batch may hold (server default).
    public static let maxBatchSize = 1000

    /// Publishes messages all or nothing (server ≥ 2.12, stream with `allow_atomic`).
    ///
    /// Put expectation headers on the first message that writes each subject; they are checked
    /// at commit against the stream as it was before the batch, and a failure rejects the whole
    /// batch. Returns the commit's PubAck (`sequence` is the last message's).
    /// With `buffered: false`, a batch made while the client reconnects fails with
    /// `.notConnected` and nothing is stored (a batch cut short never commits).
    /// - Throws: `.wrongLastSequence` (nothing stored), `.jetStream` (10174 atomic disabled,
    ///   10199 too large …), `.invalidSubject`, `.notConnected`.
    public func publishBatch(
        _ messages: [BatchMessage],
        batchID: String? = nil,
        buffered: Bool = true
    ) async throws -> PubAck {
        guard !messages.isEmpty else {
            throw NATSError(code: .jetStream, message: "an atomic batch needs at least one message")
        }
        guard messages.count <= Self.maxBatchSize else {
            throw NATSError(
                code: .jetStream,
                message: "an atomic batch holds at most \(Self.maxBatchSize) messages, got \(messages.count)"
            )
        }
        for message in messages { try Subject.validatePublish(message.subject) }
        let id = batchID ?? NUID.next()
        let inbox = client.newInbox()
        let replies = try client.subscribeNoWait(to: inbox)
        defer { replies.unsubscribe() }
        for (index, message) in messages.enumerated() {
            var headers = message.headers
            headers["Nats-Batch-Id"] = id
            headers["Nats-Batch-Sequence"] = String(index + 1)
            let isFirst = index == 0
            let isLast = index == messages.count - 1
            if isLast { headers["Nats-Batch-Commit"] = "1" }
            try headers.validate()
            // The first message and the commit ask for a reply; the others are only staged.
            try client.enqueuePublish(
                message.payload,
                to: message.subject,
                replyTo: isFirst || isLast ? inbox : nil,
                headers: headers,
                buffered: buffered
            )
        }
        // Up to two replies: "staged" (empty) for the first message of a longer batch, then the commit's ack.
        let expected = messages.count > 1 ? 2 : 1
        for index in 0..<expected {
            guard let reply = try await nextReply(replies, timeout: timeout) else {
                throw NATSError(code: .timeout, message: "atomic batch \(id): no reply within \(timeout)")
            }
            if reply.status == 503 {
                throw NATSError(
                    code: .noResponders,
                    message: "atomic batch \(id): no stream takes \(Subject.describe(messages[0].subject))"
                )
            }
            if reply.payload.readableBytes == 0 && index == 0 && expected == 2 { continue }
            return try Self.decodeAck(reply, subject: messages[0].subject)
        }
        throw NATSError(code: .jetStream, message: "atomic batch \(id): no acknowledgement")
    }

    /// The next message of a private reply subscription, or nil after `timeout`.
    func nextReply(_ subscription: NATSSubscription, timeout: Duration) async throws -> NATSMessage? {
        let timer = client.eventLoop.scheduleTask(in: .nanoseconds(timeout.nanoseconds)) {
            subscription.finish(discardBuffered: false)
        }
        defer { timer.cancel() }
        return await subscription.next()
    }
}

extension JetStream {
    private struct DirectBatchRequest: Encodable {
        var batch: Int
        var seq: UInt64
        var nextBySubject: String
        enum CodingKeys: String, CodingKey {
            case batch, seq
            case nextBySubject = "next_by_subj"
        }
    }

    /// Messages on `subject` (wildcards allowed) from stream sequence `from`, by batched direct
    /// gets of `batchSize` (no consumer). Stops at the end of the stream.
    ///
    /// Reads may be stale on replicated streams (any replica answers).
    public func directGetAll(
        stream: String,
        subject: String,
        from sequence: UInt64 = 1,
        batchSize: Int = 256
    ) -> AsyncThrowingStream<StoredMessage, any Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    var next = sequence
                    while true {
                        let (messages, pending) = try await directGetBatch(
                            stream: stream,
                            subject: subject,
                            from: next,
                            count: batchSize
                        )
                        for message in messages { continuation.yield(message) }
                        guard let last = messages.last, pending > 0 else { break }
                        next = last.sequence + 1
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// One batch: up to `count` messages from `from`, and how many more match after them.
    public func directGetBatch(
        stream: String,
        subject: String,
        from: UInt64,
        count: Int
    ) async throws -> ([StoredMessage], UInt64) {
        var messages: [StoredMessage] = []
        messages.reserveCapacity(count)
        let pending = try await directGetBatch(stream: stream, subject: subject, from: from, count: count) {
            messages.append($0)
        }
        return (messages, pending)
    }

    /// Every message on `subject` from `from`, handed to `body` in order, batch by batch; no
    /// consumer and no task hop per message.
    public func directGetEach(
        stream: String,
        subject: String,
        from sequence: UInt64 = 1,
        batchSize: Int = 1024,
        _ body: (StoredMessage) throws -> Void
    ) async throws {
        try await directGetEach(stream: stream, subject: subject, from: sequence, batchSize: batchSize) {
            (message: StoredMessage) throws -> Bool in
            try body(message)
            return true
        }
    }

    /// Like `directGetEach`, stopping as soon as `body` returns false (the rest of the batch
    /// is dropped).
    public func directGetEach(
        stream: String,
        subject: String,
        from sequence: UInt64 = 1,
        batchSize: Int = 1024,
        _ body: (StoredMessage) throws -> Bool
    ) async throws {
        var next = sequence
        var stopped = false
        while !stopped {
            var last: UInt64?
            let pending = try await directGetBatch(stream: stream, subject: subject, from: next, count: batchSize) {
                message in
                guard !stopped else { return }
                last = message.sequence
                if try !body(message) { stopped = true }
            }
            guard let last, pending > 0 else { return }
            next = last + 1
        }
    }

    private struct MultiLastRequest: Encodable {
        var multiLast: [String]
        var batch: Int
        enum CodingKeys: String, CodingKey {
            case multiLast = "multi_last"
            case batch
        }
    }

    /// The most subjects one `multi_last` request may name (the server answers 413 past it).
    public static let maxMultiLastSubjects = 1024

    /// The last message of each of `subjects`, in one batched direct get (`multi_last`, server
    /// 2.11+), keyed by subject; subjects with no message are absent. At most
    /// ``maxMultiLastSubjects`` subjects.
    public func directGetLast(stream: String, subjects: [String]) async throws -> [String: StoredMessage] {
        guard !subjects.isEmpty else { return [:] }
        guard subjects.count <= Self.maxMultiLastSubjects else {
            throw NATSError(
                code: .jetStream,
                message:
                    "a multi_last direct get names at most \(Self.maxMultiLastSubjects) subjects, not \(subjects.count)"
            )
        }
        let request = try JSONEncoder().encode(MultiLastRequest(multiLast: subjects, batch: subjects.count))
        var found: [String: StoredMessage] = [:]
        _ = try await directBatch(stream: stream, request: request) { found[$0.subject] = $0 }
        return found
    }

    /// The first message on `subject` (wildcards allowed) at or after stream sequence `from`;
    /// nil when there is none.
    public func directGetNext(stream: String, subject: String, from: UInt64) async throws -> StoredMessage? {
        var found: StoredMessage?
        _ = try await directGetBatch(stream: stream, subject: subject, from: from, count: 1) { found = $0 }
        return found
    }

    private func directGetBatch(
        stream: String,
        subject: String,
        from: UInt64,
        count: Int,
        _ body: (StoredMessage) throws -> Void
    ) async throws -> UInt64 {
        let request = try JSONEncoder().encode(DirectBatchRequest(batch: count, seq: from, nextBySubject: subject))
        return try await directBatch(stream: stream, request: request, body)
    }

    /// Sends one batched direct get and hands each message to `body` until the end-of-batch
    /// marker; returns how many more match after the batch.
    private func directBatch(
        stream: String,
        request: Data,
        _ body: (StoredMessage) throws -> Void
    ) async throws -> UInt64 {
        let inbox = client.newInbox()
        let replies = try client.subscribeNoWait(to: inbox)
        defer { replies.unsubscribe() }
        try client.enqueuePublish(
            ByteBuffer(bytes: request),
            to: "\(apiPrefix).DIRECT.GET.\(stream)",
            replyTo: inbox,
            headers: nil
        )
        let timer = client.eventLoop.scheduleTask(in: .nanoseconds(timeout.nanoseconds)) {
            replies.finish(discardBuffered: false)
        }
        defer { timer.cancel() }
        while true {
            let burst = await replies.nextBatch(max: 512)
            if burst.isEmpty {
                throw NATSError(code: .timeout, message: "direct get batch on \(stream) timed out after \(timeout)")
            }
            for reply in burst {
                switch reply.status {
                case 204:  // EOB
                    return reply.headers?["Nats-Num-Pending"].flatMap(UInt64.init) ?? 0
                case 404:
                    return 0
                case 413:
                    throw NATSError(code: .jetStream, message: "direct get on \(stream): too many results (413)")
                case 503:
                    throw NATSError(
                        code: .noResponders,
                        message: "direct get on \(stream): no responders (is allow_direct on?)"
                    )
                default:
                    if let message = try Self.decodeDirect(reply, stream: stream) { try body(message) }
                    // A server without batch support answers one message without Nats-Num-Pending.
                    if reply.headers?["Nats-Num-Pending"] == nil { return 0 }
                }
            }
        }
    }
}
