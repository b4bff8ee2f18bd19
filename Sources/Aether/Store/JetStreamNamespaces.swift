import AetherNATS

/// The Aether namespaces a JetStream account holds, read from its stream listing
/// (`STREAM.LIST`, one request per 256 streams, with their states and placement).
///
/// A stream holds a namespace when its description says so and its name is the namespace's
/// (`<namespace>_<stream>`, `docs/WIRE-FORMAT.md`). One whose description claims an invalid
/// name (another writer's), whose name is not the namespace's, or that claims a namespace an
/// earlier stream holds, is no namespace, but is listed apart, with why, so its records are
/// still shown. Of two streams that both could hold a namespace, `<namespace>_events` holds it,
/// else the first by name.
public struct JetStreamNamespaceListing: Sendable {
    public struct Namespace: Sendable {
        public var name: String
        public var stream: StreamInfo
        /// The stream's name after `<namespace>_` (`JetStreamEventStore.Configuration.streamName`).
        public var streamSuffix: String {
            String(stream.config.name.dropFirst(JetStreamEventStore.streamName(namespace: name, stream: "").count))
        }
    }

    /// A stream whose description claims a namespace it does not hold.
    public struct Invalid: Sendable {
        /// Why the claim does not hold.
        public enum Kind: Sendable, Equatable {
            /// The claimed name is not a valid namespace.
            case invalidName
            /// Its name is not `<sanitized namespace>_<stream>`.
            case misnamed
            /// That stream holds the namespace.
            case duplicate(holder: String)
        }

        public var stream: String
        public var claimed: String
        public var info: StreamInfo
        public var kind: Kind

        /// Why the claim does not hold, for the operator.
        public var reason: String {
            switch kind {
            case .invalidName: "the namespace it claims is not a valid name"
            case .misnamed:
                "its name is not the namespace's (\(JetStreamEventStore.streamName(namespace: claimed, stream: ""))<stream>)"
            case .duplicate(let holder): "stream \(holder) holds the namespace"
            }
        }
    }

    /// Valid namespaces, by name.
    public var namespaces: [Namespace]
    public var invalid: [Invalid]
    /// Stream name → the namespace its description claims, valid or not.
    public var claimed: [String: String]
    /// The listing itself: the streams that did not answer (`missing`) and every stream's
    /// cluster placement, for a verdict on the account's health.
    public var listing: JetStream.StreamListing

    /// Reads the listing. Its timeout is longer than other requests': in a cluster the server
    /// waits a few seconds for streams that do not answer.
    /// - Throws: `AetherError` `.unavailable` when JetStream does not answer.
    public static func read(
        client: NATSClient,
        timeout: Duration = .seconds(10)
    ) async throws
        -> JetStreamNamespaceListing
    {
        let listing: JetStream.StreamListing
        do {
            listing = try await JetStream(client: client, timeout: timeout).streamListing()
        } catch let error as NATSError {
            throw AetherError(error, context: "listing the streams")
        }
        return JetStreamNamespaceListing(listing)
    }

    /// Sorts a listing's streams into namespaces and invalid claims.
    public init(_ listing: JetStream.StreamListing) {
        var namespaces: [Namespace] = []
        var holder: [String: String] = [:]
        var invalid: [Invalid] = []
        var claimed: [String: String] = [:]
        let claims = listing.streams.compactMap { info in
            JetStreamEventStore.claimedNamespace(of: info).map { (namespace: $0, info: info) }
        }
        // `<namespace>_events` first, then by name: the order in which claims are honoured.
        func rank(_ claim: (namespace: String, info: StreamInfo)) -> (Int, String) {
            let name = claim.info.config.name
            return (name == JetStreamEventStore.streamName(namespace: claim.namespace, stream: "events") ? 0 : 1, name)
        }
        for (namespace, info) in claims.sorted(by: { rank($0) < rank($1) }) {
            let name = info.config.name
            claimed[name] = namespace
            let prefix = JetStreamEventStore.streamName(namespace: namespace, stream: "")
            let kind: Invalid.Kind?
            if (try? Identifiers.validateNamespace(namespace)) == nil {
                kind = .invalidName
            } else if !name.hasPrefix(prefix) || name.count == prefix.count {
                kind = .misnamed
            } else if let earlier = holder[namespace] {
                kind = .duplicate(holder: earlier)
            } else {
                kind = nil
            }
            if let kind {
                invalid.append(Invalid(stream: name, claimed: namespace, info: info, kind: kind))
            } else {
                holder[namespace] = name
                namespaces.append(Namespace(name: namespace, stream: info))
            }
        }
        invalid.sort { $0.stream < $1.stream }
        self.namespaces = namespaces.sorted { $0.name < $1.name }
        self.invalid = invalid
        self.claimed = claimed
        self.listing = listing
    }
}

extension StoreFigures {
    /// The figures of a stream whose description claims a namespace it does not hold: no
    /// actors, every record counted as belonging to none, and why.
    public init(invalid: JetStreamNamespaceListing.Invalid) {
        let label =
            switch invalid.kind {
            case .invalidName: "(invalid) "
            case .misnamed: "(misnamed) "
            case .duplicate: "(duplicate) "
            }
        self.init(
            namespace: label + Identifiers.quoted(invalid.claimed),
            actors: 0,
            events: 0,
            bytes: Int(invalid.info.state.bytes),
            stream: invalid.stream
        )
        otherRecords = Int(invalid.info.state.messages)
        claimedNamespace = invalid.claimed
        problem = "stream \(invalid.stream) claims namespace \(Identifiers.quoted(invalid.claimed)): \(invalid.reason)"
    }
}

extension JetStreamEventStore {
    /// A member's check that the stream has the replicas it asked for: scaled when it has not,
    /// or refused naming both figures.
    /// - Throws: `AetherError` `.invalidArgument` when scaling fails, `.unavailable` when the
    ///   stream cannot be read.
    public func ensureReplicas(_ replicas: Int) async throws {
        var config: StreamConfig
        do {
            config = try await js.streamInfo(streamName).config
        } catch let error as NATSError {
            throw AetherError(error, context: "reading stream \(streamName)")
        }
        guard config.replicas != replicas else { return }
        let existing = config.replicas
        config.replicas = replicas
        do {
            try await js.updateStream(config)
        } catch let error as NATSError {
            throw AetherError(
                code: .invalidArgument,
                message:
                    "stream \(streamName) has \(existing) replicas and this member asked for \(replicas); scaling it failed: \(error.message)",
                cause: error
            )
        }
    }
}
