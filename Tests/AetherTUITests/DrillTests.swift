import Aether
import AetherNATS
import AetherNATSTesting
import AetherTestSupport
import Foundation
import Synchronization
import Testing

@testable import AetherTUI

@Suite("Failover drill figures are true per shard", .serialized)
struct DrillTests {
    @Test(
        "a kill drill in the embedded demo, on a manual clock: the victim's shards are unwritable for at least kill → every shard owned again, less one read; the lease expires before a new leader"
    )
    func killDrill() async throws {
        let clock = ManualClock()
        let deployment = try EmbeddedDeployment(clock: clock.nodeClock)
        deployment.start()
        let fast = Cluster.Node.Configuration.fast(nodeID: "x")
        // The deadline bounds a failing run in real time; the drill itself runs on the manual clock.
        let (settled, report, path) = try await withDeadline(60, "the drill on the manual clock") {
            try await clock.driving { pacer in
                var view = await deployment.cluster.view()
                while true {
                    if let leader = view.leader, let map = view.shardMap, map.isSettled, map.owners.contains(leader),
                        view.members.filter({ $0.status == .up }).count == 3
                    {
                        break
                    }
                    try await pacer.sleep(.milliseconds(50))
                    view = await deployment.cluster.view()
                }
                let path = NSTemporaryDirectory() + "aether-drill-\(UUID().uuidString).json"
                let drill = FailoverDrill(
                    deployment: deployment,
                    method: .kill(leader: view.leader!, term: view.term!),
                    reportPath: path,
                    clock: pacer
                )
                let report = await drill.run { _, _ in }
                return (view, report, path)
            }
        }
        defer { try? FileManager.default.removeItem(atPath: path) }
        await deployment.shutdown()
        let leader = try #require(settled.leader)
        let owned = settled.shardMap!.owners.filter { $0 == leader }.count

        #expect(report.victimShards == owned)
        #expect(report.canaryActors.count == min(FailoverDrill.maxCanaries, owned))
        #expect(report.canaryNamespace == "aether-drill")
        #expect(report.canaryEventsWritten > report.canaryActors.count)
        let killAt = try #require(report.steps.first { $0.step.hasPrefix("killed") }).atMilliseconds
        let ownedAt = try #require(report.steps.first { $0.step.hasPrefix("every shard owned again") }).atMilliseconds
        let readInterval = Int64(DashboardObserver.drillTick.components.attoseconds / 1_000_000_000_000_000)
        #expect(report.writeUnavailableMilliseconds > 0)
        #expect(
            report.writeUnavailableMilliseconds >= ownedAt - killAt - readInterval,
            "unwritable \(report.writeUnavailableMilliseconds) ms; kill +\(killAt) ms, all owned +\(ownedAt) ms"
        )
        #expect(report.shardsAffected >= owned)
        #expect(report.ownerlessWorstMilliseconds >= ownedAt - killAt - readInterval)
        #expect(report.ownerlessShardSeconds > 0)
        let json =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any]
        #expect(json?["write_unavailable_ms"] as? Int == Int(report.writeUnavailableMilliseconds))
        #expect(json?["victim_shards"] as? Int == owned)
        #expect((json?["canary_actors"] as? [String])?.count == report.canaryActors.count)
        #expect(json?["shards_affected_share"] is Double)
        #expect(json?["request_to_new_leader_ms"] as? Int == Int(report.requestToNewLeaderMilliseconds))
        #expect(json?["ended"] as? String == "completed")
        #expect(json?["request_at_ms"] as? Int == Int(killAt))
        // Times on the manual clock: a killed leader says no goodbye, so its lease runs out first
        // (it was renewed at most renewEvery before the kill); a new leader follows within a few
        // ticks of that.
        let ttl = Int64(fast.election.ttl.components.seconds * 1000)
        let renew = Int64(fast.election.renewEvery.components.attoseconds / 1_000_000_000_000_000)
        let tick = Int64(fast.tick.components.attoseconds / 1_000_000_000_000_000)
        #expect(report.leaderAfter != nil && report.leaderAfter != leader)
        #expect((report.termAfter ?? 0) > (settled.term ?? 0))
        #expect(
            report.leaderlessMilliseconds >= ttl - renew - tick,
            "leaderless \(report.leaderlessMilliseconds) ms, TTL \(ttl) ms"
        )
        #expect(
            report.leaderlessMilliseconds <= ttl + 5 * tick,
            "leaderless \(report.leaderlessMilliseconds) ms, TTL \(ttl) ms"
        )
    }

    @Test("a drill is asked about one leader and term: a changed leader at y, or a drill running, is refused")
    func staleTarget() {
        var model = Fixture.dashboard()
        _ = model.apply(.key(.character("f")))
        // The leader changes while the question is open.
        var moved = Fixture.clusterView
        moved.leader = "bravo"
        moved.term = 43
        _ = model.apply(.clusterView(moved))
        #expect(model.apply(.key(.character("y"))) == [], "nothing is sent")
        #expect(model.drill == nil)
        #expect(model.message?.text.contains("the leader changed since you were asked") == true)
        #expect(model.message?.text.contains("now bravo (term 43)") == true)

        // Asked again, about the new leader: it runs; a second f while it runs is refused.
        _ = model.apply(.key(.character("f")))
        #expect(model.apply(.key(.character("y"))) == [.drill(.resign(leader: "bravo", term: 43))])
        #expect(model.apply(.key(.character("q"))) == [.quit], "q quits from the drill's panel at once")
        _ = model.apply(.key(.escape))
        _ = model.apply(.key(.character("f")))
        #expect(model.message?.text.contains("a drill of bravo is running") == true)
        #expect(model.overlay == nil, "no second question while a drill runs")
    }

    /// The embedded demo on a manual clock once it has a leader, with a report file at `path`
    /// that already holds "earlier report": `body` gets the demo, its view then and the clock.
    static func withLeader<T: Sendable>(
        _ what: String,
        reportAt path: String,
        _ body: @escaping @Sendable (EmbeddedDeployment, Cluster.View, Cluster.NodeClock) async throws -> T
    ) async throws -> T {
        let clock = ManualClock()
        let deployment = try EmbeddedDeployment(clock: clock.nodeClock)
        deployment.start()
        try Data("earlier report".utf8).write(to: URL(fileURLWithPath: path))
        let result = try await withDeadline(60, what) {
            try await clock.driving { pacer in
                var view = await deployment.cluster.view()
                while view.leader == nil || view.term == nil {
                    try await pacer.sleep(.milliseconds(50))
                    view = await deployment.cluster.view()
                }
                return try await body(deployment, view, pacer)
            }
        }
        await deployment.shutdown()
        return result
    }

    @Test("a drill whose leader is no more when it starts is not run, sends nothing, and keeps the last report")
    func staleAtStart() async throws {
        let path = NSTemporaryDirectory() + "aether-drill-\(UUID().uuidString).json"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let (report, term, after) = try await Self.withLeader("the stale drill", reportAt: path) {
            deployment,
            view,
            pacer in
            let drill = FailoverDrill(
                deployment: deployment,
                method: .resign(leader: view.leader!, term: view.term! + 7),
                reportPath: path,
                clock: pacer
            )
            let report = await drill.run { _, _ in }
            return (report, view.term!, await deployment.cluster.view())
        }
        #expect(report.steps.last?.step.hasPrefix("not run: the leader is now") == true)
        #expect(report.savedTo == nil && report.notSaved?.contains("is kept") == true)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "earlier report")
        #expect(report.ended == "not run")
        #expect(!report.steps.contains { $0.step.contains("request sent") || $0.step.hasPrefix("killed") })
        #expect(after.term == term)
    }

    @Test("a drill stopped before it ends (the dashboard quits) says so, and keeps the last report")
    func stoppedDrill() async throws {
        let path = NSTemporaryDirectory() + "aether-drill-\(UUID().uuidString).json"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let report = try await Self.withLeader("the stopped drill", reportAt: path) { deployment, view, pacer in
            let drill = FailoverDrill(
                deployment: deployment,
                method: .kill(leader: view.leader!, term: view.term!),
                reportPath: path,
                clock: pacer
            )
            let steps = Mutex<[String]>([])
            let running = Task { await drill.run { step, _ in steps.withLock { $0.append(step) } } }
            // Stopped once the kill is out, before the lease can expire.
            while !steps.withLock({ $0.contains { $0.hasPrefix("killed") } }) {
                try await pacer.sleep(.milliseconds(10))
            }
            running.cancel()
            return await running.value
        }
        #expect(report.ended == "stopped")
        #expect(report.steps.last?.step.hasPrefix("stopped: the dashboard quit") == true)
        #expect(!report.steps.contains { $0.step.hasPrefix("no new leader within") }, "not reported as a timeout")
        #expect(report.savedTo == nil && report.notSaved?.contains("is kept") == true)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "earlier report")
    }

    @Test("the leader timeline starts at the first known leader, not at the read before; K is offered where it works")
    func timelineAndHints() {
        var model = Fixture.dashboard()
        model.leaderTimeline.removeAll()
        var unknown = Fixture.clusterView
        unknown.leader = nil
        unknown.term = nil
        _ = model.apply(.clusterEvent(.snapshot(unknown), at: Fixture.at(1)))
        #expect(model.leaderTimeline.isEmpty)
        _ = model.apply(.clusterEvent(.snapshot(Fixture.clusterView), at: Fixture.at(2)))
        #expect(model.leaderTimeline.map(\.leader) == ["alpha"])

        _ = model.apply(.key(.character("3")))
        #expect(!Renderer.render(model).text.contains("kill member"), "no member of this process to kill")
        model.killable = ["alpha"]
        #expect(Renderer.render(model).text.contains("K kill member"))
    }

    @Test("canaries are spread over the victim's shards, one actor per shard, each hashing to it")
    func canaryChoice() {
        let shards = Array(stride(from: 3, to: 1024, by: 3))
        let canaries = FailoverDrill.canaries(on: shards, shardCount: 1024)
        #expect(canaries.count == FailoverDrill.maxCanaries)
        #expect(Set(canaries.map(\.shard)).count == canaries.count)
        for canary in canaries {
            #expect(shards.contains(canary.shard))
            #expect(Cluster.shard(of: canary.actor, in: "aether-drill", shardCount: 1024) == canary.shard)
        }
        #expect(FailoverDrill.canaries(on: [], shardCount: 1024).map(\.actor) == ["canary"])
    }

    @Test("the canary ledger: the gap runs from the last success before a failure to the first after")
    func canaryLedger() {
        let t0 = ContinuousClock.now
        func at(_ ms: Int) -> ContinuousClock.Instant { t0.advanced(by: .milliseconds(ms)) }
        var ledger = CanaryLedger()
        ledger.record(succeeded: true, now: at(0))
        ledger.record(succeeded: true, now: at(100))
        ledger.record(succeeded: false, now: at(120))
        ledger.record(succeeded: false, now: at(900))
        ledger.record(succeeded: true, now: at(1000))
        #expect(ledger.longestGap(from: at(0), now: at(2000)) == .milliseconds(900))
        ledger.record(succeeded: false, now: at(1500))
        #expect(ledger.longestGap(from: at(0), now: at(3000)) == .milliseconds(2000), "an open gap counts to now")
    }
}
