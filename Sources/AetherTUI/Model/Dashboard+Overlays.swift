import Aether

/// Keys and pastes while an overlay or a form is open.
extension Dashboard {
    /// How the help is laid out on this terminal: one column (two from 100 columns on), the
    /// rows of lines that fit, and how far it can scroll. The view draws from the same figures.
    public var helpLayout: (columns: Int, rows: Int, maxOffset: Int) {
        let count = keyMap.helpLines.count
        let columns = width >= 100 ? 2 : 1
        let perColumn = (count + columns - 1) / columns
        // The box: the lines, a border above and below, and the note line; at most height − 2.
        let boxHeight = min(perColumn + 4, height - 2)
        let rows = max(1, min(perColumn, boxHeight - 3))
        return (columns, rows, max(0, count - rows * columns))
    }

    /// Where a scrolling key moves a position within `0...last` (a first line shown, a selected
    /// row): ↓↑ j k and the wheel by one, PgDn PgUp and space by `page`, g G Home End to the ends;
    /// nil for a key that does not scroll. The help, the inspector, the message log and the trace
    /// view scroll with it.
    static func scrolled(_ position: Int, by key: Key, page: Int, last: Int) -> Int? {
        let next: Int
        switch key {
        case .down, .character("j"), .scrollDown: next = position + 1
        case .up, .character("k"), .scrollUp: next = position - 1
        case .pageDown, .character(" "): next = position + page
        case .pageUp: next = position - page
        case .home, .character("g"): next = 0
        case .end, .character("G"): next = last
        default: return nil
        }
        return min(max(0, next), max(0, last))
    }

    mutating func handleInOverlay(_ key: Key) -> [Effect] {
        // A form is edited in place: no copy of it may be held here while it changes.
        if case .form = overlay { return handleInForm(key) }
        guard let current = overlay else { return [] }
        switch current {
        case .inspector:
            // The trace key works from the inspector too; Tab flips it, so views switch by number.
            if keyMap.command(for: key) == .trace { return openTrace() }
            if key != .tab, key != .backTab, let effects = handleGlobalInOverlay(key, tabSwitches: false) {
                return effects
            }
            return handleInInspector(key)
        case .trace:
            return handleInTrace(key)
        case .typedConfirm:
            return handleInTypedConfirm(key)
        case .discardForm(let form):
            switch key {
            case .character("y"), .character("Y"):
                overlay = nil
                say("append form discarded; nothing was written")
            case .character("n"), .character("N"), .escape, .controlC:
                overlay = .form(form)
            default:
                break
            }
        case .command:
            return handleInCommandLine(key)
        case .messages(let offset):
            handleInMessages(key, offset: offset)
        case .help:
            // A help taller than the terminal scrolls; any other key closes it (any key at all
            // when it fits, as its title says).
            let layout = helpLayout
            guard layout.maxOffset > 0 else {
                overlay = nil
                return []
            }
            let page = max(1, layout.rows * layout.columns)
            if let offset = Self.scrolled(helpOffset, by: key, page: page, last: layout.maxOffset) {
                helpOffset = offset
            } else {
                overlay = nil
            }
        case .drill:
            // q quits, as everywhere but in text: a drill running is stopped and still reports.
            if keyMap.command(for: key) == .quit { return [.quit] }
            if key == .escape || key == .enter { overlay = nil }
            if keyMap.command(for: key) == .export { return exportHere() }
        case .confirm(_, let action, let alternative):
            switch key {
            case .character("y"), .character("Y"):
                overlay = nil
                return perform(action)
            case .character(let c) where alternative?.key == c:
                overlay = nil
                return perform(alternative!.action)
            case .character("n"), .character("N"), .escape, .controlC:
                overlay = nil
                say("cancelled; nothing was done")
            default:
                break
            }
        case .form:
            return handleInForm(key)
        }
        return []
    }

    mutating func handleInForm(_ key: Key) -> [Effect] {
        switch key {
        case .escape, .controlC:
            // What was typed into an append form is not thrown away on one key.
            if case .form(let form) = overlay, case .append = form.purpose, form.isEdited {
                overlay = .discardForm(form)
                return []
            }
            overlay = nil
        case .tab, .down:
            editForm { $0.focus = ($0.focus + 1) % $0.fields.count }
        case .backTab, .up:
            editForm { $0.focus = ($0.focus + $0.fields.count - 1) % $0.fields.count }
        case .enter:
            if case .form(let form) = overlay { return submit(form) }
        default:
            // Only an editing key counts as an edit (it clears the field's note).
            if key.edit("") != nil { editForm { $0.edit(key) } }
        }
        return []
    }

    /// A paste: into the focused field of an open form, whole. Anywhere else it is refused, and
    /// the status line says so: pasted text is never read as keys (a pasted `y` must not confirm).
    mutating func paste(_ text: String) {
        if case .command(var line) = overlay {
            // One line: line breaks and control characters become spaces, so a paste never
            // runs the command (only Enter does).
            line.text += String(
                text.map { character in
                    character.isNewline
                        || character.unicodeScalars.contains { $0.properties.generalCategory == .control }
                        ? " " : character
                }
            )
            line.error = nil
            line.completions = []
            overlay = .command(line)
            return
        }
        guard case .form = overlay else {
            say(
                "paste of \(text.count) character\(text.count == 1 ? "" : "s") ignored: "
                    + (overlay == nil
                        ? "no text field is open (press a to append, / to filter)"
                        : "pasted text is never read as keys"),
                isError: true
            )
            return
        }
        editForm { $0.paste(text) }
    }

    /// Edits the open form in place. The overlay lets go of the form first, so its text is not
    /// copied on every keystroke (a 2 MB paste typed key by key would otherwise be quadratic).
    mutating func editForm(_ edit: (inout Form) -> Void) {
        guard case .form(var form) = overlay else { return }
        overlay = nil
        edit(&form)
        form.submitError = nil
        form.fields[form.focus].note = nil
        overlay = .form(form)
    }
}
