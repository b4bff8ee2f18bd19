import Synchronization
import Testing

/// A lane of tests that must not run beside each other: the SIGKILL runs, the 3-server clusters,
/// the tmux sessions and the shells measured on the wall clock. The tests of one lane run one at a
/// time, in any order; different lanes, and tests in no lane, run in parallel. So `swift test`
/// runs the unit tests and the single-server tests side by side while each lane keeps its
/// timings honest.
public struct Lane: TestTrait, SuiteTrait, TestScoping {
    public let name: String

    /// Every test of a suite in the lane is in it.
    public var isRecursive: Bool { true }

    public func scopeProvider(for test: Test, testCase: Test.Case?) -> Lane? {
        // Held around each test case (the one case of a plain test, each case of a parameterized
        // one): never around a suite or a whole parameterized test, which would hold the lane
        // its own cases wait for.
        testCase == nil ? nil : self
    }

    public func provideScope(
        for test: Test,
        testCase: Test.Case?,
        performing function: @Sendable () async throws -> Void
    ) async throws {
        let gate = LaneGate.named(name)
        await gate.enter()
        do {
            try await function()
        } catch {
            await gate.leave()
            throw error
        }
        await gate.leave()
    }
}

extension Trait where Self == Lane {
    /// The suites that time failovers on the wall clock and bound them by the lease TTL: the
    /// cluster shells on nats-server and members as processes, SIGKILLed. Two of them side by
    /// side were seen to miss their bounds on a loaded two-core machine, so they share a lane.
    public static var clusterLane: Lane { Lane(name: "cluster") }
    /// 3-server JetStream clusters losing a server under load: the store under faults, R3
    /// streams, the client's failover.
    public static var storeLane: Lane { Lane(name: "stores") }
    /// The outage drill: a 3-server cluster, three members and a dashboard, servers SIGKILLed.
    public static var outageLane: Lane { Lane(name: "outage") }
    /// The dashboard's binary in tmux and its process tests.
    public static var dashboardLane: Lane { Lane(name: "dashboard") }
    /// The dashboard in tmux under bulk input: large pastes, a namespace of 200,000 actors.
    public static var bulkLane: Lane { Lane(name: "bulk") }
}

/// One at a time, first come first served.
actor LaneGate {
    private static let gates = Mutex<[String: LaneGate]>([:])

    static func named(_ name: String) -> LaneGate {
        gates.withLock { gates in
            if let gate = gates[name] { return gate }
            let gate = LaneGate()
            gates[name] = gate
            return gate
        }
    }

    private var busy = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    func enter() async {
        guard busy else {
            busy = true
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    func leave() {
        if waiting.isEmpty {
            busy = false
        } else {
            // The lane stays busy: it passes to the next in line.
            waiting.removeFirst().resume()
        }
    }
}
