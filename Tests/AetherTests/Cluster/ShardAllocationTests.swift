import Aether
import Testing

@Suite("Shard allocation and handoff state machines (manual clock)")
struct ShardAllocationTests {
    let start = ContinuousClock.now
    private func at(_ milliseconds: Int) -> ContinuousClock.Instant { start.advanced(by: .milliseconds(milliseconds)) }

    @Test("an empty map is assigned at once over the live members, as the ring says")
    func initialAssignment() throws {
        let allocator = Allocating(handoffTimeout: .seconds(2))
        let empty = Cluster.ShardMap(shardCount: 64)
        let map = try #require(allocator.next(from: empty, live: ["a", "b", "c"], releases: [:], term: 7, now: at(0)))
        #expect(map.version == 1)
        #expect(map.term == 7)
        #expect(map.handoffs.isEmpty)
        #expect(map.owners == Cluster.HashRing(nodes: ["a", "b", "c"]).assign(shardCount: 64))
        #expect(map.isSettled)
        #expect(allocator.next(from: map, live: ["a", "b", "c"], releases: [:], term: 7, now: at(10)) == nil)
    }

    @Test("a join moves only the ring's shards, each through a handoff finished by the old owner's release")
    func joinHandsOff() throws {
        let allocator = Allocating(handoffTimeout: .seconds(2))
        let settled = try #require(
            allocator.next(from: .init(shardCount: 1024), live: ["a", "b", "c"], releases: [:], term: 1, now: at(0))
        )
        let moving = try #require(
            allocator.next(from: settled, live: ["a", "b", "c", "d"], releases: [:], term: 1, now: at(100))
        )
        #expect(moving.owners == settled.owners, "owners change only when a handoff finishes")
        #expect(moving.handoffs.values.allSatisfy { $0.to == "d" && $0.sinceVersion == moving.version })
        #expect(Double(moving.handoffs.count) < 0.35 * 1024)
        #expect(!moving.handoffs.isEmpty)

        // Each old owner reads the map, stops work, confirms.
        var releases: [String: Cluster.ReleaseConfirmation] = [:]
        for node in ["a", "b", "c"] {
            let ownership = Owning(nodeID: node, staleAfter: .seconds(1))
            _ = ownership.onMapRead(settled, now: at(50))
            let directives = ownership.onMapRead(moving, now: at(150))
            let outgoing = moving.handoffs.values.filter { $0.from == node }.map(\.shard).sorted()
            #expect(directives.first == .released(outgoing), "work stops before the confirmation is written")
            #expect(directives.last == .confirmRelease(.init(mapVersion: moving.version, shards: outgoing)))
            releases[node] = .init(mapVersion: moving.version, shards: outgoing)
        }
        let done = try #require(
            allocator.next(from: moving, live: ["a", "b", "c", "d"], releases: releases, term: 1, now: at(200))
        )
        #expect(done.isSettled)
        #expect(done.owners == Cluster.HashRing(nodes: ["a", "b", "c", "d"]).assign(shardCount: 1024))
        #expect(
            done.changes(since: moving).filter { if case .handoffFinished = $0 { true } else { false } }.count
                == moving.handoffs.count
        )
    }

    @Test("a confirmation computed before the handoff started does not finish it")
    func staleConfirmation() throws {
        let allocator = Allocating(handoffTimeout: .seconds(2))
        let settled = try #require(
            allocator.next(from: .init(shardCount: 32), live: ["a", "b"], releases: [:], term: 1, now: at(0))
        )
        let moving = try #require(
            allocator.next(from: settled, live: ["a", "b", "c"], releases: [:], term: 1, now: at(1))
        )
        let handoff = try #require(moving.handoffs.values.first)
        let stale = Cluster.ReleaseConfirmation(mapVersion: moving.version - 1, shards: [handoff.shard])
        let next = allocator.next(
            from: moving,
            live: ["a", "b", "c"],
            releases: [handoff.from: stale],
            term: 1,
            now: at(2)
        )
        #expect(next == nil)
    }

    @Test("a handoff from a node that is no longer live waits for the timeout; a graceful stop does not")
    func downAndStopped() throws {
        let allocator = Allocating(handoffTimeout: .seconds(2))
        let settled = try #require(
            allocator.next(from: .init(shardCount: 64), live: ["a", "b", "c"], releases: [:], term: 1, now: at(0))
        )
        let moving = try #require(
            allocator.next(from: settled, live: ["a", "b"], releases: [:], term: 1, now: at(100))
        )
        #expect(moving.handoffs.values.allSatisfy { $0.from == "c" })
        #expect(moving.handoffs.count == settled.owners.filter { $0 == "c" }.count)
        #expect(allocator.next(from: moving, live: ["a", "b"], releases: [:], term: 1, now: at(2099)) == nil)
        let done = try #require(allocator.next(from: moving, live: ["a", "b"], releases: [:], term: 1, now: at(2100)))
        #expect(done.isSettled)
        #expect(!done.owners.contains("c"))

        let other = Allocating(handoffTimeout: .seconds(2))
        let started = try #require(other.next(from: settled, live: ["a", "b"], releases: [:], term: 1, now: at(100)))
        let finished = try #require(
            other.next(from: started, live: ["a", "b"], stopped: ["c"], releases: [:], term: 1, now: at(101))
        )
        #expect(finished.isSettled, "a node that announced leave has stopped work already")
    }

    @Test("a handoff whose target returns to the old owner is cancelled; the old owner resumes")
    func cancelledHandoff() throws {
        let allocator = Allocating(handoffTimeout: .seconds(2))
        let settled = try #require(
            allocator.next(from: .init(shardCount: 64), live: ["a", "b"], releases: [:], term: 1, now: at(0))
        )
        let moving = try #require(
            allocator.next(from: settled, live: ["a", "b", "c"], releases: [:], term: 1, now: at(1))
        )
        let back = try #require(allocator.next(from: moving, live: ["a", "b"], releases: [:], term: 1, now: at(2)))
        #expect(back.handoffs.isEmpty)
        #expect(back.owners == settled.owners)
        let ownership = Owning(nodeID: "a", staleAfter: .seconds(1))
        _ = ownership.onMapRead(settled, now: at(0))
        _ = ownership.onMapRead(moving, now: at(1))
        let resumed = ownership.onMapRead(back, now: at(2))
        let mine = Set(settled.owners.indices.filter { settled.owners[$0] == "a" })
        #expect(ownership.acting == mine)
        #expect(resumed.contains(.confirmRelease(.init(mapVersion: back.version, shards: []))))
    }

    @Test("a node that cannot read the map stops all work after staleAfter")
    func staleNodeStops() throws {
        let allocator = Allocating()
        let map = try #require(
            allocator.next(from: .init(shardCount: 16), live: ["a"], releases: [:], term: 1, now: at(0))
        )
        let ownership = Owning(nodeID: "a", staleAfter: .seconds(1))
        #expect(ownership.onMapRead(map, now: at(0)) == [.acquired(Array(0..<16))])
        #expect(ownership.onTick(now: at(999)) == [])
        #expect(ownership.onTick(now: at(1000)) == [.released(Array(0..<16))])
        #expect(ownership.acting.isEmpty)
        #expect(ownership.onMapRead(nil, now: at(1100)) == [.acquired(Array(0..<16))], "an older map is kept")
    }

    @Test("freshness counts from when a read was issued, and a late answer never makes it older")
    func freshnessFromIssue() throws {
        let allocator = Allocating()
        let map = try #require(
            allocator.next(from: .init(shardCount: 4), live: ["a"], releases: [:], term: 1, now: at(0))
        )
        let ownership = Owning(nodeID: "a", staleAfter: .seconds(1))
        _ = ownership.onMapRead(map, now: at(500))
        _ = ownership.onMapRead(map, now: at(100))  // a slow read issued earlier, answered now
        #expect(ownership.onTick(now: at(1499)) == [])
        #expect(ownership.onTick(now: at(1500)) == [.released([0, 1, 2, 3])])
    }

    @Test("random joins, leaves, partitions and lagging readers never give one shard two acting nodes")
    func neverTwoOwners() throws {
        var generator = SplitMix(seed: 42)
        let nodes = ["a", "b", "c", "d", "e"]
        let allocator = Allocating(handoffTimeout: .seconds(2))
        var ownerships = Dictionary(
            uniqueKeysWithValues: nodes.map { ($0, Cluster.ShardOwnership(nodeID: $0, staleAfter: .seconds(1))) }
        )
        var live: Set<String> = ["a", "b", "c"]
        var reachable: Set<String> = Set(nodes)
        var map = Cluster.ShardMap(shardCount: 128)
        var releases: [String: Cluster.ReleaseConfirmation] = [:]
        var clock = 0
        var settledCount = 0
        for _ in 0..<4000 {
            clock += Int(generator.next() % 60)
            let now = at(clock)
            switch generator.next() % 10 {
            case 0:
                // Membership change as the leader sees it: a node joins or disappears.
                let node = nodes[Int(generator.next() % 5)]
                if live.contains(node) && live.count > 1 { live.remove(node) } else { live.insert(node) }
            case 1:
                // A node is cut off from coordination, or comes back.
                let node = nodes[Int(generator.next() % 5)]
                if reachable.contains(node) { reachable.remove(node) } else { reachable.insert(node) }
            case 2, 3:
                if let next = allocator.next(from: map, live: live, releases: releases, term: 1, now: now) {
                    map = next
                }
            default:
                let node = nodes[Int(generator.next() % 5)]
                if reachable.contains(node) {
                    for directive in ownerships[node]!.onMapRead(map, now: now) {
                        if case .confirmRelease(let confirmation) = directive { releases[node] = confirmation }
                    }
                }
            }
            for node in nodes { _ = ownerships[node]!.onTick(now: now) }
            var seen: [Int: String] = [:]
            for node in nodes {
                for shard in ownerships[node]!.acting {
                    #expect(seen[shard] == nil, "shard \(shard) acted on by \(seen[shard] ?? "") and \(node)")
                    seen[shard] = node
                }
            }
            if map.isSettled { settledCount += 1 }
        }
        #expect(settledCount > 0, "the simulation reached settled maps")
        #expect(map.version > 20)
    }

    @Test("the shard map's JSON form keeps owners and handoffs")
    func mapRoundTrip() throws {
        var map = Cluster.ShardMap(shardCount: 4)
        map.version = 3
        map.term = 9
        map.owners = ["a", "b", "", "a"]
        map.handoffs = [1: .init(shard: 1, from: "b", to: "a", sinceVersion: 3)]
        let text = try JSONEncoderShim.encode(map)
        #expect(text.contains(#""nodes":["a","b"]"#))
        #expect(text.contains(#""owners":[0,1,-1,0]"#), "owners are indexes into the node table, -1 for none")
        #expect(try JSONEncoderShim.decode(Cluster.ShardMap.self, text) == map)
        #expect(throws: (any Error).self) {
            try JSONEncoderShim.decode(
                Cluster.ShardMap.self,
                #"{"handoffs":[],"nodes":["a"],"owners":[3],"term":1,"version":1}"#
            )
        }
    }
}

