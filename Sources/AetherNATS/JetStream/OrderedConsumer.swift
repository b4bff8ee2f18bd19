import Foundation
import NIOCore

/// Where an ordered consumer starts.
public enum DeliverPolicy: Sendable, Equatable {
    case all
    case last
    case new
    case lastPerSubject
    case byStartSequence(UInt64)
}

/// A message delivered by a consumer, with its place in the stream.
public struct ConsumedMessage: Sendable, Equatable {
    public var subject: String
    public var streamSequence: UInt64
    public var consumerSequence: UInt64
    /// Messages still pending for the consumer after this one.
    public var pending: UInt64
    /// Nanoseconds since the epoch when the stream stored it.
    public var timestampNanos: Int64
    public var headers: NATSHeaders?
    public var payload: ByteBuffer

    public var data: [UInt8] { Array(payload.readableBytesView) }

    /// A message delivered by a consumer, placed by its `$JS.ACK` reply subject; nil when the
    /// message has no such reply subject.
    init?(_ message: NATSMessage) {
        guard let reply = message.replyTo, let meta = Self.metadata(fromReply: reply) else { return nil }
        subject = message.subject
        streamSequence = meta.streamSeq
        consumerSequence = meta.consumerSeq
        pending = meta.pending
        timestampNanos = meta.timestamp
        headers = message.headers
        payload = message.payload
    }

    /// Parses `$JS.ACK.<stream>.<consumer>.<delivered>.<sseq>.<cseq>.<ts>.<pending>` (v1) and
    /// the v2 form with domain and account hash (11+ tokens).
    static func metadata(
        fromReply reply: String
    ) -> (streamSeq: UInt64, consumerSeq: UInt64, timestamp: Int64, pending: UInt64)? {
        let tokens = reply.split(separator: ".", omittingEmptySubsequences: false)
        guard tokens.count >= 9, tokens[0] == "$JS", tokens[1] == "ACK" else { return nil }
        let base = tokens.count == 9 ? 4 : 6  // index of <delivered>
        guard tokens.count > base + 4, let streamSeq = UInt64(tokens[base + 1]),
            let consumerSeq = UInt64(tokens[base + 2]),
            let timestamp = Int64(tokens[base + 3]), let pending = UInt64(tokens[base + 4])
        else { return nil }
        return (streamSeq, consumerSeq, timestamp, pending)
    }
}

/// What an ordered consumer yields: messages, and a marker once it has caught up with what the
/// stream held when the consumer was first created.
public enum OrderedConsumerEvent: Sendable, Equatable {
    case message(ConsumedMessage)
    /// Everything that existed at the start has been delivered (sent once; at once for an empty start).
    case caughtUp
}

extension JetStream {
    private struct ConsumerCreateRequest: Encodable {
        var streamName: String
        var config: Config
        var action = "create"

        struct Config: Encodable {
            var name: String
            var deliverSubject: String
            var deliverPolicy: String
            var optStartSeq: UInt64?
            var ackPolicy = "none"
            var maxDeliver = 1
            var flowControl = true
            var idleHeartbeat: Int64
            var memStorage = true
            var numReplicas = 1
            var filterSubjects: [String]?
            var headersOnly: Bool?
            var inactiveThreshold: Int64

            enum CodingKeys: String, CodingKey {
                case name
                case deliverSubject = "deliver_subject"
                case deliverPolicy = "deliver_policy"
                case optStartSeq = "opt_start_seq"
                case ackPolicy = "ack_policy"
                case maxDeliver = "max_deliver"
                case flowControl = "flow_control"
                case idleHeartbeat = "idle_heartbeat"
                case memStorage = "mem_storage"
                case numReplicas = "num_replicas"
                case filterSubjects = "filter_subjects"
                case headersOnly = "headers_only"
                case inactiveThreshold = "inactive_threshold"
            }
        }

        enum CodingKeys: String, CodingKey {
            case streamName = "stream_name"
            case config, action
        }
    }

    private struct ConsumerInfoReply: Decodable {
        var name: String
        var numPending: UInt64?
        enum CodingKeys: String, CodingKey {
            case name
            case numPending = "num_pending"
        }
    }

    private struct Nothing: Codable {}

