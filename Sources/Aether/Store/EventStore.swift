/// An append-only log of events per actor.
///
/// Contract, for every implementation (checked by the store contract suite):
/// - Saves MUST follow `VersionRules`: a version not above the actor's latest throws
///   `AetherError.versionConflict` and writes nothing.
/// - Identifiers are validated before anything is written (`Identifiers`).
/// - Events are returned in version order, exactly as saved; callers cannot change stored history.
/// - After a successful save, and never otherwise, the store sends `EventStored` to its sink.
/// - There is no update or delete.
public protocol EventStore: Sendable {
    /// The namespace this store's events live in.
    var namespace: String { get }

    /// Saves one event.
    /// - Throws: `AetherError` `.versionConflict` (nothing written), `.invalidActorID`,
    ///   `.invalidEventType`, `.invalidEvent`, `.payloadTooLarge`, or a backend failure.
    func save(_ event: Event) async throws

    /// Saves several events of one actor, all or nothing: either every event is stored or none.
    ///
    /// Versions must be strictly increasing and the first above the actor's latest.
    /// - Throws: as `save(_:)`; `.invalidEvent` when the events belong to several actors.
    func save(_ events: [Event]) async throws

    /// The actor's events with `version >= fromVersion` (inclusive), in version order.
    /// An actor with no events gives an empty array. Undecodable records are skipped;
    /// use `eventsWithErrors` to see them.
    func events(of actorID: String, from fromVersion: Int64) async throws -> [Event]

    /// Like `events(of:from:)`, and also every stored record that could not be decoded.
    func eventsWithErrors(of actorID: String, from fromVersion: Int64) async throws -> ReplayResult

    /// The actor's events with `version >= fromVersion`, streamed in version order, for
    /// histories too long to hold at once. Ending the iteration early releases the read.
    func eventStream(of actorID: String, from fromVersion: Int64) -> AsyncThrowingStream<Event, any Error>

    /// The actor's latest version; 0 when it has no events.
    func latestVersion(of actorID: String) async throws -> Int64

    /// Every actor with at least one event, with its latest version, sorted by actor ID.
    func actors() async throws -> [ActorVersion]

    /// Like `actors()`, and also every stored subject whose actor token does not decode (written
    /// by another client): nothing in the store is left out of the listing.
    func actorListing() async throws -> ActorListing

    /// What the store holds: actors, events and snapshots counted apart, undecodable subjects as such.
    func figures() async throws -> StoreFigures

    /// One page of the listing: actors and undecodable subjects in the order of their actor
    /// tokens (`docs/WIRE-FORMAT.md`; actor-ID order for IDs made of letters, digits, `_` and
    /// `-`), after `cursor` (nil: from the start), at most `limit` rows, each actor with its
    /// latest version. With `matching`, only rows whose actor ID (or token) contains it, case
    /// insensitively; such a page may hold fewer rows than `limit` while `next` is still set, as
    /// a search is done a bounded part of the namespace per call.
    ///
    /// JetStream reads the page's names from the stream's sorted subject index and the page's
    /// versions in one batched direct get (`multi_last`); a page costs the same whatever the
    /// namespace's size, once the index's part holding it has been read. A first page (no
    /// cursor) sees the namespace as it is; later pages may come from the index as the first
    /// read it (JetStream: for up to 5 minutes), so their `total` may lag, and an actor created in
    /// between may be missed, never repeated.
    func actorPage(after cursor: ActorCursor?, limit: Int, matching: String?) async throws -> ActorPage

    /// The actor's events with `fromVersion <= version <= throughVersion`, and the records
    /// that could not be used among them. JetStream finds where `fromVersion` starts by a binary
    /// search over stream sequences (a few direct gets), not by reading from the first event.
    func eventsWithErrors(
        of actorID: String,
        from fromVersion: Int64,
        through throughVersion: Int64
    ) async throws
        -> ReplayResult
}

/// Where the next page of an actor listing starts: after the row with `token`; `position` is
/// where the next row lies among all rows of the listing (a hint; rows may come and go).
public struct ActorCursor: Sendable, Hashable {
    public var token: String
    public var position: Int

    public init(token: String, position: Int) {
        self.token = token
        self.position = position
    }
}

