import Aether
import Synchronization
import Testing

/// Collects `EventStored` notifications.
final class RecordingSink: EventStoredSink {
    private let received = Mutex<[EventStored]>([])

    func eventStored(_ notification: EventStored) async {
        received.withLock { $0.append(notification) }
    }

    var notifications: [EventStored] { received.withLock { $0 } }
}

/// A place to make stores that share one backend (one storage, one NATS server).
protocol StoreEnvironment: Sendable {
    /// A store for `namespace`; stores of one environment share its backend.
    func makeStore(namespace: String, sink: (any EventStoredSink)?) async throws -> any EventStore & SnapshotStore
}

/// Makes a fresh environment for each check.
struct StoreFactory: Sendable, CustomTestStringConvertible {
    var name: String
    var make: @Sendable () async throws -> any StoreEnvironment
    var testDescription: String { name }
}

/// One named behaviour every `EventStore` must have.
struct StoreCheck: Sendable, CustomTestStringConvertible {
    var name: String
    var body: @Sendable (any StoreEnvironment) async throws -> Void
    var testDescription: String { name }
}

private func event(_ actor: String, _ version: Int64, _ type: String = "Set", _ data: JSONObject = [:]) -> Event {
    Event(eventType: type, actorID: actor, version: version, data: data)
}

private func expectCode(
    _ code: AetherError.Code,
    _ body: () async throws -> Void,
    sourceLocation: SourceLocation = #_sourceLocation
) async {
    do {
        try await body()
        Issue.record("expected \(code), nothing was thrown", sourceLocation: sourceLocation)
    } catch let error as AetherError {
        #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
    } catch {
        Issue.record("expected AetherError \(code), got \(error)", sourceLocation: sourceLocation)
    }
}

