import AetherNATS
import Crypto
import Logging
import NIOCore
import Synchronization

/// Saving events: expected-sequence checks from the per-actor cache, atomic batches, heads and latest versions.
extension JetStreamEventStore {
    // MARK: saving

    public func save(_ event: Event) async throws {
        try await save([event])
    }

    public func save(_ events: [Event]) async throws {
        // Inside a span, the events record it (traceId, spanId) unless they name one already.
        let events = events.map { $0.stampedWithCurrentTrace() }
        guard let first = events.first else { return }
        for event in events { try event.validate() }
        try VersionRules.checkBatch(events, current: 0)  // one actor, increasing
        let actorID = first.actorID
        let subject = eventSubject(actorID)
        let payloads = events.map { $0.jsonBytes() }
        let maxPayload = js.client.maxPayload
        for (event, payload) in zip(events, payloads) where payload.count > maxPayload - 512 {
            throw AetherError(
                code: .payloadTooLarge,
                message:
                    "the event is \(payload.count) bytes; an event takes at most \(maxPayload - 512) (the server's max_payload of \(maxPayload), less 512 for headers) (actor \(Identifiers.quoted(actorID)), event \(event.id))"
            )
        }
        // While the client reconnects nothing is sent (a read of the head would wait out its
        // timeout first): refused at once, if asked to, and said to be nothing sent.
        if configuration.refuseWhileReconnecting, case .reconnecting = js.client.status {
            throw AetherError(
                code: .unavailable,
                message:
                    "saving actor \(Identifiers.quoted(actorID)) in \(namespace): not connected (\(js.client.status)); nothing sent",
                details: .nothingSent
            )
        }
        // An index record stored ahead of an event the stream then refused; removed if the save
        // fails for good (a retry of the same event keeps it: it names the event that is stored).
        var strayIndex: UInt64?
        do {
            try await save(events, payloads, actorID: actorID, subject: subject, strayIndex: &strayIndex)
        } catch {
            if let strayIndex { await removeStrayIndex(at: strayIndex, of: events[0]) }
            throw error
        }
    }

    private func save(
        _ events: [Event],
        _ payloads: [[UInt8]],
        actorID: String,
        subject: String,
        strayIndex: inout UInt64?
    ) async throws {
        var head = try await beforeSending { try await readHead(of: actorID, fresh: false) }
        var fresh = false
        var attempts = 0
        while true {
            if head.lastMessageID == events[events.count - 1].id {
                // Our own earlier attempt was stored (a retry after a lost ack): done, once.
                cache.withLock { $0[actorID] = CachedActor(version: head.version, sequence: head.sequence) }
                await notify(events)
                return
            }
            do {
                try VersionRules.checkBatch(events, current: head.version)
            } catch {
                // Confirm a conflict seen in the cache against the stream before reporting it.
                if !fresh {
                    head = try await beforeSending { try await readHead(of: actorID, fresh: true) }
                    fresh = true
                    continue
                }
                counters.withLock { $0.conflicts += 1 }
                throw error
            }
            do {
                let sequence = try await publish(
                    events,
                    payloads,
                    subject: subject,
                    expected: head.sequence,
                    strayIndex: &strayIndex
                )
                strayIndex = nil
                let last = events[events.count - 1]
                let due = cache.withLock { cache -> Bool in
                    var entry = cache[actorID] ?? CachedActor(version: 0, sequence: 0)
                    entry.version = last.version
                    entry.sequence = sequence
                    entry.sinceSnapshot += events.count
                    cache[actorID] = entry
                    return configuration.snapshotEvery.map { entry.sinceSnapshot >= $0 } ?? false
                }
                await notify(events)
                if due {
                    do {
                        try await snapshotNow(actorID)
                    } catch {
                        logger.warning(
                            "automatic snapshot failed",
                            metadata: ["actor": "\(Identifiers.quoted(actorID))", "error": "\(error)"]
                        )
                    }
                }
                return
            } catch let error as NATSError where error.code == .wrongLastSequence {
                // Someone else wrote first: look at the stream; the loop decides conflict or retry.
                head = try await beforeSending { try await readHead(of: actorID, fresh: true) }
                fresh = true
                attempts += 1
                counters.withLock { $0.retries += 1 }
                if attempts > 20 {
                    throw AetherError(
                        code: .unavailable,
                        message:
                            "save of actor \(Identifiers.quoted(actorID)) kept racing other writers; gave up after 20 tries"
                    )
                }
            } catch let error as NATSError {
                throw AetherError(error, context: "saving actor \(Identifiers.quoted(actorID)) in \(namespace)")
            }
        }
    }

