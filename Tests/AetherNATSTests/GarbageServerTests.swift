import AetherNATS
import AetherNATSTesting
import NIOCore
import NIOPosix
import Synchronization
import Testing

/// A fake server: sends INFO, answers PINGs, and on the first connection answers a publish to
/// `garbage.please` with bytes that are not NATS.
private final class GarbageServerHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    let connectionNumber: Int

    init(number: Int) {
        self.connectionNumber = number
    }

    func channelActive(context: ChannelHandlerContext) {
        context.writeAndFlush(
            wrapOutboundOut(
                ByteBuffer(
                    string:
                        #"INFO {"server_id":"FAKE","version":"fake","proto":1,"headers":true,"max_payload":1048576}"#
                        + "\r\n"
                )
            ),
            promise: nil
        )
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let text = String(buffer: unwrapInboundIn(data))
        var reply = ByteBuffer()
        if text.contains("PING") { reply.writeString("PONG\r\n") }
        if text.contains("garbage.please") && connectionNumber == 1 { reply.writeString("THIS IS NOT NATS\r\n") }
        if reply.readableBytes > 0 { context.writeAndFlush(wrapOutboundOut(reply), promise: nil) }
    }
}

@Suite("Protocol faults")
struct GarbageServerTests {
    @Test("garbage from a server closes the connection with a protocol error; the client reconnects")
    func garbageThenReconnect() async throws {
        let counter = Mutex(0)
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                let number = counter.withLock { count -> Int in
                    count += 1
                    return count
                }
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(GarbageServerHandler(number: number))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        defer { channel.close(promise: nil) }
        let port = channel.localAddress!.port!
        let client = try await NATSClient.connect(url: "nats://127.0.0.1:\(port)")
        let events = client.events()
        try client.publish("now", to: "garbage.please")
        let reasons = try await withDeadline(10, "protocol error then reconnect") {
            var disconnectReason: String?
            for await event in events {
                if case .disconnected(_, let reason) = event { disconnectReason = reason }
                if case .reconnected = event { return disconnectReason }
            }
            return nil
        }
        #expect(reasons?.contains("unknown protocol operation") == true)
        #expect(counter.withLock { $0 } >= 2)
        await client.close()
    }
}
