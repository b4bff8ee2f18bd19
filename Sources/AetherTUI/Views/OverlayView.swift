import Aether

/// Help, forms, confirmations and the drill timeline, drawn over the view.
enum OverlayView {
    static func centered(_ width: Int, _ height: Int, in canvas: Canvas) -> Rect {
        let w = min(width, canvas.width - 2)
        let h = min(height, canvas.height - 2)
        return Rect(x: (canvas.width - w) / 2, y: max(1, (canvas.height - h) / 2), width: w, height: h)
    }

    static func draw(_ overlay: Overlay, _ dashboard: Dashboard, on canvas: inout Canvas) {
        switch overlay {
        case .help: drawHelp(dashboard, on: &canvas)
        case .form(let form): drawForm(form, on: &canvas)
        case .confirm(let text, _, let alternative):
            drawConfirm(text, alternative: alternative?.text, key: alternative?.key, on: &canvas)
        case .drill: drawDrill(dashboard, on: &canvas)
        }
    }

    static func drawHelp(_ dashboard: Dashboard, on canvas: inout Canvas) {
        let lines = dashboard.keyMap.helpLines(for: dashboard.view)
        let layout = dashboard.helpLayout
        let twoColumns = layout.columns == 2
        let box = centered(twoColumns ? 96 : 60, layout.rows + 4, in: canvas)
        canvas.fill(box)
        let first = min(dashboard.helpOffset, layout.maxOffset)
        let shown = lines.dropFirst(first).prefix(layout.rows * layout.columns)
        let title =
            layout.maxOffset == 0
            ? "Keys (any key closes)"
            : "Keys \(first + 1)–\(first + shown.count) of \(lines.count) \(canvas.glyphs.vertical) ↓↑ PgDn PgUp scroll \(canvas.glyphs.vertical) Esc closes"
        canvas.box(box, title: title, style: .init(.cyan))
        let inner = box.inner
        let columnWidth = twoColumns ? inner.width / 2 : inner.width
        for (index, line) in shown.enumerated() {
            let column = index / layout.rows
            let row = index % layout.rows
            guard row < inner.height - 1 else { continue }
            let x = inner.x + column * columnWidth
            canvas.put(
                Canvas.pad(line.keys, 16, glyphs: canvas.glyphs),
                x: x + 1,
                y: inner.y + row,
                style: .key,
                limit: 16
            )
            canvas.put(line.summary, x: x + 18, y: inner.y + row, limit: columnWidth - 19)
        }
        let colour = dashboard.settings.color ? "colour" : "monochrome"
        canvas.put(
            "status is always written as text \(canvas.glyphs.vertical) \(colour) \(canvas.glyphs.vertical) mouse: click tabs and rows, wheel scrolls",
            in: inner,
            row: inner.height - 1,
            style: .muted
        )
    }

    static func drawForm(_ form: Form, on canvas: inout Canvas) {
        let box = centered(76, form.fields.count * 2 + 5, in: canvas)
        canvas.fill(box)
        canvas.box(box, title: form.title, style: .init(.cyan))
        let inner = box.inner
        let error = form.error
        for (index, field) in form.fields.enumerated() {
            let row = index * 2
            let focused = index == form.focus
            canvas.put(
                (focused ? String(canvas.glyphs.pointer) : " ") + Canvas.pad(field.label, 10),
                in: inner,
                row: row,
                style: focused ? .key : .plain
            )
            // The end of the text, where typing happens, and the cursor after it; a cut start
            // is marked with an ellipsis.
            let room = inner.width - 12 - 1
            let (shown, cut) = tail(field.text, columns: room, glyphs: canvas.glyphs)
            canvas.put(
                (cut ? String(canvas.glyphs.ellipsis) : "") + shown + (focused ? "_" : ""),
                in: inner,
                row: row,
                offset: 12,
                style: focused ? .title : .plain
            )
            if let error, error.field == index, !field.text.isEmpty, let column = error.column {
                let shift = field.text.count - shown.count
                let caret = max(0, column - 1 - shift + (cut ? 1 : 0))
                canvas.put(String(repeating: " ", count: caret) + "^", in: inner, row: row + 1, offset: 12, style: .bad)
            }
        }
        let footer: (String, Style)
        if let error {
            footer = (error.message, .bad)
        } else if let refused = form.submitError {
            footer = (refused, .bad)
        } else {
            footer = ("Enter submit  Tab next field  Esc cancel", .muted)
        }
        canvas.put(footer.0, in: inner, row: inner.height - 1, style: footer.1)
        if case .append(let version) = form.purpose, error == nil {
            canvas.put("expects the actor at v\(version - 1)", in: inner, row: inner.height - 2, style: .muted)
        }
    }

