import Aether
import AetherNATS
import AetherNATSTesting
import AetherTestLanes
import AetherTestSupport
import Foundation
import NIOCore
import Testing

@testable import AetherTUI

@Suite("Observers observe: the dashboard creates nothing members would inherit", .dashboardLane)
struct ObserverTests {
    @Test(
        "a dashboard attached before any member creates no bucket, starts anyway, and sees the leader once members run"
    )
    func observerCreatesNothing() async throws {
        guard Binary.natsServerPresent() else { return }
        let server = try await NATSServerProcess.start()
        defer { server.shutdown() }
        let client = try await NATSClient.connect(url: server.url)
        defer { client.closeNow() }
        let js = JetStream(client: client)

        let dashboard = try await NATSDeployment.connect(options: NATSOptions(url: server.url), observer: true)
        dashboard.start()
        #expect(try await js.streamNames().contains("KV_aether-leader-election") == false)
        #expect(await dashboard.cluster.view().leader == nil)

        let member = try await NATSDeployment.connect(
            options: NATSOptions(url: server.url),
            nodeID: "m1",
            observer: false
        )
        member.start()
        #expect(try await js.streamInfo("KV_aether-leader-election").config.replicas == 1)
        let leader = try await withDeadline(15, "the observer sees the member lead") {
            while true {
                if let leader = await dashboard.cluster.view().leader { return leader }
                try await Task.sleep(for: .milliseconds(50))
            }
        }
        #expect(leader == "m1")
        await member.shutdown()
        await dashboard.shutdown()
    }

    @Test("a stream whose description claims an invalid namespace is no namespace, but its records are counted")
    func invalidNamespaceStream() async throws {
        guard Binary.natsServerPresent() else { return }
        let server = try await NATSServerProcess.start()
        defer { server.shutdown() }
        let client = try await NATSClient.connect(url: server.url)
        defer { client.closeNow() }
        let js = JetStream(client: client)
        var config = StreamConfig(name: "aaa_events", subjects: ["aether.store.aaa_events.>"])
        config.description = JetStreamEventStore.namespaceMetadataPrefix + "a\u{1B}]0;pwn\u{07}"
        try await js.createStream(config)
        _ = try await js.publish(Array("x".utf8), to: "aether.store.aaa_events.e.x")
        let dashboard = try await NATSDeployment.connect(options: NATSOptions(url: server.url), observer: true)
        #expect(await dashboard.namespaces() == [])
        let figures = await dashboard.storeFigures()
        #expect(figures.count == 1)
        #expect(figures.first?.stream == "aaa_events")
        #expect(figures.first?.namespace == #"(invalid) "a\u{001B}]0;pwn\u{0007}""#)
        #expect(figures.first?.claimedNamespace == "a\u{1B}]0;pwn\u{07}")
        #expect(figures.first?.recordsOutsideActors == 1)
        await dashboard.shutdown()
    }

