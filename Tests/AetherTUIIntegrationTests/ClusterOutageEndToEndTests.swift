import AetherNATS
import AetherNATSTesting
import AetherTUI
import AetherTestLanes
import Foundation
import Testing

@testable import Aether

/// Three `aether-top node` members on R3 over a 3-server JetStream cluster, and the servers
/// killed under them.
@Suite(
    "aether-top on a 3-server cluster that loses servers",
    .enabled(if: Binary.ready, "needs tmux and the built aether-top"),
    .serialized,
    .outageLane
)
struct ClusterOutageEndToEndTests {
    /// A Raft group waits 4–9 s for a lost leader before it campaigns
    /// (`minElectionTimeoutDefault`…`maxElectionTimeoutDefault` in nats-server's raft.go).
    static let raftFailover: Duration = .seconds(9)
    /// Our JetStream requests' timeout: a member's lease renewal sent to the server just
    /// killed waits this long before it is sent again through another one.
    static let requestTimeout: Duration = .seconds(5)

    struct Saved: Hashable {
        var namespace: String
        var actor: String
        var version: Int64
        var id: String
        var node: String
        var at: Int64
    }

    /// The acknowledged saves the members printed (`--events-json`).
    static func saves(in logs: [String]) -> [Saved] {
        var saves: [Saved] = []
        for log in logs {
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            for line in text.split(separator: "\n") {
                guard let object = try? JSONValue.parse(String(line)).objectValue, object["event"] == "saved",
                    let namespace = object["namespace"]?.stringValue, let actor = object["actor"]?.stringValue,
                    let version = object["version"]?.integerValue, let id = object["id"]?.stringValue,
                    let node = object["node"]?.stringValue, let at = object["mono_ns"]?.integerValue
                else { continue }
                saves.append(Saved(namespace: namespace, actor: actor, version: version, id: id, node: node, at: at))
            }
        }
        return saves
    }

