import Aether
import Testing

@testable import AetherTUI

@Suite("Golden frames of every view (80×24, fixed states)")
struct GoldenViewTests {
    @Test("Streams: namespaces with rates and the live tail")
    func streams() {
        Fixture.expectFrame(Fixture.dashboard(), "streams", Golden.streams)
    }

    @Test("Streams paused: the view is frozen and counts arrivals")
    func paused() {
        var model = Fixture.dashboard()
        _ = model.apply(.key(.character(" ")))
        _ = model.apply(
            .events(
                [
                    DeliveredEvent(
                        namespace: "orders",
                        event: Fixture.event("OrderDelivered", "order-1001", 6, [:], at: 9)
                    )
                ],
                at: Fixture.at(9)
            )
        )
        Fixture.expectFrame(model, "paused", Golden.paused)
    }

    @Test("Actors: the namespace's actors")
    func actors() {
        var model = Fixture.dashboard()
        _ = model.apply(.key(.character("2")))
        Fixture.expectFrame(model, "actors", Golden.actors)
    }

    @Test("Actor detail: history with a snapshot mark, replayed state and its diff")
    func actorDetail() {
        var model = Fixture.dashboard()
        _ = model.apply(
            .history(
                namespace: "orders",
                actorID: "order-1001",
                events: Fixture.orderHistory,
                snapshots: [
                    ActorSnapshot(
                        actorID: "order-1001",
                        version: 2,
                        state: ["customer": "acme", "status": "placed"],
                        timestamp: Fixture.at(2)
                    )
                ],
                reducer: DemoDomain.reducer(for: "orders")
            )
        )
        _ = model.apply(.key(.down))  // back to v4
        Fixture.expectFrame(model, "actor-detail", Golden.actorDetail)
    }

    @Test("Cluster: members, leader and lease, the shard map with a handoff, the timeline")
    func cluster() {
        var model = Fixture.dashboard()
        _ = model.apply(.key(.character("3")))
        Fixture.expectFrame(model, "cluster", Golden.cluster)
    }

    @Test("Bus: counters per namespace and the store's figures")
    func bus() {
        var model = Fixture.dashboard()
        _ = model.apply(.key(.character("4")))
        Fixture.expectFrame(model, "bus", Golden.bus)
    }

    @Test("Help overlay generated from the key map")
    func help() {
        var model = Fixture.dashboard(height: 34)
        _ = model.apply(.key(.character("?")))
        Fixture.expectFrame(model, "help", Golden.help)
    }

    @Test("Append form: bad JSON is pointed at as you type")
    func appendForm() {
        var model = Fixture.dashboard()
        _ = model.apply(.key(.character("a")))
        for _ in 0..<4 { _ = model.apply(.key(.tab)) }
        _ = model.apply(.key(.backspace))
        for character in #""note": x}"# { _ = model.apply(.key(.character(character))) }
        Fixture.expectFrame(model, "append-form", Golden.appendForm)
    }

    @Test("ASCII line drawing and a read-only status line")
    func asciiReadOnly() {
        var model = Fixture.dashboard(readOnly: true)
        _ = model.apply(.key(.character("4")))
        let text = Renderer.render(model, glyphs: .ascii).text
        #expect(text.allSatisfy { $0.isASCII })
        #expect(text.split(separator: "\n").last?.hasSuffix("embedded demo | READ-ONLY") == true)
        // The leader's mark has an ASCII stand-in, not an escape.
        #expect(text.split(separator: "\n").first?.contains("*alpha t42") == true, "\(text.split(separator: "\n")[0])")
        #expect(!text.contains("\\u{2605}"))
    }

    @Test("200×60 uses the room: wider columns, longer sparklines, every member and shard")
    func large() {
        var model = Fixture.dashboard(width: 200, height: 60)
        let streams = Renderer.render(model).text
        #expect(streams.contains("LAST 1"))
        _ = model.apply(.key(.character("3")))
        let cluster = Renderer.render(model).text
        #expect(cluster.contains("1 cell = 1 shard"))
        #expect(cluster.contains("Leader timeline"))
    }
}
