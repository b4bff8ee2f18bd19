import AetherNATS
import DequeModule
import Logging
import NIOCore
import Synchronization

/// An event bus across nodes, on NATS core pub/sub, wire-compatible with the Go original.
///
/// - Subject `aether.events.<namespace>` (prefix configurable); payload
///   `{"node_id": …, "namespace_id": …, "event": {…}}`.
/// - Local subscribers get a node's own events at once, and not a second time when NATS echoes
///   them back (matched by `node_id`).
/// - Each distinct pattern is one NATS subscription (`aether.events.<pattern>`, wildcards done by
///   the server), shared by the local subscribers of that pattern and dropped with the last one.
///   Filters apply on receipt.
/// - A message from another client that cannot be decoded, whose `namespace_id` disagrees
///   with its subject, or whose event breaks the rules a save checks (namespace tokens, actor
///   ID and event type without control characters, version > 0, a non-empty id) is counted
///   (`decodeErrors`) and never delivered. A subject whose namespace breaks the naming rules is
///   counted under `BusMetrics.invalidNamespace`.
/// - Subscriptions survive reconnects (the NATS client makes them again).
public final class NATSEventBus: EventBus, EventStoredSink {
    public let nodeID: String
    public let subjectPrefix: String
    let client: NATSClient
    let logger: Logger

    private struct Remote {
        /// The subscription's namespace pattern, compiled once (every publish matches it).
        var pattern: TokenPattern
        var bus: LocalEventBus
        var subscription: NATSSubscription
        var reader: Task<Void, Never>?
        var references: Int
    }

    private struct State {
        var patterns: [String: Remote] = [:]
        var counters: [String: NamespaceMetrics] = [:]
        var closed = false
        var problems: Deque<BusProblem> = []
        var problemCount = 0

        /// The newest of `skipped` skipped messages (`kept`); the numbers count them all.
        mutating func record(_ kept: [BusProblem], skipped: Int) {
            problemCount += skipped - kept.count
            for var problem in kept {
                problemCount += 1
                problem.number = problemCount
                problems.append(problem)
                if problems.count > BusMetrics.recentProblemsLimit { problems.removeFirst() }
            }
        }
    }

    private let state = Mutex(State())
    private let exporter = MetricsExporter()

    /// - Parameters:
    ///   - nodeID: this node's id (a UUID by default), sent in every envelope.
    ///   - subjectPrefix: `aether.events` as the original.
    public init(
        client: NATSClient,
        nodeID: String = Event.makeID(),
        subjectPrefix: String = "aether.events",
        logger: Logger = Logger(label: "aether.bus", factory: { _ in SwiftLogNoOpLogHandler() })
    ) {
        self.client = client
        self.nodeID = nodeID
        self.subjectPrefix = subjectPrefix
        self.logger = logger
    }

    // MARK: publishing

    public func publish(_ event: Event, to namespace: String) async throws {
        try Identifiers.validateNamespace(namespace)
        try event.validate()
        try await send(event, to: namespace)
    }

    public func eventStored(_ notification: EventStored) async {
        do {
            try await send(notification.asEvent(), to: EventStored.busNamespace(for: notification.namespace))
        } catch {
            logger.warning(
                "EventStored not published",
                metadata: ["namespace": "\(notification.namespace)", "error": "\(error)"]
            )
        }
    }

