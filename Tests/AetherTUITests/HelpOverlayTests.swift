import Foundation
import Testing

@testable import AetherTUI

/// The help at 80×24, over a small SSH window: every key can be read, and it says how.
@Suite("Help that fits: it scrolls when the terminal is too small")
struct HelpOverlayTests {
    static func screen(_ model: Dashboard) -> String { Renderer.render(model).text }

    @Test("at 80×24 the help shows a range, says how to scroll, and every binding can be reached")
    func scrollsAtEightyByTwentyFour() {
        var model = Fixture.dashboard(width: 80, height: 24)
        _ = model.apply(.key(.character("?")))
        // In the order the help shows them: the view's keys first.
        let lines = model.keyMap.helpLines(for: model.view)
        let layout = model.helpLayout
        #expect(layout.rows < lines.count, "the fixture's key map fits 80×24 now; the test needs more bindings")
        var screen = Self.screen(model)
        #expect(screen.contains("Keys 1–\(layout.rows) of \(lines.count)"))
        #expect(screen.contains("↓↑ PgDn PgUp scroll │ Esc closes ─"), "the title fits its box")
        #expect(!screen.contains(lines.last!.summary))

        // Every binding is on screen at some offset: scroll down a line at a time.
        var seen = Set<String>()
        for _ in 0...lines.count {
            screen = Self.screen(model)
            for line in lines where screen.contains(line.summary) { seen.insert(line.summary) }
            _ = model.apply(.key(.down))
        }
        #expect(seen == Set(lines.map(\.summary)))
        #expect(model.overlay == .help, "scrolling keys keep the help open")
        #expect(model.helpOffset == layout.maxOffset, "scrolling stops at the last line")
        #expect(Self.screen(model).contains("of \(lines.count)") && Self.screen(model).contains(lines.last!.summary))

        _ = model.apply(.key(.home))
        #expect(model.helpOffset == 0)
        _ = model.apply(.key(.up))
        #expect(model.helpOffset == 0, "no scrolling above the first line")
        _ = model.apply(.key(.pageDown))
        #expect(model.helpOffset == min(layout.rows, layout.maxOffset))
        _ = model.apply(.key(.end))
        #expect(model.helpOffset == layout.maxOffset)

        // Any other key closes it; opened again, it starts at the top.
        _ = model.apply(.key(.escape))
        #expect(model.overlay == nil)
        _ = model.apply(.key(.character("?")))
        #expect(model.helpOffset == 0)
        _ = model.apply(.key(.character("x")))
        #expect(model.overlay == nil)
    }

    @Test("where everything fits, nothing scrolls and the title stays as it was")
    func fitsWhenTall() {
        var model = Fixture.dashboard(width: 80, height: 40)
        _ = model.apply(.key(.character("?")))
        #expect(model.helpLayout.maxOffset == 0)
        #expect(Self.screen(model).contains("Keys (any key closes)"))
        _ = model.apply(.key(.down))
        #expect(model.overlay == nil, "with nothing to scroll, any key closes it, as before")
    }

    @Test("the keys of the current view come first, then the ones for every view, each in the key map's order")
    func currentViewFirst() {
        let map = KeyMap.standard
        for view in ViewID.allCases {
            let lines = map.helpLines(for: view)
            let own = map.bindings.filter { $0.command.views.contains(view) }.map(\.command.summary)
            #expect(lines.prefix(own.count).map(\.summary) == own, "\(view)")
            #expect(Set(lines.map(\.summary)) == Set(map.helpLines.map(\.summary)), "\(view): every key is listed")
        }
        #expect(map.helpLines(for: .cluster).first?.keys == "K")
        #expect(map.helpLines(for: .streams).prefix(4).map(\.keys) == ["Enter", "/", "space", "a"])
        var model = Fixture.dashboard(width: 80, height: 24)
        _ = model.apply(.key(.character("3")))
        _ = model.apply(.key(.character("?")))
        #expect(
            Self.screen(model).split(separator: "\n")[2].contains("kill a member"),
            "in the Cluster view its key leads"
        )
    }

    @Test("the footer leaves out a hint that does not fit, never cuts one", arguments: [24, 40, 52, 61, 80, 120])
    func footerHints(width: Int) {
        let hints = ["q quit", "? help", "/ filter", "space pause", "↵ open actor", "a append"]
        let line = Renderer.fitHints(hints, width: width, glyphs: Glyphs.unicode)
        #expect(DisplayText.width(line, ascii: false) <= width)
        let shown = line.isEmpty ? [] : line.components(separatedBy: "  ")
        #expect(shown == Array(hints.prefix(shown.count)), "whole hints, in order: \(line)")
        let next = hints.prefix(shown.count + 1).joined(separator: "  ")
        #expect(shown.count == hints.count || DisplayText.width(next, ascii: false) > width, "one more would have fit")
    }
}
