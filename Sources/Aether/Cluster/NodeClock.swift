extension Cluster {
    /// The time a node's shell reads and sleeps on. The state machines get it as `now`; tests
    /// run nodes on a manual clock that moves only when they say.
    public struct NodeClock: Sendable {
        public var now: @Sendable () -> ContinuousClock.Instant
        public var sleep: @Sendable (Duration) async throws -> Void

        public init(
            now: @escaping @Sendable () -> ContinuousClock.Instant,
            sleep: @escaping @Sendable (Duration) async throws -> Void
        ) {
            self.now = now
            self.sleep = sleep
        }

        /// The process's monotonic clock.
        public static let continuous = NodeClock(now: { ContinuousClock.now }, sleep: { try await Task.sleep(for: $0) })
    }
}
