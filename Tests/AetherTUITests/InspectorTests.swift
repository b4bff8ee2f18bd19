import Aether
import Foundation
import Testing

@testable import AetherTUI

/// The event inspector, the `:` command line, regex and negated filters, exports and the
/// production guard, as the model and the frames show them.
@Suite("Inspector, command line, filters, exports, production guard")
struct InspectorTests {
    /// An event with every field, metadata beyond the standard five, and nested data.
    static let rich = Event(
        id: "0f6c1a52-5d5e-4c8e-9c62-3b0f8d7e2a11",
        eventType: "OrderPlaced",
        actorID: "order-1001",
        commandID: "cmd-77",
        version: 5,
        data: ["total": 42.5, "items": .array([["sku": "sku-1001", "qty": 2]]), "note": "leave at the door"],
        metadata: [
            "correlationId": "corr-9", "causationId": "evt-4", "userId": "ops@example.com",
            "traceId": "4bf92f3577b34da6",
            "spanId": "00f067aa0ba902b7", "tenant": "eu-1",
        ],
        timestamp: Timestamp(seconds: 1_795_000_004, nanoseconds: 123_456_789)
    )

    static func inspecting(width: Int = 80, height: Int = 24) -> Dashboard {
        var settings = DashboardSettings()
        settings.utcOffset = 3600
        var model = Dashboard(copying: Fixture.dashboard(width: width, height: height), settings: settings)
        _ = model.apply(.events([DeliveredEvent(namespace: "orders", event: rich)], at: Fixture.at(5)))
        return model
    }

    @Test(
        "Enter on the newest tail row opens the event whole: every field, the time to the nanosecond in UTC and local time, the standard metadata first"
    )
    func inspectorLines() throws {
        var model = Self.inspecting()
        #expect(model.apply(.key(.enter)) == [.readStored(namespace: "orders", actorID: "order-1001", version: 5)])
        guard case .inspector(let inspector) = model.overlay else {
            Issue.record("no inspector")
            return
        }
        let lines = inspector.lines(utcOffset: 3600)
        func value(_ label: String) -> String? { lines.first { $0.label == label }?.text }
        #expect(value("id") == Self.rich.id)
        #expect(value("commandId") == "cmd-77")
        #expect(value("time UTC") == "2026-11-18T11:06:44.123456789Z")
        #expect(value("time local") == "2026-11-18T12:06:44.123456789+01:00")
        let keys = lines.filter { $0.kind == .field }.map(\.label)
        let metadataStart = try #require(keys.firstIndex(of: "correlationId"))
        #expect(
            Array(keys[metadataStart..<metadataStart + 6]) == [
                "correlationId", "causationId", "userId", "traceId", "spanId", "tenant",
            ]
        )
        #expect(lines.contains { $0.text.contains("\"note\": \"leave at the door\"") })
        #expect(lines.last?.text == "reading…")

