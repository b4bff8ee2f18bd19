import Aether
import AetherNATS
import AetherNATSTesting
import AetherTestLanes
import AetherTestSupport
import Synchronization
import Testing

/// A number set from one task and read from another.
private final class Counter: Sendable {
    private let stored = Mutex(0)
    func set(_ value: Int) { stored.withLock { $0 = value } }
    var value: Int { stored.withLock { $0 } }
}

/// Acknowledged saves, collected from every writer.
private final class Ledger: Sendable {
    private let acknowledged = Mutex<[String: [Event]]>([:])
    private let outageCount = Mutex(0)
    /// Run once, by the writer whose save is the `trigger.at`-th acknowledged one, before that
    /// writer goes on: what it does (a kill) happens at that count whatever the scheduling.
    private let trigger: (at: Int, action: @Sendable () -> Void)?
    private let fired = Mutex(false)

    init(at count: Int? = nil, _ action: (@Sendable () -> Void)? = nil) {
        trigger = count.flatMap { count in action.map { (count, $0) } }
    }

    /// Whether the trigger has run.
    var triggered: Bool { fired.withLock { $0 } }

    func recordOutage() { outageCount.withLock { $0 += 1 } }
    /// Operations that failed as unavailable and were retried.
    var outages: Int { outageCount.withLock { $0 } }

    func record(_ event: Event) {
        let count = acknowledged.withLock { acknowledged -> Int in
            acknowledged[event.actorID, default: []].append(event)
            return acknowledged.values.reduce(0) { $0 + $1.count }
        }
        if let trigger, count == trigger.at {
            trigger.action()
            fired.withLock { $0 = true }
        }
    }

    var byActor: [String: [Event]] { acknowledged.withLock { $0 } }
    var count: Int { acknowledged.withLock { $0.values.reduce(0) { $0 + $1.count } } }
}

/// Saves `count` events over `actors`, choosing each version from the latest it knows and
/// retrying on conflicts (new version) and outages (same event), until each is acknowledged.
private func runWriter(_ store: JetStreamEventStore, writer: Int, count: Int, actors: Int, ledger: Ledger) async throws
{
    for index in 0..<count {
        let actorID = "shared-\((index * 7 + writer) % actors)"
        var version = try await retryingOutages(ledger) { try await store.latestVersion(of: actorID) } + 1
        while true {
            let event = Event(
                eventType: "W\(writer)",
                actorID: actorID,
                version: version,
                data: ["writer": .integer(Int64(writer)), "i": .integer(Int64(index))]
            )
            do {
                try await retryingOutages(ledger) { try await store.save(event) }
                ledger.record(event)
                break
            } catch let error as AetherError where error.code == .versionConflict {
                version = (error.versionConflict?.currentVersion ?? version) + 1
            }
        }
    }
}

/// Runs `body`, retrying while the backend is unavailable (a server down or electing a leader).
private func retryingOutages<T>(_ ledger: Ledger? = nil, _ body: () async throws -> T) async throws -> T {
    let clock = ContinuousClock()
    let deadline = clock.now + .seconds(60)
    while true {
        do {
            return try await body()
        } catch let error as AetherError where error.code == .unavailable && clock.now < deadline {
            ledger?.recordOutage()
            try await Task.sleep(for: .milliseconds(100))
        }
    }
}

/// Every actor's stored versions are unique and increasing, and the stored events are exactly
/// the acknowledged ones.
private func verify(_ store: JetStreamEventStore, _ ledger: Ledger, actors: Int) async throws {
    var stored = 0
    for actor in 0..<actors {
        let actorID = "shared-\(actor)"
        let events = try await retryingOutages { try await store.events(of: actorID, from: 0) }
        let versions = events.map(\.version)
        #expect(
            versions == versions.sorted() && Set(versions).count == versions.count,
            "actor \(actorID): versions not unique and increasing"
        )
        let acknowledged = Set((ledger.byActor[actorID] ?? []).map(\.id))
        #expect(Set(events.map(\.id)) == acknowledged, "actor \(actorID): stored events differ from acknowledged ones")
        stored += events.count
    }
    #expect(stored == ledger.count)
}

