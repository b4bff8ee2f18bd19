import Aether
import AetherNATS
import AetherNATSTesting
import AetherTestLanes
import AetherTestSupport
import NIOCore
import Testing

struct JetStreamEnvironment: StoreEnvironment {
    let client: NATSClient

    func makeStore(namespace: String, sink: (any EventStoredSink)?) async throws -> any EventStore & SnapshotStore {
        try await JetStreamEventStore.open(client: client, configuration: Self.indexing(namespace), sink: sink)
    }

    /// A store configuration that writes the correlation index.
    static func indexing(_ namespace: String) -> JetStreamEventStore.Configuration {
        var configuration = JetStreamEventStore.Configuration(namespace: namespace)
        configuration.indexCorrelations = true
        return configuration
    }
}

@Suite("JetStream event store against nats-server 2.15.1", .enabled(if: Live.serverPresent, Live.skipReason))
struct JetStreamEventStoreTests {
    @Test("store contract", arguments: StoreContract.checks)
    func contract(check: StoreCheck) async throws {
        try await Live.withClient { client, _ in
            try await check.body(JetStreamEnvironment(client: client))
        }
    }

    @Test(
        "without indexCorrelations a save is a single publish and writes no index record; the scan still finds the event"
    )
    func indexOff() async throws {
        try await Live.withClient { client, _ in
            var configuration = JetStreamEventStore.Configuration(namespace: "plain")
            configuration.indexCorrelations = false
            let store = try await JetStreamEventStore.open(client: client, configuration: configuration)
            var event = Event(eventType: "Placed", actorID: "o-1", version: 1)
            event.correlationID = "req-1"
            try await store.save(event)
            #expect(try await store.events(correlatedWith: "req-1").events.isEmpty)
            let scan = try await store.correlationScan("req-1", limit: 100) { _ in true }
            #expect(scan.events.map(\.id) == [event.id] && scan.complete)
            #expect(try await store.figures().indexRecords == 0)
        }
    }

