import Aether
import AetherNATS
import AetherNATSTesting
import Foundation
import Testing

@testable import AetherTUI

@Suite("Failover drill figures are true per shard", .serialized)
struct DrillTests {
    @Test(
        "a kill drill in the embedded demo: the victim's shards are unwritable for at least kill → every shard owned again, less one read"
    )
    func killDrill() async throws {
        let deployment = try EmbeddedDeployment()
        deployment.start()
        let settled = try await withDeadline(30, "a leader that owns shards, and a settled map") {
            while true {
                let view = await deployment.cluster.view()
                if let leader = view.leader, let map = view.shardMap, map.isSettled, map.owners.contains(leader),
                    view.members.filter({ $0.status == .up }).count == 3
                {
                    return view
                }
                try await Task.sleep(for: .milliseconds(50))
            }
        }
        let leader = try #require(settled.leader)
        let term = try #require(settled.term)
        let owned = settled.shardMap!.owners.filter { $0 == leader }.count
        let path = NSTemporaryDirectory() + "aether-drill-\(UUID().uuidString).json"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let drill = FailoverDrill(deployment: deployment, method: .kill(leader: leader, term: term), reportPath: path)
        let report = await drill.run { _, _ in }
        await deployment.shutdown()

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
