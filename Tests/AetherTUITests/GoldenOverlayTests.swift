import Aether
import Testing

@testable import AetherTUI

/// Golden frames of the inspector, every page of the help, the command line and the production
/// banner, at 80×24 and at 120×40.
@Suite("Golden frames of the overlays (80×24 and 120×40)")
struct GoldenOverlayTests {
    static let sizes = [(80, 24, ""), (120, 40, "-large")]

    static func withRichEvent(width: Int, height: Int) -> Dashboard {
        var settings = DashboardSettings()
        settings.utcOffset = 3600
        var model = Dashboard(copying: Fixture.dashboard(width: width, height: height), settings: settings)
        _ = model.apply(.events([DeliveredEvent(namespace: "orders", event: InspectorTests.rich)], at: Fixture.at(5)))
        return model
    }

    static let record = StoredRecord(
        stream: "orders_events",
        subject: "aether.orders.events.b3JkZXItMTAwMQ",
        sequence: 812,
        payloadBytes: 402,
        headers: [
            .init(name: "Nats-Msg-Id", value: InspectorTests.rich.id), .init(name: "Aether-Version", value: "5"),
        ],
        storedAt: "2026-11-18T11:06:44.2Z"
    )

    @Test("the inspector on an event: fields, metadata, data and the stored message")
    func inspectorEvent() {
        for (width, height, suffix) in Self.sizes {
            var model = Self.withRichEvent(width: width, height: height)
            _ = model.apply(.key(.enter))
            _ = model.apply(.stored(namespace: "orders", actorID: "order-1001", version: 5, .found(Self.record)))
            Fixture.expectFrame(
                model,
                "inspector-event\(suffix)",
                suffix.isEmpty ? Golden.inspectorEvent : Golden.inspectorEventLarge
            )
            if suffix.isEmpty {
                _ = model.apply(.key(.end))
                Fixture.expectFrame(model, "inspector-event-end", Golden.inspectorEventEnd)
            }
        }
    }

    @Test("the inspector on a snapshot: its state, version, time and check, Tab from the event at its version")
    func inspectorSnapshot() {
        for (width, height, suffix) in Self.sizes {
            var model = Self.withRichEvent(width: width, height: height)
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
            for _ in 0..<3 { _ = model.apply(.key(.down)) }  // v2, the snapshot's version
            #expect(model.apply(.key(.enter)) == [.readStored(namespace: "orders", actorID: "order-1001", version: 2)])
            _ = model.apply(.key(.tab))
            guard case .inspector(let inspector) = model.overlay, case .snapshot = inspector.subject else {
                Issue.record("Tab did not show the snapshot")
                return
            }
            Fixture.expectFrame(
                model,
                "inspector-snapshot\(suffix)",
                suffix.isEmpty ? Golden.inspectorSnapshot : Golden.inspectorSnapshotLarge
            )
        }
    }

    @Test("every page of the help at 80×24, and the one page at 120×40")
    func helpPages() {
        var model = Fixture.dashboard(width: 80, height: 24)
        _ = model.apply(.key(.character("?")))
        let layout = model.helpLayout
        let pages = (layout.maxOffset + layout.rows - 1) / layout.rows + 1
        #expect(pages == 2)
        Fixture.expectFrame(model, "help-page-1", Golden.helpPage1)
        _ = model.apply(.key(.pageDown))
        Fixture.expectFrame(model, "help-page-2", Golden.helpPage2)
        var large = Fixture.dashboard(width: 120, height: 40)
        _ = large.apply(.key(.character("?")))
        #expect(large.helpLayout.maxOffset == 0)
        Fixture.expectFrame(large, "help-large", Golden.helpLarge)
    }

    @Test("the command line with completions, and with an error")
    func commandLine() {
        for (width, height, suffix) in Self.sizes {
            var model = Fixture.dashboard(width: width, height: height)
            _ = model.apply(.key(.character(":")))
            _ = model.apply(.key(.character("a")))
            _ = model.apply(.key(.tab))
            Fixture.expectFrame(
                model,
                "command-completion\(suffix)",
                suffix.isEmpty ? Golden.commandCompletion : Golden.commandCompletionLarge
            )
            for _ in 0..<5 { _ = model.apply(.key(.backspace)) }
            for character in "ns nowhere" { _ = model.apply(.key(.character(character))) }
            _ = model.apply(.key(.enter))
            Fixture.expectFrame(
                model,
                "command-error\(suffix)",
                suffix.isEmpty ? Golden.commandError : Golden.commandErrorLarge
            )
        }
    }

    @Test("a production context: the banner, and the typed confirmation")
    func production() {
        for (width, height, suffix) in Self.sizes {
            var settings = DashboardSettings()
            settings.production = true
            settings.contextLabel = "PROD EU"
            settings.labelColor = .red
            var model = Dashboard(copying: Fixture.dashboard(width: width, height: height), settings: settings)
            Fixture.expectFrame(
                model,
                "production\(suffix)",
                suffix.isEmpty ? Golden.production : Golden.productionLarge
            )
            _ = model.apply(.key(.character("2")))
            _ = model.apply(.key(.character("s")))
            for character in "inv" { _ = model.apply(.key(.character(character))) }
            Fixture.expectFrame(
                model,
                "production-confirm\(suffix)",
                suffix.isEmpty ? Golden.productionConfirm : Golden.productionConfirmLarge
            )
        }
    }
}
