import Aether
import Testing

@testable import AetherTUI

@Suite("Dashboard reducer: keys in, state and effects out")
struct DashboardModelTests {
    @Test("number keys and Tab switch views; the Actors listing is read once per namespace, not at every visit")
    func views() {
        var fresh = Dashboard(settings: DashboardSettings(), label: "test")
        #expect(fresh.apply(.namespaces(["inventory"])) == [.loadActors(namespace: "inventory")])
        #expect(fresh.actorsLoading)
        var model = Fixture.dashboard()
        #expect(model.view == .streams)
        // The fixture's listing of inventory is loaded: entering the view does not read it again.
        #expect(model.apply(.key(.tab)) == [])
        #expect(model.view == .actors)
        #expect(model.apply(.key(.character("3"))) == [])
        #expect(model.view == .cluster)
        _ = model.apply(.key(.backTab))
        #expect(model.view == .actors)
        _ = model.apply(.key(.character("4")))
        _ = model.apply(.key(.tab))
        #expect(model.view == .streams)
        #expect(model.apply(.key(.character("q"))) == [.quit])
        #expect(model.apply(.key(.controlC)) == [.quit])
    }

    @Test("pause freezes the tail and counts matching arrivals; resume jumps back to live")
    func pauseResume() {
        var model = Fixture.dashboard()
        let before = model.visibleTail
        _ = model.apply(.key(.character(" ")))
        #expect(model.paused)
        let newer = (6...8).map {
            DeliveredEvent(
                namespace: "orders",
                event: Fixture.event("OrderNoteAdded", "order-1001", Int64($0), [:], at: 10)
            )
        }
        _ = model.apply(.events(newer, at: Fixture.at(10)))
        #expect(model.newWhilePaused == 3)
        #expect(model.visibleTail == before, "the frozen view does not move")
        _ = model.apply(.key(.character(" ")))
        #expect(!model.paused)
        #expect(model.newWhilePaused == 0)
        #expect(model.visibleTail.first?.event.version == 8)
    }

    @Test("the filter form narrows the tail by namespace pattern, type glob, actor glob and text; Esc clears")
    func filter() {
        var model = Fixture.dashboard()
        _ = model.apply(.key(.character("/")))
        for character in "orders" { _ = model.apply(.key(.character(character))) }
        _ = model.apply(.key(.tab))
        for character in "Item*" { _ = model.apply(.key(.character(character))) }
        _ = model.apply(.key(.enter))
        #expect(model.overlay == nil)
        #expect(model.filter == TailFilter(namespace: "orders", eventType: "Item*"))
        #expect(model.visibleTail.map(\.event.version) == [3, 2])
        model.filter = TailFilter(text: "sku-1004")
        #expect(model.visibleTail.map(\.event.version) == [3])
        model.filter = TailFilter(actor: "payment-*")
        #expect(model.visibleTail.count == 5)
        _ = model.apply(.key(.escape))
        #expect(model.filter.isEmpty)
    }

    @Test("a paste into the : command line is typed into it, on one line, and runs nothing")
    func pasteIntoCommandLine() {
        var model = Fixture.dashboard()
        _ = model.apply(.key(.character(":")))
        #expect(model.apply(.paste("view bus\nq\t\u{1B}[2J")).isEmpty, "no effect: nothing ran, no quit")
        guard case .command(let line) = model.overlay else {
            Issue.record("the command line closed: \(String(describing: model.overlay))")
            return
        }
        #expect(line.text == "view bus q  [2J")
    }

    @Test("the filter form takes an empty namespace (all namespaces), at once and after clearing one")
    func filterWithoutNamespace() {
        var model = Fixture.dashboard()
        _ = model.apply(.key(.character("/")))
        guard case .form(let opened) = model.overlay else {
            Issue.record("no form: \(String(describing: model.overlay))")
            return
        }
        #expect(opened.error(of: 0) == nil, "an error before anything was typed")
        _ = model.apply(.key(.tab))
        for character in "Item*" { _ = model.apply(.key(.character(character))) }
        _ = model.apply(.key(.enter))
        #expect(model.overlay == nil)
        #expect(model.filter == TailFilter(eventType: "Item*"))
        // Reopened with a namespace, cleared again, submitted.
        model.filter = TailFilter(namespace: "orders", eventType: "Item*")
        _ = model.apply(.key(.character("/")))
        for _ in "orders" { _ = model.apply(.key(.backspace)) }
        _ = model.apply(.key(.enter))
        #expect(model.overlay == nil)
        #expect(model.filter == TailFilter(eventType: "Item*"))
    }

