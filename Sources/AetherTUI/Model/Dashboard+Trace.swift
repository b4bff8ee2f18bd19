import Aether

/// The trace view: from any event, every event of its request across namespaces.
extension Dashboard {
    /// Records a scan reads per namespace, at most.
    public static let traceScanLimit = 200_000

    /// The event the operator is on: the inspector's, the tail's selected row, the history's.
    var eventInFocus: (namespace: String, event: Event)? {
        if case .inspector(let inspector) = overlay {
            switch inspector.subject {
            case .event(let event): return (inspector.namespace, event)
            case .snapshot:
                if case .event(let event)? = inspector.other { return (inspector.namespace, event) }
                return nil
            case .record: return nil
            }
        }
        if view == .streams {
            let shown = visibleTail
            return shown.indices.contains(tailCursor) ? (shown[tailCursor].namespace, shown[tailCursor].event) : nil
        }
        if view == .actors, let opened = detail, opened.selectedError == nil, let event = opened.selectedEvent {
            return (opened.namespace, event)
        }
        return nil
    }

    /// Opens the trace of the focused event's request.
    mutating func openTrace() -> [Effect] {
        guard let focused = eventInFocus else {
            say("select an event to trace (the tail, a history, the inspector)", isError: true)
            return []
        }
        guard let correlationID = focused.event.correlationID, !correlationID.isEmpty else {
            say(
                "\(focused.namespace)/\(focused.event.actorID) v\(focused.event.version) has no correlationId: nothing to trace",
                isError: true
            )
            return []
        }
        overlay = .trace(TraceView(correlationID: correlationID, origin: focused.event.id, openedFrom: view))
        traceReturn = nil
        return [.trace(correlationID: correlationID)]
    }

    /// Changes the trace view of `correlationID` (or of scan number `scan`), wherever it is:
    /// open, under the help or the command line, or kept to go back to from an actor. A result
    /// for a trace since closed changes nothing.
    mutating func updateTrace(correlationID: String? = nil, scan: Int? = nil, _ change: (inout TraceView) -> Void) {
        func matches(_ view: TraceView) -> Bool {
            (correlationID == nil || view.correlationID == correlationID) && (scan == nil || view.scan == scan)
        }
        if case .trace(var view) = overlay, matches(view) {
            change(&view)
            overlay = .trace(view)
        } else if case .trace(var view) = beneath, matches(view) {
            change(&view)
            beneath = .trace(view)
        } else if var kept = traceReturn, matches(kept.view) {
            change(&kept.view)
            traceReturn = kept
        }
    }

    /// The trace views held, in the order ``updateTrace(correlationID:scan:_:)`` looks: open,
    /// under the help or the command line, kept to go back to from an actor.
    var heldTraceViews: [TraceView] {
        var views: [TraceView] = []
        if case .trace(let view) = overlay { views.append(view) }
        if case .trace(let view) = beneath { views.append(view) }
        if let kept = traceReturn { views.append(kept.view) }
        return views
    }

    /// Whether scan `scan` is still wanted: its trace view is still held and Esc has not
    /// stopped it. The scan asks after each history it reads.
    public func wantsScan(_ scan: Int) -> Bool {
        heldTraceViews.first { $0.scan == scan }.map { $0.scanning != nil && !$0.stopRequested } ?? false
    }

    /// The keys that work over the trace view and the inspector as they do in a view: the
    /// help, the command line and the message log open over it (and give it back when they
    /// close); a view key closes it and switches. nil for any other key.
    mutating func handleGlobalInOverlay(_ key: Key, tabSwitches: Bool) -> [Effect]? {
        guard let command = keyMap.command(for: key) else { return nil }
        switch command {
        case .help:
            helpOffset = 0
            beneath = overlay
            overlay = .help
        case .commandLine:
            beneath = overlay
            overlay = .command(CommandPrompt())
        case .messages:
            beneath = overlay
            openMessages()
        case .viewStreams, .viewActors, .viewCluster, .viewBus:
            overlay = nil
            return handle(key)
        case .nextView, .previousView:
            guard tabSwitches else { return nil }
            overlay = nil
            return handle(key)
        default:
            return nil
        }
        return []
    }

    mutating func handleInTrace(_ key: Key) -> [Effect] {
        guard case .trace(var view) = overlay else { return [] }
        // Space does not page here: the trace view pages with PgDn and PgUp only.
        if key != .character(" "),
            let selection = Self.scrolled(view.selection, by: key, page: inspectorRows, last: view.rows.count - 1)
        {
            view.selection = selection
            overlay = .trace(view)
            return []
        }
        if let effects = handleGlobalInOverlay(key, tabSwitches: true) { return effects }
        switch key {
        case .escape where view.scanning != nil && !view.stopRequested:
            // The first Esc stops the scan (it ends at the next history and shows what it
            // found); the next one closes the view.
            view.stopRequested = true
            overlay = .trace(view)
            say("stopping the scan; what it found so far stays shown (Esc again closes)")
            return []
        case .escape, .character("q"), .controlC:
            // A scan still running stops at its next history: nothing wants it any more.
            overlay = nil
            return []
        case .enter:
            guard view.rows.indices.contains(view.selection) else { return [] }
            let entry = view.rows[view.selection].entry
            overlay = nil
            let effects = openActor(entry.namespace, entry.event.actorID, at: entry.event.version)
            traceReturn = (view, entry.namespace, entry.event.actorID)
            return effects
        case .character("r"):
            // The index read again: after a failure (a server that was away), or for what was
            // written since.
            guard view.scanning == nil, !view.reloading else { return [] }
            view.reloading = true
            overlay = .trace(view)
            return [.trace(correlationID: view.correlationID)]
        case .character("S"):
            // The opt-in scan of histories, for events stored without an index record.
            guard view.scanning == nil else { return [] }
            traceScans += 1
            view.scan = traceScans
            view.scanning = 0
            view.stopRequested = false
            view.failure = nil
            overlay = .trace(view)
            return [.traceScan(correlationID: view.correlationID, limit: Self.traceScanLimit, scan: traceScans)]
        default:
            return []
        }
    }

    /// Esc in an actor opened from the trace view: back to the trace, over the view it was
    /// opened from. False when the actor shown is not the one opened from it.
    mutating func returnToTrace() -> Bool {
        guard let kept = traceReturn else { return false }
        traceReturn = nil
        guard view == .actors, let opened = detail, opened.namespace == kept.namespace,
            opened.actorID == kept.actorID
        else { return false }
        view = kept.view.openedFrom
        overlay = .trace(kept.view)
        return true
    }
}
