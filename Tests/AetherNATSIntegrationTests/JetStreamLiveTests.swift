import AetherNATS
import AetherTestSupport
import NIOCore
import Testing

@Suite("JetStream against nats-server 2.15.1", .enabled(if: Live.serverPresent, Live.skipReason))
struct JetStreamLiveTests {
    @Test("streams: create (idempotent), info, names, purge by subject, delete")
    func streamLifecycle() async throws {
        try await Live.withClient { client, _ in
            let js = JetStream(client: client)
            var config = StreamConfig(name: "EV", subjects: ["ev.>"])
            config.allowDirect = true
            try await js.createStream(config)
            try await js.createStream(config)  // identical: fine
            #expect(try await js.streamNames() == ["EV"])
            for index in 0..<3 { _ = try await js.publish(Array("a\(index)".utf8), to: "ev.a") }
            _ = try await js.publish(Array("b".utf8), to: "ev.b")
            let info = try await js.streamInfo("EV")
            #expect(info.state.messages == 4)
            #expect(info.config.allowDirect)
            #expect(try await js.purgeStream("EV", subject: "ev.a") == 3)
            #expect(try await js.streamInfo("EV").state.messages == 1)
            var other = config
            other.subjects = ["other.>"]
            let conflict = await #expect(throws: NATSError.self) { try await js.createStream(other) }
            #expect(conflict?.apiError?.errCode == JetStreamErrorCode.streamNameInUse)
            try await js.deleteStream("EV")
            let missing = await #expect(throws: NATSError.self) { _ = try await js.streamInfo("EV") }
            #expect(missing?.code == .notFound)
        }
    }

    @Test(
        "publish acks; Nats-Msg-Id deduplicates; expected-last-subject-sequence conflicts are .wrongLastSequence and store nothing"
    )
    func publishExpectations() async throws {
        try await Live.withClient { client, _ in
            let js = JetStream(client: client)
            var config = StreamConfig(name: "OCC", subjects: ["occ.>"])
            config.allowDirect = true
            try await js.createStream(config)
            let first = try await js.publish(
                Array("v1".utf8),
                to: "occ.actor",
                options: PublishOptions(messageID: "id-1", expectedLastSubjectSequence: 0)
            )
            #expect(first.stream == "OCC")
            #expect(first.sequence == 1)
            #expect(!first.duplicate)
            let again = try await js.publish(
                Array("v1".utf8),
                to: "occ.other",
                options: PublishOptions(messageID: "id-1")
            )
            #expect(again.duplicate)
            #expect(again.sequence == 1)
            let stale = await #expect(throws: NATSError.self) {
                _ = try await js.publish(
                    Array("v2".utf8),
                    to: "occ.actor",
                    options: PublishOptions(expectedLastSubjectSequence: 0)
                )
            }
            #expect(stale?.code == .wrongLastSequence)
            #expect(stale?.apiError?.errCode == 10071)
            let second = try await js.publish(
                Array("v2".utf8),
                to: "occ.actor",
                options: PublishOptions(expectedLastSubjectSequence: 1)
            )
            #expect(second.sequence == 2)
            // Fencing: the check runs against another subject.
            _ = try await js.publish(Array("lease".utf8), to: "occ.lease")
            let fenced = await #expect(throws: NATSError.self) {
                _ = try await js.publish(
                    Array("x".utf8),
                    to: "occ.map",
                    options: PublishOptions(
                        expectedLastSubjectSequence: 1,
                        expectedLastSubjectSequenceSubject: "occ.lease"
                    )
                )
            }
            #expect(fenced?.code == .wrongLastSequence)
            #expect(try await js.streamInfo("OCC").state.messages == 3)
        }
    }

    @Test("direct get by last subject and by sequence; MSG.GET from the leader; missing is nil")
    func reads() async throws {
        try await Live.withClient { client, _ in
            let js = JetStream(client: client)
            var config = StreamConfig(name: "RD", subjects: ["rd.>"])
            config.allowDirect = true
            try await js.createStream(config)
            _ = try await js.publish(Array("one".utf8), to: "rd.x", options: PublishOptions(messageID: "m1"))
            _ = try await js.publish(Array("two".utf8), to: "rd.x", options: PublishOptions(messageID: "m2"))
            let last = try #require(try await js.directGetLast(stream: "RD", subject: "rd.x"))
            #expect(last.data == Array("two".utf8))
            #expect(last.sequence == 2)
            #expect(last.headers?["Nats-Msg-Id"] == "m2")
            #expect(try await js.directGet(stream: "RD", sequence: 1)?.data == Array("one".utf8))
            #expect(try await js.directGetLast(stream: "RD", subject: "rd.none") == nil)
            let leader = try #require(try await js.lastMessage(stream: "RD", subject: "rd.x"))
            #expect(leader.data == Array("two".utf8))
            #expect(leader.headers?["Nats-Msg-Id"] == "m2")
            #expect(try await js.lastMessage(stream: "RD", subject: "rd.none") == nil)
            #expect(try await js.message(stream: "RD", sequence: 1)?.subject == "rd.x")
        }
    }

    @Test("publishing to a subject no stream takes is .noResponders after the retry budget")
    func noStream() async throws {
        try await Live.withClient { client, _ in
            let js = JetStream(client: client)
            var options = PublishOptions()
            options.retryUntil = .milliseconds(300)
            let error = await #expect(throws: NATSError.self) {
                _ = try await js.publish(Array("x".utf8), to: "nowhere", options: options)
            }
            #expect(error?.code == .noResponders)
        }
    }

    @Test("per-message TTL needs allow_msg_ttl; with it the header is accepted")
    func ttl() async throws {
        try await Live.withClient { client, _ in
            let js = JetStream(client: client)
            try await js.createStream(StreamConfig(name: "NOTTL", subjects: ["nottl"]))
            var options = PublishOptions()
            options.ttl = "5s"
            let disabled = await #expect(throws: NATSError.self) {
                _ = try await js.publish(Array("x".utf8), to: "nottl", options: options)
            }
            #expect(disabled?.apiError?.errCode == 10166)
            var config = StreamConfig(name: "TTL", subjects: ["ttl"])
            config.allowMessageTTL = true
            try await js.createStream(config)
            let ack = try await js.publish(Array("x".utf8), to: "ttl", options: options)
            #expect(ack.sequence == 1)
        }
    }
}
