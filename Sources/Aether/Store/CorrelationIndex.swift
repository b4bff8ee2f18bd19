/// Finding the events of one request (one `correlationId`) without scanning: both stores keep
/// an index written with each event whose metadata names a correlation id.
///
/// On JetStream the index is a record just ahead of a single event, in the same socket write,
/// or just after each event of an atomic batch (`docs/WIRE-FORMAT.md`, "Correlation index"), so
/// other writers can add it too; a record whose event the server refused is removed. Events
/// without an index record (older ones, or written by a client that does not add it) are found
/// only by ``correlationScan(_:limit:progress:)``, which reads histories and says it did.
public protocol CorrelationIndex: Sendable {
    var namespace: String { get }

    /// The events of this namespace whose `correlationId` is `correlationID`, in the order they
    /// were stored; with what could not be followed (an index record naming no stored event).
    /// - Throws: `AetherError` (`.invalidArgument` for an empty id); the transport's errors.
    func events(correlatedWith correlationID: String) async throws -> CorrelationRead

    /// Reads every history of the namespace, at most `limit` records, for events whose
    /// `correlationId` is `correlationID` (indexed or not); `progress` gets the records read so
    /// far and returns false to stop. Slow on a large namespace: opt-in only.
    func correlationScan(
        _ correlationID: String,
        limit: Int,
        progress: @Sendable (Int) async -> Bool
    ) async throws -> CorrelationScan
}

/// What a correlation lookup found in one namespace.
public struct CorrelationRead: Sendable, Equatable {
    public var events: [Event]
    /// Index records that could not be followed, each said in a sentence.
    public var problems: [String]

    public init(events: [Event], problems: [String] = []) {
        self.events = events
        self.problems = problems
    }
}

/// What a scan found: the events, how many records it read, whether it read them all, and
/// whether its caller stopped it (`progress` returned false).
public struct CorrelationScan: Sendable, Equatable {
    public var events: [Event]
    public var recordsRead: Int
    public var complete: Bool
    public var stopped: Bool

    public init(events: [Event], recordsRead: Int, complete: Bool, stopped: Bool = false) {
        self.events = events
        self.recordsRead = recordsRead
        self.complete = complete
        self.stopped = stopped
    }
}

