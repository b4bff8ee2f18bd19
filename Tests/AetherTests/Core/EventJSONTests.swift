import NIOCore
import Testing

@testable import Aether

/// Fixtures written as the Go original's `encoding/json` writes them: struct fields in
/// declaration order, `omitempty` on commandId and metadata, `time.Time` in RFC3339Nano with
/// the writer's local offset, and maps with sorted keys.
@Suite("Event and snapshot JSON, compatible with the Go original")
struct EventJSONTests {
    static let goEvent =
        #"{"id":"5b7b8a3e-8c1f-4a5e-9d2b-1f0e6c7a9b10","eventType":"OrderPlaced","actorId":"order-123","commandId":"cmd-42","version":1,"data":{"items":[{"qty":2,"sku":"A-1"}],"total":99.99},"metadata":{"correlationId":"corr-1","userId":"u-7"},"timestamp":"2026-01-08T19:30:02.123456789+01:00"}"#

    static let goEventMinimal =
        #"{"id":"e-2","eventType":"OrderShipped","actorId":"order-123","version":2,"data":null,"timestamp":"2026-01-08T18:31:00Z"}"#

    static let goSnapshot =
        #"{"actorId":"order-123","version":2,"state":{"status":"shipped","total":99.99},"timestamp":"2026-01-08T19:32:00.5+01:00"}"#

    @Test("decodes an event written by Go, every field")
    func decodesGoEvent() throws {
        let event = try Event(jsonBytes: Array(Self.goEvent.utf8))
        #expect(event.id == "5b7b8a3e-8c1f-4a5e-9d2b-1f0e6c7a9b10")
        #expect(event.eventType == "OrderPlaced")
        #expect(event.actorID == "order-123")
        #expect(event.commandID == "cmd-42")
        #expect(event.version == 1)
        #expect(event.data["total"] == .double(99.99))
        #expect(event.data["items"] == [["qty": 2, "sku": "A-1"]])
        #expect(event.metadata == ["correlationId": "corr-1", "userId": "u-7"])
        #expect(event.correlationID == "corr-1")
        #expect(event.timestamp.rfc3339 == "2026-01-08T18:30:02.123456789Z")
    }

