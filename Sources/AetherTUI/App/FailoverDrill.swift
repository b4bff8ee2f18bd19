import Aether
import Foundation

/// A leader failover drill: ask the leader to resign (or kill it, in the embedded demo),
/// then watch through the observer — lease gone, no leader, new leader, every shard owned
/// again, first successful canary append — and write a JSON report.
///
/// The canary is actor `canary` in namespace `aether-drill`; a canary append counts as
/// possible only while its shard's acting owner is an `up` member, as an application that
/// routes writes to the owner would see it.
struct FailoverDrill: Sendable {
    let deployment: any Deployment
    let method: DrillMethod
    let reportPath: String
    var timeout: Duration = .seconds(30)
    var poll: Duration = .milliseconds(10)

    static let canaryNamespace = "aether-drill"
    static let canaryActor = "canary"

    func run(progress: @Sendable (String, Timestamp) async -> Void) async -> DrillReport {
        let started = Timestamp.now()
        let clock = ContinuousClock.now
        var steps: [DrillReport.Step] = []
        func record(_ name: String) async {
            let at = Timestamp.now()
            steps.append(.init(step: name, atMilliseconds: milliseconds(clock.duration(to: .now))))
            await progress(name, at)
        }
        let oldTerm: UInt64
        switch method {
        case .resign(_, let term), .kill(_, let term): oldTerm = term
        }
        await deployment.cluster.observe(every: DashboardObserver.drillTick)
        var lastCanaryBefore: ContinuousClock.Instant? = try? await canary() ? .now : nil

        let requestAt = ContinuousClock.now
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

        var newLeaderAt: ContinuousClock.Instant?
        var newLeader: (String, UInt64)?
        var allOwnedAt: ContinuousClock.Instant?
        var canaryGapEnd: ContinuousClock.Instant?
        var canaryFailed = false
        var leaseGoneRecorded = false
        while clock.duration(to: .now) < timeout {
            let view = await deployment.cluster.view()
            let now = ContinuousClock.now
            if newLeaderAt == nil {
                if view.leader == nil, !leaseGoneRecorded {
                    leaseGoneRecorded = true
                    await record("lease released or expired; no leader seen")
                } else if let leader = view.leader, let term = view.term, term != oldTerm {
                    if !leaseGoneRecorded {
                        leaseGoneRecorded = true
                        await record("lease moved directly (no leaderless moment seen)")
                    }
                    newLeaderAt = now
                    newLeader = (leader, term)
                    await record("new leader \(leader) (term \(term))")
                }
            }
            if newLeaderAt != nil, allOwnedAt == nil, let map = view.shardMap {
                let up = Set(view.members.filter { $0.status == .up }.map(\.info.id))
                if map.isSettled, Set(map.owners).isSubset(of: up) {
                    allOwnedAt = now
                    await record("every shard owned again (map v\(map.version))")
                }
            }
            // The canary: possible only through a live acting owner.
            let possible: Bool
            if let map = view.shardMap {
                let shard = Cluster.shard(of: Self.canaryActor, in: Self.canaryNamespace, shardCount: map.shardCount)
                let up = Set(view.members.filter { $0.status == .up }.map(\.info.id))
                possible = map.actingOwner(of: shard).map { up.contains($0) } ?? false
            } else {
                possible = false
            }
            let succeeded = possible ? ((try? await canary()) ?? false) : false
            if !succeeded {
                canaryFailed = true
            } else {
                if !canaryFailed { lastCanaryBefore = .now }
                if canaryFailed, canaryGapEnd == nil { canaryGapEnd = .now }
                if newLeaderAt != nil, steps.allSatisfy({ !$0.step.hasPrefix("first successful canary") }) {
                    await record("first successful canary append")
                }
            }
            if allOwnedAt != nil, steps.contains(where: { $0.step.hasPrefix("first successful canary") }) { break }
            try? await Task.sleep(for: poll)
        }
        await deployment.cluster.observe(every: nil)
        if newLeaderAt == nil { await record("no new leader within \(Summary.duration(timeout))") }
        // The old leader stops leading when asked (or killed); the cluster has none until the next.
        let leaderless = newLeaderAt.map { milliseconds(requestAt.duration(to: $0)) } ?? milliseconds(timeout)
        let unavailable: Int64 =
            canaryFailed
            ? milliseconds((lastCanaryBefore ?? requestAt).duration(to: canaryGapEnd ?? .now)) : 0
        var report = DrillReport(
            method: { if case .resign = method { "resign" } else { "kill" } }(),
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
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(report).write(to: URL(fileURLWithPath: reportPath))
            report.savedTo = reportPath
        } catch {
            report.savedTo = nil
        }
        return report
    }

    /// Appends one canary event at the next version; true when it was stored.
    private func canary() async throws -> Bool {
        let store = try await deployment.store(for: Self.canaryNamespace)
        let version = try await store.latestVersion(of: Self.canaryActor) + 1
        try await store.save(Event(eventType: "DrillCanary", actorID: Self.canaryActor, version: version))
        return true
    }

    private func milliseconds(_ duration: Duration) -> Int64 {
        Int64(duration.components.seconds) * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
    }
}