    @Test("Enter on a tail row opens the event whole; Enter there opens its actor at that version")
    func openFromTail() {
        var model = Fixture.dashboard()
        _ = model.apply(.key(.down))
        _ = model.apply(.key(.down))
        #expect(model.apply(.key(.enter)) == [.readStored(namespace: "orders", actorID: "order-1001", version: 5)])
        guard case .inspector(let inspector) = model.overlay, case .event(let event) = inspector.subject else {
            Issue.record("no inspector: \(String(describing: model.overlay))")
            return
        }
        #expect(event.actorID == "order-1001" && event.version == 5)
        #expect(model.view == .streams)
        #expect(
            model.apply(.key(.enter)) == [
                .loadActors(namespace: "orders"),
                .loadHistoryWindow(namespace: "orders", actorID: "order-1001", from: 1, through: 2505, select: 5),
            ]
        )
        #expect(model.overlay == nil)
        #expect(model.view == .actors)
    }

    @Test("stepping back through history replays state from the snapshot and diffs against the previous event")
    func history() throws {
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
                        state: replay(Array(Fixture.orderHistory.prefix(2)), using: DemoDomain.reducer(for: "orders"))
                            .state
                    )
                ],
                reducer: DemoDomain.reducer(for: "orders")
            )
        )
        var detail = try #require(model.detail)
        #expect(detail.selected == 4)
        #expect(detail.state(at: 4).snapshotVersion == 2)
        #expect(detail.state(at: 4).eventsApplied == 3)
        #expect(detail.state(at: 4).state["status"] == "shipped")
        _ = model.apply(.key(.down))
        _ = model.apply(.key(.down))
        detail = try #require(model.detail)
        #expect(detail.selectedEvent?.version == 3)
        #expect(detail.selectedChanges.map(\.path).contains("total"))
        let total = try #require(detail.selectedChanges.first { $0.path == "total" })
        #expect(total.kind == .changed)
        #expect(total.before == .double(19.99))
        #expect(total.after == .double(25.0))
        // Older than the snapshot (the list's bottom): replayed from the beginning.
        _ = model.apply(.key(.character("G")))
        detail = try #require(model.detail)
        #expect(detail.selectedEvent?.version == 1)
        #expect(detail.state(at: detail.selected).snapshotVersion == nil)
        // The field pane: which event last changed a field.
        _ = model.apply(.key(.character("g")))
        _ = model.apply(.key(.right))
        detail = try #require(model.detail)
        #expect(detail.fieldsFocused)
        #expect(detail.lastChange(of: "carrier")?.version == 5)
        #expect(detail.lastChange(of: "customer")?.version == 1)
        #expect(detail.lastChange(of: "status")?.version == 5)
        // Jump to a version.
        _ = model.apply(.key(.escape))
        _ = model.apply(.key(.character("v")))
        _ = model.apply(.key(.character("2")))
        _ = model.apply(.key(.enter))
        #expect(model.detail?.selectedEvent?.version == 2)
        _ = model.apply(.key(.escape))
        #expect(model.detail == nil)
    }

    @Test("append: validated form, confirmation naming the target, then the effect")
    func append() throws {
        var model = Fixture.dashboard()
        _ = model.apply(.key(.character("2")))
        _ = model.apply(.key(.character("a")))
        guard case .form(let form) = model.overlay else {
            Issue.record("no form")
            return
        }
        #expect(form.value("namespace") == "inventory")
        #expect(form.value("actor") == "sku-1001")
        #expect(form.value("version") == "6", "pre-filled with the version looked at, plus one")
        _ = model.apply(.key(.enter))
        guard case .form(let refused) = model.overlay else {
            Issue.record("the form closed with no type")
            return
        }
        #expect(refused.focus == 2, "the focus moves to the field in error: type is required")
        for character in "StockCounted" { _ = model.apply(.key(.character(character))) }
        _ = model.apply(.key(.tab))
        _ = model.apply(.key(.tab))
        _ = model.apply(.key(.backspace))
        _ = model.apply(.key(.backspace))
        for character in #"{"qty": 12}"# { _ = model.apply(.key(.character(character))) }
        _ = model.apply(.key(.enter))
        guard case .confirm(let text, let action, _) = model.overlay else {
            Issue.record("no confirmation")
            return
        }
        #expect(text == "Append StockCounted to inventory/sku-1001 at version v6?")
        guard case .append(let namespace, let event) = action else {
            Issue.record("wrong action")
            return
        }
        #expect(namespace == "inventory")
        #expect(event.version == 6)
        #expect(event.data == ["qty": 12])
        #expect(model.apply(.key(.character("y"))) == [.append(namespace: "inventory", event: event)])
    }

    @Test("a version conflict writes nothing, says what changed since, and reloads the history")
    func conflict() throws {
        var model = Fixture.dashboard()
        _ = model.apply(
            .history(
                namespace: "orders",
                actorID: "order-1001",
                events: Fixture.orderHistory,
                snapshots: [],
                reducer: .mergePatch
            )
        )
        let effects = model.apply(
            .appendConflict(
                namespace: "orders",
                actorID: "order-1001",
                attempted: 4,
                current: 5,
                since: Array(Fixture.orderHistory.suffix(2))
            )
        )
        #expect(effects == [.loadHistory(namespace: "orders", actorID: "order-1001")])
        let message = try #require(model.message)
        #expect(message.isError)
        #expect(message.text.contains("nothing written"))
        #expect(message.text.contains("v4 OrderPaid, v5 OrderShipped"))
    }

    @Test("snapshot and drill confirm naming their target; read-only refuses every action")
    func confirmations() {
        var model = Fixture.dashboard()
        _ = model.apply(.key(.character("2")))
        _ = model.apply(.key(.character("s")))
        #expect(
            model.overlay
                == .confirm(
                    text: "Snapshot inventory/sku-1001 at its latest version (now v5)?",
                    action: .snapshot(namespace: "inventory", actorID: "sku-1001", version: 5),
                    alternative: nil
                )
        )
        #expect(model.apply(.key(.character("y"))) == [.snapshot(namespace: "inventory", actorID: "sku-1001")])

        model.killable = ["alpha", "bravo", "charlie"]
        _ = model.apply(.key(.character("f")))
        guard case .confirm(let text, let action, let alternative) = model.overlay else {
            Issue.record("no confirmation")
            return
        }
        #expect(
            text
                == "Failover drill: ask leader alpha (term 42) to resign? Canary events go to up to 8 actors of namespace aether-drill (its stream is created if missing), one per actor per poll until writes recover; the report counts them."
        )
        #expect(action == .drill(.resign(leader: "alpha", term: 42)))
        #expect(alternative?.action == .drill(.kill(leader: "alpha", term: 42)))
        #expect(model.apply(.key(.character("n"))) == [])
        #expect(model.overlay == nil)

        var readOnly = Fixture.dashboard(readOnly: true)
        for key in ["a", "s", "f", "K"] {
            #expect(readOnly.apply(.key(.character(Character(key)))) == [])
            #expect(readOnly.overlay == nil)
            #expect(readOnly.message?.text.contains("read-only") == true)
        }
    }

    @Test("a drill's steps and report are shown as they come")
    func drill() {
        var model = Fixture.dashboard()
        _ = model.apply(.key(.character("f")))
        #expect(model.apply(.key(.character("y"))) == [.drill(.resign(leader: "alpha", term: 42))])
        #expect(model.overlay == .drill)
        _ = model.apply(.drillStep("resign request sent to alpha", at: Fixture.at(5)))
        _ = model.apply(.drillStep("new leader bravo (term 43)", at: Fixture.at(6)))
        #expect(model.drill?.steps.count == 2)
        let report = DrillReport(
            method: "resign",
            leaderBefore: "alpha",
            termBefore: 42,
            leaderAfter: "bravo",
            termAfter: 43,
            startedAt: Fixture.at(0).rfc3339,
            steps: [],
            leaderlessMilliseconds: 140,
            writeUnavailableMilliseconds: 0,
            savedTo: "/tmp/r.json"
        )
        _ = model.apply(.drillFinished(report))
        let text = Renderer.render(model).text
        #expect(text.contains("leaderless 140 ms"))
        #expect(text.contains("+1.0s  new leader bravo (term 43)"))
        // Offsets count from the request, as the report's do, whatever the model's clock said.
        #expect(text.contains("+0ms  resign request sent to alpha"))
    }

    @Test("a lost connection shows a banner until it is back")
    func banner() {
        var model = Fixture.dashboard()
        _ = model.apply(.connection(.reconnecting(attempt: 3)))
        #expect(Renderer.render(model).text.split(separator: "\n")[1].contains("NATS CONNECTION LOST"))
        #expect(Renderer.render(model).text.split(separator: "\n")[0].contains("RECONNECTING"))
        #expect(Renderer.render(model).text.split(separator: "\n").last?.contains("writes paused") == true)
        _ = model.apply(.connection(.connected(server: "nats://127.0.0.1:4222")))
        #expect(!Renderer.render(model).text.contains("CONNECTION LOST"))
        #expect(Renderer.render(model).text.split(separator: "\n").last?.contains("writes on") == true)
        // Why the last attempt failed is said; a client that gave up says why too.
        var wide = Fixture.dashboard(width: 140, height: 30)
        _ = wide.apply(.connection(.connected(server: "nats://127.0.0.1:4222")))
        _ = wide.apply(
            .connection(
                .reconnecting(
                    attempt: 4,
                    lastFailure: ConnectionFailure(message: "cannot reach nats://127.0.0.1:4222: refused")
                )
            )
        )
        #expect(
            Renderer.render(wide).text.contains(
                "reconnecting (attempt 4; the last failed: cannot reach nats://127.0.0.1:4222: refused)"
            )
        )
        _ = wide.apply(.connection(.closed(reason: "the server requires TLS: secure connection - tls required")))
        #expect(
            Renderer.render(wide).text.contains(
                "NATS CONNECTION CLOSED: the server requires TLS: secure connection - tls required — restart aether-top to reconnect"
            )
        )
        #expect(
            wide.messageLog.last?.text
                == "NATS connection closed: the server requires TLS: secure connection - tls required"
        )
    }

    @Test("mouse: a click on a tab switches views; the wheel moves the selection")
    func mouse() {
        var model = Fixture.dashboard()
        _ = model.apply(.key(.click(x: 40, y: 0)))
        #expect(model.view == .cluster)
        _ = model.apply(.key(.scrollDown))
        #expect(model.memberSelection == 1)
    }

    @Test("mouse: a click selects the row drawn under it, also in a scrolled tail; a click on a border selects nothing")
    func clickWhereDrawn() throws {
        var model = Fixture.dashboard()
        model.view = .streams
        let arrivals = (1...60).map {
            DeliveredEvent(namespace: "orders", event: Fixture.event("Placed", "click-\($0)", 1, [:], at: 20))
        }
        _ = model.apply(.events(arrivals, at: Fixture.at(20)))
        // The cursor at the last entry scrolls the tail: its first rows are off screen.
        model.tailCursor = model.visibleTail.count - 1
        let lines = Renderer.render(model).text.split(separator: "\n", omittingEmptySubsequences: false)
        let wanted = model.visibleTail[model.visibleTail.count - 3].event.actorID
        let y = try #require(lines.firstIndex { $0.contains(" \(wanted) ") }, "\(wanted) is on screen")
        _ = model.apply(.key(.click(x: 10, y: y)))
        #expect(model.visibleTail[model.tailCursor].event.actorID == wanted)
        // The box's border is no row.
        let before = model.tailCursor
        _ = model.apply(.key(.click(x: 0, y: y)))
        #expect(model.tailCursor == before)
        // A tab, wherever the renderer put it.
        let tabs = lines[0]
        // The columns before it are one-cell ASCII: its column is the count of characters before it.
        let actorsColumn = try #require(tabs.split(separator: "Actors", maxSplits: 1).first).count
        _ = model.apply(.key(.click(x: actorsColumn, y: 0)))
        #expect(model.view == .actors)
    }

    @Test("hostile names are shown, never interpreted: control characters become visible escapes")
    func hostileNames() {
        var model = Fixture.dashboard()
        _ = model.apply(
            .events(
                [DeliveredEvent(namespace: "orders", event: Fixture.event("Evil\u{1B}[2J", "a\u{7}b", 1, [:], at: 20))],
                at: Fixture.at(20)
            )
        )
        let text = Renderer.render(model).text
        #expect(!text.contains("\u{1B}"))
        #expect(text.contains(#"Evil\u{001B}[2J"#))
    }
}

