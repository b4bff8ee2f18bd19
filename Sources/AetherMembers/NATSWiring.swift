import Aether
import AetherNATS
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Settings shared by demo members and the dashboard attached to them.
public enum DemoTimings: String, Sendable, CaseIterable {
    /// Heartbeat 250 ms, down after 1.5 s, lease TTL 2 s renewed every 500 ms.
    case fast
    /// The original's: heartbeat 30 s, down after 90 s, lease TTL 10 s renewed every 3 s.
    case standard

    public func configuration(nodeID: String) -> Cluster.Node.Configuration {
        switch self {
        case .fast: .fast(nodeID: nodeID)
        case .standard: .init(nodeID: nodeID)
        }
    }
}

/// One process's Aether on NATS: the connection, the NATS bus, KV coordination, discovery on
/// `aether.discovery`, a cluster node (a member, or an observer that owns nothing) and the
/// JetStream stores it opens. `aether-top node` runs a member on it; the dashboard an observer.
public final class NATSWiring: Sendable {
    public let label: String
    public let client: NATSClient
    public let bus: NATSEventBus
    public let cluster: Cluster.Node
    public let coordination: Cluster.NATSCoordination
    public let discovery: Cluster.NATSDiscovery
    /// Replicas of a stream this wiring creates (a write creates a missing stream); nil: 3 when
    /// the server has advertised a cluster of three or more servers by then, else 1, the rule
    /// members follow (they wait up to 2 s at start for the server list; a write comes later).
    public let streamReplicas: Int?
    private let stores = Mutex<[String: JetStreamEventStore]>([:])

    /// Connects and prepares the coordination bucket. An observer attaches to the bucket and
    /// never creates it (members would inherit its replicas), so it never refuses to start
    /// because the bucket is missing or has no leader.
    /// - Parameter observerTick: an observer's tick at least this long.
    /// - Throws: `AetherError` `.unavailable` when NATS cannot be reached.
    public static func connect(
        options: NATSOptions,
        nodeID: String,
        observer: Bool,
        timings: DemoTimings = .fast,
        shardCount: Int = 1024,
        electionReplicas: Int = 1,
        streamReplicas: Int? = nil,
        observerTick: Duration = .zero,
        logger: Logger = Logger(label: "aether", factory: { _ in SwiftLogNoOpLogHandler() })
    ) async throws -> NATSWiring {
        let client: NATSClient
        do {
            client = try await NATSClient.connect(options)
        } catch let error as NATSError {
            throw AetherError(code: .unavailable, message: "cannot connect to NATS: \(error.message)", cause: error)
        }
        let coordination =
            observer
            ? try Cluster.NATSCoordination.attach(client: client)
            : try await Cluster.NATSCoordination.open(client: client, replicas: electionReplicas)
        let discovery = Cluster.NATSDiscovery(client: client)
        var configuration = timings.configuration(nodeID: nodeID)
        configuration.observer = observer
        if observer { configuration.tick = max(configuration.tick, observerTick) }
        configuration.shardCount = shardCount
        configuration.host = HostName.current
        let node = try Cluster.Node(
            configuration: configuration,
            coordination: coordination,
            discovery: discovery,
            logger: logger
        )
        return NATSWiring(
            label: options.servers.map { ServerURL.redact($0) }.joined(separator: ","),
            client: client,
            bus: NATSEventBus(client: client, nodeID: nodeID),
            cluster: node,
            coordination: coordination,
            discovery: discovery,
            streamReplicas: streamReplicas
        )
    }

    private init(
        label: String,
        client: NATSClient,
        bus: NATSEventBus,
        cluster: Cluster.Node,
        coordination: Cluster.NATSCoordination,
        discovery: Cluster.NATSDiscovery,
        streamReplicas: Int?
    ) {
        self.label = label
        self.client = client
        self.bus = bus
        self.cluster = cluster
        self.coordination = coordination
        self.discovery = discovery
        self.streamReplicas = streamReplicas
    }

    /// Whether the namespace's store is open.
    public func hasStore(for namespace: String) -> Bool { stores.withLock { $0[namespace] != nil } }

    /// The namespace's store on stream `<namespace>_<stream>`, opened once (with `create`,
    /// created with `streamReplicas` when missing, else `.notFound`); its saves are published
    /// on the bus.
    public func jetStreamStore(
        for namespace: String,
        stream: String = "events",
        create: Bool = true,
        refuseWhileReconnecting: Bool = false
    ) async throws -> JetStreamEventStore {
        let name = JetStreamEventStore.streamName(namespace: namespace, stream: stream)
        // Opened again when another stream now holds the namespace.
        if let existing = stores.withLock({ $0[namespace] }), existing.streamName == name { return existing }
        var configuration = JetStreamEventStore.Configuration(namespace: namespace, streamName: stream)
        configuration.createStream = create
        configuration.refuseWhileReconnecting = refuseWhileReconnecting
        // The demo's requests are traced (aether-top's trace view); see the option's cost.
        configuration.indexCorrelations = true
        configuration.replicas = streamReplicas ?? ((client.serverInfo?.connectURLs?.count ?? 1) >= 3 ? 3 : 1)
        let store = try await JetStreamEventStore.open(client: client, configuration: configuration, sink: bus)
        return stores.withLock { stores in
            if let existing = stores[namespace], existing.streamName == name { return existing }
            stores[namespace] = store
            return store
        }
    }
}

/// This machine's host name, as members report it.
public enum HostName {
    public static var current: String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count) == 0 else { return "" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
