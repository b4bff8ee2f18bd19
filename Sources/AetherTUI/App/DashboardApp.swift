import Aether
import AetherNATS
import DequeModule
import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import UnixSignals

#if canImport(Glibc)
import Glibc
#endif

/// The dashboard's shell: feeds the pure ``Dashboard`` model from the deployment, performs
/// the effects it returns, and hands frames to the terminal — at most 20 per second.
actor DashboardApp {
    let deployment: any Deployment
    /// The frame pacing, the feeds' cadences and the drill run on this clock.
    nonisolated let clock: Cluster.NodeClock
    private(set) var model: Dashboard
    private var dirty = true
    private var quitting = false
    private var lastFrameAt: ContinuousClock.Instant
    /// Arrivals not yet applied: the newest `incomingLimit` (the tail's capacity) kept whole,
    /// older ones only counted per namespace, so a flood costs bounded memory and time per
    /// frame, and every arrival is still counted.
    private let incoming = Mutex<(events: Deque<DeliveredEvent>, counted: [String: Int])>(([], [:]))
    private let incomingLimit: Int
    /// Frames built (for the benchmark and tests).
    private(set) var framesBuilt = 0
    private var present: @Sendable (Canvas) -> Void = { _ in }
    /// Signalled when something changed: the frame loop sleeps until then, not on a timer.
    nonisolated let changes: AsyncStream<Void>
    private let changed: AsyncStream<Void>.Continuation
    /// Reads that may take long (a listing's page, a history, the state before a window) run in
    /// two lanes of their own, children of `runFeeds`, so keys never wait for them.
    private let listingWork: AsyncStream<Dashboard.Effect>
    private nonisolated let listingLane: AsyncStream<Dashboard.Effect>.Continuation
    private let historyWork: AsyncStream<Dashboard.Effect>
    private nonisolated let historyLane: AsyncStream<Dashboard.Effect>.Continuation
    /// A failover drill runs in a lane of its own, a child of `runFeeds`: quitting cancels it.
    private let drillWork: AsyncStream<FailoverDrill>
    private nonisolated let drillLane: AsyncStream<FailoverDrill>.Continuation
    /// Exports (a long history can take a while) run in a lane of their own, one at a time.
    private let exportWork: AsyncStream<Dashboard.Effect>
    private nonisolated let exportLane: AsyncStream<Dashboard.Effect>.Continuation
    /// Bumped by every history read asked for: a base replay for an older one stops.
    private var historyGeneration = 0

    init(
        deployment: any Deployment,
        settings: DashboardSettings,
        width: Int = 80,
        height: Int = 24,
        clock: Cluster.NodeClock = .continuous
    ) {
        self.deployment = deployment
        self.clock = clock
        self.lastFrameAt = clock.now().advanced(by: .seconds(-1))
        var model = Dashboard(settings: settings, label: deployment.label)
        model.maxEventBytes = deployment.maxEventBytes
        model.width = width
        model.height = height
        self.model = model
        self.incomingLimit = max(1, settings.tailCapacity)
        (changes, changed) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        (listingWork, listingLane) = AsyncStream.makeStream(of: Dashboard.Effect.self)
        (historyWork, historyLane) = AsyncStream.makeStream(of: Dashboard.Effect.self)
        (drillWork, drillLane) = AsyncStream.makeStream(of: FailoverDrill.self)
        (exportWork, exportLane) = AsyncStream.makeStream(of: Dashboard.Effect.self)
    }

    /// Applies an input and performs the effects it asks for.
    func send(_ input: Dashboard.Input) async {
        if case .tick = input { drainIncoming() }
        let effects = model.apply(input)
        dirty = true
        changed.yield()
        for effect in effects { await perform(effect) }
    }

    var isQuitting: Bool { quitting }

    /// After a key: a frame at once (at most one per 10 ms) so the key's effect shows without
    /// waiting for the frame cadence, except while typing into a form, where keys may come as
    /// fast as a terminal sends a paste and frames stay at the usual cadence.
    func frameAfterKey() {
        if case .form = model.overlay {
            frameIfDue()
        } else {
            frameIfDue(minimumGap: .milliseconds(10))
        }
    }

    func setPresenter(_ presenter: @escaping @Sendable (Canvas) -> Void) { present = presenter }

    /// Builds and presents a frame when something changed and the last one is ≥ 50 ms old.
    /// Returns how long to wait before a frame is due when one is wanted but too early.
    @discardableResult
    func frameIfDue(force: Bool = false, minimumGap: Duration = .milliseconds(50)) -> Duration? {
        let now = clock.now()
        let since = lastFrameAt.duration(to: now)
        if !force, dirty, since < minimumGap { return minimumGap - since }
        guard force || dirty else { return nil }
        drainIncoming()
        dirty = false
        lastFrameAt = now
        framesBuilt += 1
        present(Renderer.render(model))
        return nil
    }

    func render() -> Canvas {
        drainIncoming()
        return Renderer.render(model)
    }

    // MARK: Feeds

    nonisolated func enqueue(_ delivered: [DeliveredEvent]) {
        incoming.withLock { incoming in
            incoming.events.append(contentsOf: delivered)
            while incoming.events.count > incomingLimit, let oldest = incoming.events.popFirst() {
                incoming.counted[oldest.namespace, default: 0] += 1
            }
        }
    }

    private func drainIncoming() {
        let (batch, counted) = incoming.withLock { incoming -> ([DeliveredEvent], [String: Int]) in
            defer { incoming = ([], [:]) }
            return (Array(incoming.events), incoming.counted)
        }
        guard !batch.isEmpty || !counted.isEmpty else { return }
        _ = model.apply(.events(batch, at: .now(), counted: counted))
        dirty = true
    }

    /// Runs every feed until cancelled.
    func runFeeds() async {
        let bus = deployment.bus
        let cluster = deployment.cluster
        await withTaskGroup(of: Void.self) { group in
            group.addTask { [self] in
                guard
                    let subscription = try? await bus.subscribe(
                        ">",
                        filter: nil,
                        options: SubscriptionOptions(bufferSize: 5_000, overflow: .dropOldest)
                    )
                else { return }
                await withTaskCancellationHandler {
                    // Read at about the frame cadence: one wake-up per batch, not per event
                    // (the subscription buffers up to 5,000 in between).
                    while true {
                        let batch = await subscription.nextBatch(max: 5_000)
                        if batch.isEmpty { break }
                        enqueue(batch)
                        try? await clock.sleep(.milliseconds(25))
                    }
                } onCancel: {
                    subscription.cancel()
                }
            }
            group.addTask { [self] in
                for await event in await cluster.events() {
                    await send(.clusterEvent(event, at: .now()))
                    if Task.isCancelled { break }
                }
            }
            group.addTask { [self] in
                for await state in deployment.connectionStates() { await send(.connection(state)) }
            }
            group.addTask { [self] in
                while !Task.isCancelled {
                    await send(.tick(.now()))
                    await send(.clusterView(await cluster.view()))
                    try? await clock.sleep(model.settings.refresh.cluster)
                }
            }
            // The slow figures in a loop of their own: in a degraded cluster a stream listing
            // can take seconds, and the clock and the cluster view go on meanwhile.
            group.addTask { [self] in
                var round = 0
                while !Task.isCancelled {
                    await refreshSlow(round: round)
                    round += 1
                    try? await clock.sleep(model.settings.refresh.figures)
                }
            }
            // The two lanes end when the feeds are cancelled.
            group.addTask { [self] in
                await withTaskCancellationHandler {
                    for await effect in listingWork { await performSlow(effect) }
                } onCancel: {
                    listingLane.finish()
                }
            }
            group.addTask { [self] in
                await withTaskCancellationHandler {
                    for await effect in historyWork { await performSlow(effect) }
                } onCancel: {
                    historyLane.finish()
                }
            }
            group.addTask { [self] in
                await withTaskCancellationHandler {
                    for await effect in exportWork { await performSlow(effect) }
                } onCancel: {
                    exportLane.finish()
                }
            }
            group.addTask { [self] in
                await withTaskCancellationHandler {
                    for await drill in drillWork {
                        let report = await drill.run { step, at in await self.send(.drillStep(step, at: at)) }
                        await send(.drillFinished(report))
                    }
                } onCancel: {
                    drillLane.finish()
                }
            }
            // Feeds that end (the embedded connection state) leave the others running.
            await group.waitForAll()
        }
    }

    /// Every second: bus counters and members; every 2 s the namespace list and the streams'
    /// health; every 5 s the store's figures (on NATS these are JetStream API calls).
    /// Arrivals seen at the last slow refresh, and how many seconds in a row were a flood.
    private var seenAtLastRefresh = 0
    /// Namespaces whose bad-record scan is under way.
    private var scanning: Set<String> = []
    private var floodSeconds = 0

    /// When a flood ends, the memory it used goes back to the system (glibc keeps freed memory
    /// in its arenas otherwise, and the process would stay at its peak).
    private func releaseMemoryAfterFloods() {
        let arrivals = model.seenTotal - seenAtLastRefresh
        seenAtLastRefresh = model.seenTotal
        if arrivals > 5_000 {
            floodSeconds += 1
        } else if floodSeconds > 0 {
            floodSeconds = 0
            ProcessMemory.returnFreedMemory()
        }
    }

    private func refreshSlow(round: Int) async {
        releaseMemoryAfterFloods()
        await send(.busMetrics(deployment.bus.metrics()))
        model.killable = await deployment.killableMembers()
        if round % 2 == 0 {
            await send(.namespaces(await deployment.namespaces()))
            // From the listing just made: no request of its own.
            await send(.jetStreamHealth(await deployment.jetStreamHealth()))
        }
        if round % 5 == 0 { await send(.storeFigures(await deployment.storeFigures())) }
        slowRounds += 1
        // The Actors listing is not read again here: the live feed keeps it current.
    }

    /// Rounds of the slow figures completed (batch mode waits for one after the cluster settled).
    private(set) var slowRounds = 0

    // MARK: Effects

    private func perform(_ effect: Dashboard.Effect) async {
        switch effect {
        case .quit:
            quitting = true
        case .loadActors, .loadMoreActors:
            listingLane.yield(effect)
        case .loadHistory, .loadHistoryWindow, .openExact:
            historyGeneration += 1
            historyLane.yield(effect)
        case .loadSnapshots:
            // On the history lane, never inline: a slow stream must not hold up the tick.
            historyLane.yield(effect)
        case .append(let namespace, let event):
            await append(event, to: namespace)
        case .snapshot(let namespace, let actorID):
            do {
                // An actor with events has a stream: a snapshot never creates one.
                let store = try await deployment.store(for: namespace)
                let state = try await store.load(actorID, using: deployment.reducers.reducer(for: namespace).reducer)
                guard state.version > 0 else {
                    await send(.actionFailed("\(namespace)/\(actorID) has no events to snapshot"))
                    return
                }
                try await store.save(ActorSnapshot(actorID: actorID, version: state.version, state: state.state))
                await send(.actionSucceeded("snapshot of \(namespace)/\(actorID) saved at v\(state.version)"))
                await perform(.loadHistory(namespace: namespace, actorID: actorID))
            } catch {
                await send(.actionFailed("snapshot of \(namespace)/\(actorID) failed: \(Self.describe(error))"))
            }
        case .drill(let method):
            let drill = FailoverDrill(
                deployment: deployment,
                method: method,
                reportPath: model.settings.drillReportPath,
                clock: clock
            )
            drillLane.yield(drill)
        case .readStored, .readStoredSequence, .export, .trace, .traceScan:
            exportLane.yield(effect)
        case .kill(let member):
            do {
                try await deployment.kill(member: member)
                await send(.actionSucceeded("killed \(member)"))
            } catch {
                await send(.actionFailed(Self.describe(error)))
            }
        }
    }

    /// The newest versions of a history read when it is opened.
    static let newestWindow: Int64 = 5_000

    /// The reads of the two lanes. What a read brings is drawn at once (at most one frame per
    /// 10 ms), as a key's effect is, not at the next frame of the cadence.
    private func performSlow(_ effect: Dashboard.Effect) async {
        switch effect {
        case .loadSnapshots(let namespace, let actorID):
            // A failed read leaves the marks as they were; the next refresh tries again.
            if let snapshots = try? await deployment.store(for: namespace).snapshots(of: actorID) {
                await send(.snapshots(namespace: namespace, actorID: actorID, snapshots))
            }
        case .loadActors(let namespace, let matching):
            await readActorPage(namespace, matching: matching, after: nil)
        case .loadMoreActors(let namespace, let matching, let cursor):
            await readActorPage(namespace, matching: matching, after: cursor)
        case .loadHistory(let namespace, let actorID):
            do {
                let store = try await deployment.store(for: namespace)
                let latest = try await store.latestVersion(of: actorID)
                // The newest 5,000 versions; an older start is said on screen (partial history),
                // and the state before it is replayed from the nearest snapshot.
                await readWindow(
                    namespace,
                    actorID,
                    from: max(1, latest - Self.newestWindow + 1),
                    through: nil,
                    select: nil
                )
            } catch {
                await send(.actionFailed("cannot read \(namespace)/\(actorID): \(Self.describe(error))"))
            }
        case .loadHistoryWindow(let namespace, let actorID, let from, let through, let select):
            await readWindow(namespace, actorID, from: from, through: through, select: select)
        case .openExact(let namespace, let actorID):
            do {
                let store = try await deployment.store(for: namespace)
                if try await store.latestVersion(of: actorID) > 0 {
                    await send(.actionSucceeded("opened \(namespace)/\(Identifiers.quoted(actorID))"))
                    await performSlow(.loadHistory(namespace: namespace, actorID: actorID))
                } else {
                    await send(
                        .actionSucceeded(
                            "no actor \(Identifiers.quoted(actorID)) in \(namespace): listing the actors that contain it"
                        )
                    )
                }
            } catch {
                await send(
                    .actionFailed("cannot read \(namespace)/\(Identifiers.quoted(actorID)): \(Self.describe(error))")
                )
            }
        case .readStored(let namespace, let actorID, let version):
            let stored = await storedMessage(
                of: "events",
                in: namespace,
                missing: "no stored message states v\(version) of this actor"
            ) {
                try await $0.storedRecord(of: actorID, version: version)
            }
            await send(.stored(namespace: namespace, actorID: actorID, version: version, stored))
            await frameSoon()
        case .readStoredSequence(let namespace, let sequence):
            let stored = await storedMessage(
                of: "records",
                in: namespace,
                missing: "no message at sequence \(sequence) any more"
            ) {
                try await $0.storedRecord(atSequence: sequence)
            }
            await send(.storedAtSequence(namespace: namespace, sequence: sequence, stored))
            await frameSoon()
        case .export(let job, let overwrite):
            await export(job, overwrite: overwrite)
            await frameSoon()
        case .trace(let correlationID):
            do {
                let trace = try await Trace.find(correlationID, in: try await correlationStores())
                await send(.traceFound(trace))
            } catch {
                await send(.traceFailed(correlationID: correlationID, Self.describe(error)))
            }
            await frameSoon()
        case .traceScan(let correlationID, let limit, let scan):
            // A scan nobody waits for (its view closed, or Esc) stops at the next history, so
            // the lane's next read does not wait behind it.
            guard model.wantsScan(scan) else { return }
            do {
                let result = try await Trace.scan(correlationID, in: try await correlationStores(), limit: limit) {
                    records in
                    await self.send(.traceScanProgress(scan: scan, records: records))
                    let wanted = await self.model.wantsScan(scan)
                    return wanted && !Task.isCancelled
                }
                await send(
                    .traceScanned(result.trace, scan: scan, records: result.recordsRead, complete: result.complete)
                )
            } catch {
                await send(.traceFailed(correlationID: correlationID, Self.describe(error)))
            }
            await frameSoon()
        default:
            await perform(effect)
        }
    }

    /// Every namespace's store that keeps a correlation index.
    private func correlationStores() async throws -> [any CorrelationIndex] {
        try await deployment.correlationStores()
    }

    /// Writes an export (see ``Export/write(to:overwrite:_:)``) and says what was written.
    private func export(_ job: ExportJob, overwrite: Bool) async {
        do {
            let count: Int
            var note = ""
            switch job.content {
            case .lines(let lines):
                count = try await Export.write(to: job.path, overwrite: overwrite) { sink in
                    for line in lines { try sink.write(line) }
                }
            case .history(let namespace, let actorID, let withStates):
                let store = try await deployment.store(for: namespace)
                let reducer = withStates ? deployment.reducers.reducer(for: namespace).reducer : nil
                var skipped = 0
                count = try await Export.write(to: job.path, overwrite: overwrite) { sink in
                    try await Export.history(
                        of: actorID,
                        in: store,
                        reducer: reducer,
                        skipped: { _ in skipped += 1 },
                        { try sink.write($0) }
                    )
                }
                if skipped > 0 {
                    note =
                        "; \(skipped) stored record\(skipped == 1 ? " is" : "s are") not events of \(namespace)/\(actorID), left out (the history marks them)"
                }
            }
            let text = "wrote \(job.path): \(job.what), \(count) line\(count == 1 ? "" : "s")\(note)"
            await send(note.isEmpty ? .actionSucceeded(text) : .actionFailed(text))
        } catch is Export.FileExists {
            await send(.exportExists(job))
        } catch {
            await send(.actionFailed("export of \(job.what) to \(job.path) failed: \(Self.describe(error))"))
        }
    }

    /// Opens an actor and returns once its history is read (or its absence said): `--once
    /// --actor`.
    func openAndWait(namespace: String, actorID: String) async {
        await performSlow(.openExact(namespace: namespace, actorID: actorID))
    }

    /// Draws what a read brought within 10 ms, not at the frame cadence's next turn.
    private func frameSoon() async {
        if let wait = frameIfDue(minimumGap: .milliseconds(10)) {
            try? await clock.sleep(wait)
            frameIfDue(minimumGap: .milliseconds(10))
        }
    }

    /// Reads a page of a namespace's listing and hands it to the model.
    private func readActorPage(_ namespace: String, matching: String, after cursor: ActorCursor?) async {
        do {
            let store = try await deployment.store(for: namespace)
            let page = try await store.actorPage(
                after: cursor,
                limit: Dashboard.actorPageLimit,
                matching: matching.isEmpty ? nil : matching
            )
            await send(.actorPage(namespace: namespace, matching: matching, page, first: cursor == nil))
            await frameSoon()
            // Small namespaces have every history read once for bad records; not one whose
            // records would take long to read (a few long histories).
            let records = model.storeFigures.first { $0.namespace == namespace }?.records ?? 0
            if cursor == nil, matching.isEmpty, page.next == nil, records <= Self.badRecordScanRecords {
                await scanForBadRecords(namespace, actors: page.actors, store: store)
            }
        } catch {
            await send(
                .actorPageFailed(
                    namespace: namespace,
                    reason: "cannot list actors of \(namespace): \(Self.describe(error))"
                )
            )
        }
    }

    /// Reads versions `from` through `through` (nil: the newest) of a history, then, for a window
    /// that starts after the first event, the state before it (from the nearest snapshot at or
    /// below it), with progress; a newer read asked for stops that replay.
    private func readWindow(_ namespace: String, _ actorID: String, from: Int64, through: Int64?, select: Int64?) async
    {
        let generation = historyGeneration
        do {
            let store = try await deployment.store(for: namespace)
            let latest = try await store.latestVersion(of: actorID)
            let end = through.flatMap { $0 >= latest ? nil : $0 }
            let read = try await store.eventsWithErrors(of: actorID, from: from, through: end ?? .max)
            let snapshots = try await store.snapshotsWithErrors(of: actorID)
            let replay = deployment.reducers.reducer(for: namespace)
            await send(
                .history(
                    namespace: namespace,
                    actorID: actorID,
                    events: read.events,
                    snapshots: snapshots.snapshots,
                    reducer: replay.reducer,
                    errors: read.errors + snapshots.errors,
                    reducerLabel: replay.label,
                    readFrom: from,
                    readThrough: end,
                    select: select
                )
            )
            await frameSoon()
            guard from > 1, model.detail?.base?.version != from - 1 else { return }
            do {
                let base = try await store.state(of: actorID, at: from - 1, using: replay.reducer) { applied in
                    await self.send(
                        .historyBase(
                            namespace: namespace,
                            actorID: actorID,
                            readFrom: from,
                            nil,
                            applied: applied,
                            failure: nil
                        )
                    )
                    return await self.historyGeneration == generation
                }
                await send(
                    .historyBase(
                        namespace: namespace,
                        actorID: actorID,
                        readFrom: from,
                        base,
                        applied: base.eventsApplied,
                        failure: nil
                    )
                )
            } catch is CancellationError {
                return
            } catch {
                await send(
                    .historyBase(
                        namespace: namespace,
                        actorID: actorID,
                        readFrom: from,
                        nil,
                        applied: 0,
                        failure: Self.describe(error)
                    )
                )
            }
        } catch {
            await send(.actionFailed("cannot read \(namespace)/\(actorID): \(Self.describe(error))"))
        }
    }

    /// Namespaces of at most this many actors have every history read once, so the Actors list
    /// counts bad records on actors not opened yet; larger ones count them as actors are opened.
    /// A stored message for the inspector, read by `read` from the namespace's JetStream store;
    /// why there is none otherwise (`missing`, an in-memory store of `what`, a failed read).
    private func storedMessage(
        of what: String,
        in namespace: String,
        missing: String,
        _ read: (JetStreamEventStore) async throws -> StoredRecord?
    ) async -> Inspector.Stored {
        do {
            guard let jetStream = try await deployment.store(for: namespace) as? JetStreamEventStore else {
                return .none("in-memory store: \(what) are not stored as messages")
            }
            return try await read(jetStream).map { .found($0) } ?? .none(missing)
        } catch {
            return .none("cannot read the stored message: \(Self.describe(error))")
        }
    }

    static let badRecordScanLimit = 500
    /// ... and of at most this many records.
    static let badRecordScanRecords = 50_000

    /// Reads every history of a small namespace once per session for its bad records.
    private func scanForBadRecords(
        _ namespace: String,
        actors: [ActorVersion],
        store: any EventStore & SnapshotStore
    ) async {
        guard !model.scannedNamespaces.contains(namespace), !scanning.contains(namespace),
            actors.count <= Self.badRecordScanLimit
        else { return }
        scanning.insert(namespace)
        defer { scanning.remove(namespace) }
        var counts: [String: Int] = [:]
        for actor in actors {
            guard let events = try? await store.eventsWithErrors(of: actor.actorID, from: 0),
                let snapshots = try? await store.snapshotsWithErrors(of: actor.actorID)
            else { return }
            counts[actor.actorID] = events.errors.count + snapshots.errors.count
        }
        await send(.badRecordCounts(namespace: namespace, counts))
    }

    private func append(_ event: Event, to namespace: String) async {
        // Stamped when it is saved, not when the form was submitted (the confirmation may
        // take a while, and the history would go back in time).
        var event = event
        event.timestamp = .now()
        func nothingWritten(_ error: any Error) -> Dashboard.Input {
            .appendFailed("append to \(namespace)/\(event.actorID) failed; nothing written: \(Self.describe(error))")
        }
        let store: any EventStore & SnapshotStore
        do {
            store = try await deployment.writableStore(for: namespace)
        } catch {
            await send(nothingWritten(error))  // no store, nothing sent
            return
        }
        do {
            do {
                try await store.save(event)
            } catch let error as AetherError where error.code == .versionConflict {
                let current = (try? await store.latestVersion(of: event.actorID)) ?? 0
                let since = (try? await store.events(of: event.actorID, from: event.version)) ?? []
                await send(
                    .appendConflict(
                        namespace: namespace,
                        actorID: event.actorID,
                        attempted: event.version,
                        current: current,
                        since: since
                    )
                )
                return
            }
            try? await deployment.bus.publish(event, to: namespace)
            await send(
                .actionSucceeded("appended \(event.eventType) to \(namespace)/\(event.actorID) at v\(event.version)")
            )
            if model.detail?.actorID == event.actorID, model.detail?.namespace == namespace {
                await perform(.loadHistory(namespace: namespace, actorID: event.actorID))
            }
        } catch {
            if Self.knownNotWritten(error) {
                await send(nothingWritten(error))
            } else {
                // Sent, but no answer came back (a timeout, a connection lost in flight): the
                // server may have stored it, and saying "nothing written" would be a guess.
                await send(
                    .appendFailed(
                        "append to \(namespace)/\(event.actorID) at v\(event.version): outcome unknown, it may have been stored (event \(event.id)); reopen the actor to see: \(Self.describe(error))"
                    )
                )
                if model.detail?.actorID == event.actorID, model.detail?.namespace == namespace {
                    await perform(.loadHistory(namespace: namespace, actorID: event.actorID))
                }
            }
        }
    }

    /// Whether a failed save is known to have stored nothing: refused before anything was
    /// sent (bad input, not connected), or answered by the server with a refusal. A timeout or a
    /// connection lost while the save was in flight leaves it unknown.
    static func knownNotWritten(_ error: any Error) -> Bool {
        guard let error = error as? AetherError else { return false }
        if error.details == .nothingSent { return true }
        switch error.code {
        case .unavailable, .timeout, .backend, .closed:
            guard let cause = error.cause as? NATSError else { return false }
            return cause.apiError != nil || [.notConnected, .noResponders, .wrongLastSequence].contains(cause.code)
        default:
            return true
        }
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? AetherError { return error.message }
        return "\(error)"
    }
}