/// The store contract: one suite body, run against any store factory.
enum StoreContract {
    static let checks: [StoreCheck] = [
        StoreCheck(name: "an actor with no events has version 0 and no events") { env in
            let store = try await env.makeStore(namespace: "contract", sink: nil)
            #expect(try await store.latestVersion(of: "nobody") == 0)
            #expect(try await store.events(of: "nobody", from: 0).isEmpty)
            #expect(try await store.latestSnapshot(of: "nobody") == nil)
        },
        StoreCheck(name: "saved events read back exactly, every field") { env in
            let store = try await env.makeStore(namespace: "contract", sink: nil)
            var first = Event(
                eventType: "OrderPlaced",
                actorID: "order-1",
                commandID: "cmd-1",
                version: 1,
                data: ["total": 99.99, "count": 3, "items": [["sku": "A", "qty": 1]], "note": nil],
                timestamp: Timestamp(seconds: 1_800_000_000, nanoseconds: 123_456_789)
            )
            first.correlationID = "corr"
            try await store.save(first)
            #expect(try await store.events(of: "order-1", from: 0) == [first])
            #expect(try await store.latestVersion(of: "order-1") == 1)
        },
        StoreCheck(name: "version 0 and negative versions are rejected, nothing written") { env in
            let store = try await env.makeStore(namespace: "contract", sink: nil)
            await expectCode(.invalidEvent) { try await store.save(event("a", 0)) }
            await expectCode(.invalidEvent) { try await store.save(event("a", -1)) }
            #expect(try await store.latestVersion(of: "a") == 0)
        },
        StoreCheck(name: "a version not above the latest is a conflict naming actor, current and attempted") { env in
            let store = try await env.makeStore(namespace: "contract", sink: nil)
            try await store.save(event("a", 5))
            for attempted: Int64 in [5, 4, 1] {
                do {
                    try await store.save(event("a", attempted, "Late", ["late": true]))
                    Issue.record("saving version \(attempted) over 5 succeeded")
                } catch let error as AetherError {
                    #expect(error.code == .versionConflict)
                    #expect(error.versionConflict?.actorID == "a")
                    #expect(error.versionConflict?.currentVersion == 5)
                    #expect(error.versionConflict?.attemptedVersion == attempted)
                }
            }
            let stored = try await store.events(of: "a", from: 0)
            #expect(stored.map(\.version) == [5])
            #expect(stored.allSatisfy { $0.eventType == "Set" })
        },
        StoreCheck(name: "gaps are allowed and reads from a version are inclusive") { env in
            let store = try await env.makeStore(namespace: "contract", sink: nil)
            for version: Int64 in [1, 3, 7, 8, 20] { try await store.save(event("g", version)) }
            #expect(try await store.latestVersion(of: "g") == 20)
            #expect(try await store.events(of: "g", from: 3).map(\.version) == [3, 7, 8, 20])
            #expect(try await store.events(of: "g", from: 4).map(\.version) == [7, 8, 20])
            #expect(try await store.events(of: "g", from: 21).isEmpty)
        },
        StoreCheck(name: "events come back in version order, in full and streamed") { env in
            let store = try await env.makeStore(namespace: "contract", sink: nil)
            for version in 1...250 {
                try await store.save(event("o", Int64(version), "Tick", ["i": .integer(Int64(version))]))
            }
            let all = try await store.events(of: "o", from: 0)
            #expect(all.map(\.version) == (1...250).map { Int64($0) })
            var streamed: [Int64] = []
            for try await item in store.eventStream(of: "o", from: 200) { streamed.append(item.version) }
            #expect(streamed == (200...250).map { Int64($0) })
            let withErrors = try await store.eventsWithErrors(of: "o", from: 1)
            #expect(withErrors.events.count == 250)
            #expect(!withErrors.hasErrors)
        },
        StoreCheck(name: "callers cannot change stored history") { env in
            let store = try await env.makeStore(namespace: "contract", sink: nil)
            var original = event("imm", 1, "Set", ["v": 1])
            try await store.save(original)
            original.data["v"] = 2
            original.eventType = "Changed"
            var read = try await store.events(of: "imm", from: 0)
            read[0].data["v"] = 3
            let again = try await store.events(of: "imm", from: 0)
            #expect(again[0].data["v"] == 1)
            #expect(again[0].eventType == "Set")
        },
        StoreCheck(name: "a multi-event save is all or nothing") { env in
            let store = try await env.makeStore(namespace: "contract", sink: nil)
            try await store.save(event("b", 2))
            // The first version conflicts: nothing of the batch is written.
            await expectCode(.versionConflict) { try await store.save([event("b", 2), event("b", 3), event("b", 4)]) }
            // Not increasing inside the batch.
            await expectCode(.invalidEvent) { try await store.save([event("b", 3), event("b", 5), event("b", 4)]) }
            // Several actors.
            await expectCode(.invalidEvent) { try await store.save([event("b", 3), event("other", 1)]) }
            // An invalid member.
            await expectCode(.invalidEventType) { try await store.save([event("b", 3), event("b", 4, "")]) }
            #expect(try await store.events(of: "b", from: 0).map(\.version) == [2])
            #expect(try await store.latestVersion(of: "other") == 0)
            try await store.save([event("b", 3), event("b", 4), event("b", 9)])
            #expect(try await store.events(of: "b", from: 0).map(\.version) == [2, 3, 4, 9])
        },
        StoreCheck(name: "EventStored follows each successful save and never a conflict") { env in
            let sink = RecordingSink()
            let store = try await env.makeStore(namespace: "contract", sink: sink)
            let one = event("n", 1)
            try await store.save(one)
            await expectCode(.versionConflict) { try await store.save(event("n", 1)) }
            try await store.save([event("n", 2), event("n", 3)])
            let notes = sink.notifications
            #expect(notes.map(\.version) == [1, 2, 3])
            #expect(notes.first?.eventID == one.id)
            #expect(notes.allSatisfy { $0.actorID == "n" && $0.namespace == "contract" })
        },
        StoreCheck(name: "invalid identifiers are rejected with a clear error and nothing is written") { env in
            let sink = RecordingSink()
            let store = try await env.makeStore(namespace: "contract", sink: sink)
            await expectCode(.invalidActorID) { try await store.save(event("", 1)) }
            await expectCode(.invalidActorID) { try await store.save(event("bad\nactor", 1)) }
            await expectCode(.invalidActorID) { try await store.save(event(String(repeating: "x", count: 257), 1)) }
            await expectCode(.invalidEventType) { try await store.save(event("ok", 1, "")) }
            await expectCode(.invalidEventType) { try await store.save(event("ok", 1, "bad\u{1B}type")) }
            await expectCode(.invalidActorID) { _ = try await store.latestVersion(of: "") }
            #expect(try await store.actors().isEmpty)
            #expect(sink.notifications.isEmpty)
            await expectCode(.invalidNamespace) { _ = try await env.makeStore(namespace: "orders.*", sink: nil) }
            await expectCode(.invalidNamespace) { _ = try await env.makeStore(namespace: "has space", sink: nil) }
            await expectCode(.invalidNamespace) { _ = try await env.makeStore(namespace: ">", sink: nil) }
        },
        StoreCheck(name: "hostile actor IDs are stored in isolation from each other") { env in
            let store = try await env.makeStore(namespace: "contract", sink: nil)
            let ids = ["a", "a.b", "a.*", "a.>", "a b", "a*", ">", "*", "ü", "a_b", "a-b", "a.b.c", "A"]
            for (index, id) in ids.enumerated() {
                try await store.save(event(id, 1, "Set", ["who": .string(id), "i": .integer(Int64(index))]))
            }
            for id in ids {
                let events = try await store.events(of: id, from: 0)
                #expect(events.count == 1, "actor \(id) sees \(events.count) events")
                #expect(events.first?.data["who"] == .string(id))
                #expect(try await store.latestVersion(of: id) == 1)
            }
            #expect(try await store.actors().map(\.actorID).sorted() == ids.sorted())
        },
        StoreCheck(
            name: "actor pages: every actor once, in token order, with its version; a cursor survives new actors"
        ) {
            env in
            let store = try await env.makeStore(namespace: "contract", sink: nil)
            let empty = try await store.actorPage(after: nil, limit: 5, matching: nil)
            #expect(empty.actors.isEmpty && empty.next == nil && empty.total == 0)
            let ids = (0..<23).map { "actor-\(String(100 + $0))" } + ["a.b", "zz"]
            for (index, id) in ids.enumerated() {
                for version in 1...Int64(1 + index % 3) { try await store.save(event(id, version)) }
            }
            var seen: [ActorVersion] = []
            var cursor: ActorCursor?
            var pages = 0
            repeat {
                let page = try await store.actorPage(after: cursor, limit: 5, matching: nil)
                #expect(page.actors.count <= 5)
                // A first page reads the index afresh; later ones may use what it read.
                if pages == 0 {
                    #expect(page.total == ids.count)
                } else {
                    #expect([ids.count, ids.count + 1].contains(page.total))
                }
                seen += page.actors
                cursor = page.next
                pages += 1
                // An actor saved between pages, sorting before the cursor, neither repeats nor
                // hides a listed one.
                if pages == 1 { try await store.save(event("actor-000", 1)) }
            } while cursor != nil && pages < 20
            #expect(pages == 5)
            let expected = ids.enumerated().map { ActorVersion(actorID: $1, version: Int64(1 + $0 % 3)) }
                .sorted { ActorToken.encode($0.actorID) < ActorToken.encode($1.actorID) }
            #expect(seen == expected)
            #expect(try await store.actorPage(after: nil, limit: 1, matching: nil).total == ids.count + 1)
            // Matching: a case-insensitive part of the ID, over the whole namespace.
            var matched: [String] = []
            cursor = nil
            repeat {
                let page = try await store.actorPage(after: cursor, limit: 2, matching: "ACTOR-11")
                matched += page.actors.map(\.actorID)
                cursor = page.next
            } while cursor != nil
            #expect(matched == (110...119).map { "actor-\($0)" })
        },
        StoreCheck(name: "a version range reads only those versions, its bad records included") { env in
            let store = try await env.makeStore(namespace: "contract", sink: nil)
            try await store.save(event("other", 1))
            for version in stride(from: Int64(1), through: 300, by: 1) {
                try await store.save(event("long", version * 2))
                if version % 7 == 0 { try await store.save(event("other", version)) }
            }
            let range = try await store.eventsWithErrors(of: "long", from: 101, through: 140)
            #expect(range.events.map(\.version) == Array(stride(from: Int64(102), through: 140, by: 2)))
            #expect(range.errors.isEmpty)
            #expect(
                try await store.eventsWithErrors(of: "long", from: 599, through: 10_000).events.map(\.version) == [600]
            )
            #expect(try await store.eventsWithErrors(of: "long", from: 601, through: 10_000).events.isEmpty)
            #expect(try await store.eventsWithErrors(of: "nobody", from: 5, through: 10).events.isEmpty)
            #expect(
                try await store.events(of: "long", from: 577).map(\.version) == [
                    578, 580, 582, 584, 586, 588, 590, 592, 594, 596, 598, 600,
                ]
            )
            var streamed: [Int64] = []
            for try await event in store.eventStream(of: "long", from: 590) { streamed.append(event.version) }
            #expect(streamed == [590, 592, 594, 596, 598, 600])
        },
        StoreCheck(name: "the state at a version replays from the nearest snapshot at or below it") { env in
            let store = try await env.makeStore(namespace: "contract", sink: nil)
            for version in Int64(1)...40 { try await store.save(event("s", version, "Set", ["n": .integer(version)])) }
            // A snapshot whose state differs from the replay shows which one was used.
            try await store.save(ActorSnapshot(actorID: "s", version: 10, state: ["n": 10, "from": "snap10"]))
            try await store.save(ActorSnapshot(actorID: "s", version: 30, state: ["n": 30, "from": "snap30"]))
            let at25 = try await store.state(of: "s", at: 25)
            #expect(at25.snapshotVersion == 10 && at25.eventsApplied == 15 && at25.version == 25)
            #expect(at25.state == ["n": 25, "from": "snap10"])
            let at5 = try await store.state(of: "s", at: 5)
            #expect(at5.snapshotVersion == nil && at5.eventsApplied == 5 && at5.state == ["n": 5])
            let at30 = try await store.state(of: "s", at: 30)
            #expect(at30.snapshotVersion == 30 && at30.eventsApplied == 0 && at30.state["from"] == "snap30")
        },
        StoreCheck(name: "namespaces are isolated, even when one name is a prefix of another") { env in
            let a = try await env.makeStore(namespace: "tenant", sink: nil)
            let b = try await env.makeStore(namespace: "tenant-b", sink: nil)
            let c = try await env.makeStore(namespace: "tenant.b", sink: nil)
            try await a.save(event("shared", 1, "A"))
            try await b.save(event("shared", 5, "B"))
            try await c.save(event("shared", 9, "C"))
            #expect(try await a.events(of: "shared", from: 0).map(\.eventType) == ["A"])
            #expect(try await b.events(of: "shared", from: 0).map(\.eventType) == ["B"])
            #expect(try await c.events(of: "shared", from: 0).map(\.eventType) == ["C"])
            #expect(try await a.latestVersion(of: "shared") == 1)
            #expect(try await a.actors() == [ActorVersion(actorID: "shared", version: 1)])
            try await a.save(ActorSnapshot(actorID: "shared", version: 1, state: ["from": "a"]))
            #expect(try await b.latestSnapshot(of: "shared") == nil)
        },
        StoreCheck(name: "snapshots: latest wins, an older one never replaces it, bad ones are rejected") { env in
            let store = try await env.makeStore(namespace: "contract", sink: nil)
            #expect(try await store.latestSnapshot(of: "s") == nil)
            let v5 = ActorSnapshot(
                actorID: "s",
                version: 5,
                state: ["n": 5, "nested": ["x": [1, 2]]],
                timestamp: Timestamp(seconds: 100)
            )
            try await store.save(v5)
            #expect(try await store.latestSnapshot(of: "s") == v5)
            let v9 = ActorSnapshot(actorID: "s", version: 9, state: ["n": 9], timestamp: Timestamp(seconds: 200))
            try await store.save(v9)
            try await store.save(
                ActorSnapshot(actorID: "s", version: 7, state: ["n": 7], timestamp: Timestamp(seconds: 300))
            )
            #expect(try await store.latestSnapshot(of: "s") == v9)
            await expectCode(.invalidEvent) {
                try await store.save(ActorSnapshot(actorID: "s", version: 0, state: [:]))
            }
            await expectCode(.invalidActorID) {
                try await store.save(ActorSnapshot(actorID: "", version: 1, state: [:]))
            }
        },
        StoreCheck(name: "the snapshot listing names actors with snapshots, events or not, in this namespace only") {
            env in
            let store = try await env.makeStore(namespace: "contract", sink: nil)
            let other = try await env.makeStore(namespace: "contract.other", sink: nil)
            #expect(try await store.snapshotListing() == SnapshotListing(actorIDs: []))
            try await store.save(event("with-events", 1))
            try await store.save(event("events-only", 1))
            try await store.save(ActorSnapshot(actorID: "with-events", version: 1, state: ["n": 1]))
            try await store.save(ActorSnapshot(actorID: "a.snapshot only", version: 3, state: ["n": 3]))
            try await store.save(ActorSnapshot(actorID: "a.snapshot only", version: 4, state: ["n": 4]))
            try await other.save(ActorSnapshot(actorID: "elsewhere", version: 1, state: [:]))
            #expect(
                try await store.snapshotListing() == SnapshotListing(actorIDs: ["a.snapshot only", "with-events"])
            )
            #expect(try await other.snapshotListing() == SnapshotListing(actorIDs: ["elsewhere"]))
        },
        StoreCheck(name: "load rebuilds state from the latest snapshot plus later events") { env in
            let store = try await env.makeStore(namespace: "contract", sink: nil)
            for version in 1...6 {
                try await store.save(event("l", Int64(version), "Set", ["n": .integer(Int64(version))]))
            }
            try await store.save(ActorSnapshot(actorID: "l", version: 4, state: ["n": 4, "snap": true]))
            let loaded = try await store.load("l")
            var expected = ReplayedState(state: ["n": 6, "snap": true], version: 6, eventsApplied: 2)
            expected.snapshotVersion = 4
            #expect(loaded == expected)
        },
        StoreCheck(name: "racing saves of the same next version: exactly one winner per version, 100 rounds") { env in
            let store = try await env.makeStore(namespace: "contract", sink: nil)
            let racers = 8
            for round in 1...100 {
                let version = Int64(round)
                let outcomes = try await withThrowingTaskGroup(of: Bool.self) { group in
                    for racer in 0..<racers {
                        group.addTask {
                            do {
                                try await store.save(event("race", version, "Racer\(racer)"))
                                return true
                            } catch let error as AetherError where error.code == .versionConflict {
                                return false
                            }
                        }
                    }
                    return try await group.reduce(into: [Bool]()) { $0.append($1) }
                }
                #expect(outcomes.filter { $0 }.count == 1, "round \(round): \(outcomes.filter { $0 }.count) winners")
            }
            let stored = try await store.events(of: "race", from: 0)
            #expect(stored.map(\.version) == (1...100).map { Int64($0) })
        },
        StoreCheck(name: "events are found by correlation id across actors, in stored order, without the others") {
            env in
            let store = try await env.makeStore(namespace: "corr", sink: nil)
            let index = try #require(store as? any CorrelationIndex, "the store keeps no correlation index")
            var placed = event("order-1", 1, "OrderPlaced")
            placed.correlationID = "req-1"
            var paid = event("payment-1", 1, "PaymentAuthorized")
            paid.correlationID = "req-1"
            paid.causationID = placed.id
            var other = event("order-2", 1, "OrderPlaced")
            other.correlationID = "req-2"
            try await store.save(placed)
            try await store.save(other)
            try await store.save(paid)
            try await store.save(event("order-1", 2, "ItemAdded"))  // no correlation id
            let read = try await index.events(correlatedWith: "req-1")
            #expect(read.events.map(\.id) == [placed.id, paid.id])
            #expect(read.problems.isEmpty)
            #expect(try await index.events(correlatedWith: "req-2").events.map(\.id) == [other.id])
            #expect(try await index.events(correlatedWith: "nobody").events.isEmpty)
            // Hostile ids are tokens, never subjects: no wildcard, no dot crosses into another.
            var hostile = event("order-3", 1)
            hostile.correlationID = "req.>*"
            try await store.save(hostile)
            #expect(try await index.events(correlatedWith: "req.>*").events.map(\.id) == [hostile.id])
            #expect(try await index.events(correlatedWith: "req").events.isEmpty)
            await expectCode(.invalidArgument) { _ = try await index.events(correlatedWith: "") }
            // The actor's history and version are the events' only.
            #expect(try await store.latestVersion(of: "order-1") == 2)
            #expect(try await store.events(of: "order-1", from: 0).map(\.version) == [1, 2])
        },
        StoreCheck(name: "a batch is indexed all or nothing: a refused batch leaves no index entry") { env in
            let store = try await env.makeStore(namespace: "corr-batch", sink: nil)
            let index = try #require(store as? any CorrelationIndex)
            try await store.save(event("a-1", 1))
            var first = event("a-1", 2)
            first.correlationID = "req-9"
            var second = event("a-1", 3)
            second.correlationID = "req-9"
            try await store.save([first, second])
            #expect(try await index.events(correlatedWith: "req-9").events.map(\.version) == [2, 3])
            var late = event("a-1", 3)  // v3 is taken: the whole batch is refused
            late.correlationID = "req-10"
            var later = event("a-1", 4)
            later.correlationID = "req-10"
            await expectCode(.versionConflict) { try await store.save([late, later]) }
            #expect(try await index.events(correlatedWith: "req-10").events.isEmpty)
            // The next save still expects the actor's real last event (not its index record).
            var next = event("a-1", 4)
            next.correlationID = "req-9"
            try await store.save(next)
            #expect(try await store.latestVersion(of: "a-1") == 4)
            #expect(try await index.events(correlatedWith: "req-9").events.map(\.version) == [2, 3, 4])
        },
    ]
}