    @Test(
        "reads create no stream; a namespace is held by the stream named for it, a second or misnamed claimant is shown as a problem"
    )
    func claimsAndReadsCreateNothing() async throws {
        guard Binary.natsServerPresent() else { return }
        let server = try await NATSServerProcess.start()
        defer { server.shutdown() }
        let client = try await NATSClient.connect(url: server.url)
        defer { client.closeNow() }
        // A plain writer following docs/WIRE-FORMAT.md, and three streams that claim what
        // they do not hold.
        let js = JetStream(client: client)
        func stream(_ name: String, claims namespace: String, records: Int) async throws {
            var config = StreamConfig(name: name, subjects: ["aether.store.\(name).>"])
            config.allowDirect = true
            config.description = JetStreamEventStore.namespaceMetadataPrefix + namespace
            try await js.createStream(config)
            for version in 0..<records {
                let event = PlainRecords.eventJSON("a", Int64(version + 1), id: "\(name)-\(version)")
                _ = try await js.publish(event, to: "aether.store.\(name).e.a")
            }
        }
        try await stream("hostile_events", claims: "hostile", records: 2)
        try await stream("liar_events", claims: "hostile", records: 3)
        try await stream("hostile_other", claims: "hostile", records: 1)
        try await stream("qq_other", claims: "oo", records: 1)
        try await stream("orders_custom", claims: "orders", records: 4)
        let before = Set(try await js.streamNames())

        let dashboard = try await NATSDeployment.connect(options: NATSOptions(url: server.url), observer: true)
        #expect(await dashboard.namespaces() == ["hostile", "orders"])
        let figures = await dashboard.storeFigures()
        let byStream = Dictionary(uniqueKeysWithValues: figures.map { ($0.stream ?? "", $0) })
        #expect(figures.count == 5)
        #expect(byStream["hostile_events"]?.namespace == "hostile")
        #expect(byStream["hostile_events"]?.events == 2)
        #expect(byStream["hostile_events"]?.problem == nil)
        // A namespace on a stream of another name than events is read there.
        #expect(byStream["orders_custom"]?.namespace == "orders")
        #expect(byStream["orders_custom"]?.events == 4)
        #expect(try await dashboard.store(for: "orders").latestVersion(of: "a") == 4)
        #expect(byStream["liar_events"]?.namespace == #"(misnamed) "hostile""#)
        #expect(byStream["liar_events"]?.recordsOutsideActors == 3)
        #expect(
            byStream["liar_events"]?.problem?.contains("its name is not the namespace's (hostile_<stream>)") == true
        )
        #expect(byStream["hostile_other"]?.namespace == #"(duplicate) "hostile""#)
        #expect(byStream["hostile_other"]?.problem?.contains("stream hostile_events holds the namespace") == true)
        #expect(byStream["qq_other"]?.namespace == #"(misnamed) "oo""#)
        #expect(byStream["qq_other"]?.problem?.contains("its name is not the namespace's (oo_<stream>)") == true)
        for namespace in ["oo", "nowhere"] {
            await #expect(throws: AetherError.self) { _ = try await dashboard.store(for: namespace) }
        }
        // The command line's reads too.
        let url = server.url
        let json = try await TmuxSession.run([Binary.path!, "--once", "--json", "--view", "bus", "--server", url])
        #expect(json.contains(#""problem": "stream liar_events claims namespace"#), "\(json)")
        _ = try? await TmuxSession.run([Binary.path!, "trace", "--correlation", "zz", "--server", url])
        _ = try? await TmuxSession.run([Binary.path!, "--once", "--namespace", "oo", "--server", url])
        #expect(Set(try await js.streamNames()) == before, "a read created a stream")

        // A write may: an append to a new namespace creates its stream, as any writer's does.
        try await dashboard.writableStore(for: "fresh").save(Event(eventType: "T", actorID: "a", version: 1))
        #expect(Set(try await js.streamNames()) == before.union(["fresh_events"]))
        await dashboard.shutdown()
    }

    @Test("a member asking for other replicas than the bucket has: scaled, or refused naming both figures")
    func replicasMismatch() async throws {
        guard Binary.natsServerPresent() else { return }
        let server = try await NATSServerProcess.start()
        defer { server.shutdown() }
        let client = try await NATSClient.connect(url: server.url)
        defer { client.closeNow() }
        _ = try await Cluster.NATSCoordination.open(client: client, replicas: 1)
        // One server cannot hold three replicas: the member refuses to start, and says why.
        let error = await #expect(throws: AetherError.self) {
            _ = try await Cluster.NATSCoordination.open(client: client, replicas: 3)
        }
        #expect(
            error?.message.contains("has 1 replicas and this member asked for 3") == true,
            "\(String(describing: error))"
        )
    }
}