/// Starts the dashboard: the embedded demo or an attached deployment, interactive or batch.
public enum DashboardRunner {
    public static func run(options: NATSOptions?, settings: DashboardSettings) async throws -> Int32 {
        let deployment = try await makeDeployment(
            options: options,
            timings: settings.timings,
            reducers: settings.reducers
        )
        let code: Int32
        do {
            if settings.once {
                code = try await Batch.once(deployment: deployment, settings: settings)
            } else {
                code = try await interactive(deployment: deployment, settings: settings)
            }
        } catch {
            await deployment.shutdown()
            throw error
        }
        await deployment.shutdown()
        return code
    }

    /// Runs `body` on the deployment `options` name, for a one-shot command (`export`, `trace`):
    /// the embedded demo first runs until it has written events, as `--once` lets it; the
    /// deployment is shut down however `body` ends.
    static func withDeployment<T: Sendable>(
        options: NATSOptions?,
        timings: DemoTimings,
        reducers: ReducerCatalog? = nil,
        _ body: (any Deployment) async throws -> T
    ) async throws -> T {
        let deployment = try await makeDeployment(options: options, timings: timings, reducers: reducers)
        do {
            if options == nil {
                try await Batch.warmUp(
                    DashboardApp(deployment: deployment, settings: DashboardSettings()),
                    deployment: deployment
                )
            }
            let result = try await body(deployment)
            await deployment.shutdown()
            return result
        } catch {
            await deployment.shutdown()
            throw error
        }
    }

