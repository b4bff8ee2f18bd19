/// A colour the terminal can show. Colour never carries meaning alone: every coloured
/// status is also written as text.
public enum Color: UInt8, Sendable, Hashable, CaseIterable {
    case normal
    case red
    case green
    case yellow
    case blue
    case magenta
    case cyan
    case white
    case gray
}

/// How a cell is drawn.
public struct Style: Sendable, Hashable {
    public var color: Color
    public var bold: Bool
    public var reverse: Bool
    public var dim: Bool

    public init(_ color: Color = .normal, bold: Bool = false, reverse: Bool = false, dim: Bool = false) {
        self.color = color
        self.bold = bold
        self.reverse = reverse
        self.dim = dim
    }

    public static let plain = Style()
    public static let header = Style(.cyan, bold: true)
    public static let title = Style(.white, bold: true)
    public static let selected = Style(reverse: true)
    public static let muted = Style(.gray, dim: true)
    public static let good = Style(.green)
    public static let warn = Style(.yellow, bold: true)
    public static let bad = Style(.red, bold: true)
    public static let key = Style(.yellow, bold: true)
}

/// One character cell: a single Unicode scalar (one terminal column) and its style.
/// Trivially copyable, so a 200×60 canvas is one flat buffer with nothing to retain.
public struct Cell: Sendable, Hashable {
    public var scalar: Unicode.Scalar
    public var style: Style
    /// A combining mark drawn on this cell's character (`e` + U+0301 is `é`).
    public var mark: Unicode.Scalar?

    public init(_ character: Character = " ", _ style: Style = .plain) {
        self.scalar = character.unicodeScalars.first ?? " "
        self.style = style
    }

    public init(scalar: Unicode.Scalar, _ style: Style = .plain) {
        self.scalar = scalar
        self.style = style
    }

    public var character: Character { Character(scalar) }

    /// The second cell of a wide character.
    public static let continuation: Unicode.Scalar = "\u{0}"
}

/// A rectangle of cells.
public struct Rect: Sendable, Hashable {
    public var x: Int
    public var y: Int
    public var width: Int
    public var height: Int

    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = max(0, width)
        self.height = max(0, height)
    }

    public var maxX: Int { x + width }
    public var maxY: Int { y + height }

    public func contains(x column: Int, y row: Int) -> Bool {
        column >= x && column < maxX && row >= y && row < maxY
    }
    /// The inside of a box drawn on this rectangle.
    public var inner: Rect { Rect(x: x + 1, y: y + 1, width: max(0, width - 2), height: max(0, height - 2)) }

    /// Splits off `rows` rows from the top.
    public func top(_ rows: Int) -> (Rect, Rect) {
        let taken = min(max(rows, 0), height)
        return (
            Rect(x: x, y: y, width: width, height: taken),
            Rect(x: x, y: y + taken, width: width, height: height - taken)
        )
    }

    /// Splits off `columns` columns from the left.
    public func left(_ columns: Int) -> (Rect, Rect) {
        let taken = min(max(columns, 0), width)
        return (
            Rect(x: x, y: y, width: taken, height: height),
            Rect(x: x + taken, y: y, width: width - taken, height: height)
        )
    }
}

