import Aether
import Testing

@testable import AetherTUI

/// Following one request: the causation tree, the trace view, the demo's chains.
@Suite("Trace: one request across namespaces")
struct TraceTests {
    static func event(
        _ type: String,
        _ actor: String,
        _ version: Int64,
        at seconds: Int64,
        cause: Event? = nil,
        causeID: String? = nil
    ) -> Event {
        var event = Fixture.event(type, actor, version, [:], at: seconds)
        event.correlationID = "req-7"
        event.causationID = cause?.id ?? causeID
        return event
    }

    static let placed = event("OrderPlaced", "order-1", 1, at: 1)
    static let added = event("ItemAdded", "order-1", 2, at: 2, cause: placed)
    static let reserved = event("StockReserved", "sku-1", 4, at: 3, cause: added)
    static let authorized = event("PaymentAuthorized", "payment-1", 1, at: 4, cause: added)
    static let captured = event("PaymentCaptured", "payment-1", 2, at: 5, cause: authorized)
    static let orphan = event("StockShipped", "sku-2", 1, at: 6, causeID: "evt-gone")

    static var trace: Trace {
        // Found out of time order, as namespaces answer: the trace orders them.
        Trace(
            correlationID: "req-7",
            entries: Trace.ordered([
                .init(namespace: "payments", event: captured), .init(namespace: "orders", event: placed),
                .init(namespace: "inventory", event: orphan), .init(namespace: "payments", event: authorized),
                .init(namespace: "orders", event: added), .init(namespace: "inventory", event: reserved),
            ])
        )
    }

