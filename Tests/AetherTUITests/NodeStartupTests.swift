import Aether
import Logging
import Synchronization
import Testing

@testable import AetherMembers

/// A member started while JetStream does not answer waits for it, within bounds.
@Suite("aether-top node at start: a JetStream that does not answer yet")
struct NodeStartupTests {
    /// A clock that moves only by the sleeps asked of it.
    final class SteppedClock: Sendable {
        private let offset = Mutex(Duration.zero)
        let base = ContinuousClock.now
        var now: ContinuousClock.Instant { base + offset.withLock { $0 } }
        var slept: [Duration] { sleeps.withLock { $0 } }
        private let sleeps = Mutex<[Duration]>([])
        func sleep(_ duration: Duration) {
            sleeps.withLock { $0.append(duration) }
            offset.withLock { $0 += duration }
        }
        var nodeClock: Cluster.NodeClock { Cluster.NodeClock(now: { self.now }, sleep: { self.sleep($0) }) }
    }

    static let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    @Test("unavailable and timed-out steps are tried again with backoff, 0.5 s doubling to 5 s, until one succeeds")
    func retriesUntilAnswered() async throws {
        let clock = SteppedClock()
        let attempts = Mutex(0)
        let value = try await NodeRunner.startupStep(
            "the stream of orders",
            logger: Self.logger,
            clock: clock.nodeClock
        ) {
            let attempt = attempts.withLock { count in
                count += 1
                return count
            }
            if attempt < 7 {
                throw AetherError(code: attempt % 2 == 0 ? .timeout : .unavailable, message: "no answer")
            }
            return "opened"
        }
        #expect(value == "opened")
        #expect(attempts.withLock { $0 } == 7)
        #expect(clock.slept == [.milliseconds(500), .seconds(1), .seconds(2), .seconds(4), .seconds(5), .seconds(5)])
    }

    @Test("other errors end the start at once; a JetStream silent past the patience ends it with its last error")
    func givesUp() async throws {
        let clock = SteppedClock()
        await #expect(throws: AetherError.self) {
            try await NodeRunner.startupStep("x", logger: Self.logger, clock: clock.nodeClock) {
                throw AetherError(code: .invalidNamespace, message: "bad")
            }
        }
        #expect(clock.slept.isEmpty)

        let error = await #expect(throws: AetherError.self) {
            try await NodeRunner.startupStep("x", logger: Self.logger, clock: clock.nodeClock) {
                throw AetherError(code: .unavailable, message: "still electing")
            }
        }
        #expect(error?.message == "still electing")
        let waited = clock.slept.reduce(Duration.zero, +)
        #expect(waited <= NodeRunner.startupPatience)
        #expect(waited > NodeRunner.startupPatience - .seconds(10))

        // A stream another member is creating can be "not found" for a moment: retried.
        let fresh = SteppedClock()
        let tries = Mutex(0)
        let opened = try await NodeRunner.startupStep(
            "the stream of payments",
            logger: Self.logger,
            clock: fresh.nodeClock
        ) {
            let attempt = tries.withLock { count in
                count += 1
                return count
            }
            if attempt == 1 { throw AetherError(code: .notFound, message: "stream not found") }
            return true
        }
        #expect(opened && fresh.slept == [.milliseconds(500)])
    }
}
