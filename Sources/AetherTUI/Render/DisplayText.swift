/// How text is shown in terminal cells: each Unicode scalar's display width (wcwidth
/// semantics), and what stands in for the characters a terminal would act on or hide.
///
/// - Control characters (C0, DEL, C1, U+2028/U+2029), zero-width characters and bidirectional
///   controls (the `Cf` category: U+200B, U+200D, U+202E, U+2066 …, U+FEFF) are shown as visible
///   escapes, `\u{200B}`, one cell per character of the escape: they can neither move the cursor,
///   reorder a line nor hide a character between two others.
/// - East Asian wide and fullwidth characters and emoji shown as emoji take two cells.
/// - Combining marks and variation selectors take none: a cell carries one, on its character; a
///   second mark on the same character, or a mark with no character, is shown as its escape.
/// - In ASCII mode (`--ascii`) nothing above 0x7F is shown: the dashboard's own marks have ASCII
///   stand-ins, and any other character is shown as its escape.
public enum DisplayText {
    /// How one scalar is shown.
    public enum Shown: Equatable {
        /// As itself, in `width` cells (1 or 2).
        case scalar(Unicode.Scalar, width: Int)
        /// As this ASCII text, one cell per character.
        case text(String)
        /// Not at all: it combines with the character before it.
        case combining
    }

    public static func shown(_ scalar: Unicode.Scalar, ascii: Bool = false) -> Shown {
        let value = scalar.value
        if value >= 0x20 && value < 0x7F { return .scalar(scalar, width: 1) }
        // Controls, and a no-break space (it would pass for a plain one).
        if value < 0x20 || (0x7F...0xA0).contains(value) || value == 0x2028 || value == 0x2029 {
            return .text(escape(value))
        }
        // Hangul conjoining vowels and finals join the leading consonant, as wcwidth has them.
        if (0x1160...0x11FF).contains(value) || (0xD7B0...0xD7FF).contains(value) {
            return ascii ? .text(escape(value)) : .combining
        }
        switch scalar.properties.generalCategory {
        case .format, .unassigned, .privateUse, .surrogate, .lineSeparator, .paragraphSeparator:
            return .text(escape(value))
        case .nonspacingMark, .enclosingMark:
            return ascii ? .text(escape(value)) : .combining
        default:
            break
        }
        if ascii { return .text(asciiStandIn(value) ?? escape(value)) }
        return .scalar(scalar, width: isWide(scalar) ? 2 : 1)
    }

