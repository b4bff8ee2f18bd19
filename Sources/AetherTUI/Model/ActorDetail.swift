import Aether

/// An opened actor: its history, its snapshots, and the state replayed up to the selected
/// event — from the latest snapshot at or before it, plus the events after that snapshot.
public struct ActorDetail: Sendable {
    public var namespace: String
    public var actorID: String
    public var events: [Event]
    public var snapshots: [ActorSnapshot]
    public var reducer: Reducer
    /// How a replayed state is made, for its label ("demo reducer", "generic merge-patch").
    public var reducerLabel = ""
    /// The version the history was read from: above 1, older events were not read (partial).
    public var readFrom: Int64 = 1
    /// The last version read, when the window ends before the newest (nil: up to the newest,
    /// and the live feed adds to it).
    public var readThrough: Int64?
    public var isPartial: Bool { readFrom > 1 || readThrough != nil }
    /// The state right before `readFrom`, replayed by the shell from the nearest snapshot at or
    /// below it, so every state in a window is the actor's whole state. Nil until it arrives.
    public var base: ReplayedState?
    /// The base is being replayed, and how many events it has applied so far.
    public var baseLoading = false
    public var baseApplied = 0
    /// Why the base could not be replayed, if it could not.
    public var baseFailure: String?
    /// Stored records that could not be used, in stream order: each is shown in the history
    /// after the event it follows (`afterVersion`), and the replayed state says it skipped them.
    public var errors: [ReplayError]
    /// Each snapshot checked against a replay of the events up to its version.
    public var snapshotChecks: [Int64: SnapshotCheck] = [:]
    /// When the snapshots were last read, the latest version then, and whether a second read
    /// followed a read made because events came (a member takes its snapshot just after the
    /// event it publishes: the first read may come before it).
    public var snapshotsRead: (at: Timestamp, version: Int64, settled: Bool)?
    /// Index into `events` of the selected event: the state pane shows the state at it.
    /// Selecting an event moves the cursor off a bad record.
    public var selected: Int { didSet { selectedBad = nil } }
    /// Index into `errors` of the bad record the cursor stands on, if it stands on one; then
    /// `selected` is the event the record follows (the row below it), or the oldest.
    public var selectedBad: Int?
    /// Which pane has the focus: the history (false) or the state's fields (true).
    public var fieldsFocused = false
    public var selectedField = 0
    public var scroll = 0

    public init(
        namespace: String,
        actorID: String,
        events: [Event],
        snapshots: [ActorSnapshot],
        reducer: Reducer,
        errors: [ReplayError] = []
    ) {
        self.namespace = namespace
        self.actorID = actorID
        self.events = events
        self.snapshots = snapshots.sorted { $0.version < $1.version }
        self.reducer = reducer
        self.errors = errors.sorted { $0.sequence < $1.sequence }
        self.selected = max(0, events.count - 1)
        self.snapshotChecks = SnapshotCheck.check(snapshots, events: events, reducer: reducer)
    }

    /// The check of the latest snapshot at or before `version`, if there is one.
    public func snapshotCheck(at version: Int64) -> SnapshotCheck? {
        snapshots.last { $0.version <= version }.flatMap { snapshotChecks[$0.version] }
    }

    /// One row of the history, newest first: an event, or a bad record where it lies.
    public enum HistoryRow: Sendable, Equatable {
        case event(index: Int)
        case bad(index: Int)
    }

    /// The history's rows, newest first; a bad record stands right above the event it follows.
    public var historyRows: [HistoryRow] {
        guard !errors.isEmpty else { return events.indices.reversed().map { .event(index: $0) } }
        var rows: [HistoryRow] = []
        // By the event they follow, newest first: a bad record that follows an early event
        // (a snapshot record follows none) does not hold back those after later ones.
        var pending = errors.indices.sorted {
            (errors[$0].afterVersion, errors[$0].sequence) > (errors[$1].afterVersion, errors[$1].sequence)
        }[...]
        for index in events.indices.reversed() {
            while let bad = pending.first, errors[bad].afterVersion >= events[index].version {
                rows.append(.bad(index: bad))
                pending = pending.dropFirst()
            }
            rows.append(.event(index: index))
        }
        rows += pending.map { .bad(index: $0) }
        return rows
    }

