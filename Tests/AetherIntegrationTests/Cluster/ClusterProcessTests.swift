import AetherNATS
import AetherNATSTesting
import AetherTestLanes
import AetherTestSupport
import Foundation
import Synchronization
import Testing

@testable import Aether

func monotonicNanoseconds() -> Int64 {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return Int64(spec.tv_sec) * 1_000_000_000 + Int64(spec.tv_nsec)
}

/// One `aether-top node` process, its events written as JSON lines to a file.
final class NodeProcess: Sendable {
    let name: String
    let log: String
    private let process: ChildProcess

    init(name: String, url: String, log: String) async throws {
        self.name = name
        self.log = log
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        process = try await ChildProcess.start(
            AetherTopBinary.path!,
            ["node", "--server", url, "--name", name, "--rate", "20", "--events-json"],
            stdout: .file(log)
        )
    }

    func kill9() { process.killNow() }

    func terminate() async { await process.terminate() }

    /// The intervals during which this process acted on each shard (open ones end at `end`).
    func actingIntervals(end: Int64) throws -> [Int: [Range<Int64>]] {
        let text = try String(contentsOfFile: log, encoding: .utf8)
        var started: [Int: Int64] = [:]
        var intervals: [Int: [Range<Int64>]] = [:]
        for line in text.split(separator: "\n") {
            guard let object = try? JSONValue.parse(String(line)).objectValue, object["event"] == "ownership",
                let at = object["mono_ns"]?.integerValue
            else { continue }
            for shard in object["released"]?.arrayValue?.compactMap(\.integerValue) ?? [] {
                if let from = started.removeValue(forKey: Int(shard)) {
                    intervals[Int(shard), default: []].append(from..<at)
                }
            }
            for shard in object["acquired"]?.arrayValue?.compactMap(\.integerValue) ?? [] { started[Int(shard)] = at }
        }
        for (shard, from) in started { intervals[shard, default: []].append(from..<max(end, from + 1)) }
        return intervals
    }
}

@Suite("aether-top is there when CI runs")
struct AetherTopPresenceTests {
    @Test("with CI=true a missing aether-top binary is a failure, not a skip")
    func presentInCI() {
        if ProcessInfo.processInfo.environment["CI"] == "true" {
            #expect(AetherTopBinary.present, "CI=true but the aether-top binary is missing (set AETHER_TOP_BIN)")
        }
    }
}

@Suite(
    "Cluster members as processes: SIGKILL the leader",
    .enabled(if: Live.serverPresent && AetherTopBinary.present, "needs nats-server and the built aether-top"),
    .serialized,
    .clusterLane
)
struct ClusterProcessTests {
    struct Lease: Decodable {
        var nodeID: String
        enum CodingKeys: String, CodingKey { case nodeID = "node_id" }
    }

