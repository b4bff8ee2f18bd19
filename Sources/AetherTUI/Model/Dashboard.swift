import Aether
import DequeModule
import Foundation

/// The four views.
public enum ViewID: Int, Sendable, Hashable, CaseIterable {
    case streams, actors, cluster, bus

    public var title: String {
        switch self {
        case .streams: "Streams"
        case .actors: "Actors"
        case .cluster: "Cluster"
        case .bus: "Bus"
        }
    }

    public init?(name: String) {
        guard let found = Self.allCases.first(where: { $0.title.lowercased() == name.lowercased() }) else { return nil }
        self = found
    }
}

/// How the dashboard was started.
public struct DashboardSettings: Sendable {
    public var readOnly = false
    public var color = true
    public var ascii = false
    public var once = false
    public var json = false
    public var timings: DemoTimings = .fast
    public var drillReportPath = "aether-drill.json"
    public var startView: ViewID = .streams
    public var tailCapacity = 5000
    /// The reducers states are replayed with; nil: the demo's in the embedded demo, none on NATS.
    public var reducers: ReducerCatalog?
    /// The keys (the standard map, remapped by the config file).
    public var keyMap = KeyMap.standard
    /// A production context: a banner, and every write asks for the target's name typed.
    public var production = false
    /// The context's label for the status line (the deployment's when nil), and its colour.
    public var contextLabel: String?
    public var labelColor: Color?
    /// Seconds east of UTC of the operator's local time (the inspector shows both).
    public var utcOffset = 0
    /// The namespace the Actors view lists first, and an actor to open there (`--namespace`,
    /// `--actor`).
    public var startNamespace: String?
    public var startActor: String?
    /// How often the cluster view and clock (`cluster`) and the figures (`figures`) refresh.
    public var refresh = Refresh()

    public struct Refresh: Sendable, Equatable {
        public var cluster: Duration = .milliseconds(250)
        public var figures: Duration = .seconds(1)

        public init() {}
    }

    public init() {}
}

/// A message the status line showed, for the message log.
public struct LoggedMessage: Sendable, Equatable {
    public var text: String
    public var isError: Bool
    public var at: Timestamp
}

/// One event in the live tail.
public struct TailEntry: Sendable, Equatable {
    public var namespace: String
    public var event: Event
    public var receivedAt: Timestamp
}

/// Per-namespace live figures for the Streams view.
public struct NamespaceStats: Sendable, Equatable {
    public var total = 0
    /// Events per second, one bucket per second, the newest last.
    public var history: Deque<Double> = []
    public var currentBucket = 0
    public var lastSecond: Int64 = 0

    public var rate: Double { history.last ?? 0 }
}

/// A leader change, for the Cluster view's timeline.
public struct LeaderChange: Sendable, Equatable {
    public var at: Timestamp
    public var leader: String?
    public var term: UInt64?
}

/// What the dashboard shows, and all it knows: a value changed only by ``Dashboard/apply(_:)``.
public struct Dashboard: Sendable {
    public enum Input: Sendable {
        case key(Key)
        /// Text pasted in one piece (bracketed paste).
        case paste(String)
        case resize(width: Int, height: Int)
        case tick(Timestamp)
        /// Arrivals; `counted` are further arrivals per namespace that the shell only counted
        /// (under a flood it keeps the newest for the tail, and counts the rest).
        case events([DeliveredEvent], at: Timestamp, counted: [String: Int] = [:])
        case clusterView(Cluster.View)
        case clusterEvent(Cluster.Event, at: Timestamp)
        case busMetrics(BusMetrics)
        case storeFigures([StoreFigures])
        case jetStreamHealth(JetStreamHealth?)
        case namespaces([String])
        /// A whole listing (a store small enough to list at once).
        case actors(namespace: String, [ActorVersion], undecodable: [UndecodableSubject] = [])
        /// A page of a namespace's listing for `matching` (the actor filter); `first` replaces
        /// the rows, a later page adds to them.
        case actorPage(namespace: String, matching: String, ActorPage, first: Bool)
        /// A listing read failed: the rows stay as they were.
        case actorPageFailed(namespace: String, reason: String)
        /// Bad records per actor, from a scan of every history of a namespace.
        case badRecordCounts(namespace: String, [String: Int])
        /// An opened actor's history; `errors` are the stored records that could not be used
        /// (undecodable, out of order, another actor's, corrupt snapshots), shown where they lie.
        case history(
            namespace: String,
            actorID: String,
            events: [Event],
            snapshots: [ActorSnapshot],
            reducer: Reducer,
            errors: [ReplayError] = [],
            reducerLabel: String = "",
            readFrom: Int64 = 1,
            readThrough: Int64? = nil,
            select: Int64? = nil
        )
        /// The open actor's snapshots, read again while its history is live.
        case snapshots(namespace: String, actorID: String, [ActorSnapshot])
        /// The state before a window's first event (see `ActorDetail.base`), or how far its
        /// replay has come (`state` nil), or why it failed.
        case historyBase(
            namespace: String,
            actorID: String,
            readFrom: Int64,
            ReplayedState?,
            applied: Int,
            failure: String?
        )
        case actionSucceeded(String)
        case actionFailed(String)
        case appendConflict(namespace: String, actorID: String, attempted: Int64, current: Int64, since: [Event])
        /// An append that failed (nothing written): the form comes back filled.
        case appendFailed(String)
        case connection(ConnectionState)
        case drillStep(String, at: Timestamp)
        case drillFinished(DrillReport)
        /// The inspected event's stored message, or why there is none.
        case stored(namespace: String, actorID: String, version: Int64, Inspector.Stored)
        case storedAtSequence(namespace: String, sequence: UInt64, Inspector.Stored)
        /// An export's file exists: the operator is asked before it is overwritten.
        case exportExists(ExportJob)
        /// What a trace found, or why it could not look.
        case traceFound(Trace)
        case traceFailed(correlationID: String, String)
        case traceScanProgress(scan: Int, records: Int)
        case traceScanned(Trace, scan: Int, records: Int, complete: Bool)
    }