    /// The row the cursor stands on.
    public var cursorRow: HistoryRow {
        if let bad = selectedBad, errors.indices.contains(bad) { return .bad(index: bad) }
        return .event(index: selected)
    }

    /// The bad record the cursor stands on, if any.
    public var selectedError: ReplayError? {
        if case .bad(let index) = cursorRow { errors[index] } else { nil }
    }

    /// Moves the cursor `delta` rows down the history (newest first; down goes back in time),
    /// over events and bad records alike.
    public mutating func moveCursor(by delta: Int) {
        let rows = historyRows
        guard !rows.isEmpty else { return }
        // With no events the cursor is on no row yet: down reaches the first, up the last.
        let position = rows.firstIndex(of: cursorRow) ?? (delta > 0 ? -1 : rows.count)
        let target = min(max(position + delta, 0), rows.count - 1)
        switch rows[target] {
        case .event(let index):
            selected = index
        case .bad(let bad):
            moveCursor(toError: bad)
        }
    }

    /// Puts the cursor on the bad record `errors[index]`; the state shown is the one the record
    /// would have been applied to (the event below it).
    public mutating func moveCursor(toError index: Int) {
        guard errors.indices.contains(index) else { return }
        let rows = historyRows
        // Below it, or none (it follows no event read): the oldest.
        var below = 0
        if let position = rows.firstIndex(of: .bad(index: index)) {
            for case .event(let event) in rows[position...] {
                below = event
                break
            }
        }
        selected = below
        selectedBad = index
    }

    /// Whether the cursor is on the history's oldest row (newest: `atNewestRow`).
    public var atOldestRow: Bool { historyRows.last.map { $0 == cursorRow } ?? true }
    public var atNewestRow: Bool { historyRows.first.map { $0 == cursorRow } ?? true }

    /// Bad records at or before `version`: a state replayed to it skipped them.
    public func badRecords(upTo version: Int64) -> Int {
        errors.filter { $0.afterVersion < version }.count
    }

    public var latestVersion: Int64 { events.last?.version ?? 0 }
    public var selectedEvent: Event? { events.indices.contains(selected) ? events[selected] : nil }

    /// How a state was rebuilt.
    public struct Replayed: Sendable, Equatable {
        public var state: JSONObject
        public var version: Int64
        /// The snapshot it started from, if any.
        public var snapshotVersion: Int64?
        public var eventsApplied: Int
        /// False when events it needed were not read (a partial history with no snapshot to
        /// start from): the state is shown, labelled as incomplete, never as the actor's.
        public var complete = true
    }

    /// What the replay memo was made for: when any of it changes, the memo is not used.
    struct ReplayKey: Sendable, Equatable {
        var selected: Int
        var count: Int
        var first: Int64?
        var last: Int64?
        var snapshots: Int
        var lastSnapshot: Int64?
        var readFrom: Int64
        var base: Int64?
    }

    /// The selected event's state and the state before it, replayed once when the selection or
    /// the history changes (``refreshReplay()``), not on every frame: a window holds up to
    /// 20,000 events.
    private var memo: (key: ReplayKey, state: Replayed, before: JSONObject)?

    private var replayKey: ReplayKey {
        ReplayKey(
            selected: selected,
            count: events.count,
            first: events.first?.version,
            last: events.last?.version,
            snapshots: snapshots.count,
            lastSnapshot: snapshots.last?.version,
            readFrom: readFrom,
            base: base?.version
        )
    }

    /// Replays the selected event's state if the selection or the history changed since the
    /// last replay. The model calls it after every input.
    /// Newer snapshots read for a live history: the marks, the checks and the state's starting
    /// point follow them.
    public mutating func replaceSnapshots(_ newer: [ActorSnapshot]) {
        let sorted = newer.sorted { $0.version < $1.version }
        guard sorted != snapshots else { return }
        snapshots = sorted
        snapshotChecks = SnapshotCheck.check(sorted, events: events, reducer: reducer)
    }