/// Everything one request caused, across namespaces: the events sharing a correlation id in time
/// order, and the causation tree (each event under the event its `causationId` names).
public struct Trace: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var namespace: String
        public var event: Event

        public init(namespace: String, event: Event) {
            self.namespace = namespace
            self.event = event
        }
    }

    /// One line of the tree: an entry, its depth, and what is wrong with its cause, if anything
    /// (never guessed).
    public struct Row: Sendable, Equatable {
        public var entry: Entry
        public var depth: Int
        public var causeProblem: CauseProblem?
        /// The cause's id, for an event whose cause is not among the entries.
        public var missingCause: String? {
            if case .notFound(let id) = causeProblem { return id }
            return nil
        }
    }

    /// Why an event with a `causationId` is not under its cause.
    public enum CauseProblem: Sendable, Equatable {
        /// No event of the trace has that id.
        case notFound(String)
        /// The event names its own id as its cause.
        case itself
        /// The causes go round (another writer's); the cycle is cut at this event, whose
        /// cause (that id) is shown below it.
        case cycle(String)
        /// More than one event of the trace has that id (`events` of them): which one caused
        /// this is not guessed.
        case ambiguous(String, events: Int)

        /// For the operator.
        public var text: String {
            switch self {
            case .notFound(let id): "its cause \(id) was not found"
            case .itself: "names itself as its cause"
            case .cycle(let id): "its cause \(id) is below it: a causation cycle, cut here"
            case .ambiguous(let id, let count): "its cause \(id) is the id of \(count) events: not placed under any"
            }
        }
    }

    public var correlationID: String
    /// In time order (stored order for equal times).
    public var entries: [Entry]
    /// Index records that could not be followed, per namespace.
    public var problems: [String]
    /// From a scan of histories, not the index.
    public var scanned: Bool

    public init(correlationID: String, entries: [Entry], problems: [String] = [], scanned: Bool = false) {
        self.correlationID = correlationID
        self.entries = entries
        self.problems = problems
        self.scanned = scanned
    }

    /// The causation tree, depth first; roots and children in time order. A cycle in causation
    /// ids (a bad writer's) is cut at its earliest event, shown as a root. A cause whose id more
    /// than one entry carries (another writer reused it, in this namespace or another) is not
    /// chosen between: the event is a root, and says so. Built without recursion, so a chain
    /// of any length is safe.
    public var rows: [Row] {
        var byID: [String: Int] = [:]
        var sharing: [String: Int] = [:]
        for (index, entry) in entries.enumerated() {
            if byID[entry.event.id] == nil {
                byID[entry.event.id] = index
            } else {
                sharing[entry.event.id, default: 1] += 1
            }
        }
        var children: [Int: [Int]] = [:]
        var roots: [(index: Int, problem: CauseProblem?)] = []
        for (index, entry) in entries.enumerated() {
            guard let cause = entry.event.causationID else {
                roots.append((index, nil))
                continue
            }
            if cause == entry.event.id {
                roots.append((index, .itself))
            } else if let count = sharing[cause] {
                roots.append((index, .ambiguous(cause, events: count)))
            } else if let parent = byID[cause] {
                children[parent, default: []].append(index)
            } else {
                roots.append((index, .notFound(cause)))
            }
        }
        // Which events the roots reach; the rest hang from a cycle.
        var reached = [Bool](repeating: false, count: entries.count)
        func mark(_ root: Int) {
            var pending = [root]
            while let next = pending.popLast() {
                guard !reached[next] else { continue }
                reached[next] = true
                pending.append(contentsOf: children[next] ?? [])
            }
        }
        for root in roots { mark(root.index) }
        // Each cycle is cut at its earliest event, which becomes a root. An event under a cycle
        // is not in it, and goes under its cause.
        for index in entries.indices where !reached[index] {
            var path = [index]
            var position = [index: 0]
            var cut = index
            while let cause = entries[path[path.count - 1]].event.causationID, let parent = byID[cause],
                !reached[parent]
            {
                if let start = position[parent] {
                    cut = path[start...].min() ?? parent
                    break
                }
                position[parent] = path.count
                path.append(parent)
            }
            roots.append((cut, entries[cut].event.causationID.map(CauseProblem.cycle)))
            mark(cut)
        }
        // Roots in time order (entries are), those cut out of a cycle among the others.
        roots.sort { $0.index < $1.index }
        var rows: [Row] = []
        rows.reserveCapacity(entries.count)
        var placed = [Bool](repeating: false, count: entries.count)
        for root in roots {
            var pending: [(index: Int, depth: Int, problem: CauseProblem?)] = [(root.index, 0, root.problem)]
            while let next = pending.popLast() {
                guard !placed[next.index] else { continue }
                placed[next.index] = true
                rows.append(Row(entry: entries[next.index], depth: next.depth, causeProblem: next.problem))
                // Reversed, so the earliest child is taken first.
                for child in (children[next.index] ?? []).reversed() { pending.append((child, next.depth + 1, nil)) }
            }
        }
        return rows
    }

    /// Looks a correlation id up in every store given, at once; entries in time order.
    /// - Throws: the first store's error that stops a lookup (a namespace that cannot be read).
    public static func find(
        _ correlationID: String,
        in stores: [any CorrelationIndex]
    ) async throws -> Trace {
        try await withThrowingTaskGroup(of: (Int, CorrelationRead).self) { group in
            for (position, store) in stores.enumerated() {
                group.addTask { (position, try await store.events(correlatedWith: correlationID)) }
            }
            var reads = [CorrelationRead?](repeating: nil, count: stores.count)
            for try await (position, read) in group { reads[position] = read }
            var entries: [Entry] = []
            var problems: [String] = []
            for (store, read) in zip(stores, reads) {
                guard let read else { continue }
                entries += read.events.map { Entry(namespace: store.namespace, event: $0) }
                problems += read.problems.map { "\(store.namespace): \($0)" }
            }
            return Trace(correlationID: correlationID, entries: ordered(entries), problems: problems)
        }
    }

    /// Scans every store given (see ``CorrelationIndex/correlationScan(_:limit:progress:)``),
    /// `limit` records each.
    public static func scan(
        _ correlationID: String,
        in stores: [any CorrelationIndex],
        limit: Int,
        progress: @Sendable (Int) async -> Bool
    ) async throws -> (trace: Trace, recordsRead: Int, complete: Bool) {
        var entries: [Entry] = []
        var read = 0
        var complete = true
        for store in stores {
            let before = read
            let result = try await store.correlationScan(correlationID, limit: limit) { count in
                await progress(before + count)
            }
            read += result.recordsRead
            complete = complete && result.complete
            entries += result.events.map { Entry(namespace: store.namespace, event: $0) }
            // Stopped by the caller: the namespaces after this one are not read.
            if result.stopped {
                complete = false
                break
            }
        }
        return (Trace(correlationID: correlationID, entries: ordered(entries), scanned: true), read, complete)
    }

    /// Time order; for equal times the order found (stored order within a namespace).
    public static func ordered(_ entries: [Entry]) -> [Entry] {
        entries.enumerated().sorted { a, b in
            a.element.event.timestamp != b.element.event.timestamp
                ? a.element.event.timestamp < b.element.event.timestamp : a.offset < b.offset
        }.map(\.element)
    }
}

/// The scan both stores share: page through the listing, read each history, keep the events of
/// the correlation id, stop at `limit` records.
extension CorrelationIndex where Self: EventStore {
    public func correlationScan(
        _ correlationID: String,
        limit: Int,
        progress: @Sendable (Int) async -> Bool
    ) async throws -> CorrelationScan {
        var found: [Event] = []
        var read = 0
        var cursor: ActorCursor?
        repeat {
            let page = try await actorPage(after: cursor, limit: 500, matching: nil)
            for actor in page.actors {
                guard read < limit else { return CorrelationScan(events: found, recordsRead: read, complete: false) }
                // At most the records left of the limit; a longer history makes the scan partial.
                let room = Int64(limit - read)
                let history = try await eventsWithErrors(of: actor.actorID, from: 1, through: room)
                read += history.events.count + history.errors.count
                found += history.events.filter { $0.correlationID == correlationID }
                if actor.version > room {
                    return CorrelationScan(events: found, recordsRead: read, complete: false)
                }
                if !(await progress(read)) {
                    return CorrelationScan(events: found, recordsRead: read, complete: false, stopped: true)
                }
            }
            cursor = page.next
        } while cursor != nil
        return CorrelationScan(events: found, recordsRead: read, complete: true)
    }
}
