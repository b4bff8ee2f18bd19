import Aether
import AetherNATS
import AetherNATSTesting
import Foundation
import NIOCore

/// Where a sequential save's time goes beyond one JetStream round trip: the store's save
/// against raw publishes of the same message, interleaved per round on one server and one
/// connection, with the caller on the pool and on the client's task executor.
enum SavePartsBenchmark {
    static func tick(_ actor: String, _ index: Int) -> Event {
        Event(eventType: "Tick", actorID: actor, version: Int64(index + 1), data: ["n": .integer(Int64(index + 1))])
    }

    static func run(rounds: Int) async throws -> [String] {
        let server = try await NATSServerProcess.start(name: "bench-save-parts")
        defer { server.shutdown() }
        let client = try await NATSClient.connect(url: server.url)
        let store = try await JetStreamEventStore.open(client: client, configuration: .init(namespace: "parts"))
        let js = JetStream(client: client)
        // A stream configured as the Go peer's: file storage, direct get, nothing else.
        var plain = StreamConfig(name: "PLAIN", subjects: ["plain.>"])
        plain.storage = .file
        plain.allowDirect = true
        try await js.createStream(plain)

        // For profiling one variant on its own (pinned only): SAVE_PARTS_ONLY=0 (store.save),
        // 1 (raw, as the store sends it), 2 or 3 (Go's headers, store's or plain stream).
        let only = ProcessInfo.processInfo.environment["SAVE_PARTS_ONLY"].flatMap { Int($0) }
        let iterations = 3_000
        var samples: [String: [Double]] = [:]
        for round in 0..<rounds {
            for pinned in [false, true] where only == nil || pinned {
                let mode = pinned ? "pinned" : "default"
                func timed(_ name: String, _ body: (Int) async throws -> Void) async throws {
                    let result: LatencyResult
                    if pinned {
                        result = try await withTaskExecutorPreference(client.taskExecutor) {
                            try await measureLatency(name, iterations: iterations, warmup: 0, body)
                        }
                    } else {
                        result = try await measureLatency(name, iterations: iterations, warmup: 0, body)
                    }
                    samples["\(name), \(mode)", default: []].append(
                        Double(result.histogram.valueAtPercentile(50)) / 1_000
                    )
                }
                let tag = "\(round)-\(mode)"
                // Each round starts with another variant, so none always runs first.
                for step in 0..<4 where only == nil || (step + round) % 4 == only {
                    switch (step + round) % 4 {
                    case 0:
                        // The store's save.
                        try await timed("store.save") { index in
                            try await store.save(tick("a-\(tag)", index))
                        }
                    case 1:
                        // The same message as the store sends it, published raw: the event built
                        // and encoded inside the timing, msg id, expected sequence, version header.
                        let subject = "aether.store.\(store.streamName).e.b-\(tag)"
                        var last: UInt64 = 0
                        try await timed("raw, as the store sends it") { index in
                            let event = tick("b-\(tag)", index)
                            var options = PublishOptions(messageID: event.id, expectedLastSubjectSequence: last)
                            options.retryUntil = .seconds(15)
                            options.extraHeaders = ["Aether-Version": String(event.version)]
                            last = try await js.publish(
                                ByteBuffer(bytes: event.jsonBytes()),
                                to: subject,
                                options: options
                            ).sequence
                        }
                    default:
                        // As the Go peer: the event encoded before the timing, msg id and expected
                        // sequence only, into the store's stream or into a plain stream.
                        let (name, subject) =
                            (step + round) % 4 == 2
                            ? (
                                "raw, Go's headers, event encoded before, store's stream",
                                "aether.store.\(store.streamName).e.c-\(tag)"
                            )
                            : ("raw, Go's headers, event encoded before, plain stream", "plain.e.d-\(tag)")
                        var last: UInt64 = 0
                        let payloads = (0..<iterations).map { ByteBuffer(bytes: tick("c", $0).jsonBytes()) }
                        try await timed(name) { index in
                            let options = PublishOptions(
                                messageID: "\(tag)-\(index)",
                                expectedLastSubjectSequence: last
                            )
                            last = try await js.publish(payloads[index], to: subject, options: options).sequence
                        }
                    }
                }
            }
        }
        await client.close()
        // The client's own work on a save's message, without the server: per operation.
        let operations = 200_000
        var cpu: [String] = []
        for (name, body) in [
            ("Event init (new id, now)", { (index: Int) -> Int in tick("a", index).id.utf8.count }),
            (
                "Event init + jsonBytes + ByteBuffer",
                { (index: Int) -> Int in ByteBuffer(bytes: tick("a", index).jsonBytes()).readableBytes }
            ),
        ] as [(String, (Int) -> Int)] {
            var total = 0
            let rate = await measureRate(operations: operations) {
                for index in 0..<operations { total &+= body(index) }
            }
            precondition(total > 0)
            cpu.append("  \(name): \(format3(1e9 / rate)) ns each")
        }
        return cpu
            + samples.keys.sorted().map { key in
                let values = samples[key]!.sorted()
                return
                    "  \(key): p50 medians \(values.map { format3($0) }.joined(separator: ", ")) µs → \(format3(values[values.count / 2])) µs"
            }
    }
}
