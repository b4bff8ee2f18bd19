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
        overlay = .trace(TraceView(correlationID: correlationID, origin: focused.event.id))
        return [.trace(correlationID: correlationID)]
    }

    mutating func updateTrace(_ correlationID: String, _ change: (inout TraceView) -> Void) {
        guard case .trace(var view) = overlay, view.correlationID == correlationID else { return }
        change(&view)
        overlay = .trace(view)
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
        switch key {
        case .escape, .character("q"), .controlC:
            overlay = nil
            return []
        case .enter:
            guard view.rows.indices.contains(view.selection) else { return [] }
            let entry = view.rows[view.selection].entry
            overlay = nil
            return openActor(entry.namespace, entry.event.actorID, at: entry.event.version)
        case .character("S"):
            // The opt-in scan of histories, for events stored without an index record.
            guard view.scanning == nil else { return [] }
            view.scanning = 0
            overlay = .trace(view)
            return [.traceScan(correlationID: view.correlationID, limit: Self.traceScanLimit)]
        default:
            return []
        }
    }
}
