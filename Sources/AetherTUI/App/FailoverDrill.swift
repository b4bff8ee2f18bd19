import Aether
import Foundation

/// A leader failover drill: ask the leader to resign (or kill it, in the embedded demo),
/// then watch through the observer — lease gone, no leader, new leader, every shard owned
/// again, first successful canary append — and write a JSON report.
///
/// Write availability is measured for the shards the victim owned when the drill started: one
/// canary actor in namespace `aether-drill` on each of up to eight of those shards, spread over
/// them (`canary` alone when the victim owned none). A canary append counts as possible only while
/// its shard's acting owner is an `up` member, as an application that routes writes to the owner
/// would see it. From every shard map the observer reads, the drill also records how long each
/// shard had no acting owner.
struct FailoverDrill: Sendable {
    let deployment: any Deployment
    let method: DrillMethod
    let reportPath: String
    var timeout: Duration = .seconds(30)
    var poll: Duration = .milliseconds(10)
    /// Every duration of the drill is read on this clock, and it polls on it.
    var clock: Cluster.NodeClock = .continuous

    static let canaryNamespace = "aether-drill"
    static let canaryActor = "canary"
    static let maxCanaries = 8

    /// Canary actors for `shards`: up to `maxCanaries` shards spread evenly over them, each with
    /// the first `canary-N` actor that hashes to it.
    static func canaries(on shards: [Int], shardCount: Int) -> [(shard: Int, actor: String)] {
        guard !shards.isEmpty else {
            return [(Cluster.shard(of: canaryActor, in: canaryNamespace, shardCount: shardCount), canaryActor)]
        }
        let sorted = shards.sorted()
        let count = min(maxCanaries, sorted.count)
        let picked = (0..<count).map { sorted[$0 * sorted.count / count] }
        var wanted = Set(picked)
        var found: [Int: String] = [:]
        var n = 0
        while !wanted.isEmpty, n < 1_000_000 {
            let actor = "canary-\(n)"
            let shard = Cluster.shard(of: actor, in: canaryNamespace, shardCount: shardCount)
            if wanted.remove(shard) != nil { found[shard] = actor }
            n += 1
        }
        return picked.compactMap { shard in found[shard].map { (shard, $0) } }
    }

