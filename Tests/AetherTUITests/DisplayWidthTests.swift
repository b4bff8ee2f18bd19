import Aether
import Foundation
import Testing

@testable import AetherTUI

@Suite("Display widths: wide, zero-width and bidirectional characters keep every column in place")
struct DisplayWidthTests {
    static let hostileActors = [
        "注文-1001",  // CJK: two cells each
        "🚀rocket",  // emoji: two cells
        "zero\u{200B}width",  // ZERO WIDTH SPACE
        "bidi\u{202E}lilve",  // RIGHT-TO-LEFT OVERRIDE
        "cafe\u{301}",  // a combining accent: no cell of its own
    ]

    static func model() -> Dashboard {
        var model = Fixture.dashboard()
        let delivered = hostileActors.enumerated().map { index, actor in
            DeliveredEvent(
                namespace: "orders",
                event: Fixture.event(index == 1 ? "Launched🚀" : "Placed", actor, 7, ["k": "値"], at: 10)
            )
        }
        _ = model.apply(.events(delivered, at: Fixture.at(10)))
        return model
    }

    @Test("each character's width follows wcwidth; invisible ones are escaped")
    func widths() {
        #expect(DisplayText.width("abc") == 3)
        #expect(DisplayText.width("注文") == 4)
        #expect(DisplayText.width("🚀") == 2)
        #expect(DisplayText.width("ｆｕｌｌ") == 8)
        #expect(DisplayText.width("cafe\u{301}") == 4)
        #expect(DisplayText.visible("a\u{200B}b") == #"a\u{200B}b"#)
        #expect(DisplayText.visible("x\u{202E}y\u{2066}z\u{FEFF}") == #"x\u{202E}y\u{2066}z\u{FEFF}"#)
        #expect(DisplayText.visible("\u{1B}[31m\u{7}") == #"\u{001B}[31m\u{0007}"#)
        #expect(DisplayText.visible("no\u{A0}break") == #"no\u{00A0}break"#)
        #expect(DisplayText.width("flag🇯🇵x") == 7, "a regional indicator is one cell")
        #expect(DisplayText.width("\u{1100}\u{1161}") == 2, "a conjoining vowel takes no cell")
        #expect(DisplayText.width("a\u{200B}b") == 10)
        #expect(DisplayText.visible("注→", ascii: true) == #"\u{6CE8}>"#)
    }

    @Test("fit and pad count cells, never cut a wide character in half")
    func fitAndPad() {
        #expect(Canvas.fit("注文注文", 5) == "注文…")
        #expect(DisplayText.width(Canvas.pad("注文", 6)) == 6)
        #expect(DisplayText.width(Canvas.pad("a\u{200B}b", 12)) == 12)
        var canvas = Canvas(width: 5, height: 1)
        canvas.put("ab注文", x: 0, y: 0)
        #expect(canvas.text == "ab注")  // the second wide character does not fit in the last cell
        canvas.put("x", x: 3, y: 0)  // overwrites the second half of 注
        #expect(canvas.text == "ab x")

        // Stacked combining marks: the first rides on its character, the others are escapes
        // eight cells wide; a cut or a wrap counts them so, and the next column stays put.
        let stacked = "comb-e\u{301}\u{301}\u{301}x-tail"
        #expect(DisplayText.width(stacked) == 5 + 1 + 16 + 6)
        for width in [4, 10, 15, 20, 27] {
            var row = Canvas(width: 40, height: 1)
            row.put(Canvas.pad(stacked, width) + "|", x: 0, y: 0)
            #expect(row.cells[width].scalar == "|", "padded to \(width): \(row.text)")
        }
        #expect(DisplayText.wrap(stacked, width: 10).allSatisfy { DisplayText.width($0) <= 10 })
    }

    @Test("the live tail: wide and invisible characters in actors and types keep the columns aligned")
    func tail() {
        let model = Self.model()
        Fixture.expectFrame(model, "wide-tail", Golden.wideTail)
        // Every tail row's version stands in the same cells.
        let canvas = Renderer.render(model)
        var versionColumns: Set<Int> = []
        for y in 0..<canvas.height {
            let line = canvas.runs(ofRow: y).map(\.text).joined()
            guard line.contains(" 7 k=") else { continue }
            let prefix = line[..<line.range(of: " 7 k=")!.lowerBound]
            versionColumns.insert(DisplayText.width(String(prefix)))
        }
        #expect(versionColumns.count == 1, "version columns: \(versionColumns)")
    }

    @Test("the Actors list: wide and invisible characters keep the version column aligned")
    func actorsList() {
        var model = Self.model()
        _ = model.apply(.key(.character("2")))
        _ = model.apply(.key(.character("]")))
        _ = model.apply(.actors(namespace: "orders", Self.hostileActors.map { ActorVersion(actorID: $0, version: 7) }))
        Fixture.expectFrame(model, "wide-actors", Golden.wideActors)
        let canvas = Renderer.render(model)
        var columns: Set<Int> = []
        for y in 0..<canvas.height {
            let line = canvas.runs(ofRow: y).map(\.text).joined()
            guard let range = line.range(of: "v7 ") else { continue }
            columns.insert(DisplayText.width(String(line[..<range.lowerBound])))
        }
        #expect(columns.count == 1, "version columns: \(columns)")
    }
}