@Suite("Key map")
struct KeyMapTests {
    @Test("every command has a key, and no key does two things")
    func complete() {
        let map = KeyMap.standard
        #expect(Set(map.bindings.map(\.command)) == Set(Command.allCases))
        let keys = map.bindings.flatMap(\.keys)
        #expect(keys.count == Set(keys).count)
    }

    @Test("the help overlay lists every binding")
    func help() {
        let lines = KeyMap.standard.helpLines
        #expect(lines.count == KeyMap.standard.bindings.count + 2, "and the line editing keys, and the trace view's")
        #expect(lines.contains { $0.keys == "S r" && $0.summary == "trace view: scan, look up again" })
        #expect(lines.contains { $0.keys == "q C-c" && $0.summary == "quit" })
        #expect(lines.contains { $0.keys == "↑ k wheel↑" && $0.summary == "move up" })
    }

    @Test("arrows and hjkl move the same way")
    func vim() {
        let map = KeyMap.standard
        #expect(map.command(for: .character("j")) == map.command(for: .down))
        #expect(map.command(for: .character("k")) == map.command(for: .up))
        #expect(map.command(for: .character("h")) == map.command(for: .left))
        #expect(map.command(for: .character("l")) == map.command(for: .right))
    }
}

@Suite("Checks for scripts")
struct CheckTests {
    @Test("a replayed state says how it was made: the snapshot's own, or events through the reducer named")
    func stateProvenance() {
        var model = Fixture.dashboard(width: 160)
        let snapshot = ActorSnapshot(
            actorID: "order-1001",
            version: 2,
            state: ["customer": "acme"],
            timestamp: Fixture.at(2)
        )
        _ = model.apply(
            .history(
                namespace: "orders",
                actorID: "order-1001",
                events: Fixture.orderHistory,
                snapshots: [snapshot],
                reducer: .mergePatch,
                reducerLabel: "generic merge-patch"
            )
        )
        #expect(Renderer.render(model).text.contains("State at v5 │ snap v2 + 3 events (generic merge-patch)"))
        for _ in 0..<3 { _ = model.apply(.key(.down)) }  // v2, the snapshot's version
        #expect(Renderer.render(model).text.contains("State at v2 │ the snapshot's state at v2"))
        _ = model.apply(.key(.down))  // v1: before the snapshot
        #expect(Renderer.render(model).text.contains("State at v1 │ 1 events replayed (generic merge-patch)"))
    }

