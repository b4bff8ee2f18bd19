import AetherNATS
import Crypto
import Logging
import NIOCore
import Synchronization

/// An event store on NATS JetStream. See `docs/WIRE-FORMAT.md` for the stream, subject, header
/// and payload layout.
///
/// - One stream per namespace, `<sanitized namespace>_<stream name>` (as the Go original). The
///   stream records its namespace; a second namespace that sanitizes to the same name is refused.
/// - One subject per actor: `aether.store.<stream>.e.<actor token>`, the actor ID encoded
///   injectively into one token (`ActorToken`).
/// - Saves are checked by the server (`Nats-Expected-Last-Subject-Sequence` from a per-actor
///   cache), so two writers racing on one actor get exactly one winner per version. A retried
///   save is deduplicated by `Nats-Msg-Id` (the event id).
/// - Several events of one actor are saved as one atomic batch.
/// - Latest version: from the cache, else one direct get of the actor's last message.
/// - Snapshots: `aether.store.<stream>.s.<actor token>`, checksummed; a corrupt one is reported
///   and skipped, never used. The newest few are kept.
///
/// Not guaranteed: reads by direct get on a replicated stream may lag a write just acknowledged.
public final class JetStreamEventStore: EventStore, SnapshotStore {
    /// Settings; zero values fall back to the defaults.
    public struct Configuration: Sendable {
        public var streamName: String = "events"
        public var namespace: String = "default"
        /// Max age of events; default one year.
        public var retention: Duration = .seconds(365 * 24 * 3600)
        public var replicas: Int = 1
        /// Snapshots kept per actor.
        public var snapshotHistory: Int = 3
        /// Take a snapshot after this many events of an actor (nil: never automatically).
        public var snapshotEvery: Int?
        /// The reducer automatic snapshots use.
        public var snapshotReducer: Reducer = .mergePatch
        /// Events per batched read.
        public var readBatchSize: Int = 1024

        public init(namespace: String = "default", streamName: String = "events") {
            self.namespace = namespace
            self.streamName = streamName
        }
    }

    public let namespace: String
    public let configuration: Configuration
    /// The JetStream stream holding this namespace's events.
    public let streamName: String
    let js: JetStream
    let logger: Logger
    private let sink: (any EventStoredSink)?
    private let now: @Sendable () -> Timestamp
    private let cache = Mutex<[String: CachedActor]>([:])
    /// Parts of the stream's sorted subject index read for actor listings (see `actorPage`).
    let subjectIndex = Mutex(SubjectIndexCache())
    private let counters = Mutex(Counters())

    struct CachedActor {
        var version: Int64
        var sequence: UInt64
        var sinceSnapshot: Int = 0
    }

    /// Corrupt snapshots and undecodable events met so far.
    public struct Counters: Sendable, Equatable {
        public var corruptSnapshots = 0
        public var undecodableEvents = 0
        public var conflicts = 0
        public var retries = 0
    }

    public var counts: Counters { counters.withLock { $0 } }

    static let versionHeader = "Aether-Version"
    static let checksumHeader = "Aether-Checksum"
    public static let namespaceMetadataPrefix = "aether namespace: "

    /// The namespace a stream's description says it holds (valid or not), or nil when the
    /// description is not an Aether namespace's.
    public static func claimedNamespace(of info: StreamInfo) -> String? {
        guard let description = info.config.description, description.hasPrefix(namespaceMetadataPrefix) else {
            return nil
        }
        return String(description.dropFirst(namespaceMetadataPrefix.count))
    }

