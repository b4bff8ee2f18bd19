import Foundation
import NIOCore
import NIOTestUtils
import Testing

@testable import AetherNATS

@Suite("NATS protocol codec")
struct CodecTests {
    static let stream: [(String, [ServerOp])] = [
        ("PING\r\n", [.ping]),
        ("PONG\r\n+OK\r\n", [.pong, .ok]),
        (
            "MSG foo.bar 9 5\r\nhello\r\n",
            [.msg(NATSMessage(subject: "foo.bar", sid: 9, payload: ByteBuffer(string: "hello")))]
        ),
        (
            "msg a 1 reply.to 0\r\n\r\n",
            [.msg(NATSMessage(subject: "a", sid: 1, replyTo: "reply.to", payload: ByteBuffer()))]
        ),
        (
            "MSG\ta\t1\t  3\r\nx\r\n\r\n",
            [.msg(NATSMessage(subject: "a", sid: 1, payload: ByteBuffer(string: "x\r\n")))]
        ),
        ("-ERR 'Authorization Violation'\r\n", [.err("Authorization Violation")]),
    ]

    @Test("every split of the input gives the same ops (ByteToMessageDecoderVerifier)")
    func verifier() throws {
        let pairs: [(ByteBuffer, [ServerOp])] = Self.stream.map { (ByteBuffer(string: $0.0), $0.1) }
        try ByteToMessageDecoderVerifier.verifyDecoder(inputOutputPairs: pairs) { NATSFrameDecoder() }
    }

    @Test("HMSG: status line, repeated keys, payload after the header block")
    func hmsg() throws {
        let headers = "NATS/1.0 503 No Responders\r\nNats-Subject: x.y\r\nKey: a\r\nKey: b\r\n\r\n"
        let text = "HMSG _INBOX.x.t 4 \(headers.utf8.count) \(headers.utf8.count + 3)\r\n\(headers)abc\r\n"
        var decoder = NATSFrameDecoder()
        var buffer = ByteBuffer(string: text)
        guard case .msg(let message) = try decoder.decode(buffer: &buffer) else {
            Issue.record("not a message")
            return
        }
        #expect(message.status == 503)
        #expect(message.headers?.statusDescription == "No Responders")
        #expect(message.headers?["Nats-Subject"] == "x.y")
        #expect(message.headers?.values("Key") == ["a", "b"])
        #expect(message.string == "abc")
        #expect(buffer.readableBytes == 0)
    }

    @Test("INFO decodes the fields the client uses")
    func info() throws {
        var decoder = NATSFrameDecoder()
        var buffer = ByteBuffer(
            string:
                #"INFO {"server_id":"S1","version":"2.15.1","headers":true,"max_payload":1048576,"jetstream":true,"connect_urls":["127.0.0.1:1","127.0.0.1:2"],"ldm":true,"nonce":"n"}"#
                + "\r\n"
        )
        guard case .info(let info) = try decoder.decode(buffer: &buffer) else {
            Issue.record("not INFO")
            return
        }
        #expect(info.maxPayload == 1_048_576)
        #expect(info.connectURLs == ["127.0.0.1:1", "127.0.0.1:2"])
        #expect(info.lameDuckMode == true)
        #expect(info.jetStream == true)
    }

    @Test("random splits of a long mixed stream decode identically")
    func randomSplits() throws {
        var generator = SystemRandomNumberGenerator()
        var whole = ""
        var expected: [ServerOp] = []
        for index in 0..<300 {
            switch index % 4 {
            case 0:
                let payload = String(repeating: "p", count: Int.random(in: 0...200, using: &generator))
                whole += "MSG s.\(index) \(index) \(payload.utf8.count)\r\n\(payload)\r\n"
                expected.append(
                    .msg(NATSMessage(subject: "s.\(index)", sid: UInt64(index), payload: ByteBuffer(string: payload)))
                )
            case 1:
                let headers = "NATS/1.0\r\nK: \(index)\r\n\r\n"
                whole += "HMSG h \(index) r \(headers.utf8.count) \(headers.utf8.count + 2)\r\n\(headers)ok\r\n"
                expected.append(
                    .msg(
                        NATSMessage(
                            subject: "h",
                            sid: UInt64(index),
                            replyTo: "r",
                            headers: ["K": "\(index)"],
                            payload: ByteBuffer(string: "ok")
                        )
                    )
                )
            case 2:
                whole += "PING\r\n"
                expected.append(.ping)
            default:
                whole += "PONG\r\n"
                expected.append(.pong)
            }
        }
        let bytes = Array(whole.utf8)
        for _ in 0..<50 {
            var decoder = NATSFrameDecoder()
            var buffer = ByteBuffer()
            var decoded: [ServerOp] = []
            var offset = 0
            while offset < bytes.count {
                let size = Int.random(in: 1...64, using: &generator)
                let end = min(bytes.count, offset + size)
                buffer.writeBytes(bytes[offset..<end])
                offset = end
                while let op = try decoder.decode(buffer: &buffer) { decoded.append(op) }
            }
            #expect(decoded == expected)
        }
    }

