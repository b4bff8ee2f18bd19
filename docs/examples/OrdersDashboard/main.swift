import Aether
import AetherTUI

// An application's own dashboard: aether-top's command line, keys, views, batch mode and
// checks, replaying its orders with its own reducer instead of a generic merge-patch.
let orders = Reducer { state, event in
    var state = state
    switch event.eventType {
    case "OrderPlaced":
        state["status"] = "placed"
        state["customer"] = event.data["customer"]
        state["lines"] = 0
    case "ItemAdded":
        state["lines"] = .integer((state["lines"]?.integerValue ?? 0) + 1)
    case "OrderPaid": state["status"] = "paid"
    case "OrderShipped": state["status"] = "shipped"
    case "OrderDelivered": state["status"] = "delivered"
    default: break
    }
    return state
}

await AetherTop.main(reducers: ["orders": orders])
