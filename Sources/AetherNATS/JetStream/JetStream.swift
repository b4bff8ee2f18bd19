import Foundation
import NIOCore

/// JetStream over a `NATSClient`: streams, publish with acknowledgement and expectations,
/// direct and leader reads.
///
/// Errors: API errors are `NATSError` with `apiError` set; 10071 and 10164 both map to
/// `.wrongLastSequence`, stream and message "not found" to `.notFound`. A publish that meets
/// 503 (no stream leader yet) is retried with backoff until `PublishOptions.retryUntil`.
public struct JetStream: Sendable {
    public let client: NATSClient
    /// `$JS.API`, or `$JS.<domain>.API`.
    public let apiPrefix: String
    public let timeout: Duration

    public init(client: NATSClient, domain: String? = nil, timeout: Duration = .seconds(5)) {
        self.client = client
        self.apiPrefix = domain.map { "$JS.\($0).API" } ?? "$JS.API"
        self.timeout = timeout
    }

    // MARK: API plumbing

    struct APIErrorEnvelope: Decodable {
        var error: NATSError.APIError?
    }

    /// Sends an API request and decodes the reply, mapping API errors.
    func api<Response: Decodable>(_ path: String, body: (some Encodable)?, as: Response.Type) async throws -> Response {
        let payload: ByteBuffer
        if let body {
            payload = ByteBuffer(bytes: try JSONEncoder().encode(body))
        } else {
            payload = ByteBuffer()
        }
        return try decodeAPIReply(try await apiReply(path, payload: payload), path: path, as: Response.self)
    }

    /// An API reply decoded as `Response`, or the API error it carries, thrown.
    func decodeAPIReply<Response: Decodable>(_ reply: NATSMessage, path: String, as: Response.Type) throws -> Response {
        let subject = "\(apiPrefix).\(path)"
        let data = Data(reply.payload.readableBytesView)
        if let envelope = try? JSONDecoder().decode(APIErrorEnvelope.self, from: data), let apiError = envelope.error {
            throw Self.mapAPIError(apiError, context: path)
        }
        do {
            return try JSONDecoder().decode(Response.self, from: data)
        } catch {
            throw NATSError(
                code: .jetStream,
                message: "cannot decode the reply to \(subject)",
                cause: SendableDescription(error)
            )
        }
    }

    /// The raw reply to a JetStream API request.
    func apiReply(_ path: String, payload: ByteBuffer) async throws -> NATSMessage {
        let subject = "\(apiPrefix).\(path)"
        do {
            return try await client.request(payload, to: subject, timeout: timeout)
        } catch let error as NATSError where error.code == .noResponders {
            throw NATSError(code: .noResponders, message: "JetStream is not enabled or has no leader (\(subject))")
        }
    }

    static func mapAPIError(_ apiError: NATSError.APIError, context: String) -> NATSError {
        let code: NATSError.Code
        switch apiError.errCode {
        case JetStreamErrorCode.wrongLastSequence, JetStreamErrorCode.wrongLastSequenceInFlight:
            code = .wrongLastSequence
        case JetStreamErrorCode.streamNotFound, JetStreamErrorCode.messageNotFound, JetStreamErrorCode.consumerNotFound:
            code = .notFound
        default:
            code = .jetStream
        }
        return NATSError(code: code, message: "\(context): \(apiError.description)", apiError: apiError)
    }

    // MARK: streams

    private struct Empty: Codable {}

    /// Creates a stream; creating one with the identical config again succeeds.
    /// - Throws: `.jetStream` with err_code 10058 when the name is taken with another config.
    @discardableResult
    public func createStream(_ config: StreamConfig) async throws -> StreamInfo {
        try await api("STREAM.CREATE.\(config.name)", body: config, as: StreamInfo.self)
    }

    @discardableResult
    public func updateStream(_ config: StreamConfig) async throws -> StreamInfo {
        try await api("STREAM.UPDATE.\(config.name)", body: config, as: StreamInfo.self)
    }

    /// Creates the stream, or updates it when it exists with another config.
    @discardableResult
    public func createOrUpdateStream(_ config: StreamConfig) async throws -> StreamInfo {
        do {
            return try await createStream(config)
        } catch let error as NATSError where error.apiError?.errCode == JetStreamErrorCode.streamNameInUse {
            return try await updateStream(config)
        }
    }

    /// - Throws: `.notFound` when there is no such stream.
    public func streamInfo(_ name: String) async throws -> StreamInfo {
        try await api("STREAM.INFO.\(name)", body: Optional<Empty>.none, as: StreamInfo.self)
    }

