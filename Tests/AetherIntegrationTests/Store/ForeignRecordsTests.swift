import Aether
import AetherNATS
import AetherTestSupport
import Crypto
import NIOCore
import Testing

/// A stream written by another client (plain JetStream publishes that follow
/// `docs/WIRE-FORMAT.md`, some of them wrongly): nothing in it is hidden from the reader.
@Suite("Records written by others: every bad one reported", .enabled(if: Live.serverPresent, Live.skipReason))
struct ForeignRecordsTests {
    static let namespace = "foreign"
    static let stream = "foreign_events"
    static let base = "aether.store.foreign_events."

    static func eventJSON(_ actor: String, _ version: Int64, id: String) -> String {
        #"{"id":"\#(id)","eventType":"Set","actorId":"\#(actor)","version":\#(version),"data":{"v":\#(version)},"timestamp":"2026-01-01T00:00:00Z"}"#
    }

    /// The `Aether-Checksum` digits of a payload: SHA-256, lower-case hex.
    static func checksum(_ payload: [UInt8]) -> String {
        SHA256.hash(data: payload).map { byte in
            let digits = String(byte, radix: 16)
            return digits.count == 1 ? "0" + digits : digits
        }.joined()
    }

    /// Creates the stream and writes a history with bad records, as another writer could.
    static func writeForeignStream(_ client: NATSClient) async throws {
        let js = JetStream(client: client)
        var config = StreamConfig(name: stream, subjects: [base + ">"])
        config.storage = .file
        config.allowDirect = true
        config.allowAtomic = true
        config.description = JetStreamEventStore.namespaceMetadataPrefix + namespace
        try await js.createStream(config)
        let actor = base + "e.a-1"
        for record in [
            eventJSON("a-1", 1, id: "e1"), eventJSON("a-1", 2, id: "e2"), "not json at all",
            eventJSON("a-1", 4, id: "e4"), eventJSON("a-1", 3, id: "e3-backwards"),
            eventJSON("other", 5, id: "e5-other-actor"), eventJSON("a-1", 6, id: "e6"),
        ] {
            _ = try await js.publish(Array(record.utf8), to: actor)
        }
        _ = try await js.publish(Array(eventJSON("x", 1, id: "bad-token").utf8), to: base + "e.~ZZbad~")
        _ = try await js.publish(Array(eventJSON("y", 1, id: "cut-token").utf8), to: base + "e.~4")
        // `~61` decodes to `a`, but `a`'s subject is `e.a`: not a token the layout makes.
        _ = try await js.publish(Array(eventJSON("a", 1, id: "non-canonical").utf8), to: base + "e.~61")
        // A version header that disagrees with the payload.
        _ = try await js.publish(Array(eventJSON("h-1", 1, id: "h1").utf8), to: base + "e.h-1")
        var lying = PublishOptions()
        lying.extraHeaders = ["Aether-Version": "9"]
        _ = try await js.publish(Array(eventJSON("h-1", 5, id: "h5").utf8), to: base + "e.h-1", options: lying)
        // A record outside the event and snapshot layout.
        _ = try await js.publish(Array("stray".utf8), to: base + "x.stray")
        // Two snapshots: one with the right checksum, one whose bytes were changed after.
        let good = Array(#"{"actorId":"a-1","version":2,"state":{"v":2},"timestamp":"2026-01-01T00:00:00Z"}"#.utf8)
        let checksum = Self.checksum(good)
        var options = PublishOptions()
        options.extraHeaders = ["Aether-Checksum": "sha256=\(checksum)", "Aether-Version": "2"]
        _ = try await js.publish(good, to: base + "s.a-1", options: options)
        var tampered = good
        tampered[tampered.count - 5] = UInt8(ascii: "1")
        options.extraHeaders = ["Aether-Checksum": "sha256=\(checksum)", "Aether-Version": "4"]
        _ = try await js.publish(tampered, to: base + "s.a-1", options: options)
    }

    @Test(
        "a history with a non-JSON record, a version going back, another actor's event and a lying version header: each is an error where it lies, none is replayed"
    )
    func history() async throws {
        try await Live.withClient { client, _ in
            try await Self.writeForeignStream(client)
            let store = try await JetStreamEventStore.open(
                client: client,
                configuration: .init(namespace: Self.namespace)
            )
            let read = try await store.eventsWithErrors(of: "a-1", from: 0)
            #expect(read.events.map(\.id) == ["e1", "e2", "e4", "e6"])
            #expect(read.errors.map(\.sequence) == [3, 5, 6])
            #expect(read.errors.map(\.afterVersion) == [2, 4, 4])
            #expect(read.errors[0].rawData == Array("not json at all".utf8))
            #expect(read.errors[1].cause.message.contains("version 3 after version 4"))
            #expect(read.errors[2].cause.message.contains(#"names actor "other""#))
            #expect(try await store.events(of: "a-1").map(\.version) == [1, 2, 4, 6])
            // Reading from a later version keeps the errors after it, and their positions.
            #expect(try await store.eventsWithErrors(of: "a-1", from: 5).errors.map(\.sequence) == [5, 6])

            let snapshots = try await store.snapshotsWithErrors(of: "a-1")
            #expect(snapshots.snapshots.map(\.version) == [2])
            #expect(snapshots.errors.count == 1)
            #expect(snapshots.errors.first?.cause.message.contains("checksum") == true)
            #expect(snapshots.errors.first?.afterVersion == 4)

            let lied = try await store.eventsWithErrors(of: "h-1", from: 0)
            #expect(lied.events.map(\.id) == ["h1"])
            #expect(lied.errors.first?.cause.message.contains("header says version 9, its payload 5") == true)
        }
    }

    @Test(
        "a read from a version is not misled past events in range by a record whose version goes back (the start's search trusts rising versions)"
    )
    func readFromVersionPastARecordGoingBack() async throws {
        try await Live.withClient { client, _ in
            // A stream of its own, v1…v20 with a stray v3 right after v10, as another writer
            // could leave it.
            let js = JetStream(client: client)
            try await PlainRecords.createStreams(js, ["back"])
            let subject = "aether.store.back_events.e.vb"
            for version in Int64(1)...20 {
                _ = try await js.publish(Array(Self.eventJSON("vb", version, id: "vb-\(version)").utf8), to: subject)
                if version == 10 {
                    _ = try await js.publish(Array(Self.eventJSON("vb", 3, id: "vb-stray").utf8), to: subject)
                }
            }
            let store = try await JetStreamEventStore.open(
                client: client,
                configuration: .init(namespace: "back")
            )
            for (from, through) in [(Int64(5), Int64(15)), (11, 15), (8, 9), (2, 20)] {
                let read = try await store.eventsWithErrors(of: "vb", from: from, through: through)
                #expect(read.events.map(\.version) == Array(from...through), "from \(from) through \(through)")
                // The stray record lies after v10: reported when the read passes it.
                #expect(read.errors.map(\.afterVersion) == (through >= 11 ? [10] : []), "from \(from)")
            }
            var streamed: [Int64] = []
            for try await event in store.eventStream(of: "vb", from: 5) { streamed.append(event.version) }
            #expect(streamed == Array(5...20))
        }
    }

    @Test(
        "subjects whose actor token does not decode are listed as such; figures count events, snapshots and them apart"
    )
    func listingAndFigures() async throws {
        try await Live.withClient { client, _ in
            try await Self.writeForeignStream(client)
            let store = try await JetStreamEventStore.open(
                client: client,
                configuration: .init(namespace: Self.namespace)
            )
            let listing = try await store.actorListing()
            #expect(listing.actors.map(\.actorID) == ["a-1", "h-1"])
            #expect(listing.actors.first == ActorVersion(actorID: "a-1", version: 6))
            #expect(listing.undecodable.map(\.token) == ["~4", "~61", "~ZZbad~"])
            #expect(listing.undecodable.allSatisfy { $0.records == 1 && $0.reason.contains("does not decode") })
            #expect(try await store.actors() == listing.actors)

            let figures = try await store.figures()
            #expect(figures.actors == 2)
            #expect(figures.events == 9)
            #expect(figures.snapshots == 2)
            #expect(figures.undecodableSubjects == 3)
            #expect(figures.undecodableRecords == 3)
            #expect(figures.otherRecords == 1)
            #expect(figures.recordsOutsideActors == 4)
            #expect(figures.stream == Self.stream)
        }
    }

    @Test(
        "a first page after another client purged an actor, or added one, shows it; unchanged, the same page again"
    )
    func firstPageAfterOthersWrote() async throws {
        try await Live.withClient { client, _ in
            try await Self.writeForeignStream(client)
            let store = try await JetStreamEventStore.open(
                client: client,
                configuration: .init(namespace: Self.namespace)
            )
            let first = try await store.actorPage(after: nil, limit: 10, matching: nil)
            #expect(first.actors.map(\.actorID) == ["a-1", "h-1"])
            #expect(try await store.actorPage(after: nil, limit: 10, matching: nil) == first)
            // Removed by another client: the stream's last sequence stays, its message count drops.
            let js = JetStream(client: client)
            try await js.purgeStream(Self.stream, subject: "aether.store.\(Self.stream).e.h-1")
            let afterPurge = try await store.actorPage(after: nil, limit: 10, matching: nil)
            #expect(afterPurge.actors.map(\.actorID) == ["a-1"])
            #expect(afterPurge.total == first.total - 1)
            // Added by another client.
            _ = try await js.publish(
                Array(Self.eventJSON("b-1", 1, id: "b-1-1").utf8),
                to: "aether.store.\(Self.stream).e.b-1"
            )
            let afterAdd = try await store.actorPage(after: nil, limit: 10, matching: nil)
            #expect(afterAdd.actors.map(\.actorID) == ["a-1", "b-1"])
        }
    }

    @Test(
        "the inspector's stored message: found by version among bad records, with its stream, subject, sequence, size and headers; none for a version no record states"
    )
    func storedRecord() async throws {
        try await Live.withClient { client, _ in
            try await Self.writeForeignStream(client)
            let store = try await JetStreamEventStore.open(
                client: client,
                configuration: .init(namespace: Self.namespace)
            )
            // v4 is stored after a record that does not decode, and before one going back.
            let four = try #require(try await store.storedRecord(of: "a-1", version: 4))
            #expect(four.stream == Self.stream)
            #expect(four.subject == Self.base + "e.a-1")
            #expect(four.sequence == 4)
            #expect(four.payloadBytes == Self.eventJSON("a-1", 4, id: "e4").utf8.count)
            #expect(four.storedAt?.hasPrefix("20") == true)
            #expect(
                !four.headers.contains { $0.name == "Nats-Stream" || $0.name == "Nats-Sequence" },
                "a direct get's own headers are not the stored message's: \(four.headers)"
            )
            let six = try #require(try await store.storedRecord(of: "a-1", version: 6))
            #expect(six.sequence == 7)
            let first = try #require(try await store.storedRecord(of: "h-1", version: 1))
            #expect(first.headers.allSatisfy { $0.name != "Aether-Version" }, "the plain writer set no header")
            // A version header that lies (9 on the payload's v5) names no event at v9.
            #expect(try await store.storedRecord(of: "h-1", version: 9) == nil)
            #expect(try await store.storedRecord(of: "a-1", version: 5) == nil, "v5 is another actor's event")
            #expect(try await store.storedRecord(of: "nobody", version: 1) == nil)
        }
    }