/// A small deterministic generator for simulations.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Reference wrappers, so the mutating state machines can be called inside `#expect`.
final class Allocating {
    var machine: Cluster.ShardAllocator
    init(handoffTimeout: Duration = .seconds(10)) { machine = Cluster.ShardAllocator(handoffTimeout: handoffTimeout) }
    func next(
        from map: Cluster.ShardMap,
        live: Set<String>,
        stopped: Set<String> = [],
        releases: [String: Cluster.ReleaseConfirmation],
        term: UInt64,
        now: ContinuousClock.Instant
    ) -> Cluster.ShardMap? {
        machine.next(from: map, live: live, stopped: stopped, releases: releases, term: term, now: now)
    }
}

final class Owning {
    var machine: Cluster.ShardOwnership
    init(nodeID: String, staleAfter: Duration) {
        machine = Cluster.ShardOwnership(nodeID: nodeID, staleAfter: staleAfter)
    }
    var acting: Set<Int> { machine.acting }
    func onMapRead(_ map: Cluster.ShardMap?, now: ContinuousClock.Instant) -> [Cluster.ShardOwnership.Directive] {
        machine.onMapRead(map, now: now)
    }
    func onTick(now: ContinuousClock.Instant) -> [Cluster.ShardOwnership.Directive] { machine.onTick(now: now) }
}
