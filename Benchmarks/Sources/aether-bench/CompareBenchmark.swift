import Aether
import AetherNATS
import AetherNATSTesting
import Foundation
import NIOCore

/// Ours beside nats.go on the same work: `../shared/peer/run-nats-go.sh` (the Go peer, the
/// client the Go original uses) and the same operations with our client and store, interleaved
/// (Go, ours, Go, ours, …), each side on a fresh nats-server of its own. Medians of the rounds;
/// the ratio is our speed over Go's (above 1: we are faster).
enum CompareBenchmark {
    /// One row of the table.
    struct Row {
        var operation: String
        var goKey: String
        var oursKey: String
        /// A latency (lower is better) or a rate (higher is better).
        var isLatency: Bool
        var note: String = ""
    }

    static let rows: [Row] = [
        Row(
            operation: "latest version uncached: direct get last_by_subj + decode, p50 µs",
            goKey: "direct_get_last_p50_us",
            oursKey: "direct_get_last_p50_us",
            isLatency: true
        ),
        Row(
            operation: "the same direct get, caller on the client's task executor, p50 µs",
            goKey: "direct_get_last_p50_us",
            oursKey: "direct_get_last_pinned_p50_us",
            isLatency: true,
            note: "ours: in withTaskExecutorPreference(client.taskExecutor); Go has no such knob"
        ),
        Row(
            operation: "MSG.GET last_by_subj + decode, p50 µs",
            goKey: "msg_get_last_p50_us",
            oursKey: "msg_get_last_p50_us",
            isLatency: true
        ),
        Row(
            operation: "save, one actor, sequential, expected-seq + msg id, p50 µs",
            goKey: "save_sequential_p50_us",
            oursKey: "save_sequential_p50_us",
            isLatency: true,
            note:
                "ours: JetStreamEventStore.save (validation, the event's JSON, cache), all inside the timer; Go marshals before its timer"
        ),
        Row(
            operation: "save, sequential, caller on the client's task executor, p50 µs",
            goKey: "save_sequential_p50_us",
            oursKey: "save_sequential_pinned_p50_us",
            isLatency: true,
            note: "ours: the same saves in withTaskExecutorPreference(client.taskExecutor); Go has no such knob"
        ),
        Row(
            operation: "JetStream publish, sequential, expected-seq + msg id, event encoded before the timer, p50 µs",
            goKey: "save_sequential_p50_us",
            oursKey: "js_publish_sequential_p50_us",
            isLatency: true,
            note:
                "the Go peer's timed span exactly (it marshals each event before its timer starts): ours JetStream.publish, into the same stream"
        ),
        Row(
            operation: "the same publish, caller on the client's task executor, p50 µs",
            goKey: "save_sequential_p50_us",
            oursKey: "js_publish_sequential_pinned_p50_us",
            isLatency: true,
            note: "ours: in withTaskExecutorPreference(client.taskExecutor)"
        ),
        Row(
            operation: "save, 64 concurrent over 960 actors, /s",
            goKey: "save_pipelined_64_per_s",
            oursKey: "save_pipelined_64_per_s",
            isLatency: false,
            note: "ours also reads each actor's version once (960 lookups)"
        ),
        Row(
            operation: "save, 64 concurrent, savers on the client's task executor, /s",
            goKey: "save_pipelined_64_per_s",
            oursKey: "save_pipelined_64_pinned_per_s",
            isLatency: false,
            note:
                "ours: every saver task prefers client.taskExecutor (all client work on one loop); its own 960 actors, each looked up once"
        ),
        Row(
            operation: "replay 100,000 events of one actor, decoded, /s",
            goKey: "replay_ordered_per_s",
            oursKey: "replay_store_per_s",
            isLatency: false,
            note:
                "Go: ordered consumer; ours: JetStreamEventStore.events (batched direct gets; an ordered consumer past 8,192 pending)"
        ),
        Row(
            operation: "replay 100,000 events, ordered consumer, decoded, /s",
            goKey: "replay_ordered_per_s",
            oursKey: "replay_ordered_per_s",
            isLatency: false,
            note:
                "both a callback per message: Go js.Subscribe(…, OrderedConsumer()); ours JetStream.orderedConsumerEach"
        ),
        Row(
            operation: "bus: envelope publish → receive on another connection, /s",
            goKey: "bus_pub_recv_per_s",
            oursKey: "bus_pub_recv_per_s",
            isLatency: false,
            note: "ours: NATSEventBus (validation, namespace subjects)"
        ),
        Row(
            operation: "core request/reply (2 connections), p50 µs",
            goKey: "request_reply_p50_us",
            oursKey: "request_reply_p50_us",
            isLatency: true,
            note:
                "both: the subject is in a stream (the peer's GOPEER2, gp.>), so the first reply is the stream's PubAck or the echo, whichever comes first"
        ),
        Row(
            operation: "core request/reply, one event loop, caller on its task executor, p50 µs",
            goKey: "request_reply_p50_us",
            oursKey: "request_reply_pinned_p50_us",
            isLatency: true,
            note:
                "ours: responder on the requester's loop (NATSOptions.eventLoop), caller in withTaskExecutorPreference(client.taskExecutor); gp.echo2, in the stream too"
        ),
        Row(
            operation: "core request/reply, echo only (a subject outside any stream), p50 µs",
            goKey: "request_reply_echo_only_p50_us",
            oursKey: "request_reply_echo_only_p50_us",
            isLatency: true,
            note: "Go: scripts/nats-go-outside-stream.sh, run beside the peer each round"
        ),
        Row(
            operation: "the same echo, one event loop, caller on its task executor, p50 µs",
            goKey: "request_reply_echo_only_p50_us",
            oursKey: "request_reply_echo_only_pinned_p50_us",
            isLatency: true,
            note: "ours: as the pinned row above, on a subject outside any stream"
        ),
        Row(
            operation: "core publish, 128 B, 1 connection, /s",
            goKey: "core_publish_per_s",
            oursKey: "core_publish_per_s",
            isLatency: false,
            note: "both: into the peer's stream (gp.pub is in gp.>); the server stores what keeps up"
        ),
        Row(
            operation: "core publish, 128 B, 1 connection, a subject outside any stream, /s",
            goKey: "core_publish_outside_per_s",
            oursKey: "core_publish_outside_per_s",
            isLatency: false,
            note: "Go: scripts/nats-go-outside-stream.sh"
        ),
    ]