@Suite(
    "aether-top node chooses its replicas",
    .enabled(if: Binary.ready, "needs the built aether-top"),
    .serialized,
    .dashboardLane
)
struct NodeReplicasTests {
    /// Starts `aether-top node` against `url` and waits until its streams and bucket exist;
    /// returns their replicas and what it logged.
    static func startNode(url: String, seed: String) async throws -> (streams: Int, bucket: Int, log: String) {
        let log = NSTemporaryDirectory() + "aether-node-\(UUID().uuidString).log"
        defer { try? FileManager.default.removeItem(atPath: log) }
        let node = try await ChildProcess.start(
            Binary.path!,
            ["node", "--server", url, "--name", "r1"],
            stderr: .file(log)
        )
        defer { node.killNow() }
        let client = try await NATSClient.connect(url: seed)
        defer { client.closeNow() }
        let js = JetStream(client: client)
        return try await withDeadline(60, "the member's streams") {
            while true {
                if let stream = try? await js.streamInfo("orders_events"),
                    let bucket = try? await js.streamInfo("KV_aether-leader-election")
                {
                    let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
                    return (stream.config.replicas, bucket.config.replicas, text)
                }
                try await Task.sleep(for: .milliseconds(100))
            }
        }
    }

    @Test("on one server: R1, and it says so at start")
    func single() async throws {
        guard Binary.natsServerPresent() else { return }
        let server = try await NATSServerProcess.start()
        defer { server.shutdown() }
        let started = try await Self.startNode(url: server.url, seed: server.url)
        #expect(started.streams == 1)
        #expect(started.bucket == 1)
        #expect(started.log.contains("replicas: election bucket R1, event streams R1"), "\(started.log)")
    }

    @Test("on a 3-server cluster: R3 for the streams and the bucket, by default")
    func cluster() async throws {
        guard Binary.natsServerPresent() else { return }
        let cluster = try await NATSClusterProcess.start()
        defer { cluster.shutdown() }
        let started = try await Self.startNode(url: cluster.urls[0], seed: cluster.urls[1])
        #expect(started.streams == 3)
        #expect(started.bucket == 3)
        #expect(started.log.contains("replicas: election bucket R3, event streams R3"), "\(started.log)")

        // A stream the dashboard creates for an append in a new namespace: R3 as well.
        let dashboard = try await NATSDeployment.connect(options: NATSOptions(url: cluster.urls[2]), observer: true)
        let store = try await dashboard.writableStore(for: "fresh")
        try await store.save(Event(eventType: "Set", actorID: "a", version: 1, data: ["n": 1]))
        let client = try await NATSClient.connect(url: cluster.urls[0])
        defer { client.closeNow() }
        let info = try await JetStream(client: client).streamInfo(
            JetStreamEventStore.streamName(namespace: "fresh", stream: "events")
        )
        #expect(info.config.replicas == 3)
        await dashboard.shutdown()
    }
}

@Suite(
    "aether-top verify: the drift check for scripts",
    .enabled(if: Binary.ready, "needs the built aether-top"),
    .dashboardLane
)
struct VerifyTests {
    /// A server of its own, a client, and the `orders` store on it, for one test.
    static func withOrdersStore(
        _ body: (NATSServerProcess, NATSClient, JetStreamEventStore) async throws -> Void
    ) async throws {
        guard Binary.natsServerPresent() else { return }
        let server = try await NATSServerProcess.start()
        defer { server.shutdown() }
        let client = try await NATSClient.connect(url: server.url)
        defer { client.closeNow() }
        try await body(
            server,
            client,
            try await JetStreamEventStore.open(client: client, configuration: .init(namespace: "orders"))
        )
    }

