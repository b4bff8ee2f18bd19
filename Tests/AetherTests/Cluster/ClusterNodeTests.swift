import AetherNATSTesting
import AetherTestSupport
import Synchronization
import Testing

@testable import Aether

/// Three nodes over in-memory coordination and discovery, on a manual clock: the tests run in
/// the time the nodes take to compute, and their bounds are the clock's, not the machine's.
final class InMemoryCluster: Sendable {
    let clock: ManualClock
    let coordination: Cluster.InMemoryCoordination
    let discovery: Cluster.InMemoryDiscovery
    let nodes: [Cluster.Node]
    let shardCount: Int

    init(
        names: [String] = ["a", "b", "c"],
        shardCount: Int = 64,
        standardTimings: Bool = false,
        backend: ((Cluster.InMemoryCoordination, ManualClock) -> any Cluster.CoordinationBackend)? = nil
    ) throws {
        self.shardCount = shardCount
        let clock = ManualClock()
        let coordination = Cluster.InMemoryCoordination(now: { clock.now })
        let discovery = Cluster.InMemoryDiscovery()
        self.clock = clock
        self.coordination = coordination
        self.discovery = discovery
        nodes = try names.map { name in
            var configuration =
                standardTimings ? Cluster.Node.Configuration(nodeID: name) : .fast(nodeID: name)
            configuration.shardCount = shardCount
            return try Cluster.Node(
                configuration: configuration,
                coordination: backend?(coordination, clock) ?? coordination,
                discovery: discovery,
                clock: clock.nodeClock
            )
        }
    }

    func node(_ id: String) -> Cluster.Node { nodes.first { $0.id == id }! }

    /// An observer of this cluster (on its coordination and clock) reading every `tick`.
    func observer(_ id: String, tick: Duration? = nil) throws -> Cluster.Node {
        var configuration = Cluster.Node.Configuration.fast(nodeID: id)
        configuration.observer = true
        configuration.shardCount = shardCount
        if let tick { configuration.tick = tick }
        return try Cluster.Node(
            configuration: configuration,
            coordination: coordination,
            discovery: discovery,
            clock: clock.nodeClock
        )
    }

    /// Runs `body` while time moves (`ManualClock.driving`: `body` paces it); a failing run ends
    /// after 30 s of real time.
    func driving<T: Sendable>(
        _ what: String,
        _ body: @escaping @Sendable (Cluster.NodeClock) async throws -> T
    ) async throws -> T {
        try await withDeadline(30, what) { try await self.clock.driving(body) }
    }

    /// Polls every node's view until `condition` holds for all of them; fails when `within` of
    /// the clock's time passes first.
    func waitUntil(
        _ what: String,
        within: Duration = .seconds(10),
        among ids: [String]? = nil,
        on pacer: Cluster.NodeClock,
        _ condition: @escaping @Sendable ([Cluster.View]) -> Bool
    ) async throws -> [Cluster.View] {
        let chosen = ids.map { ids in nodes.filter { ids.contains($0.id) } } ?? nodes
        return try await poll(what, within: within, on: pacer) {
            var views: [Cluster.View] = []
            for node in chosen { views.append(await node.view()) }
            return condition(views) ? views : nil
        }
    }
}

/// Asks `probe` every `every` of the clock's time until it answers; fails when `within` passes
/// first.
func poll<T: Sendable>(
    _ what: String,
    within: Duration,
    every: Duration = .milliseconds(20),
    on pacer: Cluster.NodeClock,
    _ probe: () async throws -> T?
) async throws -> T {
    let deadline = pacer.now() + within
    while true {
        if let value = try await probe() { return value }
        if pacer.now() >= deadline { throw DeadlineExceeded(what: "\(what) within \(within) of the manual clock") }
        try await pacer.sleep(every)
    }
}