    /// An ordered consumer: an ephemeral push consumer (no acks, flow control, heartbeats) whose
    /// messages arrive strictly in stream order. On a consumer-sequence gap, missed heartbeats or
    /// a reconnect it is recreated from the last stream sequence seen plus one, so nothing is
    /// skipped or repeated. Ending the iteration deletes the consumer.
    ///
    /// Not guaranteed: bounded memory for a reader much slower than the stream. Flow-control
    /// replies are sent as messages arrive, not as they are read, so what the reader has not
    /// taken yet waits in memory.
    public func orderedConsumer(
        stream: String,
        filterSubjects: [String] = [],
        deliverPolicy: DeliverPolicy = .all,
        headersOnly: Bool = false,
        heartbeat: Duration = .seconds(5)
    ) -> AsyncThrowingStream<OrderedConsumerEvent, any Error> {
        AsyncThrowingStream(bufferingPolicy: .unbounded) { continuation in
            let task = Task {
                var lastStreamSequence: UInt64?
                var announcedCaughtUp = false
                var remainingAtStart: UInt64?
                do {
                    while !Task.isCancelled {
                        let policy: DeliverPolicy = lastStreamSequence.map { .byStartSequence($0 + 1) } ?? deliverPolicy
                        let inbox = client.newInbox()
                        let subscription = try client.subscribeNoWait(to: inbox)
                        let name = "oc_" + NUID.random(length: 16)
                        let created: ConsumerInfoReply
                        do {
                            created = try await createOrderedConsumer(
                                stream: stream,
                                name: name,
                                inbox: inbox,
                                policy: policy,
                                filterSubjects: filterSubjects,
                                headersOnly: headersOnly,
                                heartbeat: heartbeat
                            )
                        } catch {
                            subscription.unsubscribe()
                            throw error
                        }
                        if remainingAtStart == nil { remainingAtStart = created.numPending ?? 0 }
                        if !announcedCaughtUp && remainingAtStart == 0 {
                            announcedCaughtUp = true
                            continuation.yield(.caughtUp)
                        }
                        var expectedConsumerSequence: UInt64 = 1
                        reading: while !Task.isCancelled {
                            guard let message = try await nextReply(subscription, timeout: heartbeat * 3) else {
                                break reading  // heartbeats missed: recreate
                            }
                            if message.status == 100 {
                                if let reply = message.replyTo { try? client.publish(ByteBuffer(), to: reply) }
                                if let stalled = message.headers?["Nats-Consumer-Stalled"] {
                                    try? client.publish(ByteBuffer(), to: stalled)
                                }
                                continue
                            }
                            if let status = message.status {
                                if status == 409 || status == 404 { break reading }
                                continue
                            }
                            guard let consumed = ConsumedMessage(message) else { continue }
                            if consumed.consumerSequence != expectedConsumerSequence { break reading }  // gap
                            expectedConsumerSequence += 1
                            lastStreamSequence = consumed.streamSequence
                            continuation.yield(.message(consumed))
                            if !announcedCaughtUp && consumed.pending == 0 {
                                announcedCaughtUp = true
                                continuation.yield(.caughtUp)
                            }
                        }
                        subscription.unsubscribe()
                        try? await deleteConsumer(stream: stream, name: name)
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    private func createOrderedConsumer(
        stream: String,
        name: String,
        inbox: String,
        policy: DeliverPolicy,
        filterSubjects: [String],
        headersOnly: Bool,
        heartbeat: Duration
    ) async throws -> ConsumerInfoReply {
        var config = ConsumerCreateRequest.Config(
            name: name,
            deliverSubject: inbox,
            deliverPolicy: "all",
            idleHeartbeat: heartbeat.nanoseconds,
            filterSubjects: filterSubjects.isEmpty ? nil : filterSubjects,
            headersOnly: headersOnly ? true : nil,
            inactiveThreshold: Duration.seconds(300).nanoseconds
        )
        switch policy {
        case .all: config.deliverPolicy = "all"
        case .last: config.deliverPolicy = "last"
        case .new: config.deliverPolicy = "new"
        case .lastPerSubject: config.deliverPolicy = "last_per_subject"
        case .byStartSequence(let sequence):
            config.deliverPolicy = "by_start_sequence"
            config.optStartSeq = sequence
        }
        let request = ConsumerCreateRequest(streamName: stream, config: config)
        return try await api("CONSUMER.CREATE.\(stream).\(name)", body: request, as: ConsumerInfoReply.self)
    }

    /// Deletes a consumer.
    public func deleteConsumer(stream: String, name: String) async throws {
        struct Reply: Decodable { var success: Bool? }
        _ = try await api("CONSUMER.DELETE.\(stream).\(name)", body: Optional<Nothing>.none, as: Reply.self)
    }
}
