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

        // For profiling one variant on its own (pinned only): SAVE_PARTS_ONLY=n, n indexing the
        // variants below (0: store.save, 1: raw as the store sends it, …).
        let only = ProcessInfo.processInfo.environment["SAVE_PARTS_ONLY"].flatMap { Int($0) }
        let iterations = 3_000
        // store.save, then raw publishes: the event built and encoded in the timed span or
        // before it (as the Go peer times it); the store's headers (the event's id as msg id,
        // expected sequence, Aether-Version) or Go's (a short msg id, expected sequence).
        let variants: [(name: String, raw: (encodeInSpan: Bool, storeHeaders: Bool, plainStream: Bool)?)] = [
            ("store.save", nil),
            ("raw, as the store sends it", (true, true, false)),
            ("raw, store's headers, event encoded before", (false, true, false)),
            ("raw, Go's headers, event built and encoded in the span", (true, false, false)),
            ("raw, Go's headers, event encoded before, store's stream", (false, false, false)),
            ("raw, Go's headers, event encoded before, plain stream", (false, false, true)),
        ]
        var samples: [String: [Double]] = [:]
        var loopCPU: [String: [Double]] = [:]
        for round in 0..<rounds {
            for pinned in [false, true] where only == nil || pinned {
                let mode = pinned ? "pinned" : "default"
                func timed(_ name: String, _ body: (Int) async throws -> Void) async throws {
                    let result: LatencyResult
                    if pinned {
                        // All of the client's work runs on the loop thread: its CPU time per save.
                        let (timed, cpu) = try await withTaskExecutorPreference(client.taskExecutor) {
                            let (thread, before) = (pthread_self(), threadCPUNanoseconds())
                            let result = try await measureLatency(name, iterations: iterations, warmup: 0, body)
                            let after = threadCPUNanoseconds()
                            return (result, pthread_equal(thread, pthread_self()) != 0 ? after - before : nil)
                        }
                        result = timed
                        if let cpu { loopCPU[name, default: []].append(Double(cpu) / Double(iterations) / 1_000) }
                    } else {
                        result = try await measureLatency(name, iterations: iterations, warmup: 0, body)
                    }
                    samples["\(name), \(mode)", default: []].append(
                        Double(result.histogram.valueAtPercentile(50)) / 1_000
                    )
                }
                let tag = "\(round)-\(mode)"
                // Each round starts with another variant, so none always runs first.
                for step in 0..<variants.count where only == nil || (step + round) % variants.count == only {
                    let variant = variants[(step + round) % variants.count]
                    guard let raw = variant.raw else {
                        try await timed(variant.name) { index in
                            try await store.save(tick("a-\(tag)", index))
                        }
                        continue
                    }
                    let subject =
                        raw.plainStream
                        ? "plain.e.\(step)-\(tag)" : "aether.store.\(store.streamName).e.\(step)-\(tag)"
                    let encoded =
                        raw.encodeInSpan
                        ? [] : (0..<iterations).map { tick("c", $0) }.map { ($0, ByteBuffer(bytes: $0.jsonBytes())) }
                    var last: UInt64 = 0
                    try await timed(variant.name) { index in
                        let (event, payload) =
                            raw.encodeInSpan
                            ? {
                                let event = tick("c", index)
                                return (event, ByteBuffer(bytes: event.jsonBytes()))
                            }()
                            : encoded[index]
                        var options: PublishOptions
                        if raw.storeHeaders {
                            options = PublishOptions(messageID: event.id, expectedLastSubjectSequence: last)
                            options.retryUntil = .seconds(15)
                            options.extraHeaders = ["Aether-Version": String(event.version)]
                        } else {
                            options = PublishOptions(
                                messageID: "\(step)-\(tag)-\(index)",
                                expectedLastSubjectSequence: last
                            )
                        }
                        last = try await js.publish(payload, to: subject, options: options).sequence
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
        let perSave = loopCPU.keys.sorted().map { key in
            let values = loopCPU[key]!.sorted()
            return
                "  \(key), pinned: the loop thread's CPU per save \(values.map { format3($0) }.joined(separator: ", ")) µs → \(format3(values[values.count / 2])) µs"
        }
        return cpu + perSave
            + samples.keys.sorted().map { key in
                let values = samples[key]!.sorted()
                return
                    "  \(key): p50 medians \(values.map { format3($0) }.joined(separator: ", ")) µs → \(format3(values[values.count / 2])) µs"
            }
    }
}

/// CPU time the calling thread has used (user and system).
func threadCPUNanoseconds() -> Int64 {
    var time = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
    return Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec)
}
