/// The five standard metadata keys and helpers for them, as in the original.
extension Event {
    public enum MetadataKey {
        public static let correlationID = "correlationId"
        public static let causationID = "causationId"
        public static let userID = "userId"
        public static let traceID = "traceId"
        public static let spanID = "spanId"
        /// All five, in the order above.
        public static let standard = [correlationID, causationID, userID, traceID, spanID]
    }

    /// Sets one metadata value, creating the map when needed.
    public mutating func setMetadata(_ key: String, _ value: String) {
        if metadata == nil { metadata = [:] }
        metadata?[key] = value
    }

    /// One metadata value, or nil.
    public func metadata(_ key: String) -> String? {
        metadata?[key]
    }

    public var correlationID: String? {
        get { metadata(MetadataKey.correlationID) }
        set { setOrRemove(MetadataKey.correlationID, newValue) }
    }

    public var causationID: String? {
        get { metadata(MetadataKey.causationID) }
        set { setOrRemove(MetadataKey.causationID, newValue) }
    }

    public var userID: String? {
        get { metadata(MetadataKey.userID) }
        set { setOrRemove(MetadataKey.userID, newValue) }
    }

    public var traceID: String? {
        get { metadata(MetadataKey.traceID) }
        set { setOrRemove(MetadataKey.traceID, newValue) }
    }

    public var spanID: String? {
        get { metadata(MetadataKey.spanID) }
        set { setOrRemove(MetadataKey.spanID, newValue) }
    }

    /// Copies the standard keys from the event that caused this one: correlation, user, trace
    /// and span carry over; the causation ID becomes the cause's id; a cause without a
    /// correlation ID lends its own id as the correlation ID. Keys already set here are kept.
    public mutating func copyMetadata(from cause: Event) {
        for key in [MetadataKey.correlationID, MetadataKey.userID, MetadataKey.traceID, MetadataKey.spanID] {
            if metadata(key) == nil, let value = cause.metadata(key) { setMetadata(key, value) }
        }
        if correlationID == nil { correlationID = cause.id }
        if causationID == nil { causationID = cause.id }
    }

    private mutating func setOrRemove(_ key: String, _ value: String?) {
        if let value {
            setMetadata(key, value)
        } else {
            metadata?[key] = nil
        }
    }
}
