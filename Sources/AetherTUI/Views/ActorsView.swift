import Aether

/// Actors of a namespace; an opened actor's history next to its replayed state.
enum ActorsView {
    static func draw(_ dashboard: Dashboard, in area: Rect, on canvas: inout Canvas) {
        if let detail = dashboard.detail {
            drawDetail(detail, dashboard, in: area, on: &canvas)
        } else {
            drawList(dashboard, in: area, on: &canvas)
        }
    }

    static func drawList(_ dashboard: Dashboard, in area: Rect, on canvas: inout Canvas) {
        let namespaceWidth = min(24, max(14, area.width / 4))
        let (left, right) = area.left(namespaceWidth)
        canvas.box(left, title: "Namespaces")
        for (row, name) in dashboard.namespaces.prefix(left.inner.height).enumerated() {
            let current = name == dashboard.actorNamespace
            canvas.put(
                (current ? String(canvas.glyphs.pointer) : " ") + name,
                in: left.inner,
                row: row,
                style: current ? .init(.yellow, bold: true) : .plain
            )
        }
        let list = dashboard.visibleActors
        let bar = canvas.glyphs.vertical
        let filter = dashboard.actorFilter.isEmpty ? "" : " \(bar) filter: \(dashboard.actorFilter)"
        // How much of the listing is loaded: all, or a page of a count known from the store.
        var count = "\(list.count)"
        if let total = dashboard.actorTotal, dashboard.actorNext != nil {
            count =
                dashboard.actorFilter.isEmpty
                ? "\(Summary.exact(list.count + dashboard.undecodableSubjects.count)) of \(Summary.exact(total))"
                : "\(list.count) found; searched \(Summary.exact(dashboard.actorsExamined)) of \(Summary.exact(total))"
        }
        if dashboard.actorsLoading { count += " \(Spinner.frame(dashboard.spinnerPhase))" }
        let undecodable = dashboard.undecodableSubjects
        let counted =
            dashboard.actorNamespace.map { dashboard.scannedNamespaces.contains($0) } ?? true
            ? "" : " \(canvas.glyphs.vertical) bad records: opened only"
        let warning =
            undecodable.isEmpty
            ? ""
            : " \(canvas.glyphs.vertical) ⚠ \(undecodable.count) undecodable subject\(undecodable.count == 1 ? "" : "s")"
        canvas.box(
            right,
            title: "Actors in \(dashboard.actorNamespace ?? "-") (\(count))\(warning)\(filter)\(counted)",
            titleStyle: undecodable.isEmpty ? .title : .warn
        )
        let inner = right.inner
        canvas.put(
            " " + Canvas.pad("ACTOR", max(10, inner.width - 11)) + Canvas.pad("VERSION", 9, right: true),
            in: inner,
            style: .header
        )
        if list.isEmpty && undecodable.isEmpty {
            let subjects = dashboard.storeFigures.first { $0.namespace == dashboard.actorNamespace }?.subjects
            let text =
                dashboard.actorNamespace == nil
                ? "no namespaces yet"
                : dashboard.actorsLoading
                    ? "\(Spinner.frame(dashboard.spinnerPhase)) reading the listing"
                        + (subjects.map { " of \(Summary.exact($0)) subjects" } ?? "") + "… (keys work meanwhile)"
                    : dashboard.actorNext != nil ? "nothing found yet; searching on" : "no actors"
            canvas.put(text, in: inner, row: 1, style: .muted)
            return
        }
        let rows = inner.height - 1
        // Actors, then the subjects that name no actor (they cannot be opened, but are listed).
        let total = list.count + undecodable.count
        let first = max(0, min(dashboard.actorSelection - rows + 1, total - rows))
        for row in 0..<max(0, min(rows, total - first)) {
            let position = first + row
            guard position < list.count else {
                let subject = undecodable[position - list.count]
                canvas.put(
                    " ⚠ " + Canvas.pad(subject.token, 20, glyphs: canvas.glyphs)
                        + " \(subject.records) record\(subject.records == 1 ? "" : "s"); \(subject.reason)",
                    in: inner,
                    row: row + 1,
                    style: .bad
                )
                continue
            }
            let actor = list[position]
            let selected = position == dashboard.actorSelection
            let bad = dashboard.badRecords["\(dashboard.actorNamespace ?? "")/\(actor.actorID)"] ?? 0
            canvas.put(
                (selected ? String(canvas.glyphs.pointer) : " ")
                    + Canvas.pad(actor.actorID, max(10, inner.width - 11), glyphs: canvas.glyphs)
                    + Canvas.pad(
                        (bad > 0 ? "⚠\(bad) " : "") + "v\(actor.version)",
                        9,
                        right: true,
                        glyphs: canvas.glyphs
                    ),
                in: inner,
                row: row + 1,
                style: selected ? .selected : bad > 0 ? .warn : .plain
            )
            if selected {
                canvas.restyle(Rect(x: inner.x, y: inner.y + row + 1, width: inner.width, height: 1), .selected)
            }
            canvas.mark(Rect(x: inner.x, y: inner.y + row + 1, width: inner.width, height: 1), .actor(position))
        }
    }