    @Test("garbage is a protocol error, never a crash")
    func garbage() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            var decoder = NATSFrameDecoder()
            let count = Int.random(in: 1...200, using: &generator)
            var bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
            bytes += [13, 10]
            var buffer = ByteBuffer(bytes: bytes)
            do {
                while try decoder.decode(buffer: &buffer) != nil {}
            } catch let error as NATSError {
                #expect(error.code == .protocolError)
            } catch {
                Issue.record("unexpected error \(error)")
            }
        }
        for text in [
            "FOO bar\r\n", "MSG a b 3\r\nabc\r\n", "MSG a 1 x\r\n", "MSG a 1 3\r\nabcXY", "HMSG a 1 10 5\r\n",
            "INFO {not json\r\n",
        ] {
            var decoder = NATSFrameDecoder()
            var buffer = ByteBuffer(string: text)
            #expect(throws: NATSError.self, "\(text)") {
                while try decoder.decode(buffer: &buffer) != nil {}
            }
        }
    }

    @Test("encoder writes PUB, HPUB with exact byte counts, SUB and UNSUB")
    func encoder() {
        var buffer = ByteBuffer()
        buffer.writePublish(subject: "a.b", replyTo: nil, headers: nil, payload: ByteBuffer(string: "hello"))
        buffer.writePublish(
            subject: "FOO",
            replyTo: "r",
            headers: ["Bar": "Baz"],
            payload: ByteBuffer(string: "Hello NATS!")
        )
        buffer.writeSubscribe(subject: "x.*", queue: "q", sid: 12)
        buffer.writeUnsubscribe(sid: 12, max: 5)
        buffer.writeUnsubscribe(sid: 1_234_567_890, max: nil)
        #expect(
            String(buffer: buffer)
                == "PUB a.b 5\r\nhello\r\nHPUB FOO r 22 33\r\nNATS/1.0\r\nBar: Baz\r\n\r\nHello NATS!\r\nSUB x.* q 12\r\nUNSUB 12 5\r\nUNSUB 1234567890\r\n"
        )
    }

    @Test(
        "PUB and HPUB byte counts at digit boundaries, for an empty payload, a payload slice and a subject in UTF-8"
    )
    func encoderEdges() {
        var buffer = ByteBuffer()
        buffer.writePublish(subject: "a", replyTo: nil, headers: nil, payload: ByteBuffer())
        var slice = ByteBuffer(string: "xx0123456789")
        slice.moveReaderIndex(forwardBy: 2)
        buffer.writePublish(subject: "é.x", replyTo: "_INBOX.1", headers: nil, payload: slice)
        let big = ByteBuffer(repeating: UInt8(ascii: "z"), count: 100_000)
        buffer.writePublish(subject: "b", replyTo: nil, headers: ["K": "v"], payload: big)
        let text = String(buffer: buffer)
        let bigPart = "HPUB b 18 100018\r\nNATS/1.0\r\nK: v\r\n\r\n" + String(repeating: "z", count: 100_000) + "\r\n"
        #expect(text == "PUB a 0\r\n\r\nPUB é.x _INBOX.1 10\r\n0123456789\r\n" + bigPart)
        // The reservation is an upper bound: what was written is exactly the op, nothing after it.
        #expect(buffer.readableBytes == text.utf8.count)
    }

    @Test("a header block's computed size is the size it writes: status, description, UTF-8 values")
    func headerBlockSize() {
        var withStatus = NATSHeaders([("Nats-Msg-Id", "é-1"), ("Aether-Version", "12")])
        withStatus.status = 503
        withStatus.statusDescription = "No Responders"
        var statusOnly = NATSHeaders()
        statusOnly.status = 100
        let blocks = [
            NATSHeaders([("A", "")]), NATSHeaders([("Bar", "Baz"), ("Bar", "Qux ✓")]), withStatus, statusOnly,
        ]
        for headers in blocks {
            var written = ByteBuffer()
            headers.write(to: &written)
            #expect(headers.encodedCount == written.readableBytes)
            #expect(headers.encodedBlock() == written)
        }
        #expect(NATSHeaders().encodedBlock() == nil)
    }

    @Test(
        "subjects: publish must be literal, subscribe allows * and a final >",
        arguments: [
            ("a.b", true, true), ("a.*", false, true), ("a.>", false, true), ("a.>.b", false, false),
            ("a..b", false, false),
            (".a", false, false), ("a.", false, false), ("a b", false, false), ("a\tb", false, false),
            ("", false, false),
            ("a*b", true, true), ("$JS.API.INFO", true, true),
        ]
    )
    func subjects(subject: String, publishOK: Bool, subscribeOK: Bool) {
        #expect(((try? Subject.validatePublish(subject)) != nil) == publishOK)
        #expect(((try? Subject.validateSubscribe(subject)) != nil) == subscribeOK)
    }

    @Test("server URLs: credentials parsed and never printed")
    func serverURLs() throws {
        let url = try ServerURL(parsing: "nats://alice:s3cret@example.com:4333")
        #expect(url.host == "example.com")
        #expect(url.port == 4333)
        #expect(url.user == "alice")
        #expect(url.password == "s3cret")
        #expect(url.description == "nats://example.com:4333")
        #expect(!"\(url)".contains("s3cret"))
        #expect(ServerURL.redact("nats://alice:s3cret@h:1") == "nats://***@h:1")
        #expect(try ServerURL(parsing: "127.0.0.1:5").port == 5)
        #expect(try ServerURL(parsing: "tls://h").tls)
        let error = #expect(throws: NATSError.self) { try ServerURL(parsing: "http://bob:pw@h:1") }
        #expect(error.map { !$0.message.contains("pw") } == true)
    }

    @Test("NKeys: generated seeds round-trip; bad seeds are rejected without quoting them")
    func nkeys() throws {
        let pair = NATSCredentials.KeyPair.generate()
        #expect(pair.seed.hasPrefix("SU"))
        #expect(pair.publicKey.hasPrefix("U"))
        let again = try NATSCredentials.KeyPair(seed: pair.seed)
        #expect(again.publicKey == pair.publicKey)
        var corrupted = Array(pair.seed)
        corrupted[10] = corrupted[10] == "A" ? "B" : "A"
        let error = #expect(throws: NATSError.self) { try NATSCredentials.KeyPair(seed: String(corrupted)) }
        #expect(error?.code == .invalidCredentials)
        #expect(error.map { !$0.message.contains(String(corrupted)) } == true)
        let creds = """
            -----BEGIN NATS USER JWT-----
            eyJhbGciOiJlZDI1NTE5In0.payload.sig
            ------END NATS USER JWT------

            -----BEGIN USER NKEY SEED-----
            \(pair.seed)
            ------END USER NKEY SEED------
            """
        let parsed = try NATSCredentials.Creds(text: creds)
        #expect(parsed.jwt == "eyJhbGciOiJlZDI1NTE5In0.payload.sig")
        #expect(parsed.keyPair.publicKey == pair.publicKey)
    }
}