    public enum Effect: Sendable, Equatable {
        case quit
        /// The first page of a namespace's listing, for the actor filter `matching`.
        case loadActors(namespace: String, matching: String = "")
        /// The page after `cursor`.
        case loadMoreActors(namespace: String, matching: String, after: ActorCursor)
        case loadHistory(namespace: String, actorID: String)
        /// The snapshots of the open actor, read again (``Input/snapshots(namespace:actorID:_:)``).
        case loadSnapshots(namespace: String, actorID: String)
        /// A window of an actor's history, `from` through `through` (nil: the newest), then the
        /// state before it; `select` is the version to select.
        case loadHistoryWindow(namespace: String, actorID: String, from: Int64, through: Int64?, select: Int64?)
        /// Opens an actor named exactly, if it has events (one read of its last event).
        case openExact(namespace: String, actorID: String)
        case append(namespace: String, event: Event)
        case snapshot(namespace: String, actorID: String)
        case drill(DrillMethod)
        case kill(member: String)
        /// Reads the stored message of an event, for the inspector.
        case readStored(namespace: String, actorID: String, version: Int64)
        /// The stored message at a stream sequence (a bad record's).
        case readStoredSequence(namespace: String, sequence: UInt64)
        /// Writes an export; without `overwrite`, an existing file is left alone and reported.
        case export(ExportJob, overwrite: Bool)
        /// Finds every event of a correlation id in every namespace (the index).
        case trace(correlationID: String)
        /// Reads histories for it (opt-in; at most `limit` records per namespace).
        case traceScan(correlationID: String, limit: Int, scan: Int)
    }

    public let settings: DashboardSettings
    public let label: String
    public var keyMap: KeyMap
    public var width = 80
    public var height = 24
    public var view: ViewID
    public var now = Timestamp(seconds: 0)
    public var connection: ConnectionState = .embedded
    /// The largest event the deployment takes; the append form refuses larger ones before asking.
    public var maxEventBytes: Int?
    /// How often the connection was lost after it was up (a server's slow-consumer cut-off is
    /// one): events published meanwhile never reached the dashboard, and no count of them exists.
    public var connectionGaps = 0
    public var lastGapReason = ""

    // Streams
    public var tail: Deque<TailEntry> = []
    public var stats: [String: NamespaceStats] = [:]
    public var paused = false
    /// Arrivals while paused.
    public var newWhilePaused = 0
    /// How many rows from the newest the tail view is scrolled (0: live).
    public var tailScroll = 0
    public var filter = TailFilter()
    public var seenTotal = 0
    /// The selected row of the tail (0: the newest shown).
    public var tailCursor = 0

    // Actors
    /// Every namespace known, from the store or the bus, sorted.
    public var namespaces: [String] = []
    var knownNamespaces: Set<String> = []
    /// The namespaces that have a stream (the store's list); the others were seen only on the bus.
    public var storeNamespaces: Set<String> = []
    public var actorNamespace: String?
    public var actors: [ActorVersion] = []
    /// Stored subjects of the listed namespace that name no actor.
    public var undecodableSubjects: [UndecodableSubject] = []
    /// Bad records found in the histories read so far, by `namespace/actor`.
    public var badRecords: [String: Int] = [:]
    /// Namespaces whose every history was scanned for bad records (small enough to scan).
    public var scannedNamespaces: Set<String> = []
    public var actorSelection = 0
    public var actorFilter = "" {
        didSet {
            actorListMatcher =
                actorFilter.hasPrefix("!") || actorFilter.hasPrefix("re:")
                ? TailFilter.Matcher(field: "list", text: actorFilter) : nil
        }
    }
    /// A regex or negated actor filter, compiled once.
    var actorListMatcher: TailFilter.Matcher?
    /// Rows of the whole listing (from the last page read; nil before the first).
    public var actorTotal: Int?
    /// How far a search (a filter on a listing read in pages) has looked, of `actorTotal`.
    public var actorsExamined = 0
    /// Where the next page starts; nil when every row is loaded.
    public var actorNext: ActorCursor?
    /// A page is being read.
    public var actorsLoading = false
    /// The namespace and filter the loaded rows are for.
    var actorsListed: (namespace: String, matching: String)?
    /// Rows read per page: a few screens.
    public static let actorPageLimit = 200
    /// Advances with ticks while something loads (the spinner).
    public var spinnerPhase = 0
    public var detail: ActorDetail?