    @Test(
        "an index record another writer pointed at an event of another request, or of none, grafts nothing into the trace: left out, and said"
    )
    func graftedIndexRecords() async throws {
        try await Live.withClient { client, _ in
            let store = try await JetStreamEventStore.open(
                client: client,
                configuration: JetStreamEnvironment.indexing("graft")
            )
            var mine = Event(eventType: "Placed", actorID: "o-1", version: 1)
            mine.correlationID = "req-a"
            var other = Event(eventType: "Placed", actorID: "o-2", version: 1)
            other.correlationID = "req-b"
            let none = Event(eventType: "Placed", actorID: "o-3", version: 1)
            for event in [mine, other, none] { try await store.save(event) }
            // Plain index records (docs/WIRE-FORMAT.md) on req-a's subject, for the other two.
            let js = JetStream(client: client)
            for event in [other, none] {
                var options = PublishOptions(messageID: event.id + ".graft")
                options.extraHeaders = ["Aether-Index": "correlation"]
                _ = try await js.publish(
                    Array(#"{"eventId":"\#(event.id)","actorId":"\#(event.actorID)","version":1}"#.utf8),
                    to: "aether.store.\(store.streamName).c.req-a",
                    options: options
                )
            }
            let read = try await store.events(correlatedWith: "req-a")
            #expect(read.events.map(\.id) == [mine.id])
            #expect(read.problems.count == 2, "\(read.problems)")
            #expect(read.problems.contains { $0.contains(other.id) && $0.contains("\"req-b\"") })
            #expect(read.problems.contains { $0.contains(none.id) && $0.contains("absent") })
        }
    }

    @Test(
        "a single save: its index record goes just before the event; one the server refused for good is deleted, one it retried is kept once"
    )
    func singleSaveIndex() async throws {
        try await Live.withClient { client, _ in
            let a = try await JetStreamEventStore.open(
                client: client,
                configuration: JetStreamEnvironment.indexing("pipe")
            )
            let b = try await JetStreamEventStore.open(
                client: client,
                configuration: JetStreamEnvironment.indexing("pipe")
            )
            let js = JetStream(client: client)
            var placed = Event(eventType: "Placed", actorID: "o-1", version: 1)
            placed.correlationID = "req-1"
            try await b.save(placed)
            // The record is the message just before the event.
            let eventRecord = try #require(try await b.storedRecord(of: "o-1", version: 1))
            let before = try #require(try await js.directGet(stream: b.streamName, sequence: eventRecord.sequence - 1))
            #expect(before.subject == "aether.store.\(b.streamName).c.req-1")
            #expect(before.headers?["Aether-Index"] == "correlation")

            // b's cache still says v1; a writes v2. b's v2 reaches the server, which refuses it:
            // a conflict for good, and the record sent ahead of it is deleted.
            try await a.save(Event(eventType: "Paid", actorID: "o-1", version: 2))
            var lost = Event(eventType: "Lost", actorID: "o-1", version: 2)
            lost.correlationID = "req-lost"
            await #expect(throws: AetherError.self) { try await b.save(lost) }
            let none = try await b.events(correlatedWith: "req-lost")
            #expect(none.events.isEmpty && none.problems.isEmpty, "\(none.problems)")

            // a writes v3 behind b's back; b's v4 is refused once (stale expectation), retried
            // against the fresh head and stored: the record of the first attempt stays, once.
            try await a.save(Event(eventType: "Packed", actorID: "o-1", version: 3))
            var shipped = Event(eventType: "Shipped", actorID: "o-1", version: 4)
            shipped.correlationID = "req-1"
            try await b.save(shipped)
            #expect(b.counts.retries >= 1)
            let read = try await a.events(correlatedWith: "req-1")
            #expect(read.events.map(\.id) == [placed.id, shipped.id])
            #expect(read.problems.isEmpty, "\(read.problems)")
            #expect(try await a.figures().indexRecords == 2)
            #expect(try await a.events(of: "o-1", from: 0).map(\.version) == [1, 2, 3, 4])
        }
    }

    @Test("two writers on two connections race on one actor: exactly one winner per version")
    func twoProcessesRace() async throws {
        try await Live.withClient { client, server in
            let other = try await NATSClient.connect(url: server.url)
            defer { other.closeNow() }
            let a = try await JetStreamEventStore.open(client: client, configuration: .init(namespace: "race"))
            let b = try await JetStreamEventStore.open(client: other, configuration: .init(namespace: "race"))
            for round in 1...50 {
                let version = Int64(round)
                async let first: Bool = save(a, Event(eventType: "A", actorID: "hot", version: version))
                async let second: Bool = save(b, Event(eventType: "B", actorID: "hot", version: version))
                let wins = [try await first, try await second].filter { $0 }.count
                #expect(wins == 1, "round \(round): \(wins) winners")
            }
            #expect(try await a.events(of: "hot", from: 0).map(\.version) == (1...50).map { Int64($0) })
        }
    }

    private func save(_ store: JetStreamEventStore, _ event: Event) async throws -> Bool {
        do {
            try await store.save(event)
            return true
        } catch let error as AetherError where error.code == .versionConflict {
            return false
        }
    }

    @Test(
        "stream naming: tenant-abc + events → tenant-abc_events; a namespace that sanitizes onto another's stream is refused"
    )
    func streamNames() async throws {
        #expect(JetStreamEventStore.streamName(namespace: "tenant-abc", stream: "events") == "tenant-abc_events")
        try await Live.withClient { client, _ in
            let dotted = try await JetStreamEventStore.open(client: client, configuration: .init(namespace: "a.b"))
            #expect(dotted.streamName == "a_b_events")
            let error = await #expect(throws: AetherError.self) {
                _ = try await JetStreamEventStore.open(client: client, configuration: .init(namespace: "a_b"))
            }
            #expect(error?.code == .invalidNamespace)
            #expect(error?.message.contains("a_b_events") == true)
        }
    }