    @Test("a snapshot written with a wrong state is reported as DRIFT with its fields, exit 1; right ones exit 0")
    func drift() async throws {
        try await Self.withOrdersStore { server, client, store in
            let history = [
                Event(eventType: "OrderPlaced", actorID: "order-1", version: 1, data: ["customer": "acme"]),
                Event(
                    eventType: "ItemAdded",
                    actorID: "order-1",
                    version: 2,
                    data: ["sku": "s-1", "qty": 2, "price": 5.0]
                ),
                Event(eventType: "OrderPaid", actorID: "order-1", version: 3, data: ["payment": "p-1"]),
            ]
            try await store.save(history)
            let reducer = DemoDomain.reducer(for: "orders")
            try await store.save(
                ActorSnapshot(
                    actorID: "order-1",
                    version: 2,
                    state: replay(Array(history.prefix(2)), using: reducer).state
                )
            )
            let clean = try await EndToEndTests.runBinary([
                "verify", "--server", server.url, "--namespace", "orders", "--reducers", "demo",
            ])
            #expect(clean.termination == .exited(0), "\(clean.output)")
            #expect(clean.output.contains("with the demo reducer"), "\(clean.output)")
            #expect(clean.output.contains("checked 1 actor, 1 snapshot: 0 drifting"), "\(clean.output)")

            var wrong = replay(history, using: reducer).state
            wrong["status"] = "cancelled"
            // Another writer's field name: shown, never sent to the terminal raw.
            wrong["\u{1B}]0;pwn\u{07}"] = "x"
            try await store.save(ActorSnapshot(actorID: "order-1", version: 3, state: wrong))
            let drifted = try await EndToEndTests.runBinary([
                "verify", "--server", server.url, "--namespace", "orders", "--reducers", "demo",
            ])
            #expect(drifted.termination == .exited(1), "\(drifted.output)")
            #expect(
                drifted.output.contains(
                    #"DRIFT orders/order-1 at v3: \u{001B}]0;pwn\u{0007}: snapshot "x", replay absent; status: snapshot "cancelled", replay "paid""#
                ),
                "\(drifted.output)"
            )
            #expect(!drifted.output.unicodeScalars.contains("\u{1B}"), "\(drifted.output)")
            #expect(drifted.output.contains("pwn"), "\(drifted.output)")
            // The stock binary on NATS replays generically, and says drift is then expected.
            let generic = try await EndToEndTests.runBinary(["verify", "--server", server.url, "--namespace", "orders"])
            #expect(generic.output.contains("with the generic merge-patch (drift is expected"), "\(generic.output)")
        }
    }

    @Test("a snapshot ahead of its history is reported as AHEAD, exit 1; --actor naming no actor is UNKNOWN, exit 3")
    func aheadAndMissing() async throws {
        try await Self.withOrdersStore { server, client, store in
            try await store.save(
                Event(eventType: "OrderPlaced", actorID: "order-1", version: 1, data: ["customer": "acme"])
            )
            // A writer that snapshotted a state its events never reached (its events were lost).
            try await store.save(ActorSnapshot(actorID: "order-1", version: 9, state: ["status": "paid"]))
            let ahead = try await EndToEndTests.runBinary([
                "verify", "--server", server.url, "--namespace", "orders", "--reducers", "demo",
            ])
            #expect(ahead.termination == .exited(1), "\(ahead.output)")
            #expect(
                ahead.output.contains(
                    "AHEAD orders/order-1 at v9: the history ends at v1; no stored event leads to this state"
                ),
                "\(ahead.output)"
            )
            // Snapshots of an actor without events: ahead of an empty history.
            try await store.save(ActorSnapshot(actorID: "order-2", version: 2, state: ["status": "placed"]))
            let snapshotOnly = try await EndToEndTests.runBinary([
                "verify", "--server", server.url, "--namespace", "orders", "--actor", "order-2",
            ])
            #expect(snapshotOnly.termination == .exited(1), "\(snapshotOnly.output)")
            #expect(
                snapshotOnly.output.contains("AHEAD orders/order-2 at v2: the history ends at v0"),
                "\(snapshotOnly.output)"
            )
            // A subject whose actor no ID names is listed, not left out.
            _ = try await JetStream(client: client).publish(
                Array(#"{"id":"x"}"#.utf8),
                to: "aether.store.\(store.streamName).e.~ZZbad~"
            )
            // And a snapshot subject whose token does not decode.
            _ = try await JetStream(client: client).publish(
                Array(#"{"actorId":"x"}"#.utf8),
                to: "aether.store.\(store.streamName).s.~YYbad~"
            )
            let listed = try await EndToEndTests.runBinary(["verify", "--server", server.url, "--namespace", "orders"])
            #expect(
                listed.output.contains("UNCHECKED orders subject aether.store.\(store.streamName).e.~ZZbad~"),
                "\(listed.output)"
            )
            #expect(
                listed.output.contains("UNCHECKED orders subject aether.store.\(store.streamName).s.~YYbad~"),
                "\(listed.output)"
            )
            #expect(listed.output.contains("; 2 subjects naming no actor not checked"), "\(listed.output)")
            // A namespace-wide run finds the actor that has snapshots and no events.
            #expect(
                listed.output.contains("AHEAD orders/order-2 at v2: the history ends at v0"),
                "\(listed.output)"
            )
            #expect(listed.output.contains("checked 2 actors, 2 snapshots: 0 drifting, 2 ahead"), "\(listed.output)")
            #expect(listed.termination == .exited(1), "\(listed.output)")
            let missing = try await EndToEndTests.runBinary([
                "verify", "--server", server.url, "--namespace", "orders", "--actor", "order-404",
            ])
            #expect(missing.termination == .exited(3), "\(missing.output)")
            #expect(
                missing.output.contains(#"UNKNOWN: orders has no actor "order-404": no events and no snapshots"#),
                "\(missing.output)"
            )
        }
    }

    @Test("a snapshot record that cannot be read is reported as CORRUPT, exit 1")
    func corruptSnapshot() async throws {
        try await Self.withOrdersStore { server, client, store in
            try await store.save(
                Event(eventType: "OrderPlaced", actorID: "order-1", version: 1, data: ["customer": "acme"])
            )
            // Another writer's snapshot record, on the layout's subject, that is no snapshot.
            let subject = "aether.store.\(store.streamName).s.\(ActorToken.encode("order-1"))"
            let bad = try await JetStream(client: client).publish(
                Array(#"{"actorId":"order-1","version":1"#.utf8),
                to: subject
            )
            let run = try await EndToEndTests.runBinary(["verify", "--server", server.url, "--namespace", "orders"])
            #expect(run.termination == .exited(1), "\(run.output)")
            #expect(
                run.output.contains("CORRUPT orders/order-1 snapshot at sequence \(bad.sequence):"),
                "\(run.output)"
            )
            #expect(!run.output.contains("sequence \(bad.sequence): snapshot at sequence"), "said once:\n\(run.output)")
            #expect(
                run.output.contains("0 snapshots: 0 drifting, 0 ahead of their history, 0 not checkable, 1 corrupt"),
                "\(run.output)"
            )
        }
    }
}