    @Test("ten kills: a new leader within TTL + renew, rising terms, every shard owned again, never two acting owners")
    func killLeaderTenTimes() async throws {
        let server = try await NATSServerProcess.start()
        defer { server.shutdown() }
        let client = try await NATSClient.connect(url: server.url)
        defer { client.closeNow() }
        let coordination = try await Cluster.NATSCoordination.open(client: client)
        let directory = NSTemporaryDirectory() + "aether-kill-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let names = ["n1", "n2", "n3"]
        var incarnation = 0
        func launch(_ name: String) async throws -> NodeProcess {
            incarnation += 1
            return try await NodeProcess(name: name, url: server.url, log: "\(directory)/\(name)-\(incarnation).jsonl")
        }
        var running: [String: NodeProcess] = [:]
        var finished: [(NodeProcess, Int64)] = []
        for name in names { running[name] = try await launch(name) }

        @Sendable func lease() async -> (holder: String, revision: UInt64)? {
            guard let entry = try? await coordination.get(Cluster.Node.leaseKey),
                let value = try? JSONDecoder().decode(Lease.self, from: Data(entry.value))
            else { return nil }
            return (value.nodeID, entry.revision)
        }
        @Sendable func map() async -> Cluster.ShardMap? {
            guard let entry = try? await coordination.get(Cluster.ShardMap.key) else { return nil }
            return try? JSONDecoder().decode(Cluster.ShardMap.self, from: Data(entry.value))
        }
        func waitSettled(over live: Set<String>, within seconds: Double, _ what: String) async throws {
            try await withDeadline(seconds, what) {
                while true {
                    if let map = await map(), map.isSettled, Set(map.owners) == live { return }
                    try await Task.sleep(for: .milliseconds(10))
                }
            }
        }

        let ttl = Cluster.Node.Configuration.fast(nodeID: "x").election.ttl
        let renew = Cluster.Node.Configuration.fast(nodeID: "x").election.renewEvery
        let handoff = Cluster.Node.Configuration.fast(nodeID: "x").handoffTimeout
        try await waitSettled(over: Set(names), within: 30, "three members and a settled map")
        var terms: [UInt64] = []
        var leaderTimes: [Duration] = []
        var ownedTimes: [Duration] = []
        for round in 1...10 {
            let before = try #require(await lease(), "a leader before round \(round)")
            terms.append(before.revision)
            let victim = try #require(running[before.holder])
            let killedAt = ContinuousClock.now
            let killedMono = monotonicNanoseconds()
            victim.kill9()
            running[before.holder] = nil
            finished.append((victim, killedMono))
            let after = try await withDeadline(10, "a new leader after killing \(before.holder)") {
                while true {
                    if let now = await lease(), now.holder != before.holder { return now }
                    try await Task.sleep(for: .milliseconds(5))
                }
            }
            let leaderTime = killedAt.duration(to: .now)
            leaderTimes.append(leaderTime)
            #expect(leaderTime <= ttl + renew, "round \(round): new leader after \(leaderTime)")
            #expect(after.revision > before.revision, "terms strictly increase")
            let survivors = Set(names).subtracting([before.holder])
            try await waitSettled(
                over: survivors,
                within: 15,
                "round \(round): every shard owned by \(survivors.sorted())"
            )
            let ownedTime = killedAt.duration(to: .now)
            ownedTimes.append(ownedTime)
            #expect(ownedTime <= ttl + renew + handoff, "round \(round): every shard owned again after \(ownedTime)")
            running[before.holder] = try await launch(before.holder)
            try await waitSettled(over: Set(names), within: 20, "round \(round): \(before.holder) back with shards")
        }
        let end = monotonicNanoseconds()
        for (name, process) in running {
            await process.terminate()
            finished.append((process, end))
            _ = name
        }
        func ms(_ d: Duration) -> Int64 {
            d.components.seconds * 1000 + d.components.attoseconds / 1_000_000_000_000_000
        }
        print(
            "SIGKILL leader → new leader (ms): \(leaderTimes.map(ms)); → every shard owned (ms): \(ownedTimes.map(ms))"
        )
        #expect(zip(terms, terms.dropFirst()).allSatisfy { $0 < $1 }, "terms: \(terms)")

        // No two processes ever acted on one shard at the same time, from each one's own log.
        var intervals: [Int: [(Range<Int64>, String)]] = [:]
        for (process, end) in finished {
            for (shard, ranges) in try process.actingIntervals(end: end) {
                intervals[shard, default: []] += ranges.map { ($0, process.log) }
            }
        }
        var overlaps: [String] = []
        for (shard, list) in intervals {
            let sorted = list.sorted { $0.0.lowerBound < $1.0.lowerBound }
            for (a, b) in zip(sorted, sorted.dropFirst()) where a.0.overlaps(b.0) && a.1 != b.1 {
                overlaps.append("shard \(shard): \(a.1) and \(b.1)")
            }
        }
        #expect(!intervals.isEmpty, "the members logged their ownership")
        #expect(overlaps.isEmpty, "\(overlaps.prefix(5))")
    }
}