    func publish(
        _ events: [Event],
        _ payloads: [[UInt8]],
        subject: String,
        expected: UInt64,
        strayIndex: inout UInt64?
    ) async throws -> UInt64 {
        let indexes = events.map(indexMessage(for:))
        if events.count == 1 {
            var options = PublishOptions(messageID: events[0].id, expectedLastSubjectSequence: expected)
            options.retryUntil = .seconds(15)
            // While reconnecting, refused at once and never sent: a save reported as failed is
            // not stored later from the reconnect buffer.
            options.bufferWhileDisconnected = false
            options.extraHeaders = [Self.versionHeader: String(events[0].version)]
            let event = JetStream.Publish(ByteBuffer(bytes: payloads[0]), to: subject, options: options)
            guard let index = indexes[0] else {
                return try await js.publish(event.payload, to: subject, options: options).sequence
            }
            return try await publish(event, after: index, strayIndex: &strayIndex)
        }
        // Several events: one atomic batch, each event followed by its index record.
        var messages: [BatchMessage] = []
        for (index, (event, payload)) in zip(events, payloads).enumerated() {
            var headers: NATSHeaders = ["Nats-Msg-Id": event.id, Self.versionHeader: String(event.version)]
            if index == 0 { headers["Nats-Expected-Last-Subject-Sequence"] = String(expected) }
            messages.append(BatchMessage(subject: subject, payload: ByteBuffer(bytes: payload), headers: headers))
            if let record = indexes[index] { messages.append(record) }
        }
        // The ack is the commit's (the last message); the actor's last event comes before a
        // trailing index record.
        let sequence = try await batchWhenConnected(messages).sequence
        return indexes[indexes.count - 1] == nil ? sequence : sequence - 1
    }

    /// One event with its index record just ahead of it, both in one socket write and one
    /// round trip (an atomic batch costs a save over 10× on nats-server 2.15.1: it stages the
    /// batch in a file store of its own). The record goes first, so a connection cut between
    /// the two can leave a record without its event, which readers skip, and never an event
    /// without its record. A record the server refused while it stored the event is sent again.
    private func publish(
        _ event: JetStream.Publish,
        after index: BatchMessage,
        strayIndex: inout UInt64?
    ) async throws -> UInt64 {
        var record = PublishOptions()
        record.extraHeaders = index.headers  // Nats-Msg-Id and Aether-Index, as in a batch
        record.retryUntil = event.options.retryUntil
        record.bufferWhileDisconnected = event.options.bufferWhileDisconnected
        let indexPublish = JetStream.Publish(index.payload, to: index.subject, options: record)
        let results = try await js.publish([indexPublish, event])
        let indexAck = try? results[0].get()
        do {
            let sequence = try results[1].get().sequence
            if indexAck == nil { await republishIndex(indexPublish, of: event.options.messageID ?? "") }
            return sequence
        } catch {
            // Only a refusal the server answered is known not stored; after a timeout or a lost
            // connection the event may be (this attempt's record is the earlier one, a msg-id
            // duplicate), and the record stays.
            if (error as? NATSError)?.apiError != nil {
                if let indexAck { strayIndex = indexAck.sequence }
            } else {
                strayIndex = nil
            }
            throw error
        }
    }

    /// The event is stored but its index record was refused: one more try, on its own (the
    /// record then follows the event; readers look on both sides). If that fails too, the event
    /// is findable only by a scan, and the log says so.
    private func republishIndex(_ index: JetStream.Publish, of eventID: String) async {
        do {
            _ = try await js.publish(index.payload, to: index.subject, options: index.options)
        } catch {
            counters.withLock { $0.indexFailures += 1 }
            logger.error(
                "correlation index record not stored; the event is found only by a scan",
                metadata: ["event": "\(Identifiers.quoted(eventID))", "error": "\(error)"]
            )
        }
    }

    /// Removes the index record stored ahead of an event the save did not store, so that no
    /// trace lists it.
    func removeStrayIndex(at sequence: UInt64, of event: Event) async {
        do {
            try await js.deleteMessage(stream: streamName, sequence: sequence)
        } catch {
            logger.warning(
                "index record of a refused save left in the stream (traces name it as not stored)",
                metadata: ["sequence": "\(sequence)", "event": "\(Identifiers.quoted(event.id))", "error": "\(error)"]
            )
        }
    }

