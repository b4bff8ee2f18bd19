import Aether
import Foundation

/// The event inspector, exports, the message log and the typed confirmation of production
/// contexts.
extension Dashboard {
    /// Lines of the inspector (and the message log) shown at once: the box less its borders
    /// and its footer line.
    public var inspectorRows: Int { max(1, height - 2 - 2 - 1) }

    /// Opens the inspector on an event, and asks for its stored message.
    mutating func inspect(_ event: Event, in namespace: String, snapshot: ActorSnapshot? = nil) -> [Effect] {
        var inspector = Inspector(namespace: namespace, subject: .event(event))
        if let snapshot {
            inspector.other = .snapshot(snapshot, check: detail?.snapshotChecks[snapshot.version])
        }
        overlay = .inspector(inspector)
        return [.readStored(namespace: namespace, actorID: event.actorID, version: event.version)]
    }

    /// The selected history row's event, with the snapshot taken at its version; or the bad
    /// record the cursor stands on, with its stored message.
    mutating func inspectSelected() -> [Effect] {
        if let opened = detail, let error = opened.selectedError {
            overlay = .inspector(
                Inspector(namespace: opened.namespace, subject: .record(.init(actorID: opened.actorID, error)))
            )
            return [.readStoredSequence(namespace: opened.namespace, sequence: error.sequence)]
        }
        guard let opened = detail, opened.events.indices.contains(opened.selected) else { return [] }
        let event = opened.events[opened.selected]
        return inspect(event, in: opened.namespace, snapshot: opened.snapshots.last { $0.version == event.version })
    }

    mutating func handleInInspector(_ key: Key) -> [Effect] {
        guard case .inspector(var inspector) = overlay else { return [] }
        let count = inspector.lines(utcOffset: settings.utcOffset).count
        let maxOffset = max(0, count - inspectorRows)
        if let offset = Self.scrolled(inspector.offset, by: key, page: inspectorRows, last: maxOffset) {
            inspector.offset = offset
            overlay = .inspector(inspector)
            return []
        }
        switch key {
        case .tab, .backTab: inspector.flip()
        case .escape, .character("q"), .controlC:
            overlay = nil
            return []
        case .enter, .character("o"):
            overlay = nil
            // A bad record is shown from the history, where the cursor stays on it.
            if case .record = inspector.subject { return [] }
            return openActor(inspector.namespace, inspector.actorID, at: inspector.version)
        case _ where keyMap.command(for: key) == .export:
            let (kind, at) =
                switch inspector.subject {
                case .event: ("event", "v\(inspector.version)")
                case .snapshot: ("snapshot", "v\(inspector.version)")
                case .record(let record): ("record", "seq\(record.sequence)")
                }
            openExport(
                ExportJob(
                    what: "the \(kind)",
                    path: Self.fileName("\(kind)-\(inspector.namespace)-\(inspector.actorID)-\(at)"),
                    content: .lines([inspector.exportLine])
                )
            )
            return []
        default:
            break
        }
        overlay = .inspector(inspector)
        return []
    }

    /// Opens an actor with `version` selected: at once when it is the opened actor and the
    /// version is read, else a window of its history around the version.
    mutating func openActor(_ namespace: String, _ actorID: String, at version: Int64) -> [Effect] {
        view = .actors
        if var opened = detail, opened.namespace == namespace, opened.actorID == actorID,
            let index = opened.events.firstIndex(where: { $0.version == version })
        {
            opened.selected = index
            opened.fieldsFocused = false
            detail = opened
            return []
        }
        var listing: [Effect] = []
        if actorNamespace != namespace || actorsListed?.namespace != namespace {
            actorNamespace = namespace
            actors = []
            actorSelection = 0
            listing = listActors(namespace)
        }
        let from = max(1, version - Self.historyPage / 2)
        return listing + [
            .loadHistoryWindow(
                namespace: namespace,
                actorID: actorID,
                from: from,
                through: version + Self.historyPage / 2,
                select: version
            )
        ]
    }

    /// A file name for an export, in the current directory: characters a shell or a file
    /// system would read otherwise become `_`.
    static func fileName(_ stem: String) -> String {
        let safe = stem.unicodeScalars.map { scalar -> Character in
            switch scalar {
            case "a"..."z", "A"..."Z", "0"..."9", "-", "_", ".": Character(scalar)
            default: "_"
            }
        }
        return String(safe.prefix(120)) + ".jsonl"
    }