    // Cluster
    public var cluster: Cluster.View?
    public var leaderTimeline: Deque<LeaderChange> = []
    public var memberSelection = 0
    /// The first row shown of the Bus view's two tables (moved with the arrows, PgUp/PgDn, g/G).
    public var busOffset = 0
    /// What the server says is wrong with the streams and buckets (nil: no server).
    public var jetStream: JetStreamHealth?

    // Bus
    public var busMetrics = BusMetrics()
    /// How often a live history reads its snapshots again (when events came).
    static let snapshotRefresh: Duration = .seconds(5)
    /// The second read after one made because events came.
    static let snapshotSettle: Duration = .seconds(2)
    /// The number of the last bus problem logged (``BusProblem/number``).
    public var lastBusProblem = 0
    /// Bus problems logged per metrics update at most; the rest are counted in one line.
    static let busProblemsLogged = 4
    public var storeFigures: [StoreFigures] = []

    // Overlays and messages
    /// What covers the view. The help, the command line or the message log opened over the
    /// trace view or the inspector keep it in ``beneath``: when they close, it comes back.
    public var overlay: Overlay? {
        didSet {
            if overlay == nil, let saved = beneath {
                beneath = nil
                overlay = saved
            }
        }
    }
    /// The overlay under the help, the command line or the message log.
    public var beneath: Overlay?
    /// Scans of histories asked for (each gets the next number, so a late result of an older
    /// scan is never taken for a newer one's).
    public var traceScans = 0
    /// The trace an actor was opened from, to go back to with Esc.
    public var traceReturn: (view: TraceView, namespace: String, actorID: String)?
    /// The first help line shown, when the help does not fit the terminal (it scrolls).
    public var helpOffset = 0
    public var message: (text: String, isError: Bool, at: Timestamp)?
    /// The last 100 messages, oldest first (`m` shows them whole).
    public var messageLog: Deque<LoggedMessage> = []
    public static let messageLogLimit = 100
    public var drill: DrillState?
    public var killable: [String] = []
    /// The append form last submitted, to bring back filled after a conflict or a failure.
    public var lastAppendForm: Form?

    public init(settings: DashboardSettings, label: String) {
        self.settings = settings
        self.label = settings.contextLabel ?? label
        self.keyMap = settings.keyMap
        self.view = settings.startView
    }

    public var writable: Bool { !settings.readOnly }

    // MARK: Applying inputs

    /// Applies one input; returns the effects the shell must perform.
    public mutating func apply(_ input: Input) -> [Effect] {
        let effects = applying(input)
        // The opened actor's selected state, replayed here once per change, not per frame.
        detail?.refreshReplay()
        return effects
    }