    func run(progress: @Sendable (String, Timestamp) async -> Void) async -> DrillReport {
        let started = Timestamp.now()
        let clock = self.clock
        let startedAt = clock.now()
        var steps: [DrillReport.Step] = []
        /// A step, timed when it was seen: `seen` is the time of the view that showed it.
        func record(_ name: String, seen: ContinuousClock.Instant? = nil) async {
            let at = Timestamp.now()
            steps.append(.init(step: name, atMilliseconds: milliseconds(startedAt.duration(to: seen ?? clock.now()))))
            await progress(name, at)
        }
        let oldTerm = method.term
        await deployment.cluster.observe(every: DashboardObserver.drillTick)
        let before = await deployment.cluster.view()
        // The leader confirmed may have changed since (the question was open, a view late):
        // a drill of a leader that is no more measures nothing, and is not run.
        func notRun(_ view: Cluster.View) async -> DrillReport? {
            guard view.leader != method.leader || view.term != oldTerm else { return nil }
            await deployment.cluster.observe(every: nil)
            let now = view.leader.map { "\($0) (term \(view.term ?? 0))" } ?? "no leader"
            await record("not run: the leader is now \(now), not \(method.leader) (term \(oldTerm)); nothing was sent")
            var report = DrillReport(
                method: method.name,
                leaderBefore: method.leader,
                termBefore: oldTerm,
                leaderAfter: nil,
                termAfter: nil,
                startedAt: started.rfc3339,
                steps: steps,
                leaderlessMilliseconds: 0,
                writeUnavailableMilliseconds: 0,
                savedTo: nil
            )
            report.ended = "not run"
            report.notSaved = "the drill was not run (an earlier report at \(reportPath) is kept)"
            return report
        }
        if let report = await notRun(before) { return report }
        let shardCount = before.shardMap?.shardCount ?? 1024
        let victimShards =
            before.shardMap.map { map in
                (0..<map.shardCount).filter { map.owners[$0] == method.leader }
            } ?? []
        let canaries = Self.canaries(on: victimShards, shardCount: shardCount)
        var ledgers = canaries.map { _ in CanaryLedger() }
        var shards = DrillShardLedger()
        var written = 0
        for index in canaries.indices where (try? await canary(canaries[index].actor)) == true {
            written += 1
            ledgers[index].record(succeeded: true, now: clock.now())
        }

        // The canaries took a while: the leader is checked once more right before the request.
        if let report = await notRun(await deployment.cluster.view()) { return report }
        let requestAt = clock.now()
        do {
            switch method {
            case .resign(let leader, _):
                try await deployment.requestResign(of: leader)
                await record("resign request sent to \(leader)")
            case .kill(let leader, _):
                try await deployment.kill(member: leader)
                await record("killed \(leader) (no goodbye: the lease must expire)")
            }
        } catch {
            await record("request failed: \(DashboardApp.describe(error))")
        }

        let killed: Set<String> = { if case .kill(let leader, _) = method { [leader] } else { [] } }()
        var newLeaderAt: ContinuousClock.Instant?
        var newLeader: (String, UInt64)?
        var allOwnedAt: ContinuousClock.Instant?
        var leaseGoneRecorded = false
        // When the cluster was first seen with no usable leader (a kill: at once).
        var leaderlessSince: ContinuousClock.Instant? = killed.isEmpty ? nil : requestAt
        var firstCanaryRecorded = false
        // A cancelled drill (the dashboard quits) stops watching and still writes its report.
        while startedAt.duration(to: clock.now()) < timeout, !Task.isCancelled {
            let view = await deployment.cluster.view()
            let now = clock.now()
            // A killed victim is gone from the kill on, whatever the members' view says yet.
            let up = Set(view.members.filter { $0.status == .up }.map(\.info.id)).subtracting(killed)
            shards.observe(view.shardMap, up: up, now: now)
            if newLeaderAt == nil {
                if view.leader == nil, !leaseGoneRecorded {
                    leaseGoneRecorded = true
                    if leaderlessSince == nil { leaderlessSince = now }
                    await record("lease released or expired; no leader seen", seen: now)
                } else if let leader = view.leader, let term = view.term, term != oldTerm {
                    if !leaseGoneRecorded {
                        leaseGoneRecorded = true
                        await record("lease moved directly (no leaderless moment seen)", seen: now)
                    }
                    newLeaderAt = now
                    newLeader = (leader, term)
                    await record("new leader \(leader) (term \(term))", seen: now)
                }
            }
            if newLeaderAt != nil, allOwnedAt == nil, let map = view.shardMap {
                if map.isSettled, Set(map.owners).isSubset(of: up) {
                    allOwnedAt = now
                    await record("every shard owned again (map v\(map.version))", seen: now)
                }
            }
            // The canaries: each possible only through a live acting owner of its shard.
            for (index, canary) in canaries.enumerated() {
                let possible = view.shardMap?.actingOwner(of: canary.shard).map { up.contains($0) } ?? false
                let succeeded = possible ? ((try? await self.canary(canary.actor)) ?? false) : false
                if succeeded { written += 1 }
                ledgers[index].record(succeeded: succeeded, now: clock.now())
            }
            if newLeaderAt != nil, !firstCanaryRecorded, ledgers.allSatisfy(\.isAvailable) {
                firstCanaryRecorded = true
                await record("first successful canary append on every victim shard")
            }
            if allOwnedAt != nil, firstCanaryRecorded { break }
            try? await clock.sleep(poll)
        }
        let stopped = Task.isCancelled
        await deployment.cluster.observe(every: nil)
        let end = clock.now()
        shards.finish(now: end)
        if stopped {
            await record("stopped: the dashboard quit before the drill ended; its figures are partial")
        } else if newLeaderAt == nil {
            await record("no new leader within \(Summary.duration(timeout))")
        }
        // Leaderless from the kill, or from the first view without a leader, to the new leader
        // (or the end); a lease that moved directly, or never moved, left none (to the
        // observer's resolution, `poll`).
        let leaderless =
            newLeaderAt.map { at in milliseconds((leaderlessSince ?? at).duration(to: at)) }
            ?? leaderlessSince.map { milliseconds($0.duration(to: end)) } ?? 0
        let unavailable = ledgers.map { milliseconds($0.longestGap(from: requestAt, now: end)) }.max() ?? 0
        var report = DrillReport(
            method: method.name,
            leaderBefore: method.leader,
            termBefore: oldTerm,
            leaderAfter: newLeader?.0,
            termAfter: newLeader?.1,
            startedAt: started.rfc3339,
            steps: steps,
            leaderlessMilliseconds: leaderless,
            writeUnavailableMilliseconds: unavailable,
            savedTo: nil
        )
        report.requestToNewLeaderMilliseconds =
            newLeaderAt.map { milliseconds(requestAt.duration(to: $0)) } ?? milliseconds(requestAt.duration(to: end))
        report.requestAtMilliseconds = milliseconds(startedAt.duration(to: requestAt))
        report.victimShards = victimShards.count
        report.canaryNamespace = Self.canaryNamespace
        report.canaryActors = canaries.map(\.actor)
        report.canaryEventsWritten = written
        report.shardCount = shardCount
        report.shardsAffected = shards.affected
        report.shardsAffectedShare = shardCount == 0 ? 0 : Double(shards.affected) / Double(shardCount)
        report.ownerlessWorstMilliseconds = milliseconds(shards.worst)
        report.ownerlessMedianMilliseconds = milliseconds(shards.median)
        report.ownerlessShardSeconds = shards.shardSeconds
        if stopped {
            // A drill cut short is no measurement: the last complete report stays.
            report.ended = "stopped"
            report.notSaved = "the drill was stopped before it ended (an earlier report at \(reportPath) is kept)"
            return report
        }
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(report).write(to: URL(fileURLWithPath: reportPath))
            report.savedTo = reportPath
        } catch {
            report.savedTo = nil
            report.notSaved = "cannot write \(reportPath): \((error as NSError).localizedDescription)"
        }
        return report
    }

    /// Appends one canary event at the actor's next version; true when it was stored.
    private func canary(_ actor: String) async throws -> Bool {
        let store = try await deployment.writableStore(for: Self.canaryNamespace)
        let version = try await store.latestVersion(of: actor) + 1
        try await store.save(Event(eventType: "DrillCanary", actorID: actor, version: version))
        return true
    }

    private func milliseconds(_ duration: Duration) -> Int64 {
        Int64(duration.components.seconds) * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
    }
}

