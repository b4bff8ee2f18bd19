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
    }

    /// Delivers to local subscribers without validating (the namespace is already known to be
    /// valid, or is Aether's own `__internal__` one).
    package func deliver(
        _ event: Event,
        to namespace: String,
        countAs origin: Origin,
        traceParent: String? = nil
    ) async {
        let subscribers = state.withLock { state -> [EventSubscription] in
            switch origin {
            case .published: state.count(namespace) { $0.published += 1 }
            case .received: state.count(namespace) { $0.received += 1 }
            case .forwarded: break
            }
            var matching: [EventSubscription] = []
            for subscriber in state.exact[namespace] ?? [] where subscriber.filter?.accepts(event) ?? true {
                matching.append(subscriber)
            }
            for subscriber in state.wildcard where subscriber.wants(event, in: namespace) {
                matching.append(subscriber)
            }
            return matching
        }
        switch origin {
        case .published: exporter.count(.published, namespace: namespace)
        case .received: exporter.count(.received, namespace: namespace)
        case .forwarded: break
        }
        guard !subscribers.isEmpty else { return }
        let item = DeliveredEvent(namespace: namespace, event: event, traceParent: traceParent)
        var delivered = 0
        var drops: [String: Int] = [:]
        for subscriber in subscribers {
            if subscriber.options.overflow == .block {
                if await subscriber.offerWaiting(item) { delivered += 1 }
                continue
            }
            switch subscriber.offer(item) {
            case .delivered: delivered += 1
            case .droppedNewest: drops[namespace, default: 0] += 1
            case .droppedOldest(let droppedNamespace):
                delivered += 1
                drops[droppedNamespace, default: 0] += 1
            case .closed, nil: break
            }
        }
        state.withLock { state in
            state.count(namespace) { $0.delivered += delivered }
            for (droppedNamespace, count) in drops {
                state.count(droppedNamespace) { $0.dropped += count }
            }
        }
        exporter.count(.delivered, namespace: namespace, by: delivered)
        for (droppedNamespace, count) in drops {
            exporter.count(.dropped, namespace: droppedNamespace, by: count)
        }
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