@Suite("Publish acks and identifiers")
struct AckAndNUIDTests {
    @Test(
        "a publish ack is read from its bytes exactly as JSONDecoder reads it",
        arguments: [
            #"{"stream":"orders_events","seq":42}"#,
            #"{"stream":"orders_events", "seq":7, "duplicate":true}"#,
            #"{ "stream" : "s" , "domain" : "hub" , "seq" : 18446744073709551615 , "duplicate" : false }"#,
            #"{"stream":"s","seq":3,"batch":"b1","count":2,"val":null}"#,
        ]
    )
    func fastAck(_ json: String) throws {
        let fast = try #require(PubAck(flatJSON: Array(json.utf8)))
        #expect(fast == (try JSONDecoder().decode(PubAck.self, from: Data(json.utf8))))
    }

    @Test(
        "anything but a plain ack is left to the full decoder",
        arguments: [
            #"{"error":{"code":400,"err_code":10071,"description":"wrong last sequence: 3"}}"#,
            #"{"stream":"a\"b","seq":1}"#,
            #"{"stream":"s"}"#,
            #"{"seq":1}"#,
            #"{"stream":"s","seq":-1}"#,
            #"{"stream":"s","seq":1.5}"#,
            #"{"stream":"s","seq":18446744073709551616}"#,
            #"{"stream":"s","seq":"1"}"#,
            #"{"stream":"s","seq":1} trailing"#,
            #"{"stream":"s","seq":1"#,
            "",
        ]
    )
    func notFast(_ json: String) {
        #expect(PubAck(flatJSON: Array(json.utf8)) == nil)
    }