@Suite("Cluster nodes over in-memory coordination, on a manual clock")
struct ClusterNodeTests {
    @Test("three nodes elect one leader and settle every shard; a graceful stop moves its shards at once")
    func electAndSettle() async throws {
        let cluster = try InMemoryCluster()
        let ledger = OwnershipLedger()
        try await cluster.driving("elect, settle, stop one") { pacer in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for node in cluster.nodes {
                    let events = await node.events()
                    group.addTask { for await event in events { ledger.record(node.id, event) } }
                }
                let runners = cluster.nodes.map { node in Task { try await node.run() } }
                let views = try await cluster.waitUntil("one leader and a settled map", on: pacer) {
                    isSettled($0, live: ["a", "b", "c"], shardCount: 64)
                }
                #expect(views.filter(\.isLeader).count == 1)
                #expect(
                    views.allSatisfy { $0.members.filter { $0.status == .up || $0.status == .suspect }.count == 3 },
                    "every node knows all three as live members"
                )

                // Stop the node that is not the leader and owns shards.
                let leaderView = views.first { $0.isLeader }
                let stoppingView = views.first { !$0.isLeader && !$0.acting.isEmpty }
                let leader = try #require(leaderView).nodeID
                let stopping = try #require(stoppingView).nodeID
                let index = cluster.nodes.firstIndex { $0.id == stopping }!
                runners[index].cancel()
                _ = try await runners[index].value
                let rest = Set(["a", "b", "c"]).subtracting([stopping])
                let after = try await cluster.waitUntil(
                    "the stopped node's shards moved",
                    within: .seconds(3),
                    among: Array(rest),
                    on: pacer
                ) {
                    isSettled($0, live: rest, shardCount: 64)
                }
                #expect(after.first { $0.isLeader }?.nodeID == leader, "a follower leaving does not move the leader")
                #expect(
                    after.allSatisfy { $0.members.first { $0.info.id == stopping }?.status == .left },
                    "the stop was announced"
                )
                for runner in runners { runner.cancel() }
                for runner in runners { _ = try? await runner.value }
                group.cancelAll()
            }
        }
        #expect(ledger.violations == [])
    }

    @Test("an observer reads at its own interval; observe(every:) takes effect at once, even mid-pause")
    func observerInterval() async throws {
        let cluster = try InMemoryCluster()
        // One read at start, then (without observe(every:)) none for an hour.
        let observer = try cluster.observer("watcher", tick: .seconds(3600))
        try await cluster.driving("the observer's interval") { pacer in
            let watcher = Task { try await observer.run() }
            let runners = cluster.nodes.map { node in Task { try await node.run() } }
            let views = try await cluster.waitUntil("one leader and a settled map", on: pacer) {
                isSettled($0, live: ["a", "b", "c"], shardCount: 64)
            }
            let leader = try #require(views.first { $0.isLeader }).nodeID
            // Its only read came before any election (members wait two heartbeat rounds).
            #expect(await observer.view().leader == nil)
            await observer.observe(every: .milliseconds(20))
            let seen = try await poll(
                "the observer sees the leader after observe(every:)",
                within: .seconds(5),
                every: .milliseconds(10),
                on: pacer
            ) { () -> Cluster.View? in
                let view = await observer.view()
                return view.leader == leader && view.shardMap?.isSettled == true ? view : nil
            }
            #expect(seen.isLeader == false && seen.acting.isEmpty, "an observer never leads or owns")
            for runner in runners + [watcher] { runner.cancel() }
            for runner in runners + [watcher] { _ = try? await runner.value }
        }
    }

    @Test(
        "an observer on fast timings watching members on the standard ones (heartbeat 30 s, lease TTL 10 s renewed every 3 s) never calls them down or the lease expired"
    )
    func observerFollowsTheMembersTimings() async throws {
        let cluster = try InMemoryCluster(standardTimings: true)
        let observer = try cluster.observer("watcher")
        try await cluster.driving("an observer on other timings") { pacer in
            let watcher = Task { try await observer.run() }
            let runners = cluster.nodes.map { node in Task { try await node.run() } }
            let leader = try await poll(
                "the observer sees three members up and a leader",
                within: .seconds(300),
                every: .milliseconds(500),
                on: pacer
            ) {
                () -> String? in
                let view = await observer.view()
                let up = view.members.filter { $0.status == .up }.count
                return up == 3 ? view.leader : nil
            }
            // Two minutes of the members' life, looked at every 100 ms: across heartbeats 30 s
            // apart and renewals 3 s apart, where the observer's own timings (down after 1.5 s,
            // TTL 2 s) would have called them down and the lease expired.
            var wrong: [String] = []
            let until = pacer.now() + .seconds(120)
            while pacer.now() < until {
                let view = await observer.view()
                let notUp = view.members.filter { $0.status != .up }.map { "\($0.info.id) \($0.status)" }
                if !notUp.isEmpty || view.leader != leader {
                    wrong.append("leader \(view.leader ?? "none"), \(notUp)")
                }
                try await pacer.sleep(.milliseconds(100))
            }
            #expect(wrong.isEmpty, "\(wrong.prefix(5))")
            // And a member that stops for good is still called down, after its stated 90 s.
            let lost = try #require(cluster.nodes.first { $0.id != leader })
            await lost.halt()
            _ = try await poll(
                "the stopped member is down",
                within: .seconds(200),
                every: .milliseconds(500),
                on: pacer
            ) {
                () -> Bool? in
                await observer.view().members.contains { $0.info.id == lost.id && $0.status == .down } ? true : nil
            }
            for runner in runners + [watcher] { runner.cancel() }
            for runner in runners + [watcher] { _ = try? await runner.value }
        }
    }

    @Test(
        "an observer that starts between heartbeats 30 s apart knows every member at once from its roll call, and so does one started right after it; a flood of roll calls gets one heartbeat a second from each"
    )
    func rollCall() async throws {
        let cluster = try InMemoryCluster(standardTimings: true)
        let heard = Mutex<[String: Int]>([:])
        let listening = try await cluster.discovery.messages()
        let counter = Task {
            for await message in listening {
                if case .heartbeat(let info) = message { heard.withLock { $0[info.id, default: 0] += 1 } }
            }
        }
        defer { counter.cancel() }
        try await cluster.driving("roll calls") { pacer in
            let runners = cluster.nodes.map { node in Task { try await node.run() } }
            // Every member heartbeats as it starts, then not for 30 s.
            _ = try await poll("every member's first heartbeat", within: .seconds(5), on: pacer) {
                heard.withLock { $0.count } == 3 ? true : nil
            }
            try await pacer.sleep(.seconds(5))
            var watchers: [Task<Void, any Error>] = []
            for (index, name) in ["late", "later"].enumerated() {
                // The second 300 ms after the first: the members answered a roll call just now,
                // so they answer its own when the gap ends, not never.
                if index > 0 { try await pacer.sleep(.milliseconds(300)) }
                let observer = try cluster.observer(name)
                watchers.append(Task { try await observer.run() })
                _ = try await poll("observer \(name) knows all three members up", within: .seconds(2), on: pacer) {
                    () -> Bool? in
                    await observer.view().members.filter { $0.status == .up }.count == 3 ? true : nil
                }
            }
            // A flood from a hostile client, twice, a gap apart: one answer each time from each.
            for round in 1...2 {
                try await pacer.sleep(.seconds(1))
                let before = heard.withLock { $0 }
                for _ in 0..<50 { try await cluster.discovery.publish(.rollCall("flood")) }
                _ = try await poll("round \(round): an answer from every member", within: .seconds(1), on: pacer) {
                    heard.withLock { now in
                        cluster.nodes.allSatisfy { now[$0.id, default: 0] > before[$0.id, default: 0] }
                    }
                        ? true : nil
                }
                try await pacer.sleep(.milliseconds(500))
                let after = heard.withLock { $0 }
                for node in cluster.nodes {
                    #expect(
                        after[node.id, default: 0] - before[node.id, default: 0] == 1,
                        "round \(round): \(node.id) answered \(after[node.id, default: 0] - before[node.id, default: 0]) times"
                    )
                }
            }
            for runner in runners + watchers { runner.cancel() }
            for runner in runners + watchers { _ = try? await runner.value }
        }
    }

    /// Moves the manual clock in steps of `step` once `sleepers` loops wait on it, until
    /// `condition` holds (or `total` has passed when given); fails after 20 s of real time.
    private func run(
        _ clock: ManualClock,
        sleepers: Int,
        step: Duration = .milliseconds(50),
        total: Duration? = nil,
        until condition: @escaping @Sendable () async -> Bool = { false }
    ) async throws {
        try await withDeadline(20, "the nodes on the manual clock") {
            var moved = Duration.zero
            while true {
                while clock.sleeping < sleepers {
                    try Task.checkCancellation()
                    await Task.yield()
                }
                if await condition() { return }
                if let total, moved >= total { return }
                clock.advance(by: step)
                moved += step
            }
        }
    }

    @Test(
        "a tick never waits for work to drain: work held on a released shard past downAfter + the lease TTL; the node stays up, keeps leading, and confirms when the work ends"
    )
    func releaseNeverBlocksTheTick() async throws {
        let clock = ManualClock()
        let coordination = Cluster.InMemoryCoordination(now: { clock.now })
        let discovery = Cluster.InMemoryDiscovery()
        func node(_ name: String) throws -> Cluster.Node {
            var configuration = Cluster.Node.Configuration.fast(nodeID: name)
            configuration.shardCount = 16
            // Longer than the test holds work, so the release waits for the work, not the timeout.
            configuration.handoffTimeout = .seconds(60)
            return try Cluster.Node(
                configuration: configuration,
                coordination: coordination,
                discovery: discovery,
                clock: clock.nodeClock
            )
        }
        let a = try node("a")
        let b = try node("b")
        let runA = Task { try await a.run() }
        try await run(clock, sleepers: 2) {
            let view = await a.view()
            return view.isLeader && view.acting.count == 16
        }
        // Work on every shard is held open; then b joins and the leader hands half of them on.
        for shard in 0..<16 { #expect(await a.beginWork(on: shard)) }
        let runB = Task { try await b.run() }
        let held = Cluster.Node.Configuration.fast(nodeID: "x")
        try await run(clock, sleepers: 4, total: (held.downAfter + held.election.ttl) * 2)
        let viewA = await a.view()
        let viewB = await b.view()
        #expect(viewA.isLeader, "the leader lost its lease while work was held")
        #expect(viewB.leader == "a")
        #expect(viewB.members.first { $0.info.id == "a" }?.status == .up, "a went \(String(describing: viewB.members))")
        let moving = Set(viewA.shardMap?.handoffs.values.filter { $0.from == "a" && $0.to == "b" }.map(\.shard) ?? [])
        #expect(!moving.isEmpty, "no handoff to b started")
        #expect(viewB.acting.isDisjoint(with: moving), "b started on a shard a still works on")
        #expect(try await coordination.get(Cluster.ReleaseConfirmation.key(for: "a")).map { _ in true } != true)

        for shard in 0..<16 { await a.endWork(on: shard) }
        try await run(clock, sleepers: 4) {
            let map = await b.view().shardMap
            return await b.view().acting.isSuperset(of: moving) && map?.handoffs.isEmpty == true
        }
        let confirmation = try await coordination.get(Cluster.ReleaseConfirmation.key(for: "a"))
        #expect(confirmation != nil, "the release was never confirmed")
        runA.cancel()
        runB.cancel()
        clock.advance(by: .seconds(1))
        _ = try? await runA.value
        _ = try? await runB.value
    }

    @Test("an observer started after many renewals reports the term the leader won, as the shard map does")
    func lateObserverTerm() async throws {
        let cluster = try InMemoryCluster()
        let observer = try cluster.observer("late-watcher")
        try await cluster.driving("the late observer's term") { pacer in
            let runners = cluster.nodes.map { node in Task { try await node.run() } }
            let views = try await cluster.waitUntil("one leader and a settled map", on: pacer) {
                isSettled($0, live: ["a", "b", "c"], shardCount: 64)
            }
            let leaderView = try #require(views.first { $0.isLeader })
            let term = try #require(leaderView.term)
            // Wait until the lease has been renewed a few times: its revision has moved past the term.
            _ = try await poll("renewals", within: .seconds(10), on: pacer) { () -> Bool? in
                (try await cluster.coordination.get("leader"))?.revision ?? 0 >= term + 5 ? true : nil
            }
            let watcher = Task { try await observer.run() }
            let seen = try await poll(
                "the late observer sees the leader",
                within: .seconds(5),
                every: .milliseconds(10),
                on: pacer
            ) {
                () -> Cluster.View? in
                let view = await observer.view()
                return view.leader != nil && view.shardMap != nil ? view : nil
            }
            #expect(seen.leader == leaderView.nodeID)
            let revision = (try await cluster.coordination.get("leader"))?.revision ?? 0
            #expect(seen.term == term, "the lease is at revision \(revision)")
            #expect(seen.shardMap?.term == term)
            for runner in runners + [watcher] { runner.cancel() }
            for runner in runners + [watcher] { _ = try? await runner.value }
        }
    }

    @Test("heartbeats go on while coordination reads hang (the bucket's server gone): no live member looks down")
    func heartbeatsDoNotWaitForCoordination() async throws {
        let faults = FaultyCoordination.Faults()
        let cluster = try InMemoryCluster { FaultyCoordination(inner: $0, clock: $1.nodeClock, faults: faults) }
        try await cluster.driving("heartbeats while reads hang") { pacer in
            let runners = cluster.nodes.map { node in Task { try await node.run() } }
            defer { for runner in runners { runner.cancel() } }
            _ = try await cluster.waitUntil("a settled cluster", on: pacer) {
                isSettled($0, live: ["a", "b", "c"], shardCount: 64)
            }
            // Every read and write now takes 5 s, as a KV request to a bucket without quorum
            // times out; down after 1.5 s without a heartbeat.
            faults.stall.withLock { $0 = true }
            let until = pacer.now() + .seconds(8)
            while pacer.now() < until {
                for node in cluster.nodes {
                    let view = await node.view()
                    let down = view.members.filter { $0.status == .down }.map(\.info.id)
                    #expect(down.isEmpty, "\(node.id) sees \(down) down at \(pacer.now())")
                    let silent = view.members.filter { $0.heartbeatAge > .seconds(1) }.map(\.info.id)
                    #expect(silent.isEmpty, "\(node.id) has not heard \(silent) for over a second")
                }
                try await pacer.sleep(.milliseconds(100))
            }
            faults.stall.withLock { $0 = false }
            for runner in runners { runner.cancel() }
            for runner in runners { _ = try? await runner.value }
        }
    }

    @Test("a lease not renewed for its TTL is no leader, though a replica without quorum still serves it")
    func staleLeaseIsNoLeader() async throws {
        let cluster = try InMemoryCluster()
        let stale = FaultyCoordination(inner: cluster.coordination, clock: cluster.clock.nodeClock)
        var configuration = Cluster.Node.Configuration.fast(nodeID: "watch")
        configuration.observer = true
        let observer = try Cluster.Node(
            configuration: configuration,
            coordination: stale,
            discovery: cluster.discovery,
            clock: cluster.clock.nodeClock
        )
        try await cluster.driving("a stale lease") { pacer in
            let runners = (cluster.nodes + [observer]).map { node in Task { try await node.run() } }
            defer { for runner in runners { runner.cancel() } }
            let views = try await cluster.waitUntil("a leader", on: pacer) {
                isSettled($0, live: ["a", "b", "c"], shardCount: 64)
            }
            let leader = try #require(views.first(where: \.isLeader)?.nodeID)
            _ = try await poll("the observer sees the leader", within: .seconds(3), on: pacer) {
                await observer.view().leader == leader ? true : nil
            }
            let events = await observer.events()
            let told = Mutex<[String?]>([])
            let listener = Task {
                for await event in events {
                    if case .leaderChanged(let node, _) = event { told.withLock { $0.append(node) } }
                }
            }
            defer { listener.cancel() }
            // The observer's replica stops moving: it serves the last lease it had, forever.
            stale.faults.staleReads.withLock { $0 = true }
            await cluster.node(leader).freeze()
            let started = pacer.now()
            _ = try await poll("no leader once the TTL has passed", within: .seconds(4), on: pacer) {
                await observer.view().leader == nil ? true : nil
            }
            let after = started.duration(to: pacer.now())
            #expect(after <= .seconds(2) + .milliseconds(500), "within the TTL and a tick: \(after)")
            #expect(await observer.view().term == nil)
            _ = try await poll("subscribers are told there is no leader", within: .seconds(1), on: pacer) {
                told.withLock { $0.last } == .some(nil) ? true : nil
            }
            stale.faults.staleReads.withLock { $0 = false }
            await cluster.node(leader).thaw()
            for runner in runners { runner.cancel() }
            for runner in runners { _ = try? await runner.value }
        }
    }

    @Test("a resigned leader hands the lease on within a second and sits out the next round")
    func resign() async throws {
        let cluster = try InMemoryCluster()
        try await cluster.driving("resign") { pacer in
            let runners = cluster.nodes.map { node in Task { try await node.run() } }
            defer { for runner in runners { runner.cancel() } }
            let views = try await cluster.waitUntil("a leader", on: pacer) {
                isSettled($0, live: ["a", "b", "c"], shardCount: 64)
            }
            let old = views.first(where: \.isLeader)!
            let started = pacer.now()
            await cluster.node(old.nodeID).resign()
            let next = try await cluster.waitUntil("a new leader", within: .seconds(2), on: pacer) { views in
                views.contains { $0.isLeader && $0.nodeID != old.nodeID }
            }
            let elapsed = started.duration(to: pacer.now())
            #expect(elapsed < .seconds(1))
            let newTerm = try #require(next.first(where: \.isLeader)?.term)
            #expect(newTerm > old.term!)
            for runner in runners { runner.cancel() }
            for runner in runners { _ = try? await runner.value }
        }
    }

    @Test("a leader frozen past its TTL is replaced, and its fenced shard-map write is rejected")
    func fence() async throws {
        let cluster = try InMemoryCluster()
        try await cluster.driving("the fence") { pacer in
            let runners = cluster.nodes.map { node in Task { try await node.run() } }
            let views = try await cluster.waitUntil("a leader", on: pacer) {
                isSettled($0, live: ["a", "b", "c"], shardCount: 64)
            }
            let old = cluster.node(views.first(where: \.isLeader)!.nodeID)
            let staleToken = try #require(await old.heldFencingToken())
            let staleMap = try #require(views.first?.shardMap)
            await old.freeze()
            _ = try await cluster.waitUntil("another leader", within: .seconds(6), on: pacer) { views in
                views.contains { $0.isLeader && $0.nodeID != old.id }
            }
            await #expect(throws: AetherError.self) {
                var write = staleMap
                write.version += 1
                write.owners = Array(repeating: old.id, count: write.shardCount)
                try await old.writeShardMap(write, fencingToken: staleToken)
            }
            await old.thaw()
            let final = try await cluster.waitUntil("the old leader stepped down", on: pacer) { views in
                views.filter(\.isLeader).count == 1 && !views.contains { $0.nodeID == old.id && $0.isLeader }
            }
            #expect(final.compactMap(\.shardMap).allSatisfy { !$0.owners.allSatisfy { $0 == old.id } })
            for runner in runners { runner.cancel() }
            for runner in runners { _ = try? await runner.value }
        }
    }

    @Test("node IDs are checked")
    func nodeIDs() {
        #expect(throws: AetherError.self) { try Cluster.validateNodeID("a.b") }
        #expect(throws: AetherError.self) { try Cluster.validateNodeID("") }
        #expect(throws: AetherError.self) { try Cluster.validateNodeID("*") }
        #expect(throws: Never.self) { try Cluster.validateNodeID("node-1_A") }
    }
}