    @Test("a retried save whose first attempt was stored succeeds once (Nats-Msg-Id), not as a conflict")
    func retriedSave() async throws {
        try await Live.withClient { client, _ in
            let first = try await JetStreamEventStore.open(client: client, configuration: .init(namespace: "retry"))
            let event = Event(eventType: "Placed", actorID: "o-1", version: 1)
            try await first.save(event)
            // A second store (empty cache) retries the very same event, as after a lost ack.
            let second = try await JetStreamEventStore.open(client: client, configuration: .init(namespace: "retry"))
            try await second.save(event)
            #expect(try await second.events(of: "o-1", from: 0) == [event])
            // A different event at the same version is a real conflict.
            await #expect(throws: AetherError.self) {
                try await second.save(Event(eventType: "Other", actorID: "o-1", version: 1))
            }
        }
    }

    @Test("undecodable records from other clients are reported with sequence and raw bytes, and skipped by events()")
    func undecodable() async throws {
        try await Live.withClient { client, _ in
            let store = try await JetStreamEventStore.open(client: client, configuration: .init(namespace: "dirty"))
            try await store.save(Event(eventType: "Good", actorID: "x.y", version: 1))
            let js = JetStream(client: client)
            let subject = "aether.store.\(store.streamName).e.\(ActorToken.encode("x.y"))"
            let garbage = Array("{not json".utf8)
            let ack = try await js.publish(garbage, to: subject)
            try await store.save(Event(eventType: "Good", actorID: "x.y", version: 2))
            let result = try await store.eventsWithErrors(of: "x.y", from: 0)
            #expect(result.events.map(\.version) == [1, 2])
            #expect(result.errors.count == 1)
            #expect(result.errors.first?.sequence == ack.sequence)
            #expect(result.errors.first?.rawData == garbage)
            #expect(try await store.events(of: "x.y", from: 0).count == 2)
        }
    }

    @Test(
        "a last record that is no event of its actor does not set its version, whatever its header says; the next save follows the last valid event"
    )
    func lyingLastRecord() async throws {
        try await Live.withClient { client, _ in
            let store = try await JetStreamEventStore.open(client: client, configuration: .init(namespace: "lying"))
            let js = JetStream(client: client)
            func subject(_ actor: String) -> String { "aether.store.\(store.streamName).e.\(ActorToken.encode(actor))" }
            func record(_ actor: String, _ version: Int64) -> [UInt8] { PlainRecords.eventJSON(actor, version) }
            var header = PublishOptions()
            header.extraHeaders = ["Aether-Version": "50"]
            for version in 1...3 { _ = try await js.publish(record("good", Int64(version)), to: subject("good")) }
            _ = try await js.publish(Array("{garbage".utf8), to: subject("good"), options: header)
            // Only records that are no events: another actor's, and a negative version.
            _ = try await js.publish(record("someone-else", 7), to: subject("other"), options: header)
            _ = try await js.publish(record("negative", -5), to: subject("negative"))
            for reader in [
                store, try await JetStreamEventStore.open(client: client, configuration: .init(namespace: "lying")),
            ] {
                #expect(try await reader.latestVersionUncached(of: "good") == 3)
                #expect(try await reader.latestVersion(of: "other") == 0)
                #expect(try await reader.latestVersion(of: "negative") == 0)
            }
            try await store.save(Event(eventType: "Next", actorID: "good", version: 4))
            #expect(try await store.events(of: "good").map(\.version) == [1, 2, 3, 4])
            await #expect {
                try await store.save(Event(eventType: "Again", actorID: "good", version: 4))
            } throws: {
                ($0 as? AetherError)?.versionConflict?.currentVersion == 4
            }
        }
    }

    @Test(
        "the stored record of an event is found among another writer's out-of-order and lying records, with or without a version header"
    )
    func storedRecordAmongBadOnes() async throws {
        try await Live.withClient { client, _ in
            let store = try await JetStreamEventStore.open(client: client, configuration: .init(namespace: "mixed"))
            let js = JetStream(client: client)
            let subject = "aether.store.\(store.streamName).e.\(ActorToken.encode("m"))"
            func record(_ version: Int64, actor: String = "m") -> [UInt8] { PlainRecords.eventJSON(actor, version) }
            func header(_ version: String) -> PublishOptions {
                var options = PublishOptions()
                options.extraHeaders = ["Aether-Version": version]
                return options
            }
            var sequences: [Int64: UInt64] = [:]
            for version: Int64 in 1...3 {
                sequences[version] = try await js.publish(record(version), to: subject, options: header("\(version)"))
                    .sequence
            }
            _ = try await js.publish(Array("{bad".utf8), to: subject, options: header("2"))  // a lying duplicate
            _ = try await js.publish(Array("{bad".utf8), to: subject, options: header("50"))
            _ = try await js.publish(record(9, actor: "other"), to: subject, options: header("9"))
            sequences[4] = try await js.publish(record(4), to: subject).sequence  // no header at all
            _ = try await js.publish(Array("{bad".utf8), to: subject, options: header("1"))
            for version: Int64 in 1...4 {
                let found = try await store.storedRecord(of: "m", version: version)
                #expect(found?.sequence == sequences[version], "v\(version)")
            }
            #expect(try await store.storedRecord(of: "m", version: 5) == nil)
            #expect(try await store.events(of: "m", from: 3).map(\.version) == [3, 4])
        }
    }

    @Test(
        "a long history (past the batched direct gets, read on through an ordered consumer) comes whole and in order, with another client's bad records where they lie"
    )
    func longHistory() async throws {
        try await Live.withClient { client, _ in
            let store = try await JetStreamEventStore.open(client: client, configuration: .init(namespace: "long"))
            let js = JetStream(client: client)
            let subject = "aether.store.\(store.streamName).e.\(ActorToken.encode("deep"))"
            let total = Int64(store.configuration.readBatchSize) + Int64(JetStreamEventStore.orderedReadAfter) + 3_000
            var garbage: [UInt64] = []
            var version: Int64 = 0
            while version < total {
                let size = min(1000, Int(total - version))
                try await store.save(
                    (1...size).map { Event(eventType: "Tick", actorID: "deep", version: version + Int64($0)) }
                )
                version += Int64(size)
                // Records another client wrote badly: one early (direct gets), one late (the consumer).
                if version == 1000 || version == total - 1000 {
                    garbage.append(try await js.publish(Array("{not json".utf8), to: subject).sequence)
                }
            }
            let result = try await store.eventsWithErrors(of: "deep", from: 0)
            #expect(result.events.count == Int(total))
            #expect(result.events.map(\.version) == Array(1...total))
            #expect(result.errors.map(\.sequence) == garbage)
            // From a version in the consumer's part, and a range that ends there.
            #expect(try await store.events(of: "deep", from: total - 5).map(\.version) == Array((total - 5)...total))
            let range = try await store.eventsWithErrors(of: "deep", from: 2, through: total - 2)
            #expect(range.events.first?.version == 2 && range.events.last?.version == total - 2)
            #expect(range.events.count == Int(total) - 3)
        }
    }

    @Test("a corrupt snapshot is detected, reported and skipped; state comes from the events")
    func corruptSnapshot() async throws {
        try await Live.withClient { client, _ in
            let store = try await JetStreamEventStore.open(client: client, configuration: .init(namespace: "snap"))
            for version in 1...4 {
                try await store.save(
                    Event(
                        eventType: "Set",
                        actorID: "a",
                        version: Int64(version),
                        data: ["n": .integer(Int64(version))]
                    )
                )
            }
            try await store.save(ActorSnapshot(actorID: "a", version: 2, state: ["n": 2, "snap": true]))
            // A truncated snapshot, newer, written by someone else with a checksum that no longer matches.
            let good = ActorSnapshot(actorID: "a", version: 4, state: ["n": 4, "snap": true]).jsonBytes()
            var headers = NATSHeaders()
            headers["Aether-Checksum"] = "sha256=0000"
            var options = PublishOptions()
            options.extraHeaders = headers
            _ = try await JetStream(client: client).publish(
                Array(good.prefix(good.count / 2)),
                to: "aether.store.\(store.streamName).s.a",
                options: options
            )
            let latest = try await store.latestSnapshot(of: "a")
            #expect(latest?.version == 2)
            #expect(store.counts.corruptSnapshots == 1)
            let loaded = try await store.load("a")
            var expected = ReplayedState(state: ["n": 4, "snap": true], version: 4, eventsApplied: 2)
            expected.snapshotVersion = 2
            #expect(loaded == expected)
        }
    }

    @Test("snapshot every N events: taken automatically; only the newest few are kept")
    func automaticSnapshots() async throws {
        try await Live.withClient { client, _ in
            var configuration = JetStreamEventStore.Configuration(namespace: "auto")
            configuration.snapshotEvery = 5
            configuration.snapshotHistory = 2
            let store = try await JetStreamEventStore.open(client: client, configuration: configuration)
            for version in 1...16 {
                try await store.save(
                    Event(
                        eventType: "Set",
                        actorID: "a",
                        version: Int64(version),
                        data: ["n": .integer(Int64(version))]
                    )
                )
            }
            let kept = try await store.snapshots(of: "a")
            #expect(kept.map(\.version) == [10, 15])
            #expect(kept.last?.state == ["n": 15])
            #expect(try await store.load("a").version == 16)
        }
    }

    @Test("oversize events are refused with a clear error and nothing is written")
    func oversize() async throws {
        try await Live.withClient { client, _ in
            let store = try await JetStreamEventStore.open(client: client, configuration: .init(namespace: "big"))
            let big = Event(
                eventType: "Huge",
                actorID: "a",
                version: 1,
                data: ["blob": .string(String(repeating: "x", count: 1_100_000))]
            )
            let error = await #expect(throws: AetherError.self) { try await store.save(big) }
            #expect(error?.code == .payloadTooLarge)
            #expect(try await store.latestVersionUncached(of: "a") == 0)
        }
    }

    @Test("actor tokens are injective and round-trip")
    func actorTokens() {
        let ids = ["a", "a.b", "a~2E", "a b", "*", ">", "ü😀", "a_b", "~", "A-9"]
        let tokens = ids.map(ActorToken.encode)
        #expect(Set(tokens).count == ids.count)
        #expect(tokens.allSatisfy { !$0.contains(".") && !$0.contains(" ") && $0 != "*" && $0 != ">" })
        #expect(tokens.map(ActorToken.decode) == ids)
        #expect(ActorToken.encode("a.b") == "a~2Eb")
    }
}