@Suite("JetStream store under faults", .enabled(if: Live.serverPresent, Live.skipReason), .serialized, .storeLane)
struct JetStreamFaultTests {
    @Test(
        "while the client reconnects: a save waits and is stored once; with refuseWhileReconnecting it is refused at once and never stored; a default request waits in the reconnect buffer and is sent late"
    )
    func saveWhileReconnecting() async throws {
        try await Live.withClient { client, server in
            let store = try await JetStreamEventStore.open(client: client, configuration: .init(namespace: "offline"))
            var refusing = JetStreamEventStore.Configuration(namespace: "offline")
            refusing.refuseWhileReconnecting = true
            let operatorStore = try await JetStreamEventStore.open(client: client, configuration: refusing)
            try await store.save(Event(eventType: "Before", actorID: "a", version: 1))
            // Known to the store before the outage: the saves below need no read first.
            try await store.save(Event(eventType: "Before", actorID: "c", version: 1))
            try await store.save(Event(eventType: "Before", actorID: "d", version: 1))
            let js = JetStream(client: client, timeout: .milliseconds(200))
            let events = client.events()
            await server.stop()
            try await withDeadline(15, "the client sees the server gone") {
                while true {
                    if case .reconnecting = client.status { return }
                    try await Task.sleep(for: .milliseconds(10))
                }
            }
            // The operator's store: refused at once, nothing sent, for one event and a batch.
            for events in [
                [Event(eventType: "WhileDown", actorID: "a", version: 2)],
                [
                    Event(eventType: "WhileDown", actorID: "b", version: 1),
                    Event(eventType: "WhileDown", actorID: "b", version: 2),
                ],
            ] {
                do {
                    try await operatorStore.save(events)
                    Issue.record("a save succeeded while the server was down")
                } catch let error as AetherError {
                    #expect(error.code == .unavailable)
                    #expect(error.details == .nothingSent, "\(error)")
                    #expect(error.message.contains("nothing sent"), "\(error.message)")
                }
            }
            // Not buffered and past its retry window: refused, never sent.
            var unbuffered = PublishOptions()
            unbuffered.bufferWhileDisconnected = false
            unbuffered.retryUntil = .milliseconds(300)
            await #expect {
                _ = try await js.publish(
                    Array(#"{"raw":2}"#.utf8),
                    to: "aether.store.offline_events.x.unbuffered",
                    options: unbuffered
                )
            } throws: {
                ($0 as? NATSError)?.code == .notConnected
            }
            // The default for a request: it waits in the reconnect buffer, times out, and is
            // still sent when the connection comes back.
            await #expect(throws: NATSError.self) {
                _ = try await js.publish(Array(#"{"raw":1}"#.utf8), to: "aether.store.offline_events.x.buffered")
            }
            // The library's default store: a save (one event, and a batch) waits for the
            // connection and is stored, once.
            async let single: Void = store.save(Event(eventType: "Waited", actorID: "c", version: 2))
            async let batch: Void = store.save([
                Event(eventType: "Waited", actorID: "d", version: 2),
                Event(eventType: "Waited", actorID: "d", version: 3),
            ])
            try await server.restart()
            try await withDeadline(15, "reconnect") {
                for await event in events { if case .reconnected = event { return } }
            }
            try await single
            try await batch
            #expect(try await store.events(of: "c").map(\.eventType) == ["Before", "Waited"])
            #expect(try await store.events(of: "d").map(\.version) == [1, 2, 3])
            try await withDeadline(10, "the buffered publish stored after reconnect") {
                while try await js.lastMessage(
                    stream: store.streamName,
                    subject: "aether.store.offline_events.x.buffered"
                )
                    == nil
                {
                    try await Task.sleep(for: .milliseconds(20))
                }
            }
            #expect(
                try await js.lastMessage(stream: store.streamName, subject: "aether.store.offline_events.x.unbuffered")
                    == nil
            )
            #expect(try await store.events(of: "a").map(\.eventType) == ["Before"])
            #expect(try await store.latestVersion(of: "b") == 0)
            // The three events from before, the three that waited, the buffered publish: nothing else.
            #expect(try await js.streamInfo(store.streamName).state.messages == 7)
        }
    }

