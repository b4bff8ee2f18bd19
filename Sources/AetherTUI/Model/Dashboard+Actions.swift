import Aether

/// Write actions: the append form, snapshot, drill and kill asks, read-only refusal, and what a confirmed action asks the shell to do.
extension Dashboard {
    mutating func refuseReadOnly() -> Bool {
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

    mutating func openAppend() {
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

    mutating func askSnapshot() {
        guard !refuseReadOnly() else { return }
        guard let focused = focusedActor else {
            say("select an actor to snapshot (Actors view)", isError: true)
            return
        }
        let latest = detail?.latestVersion ?? actors.first { $0.actorID == focused.actorID }?.version ?? focused.version
        ask(
            "Snapshot \(focused.namespace)/\(focused.actorID) at its latest version (now v\(latest))?",
            .snapshot(namespace: focused.namespace, actorID: focused.actorID, version: latest),
            target: "\(focused.namespace)/\(focused.actorID)"
        )
    }

    mutating func askDrill() {
        guard !refuseReadOnly() else { return }
        if let running = drill, running.report == nil {
            say(
                "a drill of \(running.method.leader) is running: one at a time (its report would be overwritten)",
                isError: true
            )
            return
        }
        guard let leader = cluster?.leader, let term = cluster?.term else {
            say("no leader to drill: the cluster has none right now", isError: true)
            return
        }
        view = .cluster
        ask(
            "Failover drill: ask leader \(leader) (term \(term)) to resign? Canary events go to up to 8 actors of namespace \(FailoverDrill.canaryNamespace) (its stream is created if missing), one per actor per poll until writes recover; the report counts them.",
            .drill(.resign(leader: leader, term: term)),
            target: leader,
            alternative: killable.contains(leader)
                ? (key: "k", text: "kill \(leader) instead", action: .drill(.kill(leader: leader, term: term))) : nil
        )
    }

    mutating func askKill() {
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
        ask("Kill member \(member)? It stops at once, without a goodbye.", .kill(member: member), target: member)
    }

    mutating func submit(_ form: Form) -> [Effect] {
        if let error = form.error {
            var focused = form
            focused.focus = error.field
            overlay = .form(focused)
            return []
        }
        switch form.purpose {
        case .export(let job):
            return submitExport(job, form)
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
                refuse(
                    form,
                    field: "version",
                    "version must be a whole number above 0, not \(Identifiers.quoted(form.value("version")))"
                )
                return []
            }
            let problem: (field: String, message: String)? =
                if let error = Self.problem({ () throws(AetherError) in try Identifiers.validateNamespace(namespace) })
                {
                    ("namespace", error)
                } else if let error = Self.problem({ () throws(AetherError) in try Identifiers.validateActorID(actor) })
                {
                    ("actor", error)
                } else if let error = Self.problem({ () throws(AetherError) in try Identifiers.validateEventType(type) }
                ) {
                    ("type", error)
                } else {
                    nil
                }
            if let problem {
                refuse(form, field: problem.field, problem.message)
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
                        "too large: \(size) bytes, an event takes at most \(limit) (the server's max_payload less room for headers); nothing written"
                    overlay = .form(kept)
                    say(
                        "append refused: the event is \(size) bytes, more than the \(limit) an event takes (the server's max_payload less room for headers)",
                        isError: true
                    )
                    return []
                }
            }
            lastAppendForm = form
            ask(
                "Append \(type) to \(namespace)/\(actor) at version v\(version)?",
                .append(namespace: namespace, event: event),
                target: "\(namespace)/\(actor)"
            )
        }
        return []
    }

    /// The message of a check's error, nil when it passes.
    static func problem(_ check: () throws(AetherError) -> Void) -> String? {
        do {
            try check()
            return nil
        } catch {
            return error.message
        }
    }

    /// Keeps the form open, as typed, with the reason next to the field (and on the status line).
    mutating func refuse(_ form: Form, field label: String, _ reason: String) {
        var kept = form
        if let index = kept.fields.firstIndex(where: { $0.label == label }) {
            kept.fields[index].note = reason
            kept.focus = index
        }
        overlay = .form(kept)
        say(reason, isError: true)
    }

    /// The append form as last submitted: it comes back filled after a conflict or a failure.
    mutating func reopenAppend(version: Int64? = nil, field: String, note: String) {
        // Not over something the operator opened meanwhile.
        guard var form = lastAppendForm, overlay == nil else { return }
        if let version, let index = form.fields.firstIndex(where: { $0.label == "version" }) {
            form.fields[index].text = "\(version)"
            form.purpose = .append(expectedVersion: version)
        }
        if let index = form.fields.firstIndex(where: { $0.label == field }) {
            form.fields[index].note = note
            form.focus = index
        }
        // Reopened as the operator left it: Esc asks before discarding it.
        form.initialTexts = []
        overlay = .form(form)
    }

    mutating func perform(_ action: PendingAction) -> [Effect] {
        switch action {
        case .append(let namespace, let event):
            return [.append(namespace: namespace, event: event)]
        case .snapshot(let namespace, let actorID, _):
            return [.snapshot(namespace: namespace, actorID: actorID)]
        case .drill(let method):
            // Asked about one leader and term: if the cluster moved on while the question was
            // open, the answer was about a leader that is no more.
            guard cluster?.leader == method.leader, cluster?.term == method.term else {
                let current =
                    cluster?.leader.map { "\($0) (term \(cluster?.term ?? 0))" } ?? "no leader"
                say(
                    "not drilled: the leader changed since you were asked (\(method.leader) term \(method.term), now \(current)); nothing was done",
                    isError: true
                )
                return []
            }
            drill = DrillState(method: method, startedAt: now)
            overlay = .drill
            return [.drill(method)]
        case .kill(let member):
            return [.kill(member: member)]
        case .export(let job):
            return [.export(job, overwrite: true)]
        }
    }
}
