import AetherNATS

/// The Aether namespaces a JetStream account holds, read from its stream listing
/// (`STREAM.LIST`, one request per 256 streams, with their states and placement).
///
/// A stream holds a namespace when its description says so (`docs/WIRE-FORMAT.md`). One whose
/// description claims an invalid name (another writer's) is no namespace, but is listed apart
/// so its records are still shown.
public struct JetStreamNamespaceListing: Sendable {
    public struct Namespace: Sendable {
        public var name: String
        public var stream: StreamInfo
    }

    /// A stream whose description claims a namespace that is not a valid one.
    public struct Invalid: Sendable {
        public var stream: String
        public var claimed: String
        public var info: StreamInfo
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
        var invalid: [Invalid] = []
        var claimed: [String: String] = [:]
        for info in listing.streams {
            guard let namespace = JetStreamEventStore.claimedNamespace(of: info) else { continue }
            claimed[info.config.name] = namespace
            if (try? Identifiers.validateNamespace(namespace)) != nil {
                namespaces.append(Namespace(name: namespace, stream: info))
            } else {
                invalid.append(Invalid(stream: info.config.name, claimed: namespace, info: info))
            }
        }
        self.namespaces = namespaces.sorted { $0.name < $1.name }
        self.invalid = invalid
        self.claimed = claimed
        self.listing = listing
    }
}

extension StoreFigures {
    /// The figures of a stream whose description claims an invalid namespace: no actors, and
    /// every record counted as belonging to none.
    public init(invalid: JetStreamNamespaceListing.Invalid) {
        self.init(
            namespace: "(invalid) " + Identifiers.quoted(invalid.claimed),
            actors: 0,
            events: 0,
            bytes: Int(invalid.info.state.bytes),
            stream: invalid.stream
        )
        otherRecords = Int(invalid.info.state.messages)
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
