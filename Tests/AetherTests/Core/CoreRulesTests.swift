import Foundation
import Testing

@testable import Aether

@Suite("Identifiers, version rules, metadata, reducers")
struct CoreRulesTests {
    @Test(
        "valid namespaces",
        arguments: [
            "orders", "tenant-abc", "prod.orders.eu", "a_b", "X1", "__internal__x", "x.__internal__", "a.b-c.d_e",
        ]
    )
    func validNamespaces(namespace: String) throws {
        try Identifiers.validateNamespace(namespace)
    }

    @Test(
        "hostile namespaces are rejected with a message naming them",
        arguments: [
            "", "a..b", ".a", "a.", "a b", "orders.*", "orders.>", "*", ">", "a/b", "ü", "a\u{0}b", "__internal__",
            "__internal__.x", String(repeating: "a", count: 256),
        ]
    )
    func invalidNamespaces(namespace: String) {
        #expect {
            try Identifiers.validateNamespace(namespace)
        } throws: { error in
            guard let error = error as? AetherError else { return false }
            return error.code == .invalidNamespace && error.message.contains("namespace")
        }
    }

    @Test(
        "a rejected namespace's error says exactly what is wrong",
        arguments: [
            ("", "namespace is empty"),
            ("a..b", "namespace \"a..b\" has an empty token"),
            (
                "orders.*",
                "namespace \"orders.*\" has wildcard token '*'; wildcards are allowed only in subscription patterns"
            ),
            (
                "__internal__.x",
                "namespace \"__internal__.x\" is reserved: its first token __internal__ belongs to Aether"
            ),
        ]
    )
    func namespaceErrors(namespace: String, message: String) {
        #expect {
            try Identifiers.validateNamespace(namespace)
        } throws: { error in
            (error as? AetherError)?.message == message
        }
    }

    @Test("a namespace may have 255 bytes, not 256; a plain namespace is a valid pattern")
    func namespaceLength() throws {
        try Identifiers.validateNamespace(String(repeating: "a", count: 255))
        #expect(throws: AetherError.self) { try Identifiers.validateNamespace(String(repeating: "a", count: 256)) }
        try Identifiers.validateNamespacePattern("prod.orders-eu.a_1")
        #expect(throws: AetherError.self) { try Identifiers.validateNamespacePattern("prod..orders") }
    }

    @Test(
        "patterns allow * anywhere and > only last",
        arguments: [
            ("orders.*", true), ("*.eu", true), (">", true), ("a.>", true), ("a.>.b", false), ("a..*", false),
            ("a *", false),
        ]
    )
    func patterns(pattern: String, valid: Bool) {
        #expect(((try? Identifiers.validateNamespacePattern(pattern)) != nil) == valid)
    }

    @Test(
        "actor IDs: anything printable up to 256 bytes",
        arguments: [
            ("order-1", true), ("a.b c*>", true), ("ü😀", true), ("", false), ("a\nb", false), ("a\u{7F}", false),
            (String(repeating: "x", count: 256), true), (String(repeating: "x", count: 257), false),
        ]
    )
    func actorIDs(actorID: String, valid: Bool) {
        #expect(((try? Identifiers.validateActorID(actorID)) != nil) == valid)
    }

    @Test(
        "event types must be non-empty and printable",
        arguments: [("OrderPlaced", true), ("order.placed v2", true), ("", false), ("a\tb", false)]
    )
    func eventTypes(eventType: String, valid: Bool) {
        #expect(((try? Identifiers.validateEventType(eventType)) != nil) == valid)
    }

    @Test("quoted names escape control characters")
    func quoting() {
        #expect(Identifiers.quoted("a\u{1B}[2Jb\"") == #""a\u{001B}[2Jb\"""#)
    }

    @Test("version rules: strictly greater, gaps allowed, conflict names both versions")
    func versionRules() throws {
        try VersionRules.check(actorID: "a", current: 0, attempted: 1)
        try VersionRules.check(actorID: "a", current: 3, attempted: 7)
        let error = #expect(throws: AetherError.self) { try VersionRules.check(actorID: "a", current: 7, attempted: 7) }
        #expect(error?.code == .versionConflict)
        #expect(error?.versionConflict?.currentVersion == 7)
        #expect(error?.versionConflict?.attemptedVersion == 7)
        #expect(error?.message == #"version conflict: actor "a" has version 7, cannot save version 7"#)
    }

    @Test("metadata: the five keys and copying from a cause")
    func metadata() {
        var cause = Event(eventType: "A", actorID: "x", version: 1)
        cause.correlationID = "corr"
        cause.userID = "u"
        cause.traceID = "t"
        cause.spanID = "s"
        var effect = Event(eventType: "B", actorID: "y", version: 1)
        effect.copyMetadata(from: cause)
        #expect(effect.correlationID == "corr")
        #expect(effect.causationID == cause.id)
        #expect(effect.userID == "u")
        #expect(effect.traceID == "t")
        #expect(effect.spanID == "s")

        let root = Event(eventType: "A", actorID: "x", version: 1)
        var child = Event(eventType: "B", actorID: "x", version: 2)
        child.copyMetadata(from: root)
        #expect(child.correlationID == root.id)
        child.correlationID = nil
        #expect(child.metadata?["correlationId"] == nil)
    }

    @Test("merge patch: objects merge recursively, null removes, others replace")
    func mergePatch() {
        let state: JSONObject = ["a": 1, "nested": ["keep": true, "drop": 1], "list": [1, 2]]
        let patch: JSONObject = ["a": 2, "nested": ["drop": nil, "new": "x"], "list": [3], "gone": nil]
        #expect(JSONMergePatch.apply(patch, to: state) == ["a": 2, "nested": ["keep": true, "new": "x"], "list": [3]])
    }

    @Test("replay from a snapshot skips events it already holds")
    func replayFromSnapshot() {
        let events = (1...5).map {
            Event(eventType: "Set", actorID: "a", version: Int64($0), data: ["n": .integer(Int64($0))])
        }
        let snapshot = ActorSnapshot(actorID: "a", version: 3, state: ["n": 3, "fromSnapshot": true])
        let result = replay(events, from: snapshot)
        var expected = ReplayedState(state: ["n": 5, "fromSnapshot": true], version: 5, eventsApplied: 2)
        expected.snapshotVersion = 3
        #expect(result == expected)
        #expect(replay([Event]()) == ReplayedState(state: [:], version: 0, eventsApplied: 0))
    }

    @Test("EventStored travels as an event and reads back")
    func eventStoredRoundTrip() throws {
        let stored = EventStored(
            eventID: "e1",
            actorID: "a.b",
            namespace: "orders",
            version: 4,
            timestamp: Timestamp(seconds: 10)
        )
        let event = stored.asEvent()
        #expect(event.eventType == EventStored.eventType)
        #expect(EventStored(event: event) == stored)
        #expect(EventStored.busNamespace(for: "orders") == "__internal__.orders")
    }

    @Test("event ids: version 4 UUIDs in lowercase, as Foundation would print them, never repeated")
    func eventIDs() throws {
        var seen = Set<String>()
        for _ in 0..<20_000 {
            let id = Event.makeID()
            let parsed = try #require(UUID(uuidString: id), "\(id) is not a UUID")
            #expect(parsed.uuidString.lowercased() == id)
            let bytes = parsed.uuid
            #expect(bytes.6 >> 4 == 4, "version of \(id)")
            #expect(bytes.8 >> 6 == 0b10, "variant of \(id)")
            seen.insert(id)
        }
        #expect(seen.count == 20_000)
    }
}
