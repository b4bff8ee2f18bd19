import NIOCore
import NIOSSL

/// The NIO end of one connection: decodes the bytes read (`NATSFrameDecoder`), answers server
/// PINGs, runs the handshake (INFO, then CONNECT+PING answered by PONG or -ERR), and then hands
/// every op to the client, tagged with the connection's generation so ops from an old
/// connection are ignored.
///
/// It decodes itself rather than behind a `ByteToMessageHandler`: that would box every message
/// into an `NIOAny` and copy it once more on its way here.
final class NATSChannelHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var decoder = NATSFrameDecoder()
    /// The start of an op whose bytes have not all arrived yet.
    private var partial: ByteBuffer?
    /// The stream broke the protocol: the connection is closing, and nothing more is decoded.
    private var broken = false

    private enum Phase {
        case awaitingInfo
        case awaitingPong
        case ready
        /// The handshake failed; the promises are completed.
        case failed
    }

    private var phase = Phase.awaitingInfo
    /// Weak: a client released without `close()` must not be kept alive by its own socket.
    private weak var client: NATSClient?
    private let generation: UInt64
    private let infoPromise: EventLoopPromise<ServerInfo>
    private let readyPromise: EventLoopPromise<Void>
    private var closeReason: String?

    init(
        client: NATSClient?,
        generation: UInt64,
        infoPromise: EventLoopPromise<ServerInfo>,
        readyPromise: EventLoopPromise<Void>
    ) {
        self.client = client
        self.generation = generation
        self.infoPromise = infoPromise
        self.readyPromise = readyPromise
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !broken else { return }
        var bytes = unwrapInboundIn(data)
        do {
            if partial != nil, try !finishPartial(from: &bytes, context: context) { return }
            while phase != .failed, let op = try decoder.decode(buffer: &bytes) { process(op, context: context) }
        } catch {
            broken = true
            partial = nil
            errorCaught(context: context, error: error)
            return
        }
        guard phase != .failed, bytes.readableBytes > 0 else { return }
        // The start of the next op, kept in a buffer of our own: a slice of the read would pin
        // the whole read buffer, and appending to it would copy every byte read before it.
        var own = context.channel.allocator.buffer(capacity: max(Self.firstTake, bytes.readableBytes * 2))
        own.writeBuffer(&bytes)
        partial = own
    }

    /// How many bytes of a new read are first appended to an unfinished op; doubled while the
    /// op needs more.
    static let firstTake = 1024

    /// Decodes the op begun in `partial` with the bytes of `bytes` it needs, appended to it in
    /// steps, so a read's bytes after that op are decoded where they lie rather than copied.
    /// Moves `bytes` past what the op took. False when `bytes` does not finish the op: then all
    /// of it is in `partial`.
    private func finishPartial(from bytes: inout ByteBuffer, context: ChannelHandlerContext) throws -> Bool {
        guard var head = partial else { return true }
        partial = nil
        let available = bytes.readableBytes
        var taken = 0
        var take = Self.firstTake
        while true {
            let count = min(take, available - taken)
            head.writeImmutableBuffer(bytes.getSlice(at: bytes.readerIndex + taken, length: count)!)
            taken += count
            if let op = try decoder.decode(buffer: &head) {
                // What is left in `head` came from `bytes`: the op ended inside what was taken.
                bytes.moveReaderIndex(forwardBy: taken - head.readableBytes)
                process(op, context: context)
                return phase != .failed
            }
            if taken == available {
                partial = head
                return false
            }
            take *= 2
        }
    }

    /// The capacity of the buffer holding an unfinished op (0 when none); for tests.
    var partialCapacity: Int { partial?.capacity ?? 0 }

    private func process(_ op: ServerOp, context: ChannelHandlerContext) {
        if case .ping = op {
            var buffer = context.channel.allocator.buffer(capacity: 6)
            buffer.writePong()
            context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
            return
        }
        switch phase {
        case .awaitingInfo:
            guard case .info(let info) = op else {
                failHandshake(
                    NATSError(code: .protocolError, message: "server did not start with INFO"),
                    context: context
                )
                return
            }
            phase = .awaitingPong
            infoPromise.succeed(info)
        case .awaitingPong:
            switch op {
            case .pong:
                phase = .ready
                readyPromise.succeed(())
            case .err(let text):
                failHandshake(NATSClient.errorForServerMessage(text), context: context)
            case .ok, .info:
                break
            default:
                failHandshake(
                    NATSError(code: .protocolError, message: "unexpected message during handshake"),
                    context: context
                )
            }
        case .ready:
            if case .err(let text) = op { closeReason = text }
            client?.handle(op, generation: generation)
        case .failed:
            break
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        closeReason = (error as? NATSError)?.message ?? "\(error)"
        if phase == .awaitingInfo || phase == .awaitingPong {
            failHandshake(Self.map(error), context: context)
        } else {
            context.close(promise: nil)
        }
    }

    /// TLS failures become `.tls`; anything else that is not already a `NATSError`, `.connectionFailed`.
    static func map(_ error: any Error) -> NATSError {
        if let error = error as? NATSError { return error }
        if error is NIOSSLError || error is BoringSSLError {
            return NATSError(code: .tls, message: "TLS handshake failed: \(error)")
        }
        return NATSError(code: .connectionFailed, message: "\(error)")
    }

    func channelInactive(context: ChannelHandlerContext) {
        if phase == .ready {
            client?.connectionLost(generation: generation, reason: closeReason ?? "connection closed")
        } else {
            failPendingPromises(
                NATSError(code: .disconnected, message: closeReason ?? "connection closed by the server")
            )
        }
        phase = .failed
        context.fireChannelInactive()
    }

    /// Fails the handshake promises that are still open (none once ready or failed).
    private func failPendingPromises(_ error: NATSError) {
        switch phase {
        case .awaitingInfo:
            infoPromise.fail(error)
            readyPromise.fail(error)
        case .awaitingPong:
            readyPromise.fail(error)
        case .ready, .failed:
            break
        }
    }

    private func failHandshake(_ error: NATSError, context: ChannelHandlerContext) {
        failPendingPromises(error)
        closeReason = error.message
        phase = .failed
        context.close(promise: nil)
    }
}
