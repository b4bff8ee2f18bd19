import Aether

/// Namespaces with live rates, and the live tail.
enum StreamsView {
    static func draw(_ dashboard: Dashboard, in area: Rect, on canvas: inout Canvas) {
        // Every known namespace; first, the bucket of those past the dashboard's cap.
        let names =
            (dashboard.stats[Dashboard.moreNamespaces] == nil ? [] : [Dashboard.moreNamespaces])
            + dashboard.namespaces
        let rows = min(max(names.count, 1), max(1, area.height / 3))
        let (top, bottom) = area.top(rows + 3)
        drawNamespaces(dashboard, names: names, in: top, on: &canvas)
        drawTail(dashboard, in: bottom, on: &canvas)
    }

    static func drawNamespaces(_ dashboard: Dashboard, names: [String], in box: Rect, on canvas: inout Canvas) {
        let total = dashboard.stats.values.reduce(0) { $0 + $1.total }
        canvas.box(
            box,
            // A lost connection comes first: what was sent meanwhile is in no figure below.
            title: (dashboard.connectionGaps == 0
                ? ""
                : "⚠ connection lost \(dashboard.connectionGaps)×, events sent meanwhile not counted (\(dashboard.lastGapReason)) \(canvas.glyphs.vertical) ")
                + "Namespaces (\(names.count)) \(canvas.glyphs.vertical) \(Summary.count(total)) events seen",
            titleStyle: dashboard.connectionGaps == 0 ? .title : .bad
        )
        let inner = box.inner
        let nameWidth = min(18, max(10, inner.width / 5))
        let fixed = nameWidth + 8 + 9 + 10 + 4
        let sparkWidth = max(0, inner.width - fixed)
        var header = Canvas.pad("NAMESPACE", nameWidth) + " " + Canvas.pad("RATE/s", 7, right: true) + " "
        header += Canvas.pad(sparkWidth >= 8 ? "LAST \(sparkWidth)s" : "", sparkWidth) + " "
        header += Canvas.pad("TOTAL", 8, right: true) + " " + Canvas.pad("DROPS", 10, right: true)
        canvas.put(header, in: inner, style: .header)
        if names.isEmpty {
            canvas.put("waiting for events…", in: inner, row: 1, style: .muted)
            return
        }
        for (index, name) in names.prefix(inner.height - 1).enumerated() {
            let stats = dashboard.stats[name] ?? NamespaceStats()
            let drops = dashboard.busMetrics[name].dropped
            var x = inner.x
            let y = inner.y + 1 + index
            x += canvas.put(
                Canvas.pad(name, nameWidth, glyphs: canvas.glyphs) + " ",
                x: x,
                y: y,
                limit: inner.maxX - x
            )
            x += canvas.put(
                Canvas.pad(Summary.rate(stats.rate), 7, right: true) + " ",
                x: x,
                y: y,
                limit: inner.maxX - x
            )
            let color = Renderer.ownerColors[index % Renderer.ownerColors.count]
            x += canvas.put(
                canvas.glyphs.sparkline(Array(stats.history), width: sparkWidth) + " ",
                x: x,
                y: y,
                style: Style(color),
                limit: inner.maxX - x
            )
            x += canvas.put(
                // Exact up to 8 digits: drops are compared against it.
                Canvas.pad(stats.total < 100_000_000 ? "\(stats.total)" : Summary.count(stats.total), 8, right: true)
                    + " ",
                x: x,
                y: y,
                limit: inner.maxX - x
            )
            canvas.put(
                Canvas.pad(drops > 0 ? "\(drops) !" : "0", 10, right: true),
                x: x,
                y: y,
                style: drops > 0 ? .bad : .plain,
                limit: inner.maxX - x
            )
        }
    }

    static func drawTail(_ dashboard: Dashboard, in box: Rect, on canvas: inout Canvas) {
        let state =
            dashboard.paused
            ? "PAUSED +\(dashboard.newWhilePaused) new (space resumes)" : "LIVE"
        canvas.box(
            box,
            title:
                "Live tail \(canvas.glyphs.vertical) \(state) \(canvas.glyphs.vertical) filter: \(dashboard.filter.summary)",
            titleStyle: dashboard.paused ? .warn : .title
        )
        let inner = box.inner
        guard inner.height > 1 else { return }
        let widths = columns(inner.width)
        let header =
            " " + Canvas.pad("TIME", 8) + " " + Canvas.pad("NAMESPACE", widths.namespace) + " "
            + Canvas.pad("ACTOR", widths.actor) + " " + Canvas.pad("TYPE", widths.type) + " "
            + Canvas.pad("VER", 5, right: true) + " " + "DATA"
        canvas.put(header, in: inner, style: .header)
        let shown = dashboard.visibleTail(limit: max(dashboard.tailCursor + 1, inner.height))
        if shown.isEmpty {
            canvas.put(
                dashboard.filter.isEmpty ? "no events yet" : "no events match the filter (Esc clears it)",
                in: inner,
                row: 1,
                style: .muted
            )
            return
        }
        let rows = inner.height - 1
        let first = max(0, min(dashboard.tailCursor - rows + 1, shown.count - rows))
        for row in 0..<min(rows, shown.count - first) {
            let index = first + row
            let entry = shown[index]
            let glyphs = canvas.glyphs
            let selected = index == dashboard.tailCursor
            let line =
                (selected ? String(canvas.glyphs.pointer) : " ") + Summary.clock(entry.event.timestamp) + " "
                + Canvas.pad(entry.namespace, widths.namespace, glyphs: glyphs)
                + " " + Canvas.pad(entry.event.actorID, widths.actor, glyphs: glyphs) + " "
                + Canvas.pad(entry.event.eventType, widths.type, glyphs: glyphs) + " "
                + Canvas.pad("\(entry.event.version)", 5, right: true) + " " + Summary.data(entry.event.data)
            canvas.put(line, in: inner, row: row + 1, style: selected ? .selected : .plain)
            if selected {
                canvas.restyle(Rect(x: inner.x, y: inner.y + row + 1, width: inner.width, height: 1), .selected)
            }
            canvas.mark(Rect(x: inner.x, y: inner.y + row + 1, width: inner.width, height: 1), .tail(index))
        }
    }

    static func columns(_ width: Int) -> (namespace: Int, actor: Int, type: Int) {
        if width >= 120 { return (16, 20, 22) }
        if width >= 90 { return (12, 16, 18) }
        return (10, 12, 15)
    }
}