    @Test(
        "4 writers × 500 saves on 10 shared actors: versions unique and increasing, exactly the acknowledged events stored"
    )
    func fourWriters() async throws {
        try await Live.withClient { client, server in
            var clients: [NATSClient] = []
            for _ in 0..<4 { clients.append(try await NATSClient.connect(url: server.url)) }
            let ledger = Ledger()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (writer, writerClient) in clients.enumerated() {
                    // Each writer has its own connection and its own store (own cache), as separate processes would.
                    let store = try await JetStreamEventStore.open(
                        client: writerClient,
                        configuration: .init(namespace: "contended")
                    )
                    group.addTask { try await runWriter(store, writer: writer, count: 500, actors: 10, ledger: ledger) }
                }
                try await group.waitForAll()
            }
            #expect(ledger.count == 2000)
            let reader = try await JetStreamEventStore.open(
                client: client,
                configuration: .init(namespace: "contended")
            )
            try await verify(reader, ledger, actors: 10)
            for writerClient in clients { await writerClient.close() }
        }
    }

    @Test(
        "nats-server SIGKILLed with a save in flight and restarted, under write load: no acknowledged event lost; writers carry on"
    )
    func killUnderLoad() async throws {
        try await Live.withClient { client, server in
            // The server is frozen (SIGSTOP) when the 100th save is acknowledged, before that
            // writer saves again; it is killed once a save sent after the freeze is waiting for
            // its ack, so at least one writer has a save in flight when the server dies. (Killed
            // at once, both writers could be between saves: their next ones would wait in the
            // reconnect buffer and succeed, and no writer would see the outage.)
            let sentAtFreeze = Counter()
            let ledger = Ledger(at: 100) {
                server.pause()
                sentAtFreeze.set(client.statistics.outMessages)
            }
            let store = try await JetStreamEventStore.open(client: client, configuration: .init(namespace: "crash"))
            let writers = Task {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for writer in 0..<2 {
                        group.addTask {
                            try await runWriter(store, writer: writer, count: 300, actors: 5, ledger: ledger)
                        }
                    }
                    try await group.waitForAll()
                }
            }
            try await withDeadline(30, "the freeze at 100 acknowledged saves") {
                while !ledger.triggered { try await Task.sleep(for: .milliseconds(10)) }
            }
            // A request's publish is counted under the same lock that registers its waiter: once
            // the count has moved, a save is in flight, and the lost connection fails it.
            try await withDeadline(30, "a save sent to the frozen server") {
                while client.statistics.outMessages <= sentAtFreeze.value {
                    try await Task.sleep(for: .milliseconds(10))
                }
            }
            server.kill9()
            try await server.restart()
            try await writers.value
            #expect(ledger.outages > 0, "the writers never saw the server down")
            #expect(ledger.count == 600)
            try await verify(store, ledger, actors: 5)
        }
    }

    @Test(
        "3-server cluster, R3 stream: one server killed mid-load; saves continue after the leader change; nothing acknowledged lost"
    )
    func clusterFailover() async throws {
        let cluster = try await NATSClusterProcess.start()
        defer { cluster.shutdown() }
        let client = try await NATSClient.connect(NATSOptions(servers: cluster.urls))
        defer { client.closeNow() }
        var configuration = JetStreamEventStore.Configuration(namespace: "replicated")
        configuration.replicas = 3
        let store = try await retryingOutages {
            try await JetStreamEventStore.open(client: client, configuration: configuration)
        }
        let ledger = Ledger()
        let writers = Task {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for writer in 0..<2 {
                    group.addTask { try await runWriter(store, writer: writer, count: 200, actors: 5, ledger: ledger) }
                }
                try await group.waitForAll()
            }
        }
        try await withDeadline(30, "first acknowledged saves") {
            while ledger.count < 50 { try await Task.sleep(for: .milliseconds(10)) }
        }
        // Kill the stream's leader if it can be found, else the first server.
        let info = try? await JetStream(client: client).streamInfo(store.streamName)
        let victim = cluster.servers.first { $0.name == info?.cluster?.leader } ?? cluster.servers[0]
        victim.kill9()
        try await writers.value
        #expect(ledger.count == 400)
        try await verify(store, ledger, actors: 5)
    }
}
