/// Folds one event into an actor's state.
///
/// A reducer MUST be pure: the same state and event always give the same result.
public struct Reducer: Sendable {
    private let body: @Sendable (JSONObject, Event) -> JSONObject

    public init(_ body: @escaping @Sendable (_ state: JSONObject, _ event: Event) -> JSONObject) {
        self.body = body
    }

    public func apply(_ state: JSONObject, _ event: Event) -> JSONObject {
        body(state, event)
    }

    /// Merges each event's `data` into the state with JSON merge-patch semantics (RFC 7386):
    /// objects merge recursively, `null` removes a key, anything else replaces.
    public static let mergePatch = Reducer { state, event in
        JSONMergePatch.apply(event.data, to: state)
    }
}

/// RFC 7386 JSON merge patch.
public enum JSONMergePatch {
    /// Applies `patch` to `target`.
    public static func apply(_ patch: JSONObject, to target: JSONObject) -> JSONObject {
        var result = target
        for (key, value) in patch {
            switch value {
            case .null:
                result[key] = nil
            case .object(let nested):
                let existing = result[key]?.objectValue ?? [:]
                result[key] = .object(apply(nested, to: existing))
            default:
                result[key] = value
            }
        }
        return result
    }
}

/// The result of replaying an actor's events.
public struct ReplayedState: Sendable, Equatable {
    public var state: JSONObject
    /// The version of the last event applied (or the snapshot's, or 0 when there was nothing).
    public var version: Int64
    /// How many events were applied on top of the snapshot.
    public var eventsApplied: Int
    /// The version of the snapshot it started from; nil when it started from the first event.
    public var snapshotVersion: Int64?

    public init(state: JSONObject, version: Int64, eventsApplied: Int) {
        self.state = state
        self.version = version
        self.eventsApplied = eventsApplied
    }
}

/// Rebuilds state: the snapshot's state (or empty), then every event whose version is above
/// the snapshot's, in order.
///
/// Events at or below the snapshot's version are skipped, so callers may pass a full history.
public func replay(
    _ events: some Sequence<Event>,
    from snapshot: ActorSnapshot? = nil,
    using reducer: Reducer = .mergePatch
) -> ReplayedState {
    var state = snapshot?.state ?? [:]
    var version = snapshot?.version ?? 0
    var applied = 0
    for event in events where event.version > version {
        state = reducer.apply(state, event)
        version = event.version
        applied += 1
    }
    var replayed = ReplayedState(state: state, version: version, eventsApplied: applied)
    replayed.snapshotVersion = snapshot?.version
    return replayed
}
