import AetherNATS
import AetherNATSTesting
import AetherTestLanes
import AetherTestSupport
import Foundation
import Synchronization
import Testing

@testable import Aether

/// Members in this process, each with its own connection, on real NATS.
final class NATSCluster: Sendable {
    let clients: [NATSClient]
    let nodes: [Cluster.Node]
    let coordination: Cluster.NATSCoordination

    static func start(
        urls: [String],
        names: [String] = ["a", "b", "c"],
        shardCount: Int = 128,
        replicas: Int = 1
    ) async throws -> NATSCluster {
        var clients: [NATSClient] = []
        var nodes: [Cluster.Node] = []
        var first: Cluster.NATSCoordination?
        for (index, name) in names.enumerated() {
            var options = NATSOptions(url: urls[index % urls.count])
            options.servers = Array(urls[(index % urls.count)...] + urls[..<(index % urls.count)])
            let client = try await NATSClient.connect(options)
            let coordination = try await Cluster.NATSCoordination.open(client: client, replicas: replicas)
            first = first ?? coordination
            var configuration = Cluster.Node.Configuration.fast(nodeID: name)
            configuration.shardCount = shardCount
            clients.append(client)
            nodes.append(
                try Cluster.Node(
                    configuration: configuration,
                    coordination: coordination,
                    discovery: Cluster.NATSDiscovery(client: client)
                )
            )
        }
        return NATSCluster(clients: clients, nodes: nodes, coordination: first!)
    }

    private init(clients: [NATSClient], nodes: [Cluster.Node], coordination: Cluster.NATSCoordination) {
        self.clients = clients
        self.nodes = nodes
        self.coordination = coordination
    }

    func node(_ id: String) -> Cluster.Node { nodes.first { $0.id == id }! }

    func views(_ ids: [String]? = nil) async -> [Cluster.View] {
        var views: [Cluster.View] = []
        for node in nodes where ids?.contains(node.id) ?? true { views.append(await node.view()) }
        return views
    }

    func waitUntil(
        _ what: String,
        within seconds: Double = 10,
        among ids: [String]? = nil,
        _ condition: @escaping @Sendable ([Cluster.View]) -> Bool
    ) async throws -> [Cluster.View] {
        try await withDeadline(seconds, what) {
            while true {
                let views = await self.views(ids)
                if condition(views) { return views }
                try await Task.sleep(for: .milliseconds(5))
            }
        }
    }

    func close() async {
        for client in clients { await client.close() }
    }
}

