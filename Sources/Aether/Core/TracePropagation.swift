import Instrumentation
import W3CTraceContext

/// W3C trace context across Aether: a save made inside a span records the span in the event's
/// metadata, and the NATS bus carries `traceparent` so a receiver can go on in the same trace.
///
/// Works with whatever instrument the application bootstrapped (swift-distributed-tracing's
/// `InstrumentationSystem`, or a task-local `withTracer`), as long as it propagates W3C
/// `traceparent` (swift-otel's does). Without one, nothing is added and nothing is sent.
public enum TracePropagation {
    /// The header (and carrier key) of the W3C trace parent.
    public static let header = "traceparent"

    /// The current context's `traceparent`, as the instrument in use writes it; nil outside a
    /// span, or when the instrument writes none (or an invalid one).
    public static func currentTraceParent() -> String? {
        guard let context = ServiceContext.current else { return nil }
        var carrier: [String: String] = [:]
        InstrumentationSystem.instrument.inject(context, into: &carrier, using: DictionaryInjector())
        guard let value = carrier[header], ids(of: value) != nil else { return nil }
        return value
    }

    /// The trace id and span id (lower-case hex) a `traceparent` names; nil when it is not one.
    public static func ids(of traceParent: String) -> (traceID: String, spanID: String)? {
        guard let context = try? TraceContext(traceParentHeaderValue: traceParent) else { return nil }
        return (context.traceID.description, context.spanID.description)
    }

    /// A context that continues the trace a `traceparent` names, as the instrument in use reads it.
    public static func context(continuing traceParent: String) -> ServiceContext {
        var context = ServiceContext.current ?? .topLevel
        InstrumentationSystem.instrument.extract([header: traceParent], into: &context, using: DictionaryExtractor())
        return context
    }

    struct DictionaryInjector: Injector {
        func inject(_ value: String, forKey key: String, into carrier: inout [String: String]) {
            carrier[key] = value
        }
    }

    struct DictionaryExtractor: Extractor {
        func extract(key: String, from carrier: [String: String]) -> String? { carrier[key] }
    }
}

extension Event {
    /// This event with `traceId` and `spanId` set from the current span when they are absent
    /// (stores call it on save). Unchanged outside a span, and where the metadata has either.
    public func stampedWithCurrentTrace() -> Event {
        guard metadata?[MetadataKey.traceID] == nil, metadata?[MetadataKey.spanID] == nil,
            let parent = TracePropagation.currentTraceParent(), let ids = TracePropagation.ids(of: parent)
        else { return self }
        var stamped = self
        stamped.traceID = ids.traceID
        stamped.spanID = ids.spanID
        return stamped
    }
}

extension DeliveredEvent {
    /// The publisher's trace, for a receiver to go on in: run the handling in it with
    /// `ServiceContext.withValue(delivered.traceContext) { … }`. Nil when none came.
    public var traceContext: ServiceContext? {
        traceParent.map(TracePropagation.context(continuing:))
    }
}
