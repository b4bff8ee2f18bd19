extension Cluster {
    /// Lease-based leader election as a pure state machine.
    ///
    /// The lease is one key in a KV bucket (`aether-leader-election`, key `leader`) with a per-key
    /// TTL. The shell carries out the directives against the bucket and feeds the outcomes back:
    /// - `.tryAcquire`: create the key only if absent (also over a delete marker), with the TTL.
    /// - `.renew(revision:)`: update the key expecting `revision`, with the TTL.
    /// - `.release(revision:)`: delete the key expecting `revision`.
    ///
    /// The revision that won the lease is the **term**; the latest revision is the **fencing
    /// token**: leader-only writes carry it (`Nats-Expected-Last-Subject-Sequence` on the lease
    /// subject) so the server refuses them once the lease has moved on.
    ///
    /// Not guaranteed: that no two nodes *believe* they lead at once. A leader cut off from NATS
    /// believes it leads until its own clock passes the lease; only fenced writes are safe.
    public struct LeaderElection: Sendable {
        public struct Settings: Sendable, Equatable {
            public var ttl: Duration = .seconds(10)
            public var renewEvery: Duration = .seconds(3)
            /// After resigning, stay out of the next round this long so another node wins.
            public var resignHoldOff: Duration = .seconds(5)
            public var eligible: Bool = true

            public init() {}
        }

        public enum Directive: Sendable, Equatable {
            case tryAcquire
            case renew(revision: UInt64)
            case release(revision: UInt64)
            case becameLeader(term: UInt64)
            case lostLeadership(term: UInt64, reason: String)
            case leaderChanged(node: String?, term: UInt64?)
        }

        private enum Role: Sendable, Equatable {
            case follower
            case leader(term: UInt64, revision: UInt64, renewedAt: ContinuousClock.Instant)
        }

        public let nodeID: String
        public var settings: Settings
        private var role = Role.follower
        private var pending = false
        private var lastAttempt: ContinuousClock.Instant?
        private var holdOffUntil: ContinuousClock.Instant?
        public private(set) var knownLeader: (node: String, term: UInt64)?

        public init(nodeID: String, settings: Settings = Settings()) {
            self.nodeID = nodeID
            self.settings = settings
        }

        public var isLeader: Bool {
            if case .leader = role { return true }
            return false
        }

        /// The term this node leads in, if it leads.
        public var term: UInt64? {
            if case .leader(let term, _, _) = role { return term }
            return nil
        }

        /// The revision leader-only writes must be fenced with; nil unless leading.
        public var fencingToken: UInt64? {
            if case .leader(_, let revision, _) = role { return revision }
            return nil
        }

        /// Time passes: renew when due, step down when the lease ran out by our own clock,
        /// campaign when no lease is known and we may.
        public mutating func onTick(now: ContinuousClock.Instant) -> [Directive] {
            switch role {
            case .leader(let term, let revision, let renewedAt):
                if renewedAt.duration(to: now) >= settings.ttl {
                    return stepDown(term: term, reason: "lease expired before it was renewed")
                }
                if !pending && renewedAt.duration(to: now) >= settings.renewEvery {
                    pending = true
                    return [.renew(revision: revision)]
                }
                return []
            case .follower:
                guard settings.eligible, !pending else { return [] }
                if let holdOffUntil, now < holdOffUntil { return [] }
                if let lastAttempt, lastAttempt.duration(to: now) < settings.renewEvery { return [] }
                pending = true
                lastAttempt = now
                return [.tryAcquire]
            }
        }

        /// The create succeeded at `revision`: this node leads in that term.
        public mutating func onAcquired(revision: UInt64, now: ContinuousClock.Instant) -> [Directive] {
            pending = false
            role = .leader(term: revision, revision: revision, renewedAt: now)
            knownLeader = (nodeID, revision)
            return [.becameLeader(term: revision), .leaderChanged(node: nodeID, term: revision)]
        }

        /// The create failed: someone holds the lease (`holder` and its revision, when read; the
        /// term its value records, when it records one).
        public mutating func onAcquireFailed(
            holder: String?,
            revision: UInt64?,
            term: UInt64? = nil,
            now: ContinuousClock.Instant
        ) -> [Directive] {
            pending = false
            return observe(holder: holder, revision: revision, term: term)
        }

        /// The renewal succeeded; the lease now has `revision`.
        public mutating func onRenewed(revision: UInt64, now: ContinuousClock.Instant) -> [Directive] {
            pending = false
            guard case .leader(let term, _, _) = role else { return [] }
            role = .leader(term: term, revision: revision, renewedAt: now)
            return []
        }

        /// The renewal failed (revision moved, timeout, no server): step down at once.
        public mutating func onRenewFailed(reason: String, now: ContinuousClock.Instant) -> [Directive] {
            pending = false
            guard case .leader(let term, _, _) = role else { return [] }
            return stepDown(term: term, reason: reason)
        }

        /// Give up leadership: release the lease and sit out the next round.
        public mutating func onResign(now: ContinuousClock.Instant) -> [Directive] {
            holdOffUntil = now.advanced(by: settings.resignHoldOff)
            guard case .leader(let term, let revision, _) = role else { return [] }
            pending = false
            return [.release(revision: revision)] + stepDown(term: term, reason: "resigned")
        }

        /// What a read of the lease key shows: its holder and revision, or nil when it is gone,
        /// and the term its value records (a leader writes its term into the lease when it
        /// renews; before the first renewal the revision is still the term).
        public mutating func onLeaseObserved(
            holder: String?,
            revision: UInt64?,
            term: UInt64? = nil,
            now: ContinuousClock.Instant
        ) -> [Directive] {
            if case .leader(let ownTerm, _, _) = role, holder != nodeID {
                return stepDown(term: ownTerm, reason: "the lease moved to \(holder ?? "nobody")")
                    + observe(holder: holder, revision: revision, term: term)
            }
            if holder == nil { lastAttempt = nil }  // the lease is free: campaign at the next tick
            return observe(holder: holder, revision: revision, term: term)
        }

        private mutating func stepDown(term: UInt64, reason: String) -> [Directive] {
            role = .follower
            lastAttempt = nil
            if knownLeader?.node == nodeID {
                knownLeader = nil
                return [.lostLeadership(term: term, reason: reason), .leaderChanged(node: nil, term: nil)]
            }
            return [.lostLeadership(term: term, reason: reason)]
        }

        /// The term is the lease's revision when it was won: the one its value records, else the
        /// revision first seen for this holder (a lease not yet renewed is still at that revision).
        /// A change of term is a change of leadership, even when the same node won again.
        private mutating func observe(holder: String?, revision: UInt64?, term: UInt64?) -> [Directive] {
            guard let holder, let revision else {
                if knownLeader == nil { return [] }
                knownLeader = nil
                return [.leaderChanged(node: nil, term: nil)]
            }
            // Another node leads: the round this node sat out is over, so its hold-off ends.
            if holder != nodeID { holdOffUntil = nil }
            if let known = knownLeader, known.node == holder, term == nil || term == known.term { return [] }
            let won = term ?? revision
            knownLeader = (holder, won)
            return [.leaderChanged(node: holder, term: won)]
        }
    }
}