    /// `peer` is the shared Go peer; `outside` is ours (`scripts/nats-go-outside-stream.sh`):
    /// nats.go on the peer's core operations, on subjects outside any stream. `bench` is this
    /// executable, run once more each round as `compare-ours --nio-executor`: the same work of
    /// ours with every task on NIO's event loops.
    static func run(rounds: Int, peer: String, outside: String, bench: String) async throws -> [String] {
        var go: [String: [Double]] = [:]
        var ours: [String: [Double]] = [:]
        var onLoops: [String: [Double]] = [:]
        for round in 1...rounds {
            print("round \(round) of \(rounds): nats.go …")
            for (key, value) in try await figures(of: "/bin/bash", [peer]) { go[key, default: []].append(value) }
            for (key, value) in try await figures(of: "/bin/bash", [outside]) { go[key, default: []].append(value) }
            print("round \(round) of \(rounds): ours …")
            for (key, value) in try await measureOurs() { ours[key, default: []].append(value) }
            print("round \(round) of \(rounds): ours, every task on NIO's event loops …")
            for (key, value) in try await figures(of: bench, ["compare-ours", "--nio-executor"]) {
                onLoops[key, default: []].append(value)
            }
        }
        var lines = [
            "medians of \(rounds) interleaved rounds; ratio = our speed / Go's (above 1: ours is faster)",
            "ours: this process, Swift's default global executor; on loops: a process of its own started with --nio-executor (NIO's event loops as the global executor), the same work",
            "| operation | nats.go | ours | ratio | ours, on loops | ratio | note |",
            "| --- | --- | --- | --- | --- | --- | --- |",
        ]
        for row in rows {
            guard let goValue = median(go[row.goKey]), let ourValue = median(ours[row.oursKey]) else {
                lines.append("| \(row.operation) | – | – | – | – | – | not measured |")
                continue
            }
            func ratio(_ value: Double) -> String {
                format3(row.isLatency ? goValue / value : value / goValue) + "×"
            }
            let loops = median(onLoops[row.oursKey])
            lines.append(
                "| \(row.operation) | \(show(goValue, row)) | \(show(ourValue, row)) | \(ratio(ourValue)) | \(loops.map { show($0, row) } ?? "–") | \(loops.map(ratio) ?? "–") | \(row.note) |"
            )
        }
        lines += [
            "",
            "the caller's hop without the network, p50: ours, a task on the global pool to the connection's event loop and back (client.eventLoop.submit {}.get()), and the same task pinned; Go (scripts/nats-go-outside-stream.sh), a goroutine to another goroutine and back over unbuffered channels, the hand-off nats.go makes from its reader to the caller",
            "| hop | nats.go | ours | ours, on loops |",
            "| --- | --- | --- | --- |",
        ]
        for (name, key) in [("from the caller and back", "hop_p50_us"), ("the same, pinned", "hop_pinned_p50_us")] {
            let goValue = median(go["hop_p50_us"]).map { "\(format3($0)) µs" } ?? "–"
            let ourValue = median(ours[key]).map { "\(format3($0)) µs" } ?? "–"
            let loops = median(onLoops[key]).map { "\(format3($0)) µs" } ?? "–"
            lines.append("| \(name) | \(goValue) | \(ourValue) | \(loops) |")
        }
        lines += [
            "",
            "context switches per operation (getrusage of the whole process, every thread: each voluntary one a thread that blocked and was woken); Go: scripts/nats-go-outside-stream.sh, the same work as the peer's row",
            "| operation | nats.go | ours | ours, on loops |",
            "| --- | --- | --- | --- |",
        ]
        for row in rows where row.isLatency {
            let key = switchesKey(row.oursKey)
            guard let ourValue = median(ours[key]) else { continue }
            let goValue = median(go[switchesKey(row.goKey)]).map { format3($0) } ?? "–"
            let loops = median(onLoops[key]).map { format3($0) } ?? "–"
            lines.append("| \(row.operation) | \(goValue) | \(format3(ourValue)) | \(loops) |")
        }
        lines.append(
            "all rounds: nats.go \(go.sorted { $0.key < $1.key }), ours \(ours.sorted { $0.key < $1.key }), on loops \(onLoops.sorted { $0.key < $1.key })"
        )
        return lines
    }

