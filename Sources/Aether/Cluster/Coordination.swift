import AetherNATS
import NIOCore
import Synchronization

extension Cluster {
    /// The key-value operations leader election and the shard map need: create-if-absent,
    /// compare-and-set on revision, per-key TTL, and writes fenced by another key's revision.
    ///
    /// Contract (checked against every backend by the coordination contract suite):
    /// revisions only go up; a conflict throws `AetherError` `.versionConflict` and writes
    /// nothing; an expired key is absent and can be created again.
    public protocol CoordinationBackend: Sendable {
        /// Creates `key` only if it is absent (or expired, or deleted). Returns its revision.
        func create(_ key: String, value: [UInt8], ttl: Duration?) async throws -> UInt64
        /// Replaces `key` only if its latest revision is `revision`. Returns the new revision.
        func update(_ key: String, value: [UInt8], revision: UInt64, ttl: Duration?) async throws -> UInt64
        /// Deletes `key` only if its latest revision is `revision`.
        func delete(_ key: String, revision: UInt64) async throws
        /// The live value and revision of `key`, or nil.
        func get(_ key: String) async throws -> (value: [UInt8], revision: UInt64)?
        /// Like `get`, but may be served by any replica and so be slightly stale: for
        /// observers that only display, never for decisions.
        func peek(_ key: String) async throws -> (value: [UInt8], revision: UInt64)?
        /// Writes `value` unconditionally (no TTL); returns the new revision.
        func set(_ key: String, value: [UInt8]) async throws -> UInt64
        /// Writes `key` only while `fenceKey`'s latest revision is `fenceRevision` (fencing).
        func put(
            _ key: String,
            value: [UInt8],
            fencedBy fenceKey: String,
            revision fenceRevision: UInt64
        ) async throws -> UInt64
    }

    /// In-memory coordination with the same semantics, for the embedded demo and unit tests.
    /// Time comes from `now`, so tests drive expiry with a manual clock.
    public final class InMemoryCoordination: CoordinationBackend {
        public func peek(_ key: String) async throws -> (value: [UInt8], revision: UInt64)? { try await get(key) }

        private struct Entry {
            var value: [UInt8]
            var revision: UInt64
            var expiresAt: ContinuousClock.Instant?
        }

        private struct State {
            var entries: [String: Entry] = [:]
            var revision: UInt64 = 0

            /// Stores `value` under the next revision and returns it.
            mutating func write(_ key: String, _ value: [UInt8], expiresAt: ContinuousClock.Instant?) -> UInt64 {
                revision += 1
                entries[key] = Entry(value: value, revision: revision, expiresAt: expiresAt)
                return revision
            }
        }

        private let state = Mutex(State())
        private let now: @Sendable () -> ContinuousClock.Instant

        public init(now: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }) {
            self.now = now
        }

        private func live(_ state: State, _ key: String, at instant: ContinuousClock.Instant) -> Entry? {
            guard let entry = state.entries[key] else { return nil }
            if let expiresAt = entry.expiresAt, instant >= expiresAt { return nil }
            return entry
        }

        private func conflict(_ key: String, current: UInt64, attempted: UInt64) -> AetherError {
            AetherError.versionConflict(
                actorID: key,
                currentVersion: Int64(current),
                attemptedVersion: Int64(attempted)
            )
        }

        public func create(_ key: String, value: [UInt8], ttl: Duration?) async throws -> UInt64 {
            let instant = now()
            return try state.withLock { state throws(AetherError) -> UInt64 in
                if let existing = live(state, key, at: instant) {
                    throw conflict(key, current: existing.revision, attempted: 0)
                }
                return state.write(key, value, expiresAt: ttl.map { instant.advanced(by: $0) })
            }
        }

        public func update(_ key: String, value: [UInt8], revision: UInt64, ttl: Duration?) async throws -> UInt64 {
            let instant = now()
            return try state.withLock { state throws(AetherError) -> UInt64 in
                let current = live(state, key, at: instant)?.revision ?? 0
                guard current == revision, current != 0 else {
                    throw conflict(key, current: current, attempted: revision)
                }
                return state.write(key, value, expiresAt: ttl.map { instant.advanced(by: $0) })
            }
        }

        public func delete(_ key: String, revision: UInt64) async throws {
            let instant = now()
            try state.withLock { state throws(AetherError) in
                let current = live(state, key, at: instant)?.revision ?? 0
                guard current == revision else { throw conflict(key, current: current, attempted: revision) }
                state.revision += 1
                state.entries[key] = nil
            }
        }

        public func get(_ key: String) async throws -> (value: [UInt8], revision: UInt64)? {
            let instant = now()
            return state.withLock { state in live(state, key, at: instant).map { ($0.value, $0.revision) } }
        }

        public func set(_ key: String, value: [UInt8]) async throws -> UInt64 {
            state.withLock { state in
                state.write(key, value, expiresAt: nil)
            }
        }

