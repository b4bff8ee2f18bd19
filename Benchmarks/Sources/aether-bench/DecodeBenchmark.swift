import Aether
import AetherNATS
import NIOCore

/// The client's per-message work without a server: frames as an ordered consumer receives them
/// (HMSG with a `$JS.ACK` reply and an event's two headers), decoded by `NATSFrameDecoder`, and
/// the event JSON they carry. For profiling (`valgrind --tool=callgrind` counts instructions
/// repeatably on a noisy machine).
enum DecodeBenchmark {
    static func run(scale: Int) async throws -> [String] {
        let payload = CoreBenchmarks.sampleEvent.jsonBytes()
        let framesPerBuffer = 1_000
        var frames = ByteBufferAllocator().buffer(capacity: framesPerBuffer * 512)
        for index in 0..<framesPerBuffer {
            let headers =
                "NATS/1.0\r\nNats-Msg-Id: 6f1c2d3e-4a5b-4c6d-8e7f-\(100_000_000_000 + index)\r\nAether-Version: \(12_345 + index)\r\n\r\n"
            let reply =
                "$JS.ACK.orders_events.oc_AbCdEfGhIjKlMnOp.1.\(50_000 + index).\(index + 1).1764712345123456789.\(framesPerBuffer - index - 1)"
            let headerBytes = headers.utf8.count
            frames.writeString(
                "HMSG orders.events.order-123 7 \(reply) \(headerBytes) \(headerBytes + payload.count)\r\n"
            )
            frames.writeString(headers)
            frames.writeBytes(payload)
            frames.writeString("\r\n")
        }
        let rounds = 200 * scale
        var lines: [String] = []
        var decoded = 0
        lines.append(
            try await measureThroughput(
                "frame decode, ordered-consumer HMSG (\(frames.readableBytes / framesPerBuffer) B each)",
                operations: rounds * framesPerBuffer
            ) {
                var decoder = NATSFrameDecoder()
                for _ in 0..<rounds {
                    var buffer = frames
                    while let op = try decoder.decode(buffer: &buffer) {
                        if case .msg(let message) = op, message.headers?["Aether-Version"] != nil { decoded += 1 }
                    }
                }
            }
        )
        precondition(decoded == rounds * framesPerBuffer, "decoded \(decoded) frames")
        var events = 0
        lines.append(
            try await measureThroughput(
                "event JSON decode (\(payload.count) bytes)",
                operations: rounds * framesPerBuffer
            ) {
                for _ in 0..<(rounds * framesPerBuffer) {
                    if try Event(jsonBytes: payload).version > 0 { events += 1 }
                }
            }
        )
        precondition(events == rounds * framesPerBuffer)
        return lines
    }
}
