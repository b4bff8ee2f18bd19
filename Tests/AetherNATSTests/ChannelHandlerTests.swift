import NIOCore
import NIOEmbedded
import NIOPosix
import Synchronization
import Testing

@testable import AetherNATS

@Suite("NATS channel handler: decoding the bytes it reads")
struct ChannelHandlerTests {
    private static func channel() throws -> (
        EmbeddedChannel, EventLoopFuture<ServerInfo>, EventLoopFuture<Void>
    ) {
        let (channel, info, ready, _) = try channelAndHandler()
        return (channel, info, ready)
    }

    private static func channelAndHandler() throws -> (
        EmbeddedChannel, EventLoopFuture<ServerInfo>, EventLoopFuture<Void>, NATSChannelHandler
    ) {
        let channel = EmbeddedChannel()
        let info = channel.eventLoop.makePromise(of: ServerInfo.self)
        let ready = channel.eventLoop.makePromise(of: Void.self)
        let handler = NATSChannelHandler(client: nil, generation: 1, infoPromise: info, readyPromise: ready)
        try channel.pipeline.syncOperations.addHandler(handler)
        return (channel, info.futureResult, ready.futureResult, handler)
    }

    /// Set by a future's callback (run on the embedded loop, which is this thread).
    private final class Flag: Sendable {
        private let value = Mutex(false)
        func set() { value.withLock { $0 = true } }
        var isSet: Bool { value.withLock { $0 } }
    }

    private static func read(_ channel: EmbeddedChannel, _ text: String) throws {
        try channel.writeInbound(ByteBuffer(string: text))
    }

    @Test("an op split over several reads is decoded once, when its last byte arrives")
    func splitOps() throws {
        let (channel, info, ready) = try Self.channel()
        let line = #"INFO {"server_id":"S1","version":"2.15.1","max_payload":1048576}"# + "\r\n"
        let infoDone = Flag()
        info.whenSuccess { _ in infoDone.set() }
        for (index, character) in line.enumerated() {
            #expect(!infoDone.isSet, "INFO decoded after only \(index) bytes")
            try Self.read(channel, String(character))
        }
        try #require(infoDone.isSet)
        #expect(try info.wait().maxPayload == 1_048_576)
        // Two ops in one read, the second cut in half: PONG completes the handshake, and the
        // server's PING is answered once its CRLF arrives.
        let isReady = Flag()
        ready.whenSuccess { isReady.set() }
        try Self.read(channel, "PONG\r\nPI")
        #expect(isReady.isSet)
        #expect(try channel.readOutbound(as: ByteBuffer.self) == nil)
        try Self.read(channel, "NG")
        #expect(try channel.readOutbound(as: ByteBuffer.self) == nil)
        try Self.read(channel, "\r\nPING\r\n")
        #expect(try channel.readOutbound(as: ByteBuffer.self) == ByteBuffer(string: "PONG\r\n"))
        #expect(try channel.readOutbound(as: ByteBuffer.self) == ByteBuffer(string: "PONG\r\n"))
        #expect(try channel.readOutbound(as: ByteBuffer.self) == nil)
        _ = try? channel.finish()
    }

    @Test(
        "a long stream whose every read ends inside an op: each op is decoded once, and only the unfinished op is kept"
    )
    func streamCutEverywhere() throws {
        let (channel, _, ready, handler) = try Self.channelAndHandler()
        try Self.read(channel, #"INFO {"server_id":"S1"}"# + "\r\nPONG\r\n")
        _ = try ready.wait()
        // 500 messages of 400 bytes, each followed by a PING, read 700 bytes at a time.
        var stream: [UInt8] = []
        for index in 0..<500 {
            stream += Array("MSG orders.\(index) 1 400\r\n".utf8) + Array(repeating: UInt8(ascii: "x"), count: 400)
            stream += Array("\r\nPING\r\n".utf8)
        }
        var pongs = 0
        var offset = 0
        while offset < stream.count {
            let end = min(offset + 700, stream.count)
            try channel.writeInbound(ByteBuffer(bytes: stream[offset..<end]))
            offset = end
            // Bounded by one op and a read, not by everything read so far.
            #expect(handler.partialCapacity <= 4096, "holds \(handler.partialCapacity) bytes after \(offset)")
            while let pong = try channel.readOutbound(as: ByteBuffer.self) {
                #expect(pong == ByteBuffer(string: "PONG\r\n"))
                pongs += 1
            }
        }
        #expect(pongs == 500)
        #expect(handler.partialCapacity == 0)
        _ = try? channel.finish()
    }

    @Test("a stream that breaks the protocol closes the channel, and nothing after it is decoded")
    func brokenStream() throws {
        let (channel, info, _) = try Self.channel()
        try Self.read(channel, #"INFO {"server_id":"S1"}"# + "\r\nPONG\r\n")
        _ = try info.wait()
        try Self.read(channel, "BOGUS op\r\nPING\r\n")
        #expect(!channel.isActive)
        #expect(try channel.readOutbound(as: ByteBuffer.self) == nil)
        try? Self.read(channel, "PING\r\n")
        #expect(try channel.readOutbound(as: ByteBuffer.self) == nil)
        _ = try? channel.finish()
    }
}

@Suite("Event-loop task executor")
struct EventLoopTaskExecutorTests {
    @Test("a task that prefers it runs on the loop, before and after it suspends; jobs run in the order enqueued")
    func runsOnTheLoop() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let executor = EventLoopTaskExecutor(loop)
        let seen = await withTaskExecutorPreference(executor) { () async -> [Bool] in
            var seen = [loop.inEventLoop]
            for _ in 0..<5 {
                await Task.yield()
                seen.append(loop.inEventLoop)
            }
            return seen
        }
        #expect(seen == [true, true, true, true, true, true])
        // Each child is enqueued on the loop when it is added; the loop runs them in that order,
        // one at a time, so they finish in it too. Each says where it ran.
        let order = await withTaskGroup(of: (Int, Bool).self) { tasks -> [(Int, Bool)] in
            for index in 0..<50 {
                tasks.addTask(executorPreference: executor) { (index, loop.inEventLoop) }
            }
            var finished: [(Int, Bool)] = []
            for await result in tasks { finished.append(result) }
            return finished
        }
        #expect(order.map(\.0) == Array(0..<50))
        #expect(order.allSatisfy { $0.1 })
        try await group.shutdownGracefully()
    }

    @Test("a client given an event loop that cannot open sockets fails with an error naming it, before it connects")
    func foreignLoopIsRefused() async throws {
        var options = NATSOptions(url: "nats://127.0.0.1:1")
        options.eventLoop = EmbeddedEventLoop()
        let refused = await #expect(throws: NATSError.self) { _ = try await NATSClient.connect(options) }
        #expect(refused?.code == .connectionFailed)
        #expect(refused?.message.contains("NATSOptions.eventLoop") == true)
        #expect(refused?.message.contains("EmbeddedEventLoop") == true)
    }
}
