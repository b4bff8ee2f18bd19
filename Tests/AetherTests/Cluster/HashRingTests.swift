import Aether
import Testing

@Suite("Consistent hash ring and shards")
struct HashRingTests {
    private func counts(_ ring: Cluster.HashRing, keys: Int) -> [String: Int] {
        var counts: [String: Int] = [:]
        for key in 0..<keys { counts[ring.node(for: "actor-\(key)")!, default: 0] += 1 }
        return counts
    }

    @Test("keys spread within 25% of the mean, coefficient of variation under 15%", arguments: [3, 5, 10])
    func spread(nodeCount: Int) {
        let ring = Cluster.HashRing(nodes: (1...nodeCount).map { "node-\($0)" })
        let counts = counts(ring, keys: 100_000)
        let mean = 100_000.0 / Double(nodeCount)
        for (node, count) in counts {
            #expect(abs(Double(count) - mean) / mean <= 0.25, "\(node) has \(count) keys, mean \(mean)")
        }
        let variance = counts.values.map { (Double($0) - mean) * (Double($0) - mean) }.reduce(0, +) / Double(nodeCount)
        #expect(variance.squareRoot() / mean < 0.15)
        #expect(counts.count == nodeCount)
    }

    @Test("a joining node takes fewer than 35% of keys, all from others to itself")
    func join() {
        var ring = Cluster.HashRing(nodes: ["a", "b", "c", "d"])
        let before = (0..<50_000).map { ring.node(for: "k\($0)")! }
        ring.add("e")
        let after = (0..<50_000).map { ring.node(for: "k\($0)")! }
        let moved = zip(before, after).filter { $0 != $1 }
        #expect(Double(moved.count) / 50_000 < 0.35)
        #expect(moved.allSatisfy { $0.1 == "e" }, "keys moved between old nodes")
    }

    @Test("removing a node moves only its keys; add and remove are idempotent")
    func leave() {
        var ring = Cluster.HashRing(nodes: ["a", "b", "c"])
        let before = (0..<20_000).map { ring.node(for: "k\($0)")! }
        let addedAgain = ring.add("a")
        let removed = ring.remove("c")
        let removedAgain = ring.remove("c")
        #expect(!addedAgain)
        #expect(removed)
        #expect(!removedAgain)
        let after = (0..<20_000).map { ring.node(for: "k\($0)")! }
        for (old, new) in zip(before, after) where old != "c" {
            #expect(old == new)
        }
        #expect(!after.contains("c"))
    }

    @Test("works with 120 nodes; empty ring has no owner")
    func manyNodes() {
        let ring = Cluster.HashRing(nodes: (0..<120).map { "n\($0)" })
        #expect(Set(ring.assign(shardCount: 1024)).count > 100)
        #expect(Cluster.HashRing().node(for: "x") == nil)
        #expect(Cluster.HashRing().assign().isEmpty)
    }

    @Test("the hash and the actor → shard mapping are stable (fixed vectors other languages can check)")
    func stableVectors() {
        // Computed independently (Python) from the documented definition.
        #expect(Cluster.stableHash("") == 0xefd0_1f60_ba99_2926)
        #expect(Cluster.stableHash("node-1#0") == 0xf28b_65a6_0490_0cc8)
        #expect(Cluster.stableHash("orders\u{1F}order-123") == 0x24e6_89a6_923e_77c6)
        #expect(Cluster.shard(of: "order-123", in: "orders") == 966)
        // Shards cover their range evenly enough.
        var used = Set<Int>()
        for index in 0..<20_000 { used.insert(Cluster.shard(of: "a\(index)", in: "ns")) }
        #expect(used.count == 1024)
    }
}
