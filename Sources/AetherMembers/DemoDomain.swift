import Aether

/// The demo's business: orders, payments and inventory, each with a reducer that folds its
/// events into state the way an application would.
public enum DemoDomain {
    public static let namespaces = ["orders", "payments", "inventory"]

    /// The actors the workload writes to in a namespace.
    public static func actorIDs(in namespace: String, count: Int = 24) -> [String] {
        let prefix =
            switch namespace {
            case "orders": "order-"
            case "payments": "payment-"
            default: "sku-"
            }
        return (0..<count).map { "\(prefix)\(1001 + $0)" }
    }

    /// The domain reducer of a demo namespace; JSON merge patch for any other.
    public static func reducer(for namespace: String) -> Reducer {
        switch namespace {
        case "orders": orders
        case "payments": payments
        case "inventory": inventory
        default: .mergePatch
        }
    }

    static let orders = Reducer { state, event in
        var state = state
        switch event.eventType {
        case "OrderPlaced":
            state = event.data
            state["status"] = "placed"
        case "ItemAdded":
            var items = state["items"]?.arrayValue ?? []
            items.append(.object(event.data))
            state["items"] = .array(items)
            let total = (state["total"]?.doubleValue ?? 0) + (event.data["price"]?.doubleValue ?? 0)
            state["total"] = .double((total * 100).rounded() / 100)
        case "OrderPaid":
            state["status"] = "paid"
            state["payment"] = event.data["payment"]
        case "OrderShipped":
            state["status"] = "shipped"
            state["carrier"] = event.data["carrier"]
            state["tracking"] = event.data["tracking"]
        case "OrderDelivered":
            state["status"] = "delivered"
        default:
            state = JSONMergePatch.apply(event.data, to: state)
        }
        return state
    }

    static let payments = Reducer { state, event in
        var state = state
        let amount = event.data["amount"]?.doubleValue ?? 0
        switch event.eventType {
        case "PaymentAuthorized":
            state["authorized"] = .double(round2((state["authorized"]?.doubleValue ?? 0) + amount))
            state["currency"] = event.data["currency"]
            state["order"] = event.data["order"]
            state["status"] = "authorized"
        case "PaymentCaptured":
            state["captured"] = .double(round2((state["captured"]?.doubleValue ?? 0) + amount))
            state["status"] = "captured"
        case "PaymentRefunded":
            state["refunded"] = .double(round2((state["refunded"]?.doubleValue ?? 0) + amount))
            state["status"] = "refunded"
        default:
            state = JSONMergePatch.apply(event.data, to: state)
        }
        return state
    }

    static let inventory = Reducer { state, event in
        var state = state
        let quantity = event.data["qty"]?.integerValue ?? 0
        let onHand = state["onHand"]?.integerValue ?? 0
        let reserved = state["reserved"]?.integerValue ?? 0
        switch event.eventType {
        case "StockReceived":
            state["onHand"] = .integer(onHand + quantity)
            state["reserved"] = .integer(reserved)
        case "StockReserved":
            state["reserved"] = .integer(reserved + quantity)
            state["onHand"] = .integer(onHand)
            state["lastOrder"] = event.data["order"]
        case "StockShipped":
            state["onHand"] = .integer(onHand - quantity)
            state["reserved"] = .integer(max(0, reserved - quantity))
        default:
            state = JSONMergePatch.apply(event.data, to: state)
        }
        return state
    }

    private static func round2(_ value: Double) -> Double { (value * 100).rounded() / 100 }

    /// The event that follows `last` for this actor, at version `last.version + 1`.
    public static func nextEvent(
        namespace: String,
        actorID: String,
        after last: Event?,
        using random: inout some RandomNumberGenerator
    ) -> Event {
        let version = (last?.version ?? 0) + 1
        let (type, data) = nextBody(namespace: namespace, actorID: actorID, lastType: last?.eventType, &random)
        var event = Event(eventType: type, actorID: actorID, version: version, data: data)
        event.metadata = ["source": "aether-demo"]
        return event
    }

    /// The order a payment or a stock reservation is for (its `order` field), if any.
    public static func order(of event: Event) -> String? {
        guard event.actorID.hasPrefix("payment-") || event.actorID.hasPrefix("sku-") else { return nil }
        return event.data["order"]?.stringValue
    }