    static func drawDetail(_ detail: ActorDetail, _ dashboard: Dashboard, in area: Rect, on canvas: inout Canvas) {
        // Bad records need room for their reason: the history may then take half the width.
        let historyWidth = max(34, detail.errors.isEmpty ? min(area.width / 2, 60) : area.width / 2)
        let (left, right) = area.left(historyWidth)
        let info = detail.snapshotInfo(at: detail.latestVersion)
        let sinceText = info.snapshot.map { "snap v\($0) +\(info.since)" } ?? "no snapshot"
        let bar = canvas.glyphs.vertical
        let bad = detail.errors.isEmpty ? "" : " \(bar) ⚠ \(detail.errors.count) bad"
        canvas.box(
            left,
            title: "\(detail.actorID) \(bar) "
                + (detail.isPartial
                    ? (detail.readThrough.map { "v\(detail.readFrom)–v\($0) (\(detail.events.count) events; ↑ newer)" }
                        ?? "newest \(detail.events.count) events, from v\(detail.readFrom) (partial)")
                        + (detail.readFrom > 1 ? " ↓ older" : "")
                    : "\(detail.events.count) events") + "\(bad) \(bar) \(sinceText)",
            style: detail.fieldsFocused ? .muted : .init(.cyan),
            titleStyle: detail.errors.isEmpty ? .title : .warn
        )
        let inner = left.inner
        let rows = inner.height - 1
        // Newest first, bad records where they lie.
        let order = detail.historyRows
        let position = order.firstIndex(of: detail.cursorRow) ?? 0
        let first = max(0, min(position - rows / 2, order.count - rows))
        // The version column holds the longest version on screen whole (v1652304).
        let shownVersions = order.dropFirst(first).prefix(max(0, rows)).compactMap { row -> Int64? in
            if case .event(let index) = row { detail.events[index].version } else { nil }
        }
        let versionWidth = max(5, "v\(shownVersions.max() ?? 0)".count)
        let typeWidth = max(8, inner.width - 14 - versionWidth)
        canvas.put(
            " " + Canvas.pad("VER", versionWidth, right: true) + "   " + Canvas.pad("TYPE", typeWidth) + " TIME",
            in: inner,
            style: .header
        )
        for row in 0..<max(0, min(rows, order.count - first)) {
            guard case .event(let index) = order[first + row] else {
                if case .bad(let bad) = order[first + row] {
                    drawBadRecord(
                        detail.errors[bad],
                        selected: detail.selectedBad == bad,
                        row: row + 1,
                        in: inner,
                        on: &canvas
                    )
                }
                continue
            }
            let event = detail.events[index]
            let snapshotted = detail.isSnapshotted(event.version)
            let selected = index == detail.selected && detail.selectedBad == nil
            let y = inner.y + row + 1
            let line =
                (selected ? String(canvas.glyphs.pointer) : " ")
                + Canvas.pad("v\(event.version)", versionWidth, right: true)
                + " "
                + (snapshotted ? String(canvas.glyphs.snapshotMark) : " ") + " "
                + Canvas.pad(event.eventType, typeWidth, glyphs: canvas.glyphs) + " "
                + Summary.clock(event.timestamp)
            canvas.put(line, in: inner, row: row + 1, style: selected ? .selected : .plain)
            if selected {
                canvas.restyle(Rect(x: inner.x, y: y, width: inner.width, height: 1), .selected)
            } else if snapshotted {
                canvas.restyle(
                    Rect(x: inner.x + 2 + versionWidth, y: y, width: 1, height: 1),
                    .init(.magenta, bold: true)
                )
            }
        }
        if rows > order.count - first + 1 {
            canvas.put(
                "\(canvas.glyphs.snapshotMark) snapshot \(canvas.glyphs.vertical) v: jump to a version",
                in: inner,
                row: inner.height - 1,
                style: .muted
            )
        }
        drawState(detail, spinner: dashboard.spinnerPhase, in: right, on: &canvas)
    }

