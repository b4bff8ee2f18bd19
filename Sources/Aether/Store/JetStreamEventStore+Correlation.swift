import AetherNATS
import NIOCore

/// The correlation index on JetStream (`docs/WIRE-FORMAT.md`, "Correlation index"): a record on
/// `aether.store.<stream>.c.<correlation token>` for each event whose metadata names a
/// `correlationId`, naming the event: just ahead of a single event (same socket write), just
/// after each event of an atomic batch.
extension JetStreamEventStore: CorrelationIndex {
    /// Marks an index record (its value: what it indexes).
    public static let indexHeader = "Aether-Index"

    func correlationSubject(_ correlationID: String) -> String {
        "aether.store.\(streamName).c.\(ActorToken.encode(correlationID))"
    }

    /// An index record's payload: `{"eventId": …, "actorId": …, "version": …}`.
    static func indexRecord(for event: Event) -> [UInt8] {
        Array(
            JSONValue.object([
                "eventId": .string(event.id), "actorId": .string(event.actorID), "version": .integer(event.version),
            ]).serialized().utf8
        )
    }

    /// The index message that follows `event` in its batch, if the event has a correlation id.
    func indexMessage(for event: Event) -> BatchMessage? {
        guard configuration.indexCorrelations, let correlationID = event.correlationID, !correlationID.isEmpty
        else { return nil }
        return BatchMessage(
            subject: correlationSubject(correlationID),
            payload: ByteBuffer(bytes: Self.indexRecord(for: event)),
            headers: ["Nats-Msg-Id": event.id + ".correlation", Self.indexHeader: "correlation"]
        )
    }

    public func events(correlatedWith correlationID: String) async throws -> CorrelationRead {
        guard !correlationID.isEmpty else {
            throw AetherError(code: .invalidArgument, message: "a correlation id cannot be empty")
        }
        var records: [StoredMessage] = []
        do {
            try await forEachMessage(correlationSubject(correlationID)) { message in
                records.append(message)
                return true
            }
        } catch let error as NATSError {
            throw AetherError(error, context: "reading the correlation index of \(namespace)")
        }
        // Each record is followed to its event: one direct get each, at most 64 in flight (a
        // request of thousands of events would otherwise time its own gets out).
        let resolved = try await withThrowingTaskGroup(of: (Int, Result<Event, Problem>).self) { group in
            var results = [Result<Event, Problem>?](repeating: nil, count: records.count)
            for (position, record) in records.enumerated() {
                if position >= 64, let (done, result) = try await group.next() { results[done] = result }
                group.addTask { (position, try await self.follow(record)) }
            }
            for try await (position, result) in group { results[position] = result }
            return results
        }
        var read = CorrelationRead(events: [])
        var seen = Set<String>()
        for result in resolved {
            switch result {
            case .success(let event)? where event.correlationID != correlationID:
                // Another writer's record cannot graft another request's events into this one.
                read.problems.append(
                    "an index record points at event \(Identifiers.quoted(event.id)) of actor \(Identifiers.quoted(event.actorID)), whose correlationId is \(event.correlationID.map(Identifiers.quoted) ?? "absent"): left out"
                )
            case .success(let event)?:
                // A record written twice (a retried batch another writer made) counts once.
                if seen.insert(event.id).inserted { read.events.append(event) }
            case .failure(let problem)?:
                read.problems.append(problem.text)
            case nil:
                break
            }
        }
        return read
    }

    struct Problem: Error {
        let text: String
    }

    /// The event an index record names: the message just after the record (a single save puts
    /// it there) or just before it (a batch does), else the actor's record at that version (a
    /// writer of another actor came in between, or a writer put it elsewhere).
    func follow(_ record: StoredMessage) async throws -> Result<Event, Problem> {
        guard let object = (try? JSONValue.parse(record.data))?.objectValue,
            let eventID = object["eventId"]?.stringValue, let actorID = object["actorId"]?.stringValue,
            let version = object["version"]?.integerValue
        else {
            return .failure(Problem(text: "index record at sequence \(record.sequence) is not an index record"))
        }
        func matches(_ event: Event) -> Bool { event.id == eventID && event.actorID == actorID }
        guard (try? Identifiers.validateActorID(actorID)) != nil else {
            return .failure(
                Problem(
                    text:
                        "index record at sequence \(record.sequence) names an invalid actor id \(Identifiers.quoted(actorID))"
                )
            )
        }
        // Both neighbours in one round trip: just after the record (a single save), just before
        // it (a batch). By sequence: a subject-filtered get from a sequence costs the server a
        // search of the stream.
        let neighbours = try await js.directGet(
            stream: streamName,
            sequences: record.sequence > 1 ? [record.sequence + 1, record.sequence - 1] : [record.sequence + 1]
        )
        for case let message? in neighbours where message.subject == eventSubject(actorID) {
            if let event = try? Event(jsonBytes: message.payload.readableBytesView), matches(event) {
                return .success(event)
            }
        }
        if let stored = try await storedRecord(of: actorID, version: version),
            let message = try await js.directGet(stream: streamName, sequence: stored.sequence),
            let event = try? Event(jsonBytes: message.payload.readableBytesView), matches(event)
        {
            return .success(event)
        }
        return .failure(
            Problem(
                text:
                    "index record at sequence \(record.sequence) names event \(Identifiers.quoted(eventID)) of \(Identifiers.quoted(actorID)) v\(version), which is not stored"
            )
        )
    }
}
