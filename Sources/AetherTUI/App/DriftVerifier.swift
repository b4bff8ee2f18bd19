import Aether
import AetherNATS

/// `aether-top verify`: the drift check for scripts. Every snapshot of a namespace's actors (or
/// of one actor) against a replay of the events up to its version with the reducer in use.
enum DriftVerifier {
    struct Report: Sendable {
        var lines: [String]
        var drifting: Int
        /// Snapshot records that could not be read (a bad checksum, bad JSON): not checked, and
        /// a failure too.
        var corrupt: Int = 0
    }

    static func run(
        options: NATSOptions?,
        namespace: String,
        actor: String?,
        reducers: ReducerCatalog?,
        timings: DemoTimings
    ) async throws -> Report {
        let deployment = try await DashboardRunner.makeDeployment(
            options: options,
            timings: timings,
            reducers: reducers
        )
        do {
            let report = try await check(deployment, namespace: namespace, actor: actor, embedded: options == nil)
            await deployment.shutdown()
            return report
        } catch {
            await deployment.shutdown()
            throw error
        }
    }

    private static func check(
        _ deployment: any Deployment,
        namespace: String,
        actor: String?,
        embedded: Bool
    ) async throws -> Report {
        let store = try await deployment.store(for: namespace)
        if embedded {
            // The embedded demo starts empty: let it write until it has snapshots (as --once
            // lets it run before printing).
            let start = ContinuousClock.now
            while start.duration(to: .now) < .seconds(20) {
                var found = false
                for listed in try await store.actors().prefix(8)
                where try await store.latestSnapshot(of: listed.actorID) != nil {
                    found = true
                }
                if found { break }
                try await Task.sleep(for: .milliseconds(200))
            }
        }
        let (reducer, label, generic) = deployment.reducers.reducer(for: namespace)
        var lines = [
            "verify \(namespace) on \(deployment.label) with the \(label)"
                + (generic ? " (drift is expected unless the domain's state is a merge-patch of its events' data)" : "")
        ]
        let actors: [String]
        var unnamed: [UndecodableSubject] = []
        if let actor {
            actors = [actor]
        } else {
            let listing = try await store.actorListing()
            // Actors with snapshots but no events (their events purged, or another writer's)
            // are checked too: their snapshots are ahead of an empty history.
            let snapshotted = try await store.snapshotListing()
            actors = Set(listing.actors.map(\.actorID)).union(snapshotted.actorIDs).sorted()
            unnamed = listing.undecodable + snapshotted.undecodable
            // Subjects whose actor no ID names (another writer's): not checkable, never left out.
            for subject in unnamed {
                lines.append(
                    "UNCHECKED \(namespace) subject \(DisplayText.visible(subject.subject)): \(subject.records) records; \(DisplayText.visible(subject.reason))"
                )
            }
        }
        var drifting = 0
        var ahead = 0
        var snapshots = 0
        var unknown = 0
        var corrupt = 0
        for id in actors {
            let events = try await store.events(of: id, from: 0)
            let (kept, unreadable) = try await store.snapshotsWithErrors(of: id)
            if actor != nil, events.isEmpty, kept.isEmpty, unreadable.isEmpty {
                // A mistyped id is not a clean actor.
                throw AetherError(
                    code: .notFound,
                    message: "\(namespace) has no actor \(Identifiers.quoted(id)): no events and no snapshots"
                )
            }
            snapshots += kept.count
            for error in unreadable {
                corrupt += 1
                // The cause names the sequence already.
                lines.append(
                    "CORRUPT \(namespace)/\(DisplayText.visible(id)) \(DisplayText.visible(error.cause.message))"
                )
            }
            var drifted = false
            for check in SnapshotCheck.check(kept, events: events, reducer: reducer).values.sorted(by: {
                $0.version < $1.version
            }) {
                switch check {
                case .matches:
                    break
                case .drift(let version, let changes):
                    drifted = true
                    let fields = changes.prefix(8).map { change in
                        // Field names and values are stored data: shown, never sent to the terminal raw.
                        DisplayText.visible(
                            "\(change.path): snapshot \(change.before?.serialized() ?? "absent"), replay \(change.after?.serialized() ?? "absent")"
                        )
                    }
                    lines.append(
                        "DRIFT \(namespace)/\(DisplayText.visible(id)) at v\(version): "
                            + fields.joined(separator: "; ")
                            + (changes.count > 8 ? "; … \(changes.count - 8) more" : "")
                    )
                case .ahead(let version, let newest):
                    ahead += 1
                    lines.append(
                        "AHEAD \(namespace)/\(DisplayText.visible(id)) at v\(version): the history ends at v\(newest); no stored event leads to this state"
                    )
                case .unknown(let version, let reason):
                    unknown += 1
                    lines.append(
                        "UNCHECKED \(namespace)/\(DisplayText.visible(id)) at v\(version): \(DisplayText.visible(reason))"
                    )
                }
            }
            if drifted { drifting += 1 }
        }
        func counted(_ count: Int, _ noun: String) -> String { "\(count) \(noun)\(count == 1 ? "" : "s")" }
        lines.append(
            "checked \(counted(actors.count, "actor")), \(counted(snapshots, "snapshot")): \(drifting) drifting, \(ahead) ahead of their history, \(unknown) not checkable, \(corrupt) corrupt"
                + (unnamed.isEmpty ? "" : "; \(counted(unnamed.count, "subject")) naming no actor not checked")
        )
        return Report(lines: lines, drifting: drifting + ahead, corrupt: corrupt)
    }
}