    /// An atomic batch, never from the reconnect buffer: one not sent because the client was
    /// reconnecting (nothing of it stored) is sent again until 15 s have passed, as a single
    /// event's publish is.
    private func batchWhenConnected(_ messages: [BatchMessage]) async throws -> PubAck {
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(15)
        var delay = Duration.milliseconds(50)
        while true {
            do {
                return try await js.publishBatch(messages, buffered: false)
            } catch let error as NATSError where error.code == .notConnected && clock.now < deadline {
                try await Task.sleep(for: delay)
                delay = min(delay * 2, .milliseconds(500))
            }
        }
    }

    /// A read a save makes before it sends (or after the server refused what it sent): its
    /// failure means nothing of the save was stored, and says so.
    private func beforeSending<T>(_ read: () async throws -> T) async throws -> T {
        do {
            return try await read()
        } catch var error as AetherError where error.details == nil {
            error.details = .nothingSent
            throw error
        }
    }

    func notify(_ events: [Event]) async {
        guard let sink else { return }
        await sink.eventsStored(events, namespace: namespace, at: now())
    }

    // MARK: heads and versions

    struct Head {
        var version: Int64
        var sequence: UInt64
        var lastMessageID: String?
    }

    /// The actor's last event: from the cache unless `fresh`, else from the stream leader.
    func readHead(of actorID: String, fresh: Bool) async throws -> Head {
        if !fresh, let cached = cache.withLock({ $0[actorID] }) {
            return Head(version: cached.version, sequence: cached.sequence)
        }
        let message: StoredMessage?
        do {
            message = try await js.lastMessage(stream: streamName, subject: eventSubject(actorID))
        } catch let error as NATSError {
            throw AetherError(error, context: "reading the head of actor \(Identifiers.quoted(actorID))")
        }
        guard let message else {
            cache.withLock { $0[actorID] = CachedActor(version: 0, sequence: 0) }
            return Head(version: 0, sequence: 0)
        }
        let version = try await resolveVersion(of: message, actorID: actorID)
        cache.withLock { cache in
            let since = cache[actorID]?.sinceSnapshot ?? 0
            cache[actorID] = CachedActor(version: version, sequence: message.sequence, sinceSnapshot: since)
        }
        return Head(version: version, sequence: message.sequence, lastMessageID: message.headers?["Nats-Msg-Id"])
    }

    /// The version a last message stands for: its event's, else (a record that is no event of
    /// the actor, from another client) the highest version among the actor's events.
    func resolveVersion(of message: StoredMessage, actorID: String) async throws -> Int64 {
        // The payload, not the header: a record that is no event of this actor (bad JSON, another
        // actor's, version ≤ 0) does not set the version, whatever its Aether-Version says.
        if let version = Self.statedVersion(of: message, actorID: actorID) { return version }
        logger.warning(
            "last record of an actor is undecodable",
            metadata: ["actor": "\(Identifiers.quoted(actorID))", "sequence": "\(message.sequence)"]
        )
        return try await eventsWithErrors(of: actorID, from: 0).events.map(\.version).max() ?? 0
    }

    public func latestVersion(of actorID: String) async throws -> Int64 {
        // Only validated IDs ever enter the cache, so a hit needs no validation.
        if let cached = cache.withLock({ $0[actorID]?.version }) { return cached }
        try Identifiers.validateActorID(actorID)
        let message: StoredMessage?
        do {
            message = try await js.directGetLast(stream: streamName, subject: eventSubject(actorID))
        } catch let error as NATSError {
            throw AetherError(error, context: "latest version of actor \(Identifiers.quoted(actorID))")
        }
        guard let message else { return 0 }
        let version = try await resolveVersion(of: message, actorID: actorID)
        cache.withLock { cache in
            if (cache[actorID]?.version ?? 0) < version {
                cache[actorID] = CachedActor(
                    version: version,
                    sequence: message.sequence,
                    sinceSnapshot: cache[actorID]?.sinceSnapshot ?? 0
                )
            }
        }
        return version
    }

    /// The latest version without the cache: one direct get.
    public func latestVersionUncached(of actorID: String) async throws -> Int64 {
        try Identifiers.validateActorID(actorID)
        guard let message = try await js.directGetLast(stream: streamName, subject: eventSubject(actorID)) else {
            return 0
        }
        return try await resolveVersion(of: message, actorID: actorID)
    }

    /// Forgets what the cache knows of an actor (another writer saved it).
    public func invalidateCache(of actorID: String) {
        _ = cache.withLock { $0.removeValue(forKey: actorID) }
    }

    /// Keeps the cache in step with saves made elsewhere (`EventStored` received over a bus).
    public func observe(_ notification: EventStored) {
        guard notification.namespace == namespace else { return }
        cache.withLock { cache in
            if let entry = cache[notification.actorID], entry.version < notification.version {
                cache[notification.actorID] = nil
            }
        }
    }
}