    @Test("drift check: a snapshot past the history's last version is AHEAD, not a match of the whole replay")
    func snapshotAhead() {
        let reducer = DemoDomain.reducer(for: "orders")
        let history = Fixture.orderHistory
        let whole = replay(history, using: reducer).state
        let newest = history.last!.version
        let checks = SnapshotCheck.check(
            [
                ActorSnapshot(actorID: "order-1001", version: newest, state: whole),
                ActorSnapshot(actorID: "order-1001", version: newest + 4, state: whole),
            ],
            events: history,
            reducer: reducer
        )
        #expect(checks[newest] == .matches(version: newest))
        #expect(
            checks[newest + 4] == .ahead(version: newest + 4, newest: newest),
            "the same state, at a version no event reached"
        )
    }

    @Test(
        "drift check: a snapshot equal to the replay says so; one written with a wrong state shows DRIFT and its fields"
    )
    func driftCheck() {
        let reducer = DemoDomain.reducer(for: "orders")
        let history = Fixture.orderHistory
        let right = replay(Array(history.prefix(3)), using: reducer).state
        var wrong = right
        wrong["total"] = 1_000_000.0
        wrong["status"] = nil
        let checks = SnapshotCheck.check(
            [
                ActorSnapshot(actorID: "order-1001", version: 3, state: right),
                ActorSnapshot(actorID: "order-1001", version: 5, state: wrong),
            ],
            events: history,
            reducer: reducer
        )
        #expect(checks[3] == .matches(version: 3))
        guard case .drift(5, let changes) = checks[5] else {
            Issue.record("no drift at v5: \(String(describing: checks[5]))")
            return
        }
        #expect(Set(changes.map(\.path)).isSuperset(of: ["total", "status"]))
        // A history that does not start at v1 cannot be checked, and says so.
        let partial = SnapshotCheck.check(
            [ActorSnapshot(actorID: "order-1001", version: 5, state: right)],
            events: Array(history.dropFirst(2)),
            reducer: reducer
        )
        #expect(partial[5] == .unknown(version: 5, reason: "the history read starts at v3, not v1"))

        var model = Fixture.dashboard(width: 160)
        _ = model.apply(
            .history(
                namespace: "orders",
                actorID: "order-1001",
                events: history,
                snapshots: [
                    ActorSnapshot(actorID: "order-1001", version: 3, state: right),
                    ActorSnapshot(actorID: "order-1001", version: 5, state: wrong),
                ],
                reducer: reducer
            )
        )
        #expect(Renderer.render(model).text.contains("⚠ DRIFT at v5, replay ≠ snapshot:"))
        _ = model.apply(.key(.down))  // v4: the latest snapshot at or before it is v3's
        #expect(Renderer.render(model).text.contains("✓ replay = snapshot v3"))
    }

    @Test("a flood of new namespaces: figures for the first 1,000, the rest counted together; every arrival counted")
    func namespaceFlood() {
        var model = Fixture.dashboard()
        let before = model.seenTotal
        let batch = (0..<20_000).map { index in
            DeliveredEvent(namespace: "nsf\(index)", event: Fixture.event("T", "a", 1, [:], at: 30))
        }
        _ = model.apply(.events(batch, at: Fixture.at(30), counted: ["nsf-extra": 5]))
        #expect(model.namespaces.count == Dashboard.maxNamespaces)
        #expect(model.namespaces == model.namespaces.sorted())
        #expect(model.seenTotal == before + 20_005)
        let kept = model.namespaces.reduce(0) { $0 + (model.stats[$1]?.total ?? 0) }
        #expect(kept + (model.stats[Dashboard.moreNamespaces]?.total ?? 0) == model.seenTotal)
        #expect(Renderer.render(model).text.contains(Dashboard.moreNamespaces))
    }

    @Test("namespaces seen only on the bus stay listed next to the store's")
    func busOnlyNamespaces() {
        var model = Fixture.dashboard()
        _ = model.apply(
            .events(
                [DeliveredEvent(namespace: "busonly", event: Fixture.event("T", "a", 1, [:], at: 30))],
                at: Fixture.at(30)
            )
        )
        _ = model.apply(.namespaces(["orders"]))
        #expect(model.namespaces.contains("busonly"))
        #expect(model.namespaces.contains("orders"))
        #expect(model.storeNamespaces == ["orders"])
    }

    @Test("a connection lost after it was up is a counted gap, shown first in the Streams view and in --once --json")
    func connectionGaps() {
        var model = Fixture.dashboard()
        _ = model.apply(.connection(.connected(server: "nats://a:4222")))
        _ = model.apply(
            .connection(.disconnected(reason: "Slow Consumer (cause: Connection reset by peer) (errno: 104))"))
        )
        _ = model.apply(.connection(.reconnecting(attempt: 1)))
        _ = model.apply(.connection(.connected(server: "nats://a:4222")))
        #expect(model.connectionGaps == 1)
        #expect(model.lastGapReason == "Slow Consumer")
        let text = Renderer.render(model).text
        #expect(text.contains("⚠ connection lost 1×, events sent meanwhile not counted"), "\(text)")
        #expect(Batch.data(of: model)["connection_gaps"] == .integer(1))
    }

    @Test("in the Actors view, an exact actor ID typed in the filter opens that actor, listed or not")
    func openExactActor() {
        var model = Fixture.dashboard()
        _ = model.apply(.key(.character("2")))
        _ = model.apply(.key(.character("/")))
        for character in "sku-9999" { _ = model.apply(.key(.character(character))) }
        #expect(
            model.apply(.key(.enter)) == [
                .openExact(namespace: "inventory", actorID: "sku-9999"),
                .loadActors(namespace: "inventory", matching: "sku-9999"),
            ]
        )
        // A pattern with a control character is no actor ID: it only filters (a search).
        _ = model.apply(.key(.character("/")))
        _ = model.apply(.paste("\u{7}"))
        #expect(model.apply(.key(.enter)) == [.loadActors(namespace: "inventory", matching: "sku-9999\u{7}")])
    }

    @Test(
        "a partial history says so; a state it cannot replay whole is labelled incomplete, never shown as the actor's"
    )
    func partialHistory() {
        var model = Fixture.dashboard(width: 180)
        // Versions 6001…6005 were read; 1…6000 were not. A snapshot at v6002.
        let events = (6001...6005).map {
            Fixture.event("ItemAdded", "order-7", Int64($0), ["qty": .integer(Int64($0))], at: 1)
        }
        _ = model.apply(
            .history(
                namespace: "orders",
                actorID: "order-7",
                events: events,
                snapshots: [ActorSnapshot(actorID: "order-7", version: 6002, state: ["qty": 6002])],
                reducer: .mergePatch,
                readFrom: 6001
            )
        )
        let newest = Renderer.render(model).text
        #expect(newest.contains("newest 5 events, from v6001 (partial)"))
        #expect(newest.contains("State at v6005 │ snap v6002 + 3 events"), "from a snapshot, the state is whole")
        for _ in 0..<4 { _ = model.apply(.key(.down)) }  // v6001: before the snapshot, after unread events
        // Until the state before the window arrives, the state says it is being replayed.
        #expect(Renderer.render(model).text.contains("replaying to v6000… 0 events"))
        _ = model.apply(
            .historyBase(namespace: "orders", actorID: "order-7", readFrom: 6001, nil, applied: 0, failure: "timed out")
        )
        #expect(
            Renderer.render(model).text.contains(
                "State at v6001 │ ⚠ incomplete: the state before v6001 could not be replayed: timed out"
            )
        )
        // With the state before the window (6,000 events replayed from v1), the state is whole.
        _ = model.apply(
            .historyBase(
                namespace: "orders",
                actorID: "order-7",
                readFrom: 6001,
                ReplayedState(state: ["qty": 6000, "from": "base"], version: 6000, eventsApplied: 6000),
                applied: 6000,
                failure: nil
            )
        )
        #expect(model.detail?.state(at: 0).state == ["qty": 6001, "from": "base"])
        #expect(model.detail?.state(at: 0).complete == true)
        #expect(Renderer.render(model).text.contains("State at v6001 │ 6001 events replayed"))
        // Down from the oldest event read asks for the page before it.
        #expect(
            model.apply(.key(.down)) == [
                .loadHistoryWindow(namespace: "orders", actorID: "order-7", from: 1001, through: nil, select: 6000)
            ]
        )
        #expect(
            model.detail?.snapshotCheck(at: 6005)
                == .unknown(version: 6002, reason: "the history read starts at v6001, not v1")
        )
    }

    @Test(
        "the Cluster view tells a starting cluster (no leader yet, members campaign in N s) from one that lost its leader"
    )
    func startingClusterView() {
        let view = Fixture.startingClusterView
        let startedAt = view.members[0].info.startedAt
        func title(at now: Timestamp) -> String {
            var model = Fixture.dashboard()
            _ = model.apply(.clusterView(view))
            _ = model.apply(.key(.character("3")))
            model.now = now
            return Renderer.render(model).text.split(separator: "\n").first { $0.contains("Members (3)") }.map(
                String.init
            )
                ?? ""
        }
        let young = title(at: startedAt.advanced(by: .seconds(40)))
        #expect(young.contains("no leader yet │ members campaign in 20.0s"), "\(young)")
        let late = title(at: startedAt.advanced(by: .seconds(61)))
        #expect(late.contains("NO LEADER") && !late.contains("yet"), "\(late)")
    }

    @Test("a member that is down shows no load, not its last figure")
    func downMemberLoad() {
        var model = Fixture.dashboard()
        var view = Fixture.clusterView
        view.members[1] = Fixture.member("bravo", .down, load: 8)
        _ = model.apply(.clusterView(view))
        _ = model.apply(.key(.character("3")))
        let text = Renderer.render(model).text
        let bravo = text.split(separator: "\n").first { $0.contains(" bravo ") }.map(String.init) ?? ""
        #expect(bravo.contains("down"))
        #expect(!bravo.contains("8.0"), "stale load shown: \(bravo)")
        #expect(bravo.contains(" - "))
        let alpha =
            // The member row (the top line names the leader too).
            text.split(separator: "\n").dropFirst().first { $0.contains("alpha ") && $0.contains(" up ") }.map(
                String.init
            )
            ?? ""
        #expect(alpha.contains("8.0"))
    }

    @Test("check leader and check members judge a view")
    func evaluate() {
        let healthy = Fixture.clusterView
        #expect(Checks.evaluate("leader", view: healthy, source: "x").healthy)
        var leaderless = healthy
        leaderless.leader = nil
        leaderless.term = nil
        #expect(!Checks.evaluate("leader", view: leaderless, source: "x").healthy)
        let members = Checks.evaluate("members", view: healthy, source: "x")
        #expect(!members.healthy, "charlie is suspect")
        #expect(members.text.contains("CRITICAL: charlie suspect"))
        #expect(members.text.hasPrefix("CRITICAL: charlie suspect on x\nCRITICAL: charlie"), "the summary comes first")
        var allUp = healthy
        allUp.members[2].status = .up
        #expect(Checks.evaluate("members", view: allUp, source: "x").healthy)
        #expect(Checks.evaluate("members", view: allUp, source: "x").text.hasPrefix("OK: 3 members up on x"))
        var silentOwner = allUp
        silentOwner.members.removeLast()
        #expect(!Checks.evaluate("members", view: silentOwner, source: "x").healthy)
        // A member gone for good, its shards handed over: only the expected count tells.
        var twoLeft = allUp
        twoLeft.members.removeLast()
        let handedOver = twoLeft.shardMap?.owners.map { $0 == "charlie" ? "alpha" : $0 } ?? []
        twoLeft.shardMap?.owners = handedOver
        #expect(Checks.evaluate("members", view: twoLeft, source: "x").healthy)
        let short = Checks.evaluate("members", view: twoLeft, source: "x", expectedMembers: 3)
        #expect(!short.healthy && short.exitCode == 2)
        #expect(short.text.hasPrefix("CRITICAL: 2 of 3 expected members up on x"))
        var silent = healthy
        silent.members = []
        silent.shardMap = nil
        let none = Checks.evaluate("members", view: silent, source: "x")
        #expect(!none.healthy)
        #expect(none.text == "CRITICAL: no members heard on x", "the source named once")
    }

    @Test(
        "check leader tells a cluster still starting (its members campaign two stated heartbeat intervals after starting) from one that lost its leader"
    )
    func evaluateStarting() {
        let view = Fixture.startingClusterView
        let startedAt = view.members[0].info.startedAt
        let young = Checks.evaluate("leader", view: view, source: "x", now: startedAt.advanced(by: .seconds(40)))
        #expect(!young.healthy)
        #expect(
            young.text
                == "CRITICAL: no leader yet on x: the members started 40.0s ago, and on their timings campaign 1m0s after starting",
            "\(young.text)"
        )
        // Past the campaign, or a member that states no timings, or one not up: plainly no leader.
        var plain: [Cluster.View] = []
        plain.append(view)
        var silent = view
        silent.members[1].info.timing = nil
        plain.append(silent)
        var suspect = view
        suspect.members[2].status = .suspect
        plain.append(suspect)
        for (index, candidate) in plain.enumerated() {
            let late = index == 0 ? startedAt.advanced(by: .seconds(61)) : startedAt.advanced(by: .seconds(40))
            #expect(
                Checks.evaluate("leader", view: candidate, source: "x", now: late).text == "CRITICAL: no leader on x"
            )
        }
    }

    @Test(
        "check shows node ids written by others escaped: a hostile heartbeat, lease or shard owner sends no escape to the terminal"
    )
    func evaluateEscapesIDs() {
        let hostile = "evil\u{1B}]0;pwn\u{07}"
        var view = Fixture.clusterView
        view.leader = hostile
        view.members[2] = Fixture.member(hostile, .down, load: 0)
        let owners = view.shardMap?.owners.map { $0 == "bravo" ? hostile + "2" : $0 } ?? []
        view.shardMap?.owners = owners
        for what in ["leader", "members"] {
            let text = Checks.evaluate(what, view: view, source: "x").text
            #expect(!text.unicodeScalars.contains("\u{1B}") && !text.unicodeScalars.contains("\u{07}"), "\(text)")
            #expect(text.contains("evil"), "\(text)")
        }
        #expect(Checks.evaluate("members", view: view, source: "x").text.contains("owns shards but was not heard from"))
    }
}