    /// Connects the store to its stream, creating it when missing.
    /// - Throws: `AetherError` `.invalidNamespace` (bad name, or the stream holds another
    ///   namespace), `.unavailable` when JetStream cannot be reached.
    public static func open(
        client: NATSClient,
        configuration: Configuration,
        sink: (any EventStoredSink)? = nil,
        logger: Logger = Logger(label: "aether.store", factory: { _ in SwiftLogNoOpLogHandler() }),
        now: @escaping @Sendable () -> Timestamp = { .now() }
    ) async throws -> JetStreamEventStore {
        var configuration = configuration
        if configuration.streamName.isEmpty { configuration.streamName = "events" }
        if configuration.replicas <= 0 { configuration.replicas = 1 }
        if configuration.retention <= .zero { configuration.retention = .seconds(365 * 24 * 3600) }
        if configuration.snapshotHistory <= 0 { configuration.snapshotHistory = 3 }
        try Identifiers.validateNamespace(configuration.namespace)
        let name = streamName(namespace: configuration.namespace, stream: configuration.streamName)
        let js = JetStream(client: client)
        var stream = StreamConfig(name: name, subjects: ["aether.store.\(name).>"])
        stream.storage = .file
        stream.replicas = configuration.replicas
        stream.maxAge = configuration.retention
        stream.allowDirect = true
        stream.allowAtomic = true
        stream.description = namespaceMetadataPrefix + configuration.namespace
        do {
            // Created only when the server says it does not exist: a stream that does not
            // answer (no leader, its servers gone) is not created again.
            let existing: StreamInfo?
            do {
                existing = try await js.streamInfo(name)
            } catch let error as NATSError where error.code == .notFound {
                existing = nil
            }
            if let existing, existing.config.description != stream.description {
                throw AetherError(
                    code: .invalidNamespace,
                    message:
                        "stream \(name) already holds namespace \(Identifiers.quoted(String((existing.config.description ?? "?").dropFirst(namespaceMetadataPrefix.count)))); namespace \(Identifiers.quoted(configuration.namespace)) maps to the same stream name"
                )
            }
            if let existing {
                // Read as the stream is: an R3 stream is read through its leader.
                configuration.replicas = existing.config.replicas
            } else {
                try await js.createStream(stream)
            }
        } catch let error as NATSError {
            throw AetherError(error, context: "opening stream \(name)")
        }
        return JetStreamEventStore(
            js: js,
            name: name,
            configuration: configuration,
            sink: sink,
            logger: logger,
            now: now
        )
    }

    private init(
        js: JetStream,
        name: String,
        configuration: Configuration,
        sink: (any EventStoredSink)?,
        logger: Logger,
        now: @escaping @Sendable () -> Timestamp
    ) {
        self.js = js
        self.streamName = name
        self.namespace = configuration.namespace
        self.configuration = configuration
        self.sink = sink
        self.logger = logger
        self.now = now
    }

    /// `<sanitized namespace>_<stream>`: spaces, `.`, `*` and `>` become `_` (the original's rule).
    public static func streamName(namespace: String, stream: String) -> String {
        let sanitized = String(namespace.map { $0 == " " || $0 == "." || $0 == "*" || $0 == ">" ? "_" : $0 })
        return "\(sanitized)_\(stream)"
    }

    func eventSubject(_ actorID: String) -> String { "aether.store.\(streamName).e.\(ActorToken.encode(actorID))" }
    func snapshotSubject(_ actorID: String) -> String { "aether.store.\(streamName).s.\(ActorToken.encode(actorID))" }

    // MARK: saving

    public func save(_ event: Event) async throws {
        try await save([event])
    }