        public func put(
            _ key: String,
            value: [UInt8],
            fencedBy fenceKey: String,
            revision fenceRevision: UInt64
        ) async throws -> UInt64 {
            let instant = now()
            return try state.withLock { state throws(AetherError) -> UInt64 in
                let fence = live(state, fenceKey, at: instant)?.revision ?? 0
                guard fence == fenceRevision else { throw conflict(fenceKey, current: fence, attempted: fenceRevision) }
                return state.write(key, value, expiresAt: nil)
            }
        }
    }

    /// Coordination on a JetStream KV bucket (per-key TTL on, delete markers kept 1 s).
    public struct NATSCoordination: CoordinationBackend {
        public let kv: KeyValue

        /// Creates or binds the bucket (`aether-leader-election` by default, as the original).
        public static func open(
            client: NATSClient,
            bucket: String = "aether-leader-election",
            replicas: Int = 1
        ) async throws -> NATSCoordination {
            var config = KeyValue.Config(bucket: bucket)
            config.allowPerKeyTTL = true
            config.markerTTL = .seconds(1)
            config.replicas = replicas
            let js = JetStream(client: client)
            // An existing bucket with other replicas is scaled to the figure asked for (a stream
            // update); when the server refuses, the member does not start on a bucket it did not
            // ask for, and says both figures.
            let existing = try? await js.streamInfo("KV_\(bucket)").config.replicas
            do {
                let kv = try await KeyValue.create(config, in: js)
                let actual = try await js.streamInfo("KV_\(bucket)").config.replicas
                guard actual == replicas else {
                    throw AetherError(
                        code: .invalidArgument,
                        message:
                            "coordination bucket \(bucket) has \(actual) replicas; this member asked for \(replicas) and the server kept \(actual)"
                    )
                }
                return NATSCoordination(kv: kv)
            } catch let error as NATSError {
                if let existing, existing != replicas {
                    throw AetherError(
                        code: .invalidArgument,
                        message:
                            "coordination bucket \(bucket) has \(existing) replicas and this member asked for \(replicas); scaling it failed: \(error.message)",
                        cause: error
                    )
                }
                throw AetherError(error, context: "opening coordination bucket \(bucket)")
            }
        }

        /// Attaches to the bucket without creating it or asking the server anything: an observer
        /// (the dashboard, a check) never creates what members would then inherit. Until members
        /// create it, reads find nothing.
        public static func attach(
            client: NATSClient,
            bucket: String = "aether-leader-election"
        ) throws -> NATSCoordination {
            do {
                return NATSCoordination(kv: try KeyValue.attach(bucket, in: JetStream(client: client)))
            } catch {
                throw AetherError(error, context: "attaching to coordination bucket \(bucket)")
            }
        }

        private func mapped<T>(_ key: String, attempted: UInt64, _ body: () async throws -> T) async throws -> T {
            do {
                return try await body()
            } catch let error as NATSError where error.code == .wrongLastSequence {
                let current =
                    (try? await kv.latestEntry(key)).flatMap { $0?.operation == .put ? $0?.revision : nil } ?? 0
                throw AetherError.versionConflict(
                    actorID: key,
                    currentVersion: Int64(current),
                    attemptedVersion: Int64(attempted)
                )
            } catch let error as NATSError {
                throw AetherError(error, context: "coordination key \(key)")
            }
        }

        public func create(_ key: String, value: [UInt8], ttl: Duration?) async throws -> UInt64 {
            try await mapped(key, attempted: 0) { try await kv.create(key, value, ttl: ttl) }
        }

        public func update(_ key: String, value: [UInt8], revision: UInt64, ttl: Duration?) async throws -> UInt64 {
            try await mapped(key, attempted: revision) { try await kv.update(key, value, revision: revision, ttl: ttl) }
        }

        public func delete(_ key: String, revision: UInt64) async throws {
            _ = try await mapped(key, attempted: revision) { try await kv.delete(key, revision: revision) }
        }

        public func get(_ key: String) async throws -> (value: [UInt8], revision: UInt64)? {
            do {
                guard let entry = try await kv.latestEntry(key), entry.operation == .put else { return nil }
                return (entry.value, entry.revision)
            } catch let error as NATSError {
                throw AetherError(error, context: "coordination key \(key)")
            }
        }

        public func set(_ key: String, value: [UInt8]) async throws -> UInt64 {
            try await mapped(key, attempted: 0) { try await kv.put(key, value) }
        }

        /// A direct get (any replica may answer), without the JSON API's decoding.
        public func peek(_ key: String) async throws -> (value: [UInt8], revision: UInt64)? {
            do {
                guard let entry = try await kv.get(key) else { return nil }
                return (entry.value, entry.revision)
            } catch let error as NATSError {
                throw AetherError(error, context: "coordination key \(key)")
            }
        }

        public func put(
            _ key: String,
            value: [UInt8],
            fencedBy fenceKey: String,
            revision fenceRevision: UInt64
        ) async throws -> UInt64 {
            try await mapped(fenceKey, attempted: fenceRevision) {
                var options = PublishOptions(
                    expectedLastSubjectSequence: fenceRevision,
                    expectedLastSubjectSequenceSubject: kv.subject(for: fenceKey)
                )
                options.retryUntil = .seconds(10)
                return try await kv.js.publish(ByteBuffer(bytes: value), to: kv.subject(for: key), options: options)
                    .sequence
            }
        }
    }
}