    /// Our figures as one JSON line, for a run of its own (`compare-ours`).
    static func oursAsJSON() async throws -> String {
        let figures = try await measureOurs()
        return JSONValue.object(figures.mapValues { .double($0) }).serialized()
    }

    static func median(_ values: [Double]?) -> Double? {
        guard let values, !values.isEmpty else { return nil }
        return values.sorted()[values.count / 2]
    }

    static func show(_ value: Double, _ row: Row) -> String {
        row.isLatency ? "\(format3(value)) µs" : formatRate(value)
    }

    /// Runs a peer (or ourselves) and reads its JSON lines; a figure printed twice (two replays)
    /// keeps the better one, as ours does.
    static func figures(of executable: String, _ arguments: [String]) async throws -> [String: Double] {
        let output = try await ChildProcess.run(executable, arguments, timeout: .seconds(900))
        var figures: [String: Double] = [:]
        for line in output.split(separator: "\n") where line.hasPrefix("{") {
            guard let object = try? JSONValue.parse(String(line)).objectValue else { continue }
            for (key, value) in object where key != "client" {
                guard let number = value.doubleValue ?? value.integerValue.map(Double.init) else { continue }
                let better =
                    key.hasSuffix("_us") ? min(number, figures[key] ?? .infinity) : max(number, figures[key] ?? 0)
                figures[key] = better
            }
        }
        if figures.isEmpty {
            throw ValidationErrorText(
                "\(executable) \(arguments.joined(separator: " ")) printed no figures:\n\(output)"
            )
        }
        return figures
    }

    struct ValidationErrorText: Error, CustomStringConvertible {
        var description: String
        init(_ text: String) { description = text }
    }

    static func microseconds(_ result: LatencyResult) -> Double {
        Double(result.histogram.valueAtPercentile(50)) / 1_000
    }

    /// Keeps a latency row's p50 under `key` (`…_p50_us`) and its context switches per
    /// operation under the same name ending `_switches_per_op`.
    static func record(_ result: LatencyResult, as key: String, in figures: inout [String: Double]) {
        figures[key] = microseconds(result)
        figures[switchesKey(key)] = result.contextSwitchesPerOperation
    }

    static func switchesKey(_ key: String) -> String {
        String(key.dropLast("_p50_us".count)) + "_switches_per_op"
    }

