import Logging
import ServiceLifecycle
import Synchronization

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension Cluster {
    /// A cluster member: the thin shell that runs the pure state machines — ``Membership``,
    /// ``LeaderElection``, ``ShardAllocator`` and ``ShardOwnership`` — against a
    /// ``CoordinationBackend`` and a ``DiscoveryTransport``.
    ///
    /// Every tick it reads the lease and the shard map, and, as leader, writes the next shard
    /// map fenced by its lease. Heartbeats, the members' judgement and shard freshness run on
    /// schedules of their own, so a slow coordination read holds none of them up. Work on a shard (see ``beginWork(on:)``)
    /// is allowed only while this node acts as the shard's owner.
    ///
    /// Run it as a `Service`: `run()` returns on cancellation or graceful shutdown, after
    /// stopping work, resigning a held lease and announcing leave. Not guaranteed: anything
    /// after the process is killed; the lease then expires after its TTL.
    public actor Node: Service {
        public struct Configuration: Sendable {
            public var nodeID: String
            public var host: String = ""
            public var tags: [String: String] = [:]
            /// The original's timings: heartbeat every 30 s, failed after 90 s.
            public var heartbeatEvery: Duration = .seconds(30)
            public var suspectAfter: Duration = .seconds(60)
            public var downAfter: Duration = .seconds(90)
            public var election = LeaderElection.Settings()
            public var shardCount = 1024
            public var virtualNodes = 150
            /// How long a handoff from a node that is no longer live waits before the new
            /// owner takes the shard. A node stops work on its own after half of this without
            /// reading the shard map.
            public var handoffTimeout: Duration = .seconds(10)
            /// How often the node reads the lease and the shard map.
            public var tick: Duration = .milliseconds(250)
            /// An observer (a dashboard) follows membership, the lease and the shard map but
            /// never heartbeats, campaigns or owns shards.
            public var observer = false

            public init(nodeID: String) {
                self.nodeID = nodeID
            }

            /// Fast timings for demos and tests: heartbeat 250 ms, suspect after 1 s, down
            /// after 1.5 s; lease TTL 2 s renewed every 500 ms; handoff timeout 2 s; tick 100 ms.
            public static func fast(nodeID: String) -> Configuration {
                var configuration = Configuration(nodeID: nodeID)
                configuration.heartbeatEvery = .milliseconds(250)
                configuration.suspectAfter = .seconds(1)
                configuration.downAfter = .milliseconds(1500)
                configuration.election.ttl = .seconds(2)
                configuration.election.renewEvery = .milliseconds(500)
                configuration.election.resignHoldOff = .seconds(2)
                configuration.handoffTimeout = .seconds(2)
                configuration.tick = .milliseconds(100)
                return configuration
            }
        }

        /// The key of the leader lease in the coordination bucket (as the original).
        public static let leaseKey = "leader"
        /// A member campaigns for leadership only this many heartbeat intervals after it started,
        /// so a new leader knows the members.
        public static let campaignAfterHeartbeats = 2
        /// A member answers roll calls (``DiscoveryMessage/rollCall(_:)``) at most this often,
        /// whoever asks (``RollCallGate``): a flood of roll calls costs each member one heartbeat
        /// a second, and a roll call heard within the gap is answered when it ends.
        public static let rollCallAnswerGap: Duration = .seconds(1)

        public nonisolated let configuration: Configuration
        public nonisolated var id: String { configuration.nodeID }
        private let coordination: any CoordinationBackend
        private let discovery: any DiscoveryTransport
        private let logger: Logger
        private let startedAt = Timestamp.now()
        private let startedInstant: ContinuousClock.Instant
        /// The time this shell reads and sleeps on (the state machines get it as `now`).
        private let clock: NodeClock

        private var membership: Membership
        private var election: LeaderElection
        private var allocator: ShardAllocator
        private var ownership: ShardOwnership
        /// When this member last heartbeated (on schedule or for a roll call), and when a roll
        /// call heard since is to be answered.
        private var rollCalls = RollCallGate(gap: Node.rollCallAnswerGap)
        private var lease: (holder: String, revision: UInt64, seenAt: ContinuousClock.Instant)?
        /// The TTL the lease's holder states in its value (nil: it states none, or a senseless one).
        private var statedLeaseTTL: Duration?
        /// When the latest lease read that has ended (answered or failed) was sent.
        private var leaseCheckedAt: ContinuousClock.Instant?
        private var leaderTerm: UInt64?
        /// Under a lock of their own, so a consumer that goes away unsubscribes at once from its
        /// stream's termination, with no task to hop onto the actor.
        private nonisolated let subscribers = Mutex<(next: UInt64, all: [UInt64: AsyncStream<Event>.Continuation])>(
            (0, [:])
        )
        private var inFlight: [Int: Int] = [:]
        private var idleWaiters: [CheckedContinuation<Void, Never>] = []
        private var load: Double = 0
        private var frozen = false
        private var halted = false
        private var lastMapRevision: UInt64?

        public init(
            configuration: Configuration,
            coordination: any CoordinationBackend,
            discovery: any DiscoveryTransport,
            clock: NodeClock = .continuous,
            logger: Logger = Logger(label: "aether.cluster", factory: { _ in SwiftLogNoOpLogHandler() })
        ) throws {
            try Cluster.validateNodeID(configuration.nodeID)
            self.clock = clock
            self.startedInstant = clock.now()
            precondition(configuration.shardCount > 0, "shardCount must be positive")
            self.configuration = configuration
            self.coordination = coordination
            self.discovery = discovery
            var logger = logger
            logger[metadataKey: "node"] = "\(configuration.nodeID)"
            self.logger = logger
            membership = Membership(suspectAfter: configuration.suspectAfter, downAfter: configuration.downAfter)
            membership.followStatedTimings = configuration.observer
            election = LeaderElection(nodeID: configuration.nodeID, settings: configuration.election)
            allocator = ShardAllocator(
                handoffTimeout: configuration.handoffTimeout,
                virtualNodes: configuration.virtualNodes
            )
            ownership = ShardOwnership(nodeID: configuration.nodeID, staleAfter: configuration.handoffTimeout / 2)
        }

        // MARK: Public API

        /// A snapshot of this node's view, then every change in order, until the consuming task
        /// is cancelled. A consumer that falls 10,000 events behind loses the oldest.
        public func events() -> AsyncStream<Event> {
            let (stream, continuation) = AsyncStream.makeStream(
                of: Event.self,
                bufferingPolicy: .bufferingNewest(10_000)
            )
            continuation.yield(.snapshot(view()))
            let id = subscribers.withLock { subscribers in
                subscribers.next += 1
                subscribers.all[subscribers.next] = continuation
                return subscribers.next
            }
            continuation.onTermination = { [weak self] _ in
                _ = self?.subscribers.withLock { $0.all.removeValue(forKey: id) }
            }
            return stream
        }

        /// This node's ownership changes only: the shards it owns now first (as `acquired`),
        /// then every change, until the consuming task is cancelled.
        public func ownershipChanges() -> AsyncStream<(acquired: [Int], released: [Int])> {
            let events = events()
            return AsyncStream { () async -> (acquired: [Int], released: [Int])? in
                for await event in events {
                    switch event {
                    case .snapshot(let view): return (view.acting.sorted(), [])
                    case .ownershipChanged(let acquired, let released): return (acquired, released)
                    default: continue
                    }
                }
                return nil
            }
        }

        /// What this node knows of the cluster now.
        public func view() -> View {
            let now = clock.now()
            let members = membership.members.values.sorted { $0.info.id < $1.info.id }.map {
                View.MemberView(info: $0.info, status: $0.status, heartbeatAge: $0.lastHeartbeat.duration(to: now))
            }
            let remaining = lease.map { leaseTTL - $0.seenAt.duration(to: now) }
            // A lease not renewed for its TTL has expired, even while a replica without quorum
            // still serves it (or reads fail): no leader, unless this node leads. Judged only
            // from a read sent after the TTL ran out, so a slow reader never calls a live
            // lease expired.
            let expired = leaseExpired
            return View(
                nodeID: id,
                members: members,
                leader: expired ? nil : election.knownLeader?.node,
                term: expired ? nil : election.knownLeader?.term,
                leaseRemaining: remaining.map { max($0, .zero) },
                shardMap: ownership.map,
                acting: ownership.acting,
                isLeader: election.isLeader
            )
        }

        /// Whether the lease last read has not been renewed for its TTL (see ``view()``).
        private var leaseExpired: Bool {
            !election.isLeader
                && lease.map { lease in
                    leaseCheckedAt.map { $0 >= lease.seenAt + leaseTTL } ?? false
                } ?? false
        }

        /// The TTL a lease is judged by: an observer takes the holder's stated one (its own
        /// timings may not be the members'); a member its own configuration's.
        private var leaseTTL: Duration {
            configuration.observer ? statedLeaseTTL ?? configuration.election.ttl : configuration.election.ttl
        }
        /// Whether the expiry was told to subscribers (as no leader), so a lease renewed again
        /// is told as the leader back.
        private var expiryReported = false

        /// Tells subscribers when the lease expires unrenewed, and when it is renewed again: the
        /// election itself sees no change then (same holder, same term).
        private func reportExpiry() {
            let expired = leaseExpired
            guard expired != expiryReported else { return }
            expiryReported = expired
            emit([
                expired
                    ? .leaderChanged(node: nil, term: nil)
                    : .leaderChanged(node: election.knownLeader?.node, term: election.knownLeader?.term)
            ])
        }

        /// The shards this node works on now.
        public var ownedShards: Set<Int> { ownership.acting }

        /// The node that may work on an actor now, or nil when its shard has no acting owner.
        public func owner(ofActor actorID: String, namespace: String) -> String? {
            ownership.map?.actingOwner(
                of: Cluster.shard(of: actorID, in: namespace, shardCount: configuration.shardCount)
            )
        }

        /// Claims permission to work on `shard`: true while this node acts as its owner. Every
        /// `true` MUST be paired with ``endWork(on:)``; a release is confirmed only once the work
        /// in flight on the shard has ended (or the handoff timeout has passed), and the node's
        /// tick never waits for it.
        public func beginWork(on shard: Int) -> Bool {
            guard ownership.acting.contains(shard) else { return false }
            inFlight[shard, default: 0] += 1
            return true
        }

        /// Ends work claimed by ``beginWork(on:)``. When it was the last work on a shard this
        /// node has released, the release is confirmed now (the caller waits for that write).
        public func endWork(on shard: Int) async {
            guard let count = inFlight[shard] else { return }
            inFlight[shard] = count > 1 ? count - 1 : nil
            if inFlight.isEmpty {
                let waiters = idleWaiters
                idleWaiters = []
                for waiter in waiters { waiter.resume() }
            }
            if inFlight[shard] == nil, pendingReleases.removeValue(forKey: shard) != nil {
                emit([.ownershipChanged(acquired: [], released: [shard])])
                if let held = heldConfirmation { await confirm(held) }
            }
        }

        /// The load figure carried in heartbeats (the demo workload reports events/s).
        public func setLoad(_ value: Double) { load = value }

        /// Gives up leadership: the lease is deleted with compare-and-set and this node stays
        /// out of the next election for the configured hold-off. No-op on a follower except the
        /// hold-off.
        public func resign() async {
            await execute(election.onResign(now: clock.now()))
        }

        /// How often an observer reads the lease and the shard map for now: the configured
        /// `tick` unless `observe(every:)` set another. Members always use `tick`.
        private var observationInterval: Duration?
        private var tickInterval: Duration { observationInterval ?? configuration.tick }

        /// For an observer: read the lease and the shard map every `interval` from now on, or
        /// every configured `tick` again with nil. A dashboard watches slowly while idle and
        /// closely during a failover drill. Ignored by members, whose timings are part of the
        /// cluster's safety rules.
        public func observe(every interval: Duration?) {
            guard configuration.observer else { return }
            observationInterval = interval
            observerPause?.cancel()
        }

        /// An observer's pause between ticks, cut short when `observe(every:)` is called.
        private var observerPause: Task<Void, Never>?

        /// Sleeps one tick interval; an observer also wakes when `observe(every:)` is called,
        /// so a drill's close watch starts at once, not after the idle interval.
        private func pauseBetweenTicks() async {
            let interval = tickInterval
            guard configuration.observer else {
                try? await clock.sleep(interval)
                return
            }
            let pause = Task<Void, Never> { [clock] in try? await clock.sleep(interval) }
            observerPause = pause
            await withTaskCancellationHandler {
                await pause.value
            } onCancel: {
                pause.cancel()
            }
            observerPause = nil
        }

        /// Asks `node` (over discovery) to resign; it does so if it leads.
        public func requestResign(of node: String) async throws {
            try await discovery.publish(.resign(node))
        }

        // MARK: Service

        public func run() async throws {
            let messages = try await discovery.messages()
            // An observer asks the members to say who they are now (it listens already): on
            // the standard timings it would otherwise know none for up to 30 s.
            if configuration.observer {
                do { try await discovery.publish(.rollCall(id)) } catch {
                    logger.debug("roll call not sent", metadata: ["error": "\(error)"])
                }
            }
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await message in messages {
                        await self.receive(message)
                    }
                }
                group.addTask {
                    await cancelWhenGracefulShutdown {
                        while !Task.isCancelled {
                            await self.tick()
                            await self.pauseBetweenTicks()
                        }
                    }
                }
                // Freshness is checked on its own schedule: a tick blocked on a slow read (a
                // server failing over) must not keep this node working on shards past staleAfter.
                // An observer owns nothing, so it has nothing to check.
                if !configuration.observer {
                    group.addTask { [tick = configuration.tick, clock] in
                        await cancelWhenGracefulShutdown {
                            while !Task.isCancelled {
                                await self.checkFreshness()
                                try? await clock.sleep(tick)
                            }
                        }
                    }
                }
                // Heartbeats and the members' judgement too: a tick waiting out a coordination
                // read (the bucket's server gone, no quorum) must neither make a live member
                // look down nor keep a dead one up.
                group.addTask { [tick = configuration.tick, clock] in
                    await cancelWhenGracefulShutdown {
                        while !Task.isCancelled {
                            await self.heartbeatIfDue()
                            await self.judgeMembers()
                            try? await clock.sleep(tick)
                        }
                    }
                }
                await group.next()
                group.cancelAll()
            }
            // Cleanup runs in a task of its own: this one is cancelled.
            await Task { await self.stop() }.value
        }

        // MARK: Shell

        /// Ends every subscriber's stream (outside the lock: finishing runs their terminations).
        private func finishSubscribers() {
            let all = subscribers.withLock { subscribers in
                defer { subscribers.all = [:] }
                return Array(subscribers.all.values)
            }
            for continuation in all { continuation.finish() }
        }

        private func emit(_ events: [Event]) {
            guard !events.isEmpty else { return }
            for continuation in subscribers.withLock({ Array($0.all.values) }) {
                for event in events { continuation.yield(event) }
            }
        }

        private func receive(_ message: DiscoveryMessage) async {
            let now = clock.now()
            switch message {
            case .heartbeat(let info): emit(membership.onHeartbeat(info, now: now).map(Event.init))
            case .leave(let id): emit(membership.onLeave(id, now: now).map(Event.init))
            case .resign(let id):
                if id == self.id, !configuration.observer {
                    logger.info("resigning on request")
                    await resign()
                }
            case .rollCall:
                guard !frozen, !halted, !configuration.observer, rollCalls.hear(now: now) else { return }
                await heartbeat(now: now)
            }
        }

        private func selfInfo(status: String = "active") -> NodeInfo {
            NodeInfo(
                id: id,
                host: configuration.host,
                processID: Int32(ProcessInfo.processInfo.processIdentifier),
                version: Cluster.version,
                startedAt: startedAt,
                shardsOwned: ownership.acting.count,
                load: load,
                status: status,
                tags: configuration.tags,
                timing: StatedTiming(
                    heartbeatEvery: configuration.heartbeatEvery,
                    suspectAfter: configuration.suspectAfter,
                    downAfter: configuration.downAfter
                )
            )
        }

        private func tick() async {
            guard !frozen, !halted else { return }
            let now = clock.now()
            if configuration.observer {
                emit(membership.onTick(now: now).map(Event.init))
                await readLease()
                await readShardMap()
                return
            }
            await heartbeatIfDue()
            emit(membership.onTick(now: clock.now()).map(Event.init))

            await readLease()
            // Listen for one heartbeat round before campaigning, so a new leader knows the members.
            if startedInstant.duration(to: now) >= configuration.heartbeatEvery * Self.campaignAfterHeartbeats {
                await execute(election.onTick(now: clock.now()))
            }
            await readShardMap()
            if election.isLeader { await allocate() }
        }

        /// Heartbeats when one is due (on schedule, or a roll call's deferred answer); from the
        /// tick and from a task of its own.
        private func heartbeatIfDue() async {
            guard !frozen, !halted, !configuration.observer else { return }
            let now = clock.now()
            guard
                rollCalls.due(now: now)
                    || rollCalls.lastHeartbeat.map({ $0.duration(to: now) >= configuration.heartbeatEvery }) ?? true
            else { return }
            await heartbeat(now: now)
        }

        /// Sends a heartbeat now (when due, or for a roll call); the next is due a full interval later.
        private func heartbeat(now: ContinuousClock.Instant) async {
            rollCalls.sent(now: now)
            // Hear ourselves at once, not only when the broadcast comes back.
            emit(membership.onHeartbeat(selfInfo(), now: now).map(Event.init))
            do { try await discovery.publish(.heartbeat(selfInfo())) } catch {
                logger.debug("heartbeat not sent", metadata: ["error": "\(error)"])
            }
        }

        /// Members not heard from turn suspect, then down, on the heartbeat schedule too.
        private func judgeMembers() {
            guard !frozen, !halted else { return }
            emit(membership.onTick(now: clock.now()).map(Event.init))
            reportExpiry()
        }

        private func checkFreshness() async {
            guard !halted, !frozen, !configuration.observer else { return }
            await executeOwnership(ownership.onTick(now: clock.now()))
            await confirmOverdueReleases(now: clock.now())
        }

        private func readLease() async {
            let sent = clock.now()
            defer {
                leaseCheckedAt = sent
                reportExpiry()
            }
            do {
                let entry = try await read(Self.leaseKey)
                let value = entry.flatMap { LeaseValue.decode($0.value) }
                let holder = value?.nodeID
                if let entry, let holder {
                    if lease?.revision != entry.revision { lease = (holder, entry.revision, clock.now()) }
                    statedLeaseTTL = value?.ttl
                } else {
                    lease = nil
                    statedLeaseTTL = nil
                }
                await execute(
                    election.onLeaseObserved(
                        holder: holder,
                        revision: entry?.revision,
                        term: value?.term,
                        now: clock.now()
                    )
                )
            } catch {
                logger.debug("lease not read", metadata: ["error": "\(error)"])
            }
        }

        /// Members read fresh (from the stream leader); observers may read any replica.
        private func read(_ key: String) async throws -> (value: [UInt8], revision: UInt64)? {
            configuration.observer ? try await coordination.peek(key) : try await coordination.get(key)
        }

        private func readShardMap() async {
            do {
                let issued = clock.now()
                let entry = try await read(ShardMap.key)
                if let entry, entry.revision == lastMapRevision, let current = ownership.map {
                    // Unchanged since the last read: only the read's freshness matters.
                    await applyMap(current, readAt: issued)
                    return
                }
                let map = try entry.map { try JSONDecoder().decode(ShardMap.self, from: Data($0.value)) }
                lastMapRevision = entry?.revision
                await applyMap(map, readAt: issued)
            } catch {
                logger.debug("shard map not read", metadata: ["error": "\(error)"])
                await executeOwnership(ownership.onTick(now: clock.now()))
            }
        }

        private func applyMap(_ map: ShardMap?, readAt: ContinuousClock.Instant) async {
            let before = ownership.map
            let directives = ownership.onMapRead(map, now: readAt)
            if let after = ownership.map { emit(after.changes(since: before)) }
            await executeOwnership(directives)
        }

        private func allocate() async {
            guard let term = election.term, let token = election.fencingToken else { return }
            let current = ownership.map ?? ShardMap(shardCount: configuration.shardCount)
            var releases: [String: ReleaseConfirmation] = [:]
            for from in Set(current.handoffs.values.map(\.from)) {
                if let entry = try? await coordination.get(ReleaseConfirmation.key(for: from)),
                    let confirmation = try? JSONDecoder().decode(ReleaseConfirmation.self, from: Data(entry.value))
                {
                    releases[from] = confirmation
                }
            }
            let members = membership.members.values
            let live = Set(members.filter { $0.status == .up || $0.status == .suspect }.map(\.info.id))
            let gone = Set(members.filter { $0.status == .left }.map(\.info.id))
            guard
                let next = allocator.next(
                    from: current,
                    live: live,
                    stopped: gone,
                    releases: releases,
                    term: term,
                    now: clock.now()
                )
            else { return }
            do {
                try await writeShardMap(next, fencingToken: token)
                await applyMap(next, readAt: clock.now())
            } catch let error as AetherError where error.code == .versionConflict {
                logger.warning("shard map write rejected: the lease moved on", metadata: ["term": "\(term)"])
                await execute(election.onRenewFailed(reason: "shard map write rejected by the fence", now: clock.now()))
            } catch {
                logger.debug("shard map not written", metadata: ["error": "\(error)"])
            }
        }

        func writeShardMap(_ map: ShardMap, fencingToken: UInt64) async throws {
            let bytes = Array(try JSONEncoder().encode(map))
            _ = try await coordination.put(ShardMap.key, value: bytes, fencedBy: Self.leaseKey, revision: fencingToken)
        }

        private func execute(_ directives: [LeaderElection.Directive]) async {
            for directive in directives {
                switch directive {
                case .tryAcquire:
                    do {
                        let revision = try await coordination.create(
                            Self.leaseKey,
                            value: LeaseValue(nodeID: id, ttl: configuration.election.ttl).bytes,
                            ttl: configuration.election.ttl
                        )
                        lease = (id, revision, clock.now())
                        await execute(election.onAcquired(revision: revision, now: clock.now()))
                    } catch {
                        let entry = try? await coordination.get(Self.leaseKey)
                        let value = entry.flatMap { LeaseValue.decode($0.value) }
                        await execute(
                            election.onAcquireFailed(
                                holder: value?.nodeID,
                                revision: entry?.revision,
                                term: value?.term,
                                now: clock.now()
                            )
                        )
                    }
                case .renew(let revision):
                    do {
                        let next = try await coordination.update(
                            Self.leaseKey,
                            value: LeaseValue(nodeID: id, term: election.term, ttl: configuration.election.ttl).bytes,
                            revision: revision,
                            ttl: configuration.election.ttl
                        )
                        lease = (id, next, clock.now())
                        await execute(election.onRenewed(revision: next, now: clock.now()))
                    } catch {
                        await execute(election.onRenewFailed(reason: "renew failed: \(error)", now: clock.now()))
                    }
                case .release(let revision):
                    do {
                        try await coordination.delete(Self.leaseKey, revision: revision)
                        lease = nil
                    } catch {
                        logger.debug("lease not released; it will expire", metadata: ["error": "\(error)"])
                    }
                case .becameLeader(let term):
                    logger.info("became leader", metadata: ["term": "\(term)"])
                    leaderTerm = term
                    emit([.becameLeader(term: term)])
                case .lostLeadership(let term, let reason):
                    logger.info("lost leadership", metadata: ["term": "\(term)", "reason": "\(reason)"])
                    leaderTerm = nil
                    emit([.lostLeadership(term: term, reason: reason)])
                case .leaderChanged(let node, let term):
                    emit([.leaderChanged(node: node, term: term)])
                }
            }
        }

        /// Carries out ownership directives without ever waiting for work to drain: a shard
        /// released while work on it is in flight is only recorded, and its release is confirmed
        /// when that work ends (``endWork(on:)``) or when the handoff timeout passes
        /// (``confirmOverdueReleases``). Heartbeats, renewals and map reads go on meanwhile.
        private func executeOwnership(_ directives: [ShardOwnership.Directive]) async {
            for directive in directives {
                switch directive {
                case .acquired(let shards):
                    emit([.ownershipChanged(acquired: shards, released: [])])
                case .released(let shards):
                    let now = clock.now()
                    let idle = shards.filter { inFlight[$0] == nil }
                    for shard in shards where inFlight[shard] != nil {
                        pendingReleases[shard] = pendingReleases[shard] ?? now
                    }
                    if !idle.isEmpty { emit([.ownershipChanged(acquired: [], released: idle)]) }
                case .confirmRelease(let confirmation):
                    await confirm(confirmation)
                }
            }
        }

        /// Shards released while work on them was in flight, with when they were released.
        private var pendingReleases: [Int: ContinuousClock.Instant] = [:]
        /// The latest confirmation asked for while some of its shards still had work in flight.
        private var heldConfirmation: ReleaseConfirmation?

        /// Writes `confirmation` for the shards whose work has ended; holds it for the rest.
        private func confirm(_ confirmation: ReleaseConfirmation) async {
            let ready = confirmation.shards.filter { pendingReleases[$0] == nil }
            heldConfirmation = ready.count == confirmation.shards.count ? nil : confirmation
            guard !ready.isEmpty || confirmation.shards.isEmpty else { return }
            do {
                _ = try await coordination.set(
                    ReleaseConfirmation.key(for: id),
                    value: Array(
                        try JSONEncoder().encode(
                            ReleaseConfirmation(mapVersion: confirmation.mapVersion, shards: ready)
                        )
                    )
                )
            } catch {
                logger.debug("release not confirmed", metadata: ["error": "\(error)"])
            }
        }

        /// Releases whose work outlived the handoff timeout are confirmed anyway: the cluster
        /// waits no longer for them.
        private func confirmOverdueReleases(now: ContinuousClock.Instant) async {
            let overdue = pendingReleases.filter { $0.value.duration(to: now) >= configuration.handoffTimeout }
            guard !overdue.isEmpty else { return }
            logger.warning(
                "work still in flight past the handoff timeout; confirming the release anyway",
                metadata: ["shards": "\(overdue.keys.sorted())"]
            )
            for shard in overdue.keys { pendingReleases[shard] = nil }
            emit([.ownershipChanged(acquired: [], released: overdue.keys.sorted())])
            if let held = heldConfirmation { await confirm(held) }
        }

        private func waitForIdle(_ shards: [Int]) async {
            while shards.contains(where: { inFlight[$0] != nil }) {
                await withCheckedContinuation { idleWaiters.append($0) }
            }
        }

        private func stop() async {
            let now = clock.now()
            if configuration.observer || halted {
                finishSubscribers()
                return
            }
            await executeOwnership(ownership.onStop())
            // A graceful stop lets work in flight end before it says goodbye.
            await waitForIdle(Array(pendingReleases.keys))
            if election.isLeader { await execute(election.onResign(now: now)) }
            do { try await discovery.publish(.leave(id)) } catch {
                logger.debug("leave not announced", metadata: ["error": "\(error)"])
            }
            emit(membership.onLeave(id, now: now).map(Event.init))
            finishSubscribers()
        }

        /// Stops this node as a crash would: no more heartbeats, renewals or map reads, no
        /// leave announced and no lease released; `run()` still returns on cancellation.
        /// For demos and drills of an in-process cluster.
        public func halt() {
            halted = true
        }

        // MARK: Testing

        /// Stops every tick as a process paused by the OS would (tests of the fence).
        func freeze() { frozen = true }
        func thaw() { frozen = false }
        /// The fencing token this node last held, even after it lost the lease.
        func heldFencingToken() -> UInt64? { election.fencingToken ?? lease?.revision }
    }

    /// The lease key's value: the holder, and from its first renewal on the term it won (the
    /// lease's revision when created), so every reader sees the same term, however late it
    /// starts reading. `docs/WIRE-FORMAT.md`.
    struct LeaseValue: Codable {
        var nodeID: String
        var term: UInt64?
        /// The TTL the holder writes the lease with, in milliseconds (absent from older holders).
        var ttlMs: Int64?
        enum CodingKeys: String, CodingKey {
            case nodeID = "node_id"
            case term
            case ttlMs = "ttl_ms"
        }

        init(nodeID: String, term: UInt64? = nil, ttl: Duration? = nil) {
            self.nodeID = nodeID
            self.term = term
            self.ttlMs = ttl.map(StatedTiming.milliseconds)
        }

        /// The stated TTL, when it is one to judge by (above 0, at most an hour).
        var ttl: Duration? {
            guard let ttlMs, ttlMs > 0, ttlMs <= 3_600_000 else { return nil }
            return .milliseconds(ttlMs)
        }
        var bytes: [UInt8] { Array((try? JSONEncoder().encode(self)) ?? Data()) }
        /// The lease value in `value`, or nil when it is not one.
        static func decode(_ value: [UInt8]) -> LeaseValue? {
            try? JSONDecoder().decode(LeaseValue.self, from: Data(value))
        }
    }

    /// This library's version, as carried in heartbeats.
    public static let version = "0.1.0"

    /// Node IDs are used in KV keys and subjects: 1–64 characters of `A–Z a–z 0–9 - _`.
    public static func validateNodeID(_ id: String) throws(AetherError) {
        let valid =
            !id.isEmpty && id.utf8.count <= 64
            && id.utf8.allSatisfy { byte in
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                    || byte == 0x2D || byte == 0x5F
            }
        guard valid else {
            throw AetherError(
                code: .invalidArgument,
                message: "invalid node ID \(Identifiers.quoted(id)): use 1–64 characters of A–Z a–z 0–9 - _"
            )
        }
    }
}

