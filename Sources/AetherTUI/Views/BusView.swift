import Aether

/// Bus counters per namespace and the store's figures.
enum BusView {
    /// The bus's namespaces as listed: those with drops or errors first, then by name.
    static func namespaces(_ dashboard: Dashboard) -> [String] {
        let metrics = dashboard.busMetrics
        return metrics.namespaces.keys.filter { !$0.hasPrefix(Identifiers.internalNamespaceToken) }.sorted {
            func troubled(_ name: String) -> Bool {
                let figures = metrics[name]
                return figures.dropped + figures.decodeErrors + figures.publishErrors > 0
            }
            return troubled($0) != troubled($1) ? troubled($0) : $0 < $1
        }
    }

    /// The store's figures as listed: problems (a stream that claims a namespace wrongly,
    /// records outside any actor) first, then as the store listed them.
    static func storeRows(_ dashboard: Dashboard) -> [StoreFigures] {
        let figures = dashboard.storeFigures
        let troubled = figures.filter { $0.problem != nil || $0.recordsOutsideActors > 0 }
        return troubled + figures.filter { $0.problem == nil && $0.recordsOutsideActors == 0 }
    }

    /// `rows 13–40 of 310 (↓↑ scroll)` when a table has more rows than it shows.
    static func range(first: Int, shown: Int, of count: Int, _ bar: Character) -> String {
        guard shown < count else { return "" }
        return " \(bar) rows \(first + 1)–\(first + shown) of \(count) (↓↑ PgDn PgUp scroll)"
    }

    /// The two tables' boxes in the view's area.
    static func boxes(_ dashboard: Dashboard, names: Int, in area: Rect) -> (Rect, Rect) {
        area.top(min(max(names, 1) + 4, area.height / 2 + 2))
    }

    /// The largest scroll offset that still moves a table: beyond it neither would move.
    static func maxOffset(_ dashboard: Dashboard) -> Int {
        let names = namespaces(dashboard).count
        let (top, bottom) = boxes(dashboard, names: names, in: Renderer.viewArea(dashboard))
        return max(
            0,
            names - max(0, top.inner.height - 2),
            storeRows(dashboard).count - max(0, bottom.inner.height - 1)
        )
    }

    static func draw(_ dashboard: Dashboard, in area: Rect, on canvas: inout Canvas) {
        let metrics = dashboard.busMetrics
        let names = namespaces(dashboard)
        let (top, bottom) = boxes(dashboard, names: names.count, in: area)
        let busRows = max(0, top.inner.height - 2)
        let busFirst = max(0, min(dashboard.busOffset, names.count - busRows))
        canvas.box(
            top,
            title:
                "Bus \(canvas.glyphs.vertical) \(metrics.totalActiveSubscriptions) subscription\(metrics.totalActiveSubscriptions == 1 ? "" : "s") \(canvas.glyphs.vertical) \(Summary.count(metrics.totalDropped)) dropped"
                + range(first: busFirst, shown: min(busRows, names.count), of: names.count, canvas.glyphs.vertical)
        )
        var inner = top.inner
        let nameWidth = max(10, min(24, inner.width - 60))
        canvas.put(
            Canvas.pad("NAMESPACE", nameWidth) + Canvas.pad("PUBLISHED", 11, right: true)
                + Canvas.pad("RECEIVED", 11, right: true) + Canvas.pad("DELIVERED", 11, right: true)
                + Canvas.pad("DROPPED", 9, right: true) + Canvas.pad("ERRORS", 8, right: true),
            in: inner,
            style: .header
        )
        for (row, name) in names.dropFirst(busFirst).prefix(busRows).enumerated() {
            let figures = metrics[name]
            let errors = figures.decodeErrors + figures.publishErrors
            canvas.put(
                Canvas.pad(name, nameWidth - 1, glyphs: canvas.glyphs) + " "
                    + Canvas.pad("\(figures.published)", 11, right: true)
                    + Canvas.pad("\(figures.received)", 11, right: true)
                    + Canvas.pad("\(figures.delivered)", 11, right: true)
                    + Canvas.pad(figures.dropped > 0 ? "\(figures.dropped) !" : "0", 9, right: true)
                    + Canvas.pad(errors > 0 ? "\(errors) !" : "0", 8, right: true),
                in: inner,
                row: row + 1,
                style: figures.dropped > 0 || errors > 0 ? .warn : .plain
            )
        }
        let patterns = metrics.activeSubscriptions.sorted { $0.key < $1.key }
            .map { "\($0.key)\(canvas.glyphs.arrow)\($0.value)" }.joined(separator: "  ")
        canvas.put(
            "subscriptions by pattern: " + (patterns.isEmpty ? "none" : patterns),
            in: inner,
            row: inner.height - 1,
            style: .muted
        )

        let store = storeRows(dashboard)
        let storeShown = max(0, bottom.inner.height - 1)
        let storeFirst = max(0, min(dashboard.busOffset, store.count - storeShown))
        canvas.box(
            bottom,
            title: "Store (\(store.count))"
                + range(first: storeFirst, shown: min(storeShown, store.count), of: store.count, canvas.glyphs.vertical)
        )
        inner = bottom.inner
        // Each column keeps a space before the next, whatever its text.
        let storeName = max(10, min(24, inner.width - 64))
        canvas.put(
            Canvas.pad("NAMESPACE", storeName) + " " + Canvas.pad("STREAM", 18) + Canvas.pad("ACTORS", 8, right: true)
                + Canvas.pad("EVENTS", 12, right: true) + Canvas.pad("SNAPS", 7, right: true)
                + Canvas.pad("BAD", 6, right: true) + Canvas.pad("BYTES", 9, right: true),
            in: inner,
            style: .header
        )
        if dashboard.storeFigures.isEmpty {
            canvas.put("no stored events yet", in: inner, row: 1, style: .muted)
        }
        for (row, figures) in store.dropFirst(storeFirst).prefix(storeShown).enumerated() {
            // BAD: records that belong to no actor (on subjects whose token does not decode, or
            // outside the layout); they are not counted as events.
            let bad = figures.recordsOutsideActors
            canvas.put(
                Canvas.pad(figures.namespace, storeName, glyphs: canvas.glyphs) + " "
                    + Canvas.pad(figures.stream ?? "(in memory)", 17, glyphs: canvas.glyphs) + " "
                    + Canvas.pad(figures.counted ? "\(figures.actors)" : "-", 8, right: true)
                    + Canvas.pad(figures.counted ? "\(figures.events)" : "\(figures.records) rec", 12, right: true)
                    + Canvas.pad(figures.counted ? "\(figures.snapshots)" : "-", 7, right: true)
                    + Canvas.pad(!figures.counted ? "-" : bad > 0 ? "\(bad) !" : "0", 6, right: true)
                    + Canvas.pad(figures.bytes.map(Summary.bytes) ?? "-", 9, right: true),
                in: inner,
                row: row + 1,
                style: bad > 0 ? .warn : .plain
            )
        }
    }
}
