import Metrics
import Synchronization

/// An in-process event bus.
///
/// Exact-namespace subscribers are kept in a dictionary and wildcard subscribers in a list, so a
/// publish looks up its exact subscribers directly. Counters are readable through `metrics()`
/// and exported through swift-metrics (`aether_bus_*_total`, dimension `namespace`).
public final class LocalEventBus: EventBus {
    private struct State {
        var exact: [String: [EventSubscription]] = [:]
        var wildcard: [EventSubscription] = []
        var metrics = BusMetrics()

        /// Counts for `namespace`, or for ``BusMetrics/otherNamespaces`` past the cap.
        mutating func count(_ namespace: String, _ change: (inout NamespaceMetrics) -> Void) {
            let key = BusMetrics.key(for: namespace, in: metrics.namespaces)
            change(&metrics.namespaces[key, default: NamespaceMetrics()])
        }
    }

    private let state = Mutex(State())
    private let exporter = MetricsExporter()

    public init() {}

    /// How many namespaces the exported metrics cover (for tests of the cap).
    package var exportedNamespaces: Int { exporter.exportedNamespaces }

    public func publish(_ event: Event, to namespace: String) async throws {
        try Identifiers.validateNamespace(namespace)
        try event.validate()
        await deliver(event, to: namespace, countAs: .published, traceParent: TracePropagation.currentTraceParent())
    }

    /// How a delivery is counted: a local publish, or an event received from another node.
    package enum Origin {
        case published
        case received
        /// Counted by whoever forwards it (the NATS bus); here only deliveries and drops count.
        case forwarded

        var exported: MetricsExporter.Kind? {
            switch self {
            case .published: .published
            case .received: .received
            case .forwarded: nil
            }
        }
    }

    /// Delivers to local subscribers without validating (the namespace is already known to be
    /// valid, or is Aether's own `__internal__` one).
    package func deliver(
        _ event: Event,
        to namespace: String,
        countAs origin: Origin,
        traceParent: String? = nil
    ) async {
        await deliver([DeliveredEvent(namespace: namespace, event: event, traceParent: traceParent)], countAs: origin)
    }

    /// Delivers a burst in order, as one delivery per event would, with one lock for the
    /// matching, one per subscriber for its buffer and one for the counters.
    package func deliver(_ items: [DeliveredEvent], countAs origin: Origin) async {
        guard !items.isEmpty else { return }
        let (counted, recipients) = state.withLock { state -> (NamespaceTally, [Recipient]) in
            var counted = NamespaceTally()
            var recipients = BurstMap<ObjectIdentifier, Recipient>()
            for item in items {
                if origin != .forwarded { counted.add(item.namespace) }
                for subscriber in state.exact[item.namespace] ?? []
                where subscriber.filter?.accepts(item.event) ?? true {
                    recipients.update(ObjectIdentifier(subscriber), default: Recipient(subscriber: subscriber)) {
                        $0.items.append(item)
                    }
                }
                for subscriber in state.wildcard where subscriber.wants(item.event, in: item.namespace) {
                    recipients.update(ObjectIdentifier(subscriber), default: Recipient(subscriber: subscriber)) {
                        $0.items.append(item)
                    }
                }
            }
            switch origin {
            case .published:
                for (namespace, count) in counted.counts { state.count(namespace) { $0.published += count } }
            case .received: for (namespace, count) in counted.counts { state.count(namespace) { $0.received += count } }
            case .forwarded: break
            }
            return (counted, recipients.entries.map(\.value))
        }
        if let kind = origin.exported {
            for (namespace, count) in counted.counts { exporter.count(kind, namespace: namespace, by: count) }
        }
        guard !recipients.isEmpty else { return }
        var delivered = NamespaceTally()
        var drops = NamespaceTally()
        // Subscribers that never wait get their events first; then those that block, in turn.
        for recipient in recipients where recipient.subscriber.options.overflow != .block {
            recipient.subscriber.offer(contentsOf: recipient.items, delivered: &delivered, dropped: &drops)
        }
        for recipient in recipients where recipient.subscriber.options.overflow == .block {
            for item in recipient.items {
                if await recipient.subscriber.offerWaiting(item) { delivered.add(item.namespace) }
            }
        }
        state.withLock { state in
            for (namespace, count) in delivered.counts { state.count(namespace) { $0.delivered += count } }
            for (namespace, count) in drops.counts { state.count(namespace) { $0.dropped += count } }
        }
        for (namespace, count) in delivered.counts { exporter.count(.delivered, namespace: namespace, by: count) }
        for (namespace, count) in drops.counts { exporter.count(.dropped, namespace: namespace, by: count) }
    }

    /// A subscriber and the events of a burst it gets, in order.
    private struct Recipient {
        var subscriber: EventSubscription
        var items: [DeliveredEvent] = []
    }

    public func subscribe(
        _ pattern: String,
        filter: SubscriptionFilter?,
        options: SubscriptionOptions
    ) async throws -> EventSubscription {
        try subscribeNow(pattern, filter: filter, options: options)
    }