    private struct SubjectsRequest: Encodable {
        var subjectsFilter: String
        var offset: Int
        enum CodingKeys: String, CodingKey {
            case subjectsFilter = "subjects_filter"
            case offset
        }
    }

    /// The part of a `STREAM.INFO` reply with `subjects_filter` that subject reads use.
    private struct SubjectsState: Decodable {
        var subjects: [String: UInt64]?
        var messages: UInt64?
        var lastSequence: UInt64?
        enum CodingKeys: String, CodingKey {
            case subjects, messages
            case lastSequence = "last_seq"
        }
    }

    private struct SubjectsReply: Decodable {
        var state: SubjectsState
        var total: Int?
        var offset: Int?
        var limit: Int?
    }

    /// The subjects of a stream matching `filter`, with their message counts (all pages).
    public func streamSubjects(_ name: String, filter: String) async throws -> [String: UInt64] {
        var result: [String: UInt64] = [:]
        var offset = 0
        while true {
            let reply = try await api(
                "STREAM.INFO.\(name)",
                body: SubjectsRequest(subjectsFilter: filter, offset: offset),
                as: SubjectsReply.self
            )
            let page = reply.state.subjects ?? [:]
            result.merge(page) { $1 }
            offset += page.count
            guard let total = reply.total, page.count > 0, offset < total else { return result }
        }
    }

    private struct SuccessReply: Decodable { var success: Bool? }
    private struct PurgeReply: Decodable {
        var success: Bool?
        var purged: UInt64?
    }
    private struct PurgeRequest: Encodable {
        var filter: String?
        var keep: UInt64?
    }
    private struct NamesReply: Decodable {
        var streams: [String]?
        var total: Int?
    }

    public func deleteStream(_ name: String) async throws {
        _ = try await api("STREAM.DELETE.\(name)", body: Optional<Empty>.none, as: SuccessReply.self)
    }

    /// Purges the stream, or only `subject` (wildcards allowed). Returns how many were purged.
    @discardableResult
    public func purgeStream(_ name: String, subject: String? = nil, keep: UInt64? = nil) async throws -> UInt64 {
        try await api("STREAM.PURGE.\(name)", body: PurgeRequest(filter: subject, keep: keep), as: PurgeReply.self)
            .purged ?? 0
    }

    private struct DeleteMessageRequest: Encodable {
        var seq: UInt64
        var noErase = true
        enum CodingKeys: String, CodingKey {
            case seq
            case noErase = "no_erase"
        }
    }

    /// Removes the message at `sequence` from the stream (without overwriting its bytes).
    /// - Throws: `.jetStream` (10057 no message at that sequence, 10011 a stream that denies deletes …).
    public func deleteMessage(stream: String, sequence: UInt64) async throws {
        _ = try await api(
            "STREAM.MSG.DELETE.\(stream)",
            body: DeleteMessageRequest(seq: sequence),
            as: SuccessReply.self
        )
    }

    private struct OffsetRequest: Encodable { var offset: Int }

    /// The names of all streams (every page: the server sends up to 1,024 per reply).
    public func streamNames() async throws -> [String] {
        var names: [String] = []
        while true {
            let reply = try await api("STREAM.NAMES", body: OffsetRequest(offset: names.count), as: NamesReply.self)
            let page = reply.streams ?? []
            names += page
            guard let total = reply.total, !page.isEmpty, names.count < total else { return names }
        }
    }

    private struct ListReply: Decodable {
        var streams: [StreamInfo]?
        var missing: [String]?
        var total: Int?
    }

    /// What `STREAM.LIST` returns: the streams that answered, and the names of those that did
    /// not (in a cluster, a stream without a leader, or whose servers are gone).
    public struct StreamListing: Sendable, Equatable {
        public var streams: [StreamInfo]
        public var missing: [String]

        public init(streams: [StreamInfo] = [], missing: [String] = []) {
            self.streams = streams
            self.missing = missing
        }
    }

    /// Every stream's config, state and cluster placement: one request per 256 streams
    /// (`STREAM.LIST`), instead of one `STREAM.INFO` per stream. In a cluster the server waits
    /// a few seconds for streams that do not answer, then names them in `missing`.
    public func streamListing() async throws -> StreamListing {
        var listing = StreamListing()
        while true {
            let offset = listing.streams.count + listing.missing.count
            let reply = try await api("STREAM.LIST", body: OffsetRequest(offset: offset), as: ListReply.self)
            let page = reply.streams ?? []
            let missing = reply.missing ?? []
            listing.streams += page
            listing.missing += missing
            let listed = listing.streams.count + listing.missing.count
            guard let total = reply.total, !(page.isEmpty && missing.isEmpty), listed < total else { return listing }
        }
    }

