import AetherNATS
import AetherNATSTesting
import NIOCore

/// The NATS client against a local nats-server 2.15.1 started for the run.
enum NATSBenchmarks {
    /// Only PING/PONG round trips, for profiling one round trip.
    static func pingOnly(scale: Int) async throws -> [String] {
        let server = try await NATSServerProcess.start(name: "bench-ping")
        defer { server.shutdown() }
        let client = try await NATSClient.connect(url: server.url)
        let result = try await measureLatency("PING/PONG round trip (flush, 1 connection)", iterations: 50_000 * scale)
        { _ in
            try await client.flush()
        }
        await client.close()
        return [result.line]
    }

    /// Only core publishes (128 bytes, one connection, no stream, no subscriber), for profiling.
    /// With `intoStream`, a file stream takes the subject (as the Go peer's does its gp.pub).
    static func publishOnly(scale: Int, intoStream: Bool = false) async throws -> [String] {
        let server = try await NATSServerProcess.start(name: "bench-publish")
        defer { server.shutdown() }
        let client = try await NATSClient.connect(url: server.url)
        if intoStream {
            var config = StreamConfig(name: "FLOOD", subjects: ["bench.flood"])
            config.storage = .file
            try await JetStream(client: client).createStream(config)
        }
        let payload = ByteBuffer(bytes: [UInt8](repeating: 0x61, count: 128))
        let count = 4_000_000 * scale
        let line = try await measureThroughput(
            "core publish, 128-byte payloads, 1 connection\(intoStream ? ", into a stream" : "")",
            operations: count
        ) {
            for _ in 0..<count { try client.publish(payload, to: "bench.flood") }
            try await client.flush(timeout: .seconds(60))
        }
        await client.close()
        return [line]
    }

    /// Request/reply with the responder on the requester's event loop and the caller on its task
    /// executor, only (for profiling what a round trip costs with no thread hop).
    static func requestPinnedOnly(scale: Int) async throws -> [String] {
        let server = try await NATSServerProcess.start(name: "bench-request-pinned")
        defer { server.shutdown() }
        let requester = try await NATSClient.connect(url: server.url)
        let responder = try await EchoResponder.start(url: server.url, subject: "bench.echo", on: requester.eventLoop)
        let small = ByteBuffer(string: "ping")
        let line = try await withTaskExecutorPreference(requester.taskExecutor) {
            try await measureLatency("request/reply, one loop, caller on its task executor", iterations: 50_000 * scale)
            { _ in _ = try await requester.request(small, to: "bench.echo") }.line
        }
        await responder.stop()
        await requester.close()
        return [line]
    }

