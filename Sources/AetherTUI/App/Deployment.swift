import Aether
import AetherNATS
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Where the dashboard's connection is, as the status line shows it.
public enum ConnectionState: Sendable, Equatable {
    /// The in-process demo: no server.
    case embedded
    case connected(server: String)
    /// `lastFailure`: why the attempt before failed (the server rejected the credentials, say).
    case reconnecting(attempt: Int, lastFailure: ConnectionFailure? = nil)
    case disconnected(reason: String)
    /// Closed for good: the client gave up (the server rejected the credentials, or TLS), or
    /// it was shut down; `reason` says which when the client said.
    case closed(reason: String?)
}

/// Why a connection attempt failed, as the status line says it.
public struct ConnectionFailure: Sendable, Equatable {
    public var message: String
    /// The server refused the credentials (the client's `.authorization` error).
    public var credentialsRejected: Bool

    public init(message: String, credentialsRejected: Bool = false) {
        self.message = message
        self.credentialsRejected = credentialsRejected
    }
}

/// What the dashboard reads and steers: everything goes through Aether's public API.
public protocol Deployment: Sendable {
    /// Shown in the status line: where the dashboard is attached (credentials never included).
    var label: String { get }
    var bus: any EventBus { get }
    /// An observer member: membership, the leader, the shard map.
    var cluster: Cluster.Node { get }
    /// Namespaces that hold events, sorted.
    func namespaces() async -> [String]
    func store(for namespace: String) async throws -> any EventStore & SnapshotStore
    /// The store an append, a snapshot or a drill writes to (a read's store never creates a
    /// stream; a write's may, as any writer's does).
    func writableStore(for namespace: String) async throws -> any EventStore & SnapshotStore
    /// The reducers states are replayed with.
    var reducers: ReducerCatalog { get }
    /// The largest event a save takes (the server's max_payload, less room for headers); nil
    /// when there is no such limit.
    var maxEventBytes: Int? { get }
    /// Asks a member to resign leadership.
    func requestResign(of node: String) async throws
    /// Members this dashboard can kill (the embedded demo's); empty when attached to servers.
    func killableMembers() async -> [String]
    func kill(member: String) async throws
    func connectionStates() -> AsyncStream<ConnectionState>
    func storeFigures() async -> [StoreFigures]
    /// What the server says is wrong with the streams and buckets, as of the last namespace
    /// listing; nil where there is no server (the embedded demo).
    func jetStreamHealth() async -> JetStreamHealth?
    func shutdown() async
}

extension Deployment {
    public func jetStreamHealth() async -> JetStreamHealth? { nil }
    public func writableStore(for namespace: String) async throws -> any EventStore & SnapshotStore {
        try await store(for: namespace)
    }
}

/// The embedded default: three demo members and an observer in this process, on the
/// in-memory store, bus and coordination backends, with a live workload.
public final class EmbeddedDeployment: Deployment {
    public let label = "embedded demo"
    public let bus: any EventBus
    public let cluster: Cluster.Node
    public let storage = InMemoryStorage()
    private let localBus: LocalEventBus
    private let members: [DemoMember]
    private let tasks = Mutex<[String: Task<Void, Never>]>([:])

    /// - Parameters:
    ///   - memberNames: the demo members' node IDs.
    ///   - workload: what each member writes.
    ///   - clock: the members', the coordination's and the observer's clock (a manual one in tests).
    public init(
        memberNames: [String] = ["alpha", "bravo", "charlie"],
        workload: DemoWorkload = DemoWorkload(eventsPerSecond: 8, snapshotEvery: 10, actorsPerNamespace: 12),
        reducers: ReducerCatalog = .demo,
        clock: Cluster.NodeClock = .continuous
    ) throws {
        self.reducers = reducers
        let bus = LocalEventBus()
        self.localBus = bus
        self.bus = bus
        let coordination = Cluster.InMemoryCoordination(now: clock.now)
        let discovery = Cluster.InMemoryDiscovery()
        var stores: [String: any EventStore & SnapshotStore] = [:]
        for namespace in DemoDomain.namespaces {
            stores[namespace] = try InMemoryEventStore(namespace: namespace, storage: storage, sink: bus)
        }
        members = try memberNames.map { name in
            let node = try Cluster.Node(
                configuration: .fast(nodeID: name),
                coordination: coordination,
                discovery: discovery,
                clock: clock
            )
            return DemoMember(
                node: node,
                stores: stores,
                bus: bus,
                workload: workload,
                reducers: reducers,
                clock: clock
            )
        }
        var observer = Cluster.Node.Configuration.fast(nodeID: "aether-top")
        observer.observer = true
        observer.tick = DashboardObserver.idleTick
        cluster = try Cluster.Node(
            configuration: observer,
            coordination: coordination,
            discovery: discovery,
            clock: clock
        )
    }

