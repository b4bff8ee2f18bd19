import Aether

extension Dashboard {
    var pageSize: Int { max(1, height - 10) }

    /// The actors the Actors view lists (after its filter).
    public var visibleActors: [ActorVersion] {
        guard !actorFilter.isEmpty else { return actors }
        return actors.filter {
            ActorListingMatch.matches(actorFilter, id: $0.actorID, token: ActorToken.encode($0.actorID))
        }
    }

    mutating func handle(_ key: Key) -> [Effect] {
        if overlay != nil { return handleInOverlay(key) }
        if case .click(let x, let y) = key { return click(x: x, y: y) }
        guard let command = keyMap.command(for: key) else { return [] }
        switch command {
        case .quit: return [.quit]
        case .help: overlay = .help
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
        case .jumpToVersion:
            guard view == .actors, detail != nil else { return [] }
            overlay = .form(
                Form(title: "Jump to version", purpose: .jumpToVersion, fields: [.init(label: "version", text: "")])
            )
        }
        return []
    }

    private mutating func switchView(to target: ViewID) -> [Effect] {
        view = target
        // The listing is read once per namespace and filter; the live feed keeps it current.
        if target == .actors, let namespace = actorNamespace,
            actorsListed?.namespace != namespace || actorsListed?.matching != actorFilter
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
    private mutating func moveAndPage(by delta: Int) -> [Effect] {
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
            if delta > 0, opened.selected == 0, opened.readFrom > 1 {
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
            if delta < 0, opened.selected == opened.events.count - 1, let through = opened.readThrough {
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

    private mutating func move(by delta: Int) {
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
                    // The history lists the newest first: down goes back in time.
                    opened.selected = clamp(opened.selected - delta, opened.events.count)
                }
                detail = opened
            } else {
                actorSelection = clamp(actorSelection + delta, visibleActors.count)
            }
        case .cluster:
            memberSelection = clamp(memberSelection + delta, cluster?.members.count ?? 0)
        case .bus:
            break
        }
    }

    private mutating func switchPane(_ right: Bool) {
        guard view == .actors, var opened = detail else { return }
        opened.fieldsFocused = right
        detail = opened
    }

    private mutating func open() -> [Effect] {
        switch view {
        case .streams:
            let shown = visibleTail
            guard shown.indices.contains(tailCursor) else { return [] }
            let entry = shown[tailCursor]
            let listing =
                actorNamespace == entry.namespace && actorsListed?.namespace == entry.namespace
                ? []
                : { () -> [Effect] in
                    actorNamespace = entry.namespace
                    actors = []
                    actorSelection = 0
                    return listActors(entry.namespace)
                }()
            view = .actors
            return listing + [.loadHistory(namespace: entry.namespace, actorID: entry.event.actorID)]
        case .actors:
            if detail != nil {
                switchPane(!(detail?.fieldsFocused ?? false))
                return []
            }
            let list = visibleActors
            guard let namespace = actorNamespace, list.indices.contains(actorSelection) else { return [] }
            return [.loadHistory(namespace: namespace, actorID: list[actorSelection].actorID)]
        case .cluster, .bus:
            return []
        }
    }

    private mutating func back() -> [Effect] {
        switch view {
        case .actors where detail != nil:
            if detail?.fieldsFocused == true { detail?.fieldsFocused = false } else { detail = nil }
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

    private mutating func openFilter() {
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

    private mutating func togglePause() {
        guard view == .streams else { return }
        paused.toggle()
        if !paused {
            newWhilePaused = 0
            tailCursor = 0
        }
    }

    private mutating func refuseReadOnly() -> Bool {
        guard settings.readOnly else { return false }
        say("read-only: actions are disabled (started with --read-only)", isError: true)
        return true
    }

    /// The actor the operator is looking at: the opened one, the selected one, or the tail's.
    var focusedActor: (namespace: String, actorID: String, version: Int64)? {
        if let opened = detail { return (opened.namespace, opened.actorID, opened.selectedEvent?.version ?? 0) }
        if view == .actors, let namespace = actorNamespace, visibleActors.indices.contains(actorSelection) {
            let actor = visibleActors[actorSelection]
            return (namespace, actor.actorID, actor.version)
        }
        if view == .streams {
            let shown = visibleTail
            if shown.indices.contains(tailCursor) {
                let entry = shown[tailCursor]
                return (entry.namespace, entry.event.actorID, entry.event.version)
            }
        }
        return nil
    }

    private mutating func openAppend() {
        guard !refuseReadOnly() else { return }
        let focused = focusedActor
        let version = (focused?.version ?? 0) + 1
        overlay = .form(
            Form(
                title: "Append an event",
                purpose: .append(expectedVersion: version),
                fields: [
                    .init(label: "namespace", text: focused?.namespace ?? actorNamespace ?? "default"),
                    .init(label: "actor", text: focused?.actorID ?? ""),
                    .init(label: "type", text: ""),
                    .init(label: "version", text: "\(version)"),
                    .init(label: "data", text: "{}", isJSON: true),
                    .init(label: "metadata", text: "", isJSON: true, optional: true),
                ]
            )
        )
    }

    private mutating func askSnapshot() {
        guard !refuseReadOnly() else { return }
        guard let focused = focusedActor else {
            say("select an actor to snapshot (Actors view)", isError: true)
            return
        }
        let latest = detail?.latestVersion ?? actors.first { $0.actorID == focused.actorID }?.version ?? focused.version
        overlay = .confirm(
            text: "Snapshot \(focused.namespace)/\(focused.actorID) at its latest version v\(latest)?",
            action: .snapshot(namespace: focused.namespace, actorID: focused.actorID, version: latest),
            alternative: nil
        )
    }

    private mutating func askDrill() {
        guard !refuseReadOnly() else { return }
        guard let leader = cluster?.leader, let term = cluster?.term else {
            say("no leader to drill: the cluster has none right now", isError: true)
            return
        }
        view = .cluster
        overlay = .confirm(
            text: "Failover drill: ask leader \(leader) (term \(term)) to resign?",
            action: .drill(.resign(leader: leader, term: term)),
            alternative: killable.contains(leader)
                ? (key: "k", text: "kill \(leader) instead", action: .drill(.kill(leader: leader, term: term))) : nil
        )
    }

    private mutating func askKill() {
        guard !refuseReadOnly() else { return }
        guard view == .cluster, let members = cluster?.members, members.indices.contains(memberSelection) else {
            say("select a member in the Cluster view to kill it", isError: true)
            return
        }
        let member = members[memberSelection].info.id
        guard killable.contains(member) else {
            say("\(member) cannot be killed from here (only the embedded demo's members)", isError: true)
            return
        }
        overlay = .confirm(
            text: "Kill member \(member)? It stops at once, without a goodbye.",
            action: .kill(member: member),
            alternative: nil
        )
    }

    private mutating func cycleNamespace(by delta: Int) -> [Effect] {
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

    private mutating func click(x: Int, y: Int) -> [Effect] {
        // The tab bar is the first row.
        if y == 0 {
            var column = 12
            for candidate in ViewID.allCases {
                let width = candidate.title.count + 4
                if x >= column && x < column + width { return switchView(to: candidate) }
                column += width
            }
            return []
        }
        switch view {
        case .actors where detail == nil:
            let row = y - 3
            if visibleActors.indices.contains(row) { actorSelection = row }
        case .streams:
            let namespaceRows = min(max(namespaces.count, 1), 6) + 3
            let row = y - (1 + namespaceRows + 2)
            if visibleTail.indices.contains(row) { tailCursor = row }
        case .cluster:
            let row = y - 3
            if let members = cluster?.members, members.indices.contains(row) { memberSelection = row }
        default:
            break
        }
        return []
    }

    // MARK: Overlays

    private mutating func handleInOverlay(_ key: Key) -> [Effect] {
        // A form is edited in place: no copy of it may be held here while it changes.
        if case .form = overlay { return handleInForm(key) }
        guard let current = overlay else { return [] }
        switch current {
        case .help:
            overlay = nil
        case .drill:
            if key == .escape || key == .enter || key == .character("q") { overlay = nil }
        case .confirm(_, let action, let alternative):
            switch key {
            case .character("y"), .character("Y"):
                overlay = nil
                return perform(action)
            case .character(let c) where alternative?.key == c:
                overlay = nil
                return perform(alternative!.action)
            case .character("n"), .character("N"), .escape, .controlC:
                overlay = nil
                say("cancelled; nothing was done")
            default:
                break
            }
        case .form:
            return handleInForm(key)
        }
        return []
    }

    private mutating func handleInForm(_ key: Key) -> [Effect] {
        switch key {
        case .escape, .controlC:
            overlay = nil
        case .tab, .down:
            editForm { $0.focus = ($0.focus + 1) % $0.fields.count }
        case .backTab, .up:
            editForm { $0.focus = ($0.focus + $0.fields.count - 1) % $0.fields.count }
        case .backspace, .delete:
            editForm { $0.backspace() }
        case .enter:
            if case .form(let form) = overlay { return submit(form) }
        case .character(let c):
            editForm { $0.type(c) }
        default:
            break
        }
        return []
    }

    /// A paste: into the focused field of an open form, whole. Anywhere else it is refused, and
    /// the status line says so: pasted text is never read as keys (a pasted `y` must not confirm).
    mutating func paste(_ text: String) {
        guard case .form = overlay else {
            say(
                "paste of \(text.count) character\(text.count == 1 ? "" : "s") ignored: "
                    + (overlay == nil
                        ? "no text field is open (press a to append, / to filter)"
                        : "pasted text is never read as keys"),
                isError: true
            )
            return
        }
        editForm { $0.paste(text) }
    }

    /// Edits the open form in place. The overlay lets go of the form first, so its text is not
    /// copied on every keystroke (a 2 MB paste typed key by key would otherwise be quadratic).
    private mutating func editForm(_ edit: (inout Form) -> Void) {
        guard case .form(var form) = overlay else { return }
        overlay = nil
        edit(&form)
        form.submitError = nil
        overlay = .form(form)
    }

    private mutating func submit(_ form: Form) -> [Effect] {
        if let error = form.error {
            var focused = form
            focused.focus = error.field
            overlay = .form(focused)
            return []
        }
        switch form.purpose {
        case .filter:
            overlay = nil
            if form.fields.count == 1 {
                actorFilter = form.value("actor")
                actorSelection = 0
                guard let namespace = actorNamespace else { return [] }
                // The listing is read again for the filter (a search, a bounded part at a time, on
                // a namespace too large to hold).
                actors = []
                undecodableSubjects = []
                actorNext = nil
                let listing = listActors(namespace)
                // An exact actor ID opens that actor at once, whether or not it is listed: one
                // direct get of its last event, whatever the namespace's size.
                if !actorFilter.isEmpty, (try? Identifiers.validateActorID(actorFilter)) != nil {
                    return [.openExact(namespace: namespace, actorID: actorFilter)] + listing
                }
                return listing
            } else {
                filter = TailFilter(
                    namespace: form.value("namespace"),
                    eventType: form.value("type"),
                    actor: form.value("actor"),
                    text: form.value("text")
                )
                tailCursor = 0
                if !filter.namespace.isEmpty, (try? TokenPattern(namespacePattern: filter.namespace)) == nil {
                    say(
                        "namespace pattern \(Identifiers.quoted(filter.namespace)) is not valid: nothing will match",
                        isError: true
                    )
                }
            }
        case .jumpToVersion:
            guard let version = Int64(form.value("version").filter { $0 != " " }), version > 0, var opened = detail
            else {
                say("no such version \(Identifiers.quoted(form.value("version")))", isError: true)
                overlay = nil
                return []
            }
            overlay = nil
            let oldest = opened.events.first?.version ?? opened.readFrom
            let outside =
                (version < opened.readFrom && opened.readFrom > 1)
                || (opened.readThrough.map { version > $0 } ?? false)
            if outside || (version < oldest && opened.readFrom > 1) {
                // Outside the window read: the window around it (a binary search finds where it
                // starts; the state before it replays from the nearest snapshot).
                let from = max(1, version - Self.historyPage / 2)
                say("reading v\(from)–v\(from + Self.historyPage - 1) of \(opened.actorID)…")
                return [
                    .loadHistoryWindow(
                        namespace: opened.namespace,
                        actorID: opened.actorID,
                        from: from,
                        through: from + Self.historyPage - 1,
                        select: version
                    )
                ]
            }
            guard let index = opened.events.firstIndex(where: { $0.version == version }) else {
                say("no such version \(Identifiers.quoted(form.value("version")))", isError: true)
                return []
            }
            opened.selected = index
            detail = opened
        case .append:
            let namespace = form.value("namespace")
            let actor = form.value("actor")
            let type = form.value("type")
            guard let version = Int64(form.value("version")), version > 0 else {
                say("version must be a positive whole number", isError: true)
                return []
            }
            do {
                try Identifiers.validateNamespace(namespace)
                try Identifiers.validateActorID(actor)
                try Identifiers.validateEventType(type)
            } catch {
                say(error.message, isError: true)
                return []
            }
            let data = (try? JSONValue.parse(form.value("data")))?.objectValue ?? [:]
            var metadata: [String: String]?
            if !form.value("metadata").isEmpty, let object = (try? JSONValue.parse(form.value("metadata")))?.objectValue
            {
                metadata = object.mapValues { $0.stringValue ?? $0.serialized() }
            }
            var event = Event(eventType: type, actorID: actor, version: version, data: data, timestamp: now)
            event.metadata = metadata
            if let limit = maxEventBytes {
                let size = event.jsonBytes().count
                if size > limit {
                    // Refused before asking, the form kept as typed: nothing is written.
                    var kept = form
                    kept.submitError =
                        "too large: \(size) bytes, the server takes \(limit); nothing written"
                    overlay = .form(kept)
                    say(
                        "append refused: the event is \(size) bytes, more than the \(limit) the server takes",
                        isError: true
                    )
                    return []
                }
            }
            overlay = .confirm(
                text: "Append \(type) to \(namespace)/\(actor) at version v\(version)?",
                action: .append(namespace: namespace, event: event),
                alternative: nil
            )
        }
        return []
    }

    private mutating func perform(_ action: PendingAction) -> [Effect] {
        switch action {
        case .append(let namespace, let event):
            return [.append(namespace: namespace, event: event)]
        case .snapshot(let namespace, let actorID, _):
            return [.snapshot(namespace: namespace, actorID: actorID)]
        case .drill(let method):
            drill = DrillState(method: method, startedAt: now)
            overlay = .drill
            return [.drill(method)]
        case .kill(let member):
            return [.kill(member: member)]
        }
    }
}