@Suite(
    "Bad records on a deployment, end to end",
    .enabled(if: Binary.ready, "needs tmux and the built aether-top"),
    .dashboardLane
)
struct BadRecordsEndToEndTests {
    @Test("records another client wrote wrongly are counted in the Actors list before any actor is opened")
    func actorsListCountsBadRecords() async throws {
        guard Binary.natsServerPresent() else { return }
        let server = try await NATSServerProcess.start()
        defer { server.shutdown() }
        let client = try await NATSClient.connect(url: server.url)
        defer { client.closeNow() }
        // A plain JetStream writer following docs/WIRE-FORMAT.md, and getting it wrong once.
        let js = JetStream(client: client)
        let stream = "foreign_events"
        var config = StreamConfig(name: stream, subjects: ["aether.store.\(stream).>"])
        config.allowDirect = true
        config.description = JetStreamEventStore.namespaceMetadataPrefix + "foreign"
        try await js.createStream(config)
        func event(_ actor: String, _ version: Int64) -> [UInt8] { PlainRecords.eventJSON(actor, version) }
        _ = try await js.publish(event("good-1", 1), to: "aether.store.\(stream).e.good-1")
        _ = try await js.publish(event("bad-1", 1), to: "aether.store.\(stream).e.bad-1")
        _ = try await js.publish(Array("not json".utf8), to: "aether.store.\(stream).e.bad-1")

        let session = try await TmuxSession(width: 120, height: 30)
        defer { session.kill() }
        try await session.type("\(Binary.path!) --server \(server.url)")
        try await session.press("Enter")
        try await session.waitFor("● connected")
        try await session.type("2")
        let screen = try await session.waitFor("the bad actor marked", within: 20) { screen in
            (EndToEndTests.line(screen, containing: "bad-1") ?? "").contains("⚠1")
        }
        #expect(!(EndToEndTests.line(screen, containing: "good-1") ?? "⚠").contains("⚠"))
        #expect(!screen.contains("bad records: opened only"), "a small namespace is scanned")

        // An actor written after the list was read opens by its exact ID.
        _ = try await js.publish(event("late-1", 1), to: "aether.store.\(stream).e.late-1")
        try await session.type("/")
        try await session.waitFor("an exact ID opens it")
        try await session.press(["BSpace", "BSpace", "BSpace", "BSpace"])
        try await session.type("late-1")
        try await session.press("Enter")
        try await session.waitFor("the late actor's history") { $0.contains("late-1 │ 1 events") }

        // The bad record is a row of its own: the cursor goes onto it, Enter shows it whole,
        // its bytes and the message as stored (read from the server by its sequence).
        try await session.press("Escape")
        try await session.type("/")
        try await session.waitFor("an exact ID opens it")
        try await session.press(["BSpace", "BSpace", "BSpace", "BSpace", "BSpace", "BSpace"])
        try await session.type("bad-1")
        try await session.press("Enter")
        try await session.waitFor("the bad actor's history") { $0.contains("bad-1 │ 1 events │ ⚠ 1 bad") }
        try await session.press("Up")
        try await session.waitFor("the cursor on the bad row") { $0.contains("▶⚠ seq 3") }
        try await session.press("Enter")
        let inspector = try await session.waitFor("the record whole, with its stored message") {
            $0.contains("Bad record foreign/bad-1 seq 3") && $0.contains("aether.store.\(stream).e.bad-1")
        }
        #expect(inspector.contains("00000000: 6e6f 7420 6a73 6f6e"), "its bytes:\n\(inspector)")
        #expect(inspector.contains("not used"))
        try await session.press("Escape")
        try await session.waitFor("back on the bad row") { $0.contains("▶⚠ seq 3") && !$0.contains("Bad record") }
        try await session.type("q")
    }
}

