import AetherNATS
import Crypto
import Logging
import NIOCore
import Synchronization

/// Reading events: full histories with their bad records, version ranges, streams, and following other writers.
extension JetStreamEventStore {
    // MARK: reading

    public func events(of actorID: String, from fromVersion: Int64) async throws -> [Event] {
        try await eventsWithErrors(of: actorID, from: fromVersion).events
    }

    public func eventsWithErrors(of actorID: String, from fromVersion: Int64) async throws -> ReplayResult {
        try await eventsWithErrors(of: actorID, from: fromVersion, through: .max)
    }

    public func eventsWithErrors(
        of actorID: String,
        from fromVersion: Int64,
        through throughVersion: Int64
    ) async throws -> ReplayResult {
        try Identifiers.validateActorID(actorID)
        let subject = eventSubject(actorID)
        var start: UInt64 = 1
        do {
            if fromVersion > 1 {
                guard let found = try await startSequence(of: subject, actorID: actorID, atOrAbove: fromVersion) else {
                    return ReplayResult(events: [], errors: [])
                }
                start = found
            }
            let read = try await eventsWithErrors(
                subject,
                actorID,
                from: fromVersion,
                through: throughVersion,
                start: start
            )
            // The search for the start trusts versions to rise along the subject. A record out of
            // order (another writer's) can mislead it past events in range: a read that does not
            // begin at exactly `fromVersion`, or meets a bad record, is read again from the first.
            // So does one whose good event before the range is not `fromVersion - 1` (the start's
            // search began at a record out of order, read as good).
            if start > 1,
                !read.result.errors.isEmpty || read.result.events.first?.version != fromVersion
                    || read.preceding != fromVersion - 1
            {
                return try await eventsWithErrors(
                    subject,
                    actorID,
                    from: fromVersion,
                    through: throughVersion,
                    start: 1,
                    countingBelow: start
                ).result
            }
            return read.result
        } catch let error as NATSError {
            throw AetherError(error, context: "reading actor \(Identifiers.quoted(actorID))")
        }
    }

    private func eventsWithErrors(
        _ subject: String,
        _ actorID: String,
        from fromVersion: Int64,
        through throughVersion: Int64,
        start: UInt64,
        countingBelow counted: UInt64 = .max
    ) async throws -> (result: ReplayResult, preceding: Int64) {
        var events: [Event] = []
        // The last good version read before the first event in range.
        var preceding: Int64 = 0
        var errors: [ReplayError] = []
        // The last good version read, whether or not it is returned: a record whose version
        // does not rise above it is out of order.
        var lastVersion: Int64 = 0
        do {
            // Every record is decoded: its Aether-Version header, another writer's, may lie, and
            // a read that skipped or stopped by it would hide events.
            try await forEachMessage(subject, from: start) { message in
                let problem: AetherError
                switch Result(catching: { () throws(AetherError) in
                    try Event(jsonBytes: message.payload.readableBytesView)
                }) {
                case .success(let event):
                    if let header = message.headers?[Self.versionHeader], let stated = Int64(header),
                        stated != event.version
                    {
                        problem = AetherError(
                            code: .invalidEvent,
                            message:
                                "its \(Self.versionHeader) header says version \(stated), its payload \(event.version); event \(Identifiers.quoted(event.id))"
                        )
                    } else if event.actorID != actorID {
                        problem = AetherError(
                            code: .invalidEvent,
                            message:
                                "names actor \(Identifiers.quoted(event.actorID)), not its subject's actor \(Identifiers.quoted(actorID)); event \(Identifiers.quoted(event.id))"
                        )
                    } else if event.version <= lastVersion {
                        problem = AetherError(
                            code: .invalidEvent,
                            message:
                                "version \(event.version) after version \(lastVersion): versions must rise; event \(Identifiers.quoted(event.id))"
                        )
                    } else {
                        if event.version > throughVersion { return false }
                        if event.version >= fromVersion {
                            events.append(event)
                        } else {
                            preceding = event.version
                        }
                        lastVersion = event.version
                        return true
                    }
                case .failure(let error):
                    problem = error
                }
                // A read again from the first counts only what the first read did not see.
                if message.sequence < counted { counters.withLock { $0.undecodableEvents += 1 } }
                if lastVersion + 1 >= fromVersion {
                    errors.append(
                        ReplayError(
                            sequence: message.sequence,
                            rawData: message.data,
                            cause: problem,
                            afterVersion: lastVersion
                        )
                    )
                }
                return true
            }
        } catch let error as NATSError {
            throw AetherError(error, context: "reading actor \(Identifiers.quoted(actorID))")
        }
        return (ReplayResult(events: events, errors: errors), preceding)
    }

