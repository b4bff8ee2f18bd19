import Aether
import InMemoryTracing
import Instrumentation
import Tracing
import W3CTraceContext

/// swift-distributed-tracing's in-memory tracer, propagating W3C `traceparent` (the in-memory
/// tracer's own carrier keys are not W3C): the tracer the trace-context tests run under.
public struct W3CInMemoryTracer: Tracer {
    public typealias Span = InMemorySpan
    public let inner: InMemoryTracer

    public init() {
        inner = InMemoryTracer(
            idGenerator: InMemoryTracer.IDGenerator(
                nextTraceID: { TraceID.random().description },
                nextSpanID: { SpanID.random().description }
            )
        )
    }

    public func startSpan<Instant: TracerInstant>(
        _ operationName: String,
        context: @autoclosure () -> ServiceContext,
        ofKind kind: SpanKind,
        at instant: @autoclosure () -> Instant,
        function: String,
        file fileID: String,
        line: UInt
    ) -> InMemorySpan {
        inner.startSpan(
            operationName,
            context: context(),
            ofKind: kind,
            at: instant(),
            function: function,
            file: fileID,
            line: line
        )
    }

    public func forceFlush() { inner.forceFlush() }

    public func activeSpan(identifiedBy context: ServiceContext) -> InMemorySpan? {
        inner.activeSpan(identifiedBy: context)
    }

    public func inject<Carrier, Inject>(
        _ context: ServiceContext,
        into carrier: inout Carrier,
        using injector: Inject
    ) where Inject: Injector, Carrier == Inject.Carrier {
        guard let span = context.inMemorySpanContext else { return }
        injector.inject("00-\(span.traceID)-\(span.spanID)-01", forKey: "traceparent", into: &carrier)
    }

    public func extract<Carrier, Extract>(
        _ carrier: Carrier,
        into context: inout ServiceContext,
        using extractor: Extract
    ) where Extract: Extractor, Carrier == Extract.Carrier {
        guard let value = extractor.extract(key: "traceparent", from: carrier),
            let parsed = try? TraceContext(traceParentHeaderValue: value)
        else { return }
        context.inMemorySpanContext = InMemorySpanContext(
            traceID: parsed.traceID.description,
            spanID: parsed.spanID.description,
            parentSpanID: nil
        )
    }

    public var finishedSpans: [FinishedInMemorySpan] { inner.finishedSpans }

    /// The names of the spans that ended, in order.
    public var finishedSpanNames: [String] { inner.finishedSpans.map(\.operationName) }
}

/// Spans for tests that do not import the tracing modules themselves.
public enum TestTracing {
    /// Runs `body` inside a span named `name` of `tracer` (bound to this task, not globally);
    /// `body` gets the span's trace id and span id.
    public static func inSpan<T: Sendable>(
        _ name: String,
        tracer: W3CInMemoryTracer,
        _ body: @Sendable (_ traceID: String, _ spanID: String) async throws -> T
    ) async throws -> T {
        try await withTracer(tracer) {
            try await tracer.withSpan(name) { span in
                try await body(span.context.inMemorySpanContext!.traceID, span.context.inMemorySpanContext!.spanID)
            }
        }
    }

    /// Handles a delivered event in a span of its own, in the publisher's trace when it carried
    /// one: the handling span's trace id and parent span id.
    public static func handle(
        _ delivered: DeliveredEvent,
        tracer: W3CInMemoryTracer
    ) -> (traceID: String, parentSpanID: String?) {
        withTracer(tracer) {
            let context = delivered.traceContext ?? .topLevel
            return tracer.withSpan("handle \(delivered.event.eventType)", context: context) { span in
                let own = span.context.inMemorySpanContext!
                return (own.traceID, own.parentSpanID)
            }
        }
    }
}
