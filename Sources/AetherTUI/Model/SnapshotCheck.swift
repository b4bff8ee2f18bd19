import Aether

/// Whether a snapshot's stored state is what the reducer in use makes of the events up to its
/// version: `replay = snapshot`, or drift (a non-deterministic or changed reducer, or a
/// corrupted snapshot) with the fields that differ.
public enum SnapshotCheck: Sendable, Equatable {
    case matches(version: Int64)
    /// `changes` go from the snapshot's state to the replayed one.
    case drift(version: Int64, changes: [FieldChange])
    /// Not checkable from what was read (the history does not start at v1).
    case unknown(version: Int64, reason: String)
    /// The snapshot is at a version the history does not reach (it ends at `newest`): a state
    /// no stored event leads to.
    case ahead(version: Int64, newest: Int64)

    public var version: Int64 {
        switch self {
        case .matches(let version), .drift(let version, _), .unknown(let version, _), .ahead(let version, _): version
        }
    }

    /// Checks every snapshot in one pass over the events (in version order), replaying from
    /// the empty state with `reducer`.
    public static func check(
        _ snapshots: [ActorSnapshot],
        events: [Event],
        reducer: Reducer
    ) -> [Int64: SnapshotCheck] {
        var checks: [Int64: SnapshotCheck] = [:]
        let ordered = snapshots.sorted { $0.version < $1.version }
        guard !ordered.isEmpty else { return checks }
        guard !events.isEmpty else {
            // No event at all: every snapshot is at a version the history never reached.
            for snapshot in ordered { checks[snapshot.version] = .ahead(version: snapshot.version, newest: 0) }
            return checks
        }
        guard events.first?.version == 1 else {
            let start = events.first.map { "v\($0.version)" } ?? "nothing"
            for snapshot in ordered {
                checks[snapshot.version] = .unknown(
                    version: snapshot.version,
                    reason: "the history read starts at \(start), not v1"
                )
            }
            return checks
        }
        var state: JSONObject = [:]
        var index = 0
        let newest = events.last?.version ?? 0
        for snapshot in ordered {
            guard snapshot.version <= newest else {
                checks[snapshot.version] = .ahead(version: snapshot.version, newest: newest)
                continue
            }
            while index < events.count, events[index].version <= snapshot.version {
                state = reducer.apply(state, events[index])
                index += 1
            }
            let changes = StateDiff.changes(from: snapshot.state, to: state)
            checks[snapshot.version] =
                changes.isEmpty
                ? .matches(version: snapshot.version) : .drift(version: snapshot.version, changes: changes)
        }
        return checks
    }
}