    private mutating func applying(_ input: Input) -> [Effect] {
        switch input {
        case .key(let key):
            return handle(key)
        case .paste(let text):
            paste(text)
        case .resize(let width, let height):
            self.width = width
            self.height = height
        case .tick(let time):
            now = time
            if actorsLoading || detail?.baseLoading == true { spinnerPhase += 1 }
            rollBuckets(to: time)
            // A live history whose actor moved on: its snapshots again, at most every 5 s, and
            // once more a little later (the snapshot may follow its event).
            if let opened = detail, opened.readThrough == nil, let read = opened.snapshotsRead {
                let elapsed = read.at.duration(to: time)
                if opened.latestVersion > read.version, elapsed >= Self.snapshotRefresh {
                    detail?.snapshotsRead = (time, opened.latestVersion, false)
                    return [.loadSnapshots(namespace: opened.namespace, actorID: opened.actorID)]
                }
                if !read.settled, elapsed >= Self.snapshotSettle {
                    detail?.snapshotsRead = (time, read.version, true)
                    return [.loadSnapshots(namespace: opened.namespace, actorID: opened.actorID)]
                }
            }
        case .snapshots(let namespace, let actorID, let snapshots):
            if detail?.namespace == namespace, detail?.actorID == actorID { detail?.replaceSnapshots(snapshots) }
        case .events(let delivered, let time, let counted):
            now = max(now, time)
            count(counted, at: time)
            receive(delivered, at: time)
        case .clusterView(let view):
            cluster = view
            memberSelection = min(memberSelection, max(0, view.members.count - 1))
        case .clusterEvent(let event, let time):
            if case .leaderChanged(let leader, let term) = event {
                if leaderTimeline.last?.leader != leader || leaderTimeline.last?.term != term {
                    leaderTimeline.append(LeaderChange(at: time, leader: leader, term: term))
                    if leaderTimeline.count > 200 { leaderTimeline.removeFirst() }
                }
            }
            // The first view seeds the timeline, once it knows the lease (one read before that
            // says no leader, and it would show a leaderless moment that never was).
            if case .snapshot(let view) = event, leaderTimeline.isEmpty, view.leader != nil {
                leaderTimeline.append(LeaderChange(at: time, leader: view.leader, term: view.term))
            }
        case .busMetrics(let metrics):
            busMetrics = metrics
            logBusProblems(metrics.recentProblems)
        case .storeFigures(let figures):
            storeFigures = figures
        case .jetStreamHealth(let health):
            jetStream = health
        case .namespaces(let names):
            // The store's namespaces, and those seen only on the bus: neither hides the other.
            let visible = names.filter { !$0.hasPrefix(Identifiers.internalNamespaceToken) }
            storeNamespaces = Set(visible)
            for name in visible { _ = note(name, fromStore: true) }
            if actorNamespace == nil, let first = settings.startNamespace ?? visible.first {
                actorNamespace = first
                let listing = listActors(first)
                // Batch mode opens the actor once the demo or the feeds have warmed up (Batch).
                if let actor = settings.startActor, !settings.once {
                    return [.openExact(namespace: first, actorID: actor)] + listing
                }
                return listing
            }
        case .badRecordCounts(let namespace, let counts):
            scannedNamespaces.insert(namespace)
            for (actor, count) in counts { badRecords["\(namespace)/\(actor)"] = count > 0 ? count : nil }
        case .actors(let namespace, let list, let undecodable):
            let page = ActorPage(
                actors: list,
                undecodable: undecodable,
                total: list.count + undecodable.count,
                examined: list.count + undecodable.count,
                next: nil
            )
            return apply(.actorPage(namespace: namespace, matching: actorStoreFilter, page, first: true))
        case .actorPage(let namespace, let matching, let page, let first):
            guard namespace == actorNamespace, matching == actorStoreFilter else { return [] }
            actorsLoading = false
            let selectedID = actors.indices.contains(actorSelection) ? actors[actorSelection].actorID : nil
            if first {
                actors = page.actors.sorted { Self.listOrder($0.actorID, $1.actorID) }
                undecodableSubjects = page.undecodable
            } else {
                var merged = actors
                let known = Set(actors.map(\.actorID))
                merged += page.actors.filter { !known.contains($0.actorID) }
                actors = merged.sorted { Self.listOrder($0.actorID, $1.actorID) }
                undecodableSubjects += page.undecodable
            }
            actorsListed = (namespace, matching)
            actorTotal = page.total
            actorsExamined = page.examined
            actorNext = page.next
            if let selectedID, let index = actors.firstIndex(where: { $0.actorID == selectedID }) {
                actorSelection = index
            } else {
                actorSelection = min(actorSelection, max(0, actors.count - 1))
            }
            return moreActorsIfNeeded()
        case .actorPageFailed(let namespace, let reason):
            guard namespace == actorNamespace else { return [] }
            actorsLoading = false
            say(reason, isError: true)
        case .history(
            let namespace,
            let actorID,
            let events,
            let snapshots,
            let reducer,
            let errors,
            let label,
            let from,
            let through,
            let select
        ):
            let keep = detail.flatMap { $0.namespace == namespace && $0.actorID == actorID ? $0 : nil }
            var opened = ActorDetail(
                namespace: namespace,
                actorID: actorID,
                events: events,
                snapshots: snapshots,
                reducer: reducer,
                errors: errors
            )
            opened.reducerLabel = label
            opened.snapshotsRead = (now, opened.latestVersion, true)
            opened.readFrom = from
            opened.readThrough = through
            opened.baseLoading = from > 1
            if let keep, keep.readFrom == from, let base = keep.base {
                opened.base = base
                opened.baseLoading = false
            }
            badRecords["\(namespace)/\(actorID)"] = errors.isEmpty ? nil : errors.count
            if let select, let index = events.lastIndex(where: { $0.version <= select }) {
                opened.selected = index
                opened.fieldsFocused = keep?.fieldsFocused ?? false
            } else if let keep, keep.selected < keep.events.count - 1 {
                // Stay on the event the operator was looking at.
                opened.selected = min(keep.selected, max(0, events.count - 1))
                opened.fieldsFocused = keep.fieldsFocused
                opened.selectedField = keep.selectedField
            }
            if select == nil, let kept = keep?.selectedError,
                let index = opened.errors.firstIndex(where: { $0.sequence == kept.sequence })
            {
                // Stay on the bad record the operator was looking at.
                opened.moveCursor(toError: index)
            }
            detail = opened
            view = .actors
        case .historyBase(let namespace, let actorID, let from, let state, let applied, let failure):
            guard var opened = detail, opened.namespace == namespace, opened.actorID == actorID,
                opened.readFrom == from
            else { return [] }
            opened.baseApplied = applied
            if let state {
                opened.base = state
                opened.baseLoading = false
            }
            if let failure {
                opened.baseFailure = failure
                opened.baseLoading = false
            }
            detail = opened
        case .actionSucceeded(let text):
            say(text)
        case .actionFailed(let text):
            say(text, isError: true)
        case .appendFailed(let text):
            say(text, isError: true)
            reopenAppend(field: "data", note: text)
        case .appendConflict(let namespace, let actorID, let attempted, let current, let since):
            let changes = since.prefix(4).map { "v\($0.version) \($0.eventType)" }.joined(separator: ", ")
            // Taken, or free but not after the latest (versions may skip): said as it is.
            let why =
                (since.contains { $0.version == attempted } || attempted == current
                    ? "v\(attempted) is taken" : "v\(attempted) is not after the latest version")
                + ": the actor is at v\(current)" + (changes.isEmpty ? "" : " (since: \(changes))")
            say("version conflict on \(namespace)/\(actorID): nothing written; \(why)", isError: true)
            reopenAppend(version: current + 1, field: "version", note: "\(why); now v\(current + 1)")
            if detail?.actorID == actorID, detail?.namespace == namespace {
                return [.loadHistory(namespace: namespace, actorID: actorID)]
            }
        case .connection(let state):
            // A connection lost after it was up is a gap in what the dashboard saw.
            if case .connected = connection {
                switch state {
                case .disconnected(let reason):
                    connectionGaps += 1
                    // The reason's first words: the socket's detail stays in the log.
                    var short = reason.split(separator: "(").first.map(String.init) ?? reason
                    while short.last == " " { short.removeLast() }
                    lastGapReason = String(short.prefix(48))
                case .reconnecting:
                    connectionGaps += 1
                    lastGapReason = "reconnecting"
                default:
                    break
                }
            }
            if case .closed(let reason?) = state, connection != state {
                say("NATS connection closed: \(reason)", isError: true)
            }
            connection = state
        case .drillStep(let step, let time):
            drill?.steps.append(DrillState.Step(name: step, at: time))
        case .stored(let namespace, let actorID, let version, let stored):
            guard case .inspector(var inspector) = overlay, inspector.namespace == namespace,
                inspector.actorID == actorID, inspector.version == version
            else { return [] }
            if case .event = inspector.subject { inspector.stored = stored } else { inspector.otherStored = stored }
            overlay = .inspector(inspector)
        case .storedAtSequence(let namespace, let sequence, let stored):
            guard case .inspector(var inspector) = overlay, inspector.namespace == namespace,
                case .record(let record) = inspector.subject, record.sequence == sequence
            else { return [] }
            inspector.stored = stored
            overlay = .inspector(inspector)
        case .traceFound(let trace):
            var shown = false
            updateTrace(correlationID: trace.correlationID) { view in
                shown = true
                // A reload keeps the row the operator is on; the first lookup selects the origin.
                let selected =
                    view.trace == nil
                    ? view.origin
                    : view.rows.indices.contains(view.selection)
                        ? view.rows[view.selection].entry.event.id : nil
                view.failure = nil
                view.reloading = false
                view.trace = trace
                if let selected, let index = view.rows.firstIndex(where: { $0.entry.event.id == selected }) {
                    view.selection = index
                } else {
                    view.selection = min(view.selection, max(0, view.rows.count - 1))
                }
            }
            // Every index record not followed, whole, in the message log (the view has room for one).
            if shown {
                for problem in trace.problems.prefix(Self.messageLogLimit) {
                    log("trace \(trace.correlationID): \(problem)", isError: true)
                }
            }
        case .traceFailed(let id, let reason):
            updateTrace(correlationID: id) {
                $0.failure = reason
                $0.scanning = nil
                $0.reloading = false
            }
            say("trace of \(Identifiers.quoted(id)) failed: \(reason) (r in the trace view tries again)", isError: true)
        case .traceScanProgress(let scan, let records):
            updateTrace(scan: scan) { view in if view.scanning != nil { view.scanning = records } }
        case .traceScanned(let trace, let scan, let records, let complete):
            var stopped = false
            updateTrace(scan: scan) { view in
                stopped = view.stopRequested
                view.scanned = (records, complete, view.stopRequested)
                view.scanning = nil
                view.stopRequested = false
                view.trace = trace
                view.selection = min(view.selection, max(0, view.rows.count - 1))
            }
            // "stopping the scan" is over: the status line says where it stopped.
            if stopped {
                say(
                    "scan stopped by Esc after \(records) record\(records == 1 ? "" : "s"): \(trace.entries.count) event\(trace.entries.count == 1 ? "" : "s") found, more may exist"
                )
            }
        case .exportExists(let job):
            overlay = .confirm(
                text: "\(job.path) exists: overwrite it with \(job.what)?",
                action: .export(job),
                alternative: nil
            )
        case .drillFinished(let report):
            drill?.report = report
            if report.ended != "completed" {
                say("drill \(report.steps.last?.step ?? report.ended)", isError: true)
            } else {
                say(
                    "drill finished: leaderless \(report.leaderlessMilliseconds) ms (new leader \(report.requestToNewLeaderMilliseconds) ms after the request), the victim's \(report.victimShards) shards unwritable \(report.writeUnavailableMilliseconds) ms, \(report.shardsAffected) shards without an owner (worst \(report.ownerlessWorstMilliseconds) ms)"
                        + (report.notSaved.map { "; report not saved: \($0)" } ?? "")
                )
            }
        }
        return []
    }

