// The original's Go quick start, in Swift: save OrderPlaced and OrderShipped, replay them into state.
import Aether

let store = try InMemoryEventStore(namespace: "orders")

try await store.save(
    Event(eventType: "OrderPlaced", actorID: "order-123", version: 1, data: ["total": 99.99, "items": 3])
)
try await store.save(
    Event(eventType: "OrderShipped", actorID: "order-123", version: 2, data: ["trackingNumber": "FS123456"])
)

// A domain reducer: how each event type changes an order.
let orders = Reducer { state, event in
    var state = state
    switch event.eventType {
    case "OrderPlaced":
        state["status"] = "placed"
        state["total"] = event.data["total"]
    case "OrderShipped":
        state["status"] = "shipped"
        state["tracking"] = event.data["trackingNumber"]
    default:
        break
    }
    return state
}

let events = try await store.events(of: "order-123", from: 0)
let order = replay(events, using: orders).state

let total = order["total"]?.doubleValue ?? 0
let cents = Int((total * 100).rounded())
print("Status: \(order["status"]?.stringValue ?? "unknown")")
print("Total: $\(cents / 100).\(cents % 100 < 10 ? "0" : "")\(cents % 100)")
print("Tracking: \(order["tracking"]?.stringValue ?? "-")")
