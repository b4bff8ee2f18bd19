import Aether
import Logging
import ServiceLifecycle
import Synchronization

/// How much the demo writes.
public struct DemoWorkload: Sendable {
    /// Events per second this member writes (spread over the actors it owns).
    public var eventsPerSecond: Double = 20
    /// A snapshot is taken when an actor's version is a multiple of this.
    public var snapshotEvery: Int = 10
    public var actorsPerNamespace: Int = 24

    public init(eventsPerSecond: Double = 20, snapshotEvery: Int = 10, actorsPerNamespace: Int = 24) {
        self.eventsPerSecond = eventsPerSecond
        self.snapshotEvery = snapshotEvery
        self.actorsPerNamespace = actorsPerNamespace
    }
}

/// A cluster member that writes the demo workload for the actors in the shards it owns: it
/// saves each event (the store's version check guards it), publishes it on the bus, and
/// snapshots every N versions with the reducers it is given (the demo domain's by default).
public final class DemoMember: Service, Sendable {
    public let node: Cluster.Node
    let stores: [String: any EventStore & SnapshotStore]
    let bus: any EventBus
    let workload: DemoWorkload
    let reducers: ReducerCatalog
    let logger: Logger
    /// The workload's pace and its load window run on this clock.
    let clock: Cluster.NodeClock
    /// Called with each event the store acknowledged, and its namespace.
    let onSaved: @Sendable (String, Event) -> Void
    private let counters = Mutex(Counters())

    public struct Counters: Sendable, Equatable {
        public var saved = 0
        public var conflicts = 0
        public var failures = 0
        public var snapshots = 0
    }

    public init(
        node: Cluster.Node,
        stores: [String: any EventStore & SnapshotStore],
        bus: any EventBus,
        workload: DemoWorkload = DemoWorkload(),
        reducers: ReducerCatalog = .demo,
        logger: Logger = Logger(label: "aether.demo", factory: { _ in SwiftLogNoOpLogHandler() }),
        clock: Cluster.NodeClock = .continuous,
        onSaved: @escaping @Sendable (String, Event) -> Void = { _, _ in }
    ) {
        self.onSaved = onSaved
        self.clock = clock
        self.reducers = reducers
        self.node = node
        self.stores = stores
        self.bus = bus
        self.workload = workload
        self.logger = logger
    }

    public var counts: Counters { counters.withLock { $0 } }

    public func run() async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await self.node.run() }
            group.addTask { await cancelWhenGracefulShutdown { await self.produce() } }
            try await group.next()
            group.cancelAll()
            try await group.waitForAll()
        }
    }

    private struct Target {
        var namespace: String
        var actorID: String
        var shard: Int
    }

    private func produce() async {
        var random = SystemRandomNumberGenerator()
        let shardCount = node.configuration.shardCount
        let targets = stores.keys.sorted().flatMap { namespace in
            DemoDomain.actorIDs(in: namespace, count: workload.actorsPerNamespace).map {
                Target(
                    namespace: namespace,
                    actorID: $0,
                    shard: Cluster.shard(of: $0, in: namespace, shardCount: shardCount)
                )
            }
        }
        var last: [String: Event] = [:]
        let interval = Duration.seconds(1 / max(workload.eventsPerSecond, 0.1))
        var windowStart = clock.now()
        var windowCount = 0
        while !Task.isCancelled {
            try? await clock.sleep(interval)
            let owned = await node.ownedShards
            guard let target = targets.filter({ owned.contains($0.shard) }).randomElement(using: &random),
                await node.beginWork(on: target.shard)
            else { continue }
            do {
                let key = "\(target.namespace)/\(target.actorID)"
                last[key] = try await write(target, after: last[key], random: &random)
                windowCount += 1
            } catch let error as AetherError where error.code == .versionConflict {
                last[key(target)] = nil
                counters.withLock { $0.conflicts += 1 }
            } catch {
                counters.withLock { $0.failures += 1 }
                logger.debug("demo write failed", metadata: ["error": "\(error)"])
            }
            await node.endWork(on: target.shard)
            let elapsed = windowStart.duration(to: clock.now())
            if elapsed >= .seconds(1) {
                let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
                await node.setLoad((Double(windowCount) / seconds * 10).rounded() / 10)
                windowStart = clock.now()
                windowCount = 0
            }
        }
    }

    private func key(_ target: Target) -> String { "\(target.namespace)/\(target.actorID)" }

    private func write(
        _ target: Target,
        after cached: Event?,
        random: inout SystemRandomNumberGenerator
    ) async throws
        -> Event
    {
        let store = stores[target.namespace]!
        let latest = try await store.latestVersion(of: target.actorID)
        var previous = cached
        if previous?.version != latest {
            previous = latest == 0 ? nil : try await store.events(of: target.actorID, from: latest).last
        }
        var event = DemoDomain.nextEvent(
            namespace: target.namespace,
            actorID: target.actorID,
            after: previous,
            using: &random
        )
        // A payment or a reservation joins its order's request, read from the order's store.
        var order: Event?
        if let orderID = DemoDomain.order(of: event), let orders = stores["orders"] {
            let version = try await orders.latestVersion(of: orderID)
            if version > 0 { order = try await orders.events(of: orderID, from: version).last }
        }
        DemoDomain.link(&event, previous: previous, order: order, using: &random)
        try await store.save(event)
        counters.withLock { $0.saved += 1 }
        onSaved(target.namespace, event)
        try? await bus.publish(event, to: target.namespace)
        if workload.snapshotEvery > 0, event.version % Int64(workload.snapshotEvery) == 0 {
            let state = try await store.load(target.actorID, using: reducers.reducer(for: target.namespace).reducer)
            if state.version == event.version {
                try await store.save(ActorSnapshot(actorID: target.actorID, version: state.version, state: state.state))
                counters.withLock { $0.snapshots += 1 }
            }
        }
        return event
    }
}
