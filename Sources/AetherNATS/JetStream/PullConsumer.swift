import Foundation
import NIOCore

/// A durable or named pull consumer's settings.
public struct PullConsumerConfig: Sendable, Encodable {
    public enum AckPolicy: String, Sendable, Encodable { case none, all, explicit }

    public var name: String
    public var durable: Bool = true
    public var filterSubjects: [String] = []
    public var ackPolicy: AckPolicy = .explicit
    /// Nanoseconds before an unacknowledged message is redelivered.
    public var ackWaitNanos: Int64 = Duration.seconds(30).nanoseconds
    public var maxDeliver: Int = -1
    public var deliverPolicy: String = "all"

    /// How long before an unacknowledged message is redelivered.
    public var ackWait: Duration {
        get { .nanoseconds(ackWaitNanos) }
        set { ackWaitNanos = newValue.nanoseconds }
    }

    public init(name: String, filterSubjects: [String] = []) {
        self.name = name
        self.filterSubjects = filterSubjects
    }

    enum CodingKeys: String, CodingKey {
        case name
        case durableName = "durable_name"
        case filterSubjects = "filter_subjects"
        case ackPolicy = "ack_policy"
        case ackWaitNanos = "ack_wait"
        case maxDeliver = "max_deliver"
        case deliverPolicy = "deliver_policy"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        if durable { try container.encode(name, forKey: .durableName) }
        if !filterSubjects.isEmpty { try container.encode(filterSubjects, forKey: .filterSubjects) }
        try container.encode(ackPolicy, forKey: .ackPolicy)
        try container.encode(ackWaitNanos, forKey: .ackWaitNanos)
        try container.encode(maxDeliver, forKey: .maxDeliver)
        try container.encode(deliverPolicy, forKey: .deliverPolicy)
    }
}

/// A message fetched from a pull consumer; acknowledge it with `ack()`.
public struct FetchedMessage: Sendable {
    public var message: ConsumedMessage
    let replyTo: String
    let client: NATSClient

    /// Acknowledges the message.
    public func ack() throws { try client.publish(ByteBuffer(string: "+ACK"), to: replyTo) }
    /// Asks for redelivery.
    public func nak() throws { try client.publish(ByteBuffer(string: "-NAK"), to: replyTo) }
    /// Stops redelivery for good.
    public func term() throws { try client.publish(ByteBuffer(string: "+TERM"), to: replyTo) }
    /// Acknowledges and waits for the server to confirm (double ack).
    public func ackSync(timeout: Duration = .seconds(5)) async throws {
        _ = try await client.request(ByteBuffer(string: "+ACK"), to: replyTo, timeout: timeout)
    }
}

extension JetStream {
    private struct CreateRequest: Encodable {
        var streamName: String
        var config: PullConsumerConfig
        enum CodingKeys: String, CodingKey {
            case streamName = "stream_name"
            case config
        }
    }

    private struct InfoReply: Decodable { var name: String }

    /// Creates (or, with the same config, reuses) a pull consumer.
    public func createPullConsumer(stream: String, _ config: PullConsumerConfig) async throws {
        _ = try await api(
            "CONSUMER.CREATE.\(stream).\(config.name)",
            body: CreateRequest(streamName: stream, config: config),
            as: InfoReply.self
        )
    }

    private struct NextRequest: Encodable {
        var batch: Int
        var expires: Int64?
        var noWait: Bool?
        enum CodingKeys: String, CodingKey {
            case batch, expires
            case noWait = "no_wait"
        }
    }

    /// Fetches up to `batch` messages, waiting at most `expires` for them (or not at all with
    /// `noWait`). Returns what arrived; an empty array when nothing did.
    /// - Throws: `.notFound` when the consumer is gone (409 Consumer Deleted).
    public func fetch(
        stream: String,
        consumer: String,
        batch: Int,
        expires: Duration = .seconds(5),
        noWait: Bool = false
    ) async throws -> [FetchedMessage] {
        let inbox = client.newInbox()
        let replies = try client.subscribeNoWait(to: inbox)
        defer { replies.unsubscribe() }
        let request = NextRequest(
            batch: batch,
            expires: noWait ? nil : expires.nanoseconds,
            noWait: noWait ? true : nil
        )
        try client.enqueuePublish(
            ByteBuffer(bytes: try JSONEncoder().encode(request)),
            to: "\(apiPrefix).CONSUMER.MSG.NEXT.\(stream).\(consumer)",
            replyTo: inbox,
            headers: nil
        )
        var fetched: [FetchedMessage] = []
        while fetched.count < batch {
            guard let message = try await nextReply(replies, timeout: expires + .seconds(1)) else { break }
            if let status = message.status {
                switch status {
                case 404, 408: return fetched  // no messages / request expired
                case 100: continue  // heartbeat
                case 409:
                    let description = message.headers?.statusDescription ?? ""
                    if description.contains("Deleted") {
                        throw NATSError(code: .notFound, message: "consumer \(consumer) on \(stream) was deleted")
                    }
                    return fetched
                default:
                    throw NATSError(code: .jetStream, message: "fetch from \(consumer) on \(stream): status \(status)")
                }
            }
            guard let reply = message.replyTo, let consumed = ConsumedMessage(message) else { continue }
            fetched.append(FetchedMessage(message: consumed, replyTo: reply, client: client))
        }
        return fetched
    }
}
