import Aether
import AetherNATS
import AetherNATSTesting
import AetherTestSupport
import Synchronization
import Testing

/// A backend plus a way to let a TTL run out (a manual clock, or waiting on the server).
struct CoordinationSubject: Sendable {
    var backend: any Cluster.CoordinationBackend
    /// Returns once a key created with `ttl` has expired.
    var expire: @Sendable (_ key: String, _ ttl: Duration) async throws -> Void
}

private func expectConflict(_ body: () async throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) async {
    do {
        try await body()
        Issue.record("expected a conflict", sourceLocation: sourceLocation)
    } catch let error as AetherError {
        #expect(error.code == .versionConflict, "\(error)", sourceLocation: sourceLocation)
    } catch {
        Issue.record("unexpected \(error)", sourceLocation: sourceLocation)
    }
}

/// The coordination contract, run against every backend.
enum CoordinationContract {
    static func run(_ subject: CoordinationSubject) async throws {
        let backend = subject.backend
        // Create only if absent.
        let first = try await backend.create("leader", value: Array("a".utf8), ttl: nil)
        await expectConflict { _ = try await backend.create("leader", value: Array("b".utf8), ttl: nil) }
        #expect(try await backend.get("leader")?.value == Array("a".utf8))
        // Compare-and-set.
        let second = try await backend.update("leader", value: Array("a2".utf8), revision: first, ttl: nil)
        #expect(second > first)
        await expectConflict {
            _ = try await backend.update("leader", value: Array("x".utf8), revision: first, ttl: nil)
        }
        // Fencing: a write fenced by the current revision passes; by an old one it fails.
        let map = try await backend.put("shards", value: Array("v1".utf8), fencedBy: "leader", revision: second)
        #expect(map > second)
        await expectConflict {
            _ = try await backend.put("shards", value: Array("stale".utf8), fencedBy: "leader", revision: first)
        }
        #expect(try await backend.get("shards")?.value == Array("v1".utf8))
        // An unconditional set; a peek sees what get sees (one server, nothing stale).
        let released = try await backend.set("release.a", value: Array("r1".utf8))
        #expect(released > map)
        #expect(try await backend.set("release.a", value: Array("r2".utf8)) > released)
        #expect(try await backend.peek("release.a")?.value == Array("r2".utf8))
        #expect(try await backend.peek("shards")?.revision == (try await backend.get("shards"))?.revision)
        #expect(try await backend.peek("missing") == nil)
        // Delete with CAS, then create again over the deletion.
        await expectConflict { try await backend.delete("leader", revision: first) }
        try await backend.delete("leader", revision: second)
        #expect(try await backend.get("leader") == nil)
        #expect(try await backend.peek("leader") == nil, "a deleted key peeks as absent")
        let third = try await backend.create("leader", value: Array("b".utf8), ttl: nil)
        #expect(third > map)
        // TTL: an expired key is absent and can be created again.
        _ = try await backend.create("lease", value: Array("a".utf8), ttl: .seconds(1))
        try await subject.expire("lease", .seconds(1))
        #expect(try await backend.get("lease") == nil)
        let retaken = try await backend.create("lease", value: Array("b".utf8), ttl: .seconds(5))
        #expect(retaken > third)
    }
}

@Suite("Coordination backends")
struct CoordinationContractTests {
    @Test("contract: in-memory backend with a manual clock")
    func inMemory() async throws {
        let clock = ManualClock()
        let backend = Cluster.InMemoryCoordination(now: { clock.now })
        try await CoordinationContract.run(CoordinationSubject(backend: backend) { _, ttl in clock.advance(by: ttl) })
    }

    @Test("contract: NATS KV backend against nats-server 2.15.1", .enabled(if: Live.serverPresent, Live.skipReason))
    func nats() async throws {
        try await Live.withClient { client, _ in
            let backend = try await Cluster.NATSCoordination.open(client: client)
            // Expiry is the server's clock: poll until the key is gone, bounded.
            try await CoordinationContract.run(
                CoordinationSubject(backend: backend) { key, ttl in
                    let clock = ContinuousClock()
                    let deadline = clock.now + ttl + .seconds(10)
                    while try await backend.get(key) != nil {
                        guard clock.now < deadline else { throw DeadlineExceeded(what: "expiry of \(key)") }
                        try await Task.sleep(for: .milliseconds(100))
                    }
                }
            )
        }
    }
}