    static func run(scale: Int) async throws -> [String] {
        let server = try await NATSServerProcess.start(name: "bench")
        defer { server.shutdown() }
        var lines: [String] = ["server: nats-server \(server.url)"]

        // Request/reply round trip: a responder on a second connection.
        let responder = try await NATSClient.connect(url: server.url)
        let requester = try await NATSClient.connect(url: server.url)
        let service = try await responder.subscribe(to: "bench.echo")
        let echo = Task {
            while let message = await service.next() {
                if let reply = message.replyTo { try? responder.publish(message.payload, to: reply) }
            }
        }
        let small = ByteBuffer(string: "ping")
        // The floor under any round trip: one PING/PONG on one connection (one hop onto the event
        // loop, one wake-up of the waiting task, the server in between).
        lines.append(
            try await measureLatency("PING/PONG round trip (flush, 1 connection)", iterations: 20_000 * scale) { _ in
                try await requester.flush()
            }.line
        )
        lines.append(
            try await measureLatency("request/reply round trip (2 connections)", iterations: 20_000 * scale) { _ in
                _ = try await requester.request(small, to: "bench.echo")
            }.line
        )
        // The same two round trips from a task that prefers the requester's task executor: its
        // code runs on the connection's event loop, so the write needs no hop onto the loop and
        // the reply resumes the caller on the thread that read it.
        let pinned = try await withTaskExecutorPreference(requester.taskExecutor) {
            [
                try await measureLatency("PING/PONG, caller on the client's task executor", iterations: 20_000 * scale)
                {
                    _ in try await requester.flush()
                }.line,
                try await measureLatency(
                    "request/reply, caller on the client's task executor",
                    iterations: 20_000 * scale
                ) {
                    _ in _ = try await requester.request(small, to: "bench.echo")
                }.line,
            ]
        }
        lines.append(contentsOf: pinned)
        // And with a responder on the requester's own event loop, answering from a handler.
        let neighbour = try await EchoResponder.start(url: server.url, subject: "bench.echo2", on: requester.eventLoop)
        lines.append(
            try await withTaskExecutorPreference(requester.taskExecutor) {
                try await measureLatency(
                    "request/reply, one loop for both, caller on its task executor",
                    iterations: 20_000 * scale
                ) { _ in _ = try await requester.request(small, to: "bench.echo2") }.line
            }
        )
        lines.append(
            try await measureLatency("request/reply, one loop for both, caller on the pool", iterations: 20_000 * scale)
            {
                _ in _ = try await requester.request(small, to: "bench.echo2")
            }.line
        )
        await neighbour.stop()
        echo.cancel()
        service.unsubscribe()

        // Core publish throughput: one connection, 128-byte payloads, until the server has them all.
        let publisher = try await NATSClient.connect(url: server.url)
        let payload = ByteBuffer(bytes: [UInt8](repeating: 0x61, count: 128))
        let count = 2_000_000 * scale
        lines.append(
            try await measureThroughput("core publish, 128-byte payloads, 1 connection", operations: count) {
                for _ in 0..<count { try publisher.publish(payload, to: "bench.flood") }
                try await publisher.flush(timeout: .seconds(60))
            }
        )

        // Publish → receive on another connection.
        let receiver = try await NATSClient.connect(url: server.url)
        var options = NATSOptions(url: server.url)
        options.subscriptionPendingLimit = 1_000_000
        let sink = try await receiver.subscribe(to: "bench.pipe")
        let received = 500_000 * scale
        lines.append(
            try await measureThroughput("publish → subscribe, 128-byte payloads, 2 connections", operations: received) {
                async let drained: Int = {
                    var seen = 0
                    while seen < received, await sink.next() != nil { seen += 1 }
                    return seen
                }()
                for _ in 0..<received { try publisher.publish(payload, to: "bench.pipe") }
                try await publisher.flush(timeout: .seconds(60))
                let seen = await drained
                precondition(seen == received, "received \(seen) of \(received)")
            }
        )
        lines.append("  (dropped by the slow-consumer limit: \(sink.droppedCount))")
        // JetStream: synchronous publish with an expectation header, and reads of the last message.
        let js = JetStream(client: requester)
        var config = StreamConfig(name: "BENCH", subjects: ["bench.js.>"])
        config.allowDirect = true
        try await js.createStream(config)
        var lastSequence: [UInt64] = Array(repeating: 0, count: 100)
        let body = ByteBuffer(bytes: [UInt8](repeating: 0x62, count: 128))
        lines.append(
            try await measureLatency("JetStream publish + Expected-Last-Subject-Sequence", iterations: 20_000 * scale) {
                index in
                let actor = index % 100
                var options = PublishOptions(expectedLastSubjectSequence: lastSequence[actor])
                options.messageID = "m-\(index)"
                lastSequence[actor] = try await js.publish(body, to: "bench.js.a\(actor)", options: options).sequence
            }.line
        )
        lines.append(
            try await measureLatency("JetStream direct get last_by_subj", iterations: 20_000 * scale) { index in
                _ = try await js.directGetLast(stream: "BENCH", subject: "bench.js.a\(index % 100)")
            }.line
        )
        lines.append(
            try await measureLatency("JetStream MSG.GET last_by_subj (leader)", iterations: 20_000 * scale) { index in
                _ = try await js.lastMessage(stream: "BENCH", subject: "bench.js.a\(index % 100)")
            }.line
        )
        for client in [responder, requester, publisher, receiver] { await client.close() }
        return lines
    }
}

/// An echo responder on a connection of its own (on `eventLoop` when given). It answers from a
/// handler subscription, on its event loop as each request is read, as the Go peer's
/// `m.Respond` callback does.
struct EchoResponder {
    let client: NATSClient
    let subscription: NATSSubscription

    static func start(url: String, subject: String, on eventLoop: (any EventLoop)? = nil) async throws -> EchoResponder
    {
        var options = NATSOptions(url: url)
        options.eventLoop = eventLoop
        let client = try await NATSClient.connect(options)
        let subscription = try await client.subscribe(to: subject) { message in
            if let reply = message.replyTo { try? client.publish(message.payload, to: reply) }
        }
        return EchoResponder(client: client, subscription: subscription)
    }

    func stop() async {
        subscription.unsubscribe()
        await client.close()
    }
}