    /// The number of cells `text` takes.
    public static func width(_ text: String, ascii: Bool = false) -> Int {
        // Fast path: printable ASCII is one cell a byte.
        if text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) { return text.utf8.count }
        var columns = 0
        var markable = false
        for scalar in text.unicodeScalars { columns += cells(scalar, markable: &markable, ascii: ascii) }
        return columns
    }

    /// The cells `scalar` takes after the scalars before it; `markable` says whether the one
    /// before can still carry a combining mark, and is updated.
    public static func cells(_ scalar: Unicode.Scalar, markable: inout Bool, ascii: Bool = false) -> Int {
        switch shown(scalar, ascii: ascii) {
        case .scalar(_, let width):
            markable = true
            return width
        case .text(let text):
            markable = false
            return text.utf8.count
        case .combining:
            // One mark rides on its character; another is shown as its escape (Canvas.put).
            defer { markable = false }
            return markable ? 0 : escape(scalar.value).utf8.count
        }
    }

    /// `text` with every character shown as the terminal will show it (escapes written out),
    /// for a message or a line that leaves the dashboard.
    public static func visible(_ text: String, ascii: Bool = false) -> String {
        var result = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch shown(scalar, ascii: ascii) {
            case .scalar(let shown, _): result.append(shown)
            case .text(let escape): result.append(contentsOf: escape.unicodeScalars)
            case .combining: result.append(scalar)
            }
        }
        return String(result)
    }

    /// `text` in lines of at most `width` cells: broken at spaces where it can be, inside a word
    /// where one word is wider than a line. Nothing is left out.
    public static func wrap(_ text: String, width: Int, ascii: Bool = false) -> [String] {
        guard width > 0 else { return [text] }
        var lines: [String] = []
        var line = String.UnicodeScalarView()
        var used = 0
        var lastSpace: (index: String.UnicodeScalarView.Index, used: Int)?
        var markable = false
        for scalar in text.unicodeScalars {
            if scalar == "\n" {
                lines.append(String(line))
                line = .init()
                used = 0
                lastSpace = nil
                markable = false
                continue
            }
            let cells = cells(scalar, markable: &markable, ascii: ascii)
            if used + cells > width, !line.isEmpty {
                if scalar == " " {
                    lines.append(String(line))
                    line = .init()
                    used = 0
                    lastSpace = nil
                    continue
                }
                if let space = lastSpace {
                    lines.append(String(line[..<space.index]))
                    let rest = line[line.index(after: space.index)...]
                    line = String.UnicodeScalarView(rest)
                    used -= space.used + 1
                } else {
                    lines.append(String(line))
                    line = .init()
                    used = 0
                }
                lastSpace = nil
            }
            if scalar == " " { lastSpace = (line.endIndex, used) }
            line.append(scalar)
            used += cells
        }
        lines.append(String(line))
        return lines
    }

    /// `\u{001B}`: at least four hex digits, as `Identifiers.quoted` writes them in messages.
    static func escape(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return "\\u{" + String(repeating: "0", count: max(0, 4 - digits.count)) + digits + "}"
    }

    /// ASCII for the marks the dashboard itself draws and the punctuation it writes.
    static func asciiStandIn(_ value: UInt32) -> String? {
        switch value {
        case 0x2190: "<"  // ←
        case 0x2191: "^"  // ↑
        case 0x2192: ">"  // →
        case 0x2193: "v"  // ↓
        case 0x21B5: "Enter"  // ↵
        case 0x2026: "..."  // …
        case 0x00B7, 0x2022, 0x25CF: "*"  // · • ●
        case 0x2500, 0x2014, 0x2013: "-"  // ─ — –
        case 0x2502: "|"  // │
        case 0x25B6, 0x25B8: ">"  // ▶ ▸
        case 0x25C6: "S"  // ◆
        case 0x2713: "ok"  // ✓
        case 0x2717, 0x00D7: "x"  // ✗ ×
        case 0x26A0: "!"  // ⚠
        default: nil
        }
    }

    /// East Asian Wide (W) and Fullwidth (F) characters, and emoji presented as emoji: two cells.
    /// The ranges are those of Unicode's EastAsianWidth.txt that terminals draw double width.
    static func isWide(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if value < 0x1100 { return false }
        switch value {
        case 0x1100...0x115F, 0x231A...0x231B, 0x2329...0x232A, 0x23E9...0x23EC, 0x23F0, 0x23F3,
            0x25FD...0x25FE, 0x2614...0x2615, 0x2648...0x2653, 0x267F, 0x2693, 0x26A1, 0x26AA...0x26AB,
            0x26BD...0x26BE, 0x26C4...0x26C5, 0x26CE, 0x26D4, 0x26EA, 0x26F2...0x26F3, 0x26F5, 0x26FA,
            0x26FD, 0x2705, 0x270A...0x270B, 0x2728, 0x274C, 0x274E, 0x2753...0x2755, 0x2757,
            0x2795...0x2797, 0x27B0, 0x27BF, 0x2B1B...0x2B1C, 0x2B50, 0x2B55,
            0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xA000...0xA4CF,
            0xA960...0xA97F, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE10...0xFE19, 0xFE30...0xFE6F,
            0xFF00...0xFF60, 0xFFE0...0xFFE6, 0x16FE0...0x16FE4, 0x17000...0x18CFF, 0x1AFF0...0x1B2FF,
            0x1F004, 0x1F0CF, 0x1F18E, 0x1F191...0x1F19A, 0x1F200...0x1F251, 0x1F260...0x1F265,
            0x1F300...0x1F64F, 0x1F680...0x1F6FF, 0x1F7E0...0x1F7EB, 0x1F90C...0x1F9FF,
            0x1FA70...0x1FAFF, 0x20000...0x2FFFD, 0x30000...0x3FFFD:
            return true
        case 0x1F1E6...0x1F1FF:
            // Regional indicators: one cell each, as wcwidth has them (a flag is two of them).
            return false
        default:
            return scalar.properties.isEmojiPresentation
        }
    }
}
