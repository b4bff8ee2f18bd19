import CNCurses

#if canImport(Glibc)
import Glibc
#endif

/// The ncurses backend: the only file that touches ncurses.
///
/// Uses `newterm` on the process's terminal (not `initscr`), raw mode so Ctrl-C arrives as a
/// key, the keypad and the mouse where the terminal has them, and 8 colours on the default
/// background (or none: `color: false`). `stop()` runs `endwin`; an `atexit` hook does too if
/// the process exits another way.
///
/// Bracketed paste is switched on: a paste reaches the dashboard whole, as one
/// ``TerminalInput/paste(_:)``, and is never read as keys.
public struct NCursesTerminal: TerminalBackend {
    public let color: Bool
    private var screen: OpaquePointer?
    private var tty: UnsafeMutablePointer<FILE>?
    private var colorsOn = false
    private var last: Canvas?
    /// A resize that arrived in the middle of a paste, reported after it.
    private var resizeAfterPaste = false
    private static let pasteStart = aether_key_max() + 1
    private static let pasteEnd = aether_key_max() + 2
    /// How long a paste may pause before what arrived is taken as the whole paste (its end
    /// marker lost): long enough for a slow link, short enough that the dashboard never hangs.
    private static let pastePauseMilliseconds: Int32 = 3000
    private static let pasteTrailMilliseconds: Int32 = 15

    public init(color: Bool) {
        self.color = color
    }

    public mutating func start() throws -> (width: Int, height: Int) {
        setlocale(LC_ALL, "")
        // The controlling terminal, so the dashboard works with standard output redirected.
        guard let tty = fopen("/dev/tty", "r+"), let screen = newterm(nil, tty, tty) else {
            throw TerminalError(message: "cannot start the terminal (is TERM set? is this a terminal?)")
        }
        self.screen = screen
        self.tty = tty
        set_term(screen)
        aether_set_active_screen(screen, tty)
        atexit { aether_atexit_restore() }
        raw()
        noecho()
        nonl()
        keypad(aether_stdscr(), true)
        curs_set(0)
        set_escdelay(25)
        mousemask(
            aether_button1_clicked() | aether_button1_pressed() | aether_button4_pressed() | aether_button5_pressed(),
            nil
        )
        mouseinterval(0)
        define_key("\u{1B}[200~", Self.pasteStart)
        define_key("\u{1B}[201~", Self.pasteEnd)
        aether_bracketed_paste(tty, 1)
        if color, has_colors() {
            start_color()
            use_default_colors()
            let palette: [Color: Int16] = [
                .red: 1, .green: 2, .yellow: 3, .blue: 4, .magenta: 5, .cyan: 6, .white: 7, .gray: 7,
            ]
            for (pair, value) in palette { init_pair(Int16(pair.rawValue), value, -1) }
            colorsOn = true
        }
        return (Int(aether_cols()), Int(aether_lines()))
    }

    public mutating func poll(timeoutMilliseconds: Int32) -> TerminalInput? {
        if resizeAfterPaste {
            resizeAfterPaste = false
            last = nil
            return .resize(width: Int(aether_cols()), height: Int(aether_lines()))
        }
        wtimeout(aether_stdscr(), timeoutMilliseconds)
        var character: wint_t = 0
        let result = wget_wch(aether_stdscr(), &character)
        if result == aether_err() { return nil }
        if result == aether_key_code_yes() {
            let code = Int32(character)
            if code == Self.pasteStart { return .paste(readPaste()) }
            if code == Self.pasteEnd { return nil }
            if code == aether_key_resize() {
                last = nil
                return .resize(width: Int(aether_cols()), height: Int(aether_lines()))
            }
            if code == aether_key_mouse() {
                var event = MEVENT()
                guard getmouse(&event) == OK else { return nil }
                if event.bstate & aether_button4_pressed() != 0 { return .key(.scrollUp) }
                if aether_button5_pressed() != 0, event.bstate & aether_button5_pressed() != 0 {
                    return .key(.scrollDown)
                }
                return .key(.click(x: Int(event.x), y: Int(event.y)))
            }
            switch code {
            case KEY_UP: return .key(.up)
            case KEY_DOWN: return .key(.down)
            case KEY_LEFT: return .key(.left)
            case KEY_RIGHT: return .key(.right)
            case KEY_PPAGE: return .key(.pageUp)
            case KEY_NPAGE: return .key(.pageDown)
            case KEY_HOME: return .key(.home)
            case KEY_END: return .key(.end)
            case KEY_BTAB: return .key(.backTab)
            case KEY_BACKSPACE: return .key(.backspace)
            case KEY_DC: return .key(.delete)
            case KEY_ENTER: return .key(.enter)
            default: return nil
            }
        }
        switch character {
        case 3: return .key(.controlC)
        case 9: return .key(.tab)
        case 10, 13: return .key(.enter)
        case 21: return .key(.clearLine)
        case 23: return .key(.deleteWord)
        case 27: return .key(.escape)
        case 8, 127: return .key(.backspace)
        default:
            guard let scalar = Unicode.Scalar(UInt32(character)), scalar.value >= 0x20 else { return nil }
            return .key(.character(Character(scalar)))
        }
    }

