import Aether
import AetherNATS
import Foundation

/// `--once`: one frame (text or the view's data as JSON) on standard output, then exit.
/// Never prompts and never touches the terminal's modes, so it is safe in pipes and cron.
enum Batch {
    static func once(deployment: any Deployment, settings: DashboardSettings) async throws -> Int32 {
        let environment = ProcessInfo.processInfo.environment
        let width = environment["COLUMNS"].flatMap(Int.init) ?? 100
        let height = environment["LINES"].flatMap(Int.init) ?? 30
        let app = DashboardApp(deployment: deployment, settings: settings, width: width, height: height)
        try await warmUp(app, deployment: deployment)
        if let namespace = settings.startNamespace, let actor = settings.startActor {
            await app.openAndWait(namespace: namespace, actorID: actor)
        }
        if settings.json {
            let model = await app.model
            StandardOutput.write(JSONValue.object(data(of: model)).serialized(pretty: true) + "\n")
        } else {
            StandardOutput.write((await app.render()).text + "\n")
        }
        return 0
    }

    /// Runs the feeds until the picture is complete: a cluster view with a leader and a settled
    /// shard map (or 5 s), then one more round of the slow figures.
    static func warmUp(_ app: DashboardApp, deployment: any Deployment) async throws {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await app.runFeeds() }
            group.addTask {
                let clock = app.clock
                let start = clock.now()
                while start.duration(to: clock.now()) < .seconds(5) {
                    let view = await deployment.cluster.view()
                    if view.leader != nil, view.shardMap?.isSettled == true,
                        start.duration(to: clock.now()) >= .milliseconds(1500)
                    {
                        break
                    }
                    try? await clock.sleep(.milliseconds(100))
                }
                // One whole round of the slow figures after that (in a degraded cluster the
                // stream listing alone can take seconds), at most 15 s more.
                let rounds = await app.slowRounds
                let settled = clock.now()
                while await app.slowRounds < rounds + 2, settled.duration(to: clock.now()) < .seconds(15) {
                    try? await clock.sleep(.milliseconds(50))
                }
            }
            await group.next()
            group.cancelAll()
        }
    }

    /// The streams' health as the last listing gave it.
    static func jetStream(_ health: JetStreamHealth) -> JSONObject {
        [
            "degraded": .bool(health.isDegraded),
            "streams": .integer(Int64(health.streams)),
            "listing_error": health.listingError.map(JSONValue.string) ?? .null,
            "servers_gone": .array(health.serversGone.map(JSONValue.string)),
            "problems": .array(
                health.problems.map { problem in
                    var row: JSONObject = [
                        "stream": .string(problem.stream), "what": .string(problem.label),
                        "takes_writes": .bool(!problem.blocksWrites),
                    ]
                    switch problem.kind {
                    case .noLeader: row["problem"] = .string("no_leader")
                    case .noAnswer: row["problem"] = .string("no_answer")
                    case .replicasBehind(let servers):
                        row["problem"] = .string("replicas_behind")
                        row["replicas_behind"] = .array(servers.map(JSONValue.string))
                    }
                    return .object(row)
                }
            ),
        ]
    }

    /// The current view's data.
    /// A figure counted subject by subject, or null where the namespace was not counted so.
    private static func counted(_ value: Int, _ figures: StoreFigures) -> JSONValue {
        figures.counted ? .integer(Int64(value)) : .null
    }

    static func data(of model: Dashboard) -> JSONObject {
        var object: JSONObject = [
            "view": .string(model.view.title.lowercased()), "source": .string(model.label),
            "connection_gaps": .integer(Int64(model.connectionGaps)),
        ]
        if let health = model.jetStream {
            object["jetstream"] = .object(jetStream(health))
        }
        switch model.view {
        case .streams:
            object["namespaces"] = .array(
                model.namespaces.map { name in
                    let stats = model.stats[name] ?? NamespaceStats()
                    return .object([
                        "namespace": .string(name), "rate": .double(stats.rate), "total": .integer(Int64(stats.total)),
                        "dropped": .integer(Int64(model.busMetrics[name].dropped)),
                    ])
                }
            )
            object["tail"] = .array(
                model.visibleTail.prefix(50).map { entry in
                    .object([
                        "namespace": .string(entry.namespace), "actor": .string(entry.event.actorID),
                        "type": .string(entry.event.eventType), "version": .integer(entry.event.version),
                        "timestamp": .string(entry.event.timestamp.rfc3339), "data": .object(entry.event.data),
                    ])
                }
            )
        case .actors:
            object["namespace"] = model.actorNamespace.map(JSONValue.string) ?? .null
            object["actors"] = .array(
                model.actors.map { actor in
                    var row: JSONObject = ["actor": .string(actor.actorID), "version": .integer(actor.version)]
                    if let namespace = model.actorNamespace {
                        let bad = model.badRecords["\(namespace)/\(actor.actorID)"] ?? 0
                        row["bad_records"] =
                            model.scannedNamespaces.contains(namespace) || bad > 0 ? .integer(Int64(bad)) : .null
                    }
                    return .object(row)
                }
            )
            // The listing is read a page at a time: say how much of it this is.
            object["listed"] = .integer(Int64(model.actors.count))
            // Unknown while a page is read (null), else the listing's total.
            object["total"] =
                model.actorTotal.map { .integer(Int64($0)) }
                ?? (model.actorNext == nil ? .integer(Int64(model.actors.count)) : .null)
            object["truncated"] = .bool(model.actorNext != nil)
            object["undecodable_subjects"] = .array(
                model.undecodableSubjects.map {
                    .object([
                        "subject": .string($0.subject), "records": .integer(Int64($0.records)),
                        "reason": .string($0.reason),
                    ])
                }
            )
            if let detail = model.detail {
                object["actor"] = .object([
                    "actor": .string(detail.actorID),
                    "events": .integer(Int64(detail.events.count)),
                    "bad_records": .array(
                        detail.errors.map {
                            .object([
                                "sequence": .integer(Int64($0.sequence)), "size": .integer(Int64($0.rawData.count)),
                                "after_version": .integer($0.afterVersion), "reason": .string($0.cause.message),
                                "first_bytes": .string(String(decoding: $0.rawData.prefix(64), as: UTF8.self)),
                            ])
                        }
                    ),
                ])
            }
        case .cluster:
            let view = model.cluster
            object["leader"] = view?.leader.map(JSONValue.string) ?? .null
            object["term"] = view?.term.map { .integer(Int64($0)) } ?? .null
            let owned = view?.shardMap?.shardsByOwner ?? [:]
            object["members"] = .array(
                (view?.members ?? []).map { member in
                    .object([
                        "id": .string(member.info.id), "status": .string(member.status.rawValue),
                        "shards": .integer(Int64(owned[member.info.id] ?? 0)), "load": .double(member.info.load),
                        "heartbeat_age_ms": .integer(
                            Int64(
                                member.heartbeatAge.components.seconds * 1000 + member.heartbeatAge.components
                                    .attoseconds / 1_000_000_000_000_000
                            )
                        ),
                    ])
                }
            )
            if let map = view?.shardMap {
                object["shard_map"] = .object([
                    "version": .integer(Int64(map.version)), "term": .integer(Int64(map.term)),
                    "shards": .integer(Int64(map.shardCount)), "handoffs": .integer(Int64(map.handoffs.count)),
                    "unowned": .integer(Int64(map.owners.filter(\.isEmpty).count)),
                ])
            }
        case .bus:
            object["bus"] = .array(
                model.busMetrics.namespaces.keys.filter { !$0.hasPrefix(Identifiers.internalNamespaceToken) }.sorted()
                    .map { name in
                        let figures = model.busMetrics[name]
                        return .object([
                            "namespace": .string(name), "published": .integer(Int64(figures.published)),
                            "received": .integer(Int64(figures.received)),
                            "delivered": .integer(Int64(figures.delivered)),
                            "dropped": .integer(Int64(figures.dropped)),
                        ])
                    }
            )
            object["store"] = .array(
                model.storeFigures.map { figures in
                    .object([
                        // A stream that holds no namespace has none: what it claims is apart.
                        "namespace": figures.claimedNamespace == nil ? .string(figures.namespace) : .null,
                        "claimed_namespace": figures.claimedNamespace.map(JSONValue.string) ?? .null,
                        // Not counted subject by subject (a large namespace): null, never a false 0.
                        "actors": counted(figures.actors, figures), "events": counted(figures.events, figures),
                        "snapshots": counted(figures.snapshots, figures),
                        "records": .integer(Int64(figures.records)), "counted": .bool(figures.counted),
                        "index_records": counted(figures.indexRecords, figures),
                        "undecodable_subjects": counted(figures.undecodableSubjects, figures),
                        "undecodable_records": counted(figures.undecodableRecords, figures),
                        "other_records": counted(figures.otherRecords, figures),
                        "bytes": figures.bytes.map { .integer(Int64($0)) } ?? .null,
                        "stream": figures.stream.map { .string($0) } ?? .null,
                        "problem": figures.problem.map { .string($0) } ?? .null,
                    ])
                }
            )
        }
        return object
    }
}

