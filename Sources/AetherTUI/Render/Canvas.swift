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

    public init(_ character: Character = " ", _ style: Style = .plain) {
        self.scalar = character.unicodeScalars.first ?? " "
        self.style = style
    }

    public init(scalar: Unicode.Scalar, _ style: Style = .plain) {
        self.scalar = scalar
        self.style = style
    }

    public var character: Character { Character(scalar) }
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
    /// The inside of a box drawn on this rectangle.
    public var inner: Rect { Rect(x: x + 1, y: y + 1, width: width - 2, height: height - 2) }

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
    /// number of columns written. Control characters are shown as `?`; one cell per character.
    @discardableResult
    public mutating func put(_ text: String, x: Int, y: Int, style: Style = .plain, limit: Int? = nil) -> Int {
        guard y >= 0, y < height else { return 0 }
        let end = min(width, limit.map { x + max(0, $0) } ?? width)
        var column = x
        let row = y * width
        for scalar in text.unicodeScalars {
            guard column < end else { break }
            let value = scalar.value
            if value >= 0x300 {
                // Combining marks and variation selectors join the previous cell's character.
                switch scalar.properties.generalCategory {
                case .nonspacingMark, .enclosingMark, .spacingMark, .format: continue
                default: break
                }
            }
            if column >= 0 {
                let shown: Unicode.Scalar = value < 0x20 || (0x7F..<0xA0).contains(value) ? "?" : scalar
                cells[row + column] = Cell(scalar: shown, style)
            }
            column += 1
        }
        return max(0, column - x)
    }

    /// Writes `text` in `rect`'s first row from `offset`, truncated with an ellipsis when too long.
    public mutating func put(_ text: String, in rect: Rect, row: Int = 0, offset: Int = 0, style: Style = .plain) {
        guard row < rect.height, offset < rect.width else { return }
        let room = rect.width - offset
        put(
            Self.fit(text, room, ellipsis: glyphs.ellipsis),
            x: rect.x + offset,
            y: rect.y + row,
            style: style,
            limit: room
        )
    }

    /// Restyles cells without changing their characters.
    public mutating func restyle(_ rect: Rect, _ style: Style) {
        for y in max(rect.y, 0)..<min(rect.maxY, height) {
            for x in max(rect.x, 0)..<min(rect.maxX, width) { cells[y * width + x].style = style }
        }
    }

    public mutating func fill(_ rect: Rect, _ character: Character = " ", style: Style = .plain) {
        for y in max(rect.y, 0)..<min(rect.maxY, height) {
            for x in max(rect.x, 0)..<min(rect.maxX, width) { cells[y * width + x] = Cell(character, style) }
        }
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
                " " + Self.fit(title, rect.width - 6, ellipsis: g.ellipsis) + " ",
                x: rect.x + 2,
                y: rect.y,
                style: titleStyle
            )
        }
    }

    /// The canvas as lines of text, trailing spaces removed (for golden tests and `--once`).
    public var text: String {
        (0..<height).map { y in
            var scalars = String.UnicodeScalarView()
            scalars.append(contentsOf: cells[(y * width)..<((y + 1) * width)].map(\.scalar))
            var line = String(scalars)
            while line.last == " " { line.removeLast() }
            return line
        }.joined(separator: "\n")
    }

    /// `text` cut to `width` columns, ending in an ellipsis when cut.
    public static func fit(_ text: String, _ width: Int, ellipsis: Character = "…") -> String {
        guard width > 0 else { return "" }
        // Fast path: ASCII text's length is its byte count.
        if text.utf8.count <= width { return text }
        guard text.unicodeScalars.count > width else { return text }
        return String(String.UnicodeScalarView(text.unicodeScalars.prefix(width - 1))) + String(ellipsis)
    }

    /// `text` padded or cut to exactly `width` columns.
    public static func pad(_ text: String, _ width: Int, right: Bool = false, ellipsis: Character = "…") -> String {
        let cut = fit(text, width, ellipsis: ellipsis)
        let padding = String(repeating: " ", count: max(0, width - cut.unicodeScalars.count))
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
        pointer: "▶"
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
        pointer: ">"
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
