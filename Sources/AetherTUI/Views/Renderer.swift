import Aether

/// Draws a ``Dashboard`` into a ``Canvas``: pure, so frames can be compared as text.
public enum Renderer {
    /// Where a view is drawn: below the tabs (and the banner, when one shows), above the status.
    static func viewArea(_ dashboard: Dashboard) -> Rect {
        let body = Rect(x: 0, y: 1, width: dashboard.width, height: dashboard.height - 2)
        return banner(dashboard) == nil ? body : body.top(1).1
    }

    public static func render(_ dashboard: Dashboard, glyphs: Glyphs? = nil) -> Canvas {
        var canvas = Canvas(
            width: dashboard.width,
            height: dashboard.height,
            glyphs: glyphs ?? (dashboard.settings.ascii ? .ascii : .unicode)
        )
        guard canvas.width >= 20, canvas.height >= 6 else {
            canvas.put("aether-top: window too small", x: 0, y: 0)
            return canvas
        }
        drawTabs(dashboard, &canvas)
        let body = viewArea(dashboard)
        if let banner = banner(dashboard) {
            canvas.fill(Rect(x: 0, y: 1, width: canvas.width, height: 1), style: .init(.red, bold: true, reverse: true))
            canvas.put(
                banner,
                in: Rect(x: 1, y: 1, width: canvas.width - 2, height: 1),
                style: .init(.red, bold: true, reverse: true)
            )
        }
        switch dashboard.view {
        case .streams: StreamsView.draw(dashboard, in: body, on: &canvas)
        case .actors: ActorsView.draw(dashboard, in: body, on: &canvas)
        case .cluster: ClusterView.draw(dashboard, in: body, on: &canvas)
        case .bus: BusView.draw(dashboard, in: body, on: &canvas)
        }
        drawStatus(dashboard, &canvas)
        // The help or the command line over the trace view or the inspector: drawn over it.
        if let beneath = dashboard.beneath, dashboard.overlay != nil {
            OverlayView.draw(beneath, dashboard, on: &canvas)
        }
        if let overlay = dashboard.overlay { OverlayView.draw(overlay, dashboard, on: &canvas) }
        return canvas
    }

    static func banner(_ dashboard: Dashboard) -> String? {
        let other = connectionBanner(dashboard)
        guard dashboard.settings.production else { return other }
        return "PRODUCTION \(dashboard.label) — every write asks for its target's name"
            + (other.map { " │ " + $0 } ?? "")
    }

    static func connectionBanner(_ dashboard: Dashboard) -> String? {
        switch dashboard.connection {
        case .embedded: nil
        case .connected:
            // Connected, but the server says streams or servers are missing.
            dashboard.jetStream.flatMap { health in
                health.isDegraded
                    ? "JETSTREAM DEGRADED — \(health.summary)"
                        + (dashboard.view == .cluster ? "" : " (3 Cluster: details)")
                    : nil
            }
        case .reconnecting(let attempt, let failure?) where failure.credentialsRejected:
            // Retried, as the password may come back (a server of the cluster not yet rotated),
            // but said: a dashboard started with the old one never gets in. The heading says
            // what the client's message starts with; the server's own words follow.
            "NATS CREDENTIALS REJECTED (reconnect attempt \(attempt)): "
                + (failure.message.firstRange(of: "rejected the credentials: ").map {
                    String(failure.message[$0.upperBound...])
                } ?? failure.message)
                + " — if rotated, restart with the new ones"
        case .reconnecting(let attempt, let failure?):
            "NATS CONNECTION LOST — reconnecting (attempt \(attempt); the last failed: \(failure.message)); figures are frozen until it is back"
        case .reconnecting(let attempt, nil):
            "NATS CONNECTION LOST — reconnecting (attempt \(attempt)); figures are frozen until it is back"
        case .disconnected(let reason): "NATS DISCONNECTED: \(reason) — reconnecting"
        case .closed(let reason?):
            // The client's words (a rejected password says so, never what the password was).
            "NATS CONNECTION CLOSED: \(reason) — restart aether-top"
                + (reason.contains("credentials") ? " with credentials the server accepts" : " to reconnect")
        case .closed(nil): "NATS CONNECTION CLOSED — restart aether-top to reconnect"
        }
    }

    static func connectionText(_ state: ConnectionState) -> (String, Style) {
        switch state {
        case .embedded: ("embedded", .good)
        case .connected: ("connected", .good)
        case .reconnecting: ("RECONNECTING", .bad)
        case .disconnected: ("DISCONNECTED", .bad)
        case .closed: ("CLOSED", .bad)
        }
    }