struct ClusterEnvironment: StoreEnvironment {
    let client: NATSClient

    func makeStore(namespace: String, sink: (any EventStoredSink)?) async throws -> any EventStore & SnapshotStore {
        var configuration = JetStreamEnvironment.indexing(namespace)
        configuration.replicas = 3
        return try await JetStreamEventStore.open(client: client, configuration: configuration, sink: sink)
    }
}

@Suite(
    "JetStream event store on a 3-server cluster, R3 streams",
    .enabled(if: Live.serverPresent, Live.skipReason),
    .serialized,
    .storeLane
)
struct JetStreamClusterStoreTests {
    @Test("store contract on R3 streams (one cluster for all checks)")
    func contract() async throws {
        let cluster = try await NATSClusterProcess.start()
        defer { cluster.shutdown() }
        for (index, check) in StoreContract.checks.enumerated() {
            // Each check starts from a cluster without streams.
            let client = try await NATSClient.connect(NATSOptions(servers: cluster.urls))
            let js = JetStream(client: client)
            for name in try await js.streamNames() { try await js.deleteStream(name) }
            do {
                try await check.body(ClusterEnvironment(client: client))
            } catch {
                Issue.record("check \(index) \(check.name) failed: \(error)")
            }
            await client.close()
        }
    }
}