    /// - Parameter reducers: nil for the default: the demo's in the embedded demo, none on NATS.
    static func makeDeployment(
        options: NATSOptions?,
        timings: DemoTimings,
        reducers: ReducerCatalog? = nil
    ) async throws -> any Deployment {
        if var options {
            // A dashboard that cannot keep up drops (and counts) rather than buffering without end.
            options.subscriptionPendingLimit = min(options.subscriptionPendingLimit, 10_000)
            let deployment = try await NATSDeployment.connect(
                options: options,
                timings: timings,
                reducers: reducers ?? .generic
            )
            deployment.start()
            return deployment
        }
        let deployment = try EmbeddedDeployment(reducers: reducers ?? .demo)
        deployment.start()
        return deployment
    }

    static func interactive(deployment: any Deployment, settings: DashboardSettings) async throws -> Int32 {
        let app = DashboardApp(deployment: deployment, settings: settings)
        let terminal = TerminalThread()
        let failure = Mutex<String?>(nil)
        await app.setPresenter { terminal.present($0) }
        // One service group, as `aether-top node` runs: the feeds, the keys and the frames; the
        // first to end (a quit) cancels the others, and SIGTERM, SIGINT or SIGHUP end them all.
        // SIGTERM, SIGINT and SIGHUP are trapped before anything takes the terminal, and before
        // the group runs: the group's own trapping is set up while its services start, and a
        // signal in between would end the process by default, leaving the alternate screen on.
        let signals = await UnixSignalsSequence(trapping: .sigterm, .sigint, .sighup)
        let group = ServiceGroup(
            configuration: .init(
                services: [
                    // A signal ends this service, and so the group: whichever service ends
                    // first (a signal, a quit) shuts the others down, and the group ends without
                    // an error (a quit exits 0, as a signal does).
                    .init(
                        service: DashboardService {
                            await cancelWhenGracefulShutdown { for await _ in signals { return } }
                        },
                        successTerminationBehavior: .gracefullyShutdownGroup
                    ),
                    .init(
                        service: DashboardService { await cancelWhenGracefulShutdown { await app.runFeeds() } },
                        successTerminationBehavior: .gracefullyShutdownGroup
                    ),
                    .init(
                        service: DashboardService {
                            // The terminal is taken over only once the group traps the signals:
                            // a SIGTERM that comes while it starts still ends in a restored one.
                            terminal.start(
                                { NCursesTerminal(color: settings.color) },
                                failed: { error in failure.withLock { $0 = "\(error)" } }
                            )
                            await cancelWhenGracefulShutdown {
                                for await input in terminal.inputs {
                                    switch input {
                                    case .key(let key): await app.send(.key(key))
                                    case .resize(let width, let height):
                                        await app.send(.resize(width: width, height: height))
                                    case .paste(let text): await app.send(.paste(text))
                                    }
                                    if case .key = input { await app.frameAfterKey() } else { await app.frameIfDue() }
                                    if await app.isQuitting { return }
                                }
                            }
                        },
                        successTerminationBehavior: .gracefullyShutdownGroup
                    ),
                    .init(
                        service: DashboardService {
                            // Frames follow changes (feeds, keys), at most one per 50 ms; nothing
                            // wakes this loop while nothing changes.
                            await cancelWhenGracefulShutdown {
                                for await _ in app.changes {
                                    while let wait = await app.frameIfDue() { try? await app.clock.sleep(wait) }
                                    if await app.isQuitting { return }
                                }
                            }
                        },
                        successTerminationBehavior: .gracefullyShutdownGroup
                    ),
                ],
                gracefulShutdownSignals: [],
                // Nothing may write over the screen.
                logger: Logger(label: "aether-top", factory: { _ in SwiftLogNoOpLogHandler() })
            )
        )
        // The terminal is restored however the group ends, a thrown error included.
        do {
            try await group.run()
        } catch {
            await terminal.stop()
            throw error
        }
        await terminal.stop()
        if let failure = failure.withLock({ $0 }) {
            throw AetherError(code: .invalidArgument, message: failure)
        }
        return 0
    }
}

/// One loop of the dashboard, as a service of its group.
struct DashboardService: Service {
    let body: @Sendable () async -> Void

    init(_ body: @escaping @Sendable () async -> Void) {
        self.body = body
    }

    func run() async {
        await body()
    }
}

/// The process's heap.
enum ProcessMemory {
    /// glibc's `malloc_trim`, looked up at run time (its header is not part of the Glibc module);
    /// nil on other C libraries.
    private static let mallocTrim: (@convention(c) (Int) -> Int32)? = {
        #if canImport(Glibc)
        guard let symbol = dlsym(nil, "malloc_trim") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (Int) -> Int32).self)
        #else
        return nil
        #endif
    }()

    /// Gives freed heap memory back to the system.
    static func returnFreedMemory() {
        _ = mallocTrim?(0)
    }
}