    @Test(
        "another writer's snapshots whose version is 0, or whose Aether-Version header disagrees with the payload, are reported and never used"
    )
    func lyingSnapshots() async throws {
        try await Live.withClient { client, _ in
            let js = JetStream(client: client)
            try await PlainRecords.createStreams(js, ["liars"])
            let base = "aether.store.liars_events."
            _ = try await js.publish(PlainRecords.eventJSON("a-1", 1), to: base + "e.a-1")
            _ = try await js.publish(PlainRecords.eventJSON("a-1", 2), to: base + "e.a-1")
            func publishSnapshot(version: Int64, header: String) async throws -> UInt64 {
                let payload = Array(
                    #"{"actorId":"a-1","version":\#(version),"state":{"v":\#(version)},"timestamp":"2026-01-01T00:00:00Z"}"#
                        .utf8
                )
                let checksum = Self.checksum(payload)
                var options = PublishOptions()
                options.extraHeaders = ["Aether-Checksum": "sha256=\(checksum)", "Aether-Version": header]
                return try await js.publish(payload, to: base + "s.a-1", options: options).sequence
            }
            let good = try await publishSnapshot(version: 1, header: "1")
            let zero = try await publishSnapshot(version: 0, header: "0")
            let lying = try await publishSnapshot(version: 2, header: "7")
            let store = try await JetStreamEventStore.open(client: client, configuration: .init(namespace: "liars"))
            let read = try await store.snapshotsWithErrors(of: "a-1")
            #expect(read.snapshots.map(\.version) == [1], "only the honest one is used")
            #expect(read.errors.map(\.sequence) == [zero, lying])
            #expect(read.errors.first?.cause.message.contains("its version is 0; a snapshot's must be above 0") == true)
            #expect(
                read.errors.last?.cause.message.contains(#"its Aether-Version header says "7", its payload v2"#)
                    == true,
                "\(read.errors.last?.cause.message ?? "")"
            )
            #expect(try await store.latestSnapshot(of: "a-1")?.version == 1)
            #expect(good < zero)
            let state = try await store.load(
                "a-1",
                using: Reducer { state, event in
                    var next = state
                    next["v"] = .integer(event.version)
                    return next
                }
            )
            #expect(
                state.version == 2 && state.state["v"] == .integer(2),
                "replayed from v1's snapshot, not the lying v2"
            )
        }
    }
}