    @Test(
        "a MSG.GET reply of the usual shape is read in one scan exactly as JSONDecoder reads it",
        arguments: [
            #"{"type":"io.nats.jetstream.api.v1.stream_msg_get_response","message":{"subject":"a.b","seq":5,"hdrs":"TkFUUy8xLjANCkE6IDENCg0K","data":"eyJ4IjoxfQ==","time":"2026-12-02T10:00:00.123456789Z"}}"#,
            #"{ "message" : { "subject" : "a", "seq" : 1 , "time":"t" } , "type" : "x" }"#,
            #"{"type":"t","message":{"subject":"a","seq":2,"data":"","extra":null}}"#,
        ]
    )
    func fastMessageGet(_ json: String) throws {
        let fast = try #require(JetStream.leaderMessage(flatJSON: Array(json.utf8)))
        let full = try JSONDecoder().decode(JetStream.MessageGetReply.self, from: Data(json.utf8)).message
        #expect(fast == full)
        #expect(try JetStream.decodeLeaderMessage(fast) == JetStream.decodeLeaderMessage(full))
    }

    @Test(
        "anything but the usual MSG.GET reply is left to the full decoder",
        arguments: [
            #"{"type":"t","error":{"code":404,"err_code":10037,"description":"no message found"}}"#,
            #"{"type":"t","message":{"subject":"a\"b","seq":1}}"#,
            #"{"type":"t","message":{"seq":1}}"#,
            #"{"type":"t","message":{"subject":"a"}}"#,
            #"{"type":"t","message":{"subject":"a","seq":1,"hdrs":{"x":1}}}"#,
            #"{"type":"t","message":{"subject":"a","seq":1}} trailing"#,
            #"{"type":"t","message":{"subject":"a","seq":1},"message":{"subject":"b","seq":2}}"#,
            #"{"type":"t"}"#,
            "",
        ]
    )
    func notFastMessageGet(_ json: String) {
        #expect(JetStream.leaderMessage(flatJSON: Array(json.utf8)) == nil)
    }

    @Test("an error reply still becomes the mapped error")
    func errorReply() {
        let reply = NATSMessage(
            subject: "_INBOX.x",
            sid: 1,
            replyTo: nil,
            headers: nil,
            payload: ByteBuffer(
                string: #"{"error":{"code":400,"err_code":10071,"description":"wrong last sequence: 3"}}"#
            )
        )
        #expect(throws: NATSError.self) { try JetStream.decodeAck(reply, subject: "a.b") }
        do {
            _ = try JetStream.decodeAck(reply, subject: "a.b")
        } catch let error as NATSError {
            #expect(error.code == .wrongLastSequence)
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test("identifiers are unique, base62, 22 characters")
    func nuid() {
        let ids = (0..<20_000).map { _ in NUID.next() }
        #expect(Set(ids).count == ids.count)
        #expect(ids.allSatisfy { $0.utf8.count == 22 && $0.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) } })
        // Two generators' prefixes differ: ids made now do not share the prefix of a random one.
        #expect(NUID.random(length: 22) != NUID.next())
    }

    @Test("a mux reply subject's token: the decimal number after the prefix, nothing else")
    func requestTokens() {
        let prefix = "_INBOX.abcdefghij0123456789AB."
        let length = prefix.utf8.count
        #expect(NATSClient.requestToken(in: prefix + "1", prefixLength: length) == 1)
        #expect(NATSClient.requestToken(in: prefix + "18446744073", prefixLength: length) == 18_446_744_073)
        #expect(
            NATSClient.requestToken(in: prefix + "9999999999999999999", prefixLength: length)
                == 9_999_999_999_999_999_999
        )
        // Empty, not a number, too long for the counter, or a subject shorter than the prefix.
        for subject in [
            prefix, prefix + "12a", prefix + "-1", prefix + "1.2", prefix + "99999999999999999999", "_INBOX",
        ] {
            #expect(NATSClient.requestToken(in: subject, prefixLength: length) == nil, "\(subject)")
        }
    }
}