    /// The Go peer's work, with our client and store, on a server of its own.
    static func measureOurs() async throws -> [String: Double] {
        let server = try await NATSServerProcess.start(name: "bench-compare")
        defer { server.shutdown() }
        let client = try await NATSClient.connect(url: server.url)
        var figures: [String: Double] = [:]
        // The peer's stream, as it creates it: file storage, direct gets, subjects `gp.>`. Its
        // request/reply (gp.echo) and core publish (gp.pub) subjects are inside it, so on the Go
        // side the server stores each of those messages, and a request gets two replies, the
        // stream's PubAck and the echo, of which it takes the first. The same stream here makes
        // the work the same.
        var peerStream = StreamConfig(name: "GOPEER2", subjects: ["gp.>"])
        peerStream.storage = .file
        peerStream.allowDirect = true
        try await JetStream(client: client).createStream(peerStream)

        let js = JetStream(client: client)

        // 1. Sequential saves to one actor (expected last subject sequence + msg id).
        let store = try await JetStreamEventStore.open(client: client, configuration: .init(namespace: "compare"))
        record(
            try await StoreBenchmarks.sequentialSaves(store, actor: "seq", iterations: 5_000, name: "save sequential"),
            as: "save_sequential_p50_us",
            in: &figures
        )

        // 1b. The Go peer's timed span exactly: it builds and marshals each event before its timer
        // starts, then times js.Publish with an expected last subject sequence and a msg id into
        // its stream. The same here: events encoded first, a raw JetStream publish timed, into
        // the same stream (GOPEER2), the caller on the pool, then pinned.
        for (key, pinned) in [("js_publish_sequential_p50_us", false), ("js_publish_sequential_pinned_p50_us", true)] {
            let actor = pinned ? "seq-raw-pinned" : "seq-raw"
            let encoded = (1...5_000).map { version in
                let event = Event(
                    eventType: "Tick",
                    actorID: actor,
                    version: Int64(version),
                    data: ["n": .integer(Int64(version))]
                )
                return ByteBuffer(bytes: event.jsonBytes())
            }
            var last: UInt64 = 0
            let measure = {
                try await measureLatency("js publish sequential", iterations: 5_000, warmup: 0) { index in
                    let options = PublishOptions(messageID: "\(actor)-\(index)", expectedLastSubjectSequence: last)
                    last = try await js.publish(encoded[index], to: "gp.e.\(actor)", options: options).sequence
                }
            }
            let result =
                pinned
                ? try await withTaskExecutorPreference(client.taskExecutor) { try await measure() }
                : try await measure()
            record(result, as: key, in: &figures)
        }

        // 2. 64 concurrent savers, each over its own 15 actors.
        figures["save_pipelined_64_per_s"] = try await StoreBenchmarks.savePipelinedRate(store, perWorker: 1_000)

        // 3. Replay of one actor's 100,000 events, decoded: the store's read, and an ordered consumer.
        try await StoreBenchmarks.fill(store, actor: "a", count: 100_000)
        var storeReplay = 0.0
        for _ in 0..<2 {
            storeReplay = max(
                storeReplay,
                try await measureRate(operations: 100_000) {
                    let events = try await store.events(of: "a", from: 0)
                    precondition(events.count == 100_000)
                }
            )
        }
        figures["replay_store_per_s"] = storeReplay
        let subject = "aether.store.\(store.streamName).e.a"
        var ordered = 0.0
        for _ in 0..<2 {
            ordered = max(
                ordered,
                try await measureRate(operations: 100_000) {
                    // A callback per message, as the Go peer's js.Subscribe handler.
                    var decoded = 0
                    try await js.orderedConsumerEach(stream: store.streamName, filterSubjects: [subject]) { event in
                        guard case .message(let message) = event else { return true }
                        _ = try Event(jsonBytes: message.payload.readableBytesView)
                        decoded += 1
                        return decoded < 100_000
                    }
                    precondition(decoded == 100_000, "decoded \(decoded)")
                }
            )
        }
        figures["replay_ordered_per_s"] = ordered

        // 4. The bus: envelopes published on one connection, received and decoded on another.
        figures["bus_pub_recv_per_s"] = try await StoreBenchmarks.busRate(
            url: server.url,
            client: client,
            count: 200_000
        )

        // 5. The last message of a subject: direct get and MSG.GET, each decoded.
        record(
            try await measureLatency("direct get last", iterations: 5_000, warmup: 0) { _ in
                let message = try await js.directGetLast(stream: store.streamName, subject: subject)
                _ = try Event(jsonBytes: message!.payload.readableBytesView)
            },
            as: "direct_get_last_p50_us",
            in: &figures
        )
        record(
            try await withTaskExecutorPreference(client.taskExecutor) {
                try await measureLatency("direct get last, pinned", iterations: 5_000, warmup: 0) { _ in
                    let message = try await js.directGetLast(stream: store.streamName, subject: subject)
                    _ = try Event(jsonBytes: message!.payload.readableBytesView)
                }
            },
            as: "direct_get_last_pinned_p50_us",
            in: &figures
        )
        record(
            try await measureLatency("MSG.GET last", iterations: 2_000, warmup: 0) { _ in
                let message = try await js.lastMessage(stream: store.streamName, subject: subject)
                _ = try Event(jsonBytes: message!.payload.readableBytesView)
            },
            as: "msg_get_last_p50_us",
            in: &figures
        )

        // 5b. What the caller's thread hop costs without the network: from this task to the
        // connection's event loop and back (the write's hop and the reply's resumption), and the
        // same from a task on the loop's own task executor (pinned: no hop).
        record(
            try await measureLatency("hop to the loop and back", iterations: 5_000, warmup: 100) { _ in
                try await client.eventLoop.submit {}.get()
            },
            as: "hop_p50_us",
            in: &figures
        )
        record(
            try await withTaskExecutorPreference(client.taskExecutor) {
                try await measureLatency("hop, pinned", iterations: 5_000, warmup: 100) { _ in
                    try await client.eventLoop.submit {}.get()
                }
            },
            as: "hop_pinned_p50_us",
            in: &figures
        )

        // 6. Core request/reply: a responder on a third connection, answering from a handler
        // subscription as the Go peer's callback (m.Respond) does; pinned, the responder on the
        // requester's event loop and the caller on it too (a message between the two wakes one
        // thread). gp.echo is in the peer's stream: the first reply is the stream's PubAck or
        // the echo, whichever comes first. Outside any stream the echo is the only reply (the
        // Go side: scripts/nats-go-outside-stream.sh).
        let ping = ByteBuffer(string: "ping")
        func echo(_ subject: String, pinned: Bool) async throws -> LatencyResult {
            let responder = try await EchoResponder.start(
                url: server.url,
                subject: subject,
                on: pinned ? client.eventLoop : nil
            )
            let measure = {
                try await measureLatency("request/reply to \(subject)", iterations: 5_000, warmup: 0) { _ in
                    _ = try await client.request(ping, to: subject, timeout: .seconds(1))
                }
            }
            let result =
                pinned
                ? try await withTaskExecutorPreference(client.taskExecutor) { try await measure() }
                : try await measure()
            await responder.stop()
            return result
        }
        record(try await echo("gp.echo", pinned: false), as: "request_reply_p50_us", in: &figures)
        record(try await echo("gp.echo2", pinned: true), as: "request_reply_pinned_p50_us", in: &figures)
        record(try await echo("outside.echo", pinned: false), as: "request_reply_echo_only_p50_us", in: &figures)
        record(
            try await echo("outside.echo2", pinned: true),
            as: "request_reply_echo_only_pinned_p50_us",
            in: &figures
        )

        // 7. The saves again, from tasks that prefer the client's task executor (the write and
        // the ack's resumption stay on the connection's event loop): after the rows above, so they
        // run on the same stream as before, and on actors of their own, so the work is the same.
        record(
            try await withTaskExecutorPreference(client.taskExecutor) {
                try await StoreBenchmarks.sequentialSaves(
                    store,
                    actor: "seq-pinned",
                    iterations: 5_000,
                    name: "save sequential, pinned"
                )
            },
            as: "save_sequential_pinned_p50_us",
            in: &figures
        )
        figures["save_pipelined_64_pinned_per_s"] = try await StoreBenchmarks.savePipelinedRate(
            store,
            perWorker: 1_000,
            executor: client.taskExecutor,
            actorPrefix: "q-"
        )

        // 8. Core publish: 2,000,000 payloads of 128 bytes, until the server has them all; last,
        // because a stream goes on storing core publishes after the flush that ends the count,
        // and what it stores into the peer's stream would weigh on whatever ran next. Outside
        // any stream first (the Go side's script runs that on a server of its own).
        let payload = ByteBuffer(bytes: [UInt8](repeating: 0, count: 128))
        for (key, subject) in [("core_publish_outside_per_s", "outside.pub"), ("core_publish_per_s", "gp.pub")] {
            figures[key] = try await measureRate(operations: 2_000_000) {
                for _ in 0..<2_000_000 { try client.publish(payload, to: subject) }
                try await client.flush(timeout: .seconds(60))
            }
        }

        await client.close()
        return figures
    }
}