    /// The streams that answered ``streamListing()``.
    public func streams() async throws -> [StreamInfo] {
        try await streamListing().streams
    }

    private struct SubjectsPageReply: Decodable {
        var state: SubjectsState?
        var total: Int?
        var limit: Int?
        var error: NATSError.APIError?
    }

    /// One page of the stream's subjects matching `filter`, sorted, from `offset` (the server
    /// sends at most `limit`, 100,000 on nats-server 2.15, per page), and how many match in all.
    /// Decoded once: a page of 100,000 subjects is a 4 MB reply.
    public func streamSubjectsPage(
        _ name: String,
        filter: String,
        offset: Int
    ) async throws -> (
        subjects: [(subject: String, messages: UInt64)], total: Int, limit: Int,
        stream: (messages: UInt64, lastSequence: UInt64)?
    ) {
        let subject = "\(apiPrefix).STREAM.INFO.\(name)"
        let body = ByteBuffer(bytes: try JSONEncoder().encode(SubjectsRequest(subjectsFilter: filter, offset: offset)))
        let reply: NATSMessage
        do {
            reply = try await client.request(body, to: subject, timeout: timeout)
        } catch let error as NATSError where error.code == .noResponders {
            throw NATSError(code: .noResponders, message: "JetStream is not enabled or has no leader (\(subject))")
        }
        let decoded: SubjectsPageReply
        do {
            decoded = try JSONDecoder().decode(SubjectsPageReply.self, from: Data(reply.payload.readableBytesView))
        } catch {
            throw NATSError(
                code: .jetStream,
                message: "cannot decode the reply to \(subject)",
                cause: SendableDescription(error)
            )
        }
        if let apiError = decoded.error { throw Self.mapAPIError(apiError, context: "STREAM.INFO.\(name)") }
        let page = (decoded.state?.subjects ?? [:]).map { (subject: $0.key, messages: $0.value) }
            .sorted { $0.subject < $1.subject }
        let stream = decoded.state.flatMap { state in
            state.messages.flatMap { messages in state.lastSequence.map { (messages, $0) } }
        }
        return (page, decoded.total ?? page.count, decoded.limit ?? page.count, stream)
    }

    // MARK: publishing

    /// Publishes to a stream and waits for its acknowledgement.
    /// - Throws: `.wrongLastSequence` when an expectation fails (nothing stored),
    ///   `.noResponders` when no stream takes the subject (after retrying until
    ///   `options.retryUntil`), `.jetStream` for other API errors, `.timeout`.
    public func publish(
        _ payload: ByteBuffer,
        to subject: String,
        options: PublishOptions = PublishOptions()
    ) async throws -> PubAck {
        let headers = options.headers
        let clock = ContinuousClock()
        let deadline = clock.now + options.retryUntil
        var delay = Duration.milliseconds(50)
        while true {
            let reply: NATSMessage
            do {
                reply = try await client.request(
                    payload,
                    to: subject,
                    headers: headers.isEmpty ? nil : headers,
                    timeout: timeout,
                    buffered: options.bufferWhileDisconnected
                )
            } catch let error as NATSError
                where (error.code == .noResponders || error.code == .notConnected) && clock.now < deadline
            {
                // Nobody took it, or it was not sent (reconnecting): sent again, same headers.
                try await Task.sleep(for: delay)
                delay = min(delay * 2, .milliseconds(500))
                continue
            }
            return try Self.decodeAck(reply, subject: subject)
        }
    }

    /// One message of a pipelined ``publish(_:)``.
    public struct Publish: Sendable {
        public var payload: ByteBuffer
        public var subject: String
        public var options: PublishOptions

        public init(_ payload: ByteBuffer, to subject: String, options: PublishOptions = PublishOptions()) {
            self.payload = payload
            self.subject = subject
            self.options = options
        }
    }

