extension Cluster {
    /// A shard moving from one node to another.
    ///
    /// The old owner MUST stop work on the shard and confirm release before the new owner
    /// acts; the leader finishes the handoff on that confirmation, or after the handoff
    /// timeout when the old owner is no longer a live member.
    public struct Handoff: Sendable, Hashable, Codable {
        public var shard: Int
        public var from: String
        public var to: String
        /// The map version that started this handoff; a release confirmation counts only
        /// when it was computed from this version or a later one.
        public var sinceVersion: UInt64

        public init(shard: Int, from: String, to: String, sinceVersion: UInt64) {
            self.shard = shard
            self.from = from
            self.to = to
            self.sinceVersion = sinceVersion
        }
    }

    /// Who owns every shard, as the leader decided it. Stored in the coordination bucket
    /// under ``ShardMap/key``, written only by the leader and fenced by its lease.
    public struct ShardMap: Sendable, Hashable, Codable {
        public static let key = "shardmap"

        /// Increases by one on every change the leader writes.
        public var version: UInt64
        /// The leader term that wrote this version.
        public var term: UInt64
        /// The owner of each shard, `""` for none.
        public var owners: [String]
        /// Handoffs in progress, by shard.
        public var handoffs: [Int: Handoff]

        public init(shardCount: Int) {
            version = 0
            term = 0
            owners = Array(repeating: "", count: shardCount)
            handoffs = [:]
        }

        public var shardCount: Int { owners.count }

        /// The node that may act on `shard` now: its owner, unless the shard is being handed off.
        public func actingOwner(of shard: Int) -> String? {
            guard owners.indices.contains(shard), handoffs[shard] == nil, !owners[shard].isEmpty else { return nil }
            return owners[shard]
        }

        /// The shards each node owns, handoffs in progress included under their old owner.
        public var shardsByOwner: [String: Int] {
            owners.reduce(into: [:]) { counts, owner in if !owner.isEmpty { counts[owner, default: 0] += 1 } }
        }

        /// Whether every shard has an owner and no handoff is in progress.
        public var isSettled: Bool { handoffs.isEmpty && !owners.contains("") }

        /// The cluster events that take `old` to `self`, as any node observes them.
        public func changes(since old: ShardMap?) -> [Cluster.Event] {
            guard version != old?.version else { return [] }
            var events: [Cluster.Event] = [.shardMapChanged(version: version, term: term)]
            let before = old?.handoffs ?? [:]
            for shard in handoffs.keys.sorted() where before[shard] != handoffs[shard] {
                let handoff = handoffs[shard]!
                events.append(.handoffStarted(shard: shard, from: handoff.from, to: handoff.to))
            }
            for shard in before.keys.sorted() where handoffs[shard] == nil {
                let handoff = before[shard]!
                events.append(.handoffFinished(shard: shard, from: handoff.from, to: owners[shard]))
            }
            return events
        }

        enum CodingKeys: String, CodingKey {
            case version, term, nodes, owners, handoffs
        }