    /// Reads a bracketed paste up to its end marker. Carriage returns (what terminals send for
    /// a pasted line end) become `\n`, CR LF one `\n`; other characters are kept as they came.
    ///
    /// Input that arrives right behind the end marker (within `pasteTrailMilliseconds`, faster
    /// than anyone types) is part of the paste too: a pasted text that carries its own end
    /// marker (`ESC[201~`, passed through by some terminals) cannot smuggle keys — an Enter or
    /// a `y` — out of the paste.
    private mutating func readPaste() -> String {
        var text = String.UnicodeScalarView()
        var afterCarriageReturn = false
        wtimeout(aether_stdscr(), Self.pastePauseMilliseconds)
        while true {
            var character: wint_t = 0
            let result = wget_wch(aether_stdscr(), &character)
            if result == aether_err() { break }
            if result == aether_key_code_yes() {
                let code = Int32(character)
                if code == Self.pasteEnd {
                    wtimeout(aether_stdscr(), Self.pasteTrailMilliseconds)
                    continue
                }
                if code == Self.pasteStart {
                    // Another paste right behind: its pauses are a paste's again.
                    wtimeout(aether_stdscr(), Self.pastePauseMilliseconds)
                    continue
                }
                if code == aether_key_resize() { resizeAfterPaste = true }
                if code == KEY_ENTER { text.append("\n") }
                continue
            }
            let value = UInt32(character)
            if value == 13 {
                text.append("\n")
                afterCarriageReturn = true
                continue
            }
            defer { afterCarriageReturn = false }
            if value == 10, afterCarriageReturn { continue }
            if let scalar = Unicode.Scalar(value) { text.append(scalar) }
        }
        return String(text)
    }

    public mutating func present(_ canvas: Canvas) {
        guard canvas != last else { return }
        if last?.width != canvas.width || last?.height != canvas.height { werase(aether_stdscr()) }
        last = canvas
        for y in 0..<canvas.height {
            for run in canvas.runs(ofRow: y) {
                var text = run.text
                // The bottom-right cell cannot be written without scrolling.
                if y == canvas.height - 1, run.end == canvas.width, !text.isEmpty {
                    text.unicodeScalars.removeLast()
                }
                wattrset(aether_stdscr(), Int32(bitPattern: attributes(run.style)))
                _ = mvwaddstr(aether_stdscr(), Int32(y), Int32(run.x), text)
            }
        }
        wattrset(aether_stdscr(), 0)
        wrefresh(aether_stdscr())
    }

    private func attributes(_ style: Style) -> UInt32 {
        var value: UInt32 = 0
        if colorsOn, style.color != .normal { value |= UInt32(aether_color_pair(Int32(style.color.rawValue))) }
        if style.bold { value |= UInt32(aether_a_bold()) }
        if style.reverse { value |= UInt32(aether_a_reverse()) }
        if style.dim { value |= UInt32(aether_a_dim()) }
        return value
    }

    public mutating func stop() {
        guard let screen else { return }
        if let tty { aether_bracketed_paste(tty, 0) }
        endwin()
        delscreen(screen)
        aether_set_active_screen(nil, nil)
        self.screen = nil
        if let tty { fclose(tty) }
        tty = nil
    }
}

public struct TerminalError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