    static func drawTabs(_ dashboard: Dashboard, _ canvas: inout Canvas) {
        canvas.fill(Rect(x: 0, y: 0, width: canvas.width, height: 1), style: .init(reverse: true))
        // Narrow terminals give the title's last space to the cluster line.
        let title = canvas.width < 100 ? " aether-top" : " aether-top "
        var x = canvas.put(title, x: 0, y: 0, style: .init(.cyan, bold: true, reverse: true))
        for view in ViewID.allCases {
            let label = " \(view.rawValue + 1) \(view.title) "
            let style: Style = view == dashboard.view ? .init(.yellow, bold: true) : .init(reverse: true)
            let width = canvas.put(label, x: x, y: 0, style: style)
            canvas.mark(Rect(x: x, y: 0, width: width, height: 1), .tab(view))
            x += width
        }
        // The cluster at a glance, whichever view is open: the leader and its term, members up
        // of all, and the connection.
        let (state, style) = connectionText(dashboard.connection)
        let connection = "\(canvas.glyphs.bullet) \(state) "
        let connectionWidth = DisplayText.width(connection, ascii: canvas.glyphs.asciiOnly)
        var clusterText = ""
        var clusterStyle = Style(reverse: true)
        if let cluster = dashboard.cluster {
            let up = cluster.members.filter { $0.status == .up }.count
            let room = canvas.width - x - connectionWidth - 1
            let bar = canvas.glyphs.vertical
            func width(_ text: String) -> Int { DisplayText.width(text, ascii: canvas.glyphs.asciiOnly) }
            if let leader = cluster.leader, let term = cluster.term {
                // The roomiest form that fits; the leader's name is cut only when none does.
                let star = canvas.glyphs.asciiOnly ? "*" : "★"
                let forms = [
                    "\(star) \(leader) t\(term) \(bar) \(up)/\(cluster.members.count) up ",
                    "\(star)\(leader) t\(term) \(up)/\(cluster.members.count) up ",
                    "\(star)\(leader) t\(term) \(up)/\(cluster.members.count) ",
                ]
                clusterText =
                    forms.first { width($0) <= room }
                    ?? star + Canvas.fit(leader, max(1, room - width(forms[2]) + width(leader)), glyphs: canvas.glyphs)
                    + " t\(term) \(up)/\(cluster.members.count) "
            } else {
                clusterText =
                    width("no leader \(up)/\(cluster.members.count) up ") <= room
                    ? "no leader \(up)/\(cluster.members.count) up " : "no leader "
                clusterStyle = .init(.red, bold: true, reverse: true)
            }
            if cluster.leader != nil, up < cluster.members.count {
                clusterStyle = .init(.yellow, bold: true, reverse: true)
            }
        }
        let clusterWidth = DisplayText.width(clusterText, ascii: canvas.glyphs.asciiOnly)
        let start = canvas.width - connectionWidth
        if start - clusterWidth > x, !clusterText.isEmpty {
            canvas.put(clusterText, x: start - clusterWidth, y: 0, style: clusterStyle)
        }
        if start > x { canvas.put(connection, x: start, y: 0, style: .init(style.color, bold: true, reverse: true)) }
    }

    static func drawStatus(_ dashboard: Dashboard, _ canvas: inout Canvas) {
        let y = canvas.height - 1
        let row = Rect(x: 0, y: y, width: canvas.width, height: 1)
        canvas.fill(row, style: .init(reverse: true))
        let writes: String
        switch (dashboard.writable, dashboard.connection) {
        case (false, _): writes = "READ-ONLY"
        // A write now is refused at once, nothing sent: say so before it is tried.
        case (true, .reconnecting), (true, .disconnected), (true, .closed): writes = "writes paused"
        case (true, _): writes = "writes on"
        }
        // The writes state always shows; the label gives way first.
        let labelRoom = max(0, canvas.width / 2 - writes.count - 5)
        let right =
            " \(Canvas.fit(dashboard.label, labelRoom, glyphs: canvas.glyphs)) \(canvas.glyphs.vertical) \(writes) "
        let rightWidth = DisplayText.width(right, ascii: canvas.glyphs.asciiOnly)
        let left: String
        var style = Style(reverse: true)
        if let message = dashboard.message, message.at.duration(to: dashboard.now) < .seconds(10) {
            // A message too long for the line says where to read it whole.
            let room = canvas.width - rightWidth - 2
            if DisplayText.width(message.text, ascii: canvas.glyphs.asciiOnly) > room {
                // Only with nothing open is the key read as a key (a form would take it as text).
                let key = dashboard.keyMap.label(of: .messages) ?? ":messages"
                let more: String =
                    switch dashboard.overlay {
                    case nil, .trace?, .inspector?: " (\(key) shows all)"
                    case .messages?: ""
                    default: " (Esc, then \(key) shows all)"
                    }
                left = " " + Canvas.fit(message.text, room - more.count, glyphs: canvas.glyphs) + more
            } else {
                left = " " + message.text
            }
            if message.isError { style = .init(.red, bold: true, reverse: true) }
        } else {
            left = " " + fitHints(hints(dashboard), width: canvas.width - rightWidth - 2, glyphs: canvas.glyphs)
        }
        canvas.put(left, in: Rect(x: 0, y: y, width: canvas.width - rightWidth - 1, height: 1), style: style)
        let labelColor = dashboard.settings.labelColor ?? (dashboard.writable ? .normal : .yellow)
        canvas.put(
            Canvas.fit(right, rightWidth, glyphs: canvas.glyphs),
            x: canvas.width - rightWidth,
            y: y,
            style: .init(labelColor, bold: !dashboard.writable || dashboard.settings.labelColor != nil, reverse: true)
        )
    }