    /// Publishes several messages in this order, in one socket write, and waits for every
    /// acknowledgement: one round trip, each message stored (or refused) on its own, in order.
    /// Not atomic: use ``publishBatch(_:batchID:)`` for all or nothing.
    ///
    /// A 503 "no responders" is retried (same headers, so `Nats-Msg-Id` dedupes) until each
    /// message's `retryUntil`. Each result is that message's PubAck or its own error.
    public func publish(_ messages: [Publish]) async throws -> [Result<PubAck, any Error>] {
        let clock = ContinuousClock()
        let start = clock.now
        var results = [Result<PubAck, any Error>?](repeating: nil, count: messages.count)
        var pending = Array(messages.indices)
        var delay = Duration.milliseconds(50)
        while !pending.isEmpty {
            let replies = try await client.requests(
                pending.map { index in
                    let headers = messages[index].options.headers
                    return NATSClient.OutgoingRequest(
                        messages[index].payload,
                        to: messages[index].subject,
                        headers: headers.isEmpty ? nil : headers
                    )
                },
                timeout: timeout,
                buffered: messages.allSatisfy(\.options.bufferWhileDisconnected)
            )
            var again: [Int] = []
            for (index, reply) in zip(pending, replies) {
                switch reply {
                case .success(let message):
                    results[index] = Result { try Self.decodeAck(message, subject: messages[index].subject) }
                case .failure(let error as NATSError)
                where (error.code == .noResponders || error.code == .notConnected)
                    && clock.now < start + messages[index].options.retryUntil:
                    again.append(index)
                case .failure(let error):
                    results[index] = .failure(error)
                }
            }
            pending = again
            if !pending.isEmpty {
                try await Task.sleep(for: delay)
                delay = min(delay * 2, .milliseconds(500))
            }
        }
        return results.map { $0! }
    }

    public func publish(
        _ bytes: some Sequence<UInt8>,
        to subject: String,
        options: PublishOptions = PublishOptions()
    ) async throws -> PubAck {
        try await publish(ByteBuffer(bytes: bytes), to: subject, options: options)
    }

    static func decodeAck(_ reply: NATSMessage, subject: String) throws -> PubAck {
        if let ack = PubAck(flatJSON: reply.payload.readableBytesView) { return ack }
        let data = Data(reply.payload.readableBytesView)
        if let envelope = try? JSONDecoder().decode(APIErrorEnvelope.self, from: data), let apiError = envelope.error {
            throw mapAPIError(apiError, context: "publish to \(Subject.describe(subject))")
        }
        do {
            return try JSONDecoder().decode(PubAck.self, from: data)
        } catch {
            throw NATSError(code: .jetStream, message: "publish to \(Subject.describe(subject)): reply is not a PubAck")
        }
    }

    // MARK: reading

    /// The last message on `subject` by direct get (any replica answers; may be stale).
    /// Needs `allow_direct` on the stream. Returns nil when the subject has no message.
    public func directGetLast(stream: String, subject: String) async throws -> StoredMessage? {
        let reply = try await client.request(
            ByteBuffer(),
            to: "\(apiPrefix).DIRECT.GET.\(stream).\(subject)",
            timeout: timeout
        )
        return try Self.decodeDirect(reply, stream: stream)
    }

    private struct DirectRequest: Encodable {
        var seq: UInt64?
        var lastBySubject: String?
        enum CodingKeys: String, CodingKey {
            case seq
            case lastBySubject = "last_by_subj"
        }
    }

    /// The message at `sequence` by direct get; nil when there is none.
    public func directGet(stream: String, sequence: UInt64) async throws -> StoredMessage? {
        let body = ByteBuffer(bytes: try JSONEncoder().encode(DirectRequest(seq: sequence)))
        let reply = try await client.request(body, to: "\(apiPrefix).DIRECT.GET.\(stream)", timeout: timeout)
        return try Self.decodeDirect(reply, stream: stream)
    }

    /// The messages at `sequences` by direct get, all requests in one socket write and one round
    /// trip; nil where there is none.
    public func directGet(stream: String, sequences: [UInt64]) async throws -> [StoredMessage?] {
        let requests = try sequences.map { sequence in
            NATSClient.OutgoingRequest(
                ByteBuffer(bytes: try JSONEncoder().encode(DirectRequest(seq: sequence))),
                to: "\(apiPrefix).DIRECT.GET.\(stream)"
            )
        }
        return try await client.requests(requests, timeout: timeout).map {
            try Self.decodeDirect($0.get(), stream: stream)
        }
    }

    static func decodeDirect(_ reply: NATSMessage, stream: String) throws -> StoredMessage? {
        if let status = reply.status {
            if status == 404 { return nil }
            throw NATSError(
                code: .jetStream,
                message: "direct get on \(stream): status \(status) \(reply.headers?.statusDescription ?? "")"
            )
        }
        guard let headers = reply.headers, let subject = headers["Nats-Subject"],
            let sequence = headers["Nats-Sequence"].flatMap(UInt64.init)
        else {
            throw NATSError(
                code: .jetStream,
                message: "direct get on \(stream): reply lacks Nats-Subject or Nats-Sequence"
            )
        }
        return StoredMessage(
            subject: subject,
            sequence: sequence,
            headers: headers,
            payload: reply.payload,
            time: headers["Nats-Time-Stamp"]
        )
    }