/// A page of an actor listing (see `EventStore.actorPage`).
public struct ActorPage: Sendable, Equatable {
    public var actors: [ActorVersion]
    /// Subjects on the page whose actor token does not decode, in order among the actors.
    public var undecodable: [UndecodableSubject]
    /// Rows in the whole listing (actors and undecodable subjects), whatever `matching` is.
    public var total: Int
    /// How many rows of the whole listing come before the next page (all of them: no next page).
    public var examined: Int
    /// Where the next page starts; nil at the end.
    public var next: ActorCursor?

    public init(
        actors: [ActorVersion],
        undecodable: [UndecodableSubject] = [],
        total: Int,
        examined: Int,
        next: ActorCursor?
    ) {
        self.actors = actors
        self.undecodable = undecodable
        self.total = total
        self.examined = examined
        self.next = next
    }
}

extension EventStore {
    /// From the whole listing (`actorListing()`): for stores that hold their index in memory.
    public func actorPage(after cursor: ActorCursor?, limit: Int, matching: String?) async throws -> ActorPage {
        let listing = try await actorListing()
        let rows =
            (listing.actors.map { (ActorToken.encode($0.actorID), ListingRow.actor($0)) }
            + listing.undecodable.map { ($0.token, ListingRow.undecodable($0)) })
            .sorted { $0.0 < $1.0 }
        let start = cursor.map { cursor in rows.partitionPoint { $0.0 <= cursor.token } } ?? 0
        var page = ActorPage(actors: [], total: rows.count, examined: rows.count, next: nil)
        var position = start
        while position < rows.count, page.actors.count + page.undecodable.count < max(1, limit) {
            let (token, row) = rows[position]
            position += 1
            switch row {
            case .actor(let actor):
                if ActorListingMatch.matches(matching, id: actor.actorID, token: token) { page.actors.append(actor) }
            case .undecodable(let subject):
                if ActorListingMatch.matches(matching, id: nil, token: token) { page.undecodable.append(subject) }
            }
        }
        if position < rows.count {
            page.examined = position
            page.next = ActorCursor(token: rows[position - 1].0, position: position)
        }
        return page
    }

    /// From `eventsWithErrors(of:from:)`, cut at `throughVersion`.
    public func eventsWithErrors(
        of actorID: String,
        from fromVersion: Int64,
        through throughVersion: Int64
    ) async throws -> ReplayResult {
        let read = try await eventsWithErrors(of: actorID, from: fromVersion)
        return ReplayResult(
            events: read.events.filter { $0.version <= throughVersion },
            errors: read.errors.filter { $0.afterVersion < throughVersion }
        )
    }
}

private enum ListingRow {
    case actor(ActorVersion)
    case undecodable(UndecodableSubject)
}

/// How a listing's `matching` text is matched: a case-insensitive substring of the actor ID or
/// of its token.
public enum ActorListingMatch {
    public static func matches(_ text: String?, id: String?, token: String) -> Bool {
        guard let text, !text.isEmpty else { return true }
        let needle = text.lowercased()
        if let id, id.lowercased().contains(needle) { return true }
        return token.lowercased().contains(needle)
    }
}

extension EventStore {
    public func actorListing() async throws -> ActorListing {
        ActorListing(actors: try await actors(), undecodable: [])
    }

    public func figures() async throws -> StoreFigures {
        let actors = try await actors()
        var events = 0
        for actor in actors { events += try await self.events(of: actor.actorID, from: 0).count }
        return StoreFigures(namespace: namespace, actors: actors.count, events: events)
    }
}

/// The actors of a namespace, and the stored subjects that name no actor.
public struct ActorListing: Sendable, Equatable {
    public var actors: [ActorVersion]
    public var undecodable: [UndecodableSubject]

    public init(actors: [ActorVersion], undecodable: [UndecodableSubject] = []) {
        self.actors = actors
        self.undecodable = undecodable
    }
}

/// A stored subject whose actor token does not decode (`docs/WIRE-FORMAT.md`): its records
/// belong to no actor this library can name.
public struct UndecodableSubject: Sendable, Hashable {
    /// The subject's last token, as stored.
    public var token: String
    public var subject: String
    /// How many records it holds.
    public var records: UInt64
    public var reason: String