    /// Links an event into its request's chain, as an application would: an order's
    /// `OrderPlaced` starts a request (a new `correlationId`); the order's later events carry it
    /// on, each caused by the one before; a payment or a stock reservation for an order joins the
    /// order's request, caused by the order's latest event (`order`); a payment's capture follows
    /// its authorization. Events of no request (stock received or shipped) carry none.
    public static func link(
        _ event: inout Event,
        previous: Event?,
        order: Event?,
        using random: inout some RandomNumberGenerator
    ) {
        if event.eventType == "OrderPlaced" {
            event.correlationID = "req-" + String(UInt32.random(in: 0...UInt32.max, using: &random), radix: 16)
        } else if let order, let request = order.correlationID {
            event.correlationID = request
            event.causationID = order.id
        } else if event.actorID.hasPrefix("order-") || event.eventType == "PaymentCaptured",
            let previous, let request = previous.correlationID
        {
            event.correlationID = request
            event.causationID = previous.id
        }
    }

    private static func nextBody(
        namespace: String,
        actorID: String,
        lastType: String?,
        _ random: inout some RandomNumberGenerator
    ) -> (String, JSONObject) {
        let skus = ["sku-1001", "sku-1002", "sku-1003", "sku-1004", "sku-1005"]
        let customers = ["acme", "globex", "initech", "umbrella", "hooli", "stark"]
        func price() -> JSONValue { .double(Double(Int.random(in: 199...9999, using: &random)) / 100) }
        switch namespace {
        case "orders":
            let startOver =
                lastType == nil || lastType == "OrderDelivered" && Bool.random(using: &random)
                || lastType == "OrderNoteAdded" && Bool.random(using: &random)
            if startOver {
                return (
                    "OrderPlaced",
                    [
                        "customer": .string(customers.randomElement(using: &random)!),
                        "items": .array([]), "total": .double(0),
                    ]
                )
            }
            switch lastType {
            case "OrderPlaced", "ItemAdded":
                if lastType == "OrderPlaced" || Int.random(in: 0..<3, using: &random) > 0 {
                    return (
                        "ItemAdded",
                        [
                            "sku": .string(skus.randomElement(using: &random)!),
                            "qty": .integer(Int64.random(in: 1...5, using: &random)), "price": price(),
                        ]
                    )
                }
                return ("OrderPaid", ["payment": .string("payment-\(Int.random(in: 1001...1024, using: &random))")])
            case "OrderPaid":
                return (
                    "OrderShipped",
                    [
                        "carrier": .string(["ups", "dhl", "fedex"].randomElement(using: &random)!),
                        "tracking": .string("TRK\(Int.random(in: 100_000...999_999, using: &random))"),
                    ]
                )
            case "OrderShipped":
                return ("OrderDelivered", ["signedBy": .string(customers.randomElement(using: &random)!)])
            default:
                let note = ["gift wrap", "leave at door", "call first"].randomElement(using: &random)!
                return ("OrderNoteAdded", ["note": .string(note)])
            }
        case "payments":
            switch lastType {
            case "PaymentAuthorized":
                return ("PaymentCaptured", ["amount": price()])
            case "PaymentCaptured" where Int.random(in: 0..<4, using: &random) == 0:
                return ("PaymentRefunded", ["amount": price(), "reason": "customer request"])
            default:
                return (
                    "PaymentAuthorized",
                    [
                        "amount": price(), "currency": .string(["EUR", "USD", "GBP"].randomElement(using: &random)!),
                        "order": .string("order-\(Int.random(in: 1001...1024, using: &random))"),
                    ]
                )
            }
        default:
            switch Int.random(in: 0..<10, using: &random) {
            case 0..<3: return ("StockReceived", ["qty": .integer(Int64.random(in: 10...100, using: &random))])
            case 3..<7:
                return (
                    "StockReserved",
                    [
                        "qty": .integer(Int64.random(in: 1...5, using: &random)),
                        "order": .string("order-\(Int.random(in: 1001...1024, using: &random))"),
                    ]
                )
            default: return ("StockShipped", ["qty": .integer(Int64.random(in: 1...5, using: &random))])
            }
        }
    }
}
