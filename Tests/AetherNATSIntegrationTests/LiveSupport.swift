import AetherNATS
import AetherNATSTesting
import Foundation
import Testing

/// Reads `count` messages (failing after a deadline).
func take(_ count: Int, from subscription: NATSSubscription, within seconds: Double = 10) async throws -> [NATSMessage]
{
    try await withDeadline(seconds, "\(count) messages on \(subscription.subject)") {
        var received: [NATSMessage] = []
        while received.count < count, let message = await subscription.next() { received.append(message) }
        return received
    }
}

/// Waits until an event matching `predicate` arrives on `events` (failing after a deadline).
func waitFor(
    _ what: String,
    in events: AsyncStream<ConnectionEvent>,
    within seconds: Double = 15,
    _ predicate: @escaping @Sendable (ConnectionEvent) -> Bool
) async throws {
    try await withDeadline(seconds, what) {
        for await event in events where predicate(event) { return }
        throw DeadlineExceeded(what: "\(what) (event stream ended)")
    }
}