    public func eventStream(of actorID: String, from fromVersion: Int64) -> AsyncThrowingStream<Event, any Error> {
        let subject = eventSubject(actorID)
        return AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    try Identifiers.validateActorID(actorID)
                    var start: UInt64 = 1
                    if fromVersion > 1 {
                        guard let found = try await startSequence(of: subject, actorID: actorID, atOrAbove: fromVersion)
                        else {
                            continuation.finish()
                            return
                        }
                        start = found
                    }
                    // The search for the start trusts versions to rise (see `eventsWithErrors`): a
                    // read whose first event in range is not `fromVersion` starts again from the
                    // first record, before anything was yielded.
                    reading: while true {
                        var yielded = false
                        for try await message in read(subject, from: start) {
                            if let header = message.headers?[Self.versionHeader], let version = Int64(header),
                                version < fromVersion
                            {
                                continue
                            }
                            let event = try Event(jsonBytes: message.payload.readableBytesView)
                            guard event.version >= fromVersion else { continue }
                            if !yielded, start > 1, event.version != fromVersion {
                                start = 1
                                continue reading
                            }
                            yielded = true
                            continuation.yield(event)
                        }
                        break
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// Hands the messages of a subject from stream sequence `from` to `body`, in order, until it
    /// returns false (see `read`). On R1 streams batch by batch, with no task hop per message;
    /// a long history (more than `orderedReadAfter` messages still pending after the first
    /// batch) goes on through an ordered consumer, which carries less per message than a direct
    /// get's reply (no stream, subject, sequence and time headers to parse) and costs one
    /// consumer, worth it only for a long read.
    func forEachMessage(
        _ subject: String,
        from sequence: UInt64 = 1,
        _ body: (StoredMessage) throws -> Bool
    ) async throws {
        guard configuration.replicas <= 1 else {
            try await orderedEach(subject, from: sequence, body)
            return
        }
        let (first, pending) = try await js.directGetBatch(
            stream: streamName,
            subject: subject,
            from: sequence,
            count: configuration.readBatchSize
        )
        for message in first where try !body(message) { return }
        guard let last = first.last?.sequence, pending > 0 else { return }
        if pending > Self.orderedReadAfter {
            try await orderedEach(subject, from: last + 1, body)
        } else {
            try await js.directGetEach(
                stream: streamName,
                subject: subject,
                from: last + 1,
                batchSize: configuration.readBatchSize,
                body
            )
        }
    }

    /// How many messages still to read make an R1 read go on through an ordered consumer.
    public static let orderedReadAfter: UInt64 = 8192

    /// The version of the actor's event a record holds; nil when it holds none (undecodable,
    /// another actor's, version ≤ 0). Not its header: another writer's header may lie, and
    /// would send a search the wrong way.
    static func statedVersion(of message: StoredMessage, actorID: String) -> Int64? {
        guard let event = try? Event(jsonBytes: message.payload.readableBytesView), event.actorID == actorID,
            event.version > 0
        else { return nil }
        return event.version
    }

    /// The stream sequence to read an actor's events from to get every record with a version at
    /// or above `version` (and the bad records just before the first): a binary search over stream sequences, one direct get per step
    /// (`next_by_subj`), about 20 for a million records. Nil when the actor has no event at or
    /// above it. Records that state no version are stepped over (a few at most per probe);
    /// past that the search gives up and answers 1, a full read, which is always right.
    func startSequence(of subject: String, actorID: String, atOrAbove version: Int64) async throws -> UInt64? {
        let head =
            configuration.replicas <= 1
            ? try await js.directGetLast(stream: streamName, subject: subject)
            : try await js.lastMessage(stream: streamName, subject: subject)
        guard let head else { return nil }
        guard let headVersion = Self.statedVersion(of: head, actorID: actorID) else { return 1 }
        if headVersion < version { return nil }
        var low: UInt64 = 1
        var high = head.sequence
        // The read starts at the record below `version` with the highest stated version, so the
        // records between it and the first one in range (out of order, another actor's) are
        // read and reported where they lie, as a read from the first record would.
        var below: (sequence: UInt64, version: Int64)?
        while low < high {
            let mid = low + (high - low) / 2
            guard var probe = try await js.directGetNext(stream: streamName, subject: subject, from: mid) else {
                return 1
            }
            var stated = Self.statedVersion(of: probe, actorID: actorID)
            var steps = 0
            while stated == nil, probe.sequence < high, steps < 8,
                let next = try await js.directGetNext(stream: streamName, subject: subject, from: probe.sequence + 1)
            {
                probe = next
                stated = Self.statedVersion(of: probe, actorID: actorID)
                steps += 1
            }
            guard let stated else { return 1 }
            if stated >= version {
                high = mid
            } else {
                low = probe.sequence + 1
                if stated > below?.version ?? .min { below = (probe.sequence, stated) }
            }
        }
        return below?.sequence ?? 1
    }

    /// The messages of a subject in order. R1 streams: batched direct gets. Replicated streams:
    /// an ordered consumer, which the stream leader serves, so a read sees every acknowledged write.
    func read(_ subject: String, from sequence: UInt64 = 1) -> AsyncThrowingStream<StoredMessage, any Error> {
        if configuration.replicas <= 1 {
            return js.directGetAll(
                stream: streamName,
                subject: subject,
                from: sequence,
                batchSize: configuration.readBatchSize
            )
        }
        return orderedRead(subject, from: sequence)
    }

    /// The messages of a subject in order through an ordered consumer, up to the subject's last
    /// sequence when the read starts.
    func orderedRead(_ subject: String, from sequence: UInt64) -> AsyncThrowingStream<StoredMessage, any Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    try await orderedEach(subject, from: sequence) { message in
                        continuation.yield(message)
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

    /// Hands the messages of a subject from `sequence` to `body`, in order, through an ordered
    /// consumer run in the calling task (no stream, no task hop per message), up to the
    /// subject's last sequence when the read starts, or until `body` returns false.
    ///
    /// The consumer may be placed on a replica that has not applied the latest writes yet, and
    /// then report itself caught up too early; the stream leader's last sequence for the subject
    /// (MSG.GET, fresh) says how far to read.
    func orderedEach(_ subject: String, from sequence: UInt64, _ body: (StoredMessage) throws -> Bool) async throws {
        guard let last = try await js.lastMessage(stream: streamName, subject: subject)?.sequence, last >= sequence
        else { return }
        var ended = false
        try await js.orderedConsumerEach(
            stream: streamName,
            filterSubjects: [subject],
            deliverPolicy: sequence > 1 ? .byStartSequence(sequence) : .all
        ) { event in
            guard case .message(let message) = event else { return true }
            let stored = StoredMessage(
                subject: message.subject,
                sequence: message.streamSequence,
                headers: message.headers,
                payload: message.payload,
                time: nil
            )
            if try !body(stored) || message.streamSequence >= last {
                ended = true
                return false
            }
            return true
        }
        // The consumer stops early only when the task is cancelled: never a silently short read.
        if !ended { try Task.checkCancellation() }
    }

    /// Keeps the version cache in step with other writers: follows `EventStored` notifications of
    /// this namespace on `bus` until the calling task is cancelled.
    public func followEventStored(on bus: any EventBus) async throws {
        let subscription = try await bus.subscribe(
            EventStored.busNamespace(for: namespace),
            filter: nil,
            options: SubscriptionOptions(bufferSize: 10_000, overflow: .dropOldest)
        )
        defer { subscription.cancel() }
        while let delivered = await subscription.next() {
            if let notification = EventStored(event: delivered.event) { observe(notification) }
        }
    }
}

/// A stored event's message as the stream holds it: what the event inspector shows beside the
/// decoded event.
public struct StoredRecord: Sendable, Equatable {
    public var stream: String
    public var subject: String
    public var sequence: UInt64
    /// The payload's bytes (the event's JSON), headers not counted.
    public var payloadBytes: Int
    public struct Header: Sendable, Equatable {
        public var name: String
        public var value: String

        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    /// Headers in the order stored; names repeat when a header has several values.
    public var headers: [Header]
    /// When the server stored it (RFC 3339), if it said.
    public var storedAt: String?

    public init(
        stream: String,
        subject: String,
        sequence: UInt64,
        payloadBytes: Int,
        headers: [Header],
        storedAt: String?
    ) {
        self.stream = stream
        self.subject = subject
        self.sequence = sequence
        self.payloadBytes = payloadBytes
        self.headers = headers
        self.storedAt = storedAt
    }
}

extension JetStreamEventStore {
    /// Headers the server adds to a direct get's reply (ADR-31), not stored with the message.
    static let directGetHeaders: Set<String> = [
        "Nats-Stream", "Nats-Subject", "Nats-Sequence", "Nats-Time-Stamp", "Nats-Num-Pending", "Nats-Last-Sequence",
    ]

    /// The stored message of an actor's event at `version`: found by the same binary search as a
    /// read from a version, then read by sequence; when records out of order hide it from the
    /// search, by reading the actor's records through. Nil when no record holds this actor's
    /// event at that version (records of other actors, undecodable ones and lying version
    /// headers are stepped over).
    /// - Throws: `AetherError` for an invalid actor ID; the transport's errors.
    public func storedRecord(of actorID: String, version: Int64) async throws -> StoredRecord? {
        try Identifiers.validateActorID(actorID)
        let subject = eventSubject(actorID)
        // Nil: above the actor's last event.
        guard var sequence = try await startSequence(of: subject, actorID: actorID, atOrAbove: version) else {
            return nil
        }
        // The search starts at or just below the record; a few records on at most. Records
        // that hold no event of the actor, or versions that do not rise, are disorder: only
        // then may the record be where the search cannot see it.
        var sawDisorder = false
        var missedCleanly = false
        var previous: Int64 = 0
        for _ in 0..<64 {
            guard let message = try await js.directGetNext(stream: streamName, subject: subject, from: sequence)
            else { break }
            // The version of this actor's event the record holds (another actor's, or none, is not it).
            let stated = Self.statedVersion(of: message, actorID: actorID)
            if let stated, stated > previous { previous = stated } else { sawDisorder = true }
            if stated == version { return record(of: message) }
            if let stated, stated > version {
                missedCleanly = !sawDisorder
                break
            }
            sequence = message.sequence + 1
        }
        if missedCleanly { return nil }
        // Records out of order (another writer's) can hide it from the search: read the
        // actor's records through, once.
        var found: StoredMessage?
        try await forEachMessage(subject) { message in
            guard Self.statedVersion(of: message, actorID: actorID) == version else { return true }
            found = message
            return false
        }
        return found.map(record(of:))
    }

    /// The stored message at a sequence of the stream, whatever it holds (a bad record's, say).
    /// Nil when there is none (deleted, or past the end).
    /// - Throws: the transport's errors.
    public func storedRecord(atSequence sequence: UInt64) async throws -> StoredRecord? {
        try await js.directGet(stream: streamName, sequence: sequence).map(record(of:))
    }

    private func record(of message: StoredMessage) -> StoredRecord {
        StoredRecord(
            stream: streamName,
            subject: message.subject,
            sequence: message.sequence,
            payloadBytes: message.payload.readableBytes,
            // The headers the writer stored; not the ones a direct get's reply adds.
            headers: message.headers.map { headers in
                headers.filter { !Self.directGetHeaders.contains($0.name) }.map {
                    StoredRecord.Header(name: $0.name, value: $0.value)
                }
            } ?? [],
            storedAt: message.time
        )
    }
}
