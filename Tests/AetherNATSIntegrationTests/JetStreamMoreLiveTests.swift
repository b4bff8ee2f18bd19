import AetherNATS
import AetherNATSTesting
import AetherTestSupport
import NIOCore
import Testing

@Suite(
    "JetStream batches, consumers and KV against nats-server 2.15.1",
    .enabled(if: Live.serverPresent, Live.skipReason)
)
struct JetStreamMoreLiveTests {
    private func atomicStream(_ js: JetStream, _ name: String) async throws {
        var config = StreamConfig(name: name, subjects: ["\(name.lowercased()).>"])
        config.allowAtomic = true
        config.allowDirect = true
        try await js.createStream(config)
    }

    @Test("atomic batch: all stored, or none when the expectation on the first message fails")
    func atomicBatch() async throws {
        try await Live.withClient { client, _ in
            let js = JetStream(client: client)
            try await atomicStream(js, "AB")
            let first = (1...3).map { BatchMessage(subject: "ab.actor", payload: ByteBuffer(string: "e\($0)")) }
            var withExpectation = first
            withExpectation[0].headers["Nats-Expected-Last-Subject-Sequence"] = "0"
            let ack = try await js.publishBatch(withExpectation)
            #expect(ack.sequence == 3)
            #expect(ack.count == 3)
            var stale = (4...6).map { BatchMessage(subject: "ab.actor", payload: ByteBuffer(string: "e\($0)")) }
            stale[0].headers["Nats-Expected-Last-Subject-Sequence"] = "0"
            let error = await #expect(throws: NATSError.self) { _ = try await js.publishBatch(stale) }
            #expect(error?.code == .wrongLastSequence)
            #expect(try await js.streamInfo("AB").state.messages == 3)
            let single = try await js.publishBatch([
                BatchMessage(subject: "ab.other", payload: ByteBuffer(string: "solo"))
            ])
            #expect(single.sequence == 4)
            try await js.createStream(StreamConfig(name: "NOATOMIC", subjects: ["noatomic"]))
            let disabled = await #expect(throws: NATSError.self) {
                _ = try await js.publishBatch([
                    BatchMessage(subject: "noatomic", payload: ByteBuffer()),
                    BatchMessage(subject: "noatomic", payload: ByteBuffer()),
                ])
            }
            #expect(disabled?.apiError?.errCode == 10174)
        }
    }

    @Test(
        "pipelined publishes: stored in the order given, each acknowledged or refused on its own; a message deleted by sequence is gone"
    )
    func pipelinedPublishes() async throws {
        try await Live.withClient { client, _ in
            let js = JetStream(client: client)
            try await atomicStream(js, "PP")
            let results = try await js.publish([
                JetStream.Publish(ByteBuffer(string: "one"), to: "pp.a"),
                JetStream.Publish(
                    ByteBuffer(string: "stale"),
                    to: "pp.a",
                    options: PublishOptions(expectedLastSubjectSequence: 0)
                ),
                JetStream.Publish(ByteBuffer(string: "two"), to: "pp.b", options: PublishOptions(messageID: "m-2")),
                JetStream.Publish(
                    ByteBuffer(string: "two again"),
                    to: "pp.b",
                    options: PublishOptions(messageID: "m-2")
                ),
            ])
            #expect(try results[0].get().sequence == 1)
            if case .failure(let error) = results[1] {
                #expect((error as? NATSError)?.code == .wrongLastSequence)
            } else {
                Issue.record("the publish with a stale expectation was stored")
            }
            #expect(try results[2].get().sequence == 2)
            #expect(try results[3].get().duplicate == true && results[3].get().sequence == 2)
            #expect(try await js.streamInfo("PP").state.messages == 2)
            try await js.deleteMessage(stream: "PP", sequence: 1)
            #expect(try await js.directGet(stream: "PP", sequence: 1) == nil)
            #expect(try await js.streamInfo("PP").state.messages == 1)
            let missing = await #expect(throws: NATSError.self) {
                try await js.deleteMessage(stream: "PP", sequence: 1)
            }
            #expect(missing?.apiError != nil)
            #expect(try await js.publish([]).isEmpty)
        }
    }

    @Test("batched direct get reads a subject's messages in order across batches")
    func directBatches() async throws {
        try await Live.withClient { client, _ in
            let js = JetStream(client: client)
            try await atomicStream(js, "DB")
            for index in 1...25 {
                _ = try await js.publish(Array("a\(index)".utf8), to: "db.a")
                _ = try await js.publish(Array("b\(index)".utf8), to: "db.b")
            }
            var read: [String] = []
            for try await message in js.directGetAll(stream: "DB", subject: "db.a", batchSize: 7) {
                read.append(String(decoding: message.data, as: UTF8.self))
            }
            #expect(read == (1...25).map { "a\($0)" })
            var tail: [UInt64] = []
            for try await message in js.directGetAll(stream: "DB", subject: "db.b", from: 40) {
                tail.append(message.sequence)
            }
            #expect(tail == [40, 42, 44, 46, 48, 50])
        }
    }

    @Test("ordered consumer: history in order, caught-up marker, then live messages; survives a server restart")
    func orderedConsumer() async throws {
        try await Live.withClient { client, server in
            let js = JetStream(client: client)
            try await atomicStream(js, "OC")
            for index in 1...100 { _ = try await js.publish(Array("\(index)".utf8), to: "oc.x") }
            let events = js.orderedConsumer(stream: "OC", filterSubjects: ["oc.x"], heartbeat: .milliseconds(500))
            let seen = try await withDeadline(20, "ordered consumer history, live and after restart") {
                var sequences: [UInt64] = []
                var caughtUpAt: Int?
                for try await event in events {
                    switch event {
                    case .caughtUp:
                        caughtUpAt = sequences.count
                        _ = try await js.publish(Array("live".utf8), to: "oc.x")
                    case .message(let message):
                        sequences.append(message.streamSequence)
                        if sequences.count == 101 {
                            server.kill9()
                            try await server.restart()
                            _ = try await js.publish(Array("after restart".utf8), to: "oc.x")
                        }
                        if sequences.count == 102 { return (sequences, caughtUpAt) }
                    }
                }
                return (sequences, caughtUpAt)
            }
            #expect(seen.0 == (1...102).map { UInt64($0) })
            #expect(seen.1 == 100)
        }
    }

    @Test("ordered consumer: a reader slower than the stream still gets every message (20,000)")
    func orderedConsumerSlowReader() async throws {
        try await Live.withClient { client, _ in
            let js = JetStream(client: client)
            try await atomicStream(js, "SLOW")
            for start in stride(from: 0, to: 20_000, by: 1000) {
                let batch = (start..<start + 1000).map {
                    BatchMessage(subject: "slow.x", payload: ByteBuffer(string: "\($0)"))
                }
                _ = try await js.publishBatch(batch)
            }
            let sequences = try await withDeadline(60, "20,000 messages") {
                var sequences: [UInt64] = []
                for try await event in js.orderedConsumer(stream: "SLOW", filterSubjects: ["slow.x"]) {
                    guard case .message(let message) = event else { break }
                    sequences.append(message.streamSequence)
                    if sequences.count % 2000 == 0 { try await Task.sleep(for: .milliseconds(20)) }  // fall behind
                }
                return sequences
            }
            #expect(sequences == (1...20_000).map { UInt64($0) })
        }
    }

    @Test("KV: create only if absent (also over a delete), CAS update, get, delete, purge, keys, history")
    func keyValue() async throws {
        try await Live.withClient { client, _ in
            let js = JetStream(client: client)
            var config = KeyValue.Config(bucket: "cfg")
            config.history = 5
            let kv = try await KeyValue.create(config, in: js)
            let r1 = try await kv.create("leader", Array("n1".utf8))
            let taken = await #expect(throws: NATSError.self) { _ = try await kv.create("leader", Array("n2".utf8)) }
            #expect(taken?.code == .wrongLastSequence)
            let r2 = try await kv.update("leader", Array("n1".utf8), revision: r1)
            let stale = await #expect(throws: NATSError.self) {
                _ = try await kv.update("leader", Array("n3".utf8), revision: r1)
            }
            #expect(stale?.code == .wrongLastSequence)
            #expect(try await kv.get("leader")?.value == Array("n1".utf8))
            #expect(try await kv.get("leader")?.revision == r2)
            try await kv.delete("leader")
            #expect(try await kv.get("leader") == nil)
            let r4 = try await kv.create("leader", Array("n2".utf8))  // over the delete marker
            #expect(r4 > r2)
            try await kv.put("a.b", Array("x".utf8))
            try await kv.put("gone", Array("y".utf8))
            try await kv.purge("gone")
            #expect(try await kv.keys() == ["a.b", "leader"])
            let history = try await kv.history("leader")
            #expect(history.map(\.operation) == [.put, .put, .delete, .put])
            #expect(throws: NATSError.self) { try KeyValue.validateKey("bad key") }
            await #expect(throws: NATSError.self) {
                _ = try await KeyValue.create(KeyValue.Config(bucket: "bad.name"), in: js)
            }
        }
    }

    @Test("KV watch: current values, initial-done marker, then updates and deletes")
    func watch() async throws {
        try await Live.withClient { client, _ in
            let js = JetStream(client: client)
            let kv = try await KeyValue.create(KeyValue.Config(bucket: "w"), in: js)
            try await kv.put("k1", Array("1".utf8))
            try await kv.put("k2", Array("2".utf8))
            let stream = kv.watch()
            let seen = try await withDeadline(10, "watch events") {
                var seen: [String] = []
                for try await event in stream {
                    switch event {
                    case .initialValuesDone:
                        seen.append("done")
                        try await kv.put("k1", Array("1b".utf8))
                        try await kv.delete("k2")
                    case .entry(let entry):
                        seen.append(
                            "\(entry.key)=\(String(decoding: entry.value, as: UTF8.self)) \(entry.operation.rawValue)"
                        )
                        if seen.count == 5 { return seen }
                    }
                }
                return seen
            }
            #expect(seen == ["k1=1 PUT", "k2=2 PUT", "done", "k1=1b PUT", "k2= DEL"])
            // An empty bucket says "done" at once.
            let empty = try await KeyValue.create(KeyValue.Config(bucket: "empty"), in: js)
            let first: KVWatchEvent? = try await withDeadline(10, "empty watch") { () -> KVWatchEvent? in
                for try await event in empty.watch() { return event }
                return nil
            }
            #expect(first == .initialValuesDone)
        }
    }

    @Test("KV per-key TTL: a key is held until its TTL, then expires and can be created again")
    func perKeyTTL() async throws {
        try await Live.withClient { client, _ in
            let js = JetStream(client: client)
            var config = KeyValue.Config(bucket: "lease")
            config.allowPerKeyTTL = true
            config.markerTTL = .seconds(1)
            let kv = try await KeyValue.create(config, in: js)
            // Held: a long TTL, so the check cannot race the expiry on a loaded machine.
            try await kv.create("held", Array("n1".utf8), ttl: .seconds(60))
            let held = await #expect(throws: NATSError.self) {
                _ = try await kv.create("held", Array("n2".utf8), ttl: .seconds(60))
            }
            #expect(held?.code == .wrongLastSequence)
            // Expires: a short TTL, then the key can be created again.
            try await kv.create("leader", Array("n1".utf8), ttl: .seconds(1))
            // Poll until the key has expired (bounded), then take it.
            let taken = try await withDeadline(15, "lease expiry") {
                while true {
                    if let revision = try? await kv.create("leader", Array("n2".utf8), ttl: .seconds(5)) {
                        return revision
                    }
                    try await Task.sleep(for: .milliseconds(100))
                }
            }
            #expect(taken > 1)
            #expect(try await kv.get("leader")?.value == Array("n2".utf8))
        }
    }
}