        // The stored message arrives; a late one for another event is ignored.
        let record = StoredRecord(
            stream: "orders_events",
            subject: "aether.orders.events.b3JkZXItMTAwMQ",
            sequence: 812,
            payloadBytes: 402,
            headers: [.init(name: "Nats-Msg-Id", value: Self.rich.id), .init(name: "Aether-Version", value: "5")],
            storedAt: "2026-11-18T11:06:44.2Z"
        )
        _ = model.apply(.stored(namespace: "orders", actorID: "order-1001", version: 4, .found(record)))
        guard case .inspector(let unchanged) = model.overlay else { return }
        #expect(unchanged.stored == .reading)
        _ = model.apply(.stored(namespace: "orders", actorID: "order-1001", version: 5, .found(record)))
        guard case .inspector(let found) = model.overlay else { return }
        #expect(found.stored == .found(record))
        #expect(found.lines(utcOffset: 0).contains { $0.text == "Nats-Msg-Id: \(Self.rich.id)" })
    }

    @Test("the inspector scrolls within its lines, and Esc closes it")
    func inspectorScrolls() {
        var model = Self.inspecting(width: 80, height: 24)
        _ = model.apply(.key(.enter))
        guard case .inspector(let opened) = model.overlay else { return }
        let count = opened.lines(utcOffset: 3600).count
        #expect(count > model.inspectorRows, "the event needs more lines than 80×24 shows")
        _ = model.apply(.key(.end))
        guard case .inspector(let end) = model.overlay else { return }
        #expect(end.offset == count - model.inspectorRows)
        _ = model.apply(.key(.pageDown))
        guard case .inspector(let still) = model.overlay else { return }
        #expect(still.offset == count - model.inspectorRows, "no scrolling past the last line")
        _ = model.apply(.key(.escape))
        #expect(model.overlay == nil)
    }

    @Test(
        "export from the inspector asks for a file, then writes the event as one line; an existing file is asked about"
    )
    func exportFromInspector() throws {
        var model = Self.inspecting()
        _ = model.apply(.key(.enter))
        _ = model.apply(.key(.character("e")))
        guard case .form(let form) = model.overlay, case .export(let job) = form.purpose else {
            Issue.record("no export prompt: \(String(describing: model.overlay))")
            return
        }
        #expect(form.value("file") == "event-orders-order-1001-v5.jsonl")
        let effects = model.apply(.key(.enter))
        #expect(effects.count == 1)
        guard case .export(let written, let overwrite) = effects.first else { return }
        #expect(!overwrite)
        #expect(written.path == "event-orders-order-1001-v5.jsonl")
        guard case .lines(let lines) = written.content else { return }
        #expect(lines.count == 1)
        #expect(try Event(jsonBytes: Array(lines[0].utf8)) == Self.rich)
        #expect(job.what == "the event")

        _ = model.apply(.exportExists(written))
        guard case .confirm(let text, let action, _) = model.overlay else {
            Issue.record("no overwrite question")
            return
        }
        #expect(text.contains("exists: overwrite"))
        #expect(action == .export(written))
        #expect(model.apply(.key(.character("y"))) == [.export(written, overwrite: true)])
    }

    @Test("export of the filtered tail holds what the tail shows, oldest first, each with its namespace")
    func exportTail() throws {
        var model = Fixture.dashboard()
        model.filter = TailFilter(namespace: "payments")
        let effects = model.run("export /tmp/tail.jsonl").effects
        guard case .export(let job, false) = effects.first, case .lines(let lines) = job.content else {
            Issue.record("no export: \(effects)")
            return
        }
        #expect(job.path == "/tmp/tail.jsonl")
        #expect(lines.count == 5)
        let first = try JSONValue.parse(lines[0]).objectValue ?? [:]
        #expect(first["namespace"] == "payments")
        let event = try Event(json: first["event"] ?? .null)
        #expect(event.actorID == "payment-1000")
        #expect(job.what == "the filtered tail (5 events)")
    }

    @Test("the command line completes commands and arguments, runs them, and keeps a refused line with its error")
    func commandLine() {
        var model = Fixture.dashboard()
        _ = model.apply(.key(.character(":")))
        for character in "ac" { _ = model.apply(.key(.character(character))) }
        _ = model.apply(.key(.tab))
        guard case .command(let line) = model.overlay else {
            Issue.record("no command line")
            return
        }
        #expect(line.text == "actor", "the common prefix of actor and actors")
        #expect(line.completions == ["actor ", "actors"])
        for character in " or" { _ = model.apply(.key(.character(character))) }
        _ = model.apply(.key(.tab))
        guard case .command(let namespace) = model.overlay else { return }
        #expect(namespace.text == "actor orders/")

        // A refused line stays as typed, its error under it.
        var refused = Fixture.dashboard()
        _ = refused.apply(.key(.character(":")))
        for character in "nope 1" { _ = refused.apply(.key(.character(character))) }
        #expect(refused.apply(.key(.enter)) == [])
        guard case .command(let kept) = refused.overlay else {
            Issue.record("the line closed")
            return
        }
        #expect(kept.text == "nope 1")
        #expect(kept.error == "unknown command :nope (did you mean :ns?)")

        var ns = Fixture.dashboard()
        #expect(ns.run("ns payments").effects == [.loadActors(namespace: "payments")])
        #expect(ns.view == .actors && ns.actorNamespace == "payments")
        #expect(ns.run("ns nowhere").error?.hasPrefix("no namespace \"nowhere\"") == true)
        #expect(ns.run("v 3").error == ":v needs an opened actor (open one with :actor NS/ID)")
        #expect(
            ns.run("actor orders/order-1001").effects.first == .openExact(namespace: "orders", actorID: "order-1001")
        )
        #expect(ns.run("q").effects == [.quit])
        #expect(ns.run("filter type=Order* ns=orders").error == nil)
        #expect(ns.filter == TailFilter(namespace: "orders", eventType: "Order*"))
        #expect(ns.run("filter kind=x").error == "unknown filter \"kind\": use ns=, type=, actor= or text=")
    }

    @Test("regex and negated filters: compiled once, a half-typed regex is an error that matches nothing")
    func regexFilters() {
        var model = Fixture.dashboard()
        model.filter = TailFilter(eventType: "re:^Payment")
        #expect(model.visibleTail.count == 5)
        #expect(model.visibleTail.allSatisfy { $0.event.eventType.hasPrefix("Payment") })
        model.filter = TailFilter(namespace: "!payments")
        #expect(model.visibleTail.allSatisfy { $0.namespace != "payments" })
        #expect(model.visibleTail.count == 8)
        model.filter = TailFilter(actor: "!re:^(payment|sku)-")
        #expect(model.visibleTail.map(\.event.actorID).allSatisfy { $0 == "order-1001" })
        model.filter = TailFilter(text: "re:EUR$|qty=40")
        #expect(model.visibleTail.count == 8)

        let broken = TailFilter(eventType: "re:Order(")
        #expect(broken.error == "type: regex \"Order(\" is not valid: expected ')'")
        model.filter = broken
        #expect(model.visibleTail.isEmpty)

        // In the filter form the error shows while typing, and Enter keeps the form.
        model.filter = TailFilter()
        _ = model.apply(.key(.character("/")))
        _ = model.apply(.key(.tab))
        for character in "re:[a-" { _ = model.apply(.key(.character(character))) }
        guard case .form(let form) = model.overlay else { return }
        #expect(form.error?.message == "type: regex \"[a-\" is not valid: expected ']'")
        _ = model.apply(.key(.enter))
        #expect({ if case .form = model.overlay { true } else { false } }())

        // The actor list takes them too, applied to the rows the store lists.
        var list = Fixture.dashboard()
        _ = list.apply(
            .actors(
                namespace: "inventory",
                [ActorVersion(actorID: "sku-1001", version: 5), ActorVersion(actorID: "sku-2002", version: 1)]
            )
        )
        list.actorFilter = "!1001"
        #expect(list.visibleActors.map(\.actorID) == ["sku-2002"])
        #expect(list.actorStoreFilter == "")
        list.actorFilter = "re:^sku-1"
        #expect(list.visibleActors.map(\.actorID) == ["sku-1001"])
    }

    @Test(
        "a production context: every write asks for its target's name typed; y does not confirm, a typo does not either"
    )
    func productionGuard() {
        var settings = DashboardSettings()
        settings.production = true
        var model = Dashboard(copying: Fixture.dashboard(), settings: settings)
        _ = model.apply(.key(.character("f")))
        guard case .typedConfirm(_, let expected, _, let action) = model.overlay else {
            Issue.record("no typed confirmation: \(String(describing: model.overlay))")
            return
        }
        #expect(expected == "alpha")
        #expect(action == .drill(.resign(leader: "alpha", term: 42)))
        #expect(model.apply(.key(.character("y"))) == [])
        #expect(model.apply(.key(.enter)) == [], "y is not the name")
        #expect(model.message?.text.hasPrefix("not confirmed: type \"alpha\" exactly") == true)
        _ = model.apply(.key(.backspace))
        for character in "alpah" { _ = model.apply(.key(.character(character))) }
        #expect(model.apply(.key(.enter)) == [])
        for _ in 0..<2 { _ = model.apply(.key(.backspace)) }
        for character in "ha" { _ = model.apply(.key(.character(character))) }
        #expect(model.apply(.key(.enter)) == [.drill(.resign(leader: "alpha", term: 42))])
        #expect(Renderer.render(model).text.contains("PRODUCTION embedded demo"))

        // A paste never confirms.
        var pasted = Dashboard(copying: Fixture.dashboard(), settings: settings)
        _ = pasted.apply(.key(.character("f")))
        _ = pasted.apply(.paste("alpha"))
        guard case .typedConfirm(_, _, let typed, _) = pasted.overlay else { return }
        #expect(typed == "")
    }

    @Test("a long status message is cut with where to read it whole, and the message log keeps it whole")
    func messagesNeverCut() {
        var model = Fixture.dashboard()
        let long =
            "append to orders/order-1001 failed; nothing written: event 4100f500-0c1d-4f9e-8a77-2f1b7d2c9e10 is 2,000,000 bytes, the server takes 1,048,576"
        _ = model.apply(.actionFailed(long))
        // With a form open, m would be typed into it: the hint says to close it first.
        var typing = model
        _ = typing.apply(.key(.character("a")))
        #expect(Renderer.render(typing).text.contains("(Esc, then m shows all)"))
        let screen = Renderer.render(model).text
        #expect(screen.contains("(m shows all)"))
        _ = model.apply(.key(.character("m")))
        let log = Renderer.render(model).text
        let joined = log.split(separator: "\n").map { $0.trimmingCharacters(in: .init(charactersIn: "│ ")) }.joined(
            separator: " "
        )
        #expect(joined.contains("4100f500-0c1d-4f9e-8a77-2f1b7d2c9e10 is 2,000,000 bytes, the server takes 1,048,576"))
        for index in 0..<150 { _ = model.apply(.actionSucceeded("message \(index)")) }
        #expect(model.messageLog.count == Dashboard.messageLogLimit)
        #expect(model.messageLog.last?.text == "message 149")
    }

    @Test("wrapping breaks at spaces, splits a word wider than the line, and loses nothing")
    func wrapping() {
        let text = "a short line then averyveryverylongwordthatcannotfit and the end"
        let lines = DisplayText.wrap(text, width: 12)
        #expect(lines.allSatisfy { DisplayText.width($0) <= 12 })
        #expect(
            lines.joined(separator: " ").replacingOccurrences(of: " ", with: "")
                == text.replacingOccurrences(of: " ", with: "")
        )
        #expect(lines.first == "a short line")
        #expect(DisplayText.wrap("", width: 5) == [""])
    }

    @Test("the top line names the leader, its term, members up of all and the connection on every view")
    func clusterAtAGlance() {
        var model = Fixture.dashboard(width: 80, height: 24)
        for key in ["1", "2", "3", "4"] {
            _ = model.apply(.key(.character(Character(key))))
            let top = Renderer.render(model).text.split(separator: "\n")[0]
            #expect(top.contains("★alpha t42 2/3 up ● embedded"), "view \(key): \(top)")
        }
        var wide = Fixture.dashboard(width: 120, height: 30)
        _ = wide.apply(.key(.character("2")))
        #expect(Renderer.render(wide).text.split(separator: "\n")[0].contains("★ alpha t42 │ 2/3 up ● embedded"))
    }
}

extension Dashboard {
    /// A copy of `model`'s state under other settings (a production context, a time zone).
    init(copying model: Dashboard, settings: DashboardSettings) {
        self.init(settings: settings, label: model.label)
        width = model.width
        height = model.height
        now = model.now
        tail = model.tail
        stats = model.stats
        namespaces = model.namespaces
        knownNamespaces = model.knownNamespaces
        storeNamespaces = model.storeNamespaces
        actorNamespace = model.actorNamespace
        actors = model.actors
        actorsListed = model.actorsListed
        cluster = model.cluster
        leaderTimeline = model.leaderTimeline
        busMetrics = model.busMetrics
        storeFigures = model.storeFigures
        seenTotal = model.seenTotal
    }
}
