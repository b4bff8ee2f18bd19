import Aether
import AetherNATS
import AetherNATSTesting
import Foundation
import NIOCore

/// The correlation index (issue 15): what it adds to a save, and how fast a trace is found.
///
/// - Save cost: sequential saves of one actor and 64 concurrent savers over 1,000 actors, without
///   and with a `correlationId` (its index record published just ahead of it, in the same socket
///   write), rounds interleaved, medians of `rounds`.
/// - Trace: 10 namespaces of `events / 10` events each, written by a plain NATS client following
///   `docs/WIRE-FORMAT.md` (core publishes, each event followed by its index record, every event
///   in a request of 5), plus one request of 3 events in each namespace; `Trace.find` over the
///   10 namespaces, p50 and p99.
enum CorrelationBenchmark {
    static func run(events: Int, rounds: Int) async throws -> [String] {
        var lines: [String] = []
        let server = try await NATSServerProcess.start(name: "bench-corr")
        defer { server.shutdown() }
        let client = try await NATSClient.connect(url: server.url)
        defer { client.closeNow() }

        // Save cost, interleaved: without, with, without, with, …
        var saving = JetStreamEventStore.Configuration(namespace: "savecost")
        saving.indexCorrelations = true
        let store = try await JetStreamEventStore.open(client: client, configuration: saving)
        var sequential: [Bool: [UInt64]] = [false: [], true: []]
        var concurrent: [Bool: [Double]] = [false: [], true: []]
        var floor: [Bool: [UInt64]] = [false: [], true: []]
        var concurrentFloor: [RecordKind: [Double]] = [:]
        let js = JetStream(client: client)
        for round in 0..<rounds {
            for indexed in [false, true] {
                let actor = "seq-\(indexed)-\(round)"
                var version: Int64 = 1
                let result = try await measureLatency(
                    "save, sequential, \(indexed ? "with" : "without") correlationId",
                    iterations: 3_000,
                    warmup: 200
                ) { _ in
                    var event = Event(
                        eventType: "Tick",
                        actorID: actor,
                        version: version,
                        data: ["n": .integer(version)]
                    )
                    if indexed { event.correlationID = "req-\(version / 5)" }
                    try await store.save(event)
                    version += 1
                }
                sequential[indexed]!.append(result.histogram.valueAtPercentile(50))
                concurrent[indexed]!.append(try await rate(store, indexed: indexed, round: round))
                floor[indexed]!.append(try await rawSave(js, stream: store.streamName, indexed: indexed, round: round))
            }
            // In a rotated order each round, so that no kind always meets the largest stream.
            let kinds = RecordKind.allCases
            for offset in kinds.indices {
                let kind = kinds[(offset + round) % kinds.count]
                concurrentFloor[kind, default: []].append(
                    try await rawRate(js, stream: store.streamName, record: kind, round: round)
                )
            }
        }
        func median<T: Comparable>(_ values: [T]) -> T { values.sorted()[values.count / 2] }
        let seqWithout = median(sequential[false]!)
        let seqWith = median(sequential[true]!)
        let rateWithout = median(concurrent[false]!)
        let rateWith = median(concurrent[true]!)
        lines.append(
            "save, one actor, sequential, p50 (median of \(rounds)): without \(format(seqWithout)) with \(format(seqWith)) → +\(format3((Double(seqWith) / Double(seqWithout) - 1) * 100)) %"
        )
        lines.append(
            "save, 64 concurrent over 1,000 actors (median of \(rounds)): without \(formatRate(rateWithout)) with \(formatRate(rateWith)) → \(format3((1 - rateWith / rateWithout) * 100)) % fewer"
        )

        let floorWithout = median(floor[false]!)
        let floorWith = median(floor[true]!)
        lines.append(
            "the same publishes without the store (JetStream.publish: the event alone, or record + event in one write), p50: without \(format(floorWithout)) with \(format(floorWith)) → +\(format3((Double(floorWith) / Double(floorWithout) - 1) * 100)) %"
        )

        let alone = median(concurrentFloor[.none]!)
        for kind in RecordKind.allCases where kind != .none {
            let rate = median(concurrentFloor[kind]!)
            lines.append(
                "the 64 concurrent saves' publishes without the store, \(kind.rawValue): \(formatRate(rate)) against \(formatRate(alone)) for the event alone → \(format3((1 - rate / alone) * 100)) % fewer"
            )
        }

        // The trace lookup over 10 namespaces in a store of `events` events.
        let namespaces = (0..<10).map { "trace\($0)" }
        let clock = ContinuousClock()
        let start = clock.now
        let perNamespace = events / namespaces.count
        for (position, namespace) in namespaces.enumerated() {
            try await ScaleBenchmark.createStream(js, namespace)
            let stream = "aether.store.\(namespace)_events"
            // Messages: each event's index record then the event; the request's three events in the middle.
            try await ScaleBenchmark.write(
                client,
                namespace,
                count: perNamespace * 2 + 6,
                expected: UInt64(perNamespace * 2 + 6)
            ) {
                index in
                let record = index / 2
                let isIndex = index % 2 == 0  // a single save's layout: the record just ahead of its event
                let middle = perNamespace / 2
                let target = record >= middle && record < middle + 3
                let actor = target ? "target-\(position)" : "a-\(record % 1000)"
                let version = target ? record - middle + 1 : record / 1000 + 1
                let id = "\(namespace)-\(record)"
                let correlation = target ? "req-target" : "req-\(namespace)-\(record / 5)"
                if isIndex {
                    return (
                        "\(stream).c.\(ActorToken.encode(correlation))",
                        #"{"eventId":"\#(id)","actorId":"\#(actor)","version":\#(version)}"#,
                        ["Nats-Msg-Id": id + ".correlation", "Aether-Index": "correlation"]
                    )
                }
                let cause = target && record > middle ? #","causationId":"\#(namespace)-\#(record - 1)""# : ""
                return (
                    "\(stream).e.\(actor)",
                    #"{"id":"\#(id)","eventType":"Set","actorId":"\#(actor)","version":\#(version),"data":{"n":\#(record)},"metadata":{"correlationId":"\#(correlation)"\#(cause)},"timestamp":"2026-01-01T00:00:00Z"}"#,
                    ["Nats-Msg-Id": id, "Aether-Version": "\(version)"]
                )
            }
        }
        lines.append(
            "wrote \(perNamespace * namespaces.count + 30) events and as many index records in 10 namespaces with a plain client in \(start.duration(to: clock.now))"
        )
        var stores: [any CorrelationIndex] = []
        for namespace in namespaces {
            stores.append(
                try await JetStreamEventStore.open(client: client, configuration: .init(namespace: namespace))
            )
        }
        let lookup = try await measureLatency("trace of one request over 10 namespaces", iterations: 200, warmup: 20) {
            _ in
            let trace = try await Trace.find("req-target", in: stores)
            precondition(trace.entries.count == 30 && trace.problems.isEmpty, "trace: \(trace.entries.count) entries")
        }
        lines.append(lookup.line + "  (target ≤ 100 ms)")
        return lines
    }