    @Test("encodes back with Go's keys, in Go's order, omitting nil commandId and metadata")
    func encodesWithGoKeys() throws {
        let event = try Event(jsonBytes: Array(Self.goEvent.utf8))
        #expect(
            event.jsonString()
                == #"{"id":"5b7b8a3e-8c1f-4a5e-9d2b-1f0e6c7a9b10","eventType":"OrderPlaced","actorId":"order-123","commandId":"cmd-42","version":1,"data":{"items":[{"qty":2,"sku":"A-1"}],"total":99.99},"metadata":{"correlationId":"corr-1","userId":"u-7"},"timestamp":"2026-01-08T18:30:02.123456789Z"}"#
        )
        let minimal = try Event(jsonBytes: Array(Self.goEventMinimal.utf8))
        #expect(minimal.data == [:])
        #expect(minimal.commandID == nil)
        #expect(
            minimal.jsonString()
                == #"{"id":"e-2","eventType":"OrderShipped","actorId":"order-123","version":2,"data":{},"timestamp":"2026-01-08T18:31:00Z"}"#
        )
    }

    @Test("an event survives encode and decode unchanged")
    func roundTrip() throws {
        var event = Event(
            eventType: "Paid",
            actorID: "payment.7 ü*>",
            version: 9,
            data: ["amount": 12, "ratio": 0.25, "nested": ["deep": [1, "two", nil]]],
            timestamp: Timestamp(seconds: 1_800_000_000, nanoseconds: 1)
        )
        event.traceID = "t-1"
        #expect(try Event(jsonBytes: event.jsonBytes()) == event)
        #expect(try JSONEncoderShim.decode(Event.self, try JSONEncoderShim.encode(event)) == event)
    }

    @Test("decodes a snapshot written by Go and encodes it back with the same keys")
    func snapshot() throws {
        let snapshot = try ActorSnapshot(jsonBytes: Array(Self.goSnapshot.utf8))
        #expect(snapshot.actorID == "order-123")
        #expect(snapshot.version == 2)
        #expect(snapshot.state == ["status": "shipped", "total": 99.99])
        #expect(
            String(decoding: snapshot.jsonBytes(), as: UTF8.self)
                == #"{"actorId":"order-123","version":2,"state":{"status":"shipped","total":99.99},"timestamp":"2026-01-08T18:32:00.5Z"}"#
        )
    }

    @Test(
        "bad records name what is wrong",
        arguments: [
            (
                #"{"id":"x","eventType":"T","actorId":"a","version":"1","timestamp":"2026-01-08T18:31:00Z"}"#,
                "\"version\" is string, expected integer"
            ),
            (#"{"id":"x","eventType":"T","version":1,"timestamp":"2026-01-08T18:31:00Z"}"#, "no \"actorId\""),
            (
                #"{"id":"x","eventType":"T","actorId":"a","version":1,"timestamp":"yesterday"}"#,
                "is not an RFC 3339 time"
            ),
            (
                #"{"id":"x","eventType":"T","actorId":"a","version":1,"timestamp":"2026-01-08T18:31:00Z","timestamp":"yesterday"}"#,
                "\"yesterday\" is not an RFC 3339 time"
            ),
            (
                #"{"id":"x","eventType":"T","actorId":"a","version":1,"timestamp":"2026-01-08T18:31:00Z","t\u0069mestamp":5}"#,
                "\"timestamp\" is integer, expected string"
            ),
            (#"{"id":"x","eventType":"T","actorId":"a","version":1}"#, "no \"timestamp\""),
            (#"[1,2]"#, "event JSON is array"),
            (#"{"id":"x",}"#, "line 1, column 11"),
        ]
    )
    func badRecords(text: String, fragment: String) {
        #expect {
            _ = try Event(jsonBytes: Array(text.utf8))
        } throws: { error in
            "\(error)".contains(fragment)
        }
    }

    @Test(
        "reading an event's members directly agrees with reading a parsed object",
        arguments: [
            #"{"id":"x","eventType":"T","actorId":"a","version":1,"data":{"n":1,"nested":{"k":[1,2.5,null]}},"timestamp":"2026-01-08T18:31:00Z"}"#,
            #"  { "timestamp" : "2026-01-08T18:31:00.123456789Z" , "version" : 7 , "actorId" : "a.b c" , "eventType" : "T" , "id" : "x" , "data" : null }  "#,
            #"{"id":"x","id":"y","eventType":"T","actorId":"a","version":1,"version":2,"timestamp":"2026-01-08T18:31:00Z","extra":[{}]}"#,
            #"{"id":"x","eventType":"T","actorId":"a","commandId":"c","version":1.0,"metadata":{"m":"v"},"timestamp":"2026-01-08T18:31:00Z"}"#,
            // Escaped keys match as their text; a non-ASCII key is read and ignored; the last
            // timestamp counts, escaped or not.
            #"{"\u0069d":"x","eventType":"T","act\u006frId":"a","version":1,"ünknown":{"ä":1},"timestamp":"yesterday","timestamp":"2026-01-08T18:31:00\u005A"}"#,
            #"{"id":"x","eventType":"T","actorId":"a","version":1,"t\u0069mestamp":"yesterday","timestamp":"2026-01-08T18:31:00.5Z"}"#,
        ]
    )
    func directDecodeAgrees(_ text: String) throws {
        let direct = try Event(jsonBytes: Array(text.utf8))
        let general = try Event(json: JSONValue.parse(text))
        #expect(direct == general)
        // Every entry point reads the same: an array, a NATS payload, a contiguous slice and a
        // collection that has to be copied first.
        let bytes = Array(text.utf8)
        #expect(try Event(jsonBytes: ByteBuffer(bytes: bytes).readableBytesView) == direct)
        #expect(try Event(jsonBytes: bytes[...]) == direct)
        #expect(try Event(jsonBytes: bytes.lazy.map { $0 }) == direct)
    }

    @Test("a bus envelope is read in one pass; wrong shapes give nil, never a crash")
    func envelope() throws {
        let event = #"{"id":"x","eventType":"T","actorId":"a","version":1,"timestamp":"2026-01-08T18:31:00Z"}"#
        let good = try #require(
            NATSEventBus.envelope(Array(#"{"node_id":"n1","namespace_id":"orders","event":\#(event)}"#.utf8))
        )
        #expect(good.node == "n1")
        #expect(good.namespace == "orders")
        #expect(try Event(members: #require(good.event)) == Event(jsonBytes: Array(event.utf8)))

        let mistyped = try #require(
            NATSEventBus.envelope(Array(#"{"node_id":1,"namespace_id":null,"event":"x"}"#.utf8))
        )
        #expect(mistyped.node == nil && mistyped.namespace == nil && mistyped.event == nil)
        // A later non-object "event" replaces an earlier object, as the last key wins.
        let replaced = try #require(
            NATSEventBus.envelope(Array(#"{"event":\#(event),"event":[1]}"#.utf8))
        )
        #expect(replaced.event == nil)
        for bad in [#"[1]"#, #"{"node_id":"n1""#, #"{"node_id":"n1"} x"#, "", "\u{FF}\u{FE}"] {
            #expect(NATSEventBus.envelope(Array(bad.utf8)) == nil, "\(bad)")
        }
    }
}