    private func send(_ event: Event, to namespace: String) async throws {
        var envelope: [UInt8] = []
        envelope.reserveCapacity(256)
        envelope.append(contentsOf: #"{"node_id":"#.utf8)
        JSONWriter.writeString(nodeID, to: &envelope)
        envelope.append(contentsOf: #","namespace_id":"#.utf8)
        JSONWriter.writeString(namespace, to: &envelope)
        envelope.append(contentsOf: #","event":"#.utf8)
        event.writeJSON(to: &envelope)
        envelope.append(UInt8(ascii: "}"))
        // The publisher's span goes along as W3C `traceparent` (nothing without one).
        let traceParent = TracePropagation.currentTraceParent()
        do {
            try client.publish(
                ByteBuffer(bytes: envelope),
                to: "\(subjectPrefix).\(namespace)",
                headers: traceParent.map { [TracePropagation.header: $0] }
            )
        } catch {
            state.withLock { $0.counters.count(namespace) { $0.publishErrors += 1 } }
            switch error.code {
            case .payloadTooLarge:
                throw AetherError(
                    code: .payloadTooLarge,
                    message: "event \(event.id) to namespace \(namespace): \(error.message)",
                    cause: error
                )
            case .connectionClosed, .bufferFull, .draining:
                throw AetherError(
                    code: .unavailable,
                    message: "event \(event.id) to namespace \(namespace): \(error.message)",
                    cause: error
                )
            default:
                throw AetherError(
                    code: .backend,
                    message: "event \(event.id) to namespace \(namespace): \(error.message)",
                    cause: error
                )
            }
        }
        let buses = state.withLock { state -> [LocalEventBus] in
            state.counters.count(namespace) { $0.published += 1 }
            return state.patterns.values.filter { $0.pattern.matches(namespace) }.map(\.bus)
        }
        exporter.count(.published, namespace: namespace)
        for bus in buses { await bus.deliver(event, to: namespace, countAs: .forwarded, traceParent: traceParent) }
    }

    // MARK: subscribing

    public func subscribe(
        _ pattern: String,
        filter: SubscriptionFilter?,
        options: SubscriptionOptions
    ) async throws -> EventSubscription {
        let compiled = try TokenPattern(namespacePattern: pattern)
        let (bus, started) = try state.withLock { state throws -> (LocalEventBus, NATSSubscription?) in
            if state.closed { throw AetherError(code: .closed, message: "the bus is closed") }
            if var remote = state.patterns[pattern] {
                remote.references += 1
                state.patterns[pattern] = remote
                return (remote.bus, nil)
            }
            let subscription: NATSSubscription
            do {
                // Messages the client could not buffer are counted as drops of their namespace.
                subscription = try client.subscribeNoWait(to: "\(subjectPrefix).\(pattern)") { [weak self] message in
                    self?.countDrop(message)
                }
            } catch let error as NATSError {
                throw AetherError(error, context: "subscribing to \(pattern)")
            }
            let bus = LocalEventBus()
            state.patterns[pattern] = Remote(
                pattern: compiled,
                bus: bus,
                subscription: subscription,
                reader: nil,
                references: 1
            )
            return (bus, subscription)
        }
        if let started {
            // The reader starts outside the lock; it ends when the NATS subscription does.
            let reader = Task { [weak self] in
                while true {
                    let burst = await started.nextBatch(max: 256)
                    if burst.isEmpty { return }
                    await self?.receive(burst, into: bus)
                }
            }
            let orphaned = state.withLock { state -> Bool in
                guard state.patterns[pattern]?.subscription === started else { return true }
                state.patterns[pattern]?.reader = reader
                return false
            }
            if orphaned { reader.cancel() }
        }
        if started != nil {
            // The server has the subscription once this round trip is back.
            try? await client.flush()
        }
        let subscription = try bus.subscribeNow(pattern, filter: filter, options: options)
        subscription.setOnCancel { [weak self] in self?.release(pattern) }
        return subscription
    }

    private func release(_ pattern: String) {
        let ended = state.withLock { state -> Remote? in
            guard var remote = state.patterns[pattern] else { return nil }
            remote.references -= 1
            if remote.references > 0 {
                state.patterns[pattern] = remote
                return nil
            }
            state.patterns[pattern] = nil
            return remote
        }
        if let ended {
            ended.subscription.unsubscribe()
            ended.reader?.cancel()
        }
    }

    /// How many received messages are decoded, counted and delivered together. Small next to a
    /// subscriber's buffer (100 by default), so that its reader, woken by the first event, can
    /// drain it while the next slice is decoded, as it could between single deliveries.
    static let deliverySlice = 32

    /// Decodes a burst slice by slice, counts each slice once per namespace, in the order its
    /// messages name them, and delivers what is valid, in order.
    private func receive(_ burst: [NATSMessage], into bus: LocalEventBus) async {
        for start in stride(from: 0, to: burst.count, by: Self.deliverySlice) {
            await receive(burst[start..<min(start + Self.deliverySlice, burst.count)], into: bus)
        }
    }

    private func receive(_ slice: ArraySlice<NATSMessage>, into bus: LocalEventBus) async {
        var items: [DeliveredEvent] = []
        items.reserveCapacity(slice.count)
        var counted = NamespaceTally()
        var skipped: [(message: NATSMessage, namespace: String, valid: Bool)] = []
        for message in slice {
            let (namespace, validNamespace) = namespace(of: message.subject)
            guard validNamespace,
                let envelope = Self.envelope(message.payload.readableBytesView),
                let node = envelope.node,
                envelope.namespace == namespace,
                let eventFields = envelope.event,
                let event = try? Event(members: eventFields),
                (try? event.validate()) != nil
            else {
                // Undecodable, lying about its namespace, or breaking the rules a save checks
                // (docs/WIRE-FORMAT.md): counted, never delivered, and kept among the recent
                // problems with why.
                counted.update(namespace) { $0.decodeErrors += 1 }
                skipped.append((message, namespace, validNamespace))
                logger.debug(
                    "invalid bus message skipped",
                    metadata: ["subject": "\(Identifiers.quoted(message.subject))"]
                )
                continue
            }
            if node == nodeID { continue }  // our own, already delivered locally
            counted.update(namespace) { $0.received += 1 }
            // A traceparent that is not one is dropped (the event still arrives).
            let traceParent = message.headers?[TracePropagation.header].flatMap {
                TracePropagation.ids(of: $0) == nil ? nil : $0
            }
            items.append(DeliveredEvent(namespace: namespace, event: event, traceParent: traceParent))
        }
        if !counted.isEmpty {
            // Why, for the ones kept only (a flood of bad messages costs no more than before).
            let kept = skipped.suffix(BusMetrics.recentProblemsLimit).map { item in
                BusProblem(
                    number: 0,  // numbered under the lock
                    subject: item.message.subject,
                    namespace: item.namespace,
                    reason: Self.whySkipped(item.message, namespace: item.valid ? item.namespace : nil),
                    firstBytes: Array(item.message.payload.readableBytesView.prefix(64))
                )
            }
            state.withLock { state in
                state.counters.add(counted)
                state.record(kept, skipped: skipped.count)
            }
            exporter.count(counted)
        }
        await bus.deliver(items, countAs: .forwarded)
    }

    /// Why a received message is not delivered (the slow path: for skipped ones only).
    static func whySkipped(_ message: NATSMessage, namespace: String?) -> String {
        guard let namespace else { return "its subject's namespace is not a valid name" }
        guard let envelope = envelope(message.payload.readableBytesView) else {
            return "not a JSON envelope object"
        }
        guard envelope.node != nil else { return "the envelope has no node_id" }
        guard let claimed = envelope.namespace else { return "the envelope has no namespace_id" }
        guard claimed == namespace else {
            return
                "its namespace_id \(Identifiers.quoted(claimed)) is not its subject's \(Identifiers.quoted(namespace))"
        }
        guard let fields = envelope.event else { return "the envelope has no event object" }
        do {
            try Event(members: fields).validate()
        } catch {
            return "its event: \(error.message)"
        }
        return "not an event"
    }

    /// The namespace a subject is for. One that breaks the naming rules is counted under one key
    /// of its own, so a hostile subject neither reaches a screen nor grows the counters without
    /// end. Aether's own `__internal__.<namespace>` notifications have valid tokens too.
    private func namespace(of subject: String) -> (namespace: String, valid: Bool) {
        // The subject matched `<prefix>.<pattern>`, so it starts with the prefix's bytes and a dot.
        let bytes = subject.utf8
        let skip = subjectPrefix.utf8.count + 1
        let namespace =
            bytes.count > skip ? String(Substring(bytes[bytes.index(bytes.startIndex, offsetBy: skip)...])) : ""
        do {
            try Identifiers.validateNamespaceTokens(
                namespace,
                allowWildcards: false,
                code: .invalidNamespace,
                kind: "namespace"
            )
            return (namespace, true)
        } catch {
            return (BusMetrics.invalidNamespace, false)
        }
    }

    /// A message the NATS client dropped (its buffer was full), counted under its namespace.
    private func countDrop(_ message: NATSMessage) {
        let namespace = namespace(of: message.subject).namespace
        state.withLock { $0.counters.count(namespace) { $0.dropped += 1 } }
        exporter.count(.dropped, namespace: namespace)
    }

    /// The envelope's fields, read in one pass without building dictionaries; nil when the
    /// bytes are not a JSON object. A field of the wrong type is left nil.
    static func envelope(
        _ bytes: some Collection<UInt8>
    ) -> (node: String?, namespace: String?, event: EventFields?)? {
        let envelope = try? JSONParser.parsing(bytes) {
            parser throws(JSONParseError) -> (node: String?, namespace: String?, event: EventFields?)? in
            guard parser.nextValueByte() == UInt8(ascii: "{") else { return nil }
            var node: String?
            var namespace: String?
            var event: EventFields?
            try parser.visitKeyedMembers { (key, parser) throws(JSONParseError) in
                if key.is("event") {
                    if parser.nextValueByte() == UInt8(ascii: "{") {
                        event = try EventFields.parse(&parser)
                    } else {
                        event = nil
                        _ = try parser.parseNextValue()
                    }
                } else if key.is("node_id") {
                    node = try parser.parseNextValue().stringValue
                } else if key.is("namespace_id") {
                    namespace = try parser.parseNextValue().stringValue
                } else {
                    _ = try parser.parseNextValue()
                }
            }
            try parser.finishDocument()
            return (node, namespace, event)
        }
        return envelope ?? nil
    }

    // MARK: metrics

    public func metrics() -> BusMetrics {
        let (counters, buses, problems) = state.withLock {
            ($0.counters, $0.patterns.values.map(\.bus), Array($0.problems))
        }
        var metrics = BusMetrics(namespaces: counters)
        metrics.recentProblems = problems
        for bus in buses {
            let local = bus.metrics()
            for (namespace, figures) in local.namespaces {
                metrics.namespaces.count(namespace) {
                    $0.delivered += figures.delivered
                    $0.dropped += figures.dropped
                }
            }
            for (pattern, count) in local.activeSubscriptions {
                metrics.activeSubscriptions[pattern, default: 0] += count
            }
        }
        return metrics
    }

    /// Ends every subscription and stops receiving. The NATS client stays open.
    public func close() {
        let remotes = state.withLock { state -> [Remote] in
            state.closed = true
            let remotes = Array(state.patterns.values)
            return remotes
        }
        for remote in remotes { remote.bus.close() }
    }
}