    struct MessageGetReply: Decodable {
        struct Message: Decodable, Equatable {
            var subject: String
            var seq: UInt64
            var hdrs: String?
            var data: String?
            var time: String?
        }
        var message: Message
    }

    /// The last message on `subject`, read from the stream leader (read-after-write consistent).
    /// Returns nil when the subject has no message.
    public func lastMessage(stream: String, subject: String) async throws -> StoredMessage? {
        // A subject needs no JSON escaping unless it holds a quote or a backslash.
        let request =
            subject.utf8.contains { $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }
            ? ByteBuffer(bytes: try JSONEncoder().encode(DirectRequest(lastBySubject: subject)))
            : ByteBuffer(string: #"{"last_by_subj":"\#(subject)"}"#)
        return try await leaderMessage(stream: stream, request: request)
    }

    /// The message at `sequence`, from the stream leader; nil when there is none.
    public func message(stream: String, sequence: UInt64) async throws -> StoredMessage? {
        try await leaderMessage(stream: stream, request: ByteBuffer(string: #"{"seq":\#(sequence)}"#))
    }

    /// One `STREAM.MSG.GET`: the usual reply takes one flat scan; anything else (an error,
    /// escapes) the full decoder, on the same reply. Nil when there is no such message.
    private func leaderMessage(stream: String, request: ByteBuffer) async throws -> StoredMessage? {
        let path = "STREAM.MSG.GET.\(stream)"
        let reply = try await apiReply(path, payload: request)
        if let message = Self.leaderMessage(flatJSON: reply.payload.readableBytesView) {
            return try Self.decodeLeaderMessage(message)
        }
        do {
            return try Self.decodeLeaderMessage(decodeAPIReply(reply, path: path, as: MessageGetReply.self).message)
        } catch let error as NATSError where error.apiError?.errCode == JetStreamErrorCode.messageNotFound {
            return nil
        }
    }

    /// A `STREAM.MSG.GET` reply of the usual shape, `{"type": …, "message": {flat fields}}` with
    /// no escapes, read in one scan; nil for anything else (errors included).
    static func leaderMessage(flatJSON bytes: some Collection<UInt8>) -> MessageGetReply.Message? {
        var scanner = FlatJSONScanner(Array(bytes))
        guard scanner.take(UInt8(ascii: "{")) else { return nil }
        var found: MessageGetReply.Message?
        repeat {
            guard let key = scanner.string(), scanner.take(UInt8(ascii: ":")) else { return nil }
            switch key {
            case "type":
                guard case .string? = scanner.scalar() else { return nil }
            case "message":
                guard found == nil, scanner.take(UInt8(ascii: "{")) else { return nil }
                var subject: String?
                var sequence: UInt64?
                var message = MessageGetReply.Message(subject: "", seq: 0)
                repeat {
                    guard let field = scanner.string(), scanner.take(UInt8(ascii: ":")), let value = scanner.scalar()
                    else { return nil }
                    switch (field, value) {
                    case ("subject", .string(let text)): subject = text
                    case ("seq", .integer(let number)): sequence = number
                    case ("hdrs", .string(let text)): message.hdrs = text
                    case ("data", .string(let text)): message.data = text
                    case ("time", .string(let text)): message.time = text
                    case ("subject", _), ("seq", _), ("hdrs", _), ("data", _), ("time", _): return nil
                    default: break
                    }
                } while scanner.take(UInt8(ascii: ","))
                guard scanner.take(UInt8(ascii: "}")), let subject, let sequence else { return nil }
                message.subject = subject
                message.seq = sequence
                found = message
            default:
                return nil  // "error" or an unknown key: the full decoder
            }
        } while scanner.take(UInt8(ascii: ","))
        guard scanner.take(UInt8(ascii: "}")), scanner.atEnd else { return nil }
        return found
    }

    static func decodeLeaderMessage(_ message: MessageGetReply.Message) throws -> StoredMessage {
        var headers: NATSHeaders?
        if let encoded = message.hdrs, let bytes = Data(base64Encoded: encoded) {
            headers = try bytes.withUnsafeBytes { raw in
                try NATSHeaders.parse(raw.assumingMemoryBound(to: UInt8.self))
            }
        }
        let payload = message.data.flatMap { Data(base64Encoded: $0) }.map { ByteBuffer(bytes: $0) } ?? ByteBuffer()
        return StoredMessage(
            subject: message.subject,
            sequence: message.seq,
            headers: headers,
            payload: payload,
            time: message.time
        )
    }
}