@Suite("Pull consumers against nats-server 2.15.1", .enabled(if: Live.serverPresent, Live.skipReason))
struct PullConsumerLiveTests {
    @Test("create, fetch in batches, ack, no_wait on empty, redelivery of unacked, delete")
    func pull() async throws {
        try await Live.withClient { client, _ in
            let js = JetStream(client: client)
            try await js.createStream(StreamConfig(name: "WORK", subjects: ["work.>"]))
            for index in 1...10 { _ = try await js.publish(Array("job\(index)".utf8), to: "work.q") }
            var config = PullConsumerConfig(name: "workers")
            config.ackWait = .milliseconds(500)
            try await js.createPullConsumer(stream: "WORK", config)
            let first = try await js.fetch(stream: "WORK", consumer: "workers", batch: 4)
            #expect(first.map { String(decoding: $0.message.data, as: UTF8.self) } == ["job1", "job2", "job3", "job4"])
            for message in first { try await message.ackSync() }
            let rest = try await js.fetch(stream: "WORK", consumer: "workers", batch: 10, expires: .milliseconds(300))
            #expect(rest.count == 6)
            for message in rest.dropFirst() { try await message.ackSync() }
            // job5 was not acknowledged: it comes back after ack_wait.
            let again = try await js.fetch(stream: "WORK", consumer: "workers", batch: 1, expires: .seconds(3))
            #expect(again.first.map { String(decoding: $0.message.data, as: UTF8.self) } == "job5")
            try await again.first?.ackSync()
            let empty = try await js.fetch(stream: "WORK", consumer: "workers", batch: 5, noWait: true)
            #expect(empty.isEmpty)
            try await js.deleteConsumer(stream: "WORK", name: "workers")
            await #expect(throws: NATSError.self) {
                _ = try await js.fetch(stream: "WORK", consumer: "workers", batch: 1, noWait: true)
            }
        }
    }
}
