import Foundation
import NIOCore
import Synchronization

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
        // Scans the bytes twice and makes nothing: no token strings, no arrays (this runs for
        // every message a consumer delivers).
        var reply = reply
        return reply.withUTF8 { bytes -> (UInt64, UInt64, Int64, UInt64)? in
            let dot = UInt8(ascii: ".")
            guard bytes.count > 8, bytes[0] == UInt8(ascii: "$"), bytes[1] == UInt8(ascii: "J"),
                bytes[2] == UInt8(ascii: "S"), bytes[3] == dot, bytes[4] == UInt8(ascii: "A"),
                bytes[5] == UInt8(ascii: "C"), bytes[6] == UInt8(ascii: "K"), bytes[7] == dot
            else { return nil }
            var count = 1
            for byte in bytes where byte == dot { count += 1 }
            guard count >= 9 else { return nil }
            let base = count == 9 ? 4 : 6  // index of <delivered>
            guard count > base + 4 else { return nil }
            // The four numbers after <delivered>: tokens base+1 ... base+4.
            var numbers: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
            var token = 0
            var digits = 0
            var value: UInt64 = 0
            func store(_ token: Int) -> Bool {
                guard digits > 0 else { return false }
                switch token - base {
                case 1: numbers.0 = value
                case 2: numbers.1 = value
                case 3: numbers.2 = value
                case 4: numbers.3 = value
                default: break
                }
                return true
            }
            for byte in bytes {
                if byte == dot {
                    if token > base, token <= base + 4, !store(token) { return nil }
                    token += 1
                    digits = 0
                    value = 0
                    if token > base + 4 { break }
                } else if token > base, token <= base + 4 {
                    guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9"), digits < 19 else { return nil }
                    value = value * 10 + UInt64(byte - UInt8(ascii: "0"))
                    digits += 1
                }
            }
            if token == base + 4, !store(token) { return nil }  // the last token ends the subject
            guard numbers.2 <= UInt64(Int64.max) else { return nil }
            return (numbers.0, numbers.1, Int64(numbers.2), numbers.3)
        }
    }
}

/// What an ordered consumer yields: messages, and a marker once it has caught up with what the
/// stream held when the consumer was first created.
public enum OrderedConsumerEvent: Sendable, Equatable {
    case message(ConsumedMessage)
    /// Everything that existed at the start has been delivered (sent once; at once for an empty start).
    case caughtUp
}

/// Ends a consumer's subscription when a whole heartbeat period passed with nothing delivered
/// on it (its reader then drains what is buffered and recreates the consumer).
private final class HeartbeatWatch: Sendable {
    private let subscription: NATSSubscription
    private let lastSeen = Mutex(0)

    init(_ subscription: NATSSubscription) { self.subscription = subscription }

    func check() {
        let delivered = subscription.deliveredCount
        let silent = lastSeen.withLock { last in
            defer { last = delivered }
            return last == delivered
        }
        if silent { subscription.finish(discardBuffered: false) }
    }
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
                do {
                    try await orderedConsumerEach(
                        stream: stream,
                        filterSubjects: filterSubjects,
                        deliverPolicy: deliverPolicy,
                        headersOnly: headersOnly,
                        heartbeat: heartbeat
                    ) { event in
                        continuation.yield(event)
                        return true
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// The ordered consumer of ``orderedConsumer(stream:filterSubjects:deliverPolicy:headersOnly:heartbeat:)``,
    /// run in the calling task: each event goes to `body` as its batch is read, with no stream
    /// and no task hop per message, until `body` returns false or the task is cancelled; then
    /// the consumer is deleted.
    public func orderedConsumerEach(
        stream: String,
        filterSubjects: [String] = [],
        deliverPolicy: DeliverPolicy = .all,
        headersOnly: Bool = false,
        heartbeat: Duration = .seconds(5),
        _ body: (OrderedConsumerEvent) throws -> Bool
    ) async throws {
        var lastStreamSequence: UInt64?
        var announcedCaughtUp = false
        var remainingAtStart: UInt64?
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
            // Missed heartbeats: one repeating check per consumer that ends the subscription when
            // nothing at all (message or heartbeat) arrived for a whole period, not a timer
            // scheduled and cancelled around every batch (each a wake-up of the event loop).
            let watch = HeartbeatWatch(subscription)
            let watchdog = client.eventLoop.scheduleRepeatedTask(
                initialDelay: .nanoseconds((heartbeat * 3).nanoseconds),
                delay: .nanoseconds((heartbeat * 3).nanoseconds)
            ) { _ in watch.check() }
            var stopped = false
            do {
                if remainingAtStart == nil { remainingAtStart = created.numPending ?? 0 }
                if !announcedCaughtUp && remainingAtStart == 0 {
                    announcedCaughtUp = true
                    stopped = try !body(.caughtUp)
                }
                var expectedConsumerSequence: UInt64 = 1
                // Read what has arrived in batches: one wake-up and one heartbeat timer per
                // batch, not per message.
                reading: while !stopped && !Task.isCancelled {
                    let batch = await subscription.nextBatch(max: 512)
                    if batch.isEmpty { break reading }  // heartbeats missed: recreate
                    for message in batch {
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
                        if try !body(.message(consumed)) {
                            stopped = true
                            break reading
                        }
                        if !announcedCaughtUp && consumed.pending == 0 {
                            announcedCaughtUp = true
                            if try !body(.caughtUp) {
                                stopped = true
                                break reading
                            }
                        }
                    }
                }
            } catch {
                watchdog.cancel()
                subscription.unsubscribe()
                try? await deleteConsumer(stream: stream, name: name)
                throw error
            }
            watchdog.cancel()
            subscription.unsubscribe()
            try? await deleteConsumer(stream: stream, name: name)
            if stopped { return }
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