/// Coordination with faults a test switches on: every call taking 5 s of the clock, as a KV
/// request to a bucket without quorum times out (`stall`); reads answering what they answered
/// last, as a replica cut off from its quorum (`staleReads`). Writes go through after a stall.
final class FaultyCoordination: Cluster.CoordinationBackend {
    /// Shared by every node's backend of one cluster.
    final class Faults: Sendable {
        let stall = Mutex(false)
        let staleReads = Mutex(false)
    }
    let inner: Cluster.InMemoryCoordination
    let clock: Cluster.NodeClock
    let faults: Faults
    private let last = Mutex<[String: (value: [UInt8], revision: UInt64)?]>([:])

    init(inner: Cluster.InMemoryCoordination, clock: Cluster.NodeClock, faults: Faults = Faults()) {
        self.inner = inner
        self.clock = clock
        self.faults = faults
    }

    private func stall() async throws {
        if faults.stall.withLock({ $0 }) { try await clock.sleep(.seconds(5)) }
    }

    func get(_ key: String) async throws -> (value: [UInt8], revision: UInt64)? {
        try await stall()
        if faults.staleReads.withLock({ $0 }), let kept = last.withLock({ $0[key] }) { return kept }
        let entry = try await inner.get(key)
        last.withLock { $0[key] = .some(entry) }
        return entry
    }
    func peek(_ key: String) async throws -> (value: [UInt8], revision: UInt64)? { try await get(key) }
    func create(_ key: String, value: [UInt8], ttl: Duration?) async throws -> UInt64 {
        try await stall()
        return try await inner.create(key, value: value, ttl: ttl)
    }
    func update(_ key: String, value: [UInt8], revision: UInt64, ttl: Duration?) async throws -> UInt64 {
        try await stall()
        return try await inner.update(key, value: value, revision: revision, ttl: ttl)
    }
    func delete(_ key: String, revision: UInt64) async throws {
        try await stall()
        try await inner.delete(key, revision: revision)
    }
    func set(_ key: String, value: [UInt8]) async throws -> UInt64 {
        try await stall()
        return try await inner.set(key, value: value)
    }
    func put(
        _ key: String,
        value: [UInt8],
        fencedBy fenceKey: String,
        revision fenceRevision: UInt64
    ) async throws
        -> UInt64
    {
        try await stall()
        return try await inner.put(key, value: value, fencedBy: fenceKey, revision: fenceRevision)
    }
}
