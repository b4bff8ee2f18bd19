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
        /// Write a correlation index record with each event that has a `correlationId`
        /// (`docs/WIRE-FORMAT.md`): just ahead of a single event, in the same socket write; after
        /// each event of a multi-event save, in its atomic batch. Off by default: a second stored
        /// message per event costs saves about a third of their throughput on a loaded server
        /// (`aether-bench correlation`). Lookups read the index whether or not this store writes it.
        public var indexCorrelations = false
        /// Create the stream when it does not exist. Off for a reader that must leave the
        /// account as it found it (aether-top's views): opening then fails with `.notFound`.
        public var createStream = true
        /// Refuse a save at once while the client reconnects (`.unavailable`, nothing sent),
        /// for an operator who wants to know now (aether-top). Off: a save waits for the
        /// connection (up to 15 s), as it waits out a stream leader change.
        public var refuseWhileReconnecting = false

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
    let sink: (any EventStoredSink)?
    let now: @Sendable () -> Timestamp
    let cache = Mutex<[String: CachedActor]>([:])
    /// Parts of the stream's sorted subject index read for actor listings (see `actorPage`).
    let subjectIndex = Mutex(SubjectIndexCache())
    let counters = Mutex(Counters())

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
        /// Events stored whose correlation index record the server refused twice.
        public var indexFailures = 0
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

    /// Connects the store to its stream, creating it when missing (unless
    /// `configuration.createStream` is off).
    /// - Throws: `AetherError` `.invalidNamespace` (bad name, or the stream holds another
    ///   namespace), `.notFound` when the stream is missing and may not be created,
    ///   `.unavailable` when JetStream cannot be reached.
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
            } else if configuration.createStream {
                try await js.createStream(stream)
            } else {
                throw AetherError(
                    code: .notFound,
                    message:
                        "namespace \(Identifiers.quoted(configuration.namespace)) has no stream \(name); nothing was created"
                )
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
}