    static func milliseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
    }

    @Test(
        "SIGKILL of the server leading the election bucket, then of the one leading a namespace's stream: a leader again within the TTL plus the Raft failover, writes go on, nothing acknowledged is lost, and a dashboard started during the outage shows what is gone"
    )
    func serversKilled() async throws {
        guard Binary.natsServerPresent() else { return }
        let servers = try await NATSClusterProcess.start(size: 3, name: "OUT")
        defer { servers.shutdown() }
        let seeds = servers.urls.joined(separator: ",")
        let directory = NSTemporaryDirectory() + "aether-outage-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let names = ["m1", "m2", "m3"]
        let logs = names.map { "\(directory)/\($0).jsonl" }
        var members: [ChildProcess] = []
        defer { for member in members { member.killNow() } }
        for (name, log) in zip(names, logs) {
            members.append(
                try await ChildProcess.start(
                    Binary.path!,
                    [
                        "node", "--server", seeds, "--name", name, "--rate", "20", "--events-json",
                        "--election-replicas", "3", "--replicas", "3",
                    ],
                    stdout: .file(log),
                    stderr: .file("\(directory)/\(name).log")
                )
            )
        }

        let client = try await NATSClient.connect(NATSOptions(servers: servers.urls))
        defer { client.closeNow() }
        let js = JetStream(client: client, timeout: .seconds(10))
        let coordination = try Cluster.NATSCoordination.attach(client: client)
        @Sendable func lease() async -> (holder: String, revision: UInt64)? {
            guard let entry = try? await coordination.get(Cluster.Node.leaseKey),
                let value = Cluster.LeaseValue.decode(entry.value)
            else { return nil }
            return (value.nodeID, entry.revision)
        }
        // Polled with a short timeout: a request to a stream between leaders waits it out.
        let poll = JetStream(client: client, timeout: .seconds(1))
        @Sendable func leader(of stream: String) async -> String? {
            let info = try? await poll.streamInfo(stream)
            return info?.cluster?.leader
        }
        @Sendable func health() async -> JetStreamHealth? {
            (try? await js.streamListing()).map { JetStreamHealth.assess($0) }
        }
        let bucket = "KV_aether-leader-election"
        let streams = [bucket] + DemoDomain.namespaces.map { "\($0)_events" }

        // Everything on three replicas, led, and written to.
        // Set-up, not the claim: three members starting on a loaded machine (CI runs lanes side by side).
        try await withDeadline(120, "members on R3 streams, a leader and saves") {
            while true {
                var ready = await lease() != nil
                for stream in streams where ready {
                    let info = try? await js.streamInfo(stream)
                    ready = info?.config.replicas == 3 && info?.cluster?.leader != nil
                }
                if ready, Set(Self.saves(in: logs).map(\.namespace)) == Set(DemoDomain.namespaces),
                    await health()?.isDegraded == false
                {
                    return
                }
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        let ttl = Cluster.Node.Configuration.fast(nodeID: "x").election.ttl
        let renew = Cluster.Node.Configuration.fast(nodeID: "x").election.renewEvery
        // A leader again: the lease renewed twice after the kill, so it is writable again.
        let bound = ttl + renew + Self.raftFailover + Self.requestTimeout

        // 1. The server leading the election bucket.
        let first = try #require(await leader(of: bucket))
        let firstVictim = try #require(servers.servers.first { $0.name == first })
        let before = try #require(await lease())
        let killedAt = ContinuousClock.now
        let killedMono = NodeRunner.monotonicNanoseconds()
        firstVictim.kill9()

        // A dashboard started now, during the outage.
        let session = try await TmuxSession(width: 120, height: 40)
        defer { session.kill() }
        try await session.type("\(Binary.path!) --server \(seeds) --view cluster")
        try await session.press("Enter")
        let newLeader = try await withDeadline(40, "a leader renewing the lease after \(first) was killed") {
            while true {
                if let now = await lease(), now.revision >= before.revision + 2 { return now }
                try await Task.sleep(for: .milliseconds(20))
            }
        }
        let leaderAgain = killedAt.duration(to: .now)
        let bucketLeader = await leader(of: bucket)
        print(
            "outage: bucket leader \(first) killed; lease renewed again by \(newLeader.holder) after \(Self.milliseconds(leaderAgain)) ms (bucket now led by \(bucketLeader ?? "nobody"))"
        )
        #expect(leaderAgain <= bound, "a leader again after \(leaderAgain), bound \(bound)")
        let degraded = try await session.waitFor("the dashboard naming \(first) gone", within: 60) { screen in
            screen.contains("JETSTREAM DEGRADED") && screen.contains("gone: \(first)")
                && screen.contains("servers gone (replicas not heard from): \(first)")
        }
        print("outage: the dashboard started during the outage shows:\n\(degraded)")
        #expect(degraded.contains("leader m"), "the Members box still shows the leader")
        // A member that was connected to the lost server reconnects and is heard again, while
        // the server is still gone.
        do {
            try await session.waitFor("all three members heard during the outage", within: 30) {
                $0.contains("Members (3)") && $0.contains("gone: \(first)")
            }
        } catch {
            // Say why: each member's state and the end of its log.
            for (name, member) in zip(names, members) {
                let log = (try? String(contentsOfFile: "\(directory)/\(name).log", encoding: .utf8)) ?? ""
                print(
                    "outage: member \(name) \(member.isRunning ? "running" : "ended: \(member.termination.map { "\($0)" } ?? "?")"); its log ends:\n\(log.split(separator: "\n").suffix(8).joined(separator: "\n"))"
                )
            }
            throw error
        }
        // Writes go on, in every namespace.
        try await withDeadline(30, "saves in every namespace after \(first) was killed") {
            while true {
                let after = Self.saves(in: logs).filter { $0.at > killedMono }
                if Set(after.map(\.namespace)) == Set(DemoDomain.namespaces) { return }
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        // The batch form says the same.
        let report = try await Self.runJSON(
            ["--server", seeds, "--once", "--json", "--view", "cluster"],
            in: directory
        )
        let jetstream = report["jetstream"]?.objectValue
        #expect(jetstream?["degraded"] == .bool(true), "\(report)")
        #expect(jetstream?["servers_gone"]?.arrayValue?.compactMap(\.stringValue) == [first], "\(report)")
        #expect(report["leader"]?.stringValue != nil, "\(report)")

        // The server back: every replica current again, and the banner goes.
        try await firstVictim.restart()
        try await withDeadline(60, "every stream whole again after \(first) restarted") {
            while await health()?.isDegraded != false { try await Task.sleep(for: .milliseconds(200)) }
        }
        try await session.waitFor("the banner gone once \(first) is back", within: 30) {
            !$0.contains("JETSTREAM DEGRADED") && $0.contains("leader m")
        }

        // 2. The server leading a namespace's stream.
        let stream = "orders_events"
        // Its leader, once it answers: just after the first server's return, a stream info can
        // time out or name no leader for a moment.
        let second = try await withDeadline(30, "the leader of \(stream) before the second kill") {
            while true {
                if let leader = await leader(of: stream) { return leader }
                try await Task.sleep(for: .milliseconds(50))
            }
        }
        let secondVictim = try #require(servers.servers.first { $0.name == second })
        let leaseAtSecondKill = try #require(await lease())
        let secondKilledAt = ContinuousClock.now
        let secondKilledMono = NodeRunner.monotonicNanoseconds()
        secondVictim.kill9()
        let streamLeader = try await withDeadline(40, "a new leader for \(stream)") {
            while true {
                if let leader = await leader(of: stream), leader != second { return leader }
                try await Task.sleep(for: .milliseconds(50))
            }
        }
        let streamFailover = secondKilledAt.duration(to: .now)
        try await withDeadline(40, "orders written again after \(second) was killed") {
            while !Self.saves(in: logs).contains(where: { $0.namespace == "orders" && $0.at > secondKilledMono }) {
                try await Task.sleep(for: .milliseconds(50))
            }
        }
        let writesAgain = secondKilledAt.duration(to: .now)
        print(
            "outage: \(stream) leader \(second) killed; led by \(streamLeader) after \(Self.milliseconds(streamFailover)) ms, orders written again after \(Self.milliseconds(writesAgain)) ms"
        )
        #expect(streamFailover <= Self.raftFailover + Self.requestTimeout, "stream failover took \(streamFailover)")
        #expect(writesAgain <= bound, "orders written again after \(writesAgain)")
        // The lease is renewed after this kill too (this test's own client may have been on
        // the killed server and be reconnecting, so it reads until the deadline).
        let leaseThen = try await withDeadline(40, "the lease renewed after \(second) was killed") {
            while true {
                if let now = await lease(), now.revision >= leaseAtSecondKill.revision + 2 { return now }
                try await Task.sleep(for: .milliseconds(20))
            }
        }
        let leaderAfterSecond = secondKilledAt.duration(to: .now)
        print(
            "outage: lease renewed by \(leaseThen.holder) \(Self.milliseconds(leaderAfterSecond)) ms after \(second) was killed"
        )
        #expect(leaderAfterSecond <= bound, "lease renewed after \(leaderAfterSecond)")
        try await session.waitFor("the dashboard naming \(second) gone", within: 60) {
            $0.contains("JETSTREAM DEGRADED") && $0.contains("gone: \(second)")
        }

        // Nothing acknowledged is lost: the members stop, and every save they printed is there.
        for member in members { await member.terminate() }
        try await secondVictim.restart()
        try await withDeadline(60, "every stream whole again after \(second) restarted") {
            while await health()?.isDegraded != false { try await Task.sleep(for: .milliseconds(200)) }
        }
        let saved = Self.saves(in: logs)
        var missing: [Saved] = []
        var read = 0
        for namespace in DemoDomain.namespaces {
            let store = try await JetStreamEventStore.open(
                client: client,
                configuration: .init(namespace: namespace)
            )
            let wanted = Dictionary(grouping: saved.filter { $0.namespace == namespace }, by: \.actor)
            for (actor, saves) in wanted {
                let events = try await store.events(of: actor)
                read += events.count
                let stored = Dictionary(events.map { ($0.version, $0.id) }, uniquingKeysWith: { first, _ in first })
                #expect(events.map(\.version) == Array(1...Int64(events.count)), "\(namespace)/\(actor): versions 1…n")
                missing += saves.filter { stored[$0.version] != $0.id }
            }
        }
        print(
            "outage: \(saved.count) acknowledged saves, \(saved.filter { $0.at > killedMono }.count) after the first kill; \(read) events read back; \(missing.count) missing"
        )
        #expect(saved.count > 100)
        #expect(missing.isEmpty, "acknowledged but not stored: \(missing.prefix(5))")
    }

    /// Runs aether-top to its end and parses its standard output as JSON.
    static func runJSON(_ arguments: [String], in directory: String) async throws -> JSONObject {
        let output = "\(directory)/batch-\(UUID().uuidString).json"
        let child = try await ChildProcess.start(
            Binary.path!,
            arguments,
            stdout: .file(output),
            stderr: .file(output + ".err")
        )
        let termination = await child.wait(timeout: .seconds(60))
        if termination == nil { child.killNow() }
        #expect(termination == .exited(0), "aether-top \(arguments): \(termination.map { "\($0)" } ?? "still running")")
        let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        return try #require(try? JSONValue.parse(text).objectValue, "not JSON: \(text)")
    }
}