    public init(token: String, subject: String, records: UInt64, reason: String) {
        self.token = token
        self.subject = subject
        self.records = records
        self.reason = reason
    }

    /// Why a subject's last token names no actor: it does not decode, or decodes to an ID the
    /// naming rules refuse.
    public static func reason(forToken token: String) -> String {
        ActorToken.decode(token) == nil
            ? "its actor token does not decode (docs/WIRE-FORMAT.md: ~XX escapes, upper-case hex, valid UTF-8)"
            : "its actor ID breaks the naming rules"
    }
}

/// What a store holds. Counted from the backend's own state where it has one (JetStream's
/// per-subject counts), not by reading records.
public struct StoreFigures: Sendable, Equatable {
    public var namespace: String
    /// Actors with at least one record.
    public var actors: Int
    /// Records on the actors' event subjects.
    public var events: Int
    /// Snapshot records.
    public var snapshots: Int
    /// Subjects whose actor token does not decode, and the records on them.
    public var undecodableSubjects: Int
    public var undecodableRecords: Int
    /// Records on subjects outside the event and snapshot layout (`docs/WIRE-FORMAT.md`).
    public var otherRecords: Int = 0
    /// Correlation index records (`c.` subjects), counted apart from events.
    public var indexRecords: Int = 0
    /// Records that belong to no actor: on undecodable subjects, or outside the layout.
    public var recordsOutsideActors: Int { undecodableRecords + otherRecords }
    /// Every record the backend holds for the namespace.
    public var records: Int = 0
    /// Distinct subjects (JetStream's `num_subjects`; nil in memory).
    public var subjects: Int?
    /// False when only the backend's state was read (a namespace too large to count its
    /// subjects at every refresh): `actors`, `events`, `snapshots` and the undecodable and other
    /// figures are then unknown, and shown as such.
    public var counted = true
    /// Bytes on the server (nil in memory).
    public var bytes: Int?
    /// The JetStream stream (nil in memory).
    public var stream: String?
    /// Why the stream holds no namespace although its description claims one (nil for a
    /// namespace's own stream).
    public var problem: String?
    /// The namespace such a stream's description claims, as written there (nil for a
    /// namespace's own stream, whose `namespace` is the name; `namespace` is then a label).
    public var claimedNamespace: String?

    public init(
        namespace: String,
        actors: Int,
        events: Int,
        snapshots: Int = 0,
        undecodableSubjects: Int = 0,
        undecodableRecords: Int = 0,
        bytes: Int? = nil,
        stream: String? = nil
    ) {
        self.namespace = namespace
        self.actors = actors
        self.events = events
        self.snapshots = snapshots
        self.undecodableSubjects = undecodableSubjects
        self.undecodableRecords = undecodableRecords
        self.bytes = bytes
        self.stream = stream
    }
}

extension EventStore {
    /// All of the actor's events.
    public func events(of actorID: String) async throws -> [Event] {
        try await events(of: actorID, from: 0)
    }
}

/// An actor and its latest version.
public struct ActorVersion: Sendable, Hashable {
    public var actorID: String
    public var version: Int64

    public init(actorID: String, version: Int64) {
        self.actorID = actorID
        self.version = version
    }
}

/// Events read back, plus the records that could not be decoded.
public struct ReplayResult: Sendable {
    public var events: [Event]
    public var errors: [ReplayError]

    public init(events: [Event], errors: [ReplayError]) {
        self.events = events
        self.errors = errors
    }

    public var hasErrors: Bool { !errors.isEmpty }
}

/// One stored record that could not be used: where it is, its raw bytes, and why. Records that
/// do not decode, events whose `actorId` is not their subject's actor, and events whose version
/// does not rise above the one before are all reported, never replayed.
public struct ReplayError: Error, Sendable, CustomStringConvertible {
    /// The record's position in the backend (the stream sequence for JetStream).
    public var sequence: UInt64
    public var rawData: [UInt8]
    public var cause: AetherError
    /// The version of the last good event before it in the history (0: none), so it can be
    /// shown where it lies.
    public var afterVersion: Int64

    public init(sequence: UInt64, rawData: [UInt8], cause: AetherError, afterVersion: Int64 = 0) {
        self.sequence = sequence
        self.rawData = rawData
        self.cause = cause
        self.afterVersion = afterVersion
    }

