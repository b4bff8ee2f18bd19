extension Cluster {
    /// What a node says about itself in every heartbeat (`aether.discovery`).
    public struct NodeInfo: Sendable, Hashable, Codable {
        public var id: String
        public var host: String
        public var processID: Int32
        public var version: String
        public var startedAt: Timestamp
        /// Shards this node owns, as it last reported.
        public var shardsOwned: Int
        /// Events per second this node handles.
        public var load: Double
        /// What the node says of itself: `active`, or `leaving` during a graceful stop.
        public var status: String
        public var tags: [String: String]
        /// When the node should be judged suspect and down, as its own configuration says
        /// (absent from older nodes and other implementations). Observers follow it, so a
        /// dashboard started with other timings than the members' does not call them down.
        public var timing: StatedTiming?

        public init(
            id: String,
            host: String = "",
            processID: Int32 = 0,
            version: String = "",
            startedAt: Timestamp = .now(),
            shardsOwned: Int = 0,
            load: Double = 0,
            status: String = "active",
            tags: [String: String] = [:],
            timing: StatedTiming? = nil
        ) {
            self.id = id
            self.host = host
            self.processID = processID
            self.version = version
            self.startedAt = startedAt
            self.shardsOwned = shardsOwned
            self.load = load
            self.status = status
            self.tags = tags
            self.timing = timing
        }
    }

    /// A node's failure-detector timings as its heartbeat states them, in milliseconds.
    public struct StatedTiming: Sendable, Hashable, Codable {
        public var heartbeatEveryMs: Int64
        public var suspectAfterMs: Int64
        public var downAfterMs: Int64

        /// The longest `downAfter` an observer accepts from a heartbeat; a longer one (or
        /// values out of order) is ignored, and the observer's own timings apply.
        public static let maxDownAfter: Duration = .seconds(3600)

        public init(heartbeatEvery: Duration, suspectAfter: Duration, downAfter: Duration) {
            heartbeatEveryMs = Self.milliseconds(heartbeatEvery)
            suspectAfterMs = Self.milliseconds(suspectAfter)
            downAfterMs = Self.milliseconds(downAfter)
        }

        /// The thresholds to judge the node by, or nil when the stated values make no sense
        /// (not above 0, suspect after down, down after more than ``maxDownAfter``).
        public var thresholds: (suspectAfter: Duration, downAfter: Duration)? {
            let suspect = Duration.milliseconds(suspectAfterMs)
            let down = Duration.milliseconds(downAfterMs)
            guard heartbeatEveryMs > 0, suspectAfterMs > 0, suspect <= down, down <= Self.maxDownAfter else {
                return nil
            }
            return (suspect, down)
        }

        static func milliseconds(_ duration: Duration) -> Int64 {
            let (seconds, attoseconds) = duration.components
            return seconds * 1000 + attoseconds / 1_000_000_000_000_000
        }
    }

    /// Where a member stands, in the order it can move (`up` may also come back from `suspect`).
    public enum MemberStatus: String, Sendable, Hashable, Codable, Comparable {
        case up
        case suspect
        case down
        case left

        public static func < (lhs: MemberStatus, rhs: MemberStatus) -> Bool {
            let order: [MemberStatus] = [.up, .suspect, .down, .left]
            return order.firstIndex(of: lhs)! < order.firstIndex(of: rhs)!
        }
    }

    public struct Member: Sendable, Hashable {
        public var info: NodeInfo
        public var status: MemberStatus
        public var lastHeartbeat: ContinuousClock.Instant
    }

    /// A change to membership that took effect.
    public enum MembershipChange: Sendable, Hashable {
        case joined(NodeInfo)
        /// Heard from again after being suspect.
        case recovered(String)
        case suspect(String)
        case down(String)
        case left(String)
    }

    /// The failure detector: who is up, suspect, down or gone, from heartbeats and time.
    ///
    /// A pure value: inputs are `onHeartbeat`, `onLeave` and `onTick` with `now`; each returns the
    /// changes that took effect (empty for a no-op). A member silent for `suspectAfter` becomes
    /// suspect, for `downAfter` down. A down member that heartbeats again rejoins as new.
    ///
    /// Not guaranteed: agreement between nodes. Each node's view follows the heartbeats it hears.
    public struct Membership: Sendable {
        public var suspectAfter: Duration
        public var downAfter: Duration
        /// Judge each member by the timings its heartbeat states, when it states sensible ones
        /// (an observer: it decides nothing, and its own timings may not be the members').
        /// Members judge each other by their own configuration.
        public var followStatedTimings = false
        public private(set) var members: [String: Member] = [:]

        /// Defaults follow the original: heartbeats every 30 s, failed after 90 s.
        public init(suspectAfter: Duration = .seconds(60), downAfter: Duration = .seconds(90)) {
            precondition(suspectAfter <= downAfter, "suspectAfter must not exceed downAfter")
            self.suspectAfter = suspectAfter
            self.downAfter = downAfter
        }

        /// Members that are up or suspect (they still own their shards).
        public var live: [Member] {
            members.values.filter { $0.status == .up || $0.status == .suspect }.sorted { $0.info.id < $1.info.id }
        }

        public mutating func onHeartbeat(_ info: NodeInfo, now: ContinuousClock.Instant) -> [MembershipChange] {
            guard var member = members[info.id], member.status != .down, member.status != .left else {
                members[info.id] = Member(info: info, status: .up, lastHeartbeat: now)
                return [.joined(info)]
            }
            let wasSuspect = member.status == .suspect
            member.info = info
            member.status = .up
            member.lastHeartbeat = now
            members[info.id] = member
            return wasSuspect ? [.recovered(info.id)] : []
        }

        /// A graceful leave, announced by the node.
        public mutating func onLeave(_ id: String, now: ContinuousClock.Instant) -> [MembershipChange] {
            guard var member = members[id], member.status != .left else { return [] }
            member.status = .left
            members[id] = member
            return [.left(id)]
        }

        /// Time passes: silent members become suspect, then down.
        public mutating func onTick(now: ContinuousClock.Instant) -> [MembershipChange] {
            var changes: [MembershipChange] = []
            for id in members.keys.sorted() {
                guard var member = members[id], member.status == .up || member.status == .suspect else { continue }
                let silence = member.lastHeartbeat.duration(to: now)
                let (suspectAfter, downAfter) = thresholds(of: member)
                if silence >= downAfter {
                    member.status = .down
                    changes.append(.down(id))
                } else if silence >= suspectAfter && member.status == .up {
                    member.status = .suspect
                    changes.append(.suspect(id))
                } else {
                    continue
                }
                members[id] = member
            }
            return changes
        }

        /// When `member` becomes suspect and down: as its heartbeat states, when followed and
        /// sensible, else as configured.
        public func thresholds(of member: Member) -> (suspectAfter: Duration, downAfter: Duration) {
            guard followStatedTimings, let stated = member.info.timing?.thresholds else {
                return (suspectAfter, downAfter)
            }
            return stated
        }

        /// Forgets members that are down or left (after their shards moved).
        public mutating func prune() {
            members = members.filter { $0.value.status == .up || $0.value.status == .suspect }
        }
    }
}
