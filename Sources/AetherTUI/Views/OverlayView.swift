import Aether
import Foundation

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
        case .inspector(let inspector): drawInspector(inspector, dashboard, on: &canvas)
        case .trace(let trace): drawTrace(trace, dashboard, on: &canvas)
        case .discardForm:
            drawConfirm(
                "Discard the event you typed? Nothing has been written.",
                alternative: nil,
                key: nil,
                on: &canvas
            )
        case .typedConfirm(let text, let expected, let typed, _):
            drawTypedConfirm(text, expected: expected, typed: typed, on: &canvas)
        case .command(let line): drawCommandLine(line, dashboard, on: &canvas)
        case .messages(let offset): drawMessages(dashboard, offset: offset, on: &canvas)
        }
    }

    /// The whole event (or snapshot), scrolling; long values wrap under their label.
    static func drawInspector(_ inspector: Inspector, _ dashboard: Dashboard, on canvas: inout Canvas) {
        let box = Rect(x: 0, y: 1, width: canvas.width, height: canvas.height - 2)
        canvas.fill(box)
        let bar = canvas.glyphs.vertical
        let lines = inspector.lines(utcOffset: dashboard.settings.utcOffset)
        let rows = dashboard.inspectorRows
        let first = min(inspector.offset, max(0, lines.count - rows))
        let position =
            lines.count > rows ? " \(bar) lines \(first + 1)–\(min(lines.count, first + rows)) of \(lines.count)" : ""
        canvas.box(box, title: inspector.title + position, style: .init(.cyan))
        let inner = box.inner
        let labelWidth = 14
        var row = 0
        for line in lines.dropFirst(first) {
            guard row < inner.height - 1 else { break }
            let style: Style =
                switch line.kind {
                case .heading: .header
                case .field, .text: .plain
                case .muted: .muted
                case .bad: .bad
                case .good: .good
                }
            if line.kind == .field || !line.label.isEmpty {
                canvas.put(
                    Canvas.pad(line.label, labelWidth, glyphs: canvas.glyphs),
                    in: inner,
                    row: row,
                    offset: 1,
                    style: .key
                )
            }
            let offset = line.label.isEmpty && line.kind != .field ? 1 : labelWidth + 2
            // A value wider than the pane wraps: nothing of an event is cut off.
            for piece in DisplayText.wrap(
                line.text,
                width: max(1, inner.width - offset),
                ascii: canvas.glyphs.asciiOnly
            ) {
                guard row < inner.height - 1 else { break }
                canvas.put(piece, x: inner.x + offset, y: inner.y + row, style: style, limit: inner.width - offset)
                row += 1
            }
        }
        let keys = dashboard.keyMap
        let enter = if case .record = inspector.subject { "Enter back" } else { "Enter actor at v\(inspector.version)" }
        var hints = ["↓↑ PgDn PgUp scroll", "\(keys.label(of: .export) ?? "e") export", enter, "Esc close"]
        if inspector.other != nil {
            hints.insert("Tab \(inspector.title.hasPrefix("Event") ? "snapshot" : "event")", at: 1)
        }
        canvas.put(
            Renderer.fitHints(hints, width: inner.width - 1, glyphs: canvas.glyphs),
            in: inner,
            row: inner.height - 1,
            offset: 1,
            style: .muted
        )
    }

    /// Every event of one request: a causation tree, each event under its cause, in time order.
    static func drawTrace(_ view: TraceView, _ dashboard: Dashboard, on canvas: inout Canvas) {
        let box = Rect(x: 0, y: 1, width: canvas.width, height: canvas.height - 2)
        canvas.fill(box)
        let bar = canvas.glyphs.vertical
        let rows = view.rows
        let namespaces = Set(rows.map(\.entry.namespace)).count
        var title = "Trace \(view.correlationID)"
        if let trace = view.trace {
            title +=
                " \(bar) \(rows.count) event\(rows.count == 1 ? "" : "s") in \(namespaces) namespace\(namespaces == 1 ? "" : "s") \(bar) "
                + (trace.scanned ? "from a scan of histories" : "from the correlation index")
        }
        canvas.box(box, title: title, style: .init(.cyan))
        let inner = box.inner
        // The scan's progress or result, and unfollowed index records, each on a line of its own.
        var status: [(String, Style)] = []
        if let scanning = view.scanning {
            status.append(("scanning histories: \(Summary.exact(scanning)) records read…", .warn))
        } else if let scanned = view.scanned {
            let ending =
                scanned.complete
                ? ", every history"
                : scanned.stopped
                    ? "; stopped by Esc, so more may exist (S scans again)"
                    : "; it stopped at the limit, so more may exist"
            status.append(
                ("scan read \(Summary.exact(scanned.records)) records" + ending, scanned.complete ? .muted : .warn)
            )
        }
        if let problems = view.trace?.problems, !problems.isEmpty {
            status.append(
                (
                    "⚠ \(problems.count) index record\(problems.count == 1 ? "" : "s") not followed"
                        + " (\(dashboard.keyMap.label(of: .messages) ?? ":messages") lists \(problems.count == 1 ? "it" : "them") whole): \(problems[0])",
                    .bad
                )
            )
        }
        if view.reloading {
            status.append(("looking the index up again…", .warn))
        } else if let failure = view.failure, view.trace != nil {
            status.append(("⚠ the lookup again failed: \(failure) (r tries again)", .bad))
        }
        let room = max(1, inner.height - status.count)
        for (index, line) in status.enumerated() {
            canvas.put(line.0, in: inner, row: inner.height - status.count + index, offset: 1, style: line.1)
        }
        guard view.trace != nil else {
            canvas.put(
                view.reloading
                    ? "looking up every namespace's index again…"
                    : view.failure.map { "cannot trace: \($0) (r tries again)" }
                        ?? "looking up every namespace's index…",
                in: inner,
                row: 0,
                offset: 1,
                style: view.failure == nil || view.reloading ? .muted : .bad
            )
            return
        }
        if rows.isEmpty {
            canvas.put(
                "no indexed event has this correlationId (S scans the histories)",
                in: inner,
                row: 0,
                offset: 1,
                style: .muted
            )
        }
        let first = max(0, min(view.selection - room / 2, rows.count - room))
        let shown = first..<min(rows.count, first + room)
        let branches = TreeLayout.prefixes(
            depths: rows.map(\.depth),
            rows: shown,
            ascii: canvas.glyphs.asciiOnly
        )
        for (row, index) in shown.enumerated() {
            let line = rows[index]
            let selected = index == view.selection
            let event = line.entry.event
            var text =
                (selected ? String(canvas.glyphs.pointer) : " ") + Summary.clock(event.timestamp) + " " + branches[row]
                + "\(line.entry.namespace)/\(event.actorID) v\(event.version) \(event.eventType)"
            if let problem = line.causeProblem {
                // Said, never guessed.
                if case .notFound(let missing) = problem {
                    text += "  ⚠ its cause \(missing) is not among these events"
                } else {
                    text += "  ⚠ " + problem.text
                }
            }
            canvas.put(
                text,
                in: inner,
                row: row,
                style: selected ? .selected : line.causeProblem == nil ? .plain : .warn
            )
            if selected { canvas.restyle(Rect(x: inner.x, y: inner.y + row, width: inner.width, height: 1), .selected) }
        }
    }

    /// A production write: the target's name must be typed.
    static func drawTypedConfirm(_ text: String, expected: String, typed: String, on canvas: inout Canvas) {
        let width = min(90, canvas.width - 2)
        let wrapped = DisplayText.wrap(text, width: width - 4, ascii: canvas.glyphs.asciiOnly)
        let box = centered(width, wrapped.count + 7, in: canvas)
        canvas.fill(box)
        canvas.box(box, title: "PRODUCTION \(canvas.glyphs.vertical) confirm by typing the name", style: .bad)
        let inner = box.inner
        for (row, line) in wrapped.enumerated() { canvas.put(line, in: inner, row: row, offset: 1, style: .title) }
        let base = wrapped.count + 1
        canvas.put("type \(expected) and press Enter:", in: inner, row: base, offset: 1, style: .key)
        let (shown, cut) = tail(typed, columns: inner.width - 4, glyphs: canvas.glyphs)
        canvas.put(
            "> " + (cut ? String(canvas.glyphs.ellipsis) : "") + shown + "_",
            in: inner,
            row: base + 1,
            offset: 1,
            style: .title
        )
        let matches = typed == expected
        canvas.put(
            matches ? "Enter confirms" : "y does not confirm here \(canvas.glyphs.vertical) Esc cancels",
            in: inner,
            row: base + 3,
            offset: 1,
            style: matches ? .good : .muted
        )
    }

    /// The `:` line at the bottom, its completions above it, its error under it.
    static func drawCommandLine(_ line: CommandPrompt, _ dashboard: Dashboard, on canvas: inout Canvas) {
        let width = canvas.width
        let shownCompletions = Array(line.completions.prefix(max(0, canvas.height / 3)))
        let errorLines =
            line.error.map { DisplayText.wrap($0, width: width - 2, ascii: canvas.glyphs.asciiOnly) } ?? []
        let height =
            1 + shownCompletions.count + errorLines.count + (shownCompletions.isEmpty && errorLines.isEmpty ? 1 : 0)
        let top = canvas.height - 1 - height
        canvas.fill(Rect(x: 0, y: top, width: width, height: height + 1))
        var y = top
        if shownCompletions.isEmpty, errorLines.isEmpty {
            let names = Dashboard.lineCommands.map(\.name).joined(separator: " ")
            canvas.put(
                "Tab completes \(canvas.glyphs.vertical) Enter runs \(canvas.glyphs.vertical) Esc closes \(canvas.glyphs.vertical) \(names)",
                x: 1,
                y: y,
                style: .muted,
                limit: width - 2
            )
            y += 1
        }
        for completion in shownCompletions {
            let word = completion.trimmingCharacters(in: .whitespaces)
            let summary = Dashboard.lineCommands.first { $0.name == word }
            let text =
                summary == nil
                ? completion
                : Canvas.pad(completion, 10) + " " + (summary!.argument.isEmpty ? "" : summary!.argument + "  ")
                    + summary!.summary
            canvas.put(text, x: 2, y: y, style: .key, limit: width - 3)
            y += 1
        }
        for error in errorLines {
            canvas.put(error, x: 1, y: y, style: .bad, limit: width - 2)
            y += 1
        }
        let (shown, cut) = tail(line.text, columns: width - 4, glyphs: canvas.glyphs)
        canvas.fill(Rect(x: 0, y: canvas.height - 1, width: width, height: 1), style: .init(reverse: true))
        canvas.put(
            ":" + (cut ? String(canvas.glyphs.ellipsis) : "") + shown + "_",
            x: 0,
            y: canvas.height - 1,
            style: .init(.yellow, bold: true, reverse: true)
        )
    }

    /// The last messages, each whole (wrapped), with its time.
    static func drawMessages(_ dashboard: Dashboard, offset: Int, on canvas: inout Canvas) {
        let box = Rect(x: 0, y: 1, width: canvas.width, height: canvas.height - 2)
        canvas.fill(box)
        let log = dashboard.messageLog
        canvas.box(
            box,
            title:
                "Messages (\(log.count), the last \(Dashboard.messageLogLimit) kept) \(canvas.glyphs.vertical) ↓↑ scroll \(canvas.glyphs.vertical) Esc closes",
            style: .init(.cyan)
        )
        let inner = box.inner
        guard !log.isEmpty else {
            canvas.put("no messages yet", in: inner, row: 0, offset: 1, style: .muted)
            return
        }
        var row = 0
        for message in log.dropFirst(offset) {
            guard row < inner.height else { break }
            canvas.put(Summary.clock(message.at), x: inner.x + 1, y: inner.y + row, style: .muted)
            for piece in DisplayText.wrap(message.text, width: max(1, inner.width - 11), ascii: canvas.glyphs.asciiOnly)
            {
                guard row < inner.height else { break }
                canvas.put(
                    piece,
                    x: inner.x + 10,
                    y: inner.y + row,
                    style: message.isError ? .bad : .plain,
                    limit: inner.width - 11
                )
                row += 1
            }
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
            // Cut with an ellipsis, so a cut summary never reads as whole.
            canvas.put(
                Canvas.fit(line.summary, columnWidth - 19, glyphs: canvas.glyphs),
                x: x + 18,
                y: inner.y + row,
                limit: columnWidth - 19
            )
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
            } else if let note = field.note {
                // Why a submit refused this field, next to it.
                canvas.put(note, in: inner, row: row + 1, offset: 12, style: .bad)
            }
        }
        // The keys always show; what is wrong goes on the line above them.
        canvas.put("Enter submit  Tab next field  Esc cancel", in: inner, row: inner.height - 1, style: .muted)
        if let problem = error?.message ?? form.submitError {
            canvas.put(problem, in: inner, row: inner.height - 2, style: .bad)
        } else if case .append(let version) = form.purpose {
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
        let width = min(max(44, min(text.count + 6, 90)), canvas.width - 2)
        // The question wraps: it is never cut.
        let wrapped = DisplayText.wrap(text, width: width - 4, ascii: canvas.glyphs.asciiOnly)
        let box = centered(width, wrapped.count + 5, in: canvas)
        canvas.fill(box)
        canvas.box(box, title: "Confirm", style: .warn)
        let inner = box.inner
        for (row, line) in wrapped.enumerated() { canvas.put(line, in: inner, row: row, offset: 1, style: .title) }
        var choices = "[y] yes   [n] no"
        if let alternative, let key { choices += "   [\(key)] \(alternative)" }
        canvas.put(choices, in: inner, row: wrapped.count + 1, offset: 1, style: .key)
    }

    static func drawDrill(_ dashboard: Dashboard, on canvas: inout Canvas) {
        guard let drill = dashboard.drill else { return }
        // Wide enough for the figures' lines whole where the terminal has the room.
        let box = centered(max(90, min(140, canvas.width - 8)), max(11, drill.steps.count + 8), in: canvas)
        canvas.fill(box)
        let verb: String
        switch drill.method {
        case .resign(let leader, let term): verb = "resign \(leader) (term \(term))"
        case .kill(let leader, let term): verb = "kill \(leader) (term \(term))"
        }
        canvas.box(box, title: "Failover drill: \(verb)", style: .warn)
        let inner = box.inner
        // Offsets count from the first step (the request); the JSON report's `at_ms` count from
        // the drill's start, and its `request_at_ms` says when the request went.
        let origin = drill.steps.first?.at ?? drill.startedAt
        for (row, step) in drill.steps.prefix(max(0, inner.height - 3)).enumerated() {
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
                "report: \(report.savedTo ?? "not saved: \(report.notSaved ?? "unknown reason")") \(canvas.glyphs.vertical) Esc closes",
                in: inner,
                row: inner.height - 1,
                style: .muted
            )
        } else {
            canvas.put("running…  (Esc hides this; the drill goes on)", in: inner, row: inner.height - 1, style: .muted)
        }
    }
}