@Suite("A long history window")
struct LongWindowTests {
    @Test(
        "in a window of 20,000 events the selected state, its changes and what last changed a field are right, and follow the selection"
    )
    func longWindow() throws {
        // Field "n" changes on every event; "rare" at v7 and v15,000; a snapshot at v10,000.
        let events = (1...20_000).map { version in
            var data: JSONObject = ["n": .integer(Int64(version))]
            if version == 7 || version == 15_000 { data["rare"] = .integer(Int64(version)) }
            return Event(eventType: "Step", actorID: "a", version: Int64(version), data: data)
        }
        var model = Dashboard(settings: DashboardSettings(), label: "test")
        _ = model.apply(.resize(width: 100, height: 30))
        _ = model.apply(
            .history(
                namespace: "ns",
                actorID: "a",
                events: events,
                snapshots: [ActorSnapshot(actorID: "a", version: 10_000, state: ["n": 10_000, "rare": 7])],
                reducer: .mergePatch
            )
        )
        var detail = try #require(model.detail)
        #expect(detail.selectedEvent?.version == 20_000)
        #expect(detail.state(at: detail.selected).state == ["n": 20_000, "rare": 15_000])
        #expect(detail.state(at: detail.selected).snapshotVersion == 10_000)
        #expect(detail.selectedChanges.map(\.path) == ["n"])
        #expect(detail.lastChange(of: "rare")?.version == 15_000)
        #expect(detail.lastChange(of: "n")?.version == 20_000)
        // Moving the selection moves the replayed state with it (nothing stale is shown).
        _ = model.apply(.key(.down))
        detail = try #require(model.detail)
        #expect(detail.selectedEvent?.version == 19_999)
        #expect(detail.state(at: detail.selected).state == ["n": 19_999, "rare": 15_000])
        _ = model.apply(.key(.character("v")))
        for character in "9000" { _ = model.apply(.key(.character(character))) }
        _ = model.apply(.key(.enter))
        detail = try #require(model.detail)
        #expect(detail.selectedEvent?.version == 9_000)
        #expect(detail.state(at: detail.selected).state == ["n": 9_000, "rare": 7])
        #expect(detail.state(at: detail.selected).snapshotVersion == nil)
        #expect(detail.lastChange(of: "rare")?.version == 7)
        #expect(detail.selectedChanges.map(\.path) == ["n"])
        // An event arriving live is appended; the selection stays, and so does its state.
        _ = model.apply(
            .events(
                [
                    DeliveredEvent(
                        namespace: "ns",
                        event: Event(eventType: "Step", actorID: "a", version: 20_001, data: ["n": 1])
                    )
                ],
                at: .now()
            )
        )
        detail = try #require(model.detail)
        #expect(detail.events.count == 20_001)
        #expect(detail.state(at: detail.selected).state["n"] == 9_000)
        #expect(detail.state(at: detail.events.count - 1).state == ["n": 1, "rare": 15_000])
    }
}

