import Synchronization

/// Events and snapshots of any number of namespaces, in memory.
///
/// Shared by the `InMemoryEventStore`s made from it; each store sees only its own namespace.
public final class InMemoryStorage: Sendable {
    struct ActorLog {
        var events: [Event] = []
        var snapshots: [ActorSnapshot] = []
        var latestVersion: Int64 { events.last?.version ?? 0 }

        /// Inserts a snapshot, keeping them ordered by version so `last` is the newest.
        mutating func insert(_ snapshot: ActorSnapshot) {
            let position = snapshots.firstIndex { $0.version > snapshot.version } ?? snapshots.endIndex
            snapshots.insert(snapshot, at: position)
        }
    }

    struct State {
        var namespaces: [String: [String: ActorLog]] = [:]
        /// The correlation index: by namespace and correlation id, the events in stored order.
        var correlations: [String: [String: [(actorID: String, version: Int64)]]] = [:]
    }

    let state = Mutex(State())

    public init() {}

    /// The namespaces that hold at least one event, sorted.
    public func namespaces() -> [String] {
        state.withLock { state in state.namespaces.filter { !$0.value.isEmpty }.keys.sorted() }
    }
}

/// A thread-safe in-memory event and snapshot store for one namespace.
///
/// Same semantics as the JetStream store: version rules, all-or-nothing batches,
/// `EventStored` after success only. Events are values, so nothing a caller does to an event
/// after saving it, or to one it read, changes stored history.
public final class InMemoryEventStore: EventStore, SnapshotStore {
    public let namespace: String
    public let storage: InMemoryStorage
    private let sink: (any EventStoredSink)?
    private let now: @Sendable () -> Timestamp

    /// - Parameters:
    ///   - namespace: validated by `Identifiers.validateNamespace`.
    ///   - storage: share one storage between stores of several namespaces to list them together.
    ///   - sink: receives `EventStored` after each successful save.
    ///   - now: the clock for `EventStored` timestamps.
    /// - Throws: `AetherError` `.invalidNamespace`.
    public init(
        namespace: String = "default",
        storage: InMemoryStorage = InMemoryStorage(),
        sink: (any EventStoredSink)? = nil,
        now: @escaping @Sendable () -> Timestamp = { .now() }
    ) throws(AetherError) {
        try Identifiers.validateNamespace(namespace)
        self.namespace = namespace
        self.storage = storage
        self.sink = sink
        self.now = now
    }

    public func save(_ event: Event) async throws {
        try await save([event])
    }

    public func save(_ events: [Event]) async throws {
        // Inside a span, the events record it (traceId, spanId) unless they name one already.
        let events = events.map { $0.stampedWithCurrentTrace() }
        guard let first = events.first else { return }
        for event in events { try event.validate() }
        try storage.state.withLock { state throws(AetherError) in
            let current = state.namespaces[namespace]?[first.actorID]?.latestVersion ?? 0
            try VersionRules.checkBatch(events, current: current)
            // Append in place: copying the log out and back would copy every event on each save.
            state.namespaces[namespace, default: [:]][first.actorID, default: ActorLogAlias()].events.append(
                contentsOf: events
            )
            // Indexed with the events, under the same lock: never out of step.
            for event in events {
                guard let correlationID = event.correlationID, !correlationID.isEmpty else { continue }
                state.correlations[namespace, default: [:]][correlationID, default: []].append(
                    (event.actorID, event.version)
                )
            }
        }
        guard let sink else { return }
        await sink.eventsStored(events, namespace: namespace, at: now())
    }

    public func events(of actorID: String, from fromVersion: Int64) async throws -> [Event] {
        try Identifiers.validateActorID(actorID)
        return storage.state.withLock { state in
            guard let events = state.namespaces[namespace]?[actorID]?.events else { return [] }
            let start = firstIndex(in: events, atOrAbove: fromVersion)
            return Array(events[start...])
        }
    }