    /// Skipped bus messages new since the last update: each in the message log (subject, why,
    /// first bytes), a few per update, and one status line saying how many.
    mutating func logBusProblems(_ problems: [BusProblem]) {
        let fresh = problems.filter { $0.number > lastBusProblem }
        guard let newest = fresh.last else { return }
        let total = newest.number - lastBusProblem
        lastBusProblem = newest.number
        let shown = fresh.suffix(Self.busProblemsLogged)
        for problem in shown {
            let bytes = DisplayText.visible(String(decoding: problem.firstBytes, as: UTF8.self))
            logOnly(
                "bus: skipped a message on \(DisplayText.visible(problem.subject)): \(DisplayText.visible(problem.reason)); it begins \(bytes)",
                isError: true
            )
        }
        if total > shown.count {
            logOnly("bus: \(total - shown.count) more skipped messages not listed", isError: true)
        }
        message = ("\(total) bus message\(total == 1 ? "" : "s") skipped, counted in ERRORS (m shows why)", true, now)
    }

    /// Into the message log only, the status line left as it is.
    mutating func logOnly(_ text: String, isError: Bool) {
        messageLog.append(LoggedMessage(text: text, isError: isError, at: now))
        if messageLog.count > Self.messageLogLimit { messageLog.removeFirst() }
    }