@Suite("Actor detail: events since the snapshot")
struct SnapshotSinceTests {
    @Test("the title counts events after the snapshot, as the replay applies them, even when versions skip")
    func countsEvents() {
        let events = [1, 2, 3, 70, 71, 500].map { Event(eventType: "T", actorID: "a", version: Int64($0)) }
        let detail = ActorDetail(
            namespace: "orders",
            actorID: "a",
            events: events,
            snapshots: [ActorSnapshot(actorID: "a", version: 2, state: [:])],
            reducer: .mergePatch
        )
        #expect(detail.snapshotInfo(at: 500) == (2, 4))
        #expect(detail.snapshotInfo(at: 70) == (2, 2))
        // A window that starts after the snapshot: the versions between are all it knows.
        let window = ActorDetail(
            namespace: "orders",
            actorID: "a",
            events: Array(events.suffix(2)),
            snapshots: [ActorSnapshot(actorID: "a", version: 2, state: [:])],
            reducer: .mergePatch
        )
        #expect(window.snapshotInfo(at: 500) == (2, 498))
    }
}

@Suite("Actor detail: bad records where they lie")
struct BadRecordPlacementTests {
    @Test("each bad record stands above the event it follows, whatever the order of their sequences")
    func placement() {
        let events = (1...8).map { Event(eventType: "T", actorID: "a", version: Int64($0)) }
        let bad = { (sequence: UInt64, after: Int64) in
            ReplayError(
                sequence: sequence,
                rawData: [],
                cause: AetherError(code: .invalidJSON, message: "bad"),
                afterVersion: after
            )
        }
        // The newest record (a bad snapshot, after no event) came last; another follows v6, one v2.
        let detail = ActorDetail(
            namespace: "n",
            actorID: "a",
            events: events,
            snapshots: [],
            reducer: .mergePatch,
            errors: [bad(14, 0), bad(8, 6), bad(3, 2)]
        )
        let shown = detail.historyRows.map { row -> String in
            switch row {
            case .event(let index): "v\(detail.events[index].version)"
            case .bad(let index): "seq \(detail.errors[index].sequence)"
            }
        }
        #expect(shown == ["v8", "v7", "seq 8", "v6", "v5", "v4", "v3", "seq 3", "v2", "v1", "seq 14"])
    }
}

