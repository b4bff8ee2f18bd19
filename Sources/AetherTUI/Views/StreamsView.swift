import Aether

/// Namespaces with live rates, and the live tail.
enum StreamsView {
    static func draw(_ dashboard: Dashboard, in area: Rect, on canvas: inout Canvas) {
        // Every known namespace; first, the bucket of those past the dashboard's cap.
        var names =
            (dashboard.stats[Dashboard.moreNamespaces] == nil ? [] : [Dashboard.moreNamespaces])
            + dashboard.namespaces
        let rows = min(max(names.count, 1), max(1, area.height / 3))
        if names.count > rows {
            // More than fit: those with drops, then the busiest; the Bus view lists every one.
            names.sort { a, b in
                // The bucket of namespaces past the cap stays first: it stands for many.
                if (a == Dashboard.moreNamespaces) != (b == Dashboard.moreNamespaces) {
                    return a == Dashboard.moreNamespaces
                }
                let (x, y) = (dashboard.stats[a] ?? NamespaceStats(), dashboard.stats[b] ?? NamespaceStats())
                let (dropsA, dropsB) = (dashboard.busMetrics[a].dropped > 0, dashboard.busMetrics[b].dropped > 0)
                if dropsA != dropsB { return dropsA }
                if x.rate != y.rate { return x.rate > y.rate }
                return x.total != y.total ? x.total > y.total : a < b
            }
        }
        let (top, bottom) = area.top(rows + 3)
        drawNamespaces(dashboard, names: names, in: top, on: &canvas)
        drawTail(dashboard, in: bottom, on: &canvas)
    }

    /// Namespaces seen on the bus that the store does not list (none before the store's first
    /// list, and none in the embedded demo, whose store holds every namespace written).
    static func busOnly(_ dashboard: Dashboard) -> Set<String> {
        guard !dashboard.storeNamespaces.isEmpty else { return [] }
        return Set(dashboard.namespaces).subtracting(dashboard.storeNamespaces)
    }

    static func drawNamespaces(_ dashboard: Dashboard, names: [String], in box: Rect, on canvas: inout Canvas) {
        let total = dashboard.stats.values.reduce(0) { $0 + $1.total }
        canvas.box(
            box,
            // A lost connection comes first: what was sent meanwhile is in no figure below.
            title: (dashboard.connectionGaps == 0
                ? ""
                : "⚠ connection lost \(dashboard.connectionGaps)×, events sent meanwhile not counted (\(dashboard.lastGapReason)) \(canvas.glyphs.vertical) ")
                + (names.count > box.inner.height - 1
                    ? "Namespaces (\(max(0, box.inner.height - 1)) of \(names.count), busiest; \(dashboard.keyMap.label(of: .viewBus) ?? "Bus view") lists all)"
                    : "Namespaces (\(names.count))")
                + " \(canvas.glyphs.vertical) \(Summary.count(total)) events seen"
                + (busOnly(dashboard).isEmpty ? "" : " \(canvas.glyphs.vertical) * seen on the bus only, no stream"),
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
        let busOnly = busOnly(dashboard)
        for (index, name) in names.prefix(max(0, inner.height - 1)).enumerated() {
            let stats = dashboard.stats[name] ?? NamespaceStats()
            let drops = dashboard.busMetrics[name].dropped
            var x = inner.x
            let y = inner.y + 1 + index
            // A namespace seen on the bus that has no stream stays listed, marked.
            let marked = busOnly.contains(name) ? Canvas.fit(name, nameWidth - 1, glyphs: canvas.glyphs) + "*" : name
            x += canvas.put(
                Canvas.pad(marked, nameWidth, glyphs: canvas.glyphs) + " ",
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
        let shown = dashboard.visibleTail(limit: max(dashboard.tailCursor + 1, inner.height))
        let rows = max(0, inner.height - 1)
        let first = max(0, min(dashboard.tailCursor - rows + 1, shown.count - rows))
        let widths = columns(shown.dropFirst(first).prefix(rows), width: inner.width, ascii: canvas.glyphs.asciiOnly)
        let header =
            " " + Canvas.pad("TIME", 8) + " " + Canvas.pad("NAMESPACE", widths.namespace) + " "
            + Canvas.pad("ACTOR", widths.actor) + " " + Canvas.pad("TYPE", widths.type) + " "
            + Canvas.pad("VER", widths.version, right: true) + " " + "DATA"
        canvas.put(header, in: inner, style: .header)
        if shown.isEmpty {
            canvas.put(
                dashboard.filter.isEmpty ? "no events yet" : "no events match the filter (Esc clears it)",
                in: inner,
                row: 1,
                style: .muted
            )
            return
        }
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
                + Canvas.pad("\(entry.event.version)", widths.version, right: true) + " "
                + Summary.data(entry.event.data)
            canvas.put(line, in: inner, row: row + 1, style: selected ? .selected : .plain)
            if selected {
                canvas.restyle(Rect(x: inner.x, y: inner.y + row + 1, width: inner.width, height: 1), .selected)
            }
            canvas.mark(Rect(x: inner.x, y: inner.y + row + 1, width: inner.width, height: 1), .tail(index))
        }
    }

    /// The tail's columns, sized from the rows on screen: each as wide as its widest value
    /// (the version always whole), within caps, and narrowed, widest first, until the data keeps
    /// at least 16 columns.
    static func columns(
        _ rows: some Collection<TailEntry>,
        width: Int,
        ascii: Bool
    ) -> (namespace: Int, actor: Int, type: Int, version: Int) {
        var namespace = 9
        var actor = 5
        var type = 4
        var version = 3
        for entry in rows {
            namespace = max(namespace, DisplayText.width(entry.namespace, ascii: ascii))
            actor = max(actor, DisplayText.width(entry.event.actorID, ascii: ascii))
            type = max(type, DisplayText.width(entry.event.eventType, ascii: ascii))
            version = max(version, "\(entry.event.version)".count)
        }
        var sizes = [min(namespace, 24), min(actor, 32), min(type, 28)]
        let minimums = [6, 8, 8]
        // time, the spaces between, the version, and 16 for the data.
        let room = width - 1 - 8 - 5 - version - 16
        while sizes.reduce(0, +) > room {
            guard let widest = sizes.indices.filter({ sizes[$0] > minimums[$0] }).max(by: { sizes[$0] < sizes[$1] })
            else {
                break
            }
            sizes[widest] -= 1
        }
        return (sizes[0], sizes[1], sizes[2], version)
    }
}