    /// Drift check: the latest snapshot at or before the selected version against a replay of
    /// the events up to it with the reducer in use.
    static func drawCheck(_ check: SnapshotCheck, row: Int, in inner: Rect, on canvas: inout Canvas) {
        switch check {
        case .matches(let version):
            canvas.put("✓ replay = snapshot v\(version)", in: inner, row: row, style: .good)
        case .drift(let version, let changes):
            let fields = changes.prefix(6).map {
                "\($0.kind == .added ? "+" : $0.kind == .removed ? "-" : "~")\($0.path)"
            }
            canvas.put(
                "⚠ DRIFT at v\(version), replay ≠ snapshot: " + fields.joined(separator: " ")
                    + (changes.count > 6 ? " (+\(changes.count - 6))" : ""),
                in: inner,
                row: row,
                style: .bad
            )
        case .unknown(let version, let reason):
            canvas.put("? snapshot v\(version) not checked: \(reason)", in: inner, row: row, style: .muted)
        case .ahead(let version, let newest):
            canvas.put(
                "⚠ snapshot v\(version) is ahead of the history (it ends at v\(newest))",
                in: inner,
                row: row,
                style: .bad
            )
        }
    }

    /// A stored record that could not be used: its sequence, size, first bytes and reason.
    /// `Enter` on it shows it whole.
    static func drawBadRecord(
        _ error: ReplayError,
        selected: Bool,
        row: Int,
        in inner: Rect,
        on canvas: inout Canvas
    ) {
        let head = String(decoding: error.rawData.prefix(32), as: UTF8.self)
        canvas.put(
            (selected ? String(canvas.glyphs.pointer) : " ")
                + "⚠ seq \(error.sequence) \(Summary.bytes(error.rawData.count)): \(error.cause.message) "
                + "\(canvas.glyphs.vertical) \(head)\(error.rawData.count > 32 ? "…" : "")",
            in: inner,
            row: row,
            style: selected ? .selected : .bad
        )
        if selected { canvas.restyle(Rect(x: inner.x, y: inner.y + row, width: inner.width, height: 1), .selected) }
    }