    public func save(_ events: [Event]) async throws {
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
                    "the event is \(payload.count) bytes; the server takes at most \(maxPayload - 512) per event (actor \(Identifiers.quoted(actorID)), event \(event.id))"
            )
        }
        var head = try await readHead(of: actorID, fresh: false)
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
                    head = try await readHead(of: actorID, fresh: true)
                    fresh = true
                    continue
                }
                counters.withLock { $0.conflicts += 1 }
                throw error
            }
            do {
                let sequence = try await publish(events, payloads, subject: subject, expected: head.sequence)
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
                head = try await readHead(of: actorID, fresh: true)
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

    private func publish(
        _ events: [Event],
        _ payloads: [[UInt8]],
        subject: String,
        expected: UInt64
    ) async throws -> UInt64 {
        if events.count == 1 {
            var options = PublishOptions(messageID: events[0].id, expectedLastSubjectSequence: expected)
            options.retryUntil = .seconds(15)
            options.extraHeaders = [Self.versionHeader: String(events[0].version)]
            return try await js.publish(ByteBuffer(bytes: payloads[0]), to: subject, options: options).sequence
        }
        var messages: [BatchMessage] = []
        for (index, (event, payload)) in zip(events, payloads).enumerated() {
            var headers: NATSHeaders = ["Nats-Msg-Id": event.id, Self.versionHeader: String(event.version)]
            if index == 0 { headers["Nats-Expected-Last-Subject-Sequence"] = String(expected) }
            messages.append(BatchMessage(subject: subject, payload: ByteBuffer(bytes: payload), headers: headers))
        }
        return try await js.publishBatch(messages).sequence
    }

    private func notify(_ events: [Event]) async {
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
    private func readHead(of actorID: String, fresh: Bool) async throws -> Head {
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

    /// The version a last message stands for: its header, else its payload, else (an
    /// undecodable record from another client) the highest version among the actor's events.
    func resolveVersion(of message: StoredMessage, actorID: String) async throws -> Int64 {
        if let text = message.headers?[Self.versionHeader], let version = Int64(text) { return version }
        if let event = try? Event(jsonBytes: message.data) { return event.version }
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
        var events: [Event] = []
        var errors: [ReplayError] = []
        let subject = eventSubject(actorID)
        // The last good version read, whether or not it is returned: a record whose version
        // does not rise above it is out of order.
        var lastVersion: Int64 = 0
        var start: UInt64 = 1
        do {
            if fromVersion > 1 {
                guard let found = try await startSequence(of: subject, atOrAbove: fromVersion) else {
                    return ReplayResult(events: [], errors: [])
                }
                start = found
            }
            try await forEachMessage(subject, from: start) { message in
                if let header = message.headers?[Self.versionHeader], let version = Int64(header) {
                    if version > throughVersion, version > lastVersion { return false }
                    if version < fromVersion, version > lastVersion {
                        lastVersion = version
                        return true
                    }
                }
                let problem: AetherError
                switch Result(catching: { () throws(AetherError) in try Event(jsonBytes: message.data) }) {
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
                        lastVersion = event.version
                        if event.version >= fromVersion { events.append(event) }
                        return true
                    }
                case .failure(let error):
                    problem = error
                }
                counters.withLock { $0.undecodableEvents += 1 }
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
        return ReplayResult(events: events, errors: errors)
    }

    public func eventStream(of actorID: String, from fromVersion: Int64) -> AsyncThrowingStream<Event, any Error> {
        let subject = eventSubject(actorID)
        return AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    try Identifiers.validateActorID(actorID)
                    var start: UInt64 = 1
                    if fromVersion > 1 {
                        guard let found = try await startSequence(of: subject, atOrAbove: fromVersion) else {
                            continuation.finish()
                            return
                        }
                        start = found
                    }
                    for try await message in read(subject, from: start) {
                        if let header = message.headers?[Self.versionHeader], let version = Int64(header),
                            version < fromVersion
                        {
                            continue
                        }
                        let event = try Event(jsonBytes: message.data)
                        if event.version >= fromVersion { continuation.yield(event) }
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
    /// returns false (see `read`); on R1 streams batch by batch with no task hop per message.
    func forEachMessage(
        _ subject: String,
        from sequence: UInt64 = 1,
        _ body: (StoredMessage) throws -> Bool
    ) async throws {
        if configuration.replicas <= 1 {
            try await js.directGetEach(
                stream: streamName,
                subject: subject,
                from: sequence,
                batchSize: configuration.readBatchSize,
                body
            )
        } else {
            for try await message in read(subject, from: sequence) where try !body(message) { return }
        }
    }

    /// The version a record states (its header, else its payload); nil when it states none.
    private static func statedVersion(of message: StoredMessage) -> Int64? {
        if let text = message.headers?[versionHeader], let version = Int64(text) { return version }
        return (try? Event(jsonBytes: message.data))?.version
    }

    /// The stream sequence to read an actor's events from to get every record with a version at
    /// or above `version` (and the bad records just before the first): a binary search over stream sequences, one direct get per step
    /// (`next_by_subj`), about 20 for a million records. Nil when the actor has no event at or
    /// above it. Records that state no version are stepped over (a few at most per probe);
    /// past that the search gives up and answers 1, a full read, which is always right.
    func startSequence(of subject: String, atOrAbove version: Int64) async throws -> UInt64? {
        let head =
            configuration.replicas <= 1
            ? try await js.directGetLast(stream: streamName, subject: subject)
            : try await js.lastMessage(stream: streamName, subject: subject)
        guard let head else { return nil }
        guard let headVersion = Self.statedVersion(of: head) else { return 1 }
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
            var stated = Self.statedVersion(of: probe)
            var steps = 0
            while stated == nil, probe.sequence < high, steps < 8,
                let next = try await js.directGetNext(stream: streamName, subject: subject, from: probe.sequence + 1)
            {
                probe = next
                stated = Self.statedVersion(of: probe)
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
        let source = js.orderedConsumer(
            stream: streamName,
            filterSubjects: [subject],
            deliverPolicy: sequence > 1 ? .byStartSequence(sequence) : .all
        )
        let js = self.js
        let stream = streamName
        return AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    // The consumer may be placed on a replica that has not applied the latest
                    // writes yet, and then reports itself caught up too early. The stream leader's
                    // last sequence for the subject (MSG.GET, fresh) says how far to read.
                    let last = try await js.lastMessage(stream: stream, subject: subject)?.sequence
                    guard let last else {
                        continuation.finish()
                        return
                    }
                    for try await event in source {
                        switch event {
                        case .caughtUp:
                            continue
                        case .message(let message):
                            continuation.yield(
                                StoredMessage(
                                    subject: message.subject,
                                    sequence: message.streamSequence,
                                    headers: message.headers,
                                    data: message.data,
                                    time: nil
                                )
                            )
                            if message.streamSequence >= last {
                                continuation.finish()
                                return
                            }
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

    // MARK: snapshots

    public func save(_ snapshot: ActorSnapshot) async throws {
        try snapshot.validate()
        let payload = snapshot.jsonBytes()
        let checksum = SHA256.hash(data: payload).map { String(format2: $0) }.joined()
        var options = PublishOptions()
        options.extraHeaders = [
            Self.checksumHeader: "sha256=\(checksum)", Self.versionHeader: String(snapshot.version),
        ]
        let subject = snapshotSubject(snapshot.actorID)
        do {
            _ = try await js.publish(ByteBuffer(bytes: payload), to: subject, options: options)
            _ = try await js.purgeStream(streamName, subject: subject, keep: UInt64(configuration.snapshotHistory))
        } catch let error as NATSError {
            throw AetherError(error, context: "saving a snapshot of actor \(Identifiers.quoted(snapshot.actorID))")
        }
        cache.withLock { $0[snapshot.actorID]?.sinceSnapshot = 0 }
    }

    /// The newest snapshot that passes its checksum; corrupt ones are counted, logged and skipped.
    public func latestSnapshot(of actorID: String) async throws -> ActorSnapshot? {
        try await snapshots(of: actorID).max { $0.version < $1.version }
    }

    /// Every kept snapshot of the actor that passes its checksum, oldest first.
    public func snapshots(of actorID: String) async throws -> [ActorSnapshot] {
        try await snapshotsWithErrors(of: actorID).snapshots
    }

    /// Every kept snapshot of the actor, oldest first; the ones that fail their checksum, do not
    /// decode or name another actor are counted, logged and returned as errors, never used.
    public func snapshotsWithErrors(
        of actorID: String
    ) async throws -> (snapshots: [ActorSnapshot], errors: [ReplayError]) {
        try Identifiers.validateActorID(actorID)
        var valid: [ActorSnapshot] = []
        var errors: [ReplayError] = []
        do {
            try await forEachMessage(snapshotSubject(actorID)) { message in
                let checksum = SHA256.hash(data: message.data).map { String(format2: $0) }.joined()
                let problem: String
                if message.headers?[Self.checksumHeader] == nil {
                    problem = "it has no \(Self.checksumHeader) header"
                } else if message.headers?[Self.checksumHeader] != "sha256=\(checksum)" {
                    problem = "its checksum does not match its bytes"
                } else if let snapshot = try? ActorSnapshot(jsonBytes: message.data) {
                    guard snapshot.actorID == actorID else {
                        record("it names actor \(Identifiers.quoted(snapshot.actorID))", message)
                        return true
                    }
                    valid.append(snapshot)
                    return true
                } else {
                    problem = "it does not decode as a snapshot"
                }
                record(problem, message)
                return true
            }
        } catch let error as NATSError {
            throw AetherError(error, context: "reading snapshots of actor \(Identifiers.quoted(actorID))")
        }
        func record(_ problem: String, _ message: StoredMessage) {
            counters.withLock { $0.corruptSnapshots += 1 }
            logger.warning(
                "corrupt snapshot skipped",
                metadata: [
                    "actor": "\(Identifiers.quoted(actorID))", "namespace": "\(namespace)",
                    "sequence": "\(message.sequence)",
                ]
            )
            let version = message.headers?[Self.versionHeader].flatMap { Int64($0) } ?? 0
            errors.append(
                ReplayError(
                    sequence: message.sequence,
                    rawData: message.data,
                    cause: AetherError(
                        code: .invalidEvent,
                        message: "snapshot at sequence \(message.sequence): \(problem)"
                    ),
                    afterVersion: version
                )
            )
        }
        return (valid, errors)
    }

    /// Snapshots the actor at its latest version with the configured reducer.
    @discardableResult
    public func snapshotNow(_ actorID: String) async throws -> ActorSnapshot? {
        let state = try await load(actorID, using: configuration.snapshotReducer)
        guard state.version > 0 else { return nil }
        let snapshot = ActorSnapshot(actorID: actorID, version: state.version, state: state.state, timestamp: now())
        try await save(snapshot)
        return snapshot
    }
}

extension String {
    /// Two lower-case hex digits.
    fileprivate init(format2 byte: UInt8) {
        let digits = Array("0123456789abcdef")
        self = String([digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])
    }
}

/// Actor IDs as one subject token, injectively: `[A-Za-z0-9_-]` stay, every other byte of the
/// UTF-8 becomes `~XX` (upper-case hex), `~` included. Written down in `docs/WIRE-FORMAT.md`.
public enum ActorToken {
    public static func encode(_ actorID: String) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(actorID.utf8.count)
        let hex = Array("0123456789ABCDEF".utf8)
        for byte in actorID.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "_"), UInt8(ascii: "-"):
                output.append(byte)
            default:
                output.append(UInt8(ascii: "~"))
                output.append(hex[Int(byte >> 4)])
                output.append(hex[Int(byte & 0x0F)])
            }
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// The actor ID of a token; nil when the token is not one `encode` makes. A token that
    /// decodes but is not the canonical one (`~61` for `a`) is not one `encode` makes either: its
    /// records would sit beside the actor's real subject, unseen, so it is refused.
    public static func decode(_ token: String) -> String? {
        guard let decoded = decodeLoosely(token), encode(decoded) == token else { return nil }
        return decoded
    }

    private static func decodeLoosely(_ token: String) -> String? {
        var output: [UInt8] = []
        var iterator = token.utf8.makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "~") {
                guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                    return nil
                }
                output.append(high << 4 | low)
            } else {
                output.append(byte)
            }
        }
        return String(validating: output, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}

extension NATSError: MessageBearingError {}