    public var description: String {
        "failed to unmarshal event at sequence \(sequence): \(cause.message)"
    }
}

/// Keeps actor snapshots.
public protocol SnapshotStore: Sendable {
    /// The actor's newest snapshot, or nil when it has none.
    func latestSnapshot(of actorID: String) async throws -> ActorSnapshot?

    /// Stores a snapshot. An older snapshot never replaces a newer one as "latest".
    /// - Throws: `AetherError` (`.invalidActorID`, `.invalidEvent` for version ≤ 0).
    func save(_ snapshot: ActorSnapshot) async throws

    /// The actor's kept snapshots, oldest first (the default: only the latest).
    func snapshots(of actorID: String) async throws -> [ActorSnapshot]

    /// Like `snapshots(of:)`, and also every kept snapshot that failed its checksum or did not
    /// decode (it is never used, and never hidden).
    func snapshotsWithErrors(of actorID: String) async throws -> (snapshots: [ActorSnapshot], errors: [ReplayError])

    /// Every actor with at least one kept snapshot (valid or not), sorted by actor ID, and every
    /// stored snapshot subject whose actor token does not decode: an actor whose events are gone
    /// still has its snapshots found.
    func snapshotListing() async throws -> SnapshotListing
}

/// The actors of a namespace that have kept snapshots, and the snapshot subjects that name no actor.
public struct SnapshotListing: Sendable, Equatable {
    public var actorIDs: [String]
    public var undecodable: [UndecodableSubject]

    public init(actorIDs: [String], undecodable: [UndecodableSubject] = []) {
        self.actorIDs = actorIDs
        self.undecodable = undecodable
    }
}

extension SnapshotStore {
    public func snapshots(of actorID: String) async throws -> [ActorSnapshot] {
        try await latestSnapshot(of: actorID).map { [$0] } ?? []
    }

    public func snapshotsWithErrors(
        of actorID: String
    ) async throws -> (snapshots: [ActorSnapshot], errors: [ReplayError]) {
        (try await snapshots(of: actorID), [])
    }
}

extension EventStore where Self: SnapshotStore {
    /// Rebuilds an actor's state from its latest snapshot plus the events after it.
    public func load(_ actorID: String, using reducer: Reducer = .mergePatch) async throws -> ReplayedState {
        let snapshot = try await latestSnapshot(of: actorID)
        let events = try await events(of: actorID, from: (snapshot?.version ?? 0) + 1)
        return replay(events, from: snapshot, using: reducer)
    }
}

extension EventStore where Self: SnapshotStore {
    /// The actor's state right after `version`: from the newest valid kept snapshot at or below
    /// it, plus the events after that snapshot up to `version`, read 10,000 versions at a time
    /// (never all held at once). `progress` hears how many events were applied after each range;
    /// when it answers false the replay stops and throws `CancellationError`.
    public func state(
        of actorID: String,
        at version: Int64,
        using reducer: Reducer = .mergePatch,
        progress: @Sendable (Int) async -> Bool = { _ in true }
    ) async throws -> ReplayedState {
        let snapshot = try await snapshotsWithErrors(of: actorID).snapshots.last { $0.version <= version }
        var replayed = ReplayedState(state: snapshot?.state ?? [:], version: snapshot?.version ?? 0, eventsApplied: 0)
        replayed.snapshotVersion = snapshot?.version
        // Read in ranges of 10,000 versions, so memory stays bounded whatever the length;
        // undecodable records are skipped, as every replay skips them.
        var next = replayed.version + 1
        while next <= version {
            let through = min(version, next + 9_999)
            let chunk = try await eventsWithErrors(of: actorID, from: next, through: through)
            for event in chunk.events {
                replayed.state = reducer.apply(replayed.state, event)
                replayed.version = event.version
                replayed.eventsApplied += 1
            }
            try Task.checkCancellation()
            if through < version, await !progress(replayed.eventsApplied) { throw CancellationError() }
            if chunk.events.isEmpty, chunk.errors.isEmpty, try await latestVersion(of: actorID) < through { break }
            next = through + 1
        }
        return replayed
    }
}