/// One canary's writes during a drill: the longest time from its last success before a failure
/// to its first success after. Pure: times are inputs.
struct CanaryLedger: Sendable {
    private var lastSuccess: ContinuousClock.Instant?
    private var failingSince: ContinuousClock.Instant?
    private var longest: Duration = .zero
    /// The last attempt succeeded.
    private(set) var isAvailable = false

    mutating func record(succeeded: Bool, now: ContinuousClock.Instant) {
        if succeeded {
            if let since = failingSince {
                longest = max(longest, (lastSuccess ?? since).duration(to: now))
                failingSince = nil
            }
            lastSuccess = now
            isAvailable = true
        } else {
            if failingSince == nil { failingSince = now }
            isAvailable = false
        }
    }

    /// The longest gap; a gap still open at `now` counts up to `now`. A canary that never
    /// succeeded before failing counts from `start`.
    func longestGap(from start: ContinuousClock.Instant, now: ContinuousClock.Instant) -> Duration {
        guard let since = failingSince else { return longest }
        return max(longest, (lastSuccess ?? min(start, since)).duration(to: now))
    }
}

/// How long each shard had no acting owner that is an `up` member, from the maps an observer
/// read. Pure: each observation comes with its time.
struct DrillShardLedger: Sendable {
    private var ownerlessSince: [Int: ContinuousClock.Instant] = [:]
    private(set) var ownerless: [Int: Duration] = [:]

    mutating func observe(_ map: Cluster.ShardMap?, up: Set<String>, now: ContinuousClock.Instant) {
        guard let map else { return }
        for shard in 0..<map.shardCount {
            let owned = map.actingOwner(of: shard).map { up.contains($0) } ?? false
            if owned {
                if let since = ownerlessSince.removeValue(forKey: shard) {
                    ownerless[shard, default: .zero] += since.duration(to: now)
                }
            } else if ownerlessSince[shard] == nil {
                ownerlessSince[shard] = now
            }
        }
    }

    /// Closes the intervals still open.
    mutating func finish(now: ContinuousClock.Instant) {
        for (shard, since) in ownerlessSince { ownerless[shard, default: .zero] += since.duration(to: now) }
        ownerlessSince = [:]
    }

    var affected: Int { ownerless.count }
    var worst: Duration { ownerless.values.max() ?? .zero }
    var median: Duration {
        let sorted = ownerless.values.sorted()
        return sorted.isEmpty ? .zero : sorted[sorted.count / 2]
    }
    var shardSeconds: Double {
        ownerless.values.reduce(0) { total, duration in
            total + Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        }
    }
}
