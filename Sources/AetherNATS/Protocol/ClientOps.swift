import NIOCore

/// Writers for what the client sends. Each appends one op to a buffer, so many ops can be
/// coalesced into one socket write.
extension ByteBuffer {
    mutating func writeConnect(_ json: String) {
        writeStaticString("CONNECT ")
        writeString(json)
        writeStaticString("\r\n")
    }

    mutating func writePing() { writeStaticString("PING\r\n") }
    mutating func writePong() { writeStaticString("PONG\r\n") }

    /// PUB, or HPUB when there are headers.
    mutating func writePublish(subject: String, replyTo: String?, headers: NATSHeaders?, payload: ByteBuffer) {
        writePublish(subject: subject, replyTo: replyTo, headerBlock: headers?.encodedBlock(), payload: payload)
    }

    /// PUB, or HPUB with a header block already encoded (`NATSHeaders.encodedBlock()`).
    mutating func writePublish(subject: String, replyTo: String?, headerBlock: ByteBuffer?, payload: ByteBuffer) {
        if let block = headerBlock {
            writeStaticString("HPUB ")
            writeString(subject)
            if let replyTo {
                writeStaticString(" ")
                writeString(replyTo)
            }
            writeStaticString(" ")
            writeDecimal(block.readableBytes)
            writeStaticString(" ")
            writeDecimal(block.readableBytes + payload.readableBytes)
            writeStaticString("\r\n")
            writeImmutableBuffer(block)
        } else {
            writeStaticString("PUB ")
            writeString(subject)
            if let replyTo {
                writeStaticString(" ")
                writeString(replyTo)
            }
            writeStaticString(" ")
            writeDecimal(payload.readableBytes)
            writeStaticString("\r\n")
        }
        writeImmutableBuffer(payload)
        writeStaticString("\r\n")
    }

    mutating func writeSubscribe(subject: String, queue: String?, sid: UInt64) {
        writeStaticString("SUB ")
        writeString(subject)
        if let queue {
            writeStaticString(" ")
            writeString(queue)
        }
        writeStaticString(" ")
        writeDecimal(Int(sid))
        writeStaticString("\r\n")
    }

    mutating func writeUnsubscribe(sid: UInt64, max: Int?) {
        writeStaticString("UNSUB ")
        writeDecimal(Int(sid))
        if let max {
            writeStaticString(" ")
            writeDecimal(max)
        }
        writeStaticString("\r\n")
    }

    /// Writes a non-negative integer in decimal without allocating.
    mutating func writeDecimal(_ value: Int) {
        precondition(value >= 0)
        if value < 10 {
            writeInteger(UInt8(ascii: "0") + UInt8(value))
            return
        }
        var digits:
            (
                UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                UInt8, UInt8, UInt8, UInt8, UInt8
            ) = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        var remaining = value
        withUnsafeMutableBytes(of: &digits) { raw in
            while remaining > 0 {
                raw[19 - count] = UInt8(ascii: "0") + UInt8(remaining % 10)
                remaining /= 10
                count += 1
            }
            writeBytes(UnsafeRawBufferPointer(rebasing: raw[(20 - count)...]))
        }
    }
}
