import Aether
import Testing

@testable import AetherTUI

/// The append form keeps what was typed; columns hold what they show; namespaces seen only on
/// the bus stay listed.
@Suite("Forms keep what was typed; columns fit their content")
struct FormsAndColumnsTests {
    /// The append form filled for `order-1001` at v6, as a user types it.
    static func typedAppend(_ model: inout Dashboard) {
        _ = model.apply(.key(.character("a")))
        _ = model.apply(.key(.tab))
        for _ in 0..<30 { _ = model.apply(.key(.backspace)) }
        for character in "order-1001" { _ = model.apply(.key(.character(character))) }
        _ = model.apply(.key(.tab))
        for character in "OrderNoteAdded" { _ = model.apply(.key(.character(character))) }
        _ = model.apply(.key(.tab))
        for _ in 0..<8 { _ = model.apply(.key(.backspace)) }
        _ = model.apply(.key(.character("6")))
        _ = model.apply(.key(.tab))
        _ = model.apply(.key(.backspace))
        _ = model.apply(.key(.backspace))
        for character in #"{"note":"call first"}"# { _ = model.apply(.key(.character(character))) }
    }

    @Test(
        "after a version conflict the form comes back as typed, its version at the actor's new latest + 1, the reason next to the field"
    )
    func conflictReopens() {
        var model = Fixture.dashboard()
        Self.typedAppend(&model)
        _ = model.apply(.key(.enter))
        guard case .confirm = model.overlay else {
            Issue.record("no confirmation: \(String(describing: model.overlay))")
            return
        }
        _ = model.apply(.key(.character("y")))
        #expect(model.overlay == nil)
        let since = [Fixture.event("OrderShipped", "order-1001", 6, [:], at: 6)]
        _ = model.apply(
            .appendConflict(namespace: "orders", actorID: "order-1001", attempted: 6, current: 7, since: since)
        )
        guard case .form(let form) = model.overlay else {
            Issue.record("the form did not come back")
            return
        }
        #expect(form.value("actor") == "order-1001")
        #expect(form.value("type") == "OrderNoteAdded")
        #expect(form.value("data") == #"{"note":"call first"}"#)
        #expect(form.value("version") == "8")
        #expect(form.purpose == .append(expectedVersion: 8))
        #expect(form.fields[form.focus].label == "version")
        #expect(form.fields[form.focus].note?.hasPrefix("v6 is taken: the actor is at v7") == true)
        let screen = Renderer.render(model).text
        #expect(screen.contains("v6 is taken: the actor is at v7"))
        #expect(screen.contains("Enter submit  Tab next field  Esc cancel"), "the keys stay on the form")
        // A free version below the latest (versions skip) is not said to be taken.
        var skipping = model
        skipping.overlay = nil  // the form was sent and closed
        _ = skipping.apply(
            .appendConflict(
                namespace: "orders",
                actorID: "order-1001",
                attempted: 8,
                current: 12,
                since: [Fixture.event("OrderShipped", "order-1001", 12, [:], at: 6)]
            )
        )
        if case .form(let again) = skipping.overlay {
            #expect(
                again.fields[again.focus].note?.hasPrefix("v8 is not after the latest version: the actor is at v12")
                    == true
            )
        } else {
            Issue.record("the form did not come back")
        }