@Suite("Version cache follows other writers", .enabled(if: Live.serverPresent, Live.skipReason))
struct VersionCacheSyncTests {
    @Test("EventStored over the NATS bus refreshes another store's cached version")
    func cacheFollowsBus() async throws {
        try await Live.withClient { client, server in
            let otherClient = try await NATSClient.connect(url: server.url)
            defer { otherClient.closeNow() }
            let busA = NATSEventBus(client: client)
            let busB = NATSEventBus(client: otherClient)
            let reader = try await JetStreamEventStore.open(client: client, configuration: .init(namespace: "sync"))
            let writer = try await JetStreamEventStore.open(
                client: otherClient,
                configuration: .init(namespace: "sync"),
                sink: busB
            )
            try await writer.save(Event(eventType: "T", actorID: "a", version: 1))
            #expect(try await reader.latestVersion(of: "a") == 1)  // now cached in the reader
            let follower = Task { try await reader.followEventStored(on: busA) }
            defer { follower.cancel() }
            // Wait until the follower's subscription is live: a probe notification must arrive.
            try await withDeadline(10, "follower ready") {
                while true {
                    await busB.eventStored(
                        EventStored(
                            eventID: "probe",
                            actorID: "probe",
                            namespace: "sync",
                            version: 1,
                            timestamp: .now()
                        )
                    )
                    if busA.metrics()["__internal__.sync"].received > 0 { return }
                    try await Task.sleep(for: .milliseconds(20))
                }
            }
            try await writer.save(Event(eventType: "T", actorID: "a", version: 2))
            let seen = try await withDeadline(10, "the reader to see version 2") {
                while true {
                    let version = try await reader.latestVersion(of: "a")
                    if version == 2 { return version }
                    try await Task.sleep(for: .milliseconds(20))
                }
            }
            #expect(seen == 2)
        }
    }
}