    mutating func say(_ text: String, isError: Bool = false) {
        message = (text, isError, now)
        log(text, isError: isError)
    }

    /// Into the message log only (`m`), the oldest going past ``messageLogLimit``.
    mutating func log(_ text: String, isError: Bool = false) {
        messageLog.append(LoggedMessage(text: text, isError: isError, at: now))
        if messageLog.count > Self.messageLogLimit { messageLog.removeFirst() }
    }

    /// Arrivals the shell counted but did not keep: they count as seen, as events that left the
    /// tail do.
    private mutating func count(_ counted: [String: Int], at time: Timestamp) {
        for (namespace, count) in counted where !namespace.hasPrefix(Identifiers.internalNamespaceToken) {
            countArrivals(count, in: namespace, at: time)
        }
    }

    /// Counts arrivals in a namespace's figures (or in ``moreNamespaces`` past the cap).
    private mutating func countArrivals(_ count: Int, in namespace: String, at time: Timestamp) {
        seenTotal += count
        let key = note(namespace)
        var figures = stats[key] ?? NamespaceStats(lastSecond: time.seconds)
        figures.total += count
        figures.currentBucket += count
        stats[key] = figures
    }

    /// The most namespaces the dashboard keeps figures for; arrivals of more are counted under
    /// ``Dashboard/moreNamespaces``, so a flood of new names costs bounded memory and time.
    public static let maxNamespaces = 1000
    /// Where arrivals of namespaces past ``maxNamespaces`` are counted.
    public static let moreNamespaces = "(others)"

    /// Makes `namespace` known (kept sorted; a set answers membership), or, past the cap, returns
    /// the key its figures are counted under.
    private mutating func note(_ namespace: String, fromStore: Bool = false) -> String {
        if knownNamespaces.contains(namespace) { return namespace }
        // The store's namespaces are always listed (streams are few and bounded by the server);
        // the cap is for names arriving on the bus.
        guard fromStore || knownNamespaces.count < Self.maxNamespaces else { return Self.moreNamespaces }
        knownNamespaces.insert(namespace)
        var low = 0
        var high = namespaces.count
        while low < high {
            let mid = (low + high) / 2
            if namespaces[mid] < namespace { low = mid + 1 } else { high = mid }
        }
        namespaces.insert(namespace, at: low)
        return namespace
    }

    private mutating func receive(_ delivered: [DeliveredEvent], at time: Timestamp) {
        for item in delivered where !item.namespace.hasPrefix(Identifiers.internalNamespaceToken) {
            countArrivals(1, in: item.namespace, at: time)
            let entry = TailEntry(namespace: item.namespace, event: item.event, receivedAt: time)
            if paused {
                if filter.matches(entry) { newWhilePaused += 1 }
                // Held back: the view stays frozen; the entries are kept for resume.
            }
            tail.append(entry)
            if tail.count > settings.tailCapacity { tail.removeFirst() }
            if let opened = detail, opened.namespace == item.namespace, opened.actorID == item.event.actorID,
                opened.readThrough == nil, item.event.version > opened.latestVersion
            {
                detail?.events.append(item.event)
                if opened.selected == opened.events.count - 1 && opened.selectedBad == nil && !opened.fieldsFocused {
                    detail?.selected = opened.events.count
                }
            }
            if item.namespace == actorNamespace { noteInListing(item.event) }
        }
    }

    /// The listing's order: by actor token (`docs/WIRE-FORMAT.md`), as the store pages it.
    static func listOrder(_ a: String, _ b: String) -> Bool { ActorToken.encode(a) < ActorToken.encode(b) }

    /// An arrival in the listed namespace: a listed actor's version rises; a new actor is added
    /// where it belongs when it falls within the rows loaded (a later page brings the others).
    private mutating func noteInListing(_ event: Event) {
        let id = event.actorID
        var low = 0
        var high = actors.count
        while low < high {
            let mid = (low + high) / 2
            if Self.listOrder(actors[mid].actorID, id) { low = mid + 1 } else { high = mid }
        }
        if actors.indices.contains(low), actors[low].actorID == id {
            actors[low].version = max(actors[low].version, event.version)
            return
        }
        guard actorsListed?.namespace == actorNamespace,
            actorMatches(id)
        else { return }
        guard actorNext == nil || low < actors.count else { return }
        actors.insert(ActorVersion(actorID: id, version: event.version), at: low)
        if low <= actorSelection, actors.count > 1 { actorSelection += 1 }
        actorTotal = (actorTotal ?? 0) + 1
    }