@Suite("Skipped bus messages in the message log")
struct BusProblemLogTests {
    @Test("new skipped messages are logged with subject, reason and first bytes, a few per update; old ones once")
    func logged() {
        var model = Fixture.dashboard()
        func problem(_ number: Int) -> BusProblem {
            BusProblem(
                number: number,
                subject: "aether.events.hostile",
                namespace: "hostile",
                reason: "not a JSON envelope object",
                firstBytes: Array("{bad\u{1B}[31m".utf8)
            )
        }
        var metrics = BusMetrics()
        metrics.recentProblems = [problem(1)]
        _ = model.apply(.busMetrics(metrics))
        #expect(
            model.messageLog.last?.text
                == #"bus: skipped a message on aether.events.hostile: not a JSON envelope object; it begins {bad\u{001B}[31m"#
        )
        #expect(model.message?.text.hasPrefix("1 bus message skipped") == true)
        let before = model.messageLog.count
        _ = model.apply(.busMetrics(metrics))
        #expect(model.messageLog.count == before, "an old problem is not logged again")
        metrics.recentProblems = (2...11).map(problem)
        _ = model.apply(.busMetrics(metrics))
        #expect(model.messageLog.count == before + Dashboard.busProblemsLogged + 1)
        #expect(model.messageLog.last?.text == "bus: 6 more skipped messages not listed")
        #expect(model.message?.text.hasPrefix("10 bus messages skipped") == true)
    }
}

