import Aether
import Testing

@testable import AetherTUI

@Suite("Any terminal size: every view and overlay draws, however small or odd")
struct TinyTerminalTests {
    /// The fixture with every pane full: many namespaces, store figures.
    static func full() -> Dashboard {
        var model = Fixture.dashboard(width: 120, height: 40)
        var figures: [StoreFigures] = []
        for index in 0..<300 {
            figures.append(
                StoreFigures(
                    namespace: "tenant-\(index)",
                    actors: index,
                    events: index,
                    stream: "tenant-\(index)_events"
                )
            )
        }
        _ = model.apply(.storeFigures(figures))
        return model
    }

    @Test("views, the help, a form and the inspector at every size from 1×1 to 40×12, and 200×3")
    func everySize() {
        let base = Self.full()
        let setups: [(String, [Key])] = [
            ("streams", [.character("1")]),
            ("actors", [.character("2"), .enter]),
            ("cluster", [.character("3")]),
            ("bus", [.character("4"), .pageDown]),
            ("help", [.character("?")]),
            ("append form", [.character("a")]),
            ("inspector", [.character("1"), .enter]),
        ]
        // An opened actor with bad records, and a drill with its report.
        var opened = base
        _ = opened.apply(.key(.character("2")))
        _ = opened.apply(
            BadRecordsViewTests.history()
        )
        var drilled = base
        drilled.drill = DrillState(method: .resign(leader: "alpha", term: 42), startedAt: Fixture.at(0))
        drilled.drill?.steps = (0..<12).map { .init(name: "step \($0)", at: Fixture.at(Int64($0))) }
        drilled.overlay = .drill
        for (name, start, keys) in [
            ("history", opened, [Key.down]), ("state pane", opened, [.right]), ("drill", drilled, []),
        ]
            + setups.map({ ($0.0, base, $0.1) })
        {
            var model = start
            for key in keys { _ = model.apply(.key(key)) }
            for (width, height) in [(1, 1), (200, 3), (3, 200), (60, 7), (90, 9), (120, 6), (200, 10), (41, 30)]
                + (1...40).flatMap({ w in (1...12).map { (w, $0) } })
            {
                _ = model.apply(.resize(width: width, height: height))
                let text = Renderer.render(model).text
                #expect(
                    text.split(separator: "\n", omittingEmptySubsequences: false).count >= height,
                    "\(name) at \(width)×\(height)"
                )
            }
        }
    }

    @Test("the Bus view's Store table shows every stream: problems first, a range in its title, and it scrolls")
    func storeScrolls() {
        var model = Self.full()
        var figures = (0..<300).map {
            StoreFigures(namespace: "tenant-\($0)", actors: 1, events: 1, stream: "tenant-\($0)_events")
        }
        var misnamed = StoreFigures(namespace: "(misnamed) \"orders\"", actors: 0, events: 0, stream: "zz_other")
        misnamed.problem = "claims orders, held by orders_events"
        figures.append(misnamed)
        _ = model.apply(.storeFigures(figures))
        _ = model.apply(.key(.character("4")))
        var screen = Renderer.render(model).text
        #expect(screen.contains("(misnamed)"), "a problem is listed first, not below the fold")
        #expect(screen.contains("Store (301)") && screen.contains("of 301 (↓↑ PgDn PgUp scroll)"))
        #expect(!screen.contains("tenant-299 "))
        _ = model.apply(.key(.end))
        screen = Renderer.render(model).text
        #expect(screen.contains("tenant-299 "), "the last row is reachable")
        #expect(screen.contains("of 301 (↓↑"))
        // One key back up moves the table at once: no dead zone past the end.
        let title = screen.split(separator: "\n").first { $0.contains("Store (301)") }
        _ = model.apply(.key(.up))
        #expect(Renderer.render(model).text.split(separator: "\n").first { $0.contains("Store (301)") } != title)
    }

    @Test("--once --json: a large namespace's uncounted figures are null, not 0; the actors page says it is a page")
    func batchJSONSaysWhatItDidNotCount() {
        var model = Fixture.dashboard()
        var big = StoreFigures(namespace: "big", actors: 0, events: 0, bytes: 32_800_000, stream: "big_events")
        big.counted = false
        big.records = 100_000
        _ = model.apply(.storeFigures([big]))
        _ = model.apply(.key(.character("4")))
        guard case .array(let rows)? = Batch.data(of: model)["store"], case .object(let row)? = rows.first else {
            Issue.record("no store rows")
            return
        }
        #expect(row["actors"] == .null && row["events"] == .null && row["snapshots"] == .null)
        #expect(row["records"] == .integer(100_000) && row["counted"] == .bool(false))

        _ = model.apply(.key(.character("2")))
        _ = model.apply(
            .actorPage(
                namespace: model.actorNamespace ?? "orders",
                matching: "",
                ActorPage(
                    actors: [ActorVersion(actorID: "a-1", version: 1)],
                    total: 100_000,
                    examined: 1,
                    next: ActorCursor(token: "a-1", position: 1)
                ),
                first: true
            )
        )
        let data = Batch.data(of: model)
        #expect(data["total"] == .integer(100_000) && data["truncated"] == .bool(true) && data["listed"] == .integer(1))
    }

    @Test(
        "--once --json: a stream that claims a namespace it does not hold has no namespace; the claim is apart, as written"
    )
    func batchJSONKeepsAClaimApart() {
        var model = Fixture.dashboard()
        var figures = StoreFigures(namespace: #"(misnamed) "orders""#, actors: 0, events: 0, stream: "liar_events")
        figures.otherRecords = 3
        figures.claimedNamespace = "orders\u{1B}[2J"
        figures.problem = "stream liar_events claims namespace orders: its name is not the namespace's"
        _ = model.apply(.storeFigures([figures]))
        _ = model.apply(.key(.character("4")))
        guard case .array(let rows)? = Batch.data(of: model)["store"], case .object(let row)? = rows.first else {
            Issue.record("no store rows")
            return
        }
        #expect(row["namespace"] == .null)
        #expect(row["claimed_namespace"] == .string("orders\u{1B}[2J"))
        #expect(row["other_records"] == .integer(3))
        #expect(row["problem"] != .null)
    }
}