    /// Export of what the view shows (the `e` key, `:export`): the drill report, the opened
    /// actor's history, or the filtered tail. `path` skips the prompt.
    mutating func exportHere(to path: String? = nil) -> [Effect] {
        let job: ExportJob
        if case .drill = overlay, let report = drill?.report {
            job = ExportJob(
                what: "the drill's report",
                path: "aether-drill-report.jsonl",
                content: .lines([Self.jsonLine(report)])
            )
        } else if view == .actors, let opened = detail {
            job = ExportJob(
                what: "the history of \(opened.namespace)/\(opened.actorID)",
                path: Self.fileName("history-\(opened.namespace)-\(opened.actorID)"),
                content: .history(namespace: opened.namespace, actorID: opened.actorID, withStates: false)
            )
        } else if view == .streams {
            let entries = visibleTail(limit: tail.count).reversed()
            let lines = entries.map(Self.tailLine)
            job = ExportJob(
                what:
                    "the \(filter.isEmpty ? "" : "filtered ")tail (\(lines.count) event\(lines.count == 1 ? "" : "s"))",
                path: "aether-tail.jsonl",
                content: .lines(lines)
            )
        } else {
            say(
                "nothing to export here: the tail (1 Streams), an opened actor, the inspector or a drill report",
                isError: true
            )
            return []
        }
        if let path {
            var chosen = job
            chosen.path = path
            return [.export(chosen, overwrite: false)]
        }
        openExport(job)
        return []
    }

    /// The prompt for an export's file; a history also asks whether to add the states.
    mutating func openExport(_ job: ExportJob) {
        var fields = [Form.Field(label: "file", text: job.path)]
        if case .history = job.content { fields.append(.init(label: "states", text: "no", optional: true)) }
        overlay = .form(Form(title: "Export \(job.what) (JSON Lines)", purpose: .export(job), fields: fields))
    }

    /// Submits the export prompt.
    mutating func submitExport(_ job: ExportJob, _ form: Form) -> [Effect] {
        var chosen = job
        chosen.path = form.value("file")
        if case .history(let namespace, let actorID, _) = job.content {
            let answer = form.value("states").lowercased()
            guard ["", "no", "n", "yes", "y"].contains(answer) else {
                var kept = form
                kept.submitError = "states: answer yes or no"
                overlay = .form(kept)
                return []
            }
            chosen.content = .history(namespace: namespace, actorID: actorID, withStates: answer.hasPrefix("y"))
        }
        overlay = nil
        return [.export(chosen, overwrite: false)]
    }

    /// A tail entry as an export line: its namespace, when it arrived, and the event.
    static func tailLine(_ entry: TailEntry) -> String {
        // The event as the wire has it (its keys in their order), inside the line.
        "{\"namespace\":" + JSONValue.string(entry.namespace).serialized() + ",\"receivedAt\":\""
            + entry.receivedAt.rfc3339 + "\",\"event\":" + entry.event.jsonString() + "}"
    }

    static func jsonLine(_ report: DrillReport) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(report)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    // MARK: The message log

    mutating func handleInMessages(_ key: Key, offset: Int) {
        let maxOffset = max(0, messageLog.count - inspectorRows)
        guard let next = Self.scrolled(offset, by: key, page: inspectorRows, last: maxOffset) else {
            overlay = nil
            return
        }
        overlay = .messages(offset: next)
    }

    mutating func openMessages() {
        overlay = .messages(offset: max(0, messageLog.count - inspectorRows))
    }

    // MARK: Confirmations

    /// Asks before a write: `y` on most contexts; on a production one, the target's name typed
    /// in full (a `y`, a paste or a habit cannot confirm it).
    mutating func ask(
        _ text: String,
        _ action: PendingAction,
        target: String,
        alternative: (key: Character, text: String, action: PendingAction)? = nil
    ) {
        if settings.production {
            overlay = .typedConfirm(text: text, expected: target, typed: "", action: action)
        } else {
            overlay = .confirm(text: text, action: action, alternative: alternative)
        }
    }

    mutating func handleInTypedConfirm(_ key: Key) -> [Effect] {
        guard case .typedConfirm(let text, let expected, var typed, let action) = overlay else { return [] }
        switch key {
        case .escape, .controlC:
            overlay = nil
            say("cancelled; nothing was done")
            return []
        case .enter:
            guard typed == expected else {
                say(
                    "not confirmed: type \(Identifiers.quoted(expected)) exactly (typed \(Identifiers.quoted(typed))); nothing was done yet",
                    isError: true
                )
                return []
            }
            overlay = nil
            return perform(action)
        default:
            guard let text = key.edit(typed) else { return [] }
            typed = text
        }
        overlay = .typedConfirm(text: text, expected: expected, typed: typed, action: action)
        return []
    }
}
