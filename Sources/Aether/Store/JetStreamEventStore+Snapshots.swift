import AetherNATS
import Crypto
import Logging
import NIOCore
import Synchronization

/// Snapshots: checksummed, the newest few kept; a corrupt one is reported and never used.
extension JetStreamEventStore {
    // MARK: snapshots

    public func save(_ snapshot: ActorSnapshot) async throws {
        try snapshot.validate()
        let payload = snapshot.jsonBytes()
        let checksum = SHA256.hash(data: payload).map { String(format2: $0) }.joined()
        var options = PublishOptions()
        options.bufferWhileDisconnected = false  // as an event's save
        options.extraHeaders = [
            Self.checksumHeader: "sha256=\(checksum)", Self.versionHeader: String(snapshot.version),
        ]
        let subject = snapshotSubject(snapshot.actorID)
        do {
            _ = try await js.publish(ByteBuffer(bytes: payload), to: subject, options: options)
            _ = try await js.purgeStream(streamName, subject: subject, keep: UInt64(configuration.snapshotHistory))
        } catch let error as NATSError {
            throw AetherError(error, context: "saving a snapshot of actor \(Identifiers.quoted(snapshot.actorID))")
        }
        cache.withLock { $0[snapshot.actorID]?.sinceSnapshot = 0 }
    }

    /// From the stream's subjects under `s.` (every page of the index), whatever the snapshots hold.
    public func snapshotListing() async throws -> SnapshotListing {
        let prefix = "aether.store.\(streamName).s."
        let subjects: [String: UInt64]
        do {
            subjects = try await js.streamSubjects(streamName, filter: prefix + ">")
        } catch let error as NATSError {
            throw AetherError(error, context: "listing the snapshots of \(namespace)")
        }
        var listing = SnapshotListing(actorIDs: [])
        for (subject, records) in subjects {
            let token = String(subject.dropFirst(prefix.count))
            if let id = ActorToken.decode(token), (try? Identifiers.validateActorID(id)) != nil {
                listing.actorIDs.append(id)
            } else {
                listing.undecodable.append(
                    UndecodableSubject(
                        token: token,
                        subject: subject,
                        records: records,
                        reason: UndecodableSubject.reason(forToken: token)
                    )
                )
            }
        }
        listing.actorIDs.sort()
        listing.undecodable.sort { $0.token < $1.token }
        return listing
    }

    /// The newest snapshot that passes its checksum; corrupt ones are counted, logged and skipped.
    public func latestSnapshot(of actorID: String) async throws -> ActorSnapshot? {
        try await snapshots(of: actorID).max { $0.version < $1.version }
    }

    /// Every kept snapshot of the actor that passes its checksum, oldest first.
    public func snapshots(of actorID: String) async throws -> [ActorSnapshot] {
        try await snapshotsWithErrors(of: actorID).snapshots
    }

    /// Every kept snapshot of the actor, oldest first; the ones that fail their checksum, do not
    /// decode or name another actor are counted, logged and returned as errors, never used.
    public func snapshotsWithErrors(
        of actorID: String
    ) async throws -> (snapshots: [ActorSnapshot], errors: [ReplayError]) {
        try Identifiers.validateActorID(actorID)
        var valid: [ActorSnapshot] = []
        var errors: [ReplayError] = []
        do {
            try await forEachMessage(snapshotSubject(actorID)) { message in
                let checksum = SHA256.hash(data: message.data).map { String(format2: $0) }.joined()
                let problem: String
                if message.headers?[Self.checksumHeader] == nil {
                    problem = "it has no \(Self.checksumHeader) header"
                } else if message.headers?[Self.checksumHeader] != "sha256=\(checksum)" {
                    problem = "its checksum does not match its bytes"
                } else if let snapshot = try? ActorSnapshot(jsonBytes: message.data) {
                    guard snapshot.actorID == actorID else {
                        record("it names actor \(Identifiers.quoted(snapshot.actorID))", message)
                        return true
                    }
                    // Another writer's snapshot must say the version it holds, once: a replay
                    // from the wrong version would hand out a state that never was.
                    guard snapshot.version > 0 else {
                        record("its version is \(snapshot.version); a snapshot's must be above 0", message)
                        return true
                    }
                    if let stated = message.headers?[Self.versionHeader], stated != String(snapshot.version) {
                        record(
                            "its \(Self.versionHeader) header says \(Identifiers.quoted(stated)), its payload v\(snapshot.version)",
                            message
                        )
                        return true
                    }
                    valid.append(snapshot)
                    return true
                } else {
                    problem = "it does not decode as a snapshot"
                }
                record(problem, message)
                return true
            }
        } catch let error as NATSError {
            throw AetherError(error, context: "reading snapshots of actor \(Identifiers.quoted(actorID))")
        }
        func record(_ problem: String, _ message: StoredMessage) {
            counters.withLock { $0.corruptSnapshots += 1 }
            logger.warning(
                "corrupt snapshot skipped",
                metadata: [
                    "actor": "\(Identifiers.quoted(actorID))", "namespace": "\(namespace)",
                    "sequence": "\(message.sequence)",
                ]
            )
            let version = message.headers?[Self.versionHeader].flatMap { Int64($0) } ?? 0
            errors.append(
                ReplayError(
                    sequence: message.sequence,
                    rawData: message.data,
                    cause: AetherError(
                        code: .invalidEvent,
                        message: "snapshot at sequence \(message.sequence): \(problem)"
                    ),
                    afterVersion: version
                )
            )
        }
        return (valid, errors)
    }

    /// Snapshots the actor at its latest version with the configured reducer.
    @discardableResult
    public func snapshotNow(_ actorID: String) async throws -> ActorSnapshot? {
        let state = try await load(actorID, using: configuration.snapshotReducer)
        guard state.version > 0 else { return nil }
        let snapshot = ActorSnapshot(actorID: actorID, version: state.version, state: state.state, timestamp: now())
        try await save(snapshot)
        return snapshot
    }
}

extension String {
    /// Two lower-case hex digits.
    fileprivate init(format2 byte: UInt8) {
        let digits = Array("0123456789abcdef")
        self = String([digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])
    }
}
