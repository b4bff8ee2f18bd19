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

    @Test("an actor's history: each bad record between the events it lies between; the title and the state warn")
    func history() {
        var model = Fixture.dashboard()
        _ = model.apply(
            .history(
                namespace: "orders",
                actorID: "order-1001",
                events: Fixture.orderHistory,
                snapshots: [],
                reducer: DemoDomain.reducer(for: "orders"),
                errors: Self.errors
            )
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
            .history(
                namespace: "orders",
                actorID: "order-1001",
                events: Fixture.orderHistory,
                snapshots: [],
                reducer: DemoDomain.reducer(for: "orders"),
                errors: Self.errors
            )
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
}
