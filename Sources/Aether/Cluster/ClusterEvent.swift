extension Cluster {
    /// What one node knows of the cluster at an instant.
    public struct View: Sendable, Equatable {
        public struct MemberView: Sendable, Equatable {
            public var info: NodeInfo
            public var status: MemberStatus
            /// Time since the last heartbeat heard from the member.
            public var heartbeatAge: Duration

            public init(info: NodeInfo, status: MemberStatus, heartbeatAge: Duration) {
                self.info = info
                self.status = status
                self.heartbeatAge = heartbeatAge
            }
        }

        /// The node this view is from.
        public var nodeID: String
        public var members: [MemberView]
        public var leader: String?
        /// The leader's term (its lease's first revision).
        public var term: UInt64?
        /// How long the leader's lease has left, as this node last saw it renewed.
        public var leaseRemaining: Duration?
        public var shardMap: ShardMap?
        /// The shards this node works on now.
        public var acting: Set<Int>
        public var isLeader: Bool

        public init(
            nodeID: String,
            members: [MemberView] = [],
            leader: String? = nil,
            term: UInt64? = nil,
            leaseRemaining: Duration? = nil,
            shardMap: ShardMap? = nil,
            acting: Set<Int> = [],
            isLeader: Bool = false
        ) {
            self.nodeID = nodeID
            self.members = members
            self.leader = leader
            self.term = term
            self.leaseRemaining = leaseRemaining
            self.shardMap = shardMap
            self.acting = acting
            self.isLeader = isLeader
        }
    }

    /// A change in the cluster as one node observed it. A subscription starts with
    /// `.snapshot`, then deltas in order.
    public enum Event: Sendable, Equatable {
        case snapshot(View)
        case joined(NodeInfo)
        case recovered(String)
        case suspect(String)
        case down(String)
        case left(String)
        case leaderChanged(node: String?, term: UInt64?)
        case becameLeader(term: UInt64)
        case lostLeadership(term: UInt64, reason: String)
        case shardMapChanged(version: UInt64, term: UInt64)
        case handoffStarted(shard: Int, from: String, to: String)
        case handoffFinished(shard: Int, from: String, to: String)
        /// This node started or stopped work on shards.
        case ownershipChanged(acquired: [Int], released: [Int])

        init(_ change: MembershipChange) {
            switch change {
            case .joined(let info): self = .joined(info)
            case .recovered(let id): self = .recovered(id)
            case .suspect(let id): self = .suspect(id)
            case .down(let id): self = .down(id)
            case .left(let id): self = .left(id)
            }
        }
    }
}
