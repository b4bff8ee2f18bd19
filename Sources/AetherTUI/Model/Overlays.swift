import Aether

/// A text form: labelled fields, one focused.
public struct Form: Sendable, Equatable {
    public struct Field: Sendable, Equatable {
        public var label: String
        public var text: String
        /// Checked as JSON while typing.
        public var isJSON = false
        public var optional = false
        /// Why the last submit refused this field's value (shown under it; cleared by an edit).
        public var note: String?
    }

    public enum Purpose: Sendable, Equatable {
        case filter
        case append(expectedVersion: Int64)
        case jumpToVersion
        /// The file to export to (the job's path is the form's `file` field).
        case export(ExportJob)
    }

    public var title: String
    public var purpose: Purpose
    public var fields: [Field]
    public var focus = 0
    /// Why the last submit was refused (cleared by the next edit); the form stays filled.
    public var submitError: String?
    /// The fields' texts when the form opened: Esc on a form typed into asks first.
    public var initialTexts: [String] = []

    public init(title: String, purpose: Purpose, fields: [Field], focus: Int = 0) {
        self.title = title
        self.purpose = purpose
        self.fields = fields
        self.focus = focus
        self.initialTexts = fields.map(\.text)
    }

    /// Something was typed since the form opened.
    public var isEdited: Bool { fields.map(\.text) != initialTexts }

    /// A field's validation error: a message and, for JSON, the 1-based column of the bad character.
    public func error(of index: Int) -> (message: String, column: Int?)? {
        let field = fields[index]
        if purpose == .filter {
            // An empty field matches everything.
            if field.text.isEmpty { return nil }
            // A half-typed regex or a bad pattern is an error here, as it is typed.
            let kind = fields.count == 1 ? "list" : field.label
            return TailFilter.error(of: field.text, field: kind).map { ($0, nil) }
        }
        if field.text.isEmpty {
            if field.optional { return nil }
            return ("\(field.label) is required", nil)
        }
        guard field.isJSON else { return nil }
        do {
            let value = try JSONValue.parse(field.text)
            if value.objectValue == nil { return ("\(field.label) must be a JSON object", 1) }
        } catch {
            return ("\(field.label): line \(error.line), column \(error.column): \(error.message)", error.column)
        }
        return nil
    }

    /// The error to show: the focused field's, else the first.
    public var error: (field: Int, message: String, column: Int?)? {
        if let focused = error(of: focus) { return (focus, focused.message, focused.column) }
        for index in fields.indices {
            if let found = error(of: index) { return (index, found.message, found.column) }
        }
        return nil
    }

    /// Appends pasted text to the focused field, exactly as pasted.
    public mutating func paste(_ text: String) {
        fields[focus].text.append(text)
    }

    /// Applies an editing key to the focused field (``Key/edit(_:)``); other keys change nothing.
    public mutating func edit(_ key: Key) {
        if let text = key.edit(fields[focus].text) { fields[focus].text = text }
    }

    public func value(_ label: String) -> String { fields.first { $0.label == label }?.text ?? "" }

    public static func == (lhs: Form, rhs: Form) -> Bool {
        lhs.title == rhs.title && lhs.purpose == rhs.purpose && lhs.fields == rhs.fields && lhs.focus == rhs.focus
            && lhs.submitError == rhs.submitError
    }
}

/// An action waiting for the operator's yes.
public enum PendingAction: Sendable, Equatable {
    case append(namespace: String, event: Event)
    case snapshot(namespace: String, actorID: String, version: Int64)
    case drill(DrillMethod)
    case kill(member: String)
    /// Overwrite an existing file with an export.
    case export(ExportJob)
}

/// What an export writes, and where.
public struct ExportJob: Sendable, Equatable {
    public enum Content: Sendable, Equatable {
        /// Lines the dashboard has (an event, the filtered tail, a drill's report).
        case lines([String])
        /// An actor's history, streamed from the store as it is written; with `withStates`, each
        /// line also holds the state replayed up to that version.
        case history(namespace: String, actorID: String, withStates: Bool)
    }

    /// What is exported, for messages ("the event …", "the filtered tail (12 events)").
    public var what: String
    public var path: String
    public var content: Content

