import AetherNATSTesting
import AetherTestSupport
import NIOCore
import Testing

@testable import AetherNATS

@Suite("Publishing from the connection's own loop", .enabled(if: Live.serverPresent, Live.skipReason))
struct OnLoopPublishLiveTests {
    @Test(
        "a publisher on the connection's loop that never yields writes as it goes (never more than 64 KiB held), and every message arrives in order"
    )
    func writesAsItGoes() async throws {
        try await Live.withClient { client, server in
            let receiver = try await NATSClient.connect(url: server.url)
            defer { receiver.closeNow() }
            let subscription = try await receiver.subscribe(to: "onloop")
            try await receiver.flush()
            let payload = ByteBuffer(repeating: UInt8(ascii: "x"), count: 1_000)
            // 2,000 publishes in one loop task, no suspension: the flush it schedules can only
            // run after it, so without writing at once it would hold all 2 MB.
            let most = try await client.eventLoop.submit { () throws -> Int in
                var most = 0
                for index in 0..<2_000 {
                    var message = payload
                    message.setString(String(index), at: 0)
                    try client.publish(message, to: "onloop")
                    most = max(most, client.pendingBytes)
                }
                return most
            }.get()
            #expect(most < NATSClient.writeNowBytes + 1_100, "held \(most) bytes")
            var seen = 0
            for await message in subscription {
                let number = Int(String(buffer: message.payload).prefix { $0 != "x" })
                #expect(number == seen)
                seen += 1
                if seen == 2_000 { break }
            }
            #expect(seen == 2_000)
        }
    }
}