    static func drawState(_ detail: ActorDetail, spinner: Int, in box: Rect, on canvas: inout Canvas) {
        guard let event = detail.selectedEvent else {
            canvas.box(box, title: "State")
            canvas.put("no events", in: box.inner, style: .muted)
            return
        }
        let replayed = detail.state(at: detail.selected)
        // How the state was made: the snapshot's own, or events replayed with the reducer named.
        let how = detail.reducerLabel.isEmpty ? "" : " (\(detail.reducerLabel))"
        let origin: String
        if let snapshot = replayed.snapshotVersion, replayed.eventsApplied == 0 {
            origin = "the snapshot's state at v\(snapshot)"
        } else if let snapshot = replayed.snapshotVersion {
            origin = "snap v\(snapshot) + \(replayed.eventsApplied) events\(how)"
        } else {
            origin = "\(replayed.eventsApplied) events replayed\(how)"
        }
        let shownOrigin: String
        if replayed.complete {
            shownOrigin = origin
        } else if detail.baseLoading {
            shownOrigin =
                "\(Spinner.frame(spinner)) replaying to v\(detail.readFrom - 1)… \(detail.baseApplied) events"
        } else if let failure = detail.baseFailure {
            shownOrigin = "⚠ incomplete: the state before v\(detail.readFrom) could not be replayed: \(failure)"
        } else {
            shownOrigin = "⚠ incomplete: events before v\(detail.readFrom) not read"
        }
        let skipped = detail.badRecords(upTo: event.version)
        let skips = skipped == 0 ? "" : " \(canvas.glyphs.vertical) ⚠ skips \(skipped) bad"
        canvas.box(
            box,
            title: "State at v\(event.version)\(skips) \(canvas.glyphs.vertical) \(shownOrigin)",
            style: detail.fieldsFocused ? .init(.cyan) : .muted,
            titleStyle: skipped == 0 && replayed.complete ? .title : .warn
        )
        let inner = box.inner
        let changes = detail.selectedChanges
        let changed = Dictionary(changes.map { ($0.path, $0) }, uniquingKeysWith: { a, _ in a })
        canvas.put(
            "v\(event.version) \(event.eventType): \(changes.count) change\(changes.count == 1 ? "" : "s") (+ added ~ changed - removed)",
            in: inner,
            style: .header
        )
        var lines: [(String, Style, String)] = []
        let leaves = StateDiff.leaves(of: replayed.state)
        for leaf in leaves {
            let value = leaf.value.serialized()
            if let change = changed[leaf.path] {
                switch change.kind {
                case .added: lines.append(("+ \(leaf.path) = \(value)", .good, leaf.path))
                case .changed:
                    let before = change.before?.serialized() ?? "null"
                    lines.append(("~ \(leaf.path) = \(before) \(canvas.glyphs.arrow) \(value)", .warn, leaf.path))
                case .removed: break
                }
            } else {
                lines.append(("  \(leaf.path) = \(value)", .plain, leaf.path))
            }
        }
        for change in changes where change.kind == .removed {
            lines.append(("- \(change.path) (was \(change.before?.serialized() ?? "null"))", .bad, change.path))
        }
        let check = detail.snapshotCheck(at: event.version)
        let footerRows = (detail.fieldsFocused ? 2 : 1) + (check == nil ? 0 : 1)
        let rows = max(0, inner.height - 1 - footerRows)
        if let check { drawCheck(check, row: inner.height - footerRows, in: inner, on: &canvas) }
        let selectedField = min(detail.selectedField, max(0, leaves.count - 1))
        let first = detail.fieldsFocused ? max(0, min(selectedField - rows / 2, lines.count - rows)) : 0
        for row in 0..<max(0, min(rows, lines.count - first)) {
            let (text, style, _) = lines[first + row]
            let isSelected = detail.fieldsFocused && first + row == selectedField
            canvas.put(
                isSelected ? String(canvas.glyphs.pointer) + text.dropFirst() : text,
                in: inner,
                row: row + 1,
                style: isSelected ? .selected : style
            )
            if isSelected {
                canvas.restyle(Rect(x: inner.x, y: inner.y + row + 1, width: inner.width, height: 1), .selected)
            }
        }
        if detail.fieldsFocused, leaves.indices.contains(selectedField) {
            let path = leaves[selectedField].path
            let last = detail.lastChange(of: path)
            let text =
                last.map { "\(path): last changed by v\($0.version) \($0.eventType) at \(Summary.clock($0.timestamp))" }
                ?? "\(path): unchanged"
            canvas.put(text, in: inner, row: inner.height - 1, style: .init(.cyan, bold: true))
        } else {
            canvas.put("→: pick a field to see what last changed it", in: inner, row: inner.height - 1, style: .muted)
        }
    }
}

/// A spinner for what is loading, one frame per tick.
enum Spinner {
    static let frames: [Character] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"]
    static func frame(_ phase: Int) -> String { String(frames[phase % frames.count]) }
}
