import Aether
import AetherNATS
import AetherNATSTesting

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
