import Foundation
import NIOCore

/// Decodes the server's byte stream into `ServerOp`s, incrementally.
///
/// Returns nil ("need more bytes") until a whole op is buffered, so every split of the same
/// bytes gives the same ops. Anything that is not the NATS protocol throws
/// `NATSError.protocolError`; the connection is then closed and re-established.
public struct NATSFrameDecoder: NIOSingleStepByteToMessageDecoder {
    public typealias InboundOut = ServerOp

    /// The longest control line accepted (INFO lines with many `connect_urls` can be long).
    public static let maxControlLine = 64 * 1024

    public init() {}

    public mutating func decode(buffer: inout ByteBuffer) throws -> ServerOp? {
        guard let lineLength = Self.findCRLF(in: buffer) else {
            if buffer.readableBytes > Self.maxControlLine {
                throw NATSError(code: .protocolError, message: "control line longer than \(Self.maxControlLine) bytes")
            }
            return nil
        }
        let start = buffer.readerIndex
        let view = buffer.readableBytesView
        let line = view[view.startIndex..<(view.startIndex + lineLength)]
        let op = try Self.opName(line)
        switch op {
        case .msg, .hmsg:
            let args = Self.split(line)
            let message: NATSMessage
            let consumed: Int
            if op == .msg {
                guard args.count == 4 || args.count == 5, let size = Self.int(args[args.count - 1]),
                    let sid = Self.int(args[2])
                else { throw Self.malformed(line) }
                let total = lineLength + 2 + size + 2
                guard buffer.readableBytes >= total else { return nil }
                try Self.expectCRLF(buffer, at: start + lineLength + 2 + size)
                message = NATSMessage(
                    subject: String(decoding: args[1], as: UTF8.self),
                    sid: UInt64(sid),
                    replyTo: args.count == 5 ? String(decoding: args[3], as: UTF8.self) : nil,
                    headers: nil,
                    payload: buffer.getSlice(at: start + lineLength + 2, length: size)!
                )
                consumed = total
            } else {
                guard args.count == 5 || args.count == 6, let headerSize = Self.int(args[args.count - 2]),
                    let totalSize = Self.int(args[args.count - 1]), let sid = Self.int(args[2]), headerSize <= totalSize
                else { throw Self.malformed(line) }
                let total = lineLength + 2 + totalSize + 2
                guard buffer.readableBytes >= total else { return nil }
                try Self.expectCRLF(buffer, at: start + lineLength + 2 + totalSize)
                let headerStart = start + lineLength + 2
                let headerBytes = buffer.getSlice(at: headerStart, length: headerSize)!
                message = NATSMessage(
                    subject: String(decoding: args[1], as: UTF8.self),
                    sid: UInt64(sid),
                    replyTo: args.count == 6 ? String(decoding: args[3], as: UTF8.self) : nil,
                    headers: try NATSHeaders.parse(headerBytes.readableBytesView),
                    payload: buffer.getSlice(at: headerStart + headerSize, length: totalSize - headerSize)!
                )
                consumed = total
            }
            buffer.moveReaderIndex(forwardBy: consumed)
            return .msg(message)
        case .ping:
            buffer.moveReaderIndex(forwardBy: lineLength + 2)
            return .ping
        case .pong:
            buffer.moveReaderIndex(forwardBy: lineLength + 2)
            return .pong
        case .ok:
            buffer.moveReaderIndex(forwardBy: lineLength + 2)
            return .ok
        case .err:
            var text = String(decoding: line.dropFirst(4), as: UTF8.self).trimmingCharacters(in: .whitespaces)
            if text.hasPrefix("'") && text.hasSuffix("'") && text.count >= 2 {
                text = String(text.dropFirst().dropLast())
            }
            buffer.moveReaderIndex(forwardBy: lineLength + 2)
            return .err(text)
        case .info:
            let json = line.dropFirst(4).drop { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
            let info: ServerInfo
            do {
                info = try JSONDecoder().decode(ServerInfo.self, from: Data(json))
            } catch {
                throw NATSError(code: .protocolError, message: "INFO is not valid JSON")
            }
            buffer.moveReaderIndex(forwardBy: lineLength + 2)
            return .info(info)
        }
    }

    public mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> ServerOp? {
        try decode(buffer: &buffer)
    }

    // MARK: helpers

    private enum Op { case msg, hmsg, ping, pong, ok, err, info }

    private static func opName(_ line: ByteBufferView.SubSequence) throws -> Op {
        var name: [UInt8] = []
        for byte in line {
            if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") { break }
            if name.count == 4 {
                name.append(0)
                break
            }
            name.append(byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z") ? byte - 32 : byte)
        }
        switch name {
        case Array("MSG".utf8): return .msg
        case Array("HMSG".utf8): return .hmsg
        case Array("PING".utf8): return .ping
        case Array("PONG".utf8): return .pong
        case Array("+OK".utf8): return .ok
        case Array("-ERR".utf8): return .err
        case Array("INFO".utf8): return .info
        default:
            throw NATSError(code: .protocolError, message: "unknown protocol operation \(preview(line))")
        }
    }

    private static func findCRLF(in buffer: ByteBuffer) -> Int? {
        buffer.withUnsafeReadableBytes { bytes -> Int? in
            guard bytes.count >= 2 else { return nil }
            var index = 0
            let limit = bytes.count - 1
            while index < limit {
                if bytes[index] == 0x0D {
                    if bytes[index + 1] == 0x0A { return index }
                }
                index += 1
            }
            return nil
        }
    }

    private static func split(_ line: ByteBufferView.SubSequence) -> [ByteBufferView.SubSequence] {
        var parts: [ByteBufferView.SubSequence] = []
        var tokenStart: ByteBufferView.Index?
        var index = line.startIndex
        while index < line.endIndex {
            let byte = line[index]
            if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") {
                if let start = tokenStart {
                    parts.append(line[start..<index])
                    tokenStart = nil
                }
            } else if tokenStart == nil {
                tokenStart = index
            }
            index += 1
        }
        if let start = tokenStart { parts.append(line[start..<line.endIndex]) }
        return parts
    }

    private static func int(_ digits: ByteBufferView.SubSequence) -> Int? {
        guard !digits.isEmpty, digits.count <= 18 else { return nil }
        var value = 0
        for byte in digits {
            guard byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return value
    }

    private static func expectCRLF(_ buffer: ByteBuffer, at index: Int) throws {
        guard buffer.getInteger(at: index, as: UInt8.self) == 0x0D,
            buffer.getInteger(at: index + 1, as: UInt8.self) == 0x0A
        else { throw NATSError(code: .protocolError, message: "message payload not followed by CRLF") }
    }

    private static func malformed(_ line: ByteBufferView.SubSequence) -> NATSError {
        NATSError(code: .protocolError, message: "malformed message line \(preview(line))")
    }

    private static func preview(_ line: ByteBufferView.SubSequence) -> String {
        let text = String(decoding: line.prefix(40), as: UTF8.self)
        return Subject.describe(text)
    }
}