    /// The footer's key hints for the view, most useful first, with the keys the key map has
    /// (a remapped key shows as remapped).
    static func hints(_ dashboard: Dashboard) -> [String] {
        let keys = dashboard.keyMap
        func hint(_ command: Command, _ text: String) -> String? {
            guard var label = keys.label(of: command) else { return nil }
            if label == "Enter" { label = "↵" }
            return "\(label) \(text)"
        }
        let hints: [String?]
        // Over the trace view and the inspector, the footer gives their keys, not the view's.
        let viewKeys = [Command.viewStreams, .viewActors, .viewCluster, .viewBus].compactMap { keys.label(of: $0) }
        let anywhere = [
            hint(.help, "help"), hint(.commandLine, "command"), viewKeys == ["1", "2", "3", "4"] ? "1-4 views" : nil,
        ]
        if case .trace(let trace) = dashboard.overlay {
            let own: [String?] =
                trace.scanning == nil
                ? ["↑↓ select", "↵ actor", "S scan", "r reload", "Esc close"]
                : ["↑↓ select", "↵ actor", trace.stopRequested ? "stopping the scan…" : "Esc stop scan"]
            return (own + anywhere).compactMap { $0 }
        }
        if case .inspector = dashboard.overlay {
            return (["Esc close"] + anywhere).compactMap { $0 }
        }
        // Over the help and the message log, their own keys: what scrolls, and that any other
        // key closes (the view beneath takes no key while they are up).
        let scroll = ["↓↑ PgDn PgUp g G scroll", "any other key closes"]
        switch dashboard.overlay {
        case .help: return dashboard.helpLayout.maxOffset > 0 ? scroll : ["any key closes"]
        case .messages:
            // Short enough to fit, the log still takes the scroll keys (they move nothing).
            return dashboard.messageLog.count > dashboard.inspectorRows ? scroll : ["Esc close"]
        default: break
        }
        switch dashboard.view {
        case .streams:
            hints = [
                hint(.quit, "quit"), hint(.help, "help"), hint(.filter, "filter"), hint(.pause, "pause"),
                hint(.open, "inspect"), hint(.commandLine, "command"), hint(.export, "export"), hint(.append, "append"),
            ]
        case .actors where dashboard.detail != nil:
            hints = [
                "↑↓ step", hint(.open, "inspect"), "←→ panes", hint(.jumpToVersion, "version"), hint(.export, "export"),
                hint(.snapshot, "snapshot"), hint(.append, "append"), hint(.back, "back"),
            ]
        case .actors:
            hints = [
                hint(.open, "open"), "[ ] namespace", hint(.filter, "filter"), hint(.commandLine, "command"),
                hint(.append, "append"), hint(.snapshot, "snapshot"),
            ]
        case .cluster:
            // K kills only members in this process (the embedded demo).
            hints =
                [hint(.drill, "failover drill")] + (dashboard.killable.isEmpty ? [] : [hint(.kill, "kill member")])
                + ["↑↓ select", hint(.commandLine, "command")]
        case .bus:
            hints = [
                hint(.quit, "quit"), hint(.help, "help"), hint(.nextView, "next view"), hint(.commandLine, "command"),
            ]
        }
        return hints.compactMap { $0 }
    }

    /// As many whole hints as fit in `width`, two spaces apart: a hint is left out, never cut.
    static func fitHints(_ hints: [String], width: Int, glyphs: Glyphs) -> String {
        var line = ""
        for hint in hints {
            let next = line.isEmpty ? hint : line + "  " + hint
            guard DisplayText.width(next, ascii: glyphs.asciiOnly) <= width else { break }
            line = next
        }
        return line
    }

    /// A letter per owner: A, B, C … in sorted order.
    static func ownerLetters(_ map: Cluster.ShardMap?, members: [Cluster.View.MemberView]) -> [String: Character] {
        var names = Set(members.map(\.info.id))
        for owner in map?.owners ?? [] where !owner.isEmpty { names.insert(owner) }
        let letters = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
        var result: [String: Character] = [:]
        for (index, name) in names.sorted().enumerated() { result[name] = letters[index % letters.count] }
        return result
    }

    static let ownerColors: [Color] = [.cyan, .magenta, .green, .yellow, .blue, .red]

    static func style(forStatus status: Cluster.MemberStatus) -> Style {
        switch status {
        case .up: .good
        case .suspect: .warn
        case .down: .bad
        case .left: .muted
        }
    }
}
