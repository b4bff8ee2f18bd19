import Aether

extension Dashboard {
    var pageSize: Int { max(1, height - 10) }

    /// The actors the Actors view lists (after its filter).
    public var visibleActors: [ActorVersion] {
        guard !actorFilter.isEmpty else { return actors }
        return actors.filter { actorMatches($0.actorID) }
    }

    /// The filter the store searches with: a plain one; a regex (`re:`) or a negated one (`!`)
    /// is applied here, to the rows the store lists page by page.
    var actorStoreFilter: String {
        actorFilter.hasPrefix("!") || actorFilter.hasPrefix("re:") ? "" : actorFilter
    }

    func actorMatches(_ id: String) -> Bool {
        guard !actorFilter.isEmpty else { return true }
        return actorListMatcher.map { $0.matches(id) }
            ?? ActorListingMatch.matches(actorFilter, id: id, token: ActorToken.encode(id))
    }

    mutating func handle(_ key: Key) -> [Effect] {
        if overlay != nil { return handleInOverlay(key) }
        if case .click(let x, let y) = key { return click(x: x, y: y) }
        guard let command = keyMap.command(for: key) else { return [] }
        switch command {
        case .quit: return [.quit]
        case .help:
            helpOffset = 0
            overlay = .help
        case .nextView: return switchView(to: ViewID(rawValue: (view.rawValue + 1) % ViewID.allCases.count)!)
        case .previousView:
            return switchView(
                to: ViewID(rawValue: (view.rawValue + ViewID.allCases.count - 1) % ViewID.allCases.count)!
            )
        case .viewStreams: return switchView(to: .streams)
        case .viewActors: return switchView(to: .actors)
        case .viewCluster: return switchView(to: .cluster)
        case .viewBus: return switchView(to: .bus)
        case .up: return moveAndPage(by: -1)
        case .down: return moveAndPage(by: 1)
        case .pageUp: return moveAndPage(by: -pageSize)
        case .pageDown: return moveAndPage(by: pageSize)
        case .top: return moveAndPage(by: -1_000_000)
        case .bottom: return moveAndPage(by: 1_000_000)
        case .left, .right: switchPane(command == .right)
        case .open: return open()
        case .back: return back()
        case .filter: openFilter()
        case .pause: togglePause()
        case .append: openAppend()
        case .snapshot: askSnapshot()
        case .drill: askDrill()
        case .kill: askKill()
        case .nextNamespace: return cycleNamespace(by: 1)
        case .previousNamespace: return cycleNamespace(by: -1)
        case .export: return exportHere()
        case .commandLine: overlay = .command(CommandPrompt())
        case .messages: openMessages()
        case .trace: return openTrace()
        case .jumpToVersion:
            guard view == .actors, detail != nil else { return [] }
            overlay = .form(
                Form(title: "Jump to version", purpose: .jumpToVersion, fields: [.init(label: "version", text: "")])
            )
        }
        return []
    }

    mutating func switchView(to target: ViewID) -> [Effect] {
        view = target
        // The listing is read once per namespace and filter; the live feed keeps it current.
        if target == .actors, let namespace = actorNamespace,
            actorsListed?.namespace != namespace || actorsListed?.matching != actorStoreFilter
        {
            return listActors(namespace)
        }
        return []
    }

    /// Versions read per history window, and the most a window holds.
    static let historyPage: Int64 = 5_000
    static let historyWindowLimit: Int64 = 20_000

    /// Moves, and reads what lies past the edge: the next page of actors, or the older (newer)
    /// part of a history read as a window.
    mutating func moveAndPage(by delta: Int) -> [Effect] {
        guard view == .actors else {
            move(by: delta)
            return []
        }
        guard let opened = detail else {
            move(by: delta)
            return moreActorsIfNeeded()
        }
        if !opened.fieldsFocused {
            let oldest = opened.events.first?.version ?? opened.readFrom
            let newest = opened.events.last?.version ?? opened.readFrom
            if delta > 0, opened.atOldestRow, opened.readFrom > 1 {
                // Down from the oldest event read: the page before it.
                let from = max(1, opened.readFrom - Self.historyPage)
                var through = opened.readThrough
                if (through ?? newest) - from + 1 > Self.historyWindowLimit {
                    through = from + Self.historyWindowLimit - 1
                }
                say("reading v\(from)–v\(opened.readFrom - 1) of \(opened.actorID)…")
                return [
                    .loadHistoryWindow(
                        namespace: opened.namespace,
                        actorID: opened.actorID,
                        from: from,
                        through: through,
                        select: oldest - 1
                    )
                ]
            }
            if delta < 0, opened.atNewestRow, let through = opened.readThrough {
                // Up from the newest event of a window that ends early: the page after it.
                let newThrough = through + Self.historyPage
                let from = max(opened.readFrom, newThrough - Self.historyWindowLimit + 1)
                say("reading v\(through + 1)–v\(newThrough) of \(opened.actorID)…")
                return [
                    .loadHistoryWindow(
                        namespace: opened.namespace,
                        actorID: opened.actorID,
                        from: from,
                        through: newThrough,
                        select: newest + 1
                    )
                ]
            }
        }
        move(by: delta)
        return []
    }

