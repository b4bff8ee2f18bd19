import Aether
import AetherNATS
import Logging
import ServiceLifecycle
import UnixSignals

#if canImport(Glibc)
import Glibc
#endif

/// `aether-top node`: one demo cluster member on NATS with its workload, until SIGTERM or
/// SIGINT (graceful: stops work, resigns, announces leave).
public enum NodeRunner {
    public struct Settings: Sendable {
        public var name: String
        public var timings: DemoTimings = .fast
        public var shardCount = 1024
        /// Replicas of the election bucket and of the event streams; nil: 3 when the server
        /// reports a cluster of three or more, else 1.
        public var electionReplicas: Int?
        public var streamReplicas: Int?
        public var workload = DemoWorkload()
        /// Print every cluster event as a JSON line on standard output.
        public var eventsJSON = false

        public init(name: String) {
            self.name = name
        }
    }

    public static func run(options: NATSOptions, settings: Settings) async throws {
        try Cluster.validateNodeID(settings.name)
        // Logs go to standard error; standard output carries --events-json lines only.
        var logger = Logger(label: "aether-top.node", factory: { StreamLogHandler.standardError(label: $0) })
        logger.logLevel = .info
        let servers = try await clusterSize(options: options)
        let automatic = servers >= 3 ? 3 : 1
        let electionReplicas = settings.electionReplicas ?? automatic
        let streamReplicas = settings.streamReplicas ?? automatic
        logger.info(
            "replicas: election bucket R\(electionReplicas), event streams R\(streamReplicas)",
            metadata: [
                "servers": "\(servers)",
                "chosen":
                    "\(settings.streamReplicas == nil || settings.electionReplicas == nil ? "by cluster size" : "given")",
            ]
        )
        let deployment = try await startupStep("the election bucket and the cluster wiring", logger: logger) {
            try await NATSWiring.connect(
                options: options,
                nodeID: settings.name,
                observer: false,
                timings: settings.timings,
                shardCount: settings.shardCount,
                electionReplicas: electionReplicas,
                streamReplicas: streamReplicas,
                logger: logger
            )
        }
        var stores: [String: any EventStore & SnapshotStore] = [:]
        for namespace in DemoDomain.namespaces {
            stores[namespace] = try await startupStep("the stream of \(namespace)", logger: logger) {
                let store = try await deployment.jetStreamStore(for: namespace)
                try await store.ensureReplicas(streamReplicas)
                return store
            }
        }
        let printSaves = settings.eventsJSON
        let member = DemoMember(
            node: deployment.cluster,
            stores: stores,
            bus: deployment.bus,
            workload: settings.workload,
            onSaved: { namespace, event in
                // Each acknowledged save, so a test can check that none is lost.
                guard printSaves else { return }
                StandardOutput.write(
                    NodeRunner.savedLine(
                        namespace: namespace,
                        event: event,
                        node: settings.name,
                        at: NodeRunner.monotonicNanoseconds()
                    ) + "\n"
                )
            }
        )
        let printer = EventPrinter(node: deployment.cluster, enabled: settings.eventsJSON)
        let group = ServiceGroup(
            configuration: .init(
                services: [
                    .init(service: member, successTerminationBehavior: .gracefullyShutdownGroup),
                    .init(service: printer),
                ],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        try await group.run()
        await deployment.client.close()
    }

    /// How long a member waits at start for a JetStream that does not answer (a cluster that is
    /// electing, or short of a server) before it gives up.
    static let startupPatience: Duration = .seconds(120)

    /// Runs a start-up step again while JetStream is unavailable or times out (a degraded
    /// cluster, a stream leader being elected) or says "not found" (on a cluster, a stream or
    /// bucket another member is creating is not found for a moment, while its group forms),
    /// with backoff from 0.5 s to 5 s and a warning each time, for at most `startupPatience`;
    /// other errors, and the last one, are thrown.
    static func startupStep<T>(
        _ what: String,
        logger: Logger,
        retrying: Set<AetherError.Code> = [.unavailable, .timeout, .notFound],
        clock: Cluster.NodeClock = .continuous,
        _ step: () async throws -> T
    ) async throws -> T {
        let deadline = clock.now() + startupPatience
        var pause = Duration.milliseconds(500)
        while true {
            do {
                return try await step()
            } catch let error as AetherError where retrying.contains(error.code) {
                guard clock.now() + pause < deadline else { throw error }
                logger.warning(
                    "JetStream did not answer for \(what); trying again",
                    metadata: ["error": "\(error.message)", "in": "\(pause)"]
                )
                try await clock.sleep(pause)
                pause = min(pause * 2, .seconds(5))
            }
        }
    }

    /// How many servers the cluster has, as the server advertises them (`connect_urls`); a
    /// server in a cluster may send the full list a moment after the handshake.
    static func clusterSize(options: NATSOptions) async throws -> Int {
        let client = try await NATSClient.connect(options)
        let start = ContinuousClock.now
        var count = client.serverInfo?.connectURLs?.count ?? 1
        while client.serverInfo?.cluster != nil, count < 3, start.duration(to: .now) < .seconds(2) {
            try? await Task.sleep(for: .milliseconds(50))
            count = client.serverInfo?.connectURLs?.count ?? 1
        }
        await client.close()
        return max(1, count)
    }

    /// The monotonic clock in nanoseconds (comparable across processes on one machine).
    public static func monotonicNanoseconds() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Int64(spec.tv_sec) * 1_000_000_000 + Int64(spec.tv_nsec)
    }

    /// One acknowledged save as a JSON line.
    public static func savedLine(namespace: String, event: Event, node: String, at nanos: Int64) -> String {
        JSONValue.object([
            "mono_ns": .integer(nanos), "node": .string(node), "event": .string("saved"),
            "namespace": .string(namespace), "actor": .string(event.actorID), "version": .integer(event.version),
            "id": .string(event.id),
        ]).serialized()
    }

    /// One cluster event as a JSON line.
    public static func jsonLine(_ event: Cluster.Event, node: String, at nanos: Int64) -> String {
        func list(_ shards: [Int]) -> String { "[" + shards.map(String.init).joined(separator: ",") + "]" }
        func text(_ value: String?) -> String { value.map { JSONValue.string($0).serialized() } ?? "null" }
        let body: String
        switch event {
        case .snapshot(let view): body = #""event":"snapshot","leader":\#(text(view.leader))"#
        case .joined(let info): body = #""event":"joined","member":\#(text(info.id))"#
        case .recovered(let id): body = #""event":"recovered","member":\#(text(id))"#
        case .suspect(let id): body = #""event":"suspect","member":\#(text(id))"#
        case .down(let id): body = #""event":"down","member":\#(text(id))"#
        case .left(let id): body = #""event":"left","member":\#(text(id))"#
        case .leaderChanged(let leader, let term):
            body = #""event":"leader","leader":\#(text(leader)),"term":\#(term.map(String.init) ?? "null")"#
        case .becameLeader(let term): body = #""event":"became_leader","term":\#(term)"#
        case .lostLeadership(let term, let reason):
            body = #""event":"lost_leadership","term":\#(term),"reason":\#(text(reason))"#
        case .shardMapChanged(let version, let term):
            body = #""event":"shard_map","version":\#(version),"term":\#(term)"#
        case .handoffStarted(let shard, let from, let to):
            body = #""event":"handoff_started","shard":\#(shard),"from":\#(text(from)),"to":\#(text(to))"#
        case .handoffFinished(let shard, let from, let to):
            body = #""event":"handoff_finished","shard":\#(shard),"from":\#(text(from)),"to":\#(text(to))"#
        case .ownershipChanged(let acquired, let released):
            body = #""event":"ownership","acquired":\#(list(acquired)),"released":\#(list(released))"#
        }
        return #"{"mono_ns":\#(nanos),"node":\#(text(node)),\#(body)}"#
    }

    struct EventPrinter: Service {
        let node: Cluster.Node
        let enabled: Bool

        func run() async throws {
            guard enabled else {
                try? await gracefulShutdown()
                return
            }
            let events = await node.events()
            await cancelWhenGracefulShutdown {
                for await event in events {
                    StandardOutput.write(
                        NodeRunner.jsonLine(event, node: node.id, at: NodeRunner.monotonicNanoseconds()) + "\n"
                    )
                }
            }
        }
    }
}

/// Standard output, written whole (no buffering, no partial writes left behind).
public enum StandardOutput {
    public static func write(_ text: String) {
        _ = Descriptor.write(1, Array(text.utf8))
    }
}

/// Standard error, written whole.
public enum StandardError {
    public static func write(_ text: String) {
        _ = Descriptor.write(2, Array(text.utf8))
    }
}

/// Whole writes to a file descriptor.
public enum Descriptor {
    /// Writes every byte, going on after partial writes and interruptions.
    /// - Returns: false when the descriptor refused (a closed pipe, a full disk).
    public static func write(_ descriptor: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { buffer in
                Glibc.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
            }
            if written < 0, errno == EINTR { continue }
            if written <= 0 { return false }
            offset += written
        }
        return true
    }
}
