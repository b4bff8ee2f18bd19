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

        /// The counter a delivery of this origin adds to; nil when the forwarder counts it.
        var counter: WritableKeyPath<NamespaceMetrics, Int>? {
            switch self {
            case .published: \.published
            case .received: \.received
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
    /// matching, one per subscriber that never waits, and one for the counters. Subscribers that
    /// block get the events one at a time and in turn, as single deliveries give them.
    ///
    /// Subscribers are matched once, at the start of the burst (the NATS bus hands over at most
    /// ``NATSEventBus/deliverySlice`` events at a time).
    package func deliver(_ items: [DeliveredEvent], countAs origin: Origin) async {
        guard !items.isEmpty else { return }
        var plan = state.withLock { state -> Plan in
            var plan = Plan()
            for item in items {
                if let counter = origin.counter { plan.counted.update(item.namespace) { $0[keyPath: counter] += 1 } }
                var matched = false
                var blocking: [EventSubscription] = []
                func add(_ subscriber: EventSubscription) {
                    matched = true
                    if subscriber.options.overflow == .block {
                        blocking.append(subscriber)
                    } else {
                        plan.immediate.update(ObjectIdentifier(subscriber), default: Recipient(subscriber: subscriber))
                        {
                            $0.items.append(item)
                        }
                    }
                }
                for subscriber in state.exact[item.namespace] ?? []
                where subscriber.filter?.accepts(item.event) ?? true {
                    add(subscriber)
                }
                for subscriber in state.wildcard where subscriber.wants(item.event, in: item.namespace) {
                    add(subscriber)
                }
                // The outcome is counted under the event's namespace even when nothing was
                // delivered, and namespaces take their counters in the order events name them.
                if matched { plan.outcome.update(item.namespace) { _ in } }
                if !blocking.isEmpty { plan.waiting.append((item, blocking)) }
            }
            state.metrics.namespaces.add(plan.counted)
            return plan
        }
        exporter.count(plan.counted)
        if plan.outcome.isEmpty { return }
        for (_, recipient) in plan.immediate.entries {
            recipient.subscriber.offer(contentsOf: recipient.items, counting: &plan.outcome)
        }
        for (item, subscribers) in plan.waiting {
            for subscriber in subscribers {
                if await subscriber.offerWaiting(item) { plan.outcome.update(item.namespace) { $0.delivered += 1 } }
            }
        }
        state.withLock { $0.metrics.namespaces.add(plan.outcome) }
        exporter.count(plan.outcome)
    }

    /// What a burst does, decided under the lock.
    private struct Plan {
        /// Published or received, by namespace.
        var counted = NamespaceTally()
        /// Delivered and dropped, by namespace.
        var outcome = NamespaceTally()
        /// Subscribers that never wait, each with its events in order.
        var immediate = BurstMap<ObjectIdentifier, Recipient>()
        /// The events for subscribers that block, in order, each with those subscribers.
        var waiting: [(item: DeliveredEvent, subscribers: [EventSubscription])] = []
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

/// Counters by namespace over a burst, in the order the burst first named each namespace.
typealias NamespaceTally = BurstMap<String, NamespaceMetrics>

extension BurstMap where Key == String, Value == NamespaceMetrics {
    mutating func update(_ namespace: String, _ change: (inout NamespaceMetrics) -> Void) {
        update(namespace, default: NamespaceMetrics(), change)
    }
}

extension [String: NamespaceMetrics] {
    /// Counts for `namespace`, or for ``BusMetrics/otherNamespaces`` past the cap.
    mutating func count(_ namespace: String, _ change: (inout NamespaceMetrics) -> Void) {
        change(&self[BusMetrics.key(for: namespace, in: self), default: NamespaceMetrics()])
    }

    /// Adds a burst's counts, each namespace in the order the burst named it.
    mutating func add(_ tally: NamespaceTally) {
        for (namespace, counts) in tally.entries { count(namespace) { $0.add(counts) } }
    }
}

extension NamespaceMetrics {
    mutating func add(_ other: NamespaceMetrics) {
        published += other.published
        received += other.received
        delivered += other.delivered
        dropped += other.dropped
        decodeErrors += other.decodeErrors
        publishErrors += other.publishErrors
    }
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

    /// Counts a burst: every exported counter of every namespace, in the order the burst named them.
    func count(_ tally: NamespaceTally) {
        for (namespace, counts) in tally.entries {
            count(.published, namespace: namespace, by: counts.published)
            count(.received, namespace: namespace, by: counts.received)
            count(.delivered, namespace: namespace, by: counts.delivered)
            count(.dropped, namespace: namespace, by: counts.dropped)
            count(.decodeErrors, namespace: namespace, by: counts.decodeErrors)
        }
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
