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
        if var earlier = partial {
            partial = nil
            earlier.writeBuffer(&bytes)
            bytes = earlier
        }
        do {
            while phase != .failed, let op = try decoder.decode(buffer: &bytes) { process(op, context: context) }
        } catch {
            broken = true
            errorCaught(context: context, error: error)
            return
        }
        if phase != .failed, bytes.readableBytes > 0 { partial = bytes }
    }

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