    /// Starts the members and the observer.
    public func start() {
        // Made outside the lock, kept under it.
        var started: [String: Task<Void, Never>] = [:]
        for member in members {
            started[member.node.id] = Task { try? await member.run() }
        }
        started["aether-top"] = Task { [cluster] in try? await cluster.run() }
        tasks.withLock { tasks in tasks.merge(started) { _, new in new } }
    }

    public func namespaces() async -> [String] { storage.namespaces() }

    public func store(for namespace: String) async throws -> any EventStore & SnapshotStore {
        try InMemoryEventStore(namespace: namespace, storage: storage, sink: localBus)
    }

    public let reducers: ReducerCatalog
    public var maxEventBytes: Int? { nil }

    public func requestResign(of node: String) async throws { try await cluster.requestResign(of: node) }

    public func killableMembers() async -> [String] {
        let running = tasks.withLock { Set($0.keys) }
        return members.map(\.node.id).filter { running.contains($0) }
    }

    public func kill(member: String) async throws {
        guard let target = members.first(where: { $0.node.id == member }) else {
            throw AetherError(code: .notFound, message: "no demo member \(Identifiers.quoted(member))")
        }
        await target.node.halt()
        tasks.withLock { $0.removeValue(forKey: member) }?.cancel()
    }

    public func connectionStates() -> AsyncStream<ConnectionState> {
        AsyncStream { continuation in
            continuation.yield(.embedded)
            continuation.finish()
        }
    }

    public func storeFigures() async -> [StoreFigures] {
        var figures: [StoreFigures] = []
        for namespace in storage.namespaces() {
            guard let store = try? InMemoryEventStore(namespace: namespace, storage: storage),
                let counted = try? await store.figures()
            else { continue }
            figures.append(counted)
        }
        return figures
    }

    public func shutdown() async {
        let running = tasks.withLock { tasks in
            defer { tasks = [:] }
            return Array(tasks.values)
        }
        for task in running { task.cancel() }
        for task in running { await task.value }
    }
}

/// A deployment on NATS: the JetStream stores, the NATS bus, KV coordination and discovery
/// on `aether.discovery`. Used by `aether-top --server` (as an observer) and by
/// `aether-top node` (as a member).
public final class NATSDeployment: Deployment {
    /// The connection, bus, coordination, discovery, observer node and stores.
    public let wiring: NATSWiring
    public var label: String { wiring.label }
    public var client: NATSClient { wiring.client }
    public var bus: any EventBus { wiring.bus }
    public var natsBus: NATSEventBus { wiring.bus }
    public var cluster: Cluster.Node { wiring.cluster }
    private let clusterTask = Mutex<Task<Void, Never>?>(nil)
    private let clusterStarted = Mutex(false)

    /// Connects as an observer (the dashboard's view of the cluster), or as a member named
    /// `nodeID` (tests watch a member through the same type).
    public static func connect(
        options: NATSOptions,
        nodeID: String = "aether-top",
        observer: Bool = true,
        timings: DemoTimings = .fast,
        reducers: ReducerCatalog = .generic,
        logger: Logger = Logger(label: "aether-top", factory: { _ in SwiftLogNoOpLogHandler() })
    ) async throws -> NATSDeployment {
        let wiring = try await NATSWiring.connect(
            options: options,
            nodeID: nodeID,
            observer: observer,
            timings: timings,
            observerTick: DashboardObserver.idleTick,
            logger: logger
        )
        return NATSDeployment(wiring: wiring, reducers: reducers)
    }

    private init(wiring: NATSWiring, reducers: ReducerCatalog) {
        self.wiring = wiring
        self.reducers = reducers
    }

