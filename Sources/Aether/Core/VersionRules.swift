/// The per-actor version rules every store enforces.
///
/// 0 means "no events"; the first event's version is > 0; each new version is strictly greater
/// than the latest; gaps are allowed (1, 3, 7). The caller chooses versions; stores never
/// renumber.
public enum VersionRules {
    /// Checks that `attempted` may follow `current` for `actorID`.
    /// - Throws: `AetherError.versionConflict` when `attempted <= current`.
    public static func check(actorID: String, current: Int64, attempted: Int64) throws(AetherError) {
        guard attempted > current else {
            throw AetherError.versionConflict(actorID: actorID, currentVersion: current, attemptedVersion: attempted)
        }
    }

    /// Checks a batch of one actor's events: all of `actorID`, versions strictly increasing,
    /// the first above `current`.
    /// - Throws: `.invalidEvent` for a batch that mixes actors or is not increasing;
    ///   `.versionConflict` when the first version is not above `current`.
    public static func checkBatch(_ events: [Event], current: Int64) throws(AetherError) {
        guard let first = events.first else { return }
        var previous = current
        for event in events {
            if event.actorID != first.actorID {
                throw AetherError(
                    code: .invalidEvent,
                    message:
                        "a batch holds events of one actor; found \(Identifiers.quoted(first.actorID)) and \(Identifiers.quoted(event.actorID))"
                )
            }
            if event.version <= previous {
                if previous == current {
                    throw AetherError.versionConflict(
                        actorID: event.actorID,
                        currentVersion: current,
                        attemptedVersion: event.version
                    )
                }
                throw AetherError(
                    code: .invalidEvent,
                    message:
                        "batch for actor \(Identifiers.quoted(event.actorID)) is not strictly increasing: \(event.version) follows \(previous)"
                )
            }
            previous = event.version
        }
    }
}