    /// Asks for the next page when the selection nears the end of the loaded rows, or while a
    /// search has found too few rows to fill the screen.
    mutating func moreActorsIfNeeded() -> [Effect] {
        guard let namespace = actorNamespace, let next = actorNext, !actorsLoading,
            actorsListed?.namespace == namespace, actorsListed?.matching == actorStoreFilter,
            actorSelection >= visibleActors.count - 2 * pageSize
        else { return [] }
        actorsLoading = true
        return [.loadMoreActors(namespace: namespace, matching: actorStoreFilter, after: next)]
    }

    /// Reads the first page of the listed namespace (for the actor filter).
    mutating func listActors(_ namespace: String) -> [Effect] {
        actorsLoading = true
        if actorsListed?.namespace != namespace {
            actorTotal = nil
            actorsExamined = 0
        }
        return [.loadActors(namespace: namespace, matching: actorStoreFilter)]
    }

    private mutating func rollBuckets(to time: Timestamp) {
        for name in stats.keys {
            var figures = stats[name]!
            while figures.lastSecond < time.seconds {
                figures.history.append(Double(figures.currentBucket))
                if figures.history.count > 120 { figures.history.removeFirst() }
                figures.currentBucket = 0
                figures.lastSecond += 1
                if time.seconds - figures.lastSecond > 120 { figures.lastSecond = time.seconds }
            }
            stats[name] = figures
        }
    }

    /// The tail entries the view shows: filtered, and frozen while paused.
    public var visibleTail: [TailEntry] { visibleTail(limit: 500) }

    /// The newest `limit` entries the view shows.
    public func visibleTail(limit: Int) -> [TailEntry] {
        var shown: [TailEntry] = []
        shown.reserveCapacity(min(limit, tail.count))
        let skipNewest = paused ? newWhileHeld : 0
        var skipped = 0
        for entry in tail.reversed() {
            guard filter.matches(entry) else { continue }
            if skipped < skipNewest {
                skipped += 1
                continue
            }
            shown.append(entry)
            if shown.count >= limit { break }
        }
        return shown
    }

    /// Matching arrivals since pause (they stay hidden until resume).
    private var newWhileHeld: Int { newWhilePaused }
}

/// The live tail's filter. Each field is a pattern; `!` before it matches what it does not,
/// and `re:` makes it a regular expression (`re:^Order`, `!re:Test$`).
public struct TailFilter: Sendable, Equatable {
    /// A NATS-style namespace pattern (`*`, `>`), empty for all.
    public var namespace = "" { didSet { compile() } }
    /// An event type; `*` matches any run of characters.
    public var eventType = "" { didSet { compile() } }
    /// An actor ID; `*` matches any run of characters.
    public var actor = "" { didSet { compile() } }
    /// Text anywhere in the event's type, actor or data.
    public var text = "" { didSet { compile() } }
    /// The fields compiled once (a regex per field), not per event.
    private var matchers: [Matcher] = []

    public init(namespace: String = "", eventType: String = "", actor: String = "", text: String = "") {
        self.namespace = namespace
        self.eventType = eventType
        self.actor = actor
        self.text = text
        compile()
    }

    public static func == (lhs: TailFilter, rhs: TailFilter) -> Bool {
        lhs.namespace == rhs.namespace && lhs.eventType == rhs.eventType && lhs.actor == rhs.actor
            && lhs.text == rhs.text
    }

    public var isEmpty: Bool { namespace.isEmpty && eventType.isEmpty && actor.isEmpty && text.isEmpty }

    public var summary: String {
        guard !isEmpty else { return "none" }
        var parts: [String] = []
        if !namespace.isEmpty { parts.append("ns=\(namespace)") }
        if !eventType.isEmpty { parts.append("type=\(eventType)") }
        if !actor.isEmpty { parts.append("actor=\(actor)") }
        if !text.isEmpty { parts.append("text=\(text)") }
        return parts.joined(separator: " ")
    }

    /// What is wrong with a field (a half-typed regex, a bad namespace pattern), naming it;
    /// nil when every field is usable. A filter with an error matches nothing.
    public var error: String? {
        for matcher in matchers { if let error = matcher.error { return error } }
        return nil
    }

    /// The error of one field's text, as the filter form shows it while typing.
    public static func error(of text: String, field: String) -> String? {
        Matcher(field: field, text: text).error
    }

    public func matches(_ entry: TailEntry) -> Bool {
        for matcher in matchers where !matcher.matches(entry) { return false }
        return true
    }

    private mutating func compile() {
        matchers = [("namespace", namespace), ("type", eventType), ("actor", actor), ("text", text)]
            .filter { !$0.1.isEmpty }
            .map { Matcher(field: $0.0, text: $0.1) }
    }

    /// One field: what it tests, how, and whether it is negated.
    struct Matcher: Sendable {
        enum Test: Sendable {
            case namespacePattern(TokenPattern)
            case glob(String)
            case contains(String)
            case regex(NSRegularExpression)
            /// The store's actor search (an ID or token containing it).
            case listing(String)
            case invalid
        }