    /// Runs the observer (the dashboard's view of the cluster).
    public func start() {
        // Decided under the lock, started outside it: a second call starts nothing.
        let first = clusterStarted.withLock { started in
            defer { started = true }
            return !started
        }
        guard first else { return }
        let task = Task<Void, Never> { [cluster] in try? await cluster.run() }
        clusterTask.withLock { $0 = task }
    }

    /// Namespaces whose streams answered the last listing, and those that did not but were
    /// known from an earlier one: a namespace whose servers are gone stays listed.
    /// When the listing fails, those of the last listing that worked.
    public func namespaces() async -> [String] {
        let listed = (await listStreams()?.namespaces ?? []).map(\.name)
        return survey.withLock { survey in
            if survey.health?.listingError != nil { return survey.namespaces }
            // Only streams that held their namespace (a misnamed or second claimant never did).
            let unanswered = (survey.health?.problems ?? []).filter { $0.kind == .noAnswer }.compactMap {
                problem -> String? in
                guard let namespace = survey.namespaceOfStream[problem.stream],
                    let suffix = survey.streamOfNamespace[namespace],
                    JetStreamEventStore.streamName(namespace: namespace, stream: suffix) == problem.stream
                else { return nil }
                return namespace
            }.filter { (try? Identifiers.validateNamespace($0)) != nil }
            survey.namespaces = Array(Set(listed + unanswered)).sorted()
            return survey.namespaces
        }
    }

    public func jetStreamHealth() async -> JetStreamHealth? { survey.withLock { $0.health } }

    /// The last listing's verdict (nil before the first), the namespace each stream was last
    /// seen to hold, the namespaces last listed, and the stream each namespace is held by (its
    /// name after `<namespace>_`).
    private let survey = Mutex<
        (
            health: JetStreamHealth?, namespaceOfStream: [String: String], namespaces: [String],
            streamOfNamespace: [String: String]
        )
    >(
        (nil, [:], [], [:])
    )

    /// The namespaces the account holds (Aether's listing), and from the same listing the
    /// streams' health: no request of its own. Nil when the listing fails; the failure is
    /// the health's.
    func listStreams() async -> JetStreamNamespaceListing? {
        do {
            let listed = try await JetStreamNamespaceListing.read(client: client)
            survey.withLock { survey in
                survey.namespaceOfStream.merge(listed.claimed) { _, new in new }
                for namespace in listed.namespaces { survey.streamOfNamespace[namespace.name] = namespace.streamSuffix }
                survey.health = JetStreamHealth.assess(listed.listing, knownNamespaces: survey.namespaceOfStream)
            }
            return listed
        } catch {
            // The server's own words: the line around it says it was the listing.
            let aether = error as? AetherError
            let message = (aether?.cause as? NATSError)?.message ?? aether?.message ?? "\(error)"
            survey.withLock { $0.health = JetStreamHealth(listingError: message) }
            return nil
        }
    }

    /// Counted figures per stream, with the last sequence they were counted at: counted again
    /// only when the stream changed, at most a few streams per refresh.
    private let countedFigures = Mutex<[String: (lastSequence: UInt64, figures: StoreFigures)]>([:])
    /// Streams counted per refresh at most (each costs two subject-index reads).
    static let countsPerRefresh = 64

    /// The namespace's store on the stream that holds it; a read never creates a stream: a
    /// namespace without one fails with `.notFound`.
    public func store(for namespace: String) async throws -> any EventStore & SnapshotStore {
        try await jetStreamStore(for: namespace)
    }

    /// For an append, a snapshot or a drill's canary: creates the stream when missing, as any
    /// writer does.
    public func writableStore(for namespace: String) async throws -> any EventStore & SnapshotStore {
        try await jetStreamStore(for: namespace, create: true)
    }

    public func jetStreamStore(for namespace: String, create: Bool = false) async throws -> JetStreamEventStore {
        var stream = survey.withLock { $0.streamOfNamespace[namespace] }
        if stream == nil, !wiring.hasStore(for: namespace) {
            // Not listed yet (a batch run, a trace): the listing says which stream holds it.
            _ = await listStreams()
            stream = survey.withLock { $0.streamOfNamespace[namespace] }
        }
        // An operator's write is refused at once while the connection is down (nothing sent).
        return try await wiring.jetStreamStore(
            for: namespace,
            stream: stream ?? "events",
            create: create,
            refuseWhileReconnecting: true
        )
    }