    mutating func move(by delta: Int) {
        func clamp(_ value: Int, _ count: Int) -> Int { min(max(value, 0), max(0, count - 1)) }
        switch view {
        case .streams:
            tailCursor = clamp(tailCursor + delta, visibleTail.count)
        case .actors:
            if var opened = detail {
                if opened.fieldsFocused {
                    let count = StateDiff.leaves(of: opened.state(at: opened.selected).state).count
                    opened.selectedField = clamp(opened.selectedField + delta, count)
                } else {
                    opened.moveCursor(by: delta)
                }
                detail = opened
            } else {
                actorSelection = clamp(actorSelection + delta, visibleActors.count)
            }
        case .cluster:
            memberSelection = clamp(memberSelection + delta, cluster?.members.count ?? 0)
        case .bus:
            // Both tables scroll together; each stops at its own last row.
            // Past the last offset that moves either table, a key would do nothing you can see.
            busOffset = min(max(busOffset + delta, 0), BusView.maxOffset(self))
        }
    }

    mutating func switchPane(_ right: Bool) {
        guard view == .actors, var opened = detail else { return }
        opened.fieldsFocused = right
        detail = opened
    }

    mutating func open() -> [Effect] {
        switch view {
        case .streams:
            // The whole event first; Enter there opens its actor at that version.
            let shown = visibleTail
            guard shown.indices.contains(tailCursor) else { return [] }
            let entry = shown[tailCursor]
            return inspect(entry.event, in: entry.namespace)
        case .actors:
            if let opened = detail {
                // The history's event opens whole; from the fields pane, Enter goes back to it.
                if opened.fieldsFocused {
                    switchPane(false)
                    return []
                }
                return inspectSelected()
            }
            let list = visibleActors
            guard let namespace = actorNamespace, list.indices.contains(actorSelection) else { return [] }
            return [.loadHistory(namespace: namespace, actorID: list[actorSelection].actorID)]
        case .cluster, .bus:
            return []
        }
    }

    mutating func back() -> [Effect] {
        switch view {
        case .actors where detail != nil:
            if detail?.fieldsFocused == true {
                detail?.fieldsFocused = false
            } else if !returnToTrace() {
                detail = nil
            }
        case .actors:
            if !actorFilter.isEmpty {
                actorFilter = ""
                actorSelection = 0
                if let namespace = actorNamespace { return listActors(namespace) }
            }
        case .streams:
            if paused { togglePause() } else { filter = TailFilter() }
            tailCursor = 0
        default:
            break
        }
        return []
    }

    mutating func openFilter() {
        switch view {
        case .actors where detail == nil:
            overlay = .form(
                Form(
                    title: "Filter actors (an exact ID opens it)",
                    purpose: .filter,
                    fields: [.init(label: "actor", text: actorFilter)]
                )
            )
        default:
            view = .streams
            overlay = .form(
                Form(
                    title: "Filter the live tail",
                    purpose: .filter,
                    fields: [
                        .init(label: "namespace", text: filter.namespace),
                        .init(label: "type", text: filter.eventType),
                        .init(label: "actor", text: filter.actor),
                        .init(label: "text", text: filter.text),
                    ]
                )
            )
        }
    }

    mutating func togglePause() {
        guard view == .streams else { return }
        paused.toggle()
        if !paused {
            newWhilePaused = 0
            tailCursor = 0
        }
    }

    mutating func cycleNamespace(by delta: Int) -> [Effect] {
        guard view == .actors, !namespaces.isEmpty else { return [] }
        let index = actorNamespace.flatMap { namespaces.firstIndex(of: $0) } ?? 0
        let next = namespaces[(index + delta + namespaces.count) % namespaces.count]
        actorNamespace = next
        actors = []
        undecodableSubjects = []
        actorSelection = 0
        actorNext = nil
        detail = nil
        return listActors(next)
    }
}