        let field: String
        let negated: Bool
        let test: Test
        let error: String?

        init(field: String, text: String) {
            self.field = field
            var body = Substring(text)
            negated = body.hasPrefix("!")
            if negated { body = body.dropFirst() }
            if body.hasPrefix("re:") {
                let pattern = String(body.dropFirst(3))
                do {
                    _ = try Regex(pattern)
                    let compiled = try NSRegularExpression(
                        pattern: pattern,
                        options: field == "text" ? [.caseInsensitive] : []
                    )
                    (test, error) = (.regex(compiled), nil)
                } catch {
                    (test, self.error) = (
                        .invalid, "\(field): regex \(Identifiers.quoted(pattern)) is not valid: \(error)"
                    )
                }
                return
            }
            let value = String(body)
            switch field {
            case "namespace":
                if let pattern = try? TokenPattern(namespacePattern: value) {
                    (test, error) = (.namespacePattern(pattern), nil)
                } else {
                    (test, error) = (.invalid, "namespace pattern \(Identifiers.quoted(value)) is not valid")
                }
            case "text": (test, error) = (.contains(value.lowercased()), nil)
            case "list": (test, error) = (.listing(value), nil)
            default: (test, error) = (.glob(value), nil)
            }
        }

        func matches(_ entry: TailEntry) -> Bool {
            switch field {
            case "namespace": matches(entry.namespace)
            case "type": matches(entry.event.eventType)
            case "actor": matches(entry.event.actorID)
            default: matches("\(entry.event.eventType) \(entry.event.actorID) \(Summary.data(entry.event.data))")
            }
        }

        func matches(_ subject: String) -> Bool {
            let found: Bool
            switch test {
            case .invalid: return false
            case .namespacePattern(let pattern): found = pattern.matches(subject)
            case .glob(let pattern): found = TailFilter.glob(pattern, subject)
            case .listing(let text):
                found = ActorListingMatch.matches(text, id: subject, token: ActorToken.encode(subject))
            case .contains(let needle): found = subject.lowercased().contains(needle)
            case .regex(let regex):
                found = regex.firstMatch(in: subject, range: NSRange(subject.startIndex..., in: subject)) != nil
            }
            return found != negated
        }
    }

    /// Matches `text` against a pattern where `*` is any run of characters.
    static func glob(_ pattern: String, _ text: String) -> Bool {
        let parts = pattern.split(separator: "*", omittingEmptySubsequences: false).map(String.init)
        guard parts.count > 1 else { return pattern == text }
        var rest = Substring(text)
        guard rest.hasPrefix(parts[0]) else { return false }
        rest = rest.dropFirst(parts[0].count)
        for part in parts.dropFirst().dropLast() where !part.isEmpty {
            guard let range = rest.firstRange(of: part) else { return false }
            rest = rest[range.upperBound...]
        }
        return rest.hasSuffix(parts.last!)
    }
}

/// Short text forms of data for one-line displays.
public enum Summary {
    /// `key=value key=value`, scalars only, keys sorted.
    public static func data(_ object: JSONObject) -> String {
        object.keys.sorted().map { key in "\(key)=\(scalar(object[key]!))" }.joined(separator: " ")
    }

    public static func scalar(_ value: JSONValue) -> String {
        switch value {
        case .string(let text): text
        case .object(let object): "{\(object.count)}"
        case .array(let array): "[\(array.count)]"
        default: value.serialized()
        }
    }

    public static func clock(_ time: Timestamp) -> String {
        let seconds = ((time.seconds % 86_400) + 86_400) % 86_400
        func two(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(two(seconds / 3600)):\(two(seconds / 60 % 60)):\(two(seconds % 60))"
    }

    public static func duration(_ duration: Duration) -> String {
        let milliseconds =
            Int64(duration.components.seconds) * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        if milliseconds < 1000 { return "\(milliseconds)ms" }
        if milliseconds < 60_000 {
            let tenths = milliseconds / 100
            return "\(tenths / 10).\(tenths % 10)s"
        }
        return "\(milliseconds / 60_000)m\(milliseconds / 1000 % 60)s"
    }

    public static func count(_ value: Int) -> String {
        if value < 10_000 { return "\(value)" }
        if value < 10_000_000 { return "\(value / 1000)k" }
        return "\(value / 1_000_000)M"
    }

    /// Every digit, in groups of three: `1,000,000`.
    public static func exact(_ value: Int) -> String {
        var digits = String(value.magnitude)
        var groups: [Substring] = []
        while digits.count > 3 {
            groups.insert(digits.suffix(3), at: 0)
            digits.removeLast(3)
        }
        groups.insert(Substring(digits), at: 0)
        return (value < 0 ? "-" : "") + groups.joined(separator: ",")
    }

    public static func bytes(_ value: Int) -> String {
        if value < 1024 { return "\(value)B" }
        if value < 1024 * 1024 { return "\(value / 1024)KiB" }
        return "\(value / (1024 * 1024))MiB"
    }

    public static func rate(_ value: Double) -> String {
        value >= 100 ? "\(Int(value.rounded()))" : "\((value * 10).rounded() / 10)"
    }
}