    /// The last characters of `text` that fit in `columns` cells (one kept free for an
    /// ellipsis when it is cut), without measuring the whole text.
    static func tail(_ text: String, columns: Int, glyphs: Glyphs) -> (String, cut: Bool) {
        if text.utf8.count <= columns, DisplayText.width(text, ascii: glyphs.asciiOnly) <= columns {
            return (text, false)
        }
        var used = 0
        var start = text.unicodeScalars.endIndex
        while start > text.unicodeScalars.startIndex {
            let previous = text.unicodeScalars.index(before: start)
            let cells = DisplayText.width(String(text.unicodeScalars[previous]), ascii: glyphs.asciiOnly)
            if used + cells > columns - 1 { break }
            used += cells
            start = previous
        }
        return (String(text.unicodeScalars[start...]), true)
    }

    static func drawConfirm(_ text: String, alternative: String?, key: Character?, on canvas: inout Canvas) {
        let box = centered(max(44, min(text.count + 6, 90)), 6, in: canvas)
        canvas.fill(box)
        canvas.box(box, title: "Confirm", style: .warn)
        let inner = box.inner
        canvas.put(text, in: inner, row: 0, offset: 1, style: .title)
        var choices = "[y] yes   [n] no"
        if let alternative, let key { choices += "   [\(key)] \(alternative)" }
        canvas.put(choices, in: inner, row: 2, offset: 1, style: .key)
    }

    static func drawDrill(_ dashboard: Dashboard, on canvas: inout Canvas) {
        guard let drill = dashboard.drill else { return }
        let box = centered(90, max(11, drill.steps.count + 8), in: canvas)
        canvas.fill(box)
        let verb: String
        switch drill.method {
        case .resign(let leader, let term): verb = "resign \(leader) (term \(term))"
        case .kill(let leader, let term): verb = "kill \(leader) (term \(term))"
        }
        canvas.box(box, title: "Failover drill: \(verb)", style: .warn)
        let inner = box.inner
        // Offsets count from the first step (the request), as the JSON report's do.
        let origin = drill.steps.first?.at ?? drill.startedAt
        for (row, step) in drill.steps.prefix(inner.height - 3).enumerated() {
            let offset = origin.duration(to: step.at)
            canvas.put(
                Canvas.pad("+" + Summary.duration(offset), 9, right: true) + "  " + step.name,
                in: inner,
                row: row,
                style: .plain
            )
        }
        if let report = drill.report {
            let bar = canvas.glyphs.vertical
            canvas.put(
                "leaderless \(report.leaderlessMilliseconds) ms \(bar) victim's \(report.victimShards) shards unwritable \(report.writeUnavailableMilliseconds) ms",
                in: inner,
                row: inner.height - 3,
                style: .good
            )
            let share = Int((report.shardsAffectedShare * 100).rounded())
            canvas.put(
                "ownerless: \(report.shardsAffected)/\(report.shardCount) shards (\(share)%), worst \(report.ownerlessWorstMilliseconds) ms, median \(report.ownerlessMedianMilliseconds) ms \(bar) \(report.canaryEventsWritten) canary events in \(report.canaryNamespace)",
                in: inner,
                row: inner.height - 2,
                style: .good
            )
            canvas.put(
                "report: \(report.savedTo ?? "not saved") \(canvas.glyphs.vertical) Esc closes",
                in: inner,
                row: inner.height - 1,
                style: .muted
            )
        } else {
            canvas.put("running…  (Esc hides this; the drill goes on)", in: inner, row: inner.height - 1, style: .muted)
        }
    }
}