@Suite("Cluster on nats-server 2.15.1", .enabled(if: Live.serverPresent, Live.skipReason), .serialized, .clusterLane)
struct ClusterNATSTests {
    @Test("three members elect exactly one leader; resign hands the lease on in under a second, five times")
    func electAndResign() async throws {
        let server = try await NATSServerProcess.start()
        defer { server.shutdown() }
        let cluster = try await NATSCluster.start(urls: [server.url])
        let ledger = OwnershipLedger()
        let runners = cluster.nodes.map { node in Task { try await node.run() } }
        let watchers = await withTaskGroup(of: Task<Void, Never>.self) { group in
            var tasks: [Task<Void, Never>] = []
            for node in cluster.nodes {
                let events = await node.events()
                tasks.append(Task { for await event in events { ledger.record(node.id, event) } })
            }
            return tasks
        }
        var views = try await cluster.waitUntil("one leader and a settled map") {
            isSettled($0, live: ["a", "b", "c"], shardCount: 128)
        }
        var terms = [try #require(views.first(where: \.isLeader)?.term)]
        var times: [Duration] = []
        for _ in 0..<5 {
            let old = views.first(where: \.isLeader)!.nodeID
            let started = ContinuousClock.now
            await cluster.node(old).resign()
            views = try await cluster.waitUntil("a new leader after \(old) resigned", within: 5) { views in
                views.contains { $0.isLeader && $0.nodeID != old }
            }
            times.append(started.duration(to: .now))
            terms.append(try #require(views.first(where: \.isLeader)?.term))
            views = try await cluster.waitUntil("settled again") {
                isSettled($0, live: ["a", "b", "c"], shardCount: 128)
            }
        }
        print(
            "resign → new leader on NATS: \(times.map { "\($0.components.attoseconds / 1_000_000_000_000_000 + $0.components.seconds * 1000) ms" })"
        )
        #expect(times.allSatisfy { $0 < .seconds(1) }, "resign failover times: \(times)")
        #expect(zip(terms, terms.dropFirst()).allSatisfy { $0 < $1 }, "terms strictly increase: \(terms)")
        for runner in runners { runner.cancel() }
        for runner in runners { _ = try? await runner.value }
        for watcher in watchers { watcher.cancel() }
        #expect(ledger.violations == [])
        await cluster.close()
    }

    @Test("a leader frozen past its TTL is replaced and its fenced shard-map write is rejected by the server")
    func fence() async throws {
        let server = try await NATSServerProcess.start()
        defer { server.shutdown() }
        let cluster = try await NATSCluster.start(urls: [server.url])
        let runners = cluster.nodes.map { node in Task { try await node.run() } }
        let views = try await cluster.waitUntil("a leader") { isSettled($0, live: ["a", "b", "c"], shardCount: 128) }
        let old = cluster.node(views.first(where: \.isLeader)!.nodeID)
        let staleToken = try #require(await old.heldFencingToken())
        let before = try #require(try await cluster.coordination.get(Cluster.ShardMap.key))
        await old.freeze()
        _ = try await cluster.waitUntil("another leader", within: 8) { views in
            views.contains { $0.isLeader && $0.nodeID != old.id }
        }
        var stolen = try JSONDecoder().decode(Cluster.ShardMap.self, from: Data(before.value))
        stolen.version += 100
        stolen.owners = Array(repeating: old.id, count: stolen.shardCount)
        do {
            try await old.writeShardMap(stolen, fencingToken: staleToken)
            Issue.record("the deposed leader's write was accepted")
        } catch let error as AetherError {
            #expect(error.code == .versionConflict)
        }
        let after = try #require(try await cluster.coordination.get(Cluster.ShardMap.key))
        let stored = try JSONDecoder().decode(Cluster.ShardMap.self, from: Data(after.value))
        #expect(stored.version < stolen.version)
        #expect(!stored.owners.allSatisfy { $0 == old.id })
        await old.thaw()
        _ = try await cluster.waitUntil("exactly one leader after the thaw") { views in
            views.filter(\.isLeader).count == 1 && !views.contains { $0.nodeID == old.id && $0.isLeader }
        }
        for runner in runners { runner.cancel() }
        for runner in runners { _ = try? await runner.value }
        await cluster.close()
    }

    @Test("3-server NATS cluster, R3 election bucket: a NATS server killed; one leader again and a consistent map")
    func serverLoss() async throws {
        let servers = try await NATSClusterProcess.start(size: 3, name: "AC")
        defer { servers.shutdown() }
        let cluster = try await NATSCluster.start(urls: servers.urls, replicas: 3)
        let ledger = OwnershipLedger()
        var watchers: [Task<Void, Never>] = []
        for node in cluster.nodes {
            let events = await node.events()
            watchers.append(Task { for await event in events { ledger.record(node.id, event) } })
        }
        let runners = cluster.nodes.map { node in Task { try await node.run() } }
        _ = try await cluster.waitUntil("one leader and a settled map", within: 20) {
            isSettled($0, live: ["a", "b", "c"], shardCount: 128)
        }
        // Kill the server that leads the election bucket's stream: the hardest case.
        let js = JetStream(client: cluster.clients[0])
        let info = try await js.streamInfo("KV_aether-leader-election")
        let victim = servers.servers.first { $0.name == info.cluster?.leader } ?? servers.servers[0]
        let survivor = cluster.coordination
        let leaseBefore = try #require(try await survivor.get(Cluster.Node.leaseKey)).revision
        let killedAt = ContinuousClock.now
        victim.kill9()
        // Settled again, with the lease being renewed again after the loss (the bucket is writable).
        let views = try await withDeadline(
            30,
            "one leader, a settled map and a renewed lease after losing \(victim.name)"
        ) {
            while true {
                let views = await cluster.views()
                if isSettled(views, live: ["a", "b", "c"], shardCount: 128),
                    let lease = try? await survivor.get(Cluster.Node.leaseKey), lease.revision >= leaseBefore + 3
                {
                    return views
                }
                try await Task.sleep(for: .milliseconds(20))
            }
        }
        print("R3 election bucket, stream-leader server killed: settled again after \(killedAt.duration(to: .now))")
        #expect(views.filter(\.isLeader).count == 1)
        let maps = Set(views.compactMap(\.shardMap))
        #expect(maps.count == 1, "every member reads the same map")
        for runner in runners { runner.cancel() }
        for runner in runners { _ = try? await runner.value }
        for watcher in watchers { watcher.cancel() }
        #expect(ledger.violations == [])
        await cluster.close()
    }
}