    public mutating func refreshReplay() {
        let key = replayKey
        guard memo?.key != key, events.indices.contains(selected) else { return }
        memo = (key, replay(at: selected), selected > 0 ? replay(at: selected - 1).state : [:])
    }

    /// The state after the event at `index` (the empty state before the first event).
    public func state(at index: Int) -> Replayed {
        if index == selected, let memo, memo.key == replayKey { return memo.state }
        return replay(at: index)
    }

    private func replay(at index: Int) -> Replayed {
        guard events.indices.contains(index) else {
            return Replayed(state: [:], version: 0, snapshotVersion: nil, eventsApplied: 0)
        }
        let version = events[index].version
        var snapshot = snapshots.last { $0.version <= version }
        var state = snapshot?.state ?? [:]
        var startVersion = snapshot?.version
        // A window that starts after the first event starts from the base (the state before its
        // first event) unless a snapshot inside the window is nearer.
        var fromBase = false
        if readFrom > 1, let base, base.version == readFrom - 1, (snapshot?.version ?? 0) < base.version {
            state = base.state
            startVersion = base.snapshotVersion
            snapshot = nil
            fromBase = true
        }
        // Events are in version order: start right after the snapshot (binary search).
        let after = fromBase ? readFrom - 1 : snapshot?.version ?? 0
        var low = 0
        var high = index + 1
        while low < high {
            let mid = (low + high) / 2
            if events[mid].version <= after { low = mid + 1 } else { high = mid }
        }
        var applied = 0
        var position = low
        while position <= index {
            state = reducer.apply(state, events[position])
            applied += 1
            position += 1
        }
        let complete = readFrom <= 1 || fromBase || (snapshot.map { $0.version >= readFrom - 1 } ?? false)
        return Replayed(
            state: state,
            version: version,
            snapshotVersion: fromBase ? startVersion : snapshot?.version,
            eventsApplied: applied + (fromBase ? base?.eventsApplied ?? 0 : 0),
            complete: complete
        )
    }

    /// What the selected event changed.
    public var selectedChanges: [FieldChange] {
        guard events.indices.contains(selected) else { return [] }
        if let memo, memo.key == replayKey { return StateDiff.changes(from: memo.before, to: memo.state.state) }
        let before = selected > 0 ? state(at: selected - 1).state : [:]
        return StateDiff.changes(from: before, to: state(at: selected).state)
    }

    /// The version of the latest snapshot at or before `version`, and how many events follow it
    /// up to `version`: counted, as the replay applies them (versions may skip), when the
    /// events read reach back to the snapshot; else the versions between.
    public func snapshotInfo(at version: Int64) -> (snapshot: Int64?, since: Int64) {
        let snapshot = snapshots.last { $0.version <= version }?.version
        let base = snapshot ?? 0
        guard let first = events.first, first.version <= base + 1 else { return (snapshot, version - base) }
        return (snapshot, Int64(events.count { $0.version > base && $0.version <= version }))
    }

    public func isSnapshotted(_ version: Int64) -> Bool { snapshots.contains { $0.version == version } }

    /// The event (at or before the selected one) that last changed `path`: one pass forward
    /// from the first event read, each state from the one before it (or from a snapshot taken
    /// at that very version), so a window of 20,000 events costs 20,000 steps, not 20,000
    /// replays.
    public func lastChange(of path: String) -> Event? {
        guard events.indices.contains(selected) else { return nil }
        let snapshotAt = Dictionary(snapshots.map { ($0.version, $0.state) }, uniquingKeysWith: { _, last in last })
        var state = replay(at: 0).state
        var value = StateDiff.value(at: path, in: state)
        var last: Event? = value != StateDiff.value(at: path, in: [:]) ? events[0] : nil
        var index = 1
        while index <= selected {
            let event = events[index]
            state = snapshotAt[event.version] ?? reducer.apply(state, event)
            let next = StateDiff.value(at: path, in: state)
            if next != value { last = event }
            value = next
            index += 1
        }
        return last
    }
}