    public init(what: String, path: String, content: Content) {
        self.what = what
        self.path = path
        self.content = content
    }
}

/// The trace view: every event of one request, as a causation tree.
public struct TraceView: Sendable, Equatable {
    public var correlationID: String
    /// The event the trace was opened from (selected first).
    public var origin: String?
    /// What was found; its tree is laid out once, here, not at every frame and key.
    public var trace: Trace? {
        didSet { rows = trace?.rows ?? [] }
    }
    public private(set) var rows: [Trace.Row] = []
    /// Why the lookup failed.
    public var failure: String?
    /// `r` pressed: the index is being read again (what was found stays shown meanwhile).
    public var reloading = false
    /// A scan of histories under way: the records read so far.
    public var scanning: Int?
    /// The number of the last scan asked for (``Dashboard/traceScans``).
    public var scan: Int?
    /// Esc was pressed during the scan: it stops at the next history.
    public var stopRequested = false
    /// How the scan ended: records read, whether it read them all, whether Esc stopped it.
    public var scanned: (records: Int, complete: Bool, stopped: Bool)?
    public var selection = 0
    /// The view it was opened over, to go back to from an actor opened here.
    public var openedFrom: ViewID = .streams

    public init(correlationID: String, origin: String?, openedFrom: ViewID = .streams) {
        self.correlationID = correlationID
        self.origin = origin
        self.openedFrom = openedFrom
    }

    public static func == (lhs: TraceView, rhs: TraceView) -> Bool {
        lhs.correlationID == rhs.correlationID && lhs.origin == rhs.origin && lhs.trace == rhs.trace
            && lhs.failure == rhs.failure && lhs.reloading == rhs.reloading && lhs.scanning == rhs.scanning
            && lhs.scan == rhs.scan
            && lhs.stopRequested == rhs.stopRequested && lhs.scanned?.records == rhs.scanned?.records
            && lhs.scanned?.complete == rhs.scanned?.complete && lhs.scanned?.stopped == rhs.scanned?.stopped
            && lhs.selection == rhs.selection && lhs.openedFrom == rhs.openedFrom
    }
}

/// The `:` command line: what is typed, the completions of its last word, and why it was
/// refused.
public struct CommandPrompt: Sendable, Equatable {
    public var text = ""
    /// Set by a refused Enter (cleared by the next edit); the line stays as typed.
    public var error: String?
    /// The completions Tab offered last, shown under the line.
    public var completions: [String] = []

    public init(text: String = "") { self.text = text }
}

/// How a failover drill moves the leader.
public enum DrillMethod: Sendable, Equatable {
    case resign(leader: String, term: UInt64)
    case kill(leader: String, term: UInt64)

    public var leader: String {
        switch self {
        case .resign(let leader, _), .kill(let leader, _): leader
        }
    }

    /// `resign` or `kill`, as the report names it.
    public var name: String {
        if case .resign = self { "resign" } else { "kill" }
    }

    /// The term the leader was asked about in.
    public var term: UInt64 {
        switch self {
        case .resign(_, let term), .kill(_, let term): term
        }
    }
}

/// What covers the view.
public enum Overlay: Sendable, Equatable {
    case help
    case form(Form)
    case confirm(
        text: String,
        action: PendingAction,
        alternative: (key: Character, text: String, action: PendingAction)?
    )
    case drill
    /// Esc on a form typed into: discard it (y), or go back to it.
    case discardForm(Form)
    /// A write on a production context: the operator types the target's name to confirm.
    case typedConfirm(text: String, expected: String, typed: String, action: PendingAction)
    case inspector(Inspector)
    case trace(TraceView)
    case command(CommandPrompt)
    /// The last messages, with their times, whole.
    case messages(offset: Int)

    public static func == (lhs: Overlay, rhs: Overlay) -> Bool {
        switch (lhs, rhs) {
        case (.help, .help), (.drill, .drill): true
        case (.typedConfirm(let a, let b, let c, let d), .typedConfirm(let e, let f, let g, let h)):
            a == e && b == f && c == g && d == h
        case (.inspector(let a), .inspector(let b)): a == b
        case (.trace(let a), .trace(let b)): a == b
        case (.discardForm(let a), .discardForm(let b)): a == b
        case (.command(let a), .command(let b)): a == b
        case (.messages(let a), .messages(let b)): a == b
        case (.form(let a), .form(let b)): a == b
        case (.confirm(let a, let b, let c), .confirm(let d, let e, let f)):
            a == d && b == e && c?.key == f?.key && c?.action == f?.action
        default: false
        }
    }
}

