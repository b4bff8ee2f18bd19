import Aether
import Foundation
import Testing

@testable import AetherTUI

/// Fixed states for golden tests: nothing depends on the clock or on randomness.
enum Fixture {
    static let t0 = Timestamp(seconds: 1_795_000_000)  // a fixed instant
    static func at(_ seconds: Int64) -> Timestamp { Timestamp(seconds: t0.seconds + seconds) }

    static func event(_ type: String, _ actor: String, _ version: Int64, _ data: JSONObject, at seconds: Int64) -> Event
    {
        Event(
            id: "e-\(actor)-\(version)",
            eventType: type,
            actorID: actor,
            version: version,
            data: data,
            timestamp: at(seconds)
        )
    }

    static let orderHistory: [Event] = [
        event("OrderPlaced", "order-1001", 1, ["customer": "acme", "items": .array([]), "total": 0.0], at: 1),
        event("ItemAdded", "order-1001", 2, ["sku": "sku-1002", "qty": 2, "price": 19.99], at: 2),
        event("ItemAdded", "order-1001", 3, ["sku": "sku-1004", "qty": 1, "price": 5.01], at: 3),
        event("OrderPaid", "order-1001", 4, ["payment": "payment-1007"], at: 4),
        event("OrderShipped", "order-1001", 5, ["carrier": "dhl", "tracking": "TRK123456"], at: 5),
    ]

    static func member(_ id: String, _ status: Cluster.MemberStatus, load: Double) -> Cluster.View.MemberView {
        Cluster.View.MemberView(
            info: Cluster.NodeInfo(id: id, host: "host-\(id)", startedAt: t0, load: load),
            status: status,
            heartbeatAge: status == .up ? .milliseconds(120) : .seconds(4)
        )
    }

    /// ``clusterView`` with no leader, every member up and stating the standard timings
    /// (heartbeat 30 s: members campaign 60 s after they start, at `t0`).
    static var startingClusterView: Cluster.View {
        var view = clusterView
        view.leader = nil
        view.term = nil
        for index in view.members.indices {
            view.members[index].status = .up
            view.members[index].info.timing = Cluster.StatedTiming(
                heartbeatEvery: .seconds(30),
                suspectAfter: .seconds(60),
                downAfter: .seconds(90)
            )
        }
        return view
    }

    static var clusterView: Cluster.View {
        var map = Cluster.ShardMap(shardCount: 64)
        map.version = 7
        map.term = 42
        map.owners = (0..<64).map { ["alpha", "bravo", "charlie"][$0 % 3] }
        map.handoffs = [5: .init(shard: 5, from: "charlie", to: "alpha", sinceVersion: 7)]
        return Cluster.View(
            nodeID: "aether-top",
            members: [
                member("alpha", .up, load: 8), member("bravo", .up, load: 7.5), member("charlie", .suspect, load: 0),
            ],
            leader: "alpha",
            term: 42,
            leaseRemaining: .milliseconds(1600),
            shardMap: map,
            acting: [],
            isLeader: false
        )
    }

    /// A dashboard with every pane filled.
    static func dashboard(width: Int = 80, height: Int = 24, readOnly: Bool = false) -> Dashboard {
        var settings = DashboardSettings()
        settings.readOnly = readOnly
        var model = Dashboard(settings: settings, label: "embedded demo")
        _ = model.apply(.resize(width: width, height: height))
        _ = model.apply(.tick(at(0)))
        _ = model.apply(.namespaces(["inventory", "orders", "payments"]))
        var delivered: [DeliveredEvent] = []
        for second in 0..<5 {
            delivered = orderHistory.prefix(second + 1).suffix(1).map { DeliveredEvent(namespace: "orders", event: $0) }
            delivered.append(
                DeliveredEvent(
                    namespace: "payments",
                    event: event(
                        "PaymentAuthorized",
                        "payment-100\(second)",
                        1,
                        ["amount": 10.5, "currency": "EUR"],
                        at: Int64(second)
                    )
                )
            )
            if second % 2 == 0 {
                delivered.append(
                    DeliveredEvent(
                        namespace: "inventory",
                        event: event("StockReceived", "sku-1001", Int64(second + 1), ["qty": 40], at: Int64(second))
                    )
                )
            }
            _ = model.apply(.events(delivered, at: at(Int64(second))))
            _ = model.apply(.tick(at(Int64(second + 1))))
        }
        _ = model.apply(.actors(namespace: "inventory", [ActorVersion(actorID: "sku-1001", version: 5)]))
        _ = model.apply(.clusterView(clusterView))
        _ = model.apply(.clusterEvent(.leaderChanged(node: "bravo", term: 40), at: at(-60)))
        _ = model.apply(.clusterEvent(.leaderChanged(node: nil, term: nil), at: at(-30)))
        _ = model.apply(.clusterEvent(.leaderChanged(node: "alpha", term: 42), at: at(-29)))
        var metrics = BusMetrics()
        var orders = NamespaceMetrics()
        orders.published = 5
        orders.delivered = 10
        var payments = NamespaceMetrics()
        payments.published = 5
        payments.delivered = 10
        payments.dropped = 3
        metrics.namespaces["orders"] = orders
        metrics.namespaces["payments"] = payments
        metrics.activeSubscriptions = [">": 1, "orders": 1]
        _ = model.apply(.busMetrics(metrics))
        _ = model.apply(
            .storeFigures([
                StoreFigures(namespace: "orders", actors: 1, events: 5, bytes: 2048, stream: "orders_events"),
                StoreFigures(namespace: "payments", actors: 5, events: 5),
            ])
        )
        return model
    }

    /// Compares a frame with its golden text; with AETHER_WRITE_GOLDEN set, writes the frame
    /// to that directory instead (to review and paste).
    static func expectFrame(
        _ model: Dashboard,
        _ name: String,
        _ golden: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let text = Renderer.render(model).text
        expectASCIIOnly(model, name, sourceLocation: sourceLocation)
        let invisible = text.unicodeScalars.filter {
            $0 != "\n"
                && ($0.value < 0x20 || (0x7F..<0xA0).contains($0.value) || $0.properties.generalCategory == .format)
        }
        #expect(invisible.isEmpty, "frame \(name) has invisible characters: \(invisible.map(\.value))")
        if let directory = ProcessInfo.processInfo.environment["AETHER_WRITE_GOLDEN"] {
            try? text.write(toFile: "\(directory)/\(name).txt", atomically: true, encoding: .utf8)
            return
        }
        #expect(text == golden, "frame \(name) differs:\n\(text)", sourceLocation: sourceLocation)
    }

    /// Every golden frame is also drawn as `--ascii` draws it: no character above 0x7F may
    /// reach the terminal, whatever the data holds.
    static func expectASCIIOnly(_ model: Dashboard, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let canvas = Renderer.render(model, glyphs: .ascii)
        var above: [UInt32] = []
        for cell in canvas.cells where cell.scalar.value > 0x7F { above.append(cell.scalar.value) }
        for y in 0..<canvas.height {
            for run in canvas.runs(ofRow: y) {
                above += run.text.utf8.filter { $0 > 0x7F }.map(UInt32.init)
            }
        }
        #expect(
            above.isEmpty,
            "--ascii frame \(name) has bytes above 0x7F: \(above.prefix(8))",
            sourceLocation: sourceLocation
        )
    }
}