        // A failed append brings it back too; Esc on it asks before throwing it away.
        _ = model.apply(.key(.escape))
        guard case .discardForm = model.overlay else {
            Issue.record("Esc discarded a typed form without asking")
            return
        }
        _ = model.apply(.key(.character("n")))
        #expect({ if case .form = model.overlay { true } else { false } }(), "n goes back to the form")
        _ = model.apply(.key(.escape))
        _ = model.apply(.key(.character("y")))
        #expect(model.overlay == nil)
        _ = model.apply(.appendFailed("append to orders/order-1001 failed; nothing written: timeout"))
        guard case .form(let again) = model.overlay else {
            Issue.record("the form did not come back after a failure")
            return
        }
        #expect(again.value("data") == #"{"note":"call first"}"#)
    }

    @Test(
        "a bad version is refused on the form, next to the field, with the footer still there; an untouched form closes on Esc"
    )
    func versionNote() {
        var model = Fixture.dashboard()
        Self.typedAppend(&model)
        // Version field: make it "0".
        _ = model.apply(.key(.backTab))
        _ = model.apply(.key(.backspace))
        _ = model.apply(.key(.character("0")))
        _ = model.apply(.key(.enter))
        guard case .form(let form) = model.overlay else {
            Issue.record("the form closed")
            return
        }
        #expect(form.fields[form.focus].note == "version must be a whole number above 0, not \"0\"")
        let screen = Renderer.render(model).text
        #expect(screen.contains("version must be a whole number above 0"))
        #expect(screen.contains("Enter submit  Tab next field  Esc cancel"))

        var untouched = Fixture.dashboard()
        _ = untouched.apply(.key(.character("a")))
        _ = untouched.apply(.key(.escape))
        #expect(untouched.overlay == nil)
    }

    @Test("the VER columns show versions of 100,000 and more whole; the tail's columns size from the rows shown")
    func columnsFit() {
        var model = Fixture.dashboard(width: 120, height: 30)
        let long = Fixture.event("OrderNoteAdded", "order-with-a-long-identifier-77", 1_652_304, [:], at: 6)
        _ = model.apply(.events([DeliveredEvent(namespace: "orders", event: long)], at: Fixture.at(6)))
        let tail = Renderer.render(model).text
        let row = tail.split(separator: "\n").first { $0.contains("OrderNoteAdded") }.map(String.init) ?? ""
        #expect(row.contains(" 1652304 "), "\(row)")
        #expect(row.contains("order-with-a-long-identifier-77"), "an actor ID that fits is not cut: \(row)")
        var narrow = Fixture.dashboard(width: 80, height: 24)
        _ = narrow.apply(.events([DeliveredEvent(namespace: "orders", event: long)], at: Fixture.at(6)))
        let cut = Renderer.render(narrow).text.split(separator: "\n").first { $0.contains("OrderNoteAdded") } ?? ""
        #expect(cut.contains(" 1652304 "), "the version is whole at 80 columns too: \(cut)")

        _ = model.apply(
            .history(
                namespace: "orders",
                actorID: "order-1001",
                events: [Fixture.event("OrderPlaced", "order-1001", 165_230, [:], at: 1)],
                snapshots: [],
                reducer: DemoDomain.reducer(for: "orders"),
                readFrom: 165_230
            )
        )
        let history = Renderer.render(model).text
        #expect(history.contains("v165230 "), "\(history)")
        #expect(!history.contains("v1652…"))
    }

    @Test("namespaces seen only on the bus stay listed next to the store's, marked")
    func busOnlyNamespaces() {
        var model = Fixture.dashboard(width: 100, height: 30)
        _ = model.apply(.namespaces(["orders"]))
        let screen = Renderer.render(model).text
        #expect(screen.contains("Namespaces (3)"))
        #expect(screen.contains("payments*") && screen.contains("inventory*"))
        #expect(!screen.contains("orders*"))
        #expect(screen.contains("* seen on the bus only, no stream"))
    }

    @Test("--namespace and --actor choose what the Actors view lists and opens first")
    func startNamespace() {
        var settings = DashboardSettings()
        settings.startNamespace = "payments"
        settings.startActor = "payment-1003"
        var model = Dashboard(settings: settings, label: "test")
        #expect(
            model.apply(.namespaces(["inventory", "orders", "payments"])) == [
                .openExact(namespace: "payments", actorID: "payment-1003"), .loadActors(namespace: "payments"),
            ]
        )
        #expect(model.actorNamespace == "payments")
    }

    @Test(
        "Ctrl-U clears a field and Ctrl-W deletes the word before the cursor: in forms, the : line and typed confirmations"
    )
    func lineEditing() {
        #expect(Key.deleteWord.edit("actor orders/  ") == "actor ")
        #expect(Key.deleteWord.edit("one") == "")
        #expect(Key.clearLine.edit("anything") == "")
        #expect(Key.up.edit("kept") == nil)

        var model = Fixture.dashboard()
        _ = model.apply(.key(.character("a")))
        _ = model.apply(.key(.tab))
        _ = model.apply(.key(.clearLine))
        for character in "order-1001 extra" { _ = model.apply(.key(.character(character))) }
        _ = model.apply(.key(.deleteWord))
        guard case .form(let form) = model.overlay else {
            Issue.record("the append form closed")
            return
        }
        #expect(form.fields[form.focus].text == "order-1001 ")
        // A key that edits nothing leaves the field's note alone.
        _ = model.apply(.key(.pageDown))
        guard case .form(let same) = model.overlay else { return }
        #expect(same.fields == form.fields)

        var line = Fixture.dashboard()
        _ = line.apply(.key(.character(":")))
        for character in "actor orders/order-1" { _ = line.apply(.key(.character(character))) }
        _ = line.apply(.key(.deleteWord))
        guard case .command(let typed) = line.overlay else {
            Issue.record("the command line closed")
            return
        }
        #expect(typed.text == "actor ")
        _ = line.apply(.key(.clearLine))
        guard case .command(let cleared) = line.overlay else {
            Issue.record("Ctrl-U closed the command line")
            return
        }
        #expect(cleared.text == "")
    }
}
