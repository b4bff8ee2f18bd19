import Aether
import AetherNATS
import AetherNATSTesting
import NIOCore

/// Where a sequential save's time goes beyond one JetStream round trip: the store's save
/// against raw publishes of the same message, interleaved per round on one server and one
/// connection, with the caller on the pool and on the client's task executor.
enum SavePartsBenchmark {
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

        let iterations = 3_000
        var samples: [String: [Double]] = [:]
        for round in 0..<rounds {
            for pinned in [false, true] {
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
                // 1. The store's save.
                try await timed("store.save") { index in
                    try await store.save(
                        Event(
                            eventType: "Tick",
                            actorID: "a-\(tag)",
                            version: Int64(index + 1),
                            data: ["n": .integer(Int64(index + 1))]
                        )
                    )
                }
                // 2. The same message as the store sends it, published raw: event built and
                // encoded inside the timing, msg id, expected sequence, version header.
                let storeSubject = "aether.store.\(store.streamName).e.b-\(tag)"
                var last: UInt64 = 0
                try await timed("raw, as the store sends it") { index in
                    let event = Event(
                        eventType: "Tick",
                        actorID: "b-\(tag)",
                        version: Int64(index + 1),
                        data: ["n": .integer(Int64(index + 1))]
                    )
                    var options = PublishOptions(messageID: event.id, expectedLastSubjectSequence: last)
                    options.retryUntil = .seconds(15)
                    options.extraHeaders = ["Aether-Version": String(event.version)]
                    last = try await js.publish(
                        ByteBuffer(bytes: event.jsonBytes()),
                        to: storeSubject,
                        options: options
                    ).sequence
                }
                // 3. As the Go peer: the event encoded outside the timing, msg id and expected
                // sequence only, into the store's stream and into a plain stream.
                for (name, subject) in [
                    (
                        "raw, Go's headers, event encoded before, store's stream",
                        "aether.store.\(store.streamName).e.c-\(tag)"
                    ),
                    ("raw, Go's headers, event encoded before, plain stream", "plain.e.d-\(tag)"),
                ] {
                    var last: UInt64 = 0
                    let payloads = (0..<iterations).map { index in
                        ByteBuffer(
                            bytes: Event(
                                eventType: "Tick",
                                actorID: "c",
                                version: Int64(index + 1),
                                data: ["n": .integer(Int64(index + 1))]
                            ).jsonBytes()
                        )
                    }
                    try await timed(name) { index in
                        let options = PublishOptions(messageID: "\(tag)-\(index)", expectedLastSubjectSequence: last)
                        last = try await js.publish(payloads[index], to: subject, options: options).sequence
                    }
                }
            }
        }
        await client.close()
        // The client's own work on a save's message, without the server: per operation.
        let operations = 200_000
        var cpu: [String] = []
        for (name, body) in [
            (
                "Event init (new id, now)",
                { (index: Int) -> Int in
                    Event(
                        eventType: "Tick",
                        actorID: "a",
                        version: Int64(index + 1),
                        data: ["n": .integer(Int64(index))]
                    ).id.utf8.count
                }
            ),
            (
                "Event init + jsonBytes + ByteBuffer",
                { (index: Int) -> Int in
                    ByteBuffer(
                        bytes: Event(
                            eventType: "Tick",
                            actorID: "a",
                            version: Int64(index + 1),
                            data: ["n": .integer(Int64(index))]
                        ).jsonBytes()
                    ).readableBytes
                }
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