        // Owners are stored as indexes into a node table, so 1024 shards stay small.
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            version = try container.decode(UInt64.self, forKey: .version)
            term = try container.decode(UInt64.self, forKey: .term)
            let nodes = try container.decode([String].self, forKey: .nodes)
            let indexes = try container.decode([Int].self, forKey: .owners)
            owners = try indexes.map { index in
                if index < 0 { return "" }
                guard nodes.indices.contains(index) else {
                    throw DecodingError.dataCorruptedError(
                        forKey: .owners,
                        in: container,
                        debugDescription: "owner index \(index) is outside the node table of \(nodes.count)"
                    )
                }
                return nodes[index]
            }
            let list = try container.decode([Handoff].self, forKey: .handoffs)
            handoffs = Dictionary(list.map { ($0.shard, $0) }, uniquingKeysWith: { _, last in last })
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            let nodes = Set(owners.filter { !$0.isEmpty }).sorted()
            let index = Dictionary(uniqueKeysWithValues: nodes.enumerated().map { ($1, $0) })
            try container.encode(version, forKey: .version)
            try container.encode(term, forKey: .term)
            try container.encode(nodes, forKey: .nodes)
            try container.encode(owners.map { index[$0] ?? -1 }, forKey: .owners)
            try container.encode(handoffs.keys.sorted().map { handoffs[$0]! }, forKey: .handoffs)
        }
    }

    /// A node's confirmation that it stopped work on shards being handed off. Stored under
    /// `release.<node>`.
    public struct ReleaseConfirmation: Sendable, Hashable, Codable {
        /// The map version the node had read when it stopped work on these shards.
        public var mapVersion: UInt64
        public var shards: [Int]

        public init(mapVersion: UInt64, shards: [Int]) {
            self.mapVersion = mapVersion
            self.shards = shards
        }

        public static func key(for node: String) -> String { "release.\(node)" }
    }

    /// The leader's shard allocation: a pure state machine. Fed the current map, the live
    /// members and release confirmations, it returns the next map to write, or nil when
    /// nothing changes.
    ///
    /// Rules: the target owner of each shard is given by the hash ring over live members, so a
    /// membership change moves as few shards as the ring does; a shard with no owner is
    /// assigned at once; an owned shard moves only through a ``Handoff``; a handoff finishes
    /// on the old owner's release confirmation, or after `handoffTimeout` when the old owner
    /// is no longer live.
    public struct ShardAllocator: Sendable {
        public var handoffTimeout: Duration
        public let virtualNodes: Int
        private var ring: HashRing
        private var targets: [String] = []
        /// When this leader first saw each handoff (its own clock; handoffs started by an
        /// earlier leader count from when this one saw them).
        private var firstSeen: [Handoff: ContinuousClock.Instant] = [:]

        public init(handoffTimeout: Duration = .seconds(10), virtualNodes: Int = 150) {
            self.handoffTimeout = handoffTimeout
            self.virtualNodes = virtualNodes
            self.ring = HashRing(virtualNodes: virtualNodes)
        }

        /// The next map, or nil when `map` already holds.
        ///
        /// - Parameters:
        ///   - live: the members that may own shards (up or suspect).
        ///   - stopped: members that announced a graceful stop (they stop work before they say so),
        ///     whose handoffs finish at once.
        ///   - releases: the latest release confirmation of each node.
        ///   - term: the caller's leader term, written into a changed map.
        public mutating func next(
            from map: ShardMap,
            live: Set<String>,
            stopped: Set<String> = [],
            releases: [String: ReleaseConfirmation],
            term: UInt64,
            now: ContinuousClock.Instant
        ) -> ShardMap? {
            if ring.nodes != live || targets.count != map.shardCount {
                ring = HashRing(virtualNodes: virtualNodes, nodes: live.sorted())
                targets = ring.assign(shardCount: map.shardCount)
            }
            var next = map
            for handoff in map.handoffs.values where firstSeen[handoff] == nil {
                firstSeen[handoff] = now
            }
            firstSeen = firstSeen.filter { map.handoffs[$0.key.shard] == $0.key }

            for shard in 0..<map.shardCount {
                let owner = map.owners[shard]
                let target = targets.isEmpty ? "" : targets[shard]
                if let handoff = map.handoffs[shard] {
                    let released =
                        releases[handoff.from].map {
                            $0.mapVersion >= handoff.sinceVersion && $0.shards.contains(shard)
                        } ?? false
                    let timedOut =
                        stopped.contains(handoff.from)
                        || !live.contains(handoff.from)
                            && (firstSeen[handoff].map { $0.duration(to: now) >= handoffTimeout } ?? false)
                    if target == handoff.from {
                        // Moving back to the old owner: cancel; it resumes work.
                        next.handoffs[shard] = nil
                    } else if released || timedOut {
                        next.owners[shard] = handoff.to
                        next.handoffs[shard] = nil
                    } else if !target.isEmpty && target != handoff.to {
                        next.handoffs[shard] = Handoff(
                            shard: shard,
                            from: handoff.from,
                            to: target,
                            sinceVersion: handoff.sinceVersion
                        )
                    }
                    continue
                }
                guard !target.isEmpty, owner != target else { continue }
                if owner.isEmpty {
                    next.owners[shard] = target
                } else {
                    next.handoffs[shard] = Handoff(shard: shard, from: owner, to: target, sinceVersion: map.version + 1)
                }
            }
            for handoff in next.handoffs.values where firstSeen[handoff] == nil { firstSeen[handoff] = now }
            guard next.owners != map.owners || next.handoffs != map.handoffs else { return nil }
            next.version = map.version + 1
            next.term = term
            return next
        }
    }

    /// A node's own view of what it may work on: a pure state machine fed the shard maps it
    /// reads and the time, returning what changed.
    ///
    /// A node acts on a shard only while the latest map it read names it as the owner with no
    /// handoff in progress, and only while that read is fresher than `staleAfter` — so a node
    /// cut off from coordination stops work before the leader's handoff timeout runs out.
    public struct ShardOwnership: Sendable {
        public enum Directive: Sendable, Equatable {
            /// Start work on these shards.
            case acquired([Int])
            /// Stop work on these shards (before any confirmation is written).
            case released([Int])
            /// Write this release confirmation.
            case confirmRelease(ReleaseConfirmation)
        }

        public let nodeID: String
        public var staleAfter: Duration
        public private(set) var map: ShardMap?
        public private(set) var acting: Set<Int> = []
        private var lastRead: ContinuousClock.Instant?
        private var confirmed: ReleaseConfirmation?

        public init(nodeID: String, staleAfter: Duration) {
            self.nodeID = nodeID
            self.staleAfter = staleAfter
        }

        /// A map was read (or nil: the key does not exist yet). `now` SHOULD be when the read
        /// was issued, not when it returned: the map is at least that fresh.
        public mutating func onMapRead(_ read: ShardMap?, now: ContinuousClock.Instant) -> [Directive] {
            lastRead = max(lastRead ?? now, now)
            if let read, read.version >= (map?.version ?? 0) { map = read }
            return settle()
        }

        /// Time passed; drops every shard when the last read is too old.
        public mutating func onTick(now: ContinuousClock.Instant) -> [Directive] {
            guard let lastRead, lastRead.duration(to: now) < staleAfter else {
                guard !acting.isEmpty else { return [] }
                let dropped = acting.sorted()
                acting = []
                return [.released(dropped)]
            }
            return []
        }

        /// The node is stopping: every shard is released.
        public mutating func onStop() -> [Directive] {
            guard !acting.isEmpty else { return [] }
            let dropped = acting.sorted()
            acting = []
            return [.released(dropped)]
        }

        private mutating func settle() -> [Directive] {
            guard let map else { return [] }
            var should = Set<Int>()
            for shard in 0..<map.shardCount where map.actingOwner(of: shard) == nodeID { should.insert(shard) }
            var directives: [Directive] = []
            let dropped = acting.subtracting(should).sorted()
            if !dropped.isEmpty { directives.append(.released(dropped)) }
            let gained = should.subtracting(acting).sorted()
            if !gained.isEmpty { directives.append(.acquired(gained)) }
            acting = should
            let outgoing = map.handoffs.values.filter { $0.from == nodeID }
            let handingOff = outgoing.map(\.shard).sorted()
            if !handingOff.isEmpty || confirmed.map({ !$0.shards.isEmpty }) == true {
                let confirmation = ReleaseConfirmation(mapVersion: map.version, shards: handingOff)
                // Rewrite when the shards differ, or when a handoff started after the last
                // confirmation (which the leader would not accept for it).
                let newer = outgoing.contains { $0.sinceVersion > (confirmed?.mapVersion ?? 0) }
                if confirmation.shards != confirmed?.shards || newer {
                    confirmed = confirmation
                    directives.append(.confirmRelease(confirmation))
                }
            }
            return directives
        }
    }
}