extension Cluster {
    /// When a member answers roll calls: at once when its last heartbeat is at least `gap` old,
    /// else once, when the gap ends. However many roll calls come, a member sends at most one
    /// heartbeat per gap for them, and none is left unanswered: an observer that starts just
    /// after another still hears every member.
    public struct RollCallGate: Sendable {
        public var gap: Duration
        /// The last heartbeat sent (for a roll call or on schedule: either answers).
        public private(set) var lastHeartbeat: ContinuousClock.Instant?
        /// When the answer to a roll call heard within the gap is due.
        public private(set) var deferred: ContinuousClock.Instant?

        public init(gap: Duration) { self.gap = gap }

        /// Hears a roll call at `now`: true when it is to be answered now (then counted as
        /// sent); else its answer is due at ``deferred``.
        public mutating func hear(now: ContinuousClock.Instant) -> Bool {
            if let lastHeartbeat, lastHeartbeat.duration(to: now) < gap {
                deferred = deferred ?? lastHeartbeat + gap
                return false
            }
            sent(now: now)
            return true
        }

        /// Whether a deferred answer is due at `now` (then counted as sent).
        public mutating func due(now: ContinuousClock.Instant) -> Bool {
            guard let deferred, deferred <= now else { return false }
            sent(now: now)
            return true
        }

        /// A heartbeat went out at `now`: it answers every roll call heard before it.
        public mutating func sent(now: ContinuousClock.Instant) {
            lastHeartbeat = now
            deferred = nil
        }
    }
}
