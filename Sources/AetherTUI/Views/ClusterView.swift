import Aether

/// Members, the leader and its lease, the shard map, and the leader timeline.
enum ClusterView {
    static func draw(_ dashboard: Dashboard, in area: Rect, on canvas: inout Canvas) {
        guard let view = dashboard.cluster else {
            canvas.box(area, title: "Cluster")
            canvas.put("waiting for the cluster view…", in: area.inner, style: .muted)
            return
        }
        let letters = Renderer.ownerLetters(view.shardMap, members: view.members)
        let memberRows = max(1, view.members.count)
        var (top, rest) = area.top(memberRows + 4)
        drawMembers(dashboard, view, letters: letters, in: top, on: &canvas)
        // What the server says is wrong, between the members and the shards.
        if let health = dashboard.jetStream, health.isDegraded, rest.height >= 8 {
            let lines = lines(of: health)
            let (box, remaining) = rest.top(min(lines.count, max(1, rest.height / 3)) + 2)
            drawJetStream(health, lines: lines, in: box, on: &canvas)
            rest = remaining
        }
        let timelineWidth = rest.width >= 100 ? 34 : (rest.width >= 70 ? 26 : 0)
        let (mapArea, timelineArea) = rest.left(rest.width - timelineWidth)
        drawShards(dashboard, view, letters: letters, in: mapArea, on: &canvas)
        if timelineWidth > 0 { drawTimeline(dashboard, in: timelineArea, on: &canvas) }
    }

    static func drawMembers(
        _ dashboard: Dashboard,
        _ view: Cluster.View,
        letters: [String: Character],
        in box: Rect,
        on canvas: inout Canvas
    ) {
        let leaderText: String
        var leaderStyle = Style.title
        if let leader = view.leader, let term = view.term {
            let lease =
                view.leaseRemaining.map { " \(canvas.glyphs.vertical) lease \(Summary.duration($0)) left" } ?? ""
            leaderText = "leader \(leader) \(canvas.glyphs.vertical) term \(term)\(lease)"
        } else if let starting = Checks.starting(view, now: dashboard.now) {
            // Every member heard started too recently to have campaigned: a cluster starting.
            leaderText =
                "no leader yet \(canvas.glyphs.vertical) members campaign in \(Summary.duration(starting.wait - starting.age))"
            leaderStyle = .warn
        } else {
            leaderText = "NO LEADER"
            leaderStyle = .bad
        }
        canvas.box(
            box,
            title: "Members (\(view.members.count)) \(canvas.glyphs.vertical) \(leaderText)",
            titleStyle: leaderStyle
        )
        let inner = box.inner
        canvas.put(
            "   " + Canvas.pad("NODE", 16) + Canvas.pad("STATUS", 9) + Canvas.pad("HEARTBEAT", 10, right: true)
                + Canvas.pad("SHARDS", 8, right: true) + Canvas.pad("LOAD", 8, right: true) + "  ROLE       HOST",
            in: inner,
            style: .header
        )
        if view.members.isEmpty {
            canvas.put("no members heard yet", in: inner, row: 1, style: .muted)
        }
        let owned = view.shardMap?.shardsByOwner ?? [:]
        for (row, member) in view.members.prefix(max(0, inner.height - 2)).enumerated() {
            let id = member.info.id
            let letter = letters[id].map(String.init) ?? " "
            // A member down or gone has no role in the cluster now.
            let role =
                id == view.leader ? "leader" : member.status == .down || member.status == .left ? "—" : "follower"
            let y = inner.y + row + 1
            let selected = row == dashboard.memberSelection
            canvas.mark(Rect(x: inner.x, y: y, width: inner.width, height: 1), .member(row))
            var x = inner.x
            let colorIndex = letters[id].map { Int($0.asciiValue! - 65) } ?? 0
            x += canvas.put(
                " \(letter) ",
                x: x,
                y: y,
                style: Style(Renderer.ownerColors[colorIndex % Renderer.ownerColors.count], bold: true, reverse: true)
            )
            x += canvas.put(
                (selected ? String(canvas.glyphs.pointer) : " ") + Canvas.pad(id, 15, glyphs: canvas.glyphs),
                x: x,
                y: y,
                style: selected ? .selected : .title
            )
            x += canvas.put(
                Canvas.pad(member.status.rawValue, 9),
                x: x,
                y: y,
                style: Renderer.style(forStatus: member.status)
            )
            let line =
                Canvas.pad(Summary.duration(member.heartbeatAge), 10, right: true)
                + Canvas.pad("\(owned[id] ?? 0)", 8, right: true)
                // A member that is gone reports no load: its last figure would be stale.
                + Canvas.pad(
                    member.status == .down || member.status == .left ? "-" : Summary.rate(member.info.load),
                    8,
                    right: true
                )
                + "  " + Canvas.pad(role, 11) + member.info.host
            canvas.put(
                line,
                x: x,
                y: y,
                style: id == view.leader ? .init(.yellow, bold: true) : .plain,
                limit: inner.maxX - x
            )
        }
        let handoffs = view.shardMap?.handoffs.count ?? 0
        let mapText =
            view.shardMap.map {
                "shard map v\($0.version) (term \($0.term)) \(canvas.glyphs.vertical) \(handoffs) handoff\(handoffs == 1 ? "" : "s") in progress \(canvas.glyphs.vertical) \($0.isSettled ? "settled" : "settling")"
            } ?? "no shard map yet"
        canvas.put(mapText, in: inner, row: inner.height - 1, style: handoffs > 0 ? .warn : .muted)
    }