    @Test("the tree puts each event under its cause, children in time order; a missing cause is said, not guessed")
    func tree() {
        let rows = Self.trace.rows
        #expect(
            rows.map { "\($0.depth) \($0.entry.event.eventType)" } == [
                "0 OrderPlaced", "1 ItemAdded", "2 StockReserved", "2 PaymentAuthorized", "3 PaymentCaptured",
                "0 StockShipped",
            ]
        )
        #expect(rows.last?.missingCause == "evt-gone")
        #expect(rows.first?.missingCause == nil)
        // A cycle another writer made is cut, every event still shown once.
        var a = Self.event("A", "x", 1, at: 1, causeID: "b-id")
        a.id = "a-id"
        var b = Self.event("B", "x", 2, at: 2, causeID: "a-id")
        b.id = "b-id"
        let cyclic = Trace(
            correlationID: "c",
            entries: [.init(namespace: "n", event: a), .init(namespace: "n", event: b)]
        )
        #expect(cyclic.rows.count == 2)
        #expect(
            cyclic.rows.map(\.causeProblem) == [.cycle("b-id"), nil],
            "a cycle is said to be one, not a missing cause"
        )
        // An event caused by one in a cycle, found first: it is not in the cycle, and goes under its cause.
        var c = Self.event("C", "x", 3, at: 0, causeID: "a-id")
        c.id = "c-id"
        let under = Trace(
            correlationID: "c",
            entries: [
                .init(namespace: "n", event: c), .init(namespace: "n", event: a), .init(namespace: "n", event: b),
            ]
        )
        #expect(under.rows.map { "\($0.depth) \($0.entry.event.id)" } == ["0 a-id", "1 c-id", "1 b-id"])
        #expect(under.rows.map(\.causeProblem) == [.cycle("b-id"), nil, nil])
        // Roots in time order, a cycle's among the others: cut at its earliest event, whichever
        // event the walk up from the first unplaced one started at.
        var w = Self.event("W", "x", 4, at: 0, causeID: "y-id")
        w.id = "w-id"
        var x = Self.event("X", "x", 5, at: 1, causeID: "z-id")
        x.id = "x-id"
        var y = Self.event("Y", "x", 6, at: 2, causeID: "x-id")
        y.id = "y-id"
        var z = Self.event("Z", "x", 7, at: 4, causeID: "y-id")
        z.id = "z-id"
        var early = Self.event("E", "e", 1, at: -1)
        early.id = "early-id"
        var late = Self.event("L", "l", 1, at: 3)
        late.id = "late-id"
        let mixed = Trace(
            correlationID: "c",
            entries: [early, w, x, y, late, z].map { .init(namespace: "n", event: $0) }
        )
        #expect(
            mixed.rows.map { "\($0.depth) \($0.entry.event.id)" } == [
                "0 early-id", "0 x-id", "1 y-id", "2 w-id", "2 z-id", "0 late-id",
            ]
        )
        #expect(mixed.rows.map(\.causeProblem) == [nil, .cycle("z-id"), nil, nil, nil, nil])
        // An event naming itself as its cause.
        var selfish = Self.event("S", "y", 1, at: 1)
        selfish.causationID = selfish.id
        let own = Trace(correlationID: "s", entries: [.init(namespace: "n", event: selfish)])
        #expect(own.rows.map(\.causeProblem) == [.itself])
        #expect(own.rows.first?.missingCause == nil)
    }

    @Test("aether-top trace text: the tree starts in one column whatever each time's fraction")
    func textColumns() {
        var first = Self.placed
        first.timestamp = Timestamp(seconds: 1_767_225_600)
        var second = Self.added
        second.timestamp = Timestamp(seconds: 1_767_225_600, nanoseconds: 120_000_000)
        let text = TraceCommand.text(
            Trace(correlationID: "req-7", entries: [first, second].map { .init(namespace: "orders", event: $0) })
        )
        let lines = text.split(separator: "\n").dropFirst().map(String.init)
        #expect(
            lines == [
                "2026-01-01T00:00:00.000000000Z orders/order-1 v1 OrderPlaced \(first.id)",
                "2026-01-01T00:00:00.120000000Z └ orders/order-1 v2 ItemAdded \(second.id)",
            ]
        )
    }

    @Test("t on a tail row opens the trace of its request; Enter walks into the actor at that version; no id, no trace")
    func traceView() {
        var model = Fixture.dashboard(width: 100, height: 30)
        _ = model.apply(.events([DeliveredEvent(namespace: "payments", event: Self.authorized)], at: Fixture.at(6)))
        #expect(model.apply(.key(.character("t"))) == [.trace(correlationID: "req-7")])
        _ = model.apply(.traceFound(Self.trace))
        guard case .trace(let view) = model.overlay else {
            Issue.record("no trace view")
            return
        }
        #expect(view.rows[view.selection].entry.event.id == Self.authorized.id, "the event traced from is selected")
        let screen = Renderer.render(model).text
        #expect(screen.contains("Trace req-7 │ 6 events in 3 namespaces │ from the correlation index"))
        // Drawn as `tree` draws: ├ before an event with a later sibling, └ before the last.
        #expect(screen.contains("  ├ inventory/sku-1 v4 StockReserved"))
        #expect(screen.contains("  └ payments/payment-1 v1 PaymentAuthorized"))
        #expect(screen.contains("    └ payments/payment-1 v2 PaymentCaptured"))
        #expect(screen.contains("└ orders/order-1 v2 ItemAdded"))
        // The footer gives the trace view's keys, not the tail's.
        let footer = Renderer.render(model).text.split(separator: "\n").last.map(String.init) ?? ""
        #expect(
            footer.contains("S scan  r reload") && footer.contains("? help") && !footer.contains("pause"),
            "\(footer)"
        )
        #expect(screen.contains("its cause evt-gone is not among these events"))
        _ = model.apply(.key(.down))
        #expect(
            model.apply(.key(.enter)) == [
                .loadActors(namespace: "payments"),
                .loadHistoryWindow(namespace: "payments", actorID: "payment-1", from: 1, through: 2502, select: 2),
            ]
        )
        #expect(model.view == .actors)

        var plain = Fixture.dashboard()
        #expect(plain.apply(.key(.character("t"))) == [])
        #expect(plain.message?.text.hasSuffix("has no correlationId: nothing to trace") == true)

        // S scans histories, with progress, and says the result came from a scan.
        var scanning = Fixture.dashboard()
        #expect(scanning.run("trace req-7").effects == [.trace(correlationID: "req-7")])
        _ = scanning.apply(.traceFound(Trace(correlationID: "req-7", entries: [])))
        #expect(
            Renderer.render(scanning).text.contains("no indexed event has this correlationId (S scans the histories)")
        )
        #expect(
            scanning.apply(.key(.character("S"))) == [
                .traceScan(correlationID: "req-7", limit: Dashboard.traceScanLimit, scan: 1)
            ]
        )
        _ = scanning.apply(.traceScanProgress(scan: 1, records: 1234))
        #expect(Renderer.render(scanning).text.contains("scanning histories: 1,234 records read"))
        var scanned = Self.trace
        scanned.scanned = true
        _ = scanning.apply(.traceScanned(scanned, scan: 1, records: 5000, complete: true))
        #expect(Renderer.render(scanning).text.contains("from a scan of histories"))
    }

    @Test(
        "Esc stops a scan and keeps what it found; closing the view stops it too; a late result of an old scan is ignored"
    )
    func stoppingAScan() {
        var model = Fixture.dashboard(width: 100, height: 30)
        _ = model.run("trace req-7")
        _ = model.apply(.traceFound(Trace(correlationID: "req-7", entries: [])))
        #expect(model.apply(.key(.character("S"))).count == 1)
        #expect(model.wantsScan(1))
        _ = model.apply(.traceScanProgress(scan: 1, records: 700))
        #expect(
            Renderer.render(model).text.split(separator: "\n").last.map(String.init)?.contains("Esc stop scan")
                == true
        )
        // The first Esc stops the scan; the view stays, with what the scan found.
        _ = model.apply(.key(.escape))
        guard case .trace = model.overlay else {
            Issue.record("the first Esc closed the view")
            return
        }
        #expect(!model.wantsScan(1), "the scan is told to stop at its next history")
        #expect(model.message?.text.hasPrefix("stopping the scan") == true)
        var partial = Self.trace
        partial.scanned = true
        _ = model.apply(.traceScanned(partial, scan: 1, records: 700, complete: false))
        let screen = Renderer.render(model).text
        #expect(screen.contains("scan read 700 records; stopped by Esc, so more may exist"))
        #expect(screen.contains("6 events in 3 namespaces │ from a scan of histories"))
        #expect(
            model.message?.text == "scan stopped by Esc after 700 records: 6 events found, more may exist",
            "the stopping message gives way when the scan has stopped"
        )
        _ = model.apply(.key(.escape))
        #expect(model.overlay == nil, "the next Esc closes")

        // Closing the view (q) leaves a running scan unwanted; the same id traced again and
        // scanned again is a new scan, and the old one's late results change nothing.
        _ = model.run("trace req-7")
        _ = model.apply(.key(.character("S")))
        #expect(model.wantsScan(2))
        _ = model.apply(.key(.character("q")))
        #expect(!model.wantsScan(2))
        _ = model.run("trace req-7")
        _ = model.apply(.traceFound(Trace(correlationID: "req-7", entries: [])))
        #expect(
            model.apply(.key(.character("S"))).first
                == .traceScan(correlationID: "req-7", limit: Dashboard.traceScanLimit, scan: 3)
        )
        _ = model.apply(.traceScanProgress(scan: 2, records: 99_999))
        _ = model.apply(.traceScanned(partial, scan: 2, records: 99_999, complete: false))
        guard case .trace(let view) = model.overlay else {
            Issue.record("no trace view")
            return
        }
        #expect(view.scanning == 0 && view.scanned == nil && view.rows.isEmpty, "scan 2's results are not scan 3's")
        #expect(model.wantsScan(3))
    }

    @Test(
        "over the trace view ? : and m open and give it back, 1-4 switch views, r looks up again; Esc from an actor opened there goes back to it"
    )
    func traceViewIsNotATrap() {
        var model = Fixture.dashboard(width: 100, height: 30)
        _ = model.apply(.events([DeliveredEvent(namespace: "payments", event: Self.authorized)], at: Fixture.at(6)))
        _ = model.apply(.key(.character("t")))
        _ = model.apply(.traceFailed(correlationID: "req-7", "disconnected"))
        #expect(Renderer.render(model).text.contains("cannot trace: disconnected (r tries again)"))
        #expect(model.apply(.key(.character("r"))) == [.trace(correlationID: "req-7")])
        #expect(Renderer.render(model).text.contains("looking up every namespace's index again…"))
        #expect(model.apply(.key(.character("r"))) == [], "one lookup at a time")
        var withProblems = Self.trace
        withProblems.problems = [
            "orders: index record at sequence 9 names event \"gone-1\"",
            "payments: index record at sequence 4 is not JSON",
        ]
        _ = model.apply(.traceFound(withProblems))
        #expect(Renderer.render(model).text.contains("⚠ 2 index records not followed (m lists them whole)"))
        #expect(
            model.messageLog.suffix(2).map(\.text) == [
                "trace req-7: orders: index record at sequence 9 names event \"gone-1\"",
                "trace req-7: payments: index record at sequence 4 is not JSON",
            ],
            "every one of them, whole, in the message log"
        )
        // A reload keeps the row the operator is on, and says it is under way until it answers.
        _ = model.apply(.key(.down))
        _ = model.apply(.key(.character("r")))
        #expect(Renderer.render(model).text.contains("looking the index up again…"))
        _ = model.apply(.traceFound(Self.trace))
        guard case .trace(let reloaded) = model.overlay else {
            Issue.record("no trace view")
            return
        }
        #expect(reloaded.rows[reloaded.selection].entry.event.id == Self.captured.id, "the row moved to stays selected")
        _ = model.apply(.key(.up))
        guard case .trace(let found) = model.overlay else {
            Issue.record("no trace view")
            return
        }
        #expect(found.failure == nil && found.rows.count == 6)

        _ = model.apply(.key(.character("?")))
        #expect(model.overlay == .help)
        #expect(Renderer.render(model).text.contains("Trace req-7"), "the help is drawn over the trace")
        _ = model.apply(.key(.character("x")))
        #expect(model.overlay == .trace(found), "the help closes back to the trace")
        _ = model.apply(.key(.character(":")))
        _ = model.apply(.key(.escape))
        #expect(model.overlay == .trace(found), "so does the command line")
        _ = model.apply(.key(.character("m")))
        _ = model.apply(.key(.escape))
        #expect(model.overlay == .trace(found), "and the message log")

        // Enter opens the actor; Esc there comes back to the trace, over the tail it was opened from.
        _ = model.apply(.key(.enter))
        #expect(model.view == .actors && model.overlay == nil)
        _ = model.apply(
            .history(
                namespace: "payments",
                actorID: "payment-1",
                events: [Self.authorized, Self.captured],
                snapshots: [],
                reducer: DemoDomain.reducer(for: "payments")
            )
        )
        _ = model.apply(.key(.escape))
        #expect(model.view == .streams)
        #expect(model.overlay == .trace(found))
        // A view key closes it and switches.
        _ = model.apply(.key(.character("3")))
        #expect(model.overlay == nil && model.view == .cluster)
    }

    @Test(
        "tree lines: ├ with a later sibling, └ for the last, │ under an ancestor with one; past 12 levels the depth is a number"
    )
    func treeLines() {
        let depths = [0, 1, 2, 2, 1, 2, 0, 1]
        #expect(
            TreeLayout.prefixes(depths: depths, rows: depths.indices, ascii: false) == [
                "", "├ ", "│ ├ ", "│ └ ", "└ ", "  └ ", "", "└ ",
            ]
        )
        #expect(TreeLayout.prefixes(depths: depths, rows: 2..<4, ascii: true) == ["| |-", "| `-"])
        let chain = Array(0..<40)
        #expect(
            TreeLayout.prefixes(depths: chain, rows: 11..<12, ascii: false)[0] == String(repeating: "  ", count: 10)
                + "└ "
        )
        #expect(
            TreeLayout.prefixes(depths: chain, rows: 39..<40, ascii: false) == ["[39] └ "],
            "the number takes the indent's place: the event stays on a narrow line"
        )
    }

    @Test(
        "the demo links its events: an order starts a request, a payment for it joins it caused by the order's latest event"
    )
    func demoChains() {
        var random = SystemRandomNumberGenerator()
        var placed = Event(eventType: "OrderPlaced", actorID: "order-1001", version: 1)
        DemoDomain.link(&placed, previous: nil, order: nil, using: &random)
        let request = placed.correlationID
        #expect(request?.hasPrefix("req-") == true)
        #expect(placed.causationID == nil)
        var added = Event(eventType: "ItemAdded", actorID: "order-1001", version: 2)
        DemoDomain.link(&added, previous: placed, order: nil, using: &random)
        #expect(added.correlationID == request && added.causationID == placed.id)
        var payment = Event(
            eventType: "PaymentAuthorized",
            actorID: "payment-1001",
            version: 1,
            data: ["order": "order-1001"]
        )
        #expect(DemoDomain.order(of: payment) == "order-1001")
        DemoDomain.link(&payment, previous: nil, order: added, using: &random)
        #expect(payment.correlationID == request && payment.causationID == added.id)
        var capture = Event(eventType: "PaymentCaptured", actorID: "payment-1001", version: 2)
        DemoDomain.link(&capture, previous: payment, order: nil, using: &random)
        #expect(capture.correlationID == request && capture.causationID == payment.id)
        var received = Event(eventType: "StockReceived", actorID: "sku-1001", version: 3)
        DemoDomain.link(&received, previous: nil, order: nil, using: &random)
        #expect(received.correlationID == nil)
    }
}
