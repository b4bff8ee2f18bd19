import Aether
import Testing

@testable import AetherTUI

@Suite("Bad records on screen: shown where they lie, counted, never hidden")
struct BadRecordsViewTests {
    static let errors = [
        ReplayError(
            sequence: 3,
            rawData: Array("not json at all".utf8),
            cause: AetherError(code: .invalidEvent, message: "not JSON: unexpected 'n' at column 1"),
            afterVersion: 2
        ),
        ReplayError(
            sequence: 6,
            rawData: Array(#"{"id":"e3","eventType":"ItemAdded","actorId":"order-1001","version":3}"#.utf8),
            cause: AetherError(
                code: .invalidEvent,
                message: #"event "e3" has version 3 after version 4; versions must rise"#
            ),
            afterVersion: 4
        ),
    ]

    /// `order-1001`'s history in orders, with these events and bad records.
    static func history(events: [Event] = Fixture.orderHistory, errors: [ReplayError] = errors) -> Dashboard.Input {
        .history(
            namespace: "orders",
            actorID: "order-1001",
            events: events,
            snapshots: [],
            reducer: DemoDomain.reducer(for: "orders"),
            errors: errors
        )
    }

    @Test("an actor's history: each bad record between the events it lies between; the title and the state warn")
    func history() {
        var model = Fixture.dashboard()
        _ = model.apply(
            Self.history()
        )
        Fixture.expectFrame(model, "bad-history", Golden.badHistory)
        #expect(model.badRecords["orders/order-1001"] == 2)
        #expect(
            model.detail?.historyRows
                == [
                    .event(index: 4), .bad(index: 1), .event(index: 3), .event(index: 2), .bad(index: 0),
                    .event(index: 1),
                    .event(index: 0),
                ]
        )
    }

    @Test("the Actors list: undecodable subjects are listed and counted, an actor with bad records is marked")
    func list() {
        var model = Fixture.dashboard()
        _ = model.apply(.key(.character("2")))
        _ = model.apply(.key(.character("]")))
        _ = model.apply(
            Self.history()
        )
        _ = model.apply(.key(.escape))
        _ = model.apply(
            .actors(
                namespace: "orders",
                [ActorVersion(actorID: "order-1001", version: 5), ActorVersion(actorID: "order-1002", version: 1)],
                undecodable: [
                    UndecodableSubject(
                        token: "~ZZbad~",
                        subject: "aether.store.orders_events.e.~ZZbad~",
                        records: 1,
                        reason: "its actor token does not decode"
                    )
                ]
            )
        )
        Fixture.expectFrame(model, "bad-actors", Golden.badActors)
    }

    @Test("the cursor stands on bad records too; Enter shows one whole, bytes and stored message; it stays put")
    func inspectBadRecord() throws {
        var model = Fixture.dashboard()
        let history = Self.history()
        _ = model.apply(history)
        // Newest first: v5, the bad record after v4, v4.
        _ = model.apply(.key(.down))
        #expect(model.detail?.cursorRow == .bad(index: 1))
        #expect(model.detail?.selectedEvent?.version == 4, "the state shown is the one the record follows")
        let frame = Renderer.render(model).text
        let row = try #require(frame.split(separator: "\n").first { $0.contains("seq 6") })
        #expect(row.contains("▶⚠ seq 6"), "the pointer marks the bad row: \(row)")
        #expect(!frame.contains("▶   v4"), "and only it")

        let effects = model.apply(.key(.enter))
        #expect(effects == [.readStoredSequence(namespace: "orders", sequence: 6)])
        guard case .inspector(let inspector)? = model.overlay, case .record(let record) = inspector.subject else {
            Issue.record("Enter on a bad record opens it in the inspector")
            return
        }
        #expect(record.sequence == 6 && record.afterVersion == 4)
        let lines = inspector.lines(utcOffset: 0)
        #expect(lines.first?.kind == .bad && lines.first?.text.contains("versions must rise") == true)
        #expect(lines.contains { $0.text.hasPrefix("00000000: 7b22 6964 223a") }, "a hex dump of the bytes")
        #expect(lines.contains { $0.text == "reading…" })
        _ = model.apply(
            .storedAtSequence(
                namespace: "orders",
                sequence: 6,
                .found(
                    StoredRecord(
                        stream: "orders_events",
                        subject: "aether.store.orders_events.e.order-1001",
                        sequence: 6,
                        payloadBytes: record.rawData.count,
                        headers: [.init(name: "Aether-Version", value: "50")],
                        storedAt: nil
                    )
                )
            )
        )
        guard case .inspector(let filled)? = model.overlay else { return }
        #expect(filled.lines(utcOffset: 0).contains { $0.text == "Aether-Version: 50" })
        // The export has the payload whole.
        let line = filled.exportLine
        #expect(line.contains(#""payloadBase64":""#) && line.contains(#""sequence":6"#))

        _ = model.apply(.key(.escape))
        #expect(model.overlay == nil && model.detail?.cursorRow == .bad(index: 1))
        // A reload of the history keeps the cursor on the same record.
        _ = model.apply(history)
        #expect(model.detail?.cursorRow == .bad(index: 1))
        // Down again: the event below it.
        _ = model.apply(.key(.down))
        #expect(model.detail?.cursorRow == .event(index: 3))
        // The bottom row is the record that follows v2 (above v2's row); the oldest event is last.
        for _ in 0..<10 { _ = model.apply(.key(.down)) }
        #expect(model.detail?.cursorRow == .event(index: 0))
        _ = model.apply(.key(.up))
        _ = model.apply(.key(.up))
        #expect(model.detail?.cursorRow == .bad(index: 0))
        #expect(model.detail?.selectedEvent?.version == 2)
    }

    @Test("bad records at the bottom, or an actor with no event at all: the cursor reaches every row")
    func badRowsAtTheEdges() {
        var model = Fixture.dashboard()
        // Only bad records: down from the start reaches the first row, not the second.
        _ = model.apply(
            Self.history(events: [])
        )
        _ = model.apply(.key(.down))
        #expect(model.detail?.cursorRow == model.detail?.historyRows.first)
        _ = model.apply(.key(.down))
        #expect(model.detail?.cursorRow == model.detail?.historyRows.last)

        // A record that follows no event read lies below the oldest: the state shown there is
        // the oldest event's, not the one the cursor came from.
        var orphan = Self.errors[0]
        orphan.afterVersion = 0
        _ = model.apply(
            Self.history(errors: [orphan])
        )
        _ = model.apply(.key(.end))
        #expect(model.detail?.cursorRow == .bad(index: 0))
        #expect(model.detail?.selected == 0)
    }

    @Test("a hex dump line is xxd's")
    func hexLine() {
        #expect(
            Inspector.hexLine(Array("{ga\u{01}\u{FF}".utf8), at: 32)
                == "00000020: 7b67 6101 c3bf                           {ga..."
        )
    }
}