    /// What the server and the client alone cost: the publishes a save makes, without the store
    /// (no cache, no event encoding): the event with its expectation, or its index record and
    /// the event in one write. Sequential, p50 of 3,000.
    static func rawSave(_ js: JetStream, stream: String, indexed: Bool, round: Int) async throws -> UInt64 {
        let actor = "raw-\(indexed)-\(round)"
        let subject = "aether.store.\(stream).e.\(actor)"
        var last: UInt64 = 0
        var version = 1
        let result = try await measureLatency("publish", iterations: 3_000, warmup: 200) { _ in
            let id = "\(actor)-\(version)"
            let payload = ByteBuffer(
                string:
                    #"{"id":"\#(id)","eventType":"Tick","actorId":"\#(actor)","version":\#(version),"data":{"n":\#(version)},"metadata":{"correlationId":"req-\#(version / 5)"},"timestamp":"2026-01-01T00:00:00Z"}"#
            )
            var options = PublishOptions(messageID: id, expectedLastSubjectSequence: last)
            options.extraHeaders = ["Aether-Version": String(version)]
            if indexed {
                var record = PublishOptions(messageID: id + ".correlation")
                record.extraHeaders = ["Aether-Index": "correlation"]
                let results = try await js.publish([
                    JetStream.Publish(
                        ByteBuffer(string: #"{"eventId":"\#(id)","actorId":"\#(actor)","version":\#(version)}"#),
                        to: "aether.store.\(stream).c.req-\(version / 5)",
                        options: record
                    ),
                    JetStream.Publish(payload, to: subject, options: options),
                ])
                _ = try results[0].get()
                last = try results[1].get().sequence
            } else {
                last = try await js.publish(payload, to: subject, options: options).sequence
            }
            version += 1
        }
        return result.histogram.valueAtPercentile(50)
    }

    /// What an index record costs the server, at its cheapest: the record a save publishes, or none.
    enum RecordKind: String, CaseIterable {
        case none = "event alone"
        /// As the store does: the record with its Nats-Msg-Id, acknowledged, then the event.
        case acknowledged = "record (msg id, acknowledged) + event"
        /// The least a stored record can cost: a core publish into the stream, no reply subject
        /// (so no acknowledgement, and a refused record goes unseen), no Nats-Msg-Id.
        case bare = "record (no msg id, not acknowledged) + event"
        /// No record: the correlation token as one more subject token of the event
        /// (`e.<actor>.<correlation>`), the expectation checked against `e.<actor>.*`
        /// (`Nats-Expected-Last-Subject-Sequence-Subject`). Not the layout: what another layout
        /// would cost.
        case inSubject =
            "no record, the correlation in the event's subject (e.<actor>.<correlation>, expected against e.<actor>.*)"
        /// Where that cost lies: the same subjects with no expectation (version order unchecked)…
        case inSubjectUnchecked =
            "no record, the correlation in the event's subject, no expectation (unsafe: versions unchecked)"
        /// … and the event alone with its expectation named by that header, on its own subject.
        case namedExpectation =
            "no record, the event alone, its expectation named by Nats-Expected-Last-Subject-Sequence-Subject: e.<actor>"
    }

    /// The 64 concurrent savers' work with the plain client, without the store: each event with
    /// its expectation and msg id, the record as `kind` says, in the same write. 200 each over
    /// 1,000 actors, as `rate`.
    static func rawRate(_ js: JetStream, stream: String, record kind: RecordKind, round: Int) async throws -> Double {
        try await StoreBenchmarks.sixtyFourSavers(perWorker: 200) { worker in
            var last: [Int: UInt64] = [:]
            for index in 0..<200 {
                let actor = worker + 64 * (index % 15)
                let version = index / 15 + 1
                let actorID = "raw-\(kind)-\(round)-\(actor)"
                let id = "\(actorID)-\(version)"
                let correlation = "req-\(worker)-\(index / 5)"
                let payload = ByteBuffer(
                    string:
                        #"{"id":"\#(id)","eventType":"Tick","actorId":"\#(actorID)","version":\#(version),"data":{"n":\#(version)},"metadata":{"correlationId":"\#(correlation)"},"timestamp":"2026-01-01T00:00:00Z"}"#
                )
                var options = PublishOptions(messageID: id, expectedLastSubjectSequence: last[actor] ?? 0)
                options.extraHeaders = ["Aether-Version": String(version)]
                let event = JetStream.Publish(
                    payload,
                    to: "aether.store.\(stream).e.\(actorID)",
                    options: options
                )
                let recordPayload = ByteBuffer(
                    string: #"{"eventId":"\#(id)","actorId":"\#(actorID)","version":\#(version)}"#
                )
                let recordSubject = "aether.store.\(stream).c.\(correlation)"
                switch kind {
                case .none:
                    last[actor] = try await js.publish(payload, to: event.subject, options: options)
                        .sequence
                case .acknowledged:
                    var record = PublishOptions(messageID: id + ".correlation")
                    record.extraHeaders = ["Aether-Index": "correlation"]
                    let results = try await js.publish([
                        JetStream.Publish(recordPayload, to: recordSubject, options: record), event,
                    ])
                    _ = try results[0].get()
                    last[actor] = try results[1].get().sequence
                case .inSubject:
                    var inSubject = options
                    inSubject.extraHeaders["Nats-Expected-Last-Subject-Sequence-Subject"] =
                        "aether.store.\(stream).e.\(actorID).*"
                    last[actor] = try await js.publish(
                        payload,
                        to: "aether.store.\(stream).e.\(actorID).\(correlation)",
                        options: inSubject
                    ).sequence
                case .inSubjectUnchecked:
                    last[actor] = try await js.publish(
                        payload,
                        to: "aether.store.\(stream).e.\(actorID).\(correlation)",
                        options: PublishOptions(messageID: id)
                    ).sequence
                case .namedExpectation:
                    var named = options
                    named.extraHeaders["Nats-Expected-Last-Subject-Sequence-Subject"] = event.subject
                    last[actor] = try await js.publish(payload, to: event.subject, options: named).sequence
                case .bare:
                    try js.client.publish(
                        recordPayload,
                        to: recordSubject,
                        headers: ["Aether-Index": "correlation"]
                    )
                    last[actor] = try await js.publish(payload, to: event.subject, options: options)
                        .sequence
                }
            }
        }
    }

    /// 64 concurrent savers over 1,000 actors, 200 saves each.
    static func rate(_ store: JetStreamEventStore, indexed: Bool, round: Int) async throws -> Double {
        try await StoreBenchmarks.sixtyFourSavers(perWorker: 200) { worker in
            var versions: [Int: Int64] = [:]
            for index in 0..<200 {
                let actor = worker + 64 * (index % 15)
                let version = (versions[actor] ?? 0) + 1
                versions[actor] = version
                var event = Event(
                    eventType: "Tick",
                    actorID: "c-\(indexed)-\(round)-\(actor)",
                    version: version,
                    data: ["n": .integer(version)]
                )
                if indexed { event.correlationID = "req-\(worker)-\(index / 5)" }
                try await store.save(event)
            }
        }
    }
}