    /// Subscribes synchronously (the local bus never waits to subscribe).
    /// - Throws: `AetherError` `.invalidPattern`.
    public func subscribeNow(
        _ pattern: String,
        filter: SubscriptionFilter? = nil,
        options: SubscriptionOptions = SubscriptionOptions()
    ) throws(AetherError) -> EventSubscription {
        let compiled = try TokenPattern(namespacePattern: pattern)
        let subscription = EventSubscription(pattern: compiled, filter: filter, options: options)
        let count = state.withLock { state -> Int in
            if compiled.isWildcard {
                state.wildcard.append(subscription)
            } else {
                state.exact[pattern, default: []].append(subscription)
            }
            state.metrics.activeSubscriptions[pattern, default: 0] += 1
            return state.metrics.activeSubscriptions[pattern, default: 0]
        }
        exporter.setActive(count, pattern: pattern)
        subscription.setOnCancel { [weak self] in self?.remove(subscription) }
        return subscription
    }

    private func remove(_ subscription: EventSubscription) {
        let pattern = subscription.pattern
        let count = state.withLock { state -> Int in
            if subscription.compiledPattern.isWildcard {
                state.wildcard.removeAll { $0 === subscription }
            } else {
                state.exact[pattern]?.removeAll { $0 === subscription }
                if state.exact[pattern]?.isEmpty == true { state.exact[pattern] = nil }
            }
            let remaining = (state.metrics.activeSubscriptions[pattern] ?? 1) - 1
            state.metrics.activeSubscriptions[pattern] = remaining > 0 ? remaining : nil
            return max(remaining, 0)
        }
        exporter.setActive(count, pattern: pattern)
    }

    public func metrics() -> BusMetrics {
        state.withLock { $0.metrics }
    }

    /// Ends every subscription.
    public func close() {
        let all = state.withLock { state in state.exact.values.flatMap { $0 } + state.wildcard }
        for subscription in all { subscription.cancel() }
    }
}

extension LocalEventBus: EventStoredSink {
    /// Publishes the notification as an `EventStored` event in `__internal__.<namespace>`.
    public func eventStored(_ notification: EventStored) async {
        await deliver(
            notification.asEvent(),
            to: EventStored.busNamespace(for: notification.namespace),
            countAs: .published
        )
    }
}

/// A map that keeps its keys in the order they were first added, for the few namespaces and
/// subscribers of one burst: searched from its last entry, then along the list while it is
/// short, and through a dictionary once it is long.
struct BurstMap<Key: Hashable, Value> {
    private(set) var entries: [(key: Key, value: Value)] = []
    private var positions: [Key: Int] = [:]

    var isEmpty: Bool { entries.isEmpty }

    mutating func update(_ key: Key, default make: @autoclosure () -> Value, _ change: (inout Value) -> Void) {
        if let last = entries.indices.last, entries[last].key == key {
            change(&entries[last].value)
            return
        }
        let position: Int?
        if entries.count <= 8 {
            position = entries.firstIndex { $0.key == key }
        } else {
            if positions.isEmpty {
                for (index, entry) in entries.enumerated() { positions[entry.key] = index }
            }
            position = positions[key]
        }
        if let position {
            change(&entries[position].value)
        } else {
            if !positions.isEmpty { positions[key] = entries.count }
            var value = make()
            change(&value)
            entries.append((key, value))
        }
    }
}

/// Counts by namespace over a burst.
typealias NamespaceTally = BurstMap<String, Int>

extension BurstMap where Key == String, Value == Int {
    mutating func add(_ namespace: String, _ amount: Int = 1) {
        update(namespace, default: 0) { $0 += amount }
    }

    var counts: [(key: String, value: Int)] { entries }
}

/// Exports bus counters through swift-metrics, caching one handle per namespace and counter.
final class MetricsExporter: Sendable {
    enum Kind: String, Sendable {
        case published = "aether_bus_events_published_total"
        case received = "aether_bus_events_received_total"
        case delivered = "aether_bus_events_delivered_total"
        case dropped = "aether_bus_events_dropped_total"
        case decodeErrors = "aether_bus_decode_errors_total"
    }

    private struct Key: Hashable {
        var kind: String
        var namespace: String
    }

    /// Counters by kind and namespace, and the namespaces they cover.
    private let counters = Mutex<(byKey: [Key: Counter], namespaces: Set<String>)>(([:], []))
    private let gauges = Mutex<[String: Gauge]>([:])

    /// Counts under `namespace`, or under `BusMetrics.otherNamespaces` once counters exist for
    /// `BusMetrics.maxNamespaces` namespaces: a flood of new names cannot grow memory (or a
    /// metrics backend's series) without end.
    func count(_ kind: Kind, namespace: String, by amount: Int = 1) {
        guard amount > 0 else { return }
        let counter = counters.withLock { counters in
            var key = Key(kind: kind.rawValue, namespace: namespace)
            if let existing = counters.byKey[key] { return existing }
            if counters.namespaces.count >= BusMetrics.maxNamespaces, !counters.namespaces.contains(namespace) {
                key.namespace = BusMetrics.otherNamespaces
                if let existing = counters.byKey[key] { return existing }
            }
            counters.namespaces.insert(key.namespace)
            let made = Counter(label: kind.rawValue, dimensions: [("namespace", key.namespace)])
            counters.byKey[key] = made
            return made
        }
        counter.increment(by: amount)
    }

    /// How many namespaces have counters (for tests of the cap).
    package var exportedNamespaces: Int { counters.withLock { $0.namespaces.count } }

    func setActive(_ count: Int, pattern: String) {
        let gauge = gauges.withLock { gauges in
            if let existing = gauges[pattern] { return existing }
            let made = Gauge(label: "aether_bus_active_subscriptions", dimensions: [("pattern", pattern)])
            gauges[pattern] = made
            return made
        }
        gauge.record(count)
    }
}