    /// Generic unless the application brought its own (or `--reducers demo`).
    public let reducers: ReducerCatalog
    /// As `JetStreamEventStore` checks it before writing.
    public var maxEventBytes: Int? { client.maxPayload - 512 }

    public func requestResign(of node: String) async throws { try await cluster.requestResign(of: node) }

    public func killableMembers() async -> [String] { [] }

    public func kill(member: String) async throws {
        throw AetherError(
            code: .invalidArgument,
            message: "members on NATS run in their own processes; ask \(Identifiers.quoted(member)) to resign instead"
        )
    }

    public func connectionStates() -> AsyncStream<ConnectionState> {
        let events = client.events()
        let client = self.client
        return AsyncStream { () async -> ConnectionState? in
            for await event in events {
                switch event {
                case .snapshot(.connected(let server)), .connected(let server), .reconnected(let server):
                    return .connected(server: server)
                case .snapshot(.reconnecting(let attempt)), .reconnecting(let attempt):
                    return .reconnecting(
                        attempt: attempt,
                        lastFailure: client.lastAttemptFailure.map {
                            ConnectionFailure(message: $0.message, credentialsRejected: $0.code == .authorization)
                        }
                    )
                case .disconnected(_, let reason): return .disconnected(reason: reason)
                case .closed(let reason): return .closed(reason: reason)
                case .snapshot(.closed): return .closed(reason: nil)
                default: continue
                }
            }
            return nil
        }
    }

    /// From the streams' states (`STREAM.LIST`); a namespace of at most
    /// `JetStreamEventStore.countedFiguresLimit` subjects is also counted subject by subject,
    /// again only when its stream changed. An idle deployment costs one request per 256 streams.
    public func storeFigures() async -> [StoreFigures] {
        var figures: [StoreFigures] = []
        guard let listed = await listStreams() else { return [] }
        var counts = 0
        for namespace in listed.namespaces {
            let info = namespace.stream
            guard let store = try? await jetStreamStore(for: namespace.name) else { continue }
            let last = info.state.lastSequence
            if let known = countedFigures.withLock({ $0[info.config.name] }), known.lastSequence == last {
                figures.append(known.figures)
                continue
            }
            let small = (info.state.subjectCount ?? 0) <= JetStreamEventStore.countedFiguresLimit
            let count = small && counts < Self.countsPerRefresh
            if count { counts += 1 }
            guard let row = try? await store.figures(of: info, count: count) else { continue }
            if row.counted { countedFigures.withLock { $0[info.config.name] = (last, row) } }
            figures.append(row)
        }
        // A stream whose description claims an invalid namespace is no namespace, but its
        // records are shown, all of them counted as belonging to no actor.
        figures += listed.invalid.map(StoreFigures.init(invalid:))
        return figures
    }

    public func shutdown() async {
        if let task = clusterTask.withLock({ $0 }) {
            task.cancel()
            await task.value
        }
        await client.close()
    }
}

/// How the dashboard's observer watches the cluster: every 250 ms while idle (the screen shows
/// four frames a second of cluster state anyway), every 20 ms during a failover drill, whose
/// timeline is only as precise as these reads.
enum DashboardObserver {
    static let idleTick: Duration = .milliseconds(250)
    static let drillTick: Duration = .milliseconds(20)
}

extension Deployment {
    /// The stores of `namespaces` (default: every namespace but Aether's internal ones) that
    /// keep a correlation index, for a trace.
    func correlationStores(_ namespaces: [String]? = nil) async throws -> [any CorrelationIndex] {
        var names = namespaces ?? []
        if namespaces == nil {
            names = await self.namespaces().filter { !$0.hasPrefix(Identifiers.internalNamespaceToken) }
        }
        var stores: [any CorrelationIndex] = []
        for namespace in names {
            let store: any EventStore & SnapshotStore
            do {
                store = try await self.store(for: namespace)
            } catch let error as AetherError where error.code == .notFound && namespaces == nil {
                continue  // listed, but no stream holds it (any more): nothing to trace there
            }
            if let store = store as? any CorrelationIndex { stores.append(store) }
        }
        return stores
    }
}