/// A grid of cells that views draw into; the terminal shows it, tests read it as text.
public struct Canvas: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public private(set) var cells: [Cell]
    public var glyphs: Glyphs
    /// What a click at each place selects, recorded by the views as they draw: mouse hit-testing
    /// reads the layout the views made, never a copy of their geometry.
    public private(set) var clickTargets: [ClickTarget.Region] = []

    /// Records that a click in `rect` selects `target` (later regions win where they overlap).
    public mutating func mark(_ rect: Rect, _ target: ClickTarget) {
        clickTargets.append(ClickTarget.Region(rect: rect, target: target))
    }

    /// What a click at (`x`, `y`) selects, if anything.
    public func clickTarget(x: Int, y: Int) -> ClickTarget? {
        clickTargets.last { $0.rect.contains(x: x, y: y) }?.target
    }

    public init(width: Int, height: Int, glyphs: Glyphs = .unicode) {
        self.width = max(0, width)
        self.height = max(0, height)
        self.cells = Array(repeating: Cell(), count: self.width * self.height)
        self.glyphs = glyphs
    }

    public var bounds: Rect { Rect(x: 0, y: 0, width: width, height: height) }

    public subscript(x: Int, y: Int) -> Cell {
        get { cells[y * width + x] }
        set {
            guard x >= 0, y >= 0, x < width, y < height else { return }
            cells[y * width + x] = newValue
        }
    }

    /// Writes `text` from (x, y), clipped to `limit` columns (and the canvas). Returns the
    /// number of columns written. Each character takes its display width (``DisplayText``): wide
    /// ones two cells, combining marks none; control, zero-width and bidirectional characters
    /// are written as visible escapes, and in ASCII mode so is anything above 0x7F.
    @discardableResult
    public mutating func put(_ text: String, x: Int, y: Int, style: Style = .plain, limit: Int? = nil) -> Int {
        guard y >= 0, y < height else { return 0 }
        let end = min(width, limit.map { x + max(0, $0) } ?? width)
        let ascii = glyphs.asciiOnly
        var column = x
        let row = y * width
        // The cell of the character a combining mark belongs to, while it can take one.
        var markable: Int?
        scalars: for scalar in text.unicodeScalars {
            guard column < end else { break }
            var shown = DisplayText.shown(scalar, ascii: ascii)
            if case .combining = shown {
                if let index = markable {
                    cells[index].mark = scalar
                    markable = nil
                    continue
                }
                // A second mark on one character, or one with no character: shown, not lost.
                shown = .text(DisplayText.escape(scalar.value))
            }
            markable = nil
            switch shown {
            case .combining:
                continue
            case .scalar(let shown, let span):
                if span == 2 {
                    guard column + 1 < end else {
                        // Half a wide character does not fit: the cell stays blank.
                        if column >= 0 { cells[row + column] = Cell(scalar: " ", style) }
                        column += 1
                        break scalars
                    }
                    if column >= 0 {
                        cells[row + column] = Cell(scalar: shown, style)
                        markable = row + column
                    }
                    if column + 1 >= 0 { cells[row + column + 1] = Cell(scalar: Cell.continuation, style) }
                    column += 2
                } else {
                    if column >= 0 {
                        cells[row + column] = Cell(scalar: shown, style)
                        markable = row + column
                    }
                    column += 1
                }
            case .text(let escape):
                for character in escape.unicodeScalars {
                    guard column < end else { break scalars }
                    if column >= 0 { cells[row + column] = Cell(scalar: character, style) }
                    column += 1
                }
            }
        }
        return max(0, column - x)
    }

    /// Writes `text` in `rect`'s first row from `offset`, truncated with an ellipsis when too long.
    public mutating func put(_ text: String, in rect: Rect, row: Int = 0, offset: Int = 0, style: Style = .plain) {
        guard row < rect.height, offset < rect.width else { return }
        let room = rect.width - offset
        put(
            Self.fit(text, room, glyphs: glyphs),
            x: rect.x + offset,
            y: rect.y + row,
            style: style,
            limit: room
        )
    }

    /// Restyles cells without changing their characters.
    public mutating func restyle(_ rect: Rect, _ style: Style) {
        let (rows, columns) = clipped(rect)
        for y in rows {
            for x in columns { cells[y * width + x].style = style }
        }
    }

    public mutating func fill(_ rect: Rect, _ character: Character = " ", style: Style = .plain) {
        let (rows, columns) = clipped(rect)
        for y in rows {
            for x in columns { cells[y * width + x] = Cell(character, style) }
        }
    }

    /// The rows and columns of `rect` on the canvas: empty when it lies outside, however it
    /// was computed (a layout on a terminal too small for it).
    private func clipped(_ rect: Rect) -> (Range<Int>, Range<Int>) {
        let top = max(rect.y, 0)
        let left = max(rect.x, 0)
        return (top..<max(top, min(rect.maxY, height)), left..<max(left, min(rect.maxX, width)))
    }

    /// A box around `rect` with a title in its top edge.
    public mutating func box(_ rect: Rect, title: String = "", style: Style = .muted, titleStyle: Style = .title) {
        guard rect.width >= 2, rect.height >= 2 else { return }
        let g = glyphs
        for x in rect.x + 1..<rect.maxX - 1 {
            self[x, rect.y] = Cell(g.horizontal, style)
            self[x, rect.maxY - 1] = Cell(g.horizontal, style)
        }
        for y in rect.y + 1..<rect.maxY - 1 {
            self[rect.x, y] = Cell(g.vertical, style)
            self[rect.maxX - 1, y] = Cell(g.vertical, style)
        }
        self[rect.x, rect.y] = Cell(g.topLeft, style)
        self[rect.maxX - 1, rect.y] = Cell(g.topRight, style)
        self[rect.x, rect.maxY - 1] = Cell(g.bottomLeft, style)
        self[rect.maxX - 1, rect.maxY - 1] = Cell(g.bottomRight, style)
        if !title.isEmpty, rect.width > 4 {
            put(
                " " + Self.fit(title, rect.width - 6, glyphs: g) + " ",
                x: rect.x + 2,
                y: rect.y,
                style: titleStyle
            )
        }
    }

    /// What the terminal shows of row `y`, as runs of one style from column `x` up to `end`: a
    /// wide character once (its second cell is part of it), half a wide character (the other
    /// half overwritten) as a space.
    public func runs(ofRow y: Int) -> [(x: Int, end: Int, text: String, style: Style)] {
        var runs: [(x: Int, end: Int, text: String, style: Style)] = []
        var x = 0
        let row = y * width
        while x < width {
            let style = cells[row + x].style
            let start = x
            var text = String.UnicodeScalarView()
            while x < width, cells[row + x].style == style {
                let scalar = cells[row + x].scalar
                if scalar.value >= 0x1100, DisplayText.isWide(scalar), x + 1 < width,
                    cells[row + x + 1].scalar == Cell.continuation
                {
                    // Both cells at once, whatever the second one's style.
                    text.append(scalar)
                    if let mark = cells[row + x].mark { text.append(mark) }
                    x += 2
                } else if scalar == Cell.continuation || (scalar.value >= 0x1100 && DisplayText.isWide(scalar)) {
                    // Half of a wide character whose other half was overwritten.
                    text.append(" ")
                    x += 1
                } else {
                    text.append(scalar)
                    if let mark = cells[row + x].mark { text.append(mark) }
                    x += 1
                }
            }
            runs.append((start, x, String(text), style))
        }
        return runs
    }

    /// The canvas as lines of text, trailing spaces removed (for golden tests and `--once`).
    /// A wide character appears once, as the terminal shows it.
    public var text: String {
        (0..<height).map { y in
            var line = runs(ofRow: y).map(\.text).joined()
            while line.last == " " { line.removeLast() }
            return line
        }.joined(separator: "\n")
    }

    /// `text` cut to `width` columns, ending in an ellipsis when cut.
    public static func fit(_ text: String, _ width: Int, glyphs: Glyphs = .unicode) -> String {
        guard width > 0 else { return "" }
        let ascii = glyphs.asciiOnly
        // Fast path: printable ASCII text's width is its byte count.
        if text.utf8.count <= width, text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) { return text }
        if DisplayText.width(text, ascii: ascii) <= width { return text }
        let room = width - DisplayText.width(String(glyphs.ellipsis), ascii: ascii)
        var kept = String.UnicodeScalarView()
        var used = 0
        var markable = false
        for scalar in text.unicodeScalars {
            let cells = DisplayText.cells(scalar, markable: &markable, ascii: ascii)
            if used + cells > room { break }
            used += cells
            kept.append(scalar)
        }
        return String(kept) + String(glyphs.ellipsis)
    }

    /// `text` padded or cut to exactly `width` columns.
    public static func pad(_ text: String, _ width: Int, right: Bool = false, glyphs: Glyphs = .unicode) -> String {
        let cut = fit(text, width, glyphs: glyphs)
        let padding = String(repeating: " ", count: max(0, width - DisplayText.width(cut, ascii: glyphs.asciiOnly)))
        return right ? padding + cut : cut + padding
    }
}