@Suite("A live history picks up new snapshots")
struct LiveSnapshotTests {
    @Test("once events came, the open actor's snapshots are read again after 5 s, and their marks and counts follow")
    func refresh() {
        var model = Fixture.dashboard()
        _ = model.apply(.tick(Fixture.at(10)))
        _ = model.apply(
            .history(
                namespace: "orders",
                actorID: "order-1001",
                events: Fixture.orderHistory,
                snapshots: [ActorSnapshot(actorID: "order-1001", version: 2, state: [:])],
                reducer: .mergePatch
            )
        )
        // Nothing new: no read, however long.
        #expect(model.apply(.tick(Fixture.at(30))) == [])
        let next = Fixture.event("OrderNoteAdded", "order-1001", 6, ["note": "x"], at: 31)
        _ = model.apply(.events([DeliveredEvent(namespace: "orders", event: next)], at: Fixture.at(31)))
        #expect(model.detail?.latestVersion == 6)
        #expect(model.apply(.tick(Fixture.at(32))) == [.loadSnapshots(namespace: "orders", actorID: "order-1001")])
        #expect(model.apply(.tick(Fixture.at(33))) == [], "not at every tick")
        // Once more 2 s later: the member's snapshot may have come just after its event.
        #expect(model.apply(.tick(Fixture.at(34))) == [.loadSnapshots(namespace: "orders", actorID: "order-1001")])
        #expect(model.apply(.tick(Fixture.at(60))) == [], "then quiet until events come")
        _ = model.apply(
            .snapshots(
                namespace: "orders",
                actorID: "order-1001",
                [
                    ActorSnapshot(actorID: "order-1001", version: 2, state: [:]),
                    ActorSnapshot(actorID: "order-1001", version: 5, state: [:]),
                ]
            )
        )
        #expect(model.detail?.isSnapshotted(5) == true)
        #expect(model.detail.map { $0.snapshotInfo(at: $0.latestVersion) } ?? (nil, 0) == (5, 1))
        // Another actor's snapshots change nothing here.
        _ = model.apply(.snapshots(namespace: "orders", actorID: "order-1002", []))
        #expect(model.detail?.snapshots.count == 2)
    }
}

@Suite("Footer over the help and the message log")
struct OverlayFooterTests {
    @Test("the footer gives the overlay's keys, not the view's beneath, and they do what it says")
    func overlayKeys() {
        // Tall enough for the whole help: any key closes it.
        var tall = Fixture.dashboard(width: 160, height: 60)
        _ = tall.apply(.key(.character("?")))
        #expect(tall.overlay == .help)
        #expect(Renderer.hints(tall) == ["any key closes"])
        _ = tall.apply(.key(.down))
        #expect(tall.overlay == nil, "any key, an arrow too")
        // Short: it scrolls, and any other key closes it.
        var short = Fixture.dashboard(width: 100, height: 20)
        _ = short.apply(.key(.character("?")))
        #expect(short.helpLayout.maxOffset > 0)
        #expect(Renderer.hints(short) == ["↓↑ PgDn PgUp g G scroll", "any other key closes"])
        #expect(!Renderer.render(short).text.contains("q quit"), "not the view's keys")
        _ = short.apply(.key(.down))
        #expect(short.overlay == .help && short.helpOffset == 1)
        _ = short.apply(.key(.character("x")))
        #expect(short.overlay == nil)
        // The message log: short, it takes the scroll keys without moving; Esc closes it.
        _ = short.apply(.key(.character("m")))
        #expect(short.overlay == .messages(offset: 0))
        #expect(Renderer.hints(short) == ["Esc close"])
        _ = short.apply(.key(.down))
        #expect(short.overlay == .messages(offset: 0))
        _ = short.apply(.key(.escape))
        #expect(short.overlay == nil)
    }
}
