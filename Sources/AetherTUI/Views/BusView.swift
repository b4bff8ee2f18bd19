import Aether

/// Bus counters per namespace and the store's figures.
enum BusView {
    static func draw(_ dashboard: Dashboard, in area: Rect, on canvas: inout Canvas) {
        let metrics = dashboard.busMetrics
        let names = metrics.namespaces.keys.filter { !$0.hasPrefix(Identifiers.internalNamespaceToken) }.sorted()
        let (top, bottom) = area.top(min(max(names.count, 1) + 4, area.height / 2 + 2))
        canvas.box(
            top,
            title:
                "Bus \(canvas.glyphs.vertical) \(metrics.totalActiveSubscriptions) subscription\(metrics.totalActiveSubscriptions == 1 ? "" : "s") \(canvas.glyphs.vertical) \(Summary.count(metrics.totalDropped)) dropped"
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
        for (row, name) in names.prefix(inner.height - 2).enumerated() {
            let figures = metrics[name]
            let errors = figures.decodeErrors + figures.publishErrors
            canvas.put(
                Canvas.pad(name, nameWidth, glyphs: canvas.glyphs)
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

        canvas.box(bottom, title: "Store")
        inner = bottom.inner
        canvas.put(
            Canvas.pad("NAMESPACE", nameWidth) + Canvas.pad("STREAM", 18) + Canvas.pad("ACTORS", 8, right: true)
                + Canvas.pad("EVENTS", 9, right: true) + Canvas.pad("SNAPS", 7, right: true)
                + Canvas.pad("BAD", 6, right: true) + Canvas.pad("BYTES", 9, right: true),
            in: inner,
            style: .header
        )
        if dashboard.storeFigures.isEmpty {
            canvas.put("no stored events yet", in: inner, row: 1, style: .muted)
        }
        for (row, figures) in dashboard.storeFigures.prefix(inner.height - 1).enumerated() {
            // BAD: records that belong to no actor (on subjects whose token does not decode, or
            // outside the layout); they are not counted as events.
            let bad = figures.recordsOutsideActors
            canvas.put(
                Canvas.pad(figures.namespace, nameWidth, glyphs: canvas.glyphs)
                    + Canvas.pad(figures.stream ?? "(in memory)", 18, glyphs: canvas.glyphs)
                    + Canvas.pad(figures.counted ? "\(figures.actors)" : "-", 8, right: true)
                    + Canvas.pad(figures.counted ? "\(figures.events)" : "\(figures.records) rec", 9, right: true)
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