/// Line drawing and marks, in UTF-8 or plain ASCII.
public struct Glyphs: Sendable, Equatable {
    public var horizontal: Character
    public var vertical: Character
    public var topLeft: Character
    public var topRight: Character
    public var bottomLeft: Character
    public var bottomRight: Character
    public var ellipsis: Character
    public var sparks: [Character]
    public var bullet: Character
    public var snapshotMark: Character
    public var arrow: Character
    public var pointer: Character
    /// Nothing above 0x7F is drawn (`--ascii`): other characters are shown as escapes.
    public var asciiOnly = false

    public static let unicode = Glyphs(
        horizontal: "─",
        vertical: "│",
        topLeft: "┌",
        topRight: "┐",
        bottomLeft: "└",
        bottomRight: "┘",
        ellipsis: "…",
        sparks: ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"],
        bullet: "●",
        snapshotMark: "◆",
        arrow: "→",
        pointer: "▶",
        asciiOnly: false
    )

    public static let ascii = Glyphs(
        horizontal: "-",
        vertical: "|",
        topLeft: "+",
        topRight: "+",
        bottomLeft: "+",
        bottomRight: "+",
        ellipsis: "~",
        sparks: ["_", ".", ",", "-", "=", "+", "*", "#"],
        bullet: "*",
        snapshotMark: "S",
        arrow: ">",
        pointer: ">",
        asciiOnly: true
    )

    /// A sparkline of `values` scaled to their maximum, `width` columns (the latest on the right).
    public func sparkline(_ values: [Double], width: Int) -> String {
        guard width > 0 else { return "" }
        let shown = values.suffix(width)
        let top = shown.max() ?? 0
        let line = shown.map { value -> Character in
            guard top > 0, value > 0 else { return " " }
            let index = Int((value / top * Double(sparks.count - 1)).rounded())
            return sparks[min(max(index, 0), sparks.count - 1)]
        }
        return String(repeating: " ", count: width - line.count) + String(line)
    }
}

/// Something a mouse click selects.
public enum ClickTarget: Sendable, Equatable {
    case tab(ViewID)
    /// A row of the Actors list: its index in the visible actors.
    case actor(Int)
    /// A row of the live tail: its index in the visible tail.
    case tail(Int)
    /// A row of the members table.
    case member(Int)

    public struct Region: Sendable, Equatable {
        public var rect: Rect
        public var target: ClickTarget
    }
}
