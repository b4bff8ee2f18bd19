/// Sent after a store saved an event, never after a conflict or a failure.
///
/// On a bus it travels as an `Event` of type `EventStored` in namespace
/// `__internal__.<store namespace>`, with `data` `{"eventId","actorId","namespace","version","timestamp"}`.
public struct EventStored: Sendable, Hashable {
    public static let eventType = "EventStored"

    public var eventID: String
    public var actorID: String
    public var namespace: String
    public var version: Int64
    /// When the store saved the event.
    public var timestamp: Timestamp

    public init(eventID: String, actorID: String, namespace: String, version: Int64, timestamp: Timestamp) {
        self.eventID = eventID
        self.actorID = actorID
        self.namespace = namespace
        self.version = version
        self.timestamp = timestamp
    }

    /// The namespace a bus carries the notifications of a store's namespace on.
    public static func busNamespace(for namespace: String) -> String {
        "\(Identifiers.internalNamespaceToken).\(namespace)"
    }

    /// This notification as a bus event.
    public func asEvent() -> Event {
        Event(
            id: "stored-\(eventID)",
            eventType: Self.eventType,
            actorID: actorID,
            version: version,
            data: [
                "eventId": .string(eventID),
                "actorId": .string(actorID),
                "namespace": .string(namespace),
                "version": .integer(version),
                "timestamp": .string(timestamp.rfc3339),
            ],
            timestamp: timestamp
        )
    }

    /// Reads a notification back from a bus event; nil when the event is not one.
    public init?(event: Event) {
        guard event.eventType == Self.eventType, let eventID = event.data["eventId"]?.stringValue,
            let actorID = event.data["actorId"]?.stringValue, let namespace = event.data["namespace"]?.stringValue,
            let version = event.data["version"]?.integerValue
        else { return nil }
        self.init(
            eventID: eventID,
            actorID: actorID,
            namespace: namespace,
            version: version,
            timestamp: event.timestamp
        )
    }
}

/// Receives `EventStored` notifications from a store.
public protocol EventStoredSink: Sendable {
    /// Called after each successful save, by the saving task, before the save returns.
    /// Concurrent saves may notify in any order. MUST NOT block for long.
    func eventStored(_ notification: EventStored) async
}

extension EventStoredSink {
    /// Sends `EventStored` for each saved event, in order, all stamped `time`.
    public func eventsStored(_ events: [Event], namespace: String, at time: Timestamp) async {
        for event in events {
            await eventStored(
                EventStored(
                    eventID: event.id,
                    actorID: event.actorID,
                    namespace: namespace,
                    version: event.version,
                    timestamp: time
                )
            )
        }
    }
}
