import Aether

/// Keys and pastes while an overlay or a form is open.
extension Dashboard {
    mutating func handleInOverlay(_ key: Key) -> [Effect] {
        // A form is edited in place: no copy of it may be held here while it changes.
        if case .form = overlay { return handleInForm(key) }
        guard let current = overlay else { return [] }
        switch current {
        case .help:
            overlay = nil
        case .drill:
            if key == .escape || key == .enter || key == .character("q") { overlay = nil }
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
            overlay = nil
        case .tab, .down:
            editForm { $0.focus = ($0.focus + 1) % $0.fields.count }
        case .backTab, .up:
            editForm { $0.focus = ($0.focus + $0.fields.count - 1) % $0.fields.count }
        case .backspace, .delete:
            editForm { $0.backspace() }
        case .enter:
            if case .form(let form) = overlay { return submit(form) }
        case .character(let c):
            editForm { $0.type(c) }
        default:
            break
        }
        return []
    }

    /// A paste: into the focused field of an open form, whole. Anywhere else it is refused, and
    /// the status line says so: pasted text is never read as keys (a pasted `y` must not confirm).
    mutating func paste(_ text: String) {
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
        overlay = .form(form)
    }
}