@Suite("Checks on nats-server, as a script runs them", .dashboardLane)
struct CheckProcessTests {
    @Test(
        "check members on nats-server knows members on the standard timings (heartbeat 30 s) at once: its roll call has each answer"
    )
    func checkHearsStandardMembers() async throws {
        guard Binary.natsServerPresent() else { return }
        let server = try await NATSServerProcess.start()
        defer { server.shutdown() }
        let client = try await NATSClient.connect(url: server.url)
        defer { client.closeNow() }
        let discovery = try await client.subscribe(to: "aether.discovery")
        try await client.flush()
        var members: [ChildProcess] = []
        defer { for member in members { member.killNow() } }
        for name in ["s1", "s2"] {
            members.append(
                try await ChildProcess.start(
                    Binary.path!,
                    ["node", "--server", server.url, "--name", name, "--timings", "standard", "--rate", "1"]
                )
            )
        }
        // Each member's first heartbeat, sent as it starts; its next is 30 s away, longer than
        // the check listens.
        try await withDeadline(30, "both members' first heartbeat") {
            var heard: Set<String> = []
            for await message in discovery {
                if case .heartbeat(let info) = try? Cluster.DiscoveryMessage(
                    jsonBytes: message.payload.readableBytesView
                ) {
                    heard.insert(info.id)
                }
                if heard == ["s1", "s2"] { return }
            }
        }
        let (output, termination) = try await EndToEndTests.runBinary([
            "check", "members", "--server", server.url, "--expect", "2",
        ])
        #expect(termination == .exited(0), "\(output)")
        #expect(output.hasPrefix("OK: 2 members up on "), "\(output)")
        #expect(output.contains("OK: s1 up") && output.contains("OK: s2 up"), "\(output)")
    }
}
