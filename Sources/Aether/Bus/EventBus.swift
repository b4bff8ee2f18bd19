/// Publish/subscribe of events by namespace.
///
/// Contract, for every implementation (checked by the bus contract suite):
/// - A subscriber receives the events published to namespaces its pattern matches (NATS token
///   rules) that pass its filter, in publish order per publisher, and nothing else.
/// - Each subscriber has a bounded buffer; when it is full the overflow policy decides, and every
///   dropped event is counted (per subscriber and per namespace). No drop is silent.
/// - Ending the iteration of a subscription (break, task cancellation, `cancel()`) unsubscribes.
/// - Wildcard subscriptions cross namespace isolation; give them only to trusted components.
public protocol EventBus: Sendable {
    /// Publishes an event to a namespace.
    /// - Throws: `AetherError` `.invalidNamespace` or an invalid event (nothing is published);
    ///   a backend failure.
    func publish(_ event: Event, to namespace: String) async throws

    /// Subscribes to the namespaces matching `pattern`.
    /// - Throws: `AetherError` `.invalidPattern`.
    func subscribe(
        _ pattern: String,
        filter: SubscriptionFilter?,
        options: SubscriptionOptions
    ) async throws -> EventSubscription

    /// Counters per namespace, as they are now.
    func metrics() -> BusMetrics
}

extension EventBus {
    /// Subscribes with the default options.
    public func subscribe(_ pattern: String, filter: SubscriptionFilter? = nil) async throws -> EventSubscription {
        try await subscribe(pattern, filter: filter, options: SubscriptionOptions())
    }
}

/// An event as a subscriber receives it: with the namespace it was published to.
public struct DeliveredEvent: Sendable, Hashable {
    public var namespace: String
    public var event: Event
    /// The W3C `traceparent` the publisher sent (its span), if any; see `traceContext`.
    public var traceParent: String?

    public init(namespace: String, event: Event, traceParent: String? = nil) {
        self.namespace = namespace
        self.event = event
        self.traceParent = traceParent
    }
}

/// How a subscriber buffers.
public struct SubscriptionOptions: Sendable, Hashable {
    /// What happens to an event that arrives while the subscriber's buffer is full.
    public enum OverflowPolicy: Sendable, Hashable {
        /// Drop the arriving event (the original's behaviour).
        case dropNewest
        /// Drop the oldest buffered event to make room.
        case dropOldest
        /// Make the publisher wait until there is room. One slow subscriber slows every publisher.
        case block
    }

    /// Events a subscriber may hold unread; at least 1. Default 100, as the original.
    public var bufferSize: Int
    public var overflow: OverflowPolicy

    public init(bufferSize: Int = 100, overflow: OverflowPolicy = .dropNewest) {
        precondition(bufferSize >= 1, "bufferSize must be at least 1, got \(bufferSize)")
        self.bufferSize = bufferSize
        self.overflow = overflow
    }
}

/// Counters of one namespace (or, for `activeSubscriptions`, of one pattern).
public struct NamespaceMetrics: Sendable, Hashable {
    /// Events published to the namespace through this bus (local publishes).
    public var published: Int = 0
    /// Events received from other nodes (NATS bus only).
    public var received: Int = 0
    /// Deliveries into subscriber buffers (one event to three subscribers counts three).
    public var delivered: Int = 0
    /// Deliveries dropped because a subscriber's buffer was full.
    public var dropped: Int = 0
    /// Messages from other clients that could not be decoded or broke the naming and version
    /// rules a save checks; never delivered (NATS bus only).
    public var decodeErrors: Int = 0
    /// Publishes that failed.
    public var publishErrors: Int = 0

    public init() {}
}

/// A received message the bus skipped (counted in `decodeErrors`): where it came, why, and how
/// it began, for an operator to find the writer.
public struct BusProblem: Sendable, Hashable {
    /// 1 for the first problem the bus saw, and so on: new ones are those above the last seen.
    public var number: Int
    public var subject: String
    /// The namespace it is counted under.
    public var namespace: String
    public var reason: String
    /// Its first bytes (at most 64).
    public var firstBytes: [UInt8]

    public init(number: Int, subject: String, namespace: String, reason: String, firstBytes: [UInt8]) {
        self.number = number
        self.subject = subject
        self.namespace = namespace
        self.reason = reason
        self.firstBytes = firstBytes
    }
}

/// A bus's counters.
public struct BusMetrics: Sendable, Hashable {
    /// Counters by namespace.
    public var namespaces: [String: NamespaceMetrics]
    /// Live subscriptions by pattern (an exact namespace is its own pattern).
    public var activeSubscriptions: [String: Int]
    /// The last skipped messages (at most ``recentProblemsLimit``), oldest first.
    public var recentProblems: [BusProblem] = []
    public static let recentProblemsLimit = 16

    public init(namespaces: [String: NamespaceMetrics] = [:], activeSubscriptions: [String: Int] = [:]) {
        self.namespaces = namespaces
        self.activeSubscriptions = activeSubscriptions
    }

    /// The key under which messages on a subject whose namespace breaks the naming rules are
    /// counted. It is not a valid namespace, so it never stands for a real one.
    public static let invalidNamespace = "(invalid namespace)"

    /// The most namespaces a bus keeps counters for; more are counted under
    /// ``otherNamespaces``, so a flood of new names cannot grow memory without end.
    public static let maxNamespaces = 10_000
    /// Where namespaces past ``maxNamespaces`` are counted.
    public static let otherNamespaces = "(other namespaces)"

    /// The key `namespace` is counted under in `counters`.
    public static func key(for namespace: String, in counters: [String: NamespaceMetrics]) -> String {
        counters[namespace] != nil || counters.count < maxNamespaces ? namespace : otherNamespaces
    }

    public var totalDecodeErrors: Int { namespaces.values.reduce(0) { $0 + $1.decodeErrors } }

    public subscript(namespace: String) -> NamespaceMetrics {
        namespaces[namespace] ?? NamespaceMetrics()
    }

    public var totalActiveSubscriptions: Int { activeSubscriptions.values.reduce(0, +) }
    public var totalPublished: Int { namespaces.values.reduce(0) { $0 + $1.published } }
    public var totalDelivered: Int { namespaces.values.reduce(0) { $0 + $1.delivered } }
    public var totalDropped: Int { namespaces.values.reduce(0) { $0 + $1.dropped } }
}
