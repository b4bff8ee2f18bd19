import Testing

@testable import AetherNATS

/// The numbers a JetStream delivery carries in its reply subject.
@Suite("Consumer delivery metadata from the reply subject")
struct ConsumerMetadataTests {
    @Test("v1: $JS.ACK.<stream>.<consumer>.<delivered>.<sseq>.<cseq>.<ts>.<pending>")
    func v1() throws {
        let meta = try #require(
            ConsumedMessage.metadata(fromReply: "$JS.ACK.orders_events.oc_x1.1.1042.17.1733140000123456789.99983")
        )
        #expect(meta.streamSeq == 1042)
        #expect(meta.consumerSeq == 17)
        #expect(meta.timestamp == 1_733_140_000_123_456_789)
        #expect(meta.pending == 99983)
    }

    @Test("v2: with domain and account hash, and the trailing random token")
    func v2() throws {
        let meta = try #require(
            ConsumedMessage.metadata(
                fromReply: "$JS.ACK.hub.ACCHASH.orders_events.oc_x1.2.7.3.1733140000000000001.0.r4nd0m"
            )
        )
        #expect(meta.streamSeq == 7)
        #expect(meta.consumerSeq == 3)
        #expect(meta.timestamp == 1_733_140_000_000_000_001)
        #expect(meta.pending == 0)
        let noRandom = try #require(
            ConsumedMessage.metadata(fromReply: "$JS.ACK.hub.ACCHASH.orders_events.oc_x1.2.8.4.5.6")
        )
        #expect(noRandom == (8, 4, 5, 6))
    }

    @Test(
        "anything else is not a delivery: another prefix, too few tokens, a number that is not one, an empty token, a timestamp past Int64",
        arguments: [
            "_INBOX.abc.def", "$JS.ACK.s.c.1.2.3.4", "$JS.NAK.s.c.1.2.3.4.5", "$JS.ACK.s.c.1.x2.3.4.5",
            "$JS.ACK.s.c.1..3.4.5", "$JS.ACK.s.c.1.2.3.4.", "$JS.ACK.s.c.1.2.3.18446744073709551615.5",
            "$JS.ACK.s.c.1.2.3.4.-5", "$JS.ACK",
        ]
    )
    func notDeliveries(_ reply: String) {
        #expect(ConsumedMessage.metadata(fromReply: reply) == nil)
    }
}
