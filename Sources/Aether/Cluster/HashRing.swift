extension Cluster {
    /// The stable 64-bit hash Aether uses for ring positions and shards: FNV-1a over the UTF-8
    /// bytes, then MurmurHash3's 64-bit finalizer (fmix64) to spread similar inputs.
    /// Written down in `docs/WIRE-FORMAT.md` so other languages compute the same values.
    public static func stableHash(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        hash ^= hash >> 33
        hash = hash &* 0xff51_afd7_ed55_8ccd
        hash ^= hash >> 33
        hash = hash &* 0xc4ce_b9fe_1a85_ec53
        hash ^= hash >> 33
        return hash
    }

    /// The shard an actor belongs to: `stableHash(namespace + "\u{1F}" + actorID) % shardCount`.
    public static func shard(of actorID: String, in namespace: String, shardCount: Int = 1024) -> Int {
        precondition(shardCount > 0, "shardCount must be positive")
        return Int(stableHash(namespace + "\u{1F}" + actorID) % UInt64(shardCount))
    }

    /// A consistent hash ring: each node stands at `virtualNodes` points
    /// (`stableHash("<node>#<i>")`); a key belongs to the first point at or after its hash.
    ///
    /// Adding a node moves only the keys the new node takes; removing one moves only its keys.
    public struct HashRing: Sendable, Equatable {
        public let virtualNodes: Int
        private var points: [(hash: UInt64, node: String)] = []
        public private(set) var nodes: Set<String> = []

        public init(virtualNodes: Int = 150, nodes: some Sequence<String> = [String]()) {
            precondition(virtualNodes > 0, "virtualNodes must be positive")
            self.virtualNodes = virtualNodes
            for node in nodes { add(node) }
        }

        public var isEmpty: Bool { nodes.isEmpty }

        /// Adds a node; adding one already there changes nothing. Returns whether it was added.
        @discardableResult
        public mutating func add(_ node: String) -> Bool {
            guard nodes.insert(node).inserted else { return false }
            for index in 0..<virtualNodes {
                points.append((Cluster.stableHash("\(node)#\(index)"), node))
            }
            points.sort { ($0.hash, $0.node) < ($1.hash, $1.node) }
            return true
        }

        /// Removes a node; removing one not there changes nothing. Returns whether it was removed.
        @discardableResult
        public mutating func remove(_ node: String) -> Bool {
            guard nodes.remove(node) != nil else { return false }
            points.removeAll { $0.node == node }
            return true
        }

        /// The node owning `key`; nil on an empty ring.
        public func node(for key: String) -> String? {
            node(forHash: Cluster.stableHash(key))
        }

        public func node(forHash hash: UInt64) -> String? {
            guard !points.isEmpty else { return nil }
            var low = 0
            var high = points.count
            while low < high {
                let mid = (low + high) / 2
                if points[mid].hash < hash { low = mid + 1 } else { high = mid }
            }
            return points[low == points.count ? 0 : low].node
        }

        /// The owner of each shard `0..<shardCount` (key `shard-<n>`); empty on an empty ring.
        public func assign(shardCount: Int = 1024) -> [String] {
            guard !isEmpty else { return [] }
            return (0..<shardCount).map { node(for: "shard-\($0)")! }
        }

        public static func == (lhs: HashRing, rhs: HashRing) -> Bool {
            lhs.virtualNodes == rhs.virtualNodes && lhs.nodes == rhs.nodes
        }
    }
}