/// `aether-top check leader|members`, for scripts, cron and drills.
///
/// Exit statuses follow the Nagios plugin convention: 0 OK, 2 CRITICAL (no leader, a member
/// down, NATS unreachable), 3 UNKNOWN (the check itself could not run: bad options or files).
public enum Checks {
    public struct Report: Sendable {
        public enum Status: Int32, Sendable {
            case ok = 0
            case critical = 2
            case unknown = 3
        }

        public var text: String
        public var status: Status

        public init(text: String, healthy: Bool) {
            self.text = text
            self.status = healthy ? .ok : .critical
        }

        public init(text: String, status: Status) {
            self.text = text
            self.status = status
        }

        public var healthy: Bool { status == .ok }
        public var exitCode: Int32 { status.rawValue }
    }

    public static func run(
        _ what: String,
        options: NATSOptions?,
        timings: DemoTimings,
        expectedMembers: Int? = nil
    ) async -> Report {
        let deployment: any Deployment
        do {
            deployment = try await DashboardRunner.makeDeployment(options: options, timings: timings)
        } catch let error as AetherError where error.code == .unavailable {
            return Report(text: "CRITICAL: \(error.message)", status: .critical)
        } catch let error as AetherError {
            return Report(text: "UNKNOWN: \(error.message)", status: .unknown)
        } catch {
            return Report(text: "UNKNOWN: \(error)", status: .unknown)
        }
        let configuration = timings.configuration(nodeID: "check")
        // Listen long enough to hear every live member (the observer's roll call has each
        // answer at once; a member too old to know it heartbeats on its own timings) and to see
        // a member go down. For the leader, past a lease's TTL too: a lease no one renews (no
        // quorum) is judged expired only from a read sent after its TTL ran out.
        let members = configuration.downAfter + configuration.tick * 2
        let leader = configuration.election.ttl + configuration.tick * 3
        // At least two roll-call gaps: a member that answered another observer's roll call just
        // now answers this one when its gap ends.
        let floor = Cluster.Node.rollCallAnswerGap * 2
        let listen =
            options == nil ? Duration.seconds(2) : max(floor, what == "leader" ? max(members, leader) : members)
        let start = ContinuousClock.now
        var view = await deployment.cluster.view()
        while start.duration(to: .now) < listen {
            try? await Task.sleep(for: .milliseconds(100))
            view = await deployment.cluster.view()
        }
        await deployment.shutdown()
        return evaluate(what, view: view, source: deployment.label, expectedMembers: expectedMembers)
    }

