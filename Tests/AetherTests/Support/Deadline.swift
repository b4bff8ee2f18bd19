import Aether

struct DeadlineExceeded: Error, CustomStringConvertible {
    var what: String
    var description: String { "deadline exceeded waiting for \(what)" }
}

/// Runs `body`, failing with `DeadlineExceeded` if it has not finished within `seconds`.
/// The deadline only bounds a failing test; it never decides a passing one.
func withDeadline<T: Sendable>(
    _ seconds: Double = 10,
    _ what: String,
    _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: .seconds(seconds))
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else {
            throw DeadlineExceeded(what: what)
        }
        return value
    }
}

/// Reads exactly `count` events from a subscription (failing after a deadline).
func take(
    _ count: Int,
    from subscription: EventSubscription,
    within seconds: Double = 10
) async throws -> [DeliveredEvent] {
    try await withDeadline(seconds, "\(count) events on \(subscription.pattern)") {
        var received: [DeliveredEvent] = []
        while received.count < count, let next = await subscription.next() {
            received.append(next)
        }
        return received
    }
}