    public func eventsWithErrors(of actorID: String, from fromVersion: Int64) async throws -> ReplayResult {
        // Values in memory cannot be undecodable.
        ReplayResult(events: try await events(of: actorID, from: fromVersion), errors: [])
    }

    public func eventStream(of actorID: String, from fromVersion: Int64) -> AsyncThrowingStream<Event, any Error> {
        let (stream, continuation) = AsyncThrowingStream<Event, any Error>.makeStream()
        do {
            try Identifiers.validateActorID(actorID)
            let events = storage.state.withLock { state in
                state.namespaces[namespace]?[actorID]?.events ?? []
            }
            for event in events[firstIndex(in: events, atOrAbove: fromVersion)...] {
                continuation.yield(event)
            }
            continuation.finish()
        } catch {
            continuation.finish(throwing: error)
        }
        return stream
    }

    public func latestVersion(of actorID: String) async throws -> Int64 {
        try Identifiers.validateActorID(actorID)
        return storage.state.withLock { state in
            state.namespaces[namespace]?[actorID]?.latestVersion ?? 0
        }
    }

    public func actors() async throws -> [ActorVersion] {
        storage.state.withLock { state in
            (state.namespaces[namespace] ?? [:]).map { ActorVersion(actorID: $0.key, version: $0.value.latestVersion) }
        }.sorted { $0.actorID < $1.actorID }
    }

    public func figures() async throws -> StoreFigures {
        storage.state.withLock { state in
            let logs = state.namespaces[namespace] ?? [:]
            var figures = StoreFigures(
                namespace: namespace,
                actors: logs.count,
                events: logs.values.reduce(0) { $0 + $1.events.count },
                snapshots: logs.values.reduce(0) { $0 + $1.snapshots.count }
            )
            figures.records = figures.events + figures.snapshots
            return figures
        }
    }

    // MARK: snapshots

    public func latestSnapshot(of actorID: String) async throws -> ActorSnapshot? {
        try Identifiers.validateActorID(actorID)
        return storage.state.withLock { state in
            state.namespaces[namespace]?[actorID]?.snapshots.last
        }
    }

    /// All snapshots kept for the actor, oldest first.
    public func snapshots(of actorID: String) async throws -> [ActorSnapshot] {
        try Identifiers.validateActorID(actorID)
        return storage.state.withLock { state in
            state.namespaces[namespace]?[actorID]?.snapshots ?? []
        }
    }

    public func snapshotListing() async throws -> SnapshotListing {
        let actorIDs = storage.state.withLock { state in
            (state.namespaces[namespace] ?? [:]).filter { !$0.value.snapshots.isEmpty }.keys.sorted()
        }
        return SnapshotListing(actorIDs: actorIDs)
    }

    public func save(_ snapshot: ActorSnapshot) async throws {
        try snapshot.validate()
        storage.state.withLock { state in
            state.namespaces[namespace, default: [:]][snapshot.actorID, default: ActorLogAlias()].insert(snapshot)
        }
    }

    private func firstIndex(in events: [Event], atOrAbove version: Int64) -> Int {
        // Events are sorted by version.
        events.partitionPoint { $0.version < version }
    }
}

private typealias ActorLogAlias = InMemoryStorage.ActorLog

extension InMemoryEventStore: CorrelationIndex {
    public func events(correlatedWith correlationID: String) async throws -> CorrelationRead {
        guard !correlationID.isEmpty else {
            throw AetherError(code: .invalidArgument, message: "a correlation id cannot be empty")
        }
        return storage.state.withLock { state in
            let references = state.correlations[namespace]?[correlationID] ?? []
            let logs = state.namespaces[namespace] ?? [:]
            let events = references.compactMap { reference -> Event? in
                guard let events = logs[reference.actorID]?.events else { return nil }
                let index = firstIndex(in: events, atOrAbove: reference.version)
                return events.indices.contains(index) && events[index].version == reference.version
                    ? events[index] : nil
            }
            return CorrelationRead(events: events)
        }
    }
}