/// A failover drill in progress or done.
public struct DrillState: Sendable, Equatable {
    public struct Step: Sendable, Equatable {
        public var name: String
        public var at: Timestamp
    }

    public var method: DrillMethod
    public var startedAt: Timestamp
    public var steps: [Step] = []
    public var report: DrillReport?
}

/// The result of a failover drill, saved as JSON.
public struct DrillReport: Sendable, Equatable, Codable {
    public struct Step: Sendable, Equatable, Codable {
        public var step: String
        public var atMilliseconds: Int64

        enum CodingKeys: String, CodingKey {
            case step
            case atMilliseconds = "at_ms"
        }
    }

    public var method: String
    public var leaderBefore: String
    public var termBefore: UInt64
    public var leaderAfter: String?
    public var termAfter: UInt64?
    public var startedAt: String
    public var steps: [Step]
    /// How long the cluster had no leader, to the first moment the new leader was seen: from
    /// the kill (a killed leader leads no more), or from the first view without a leader (the
    /// lease released or expired); 0 when the lease moved directly, as the steps then say.
    public var leaderlessMilliseconds: Int64
    /// From the request (resign or kill) to the first moment the new leader was seen.
    public var requestToNewLeaderMilliseconds: Int64 = 0
    /// When the request was sent, from the drill's start (every step's `at_ms` counts from the
    /// start; the screen counts from the request).
    public var requestAtMilliseconds: Int64 = 0
    /// For the shards the victim owned when the drill started: the longest time one of their
    /// canaries could not be written, from its last successful append before to its first after;
    /// 0 when none failed.
    public var writeUnavailableMilliseconds: Int64
    public var savedTo: String?
    /// Why it was not saved, when it was not.
    public var notSaved: String?
    /// How the drill ended: `completed` (a new leader, or the timeout), `not run` (the leader
    /// changed before the request: nothing was sent) or `stopped` (the dashboard quit).
    public var ended = "completed"
    /// Shards the victim owned when the drill started.
    public var victimShards = 0
    /// Where the canary events were written, and how many.
    public var canaryNamespace = ""
    public var canaryActors: [String] = []
    public var canaryEventsWritten = 0
    /// From the shard maps the observer read: shards that had no acting owner at some point,
    /// the longest and median such time, and their sum.
    public var shardCount = 0
    public var shardsAffected = 0
    public var ownerlessWorstMilliseconds: Int64 = 0
    public var ownerlessMedianMilliseconds: Int64 = 0
    public var ownerlessShardSeconds: Double = 0
    /// The share of all shards that had no acting owner at some point (0…1).
    public var shardsAffectedShare: Double = 0

    enum CodingKeys: String, CodingKey {
        case method
        case leaderBefore = "leader_before"
        case termBefore = "term_before"
        case leaderAfter = "leader_after"
        case termAfter = "term_after"
        case startedAt = "started_at"
        case steps
        case leaderlessMilliseconds = "leaderless_ms"
        case requestToNewLeaderMilliseconds = "request_to_new_leader_ms"
        case requestAtMilliseconds = "request_at_ms"
        case writeUnavailableMilliseconds = "write_unavailable_ms"
        case savedTo = "saved_to"
        case notSaved = "not_saved"
        case ended
        case victimShards = "victim_shards"
        case canaryNamespace = "canary_namespace"
        case canaryActors = "canary_actors"
        case canaryEventsWritten = "canary_events_written"
        case shardCount = "shard_count"
        case shardsAffected = "shards_affected"
        case ownerlessWorstMilliseconds = "ownerless_worst_ms"
        case ownerlessMedianMilliseconds = "ownerless_median_ms"
        case ownerlessShardSeconds = "ownerless_shard_seconds"
        case shardsAffectedShare = "shards_affected_share"
    }
}
