import Aether
import AetherNATS

/// What the JetStream API says is wrong with the deployment's streams and buckets, from one
/// `STREAM.LIST` (the same one namespace discovery reads: it costs no request of its own).
public struct JetStreamHealth: Sendable, Equatable {
    /// One stream or bucket that is not whole.
    public struct Problem: Sendable, Equatable {
        public enum Kind: Sendable, Equatable {
            /// Listed, but no server leads it: it takes no writes.
            case noLeader
            /// Not listed: no server answered for it (no leader, or every server holding it gone).
            case noAnswer
            /// Led, but some replicas are not current.
            case replicasBehind([String])
        }

        /// The stream's name on the server.
        public var stream: String
        public var kind: Kind

        /// How an operator names it: `bucket B` for `KV_B`, `namespace N` for an Aether
        /// namespace's stream, else `stream S`.
        public var label: String

        public init(stream: String, kind: Kind, label: String) {
            self.stream = stream
            self.kind = kind
            self.label = label
        }

        /// Whether writes to it stop.
        public var blocksWrites: Bool {
            switch kind {
            case .noLeader, .noAnswer: true
            case .replicasBehind: false
            }
        }

        public var text: String {
            switch kind {
            case .noLeader: "\(label): no leader, takes no writes"
            case .noAnswer: "\(label): no answer from its servers (no leader, or its servers are gone)"
            case .replicasBehind(let servers):
                "\(label): led, replica\(servers.count == 1 ? "" : "s") on \(servers.joined(separator: ", ")) not current"
            }
        }
    }

    /// Streams that answered.
    public var streams: Int
    /// Worst first: what takes no writes, then what runs on fewer replicas.
    public var problems: [Problem]
    /// Servers holding replicas that are marked offline or have not been heard from.
    public var serversGone: [String]
    /// The listing itself failed (the JetStream API did not answer): nothing above is known.
    public var listingError: String?

    public init(streams: Int = 0, problems: [Problem] = [], serversGone: [String] = [], listingError: String? = nil) {
        self.streams = streams
        self.problems = problems
        self.serversGone = serversGone
        self.listingError = listingError
    }

    /// The problems that stop writes (no leader, no answer).
    public var withoutLeader: [Problem] { problems.filter(\.blocksWrites) }

    public var isDegraded: Bool { !problems.isEmpty || !serversGone.isEmpty || listingError != nil }

    /// A replica not heard from for this long is counted as gone.
    public static let goneAfter: Duration = .seconds(5)

    /// Assesses one listing. `knownNamespaces` gives the namespace of streams seen in earlier
    /// listings (a stream that does not answer is listed by name only).
    public static func assess(
        _ listing: JetStream.StreamListing,
        knownNamespaces: [String: String] = [:]
    ) -> JetStreamHealth {
        var problems: [Problem] = []
        var gone: Set<String> = []
        var behind: [Problem] = []
        let goneNanos = goneAfter.components.seconds * 1_000_000_000
        for info in listing.streams {
            guard let cluster = info.cluster else { continue }  // a single server: nothing to lose
            let label = label(of: info)
            if cluster.leader == nil {
                problems.append(Problem(stream: info.config.name, kind: .noLeader, label: label))
            }
            var lagging: [String] = []
            for replica in cluster.replicas ?? [] where !replica.current {
                lagging.append(replica.name)
                // `active` is 0 when the replica was never heard from since this leader took over.
                if replica.offline == true || (replica.active ?? 0) == 0 || (replica.active ?? 0) >= goneNanos {
                    gone.insert(replica.name)
                }
            }
            if cluster.leader != nil, !lagging.isEmpty {
                behind.append(Problem(stream: info.config.name, kind: .replicasBehind(lagging.sorted()), label: label))
            }
        }
        for name in listing.missing {
            let label = knownNamespaces[name].map { "namespace " + shown($0) } ?? label(ofStream: name)
            problems.append(Problem(stream: name, kind: .noAnswer, label: label))
        }
        problems.sort { $0.label < $1.label }
        behind.sort { $0.label < $1.label }
        return JetStreamHealth(streams: listing.streams.count, problems: problems + behind, serversGone: gone.sorted())
    }

    /// `namespace N` when the stream's description says it holds Aether namespace N.
    public static func label(of info: StreamInfo) -> String {
        JetStreamEventStore.claimedNamespace(of: info).map { "namespace " + shown($0) }
            ?? label(ofStream: info.config.name)
    }

    static func label(ofStream name: String) -> String {
        name.hasPrefix("KV_") ? "bucket " + shown(String(name.dropFirst(3))) : "stream " + shown(name)
    }

    /// Plain printable ASCII as it is; anything else quoted with control characters escaped.
    static func shown(_ name: String) -> String {
        let plain =
            !name.isEmpty
            && name.unicodeScalars.allSatisfy { $0.value > 0x20 && $0.value < 0x7F && $0 != "\"" && $0 != "\\" }
        return plain ? name : Identifiers.quoted(name)
    }

    /// One line for the banner: the worst first.
    public var summary: String {
        if let listingError { return "JetStream API not answering: \(listingError)" }
        var parts: [String] = []
        let blocked = withoutLeader
        if !blocked.isEmpty {
            parts.append(
                "no leader: " + blocked.prefix(3).map(\.label).joined(separator: ", ")
                    + (blocked.count > 3 ? " +\(blocked.count - 3) more" : "")
            )
        }
        if !serversGone.isEmpty {
            parts.append("server\(serversGone.count == 1 ? "" : "s") gone: \(serversGone.joined(separator: ", "))")
        }
        let behind = problems.count - blocked.count
        if behind > 0 { parts.append("\(behind) stream\(behind == 1 ? "" : "s") short of replicas") }
        return parts.joined(separator: "; ")
    }
}