    /// When every member heard is up and started too recently to have campaigned (members
    /// campaign ``Cluster/Node/campaignAfterHeartbeats`` heartbeat intervals after starting, by
    /// the timings their heartbeats state, and by their start times), the oldest one's age and
    /// wait: a cluster that is starting, not one that lost its leader. Nil otherwise.
    static func starting(_ view: Cluster.View, now: Timestamp) -> (age: Duration, wait: Duration)? {
        let members = view.members.compactMap { member -> (age: Duration, wait: Duration)? in
            guard member.status == .up, let timing = member.info.timing, timing.thresholds != nil else { return nil }
            let wait = Duration.milliseconds(timing.heartbeatEveryMs) * Cluster.Node.campaignAfterHeartbeats
            let age = member.info.startedAt.duration(to: now)
            return age >= .zero && age < wait ? (age, wait) : nil
        }
        guard !members.isEmpty, members.count == view.members.count else { return nil }
        return members.max { $0.age < $1.age }
    }

    /// A node id as another process wrote it (a heartbeat, the lease, the shard map): shown,
    /// never sent to the terminal raw.
    private static func shown(_ id: String) -> String { DisplayText.visible(id) }

    /// Judges a view: no leader, or a member down (a shard owner not heard from counts as down,
    /// and so does each member short of `expectedMembers` up: a member gone for good leaves no
    /// trace a check started later could see). The first line sums up, as Nagios reads it.
    public static func evaluate(
        _ what: String,
        view: Cluster.View,
        source: String,
        expectedMembers: Int? = nil,
        now: Timestamp = .now()
    ) -> Report {
        switch what {
        case "leader":
            if let leader = view.leader, let term = view.term {
                return Report(text: "OK: leader \(shown(leader)) (term \(term)) on \(source)", healthy: true)
            }
            if let starting = starting(view, now: now) {
                return Report(
                    text:
                        "CRITICAL: no leader yet on \(source): the members started \(Summary.duration(starting.age)) ago, and on their timings campaign \(Summary.duration(starting.wait)) after starting",
                    healthy: false
                )
            }
            return Report(text: "CRITICAL: no leader on \(source)", healthy: false)
        default:
            var bad: [String] = []
            var good: [String] = []
            var problems: [String] = []
            let heard = Set(view.members.map(\.info.id))
            for member in view.members {
                let id = shown(member.info.id)
                let ok = member.status == .up || member.status == .left
                let line =
                    "\(ok ? "OK" : "CRITICAL"): \(id) \(member.status.rawValue) (heartbeat \(Summary.duration(member.heartbeatAge)) ago)"
                if ok { good.append(line) } else { bad.append(line) }
                if !ok { problems.append("\(id) \(member.status.rawValue)") }
            }
            for owner in Set(view.shardMap?.owners ?? []).subtracting(heard).sorted() where !owner.isEmpty {
                let owner = shown(owner)
                bad.append("CRITICAL: \(owner) owns shards but was not heard from")
                problems.append("\(owner) not heard from")
            }
            let up = view.members.filter { $0.status == .up }.count
            if view.members.isEmpty {
                problems.append("no members heard")
            } else if let expected = expectedMembers, up < expected {
                problems.append("\(up) of \(expected) expected members up")
            }
            let summary =
                problems.isEmpty
                ? "OK: \(up) member\(up == 1 ? "" : "s") up on \(source)"
                    + (expectedMembers.map { " (\($0) expected)" } ?? "")
                : "CRITICAL: " + problems.joined(separator: "; ") + " on \(source)"
            return Report(text: ([summary] + bad + good).joined(separator: "\n"), healthy: problems.isEmpty)
        }
    }
}