    static func drawShards(
        _ dashboard: Dashboard,
        _ view: Cluster.View,
        letters: [String: Character],
        in box: Rect,
        on canvas: inout Canvas
    ) {
        guard let map = view.shardMap else {
            canvas.box(box, title: "Shards")
            canvas.put("the leader has not written a shard map yet", in: box.inner, style: .muted)
            return
        }
        let inner = box.inner
        let gridRows = max(1, inner.height - 2)
        let cells = max(1, inner.width * gridRows)
        let perCell = max(1, (map.shardCount + cells - 1) / cells)
        let usedCells = (map.shardCount + perCell - 1) / perCell
        let columns = max(1, min(inner.width, usedCells))
        let scale = perCell == 1 ? "1 cell = 1 shard" : "1 cell = \(perCell) shards"
        canvas.box(box, title: "Shards (\(map.shardCount)) \(canvas.glyphs.vertical) \(scale)")
        let owners = map.owners
        let handoffs = map.handoffs
        for cell in 0..<usedCells {
            let lower = cell * perCell
            let upper = min(map.shardCount, lower + perCell)
            let first = owners[lower]
            var same = true
            var target: String?
            for shard in lower..<upper {
                if owners[shard] != first { same = false }
                if target == nil, let handoff = handoffs.isEmpty ? nil : handoffs[shard] { target = handoff.to }
            }
            var character: Character
            var style = Style.plain
            if same, !first.isEmpty {
                character = letters[first] ?? "?"
                let index = Int(character.asciiValue.map { $0 - 65 } ?? 0)
                style = Style(Renderer.ownerColors[index % Renderer.ownerColors.count], bold: true)
            } else if same {
                character = "."
                style = .bad
            } else {
                character = "*"
            }
            if let target {
                let letter = letters[target] ?? "~"
                character = letter.isLetter ? Character(letter.lowercased()) : letter
                style = Style(.yellow, bold: true, reverse: true)
            }
            let x = inner.x + cell % columns
            let y = inner.y + cell / columns
            guard y < inner.y + gridRows else { break }
            canvas[x, y] = Cell(character, style)
        }
        var legend = letters.sorted { $0.value < $1.value }.map { "\($0.value) \($0.key)" }.joined(separator: "  ")
        legend += "  . unowned  * mixed  lowercase: moving to"
        canvas.put(legend, in: inner, row: inner.height - 1, style: .muted)
    }

    /// The health box's rows, worst first.
    static func lines(of health: JetStreamHealth) -> [(text: String, style: Style)] {
        if let error = health.listingError { return [("the stream listing failed: \(error)", .bad)] }
        var lines: [(String, Style)] = []
        if !health.serversGone.isEmpty {
            lines.append(
                ("servers gone (replicas not heard from): \(health.serversGone.joined(separator: ", "))", .bad)
            )
        }
        for problem in health.problems { lines.append((problem.text, problem.blocksWrites ? .bad : .warn)) }
        return lines
    }

    static func drawJetStream(
        _ health: JetStreamHealth,
        lines: [(text: String, style: Style)],
        in box: Rect,
        on canvas: inout Canvas
    ) {
        let blocked = health.withoutLeader.count
        canvas.box(
            box,
            title: "JetStream \(canvas.glyphs.vertical) \(health.streams) streams answered \(canvas.glyphs.vertical) "
                + "\(blocked) without a leader \(canvas.glyphs.vertical) \(health.serversGone.count) servers gone",
            titleStyle: .bad
        )
        let inner = box.inner
        let shown = lines.count > inner.height ? inner.height - 1 : lines.count
        for (row, line) in lines.prefix(shown).enumerated() {
            canvas.put(line.text, in: inner, row: row, style: line.style)
        }
        if shown < lines.count {
            canvas.put(
                "… \(lines.count - shown) more (aether-top --once --json --view cluster lists them all)",
                in: inner,
                row: shown,
                style: .muted
            )
        }
    }

    static func drawTimeline(_ dashboard: Dashboard, in box: Rect, on canvas: inout Canvas) {
        canvas.box(box, title: "Leader timeline")
        let inner = box.inner
        for (row, change) in dashboard.leaderTimeline.reversed().prefix(max(0, inner.height)).enumerated() {
            let text =
                change.leader.map { "\(Summary.clock(change.at)) \($0) t\(change.term ?? 0)" }
                ?? "\(Summary.clock(change.at)) no leader"
            canvas.put(text, in: inner, row: row, style: change.leader == nil ? .bad : .plain)
        }
    }
}
