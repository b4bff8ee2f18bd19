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
        // One scan of the raw bytes for the control line: no token arrays and no slices of
        // the buffer (each would retain its storage), since this runs for every message.
        let scanned = try buffer.withUnsafeReadableBytes { raw throws(NATSError) -> Scanned? in
            try Self.scan(
                UnsafeBufferPointer(start: raw.baseAddress?.assumingMemoryBound(to: UInt8.self), count: raw.count)
            )
        }
        guard let scanned else {
            if buffer.readableBytes > Self.maxControlLine {
                throw NATSError(code: .protocolError, message: "control line longer than \(Self.maxControlLine) bytes")
            }
            return nil
        }
        let start = buffer.readerIndex
        let lineLength = scanned.lineLength
        switch scanned.op {
        case .msg, .hmsg:
            let line = scanned.message
            let total = lineLength + 2 + line.totalSize + 2
            guard buffer.readableBytes >= total else { return nil }
            try Self.expectCRLF(buffer, at: start + lineLength + 2 + line.totalSize)
            let bodyStart = start + lineLength + 2
            let (subject, replyTo, headers) = try buffer.withUnsafeReadableBytes {
                raw throws(NATSError) -> (String, String?, NATSHeaders?) in
                let bytes = UnsafeBufferPointer(
                    start: raw.baseAddress?.assumingMemoryBound(to: UInt8.self),
                    count: raw.count
                )
                return (
                    String(decoding: UnsafeBufferPointer(rebasing: bytes[line.subject]), as: UTF8.self),
                    line.reply.map { String(decoding: UnsafeBufferPointer(rebasing: bytes[$0]), as: UTF8.self) },
                    try line.headerSize.map { size throws(NATSError) in
                        try NATSHeaders.parse(
                            UnsafeBufferPointer(rebasing: bytes[(lineLength + 2)..<(lineLength + 2 + size)])
                        )
                    }
                )
            }
            let headerSize = line.headerSize ?? 0
            let message = NATSMessage(
                subject: subject,
                sid: line.sid,
                replyTo: replyTo,
                headers: headers,
                payload: buffer.getSlice(at: bodyStart + headerSize, length: line.totalSize - headerSize)!
            )
            buffer.moveReaderIndex(forwardBy: total)
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
            let view = buffer.readableBytesView
            let line = view[view.startIndex..<(view.startIndex + lineLength)]
            var text = String(decoding: line.dropFirst(4), as: UTF8.self).trimmingCharacters(in: .whitespaces)
            if text.hasPrefix("'") && text.hasSuffix("'") && text.count >= 2 {
                text = String(text.dropFirst().dropLast())
            }
            buffer.moveReaderIndex(forwardBy: lineLength + 2)
            return .err(text)
        case .info:
            let view = buffer.readableBytesView
            let line = view[view.startIndex..<(view.startIndex + lineLength)]
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

    /// A `MSG`/`HMSG` control line, as offsets into the readable bytes.
    private struct MessageLine {
        var subject: Range<Int> = 0..<0
        var sid: UInt64 = 0
        var reply: Range<Int>?
        var headerSize: Int?
        var totalSize = 0
    }

    private struct Scanned {
        var op: Op
        var lineLength: Int
        var message = MessageLine()
    }

    /// Finds the control line and reads its operation and, for a message, its arguments; nil
    /// while the line is incomplete.
    private static func scan(_ bytes: UnsafeBufferPointer<UInt8>) throws(NATSError) -> Scanned? {
        guard let lineLength = findCRLF(in: bytes) else { return nil }
        let line = UnsafeBufferPointer(rebasing: bytes[0..<lineLength])
        let op = try opName(line)
        var scanned = Scanned(op: op, lineLength: lineLength)
        guard op == .msg || op == .hmsg else { return scanned }
        // Up to 6 tokens: the name, subject, sid, [reply], [header size], total size.
        var tokens = InlineArray<6, Range<Int>>(repeating: 0..<0)
        var count = 0
        var index = 0
        while index < lineLength {
            let byte = line[index]
            if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") {
                index += 1
                continue
            }
            let tokenStart = index
            while index < lineLength, line[index] != UInt8(ascii: " "), line[index] != UInt8(ascii: "\t") { index += 1 }
            guard count < tokens.count else { throw malformed(line) }
            tokens[count] = tokenStart..<index
            count += 1
        }
        func number(_ position: Int) -> Int? { int(UnsafeBufferPointer(rebasing: line[tokens[position]])) }
        // MSG <subject> <sid> [reply] <size>; HMSG has <header size> before the total size.
        let withHeaders = op == .hmsg
        let plain = withHeaders ? 5 : 4
        guard count == plain || count == plain + 1, let totalSize = number(count - 1), let sid = number(2) else {
            throw malformed(line)
        }
        var headerSize: Int?
        if withHeaders {
            guard let size = number(count - 2), size <= totalSize else { throw malformed(line) }
            headerSize = size
        }
        scanned.message = MessageLine(
            subject: tokens[1],
            sid: UInt64(sid),
            reply: count == plain + 1 ? tokens[3] : nil,
            headerSize: headerSize,
            totalSize: totalSize
        )
        return scanned
    }

    private static func opName(_ line: UnsafeBufferPointer<UInt8>) throws(NATSError) -> Op {
        // The name, upper-cased, packed into an integer (at most 4 bytes; a fifth makes it unknown).
        var name: UInt64 = 0
        var length = 0
        for byte in line {
            if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") { break }
            length += 1
            if length > 4 { break }
            let upper = byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z") ? byte - 32 : byte
            name = name << 8 | UInt64(upper)
        }
        if length <= 4 {
            switch name {
            case packed("MSG"): return .msg
            case packed("HMSG"): return .hmsg
            case packed("PING"): return .ping
            case packed("PONG"): return .pong
            case packed("+OK"): return .ok
            case packed("-ERR"): return .err
            case packed("INFO"): return .info
            default: break
            }
        }
        throw NATSError(
            code: .protocolError,
            message: "unknown protocol operation \(preview(UnsafeBufferPointer(rebasing: line.prefix(40))))"
        )
    }

    private static func packed(_ name: StaticString) -> UInt64 {
        var value: UInt64 = 0
        for offset in 0..<name.utf8CodeUnitCount { value = value << 8 | UInt64(name.utf8Start[offset]) }
        return value
    }

    private static func findCRLF(in bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        guard bytes.count >= 2 else { return nil }
        var index = 0
        let limit = bytes.count - 1
        while index < limit {
            if bytes[index] == 0x0D, bytes[index + 1] == 0x0A { return index }
            index += 1
        }
        return nil
    }

    private static func int(_ digits: UnsafeBufferPointer<UInt8>) -> Int? {
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

    private static func malformed(_ line: UnsafeBufferPointer<UInt8>) -> NATSError {
        NATSError(
            code: .protocolError,
            message: "malformed message line \(preview(UnsafeBufferPointer(rebasing: line.prefix(40))))"
        )
    }

    private static func preview(_ line: UnsafeBufferPointer<UInt8>) -> String {
        let text = String(decoding: line.prefix(40), as: UTF8.self)
        return Subject.describe(text)
    }
}
