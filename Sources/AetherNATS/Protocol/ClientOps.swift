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

    /// PUB, or HPUB with a header block already encoded (`NATSHeaders.encodedBlock()`): the whole
    /// op in one reservation and one pass of copies (each separate ByteBuffer write pays its own
    /// capacity, uniqueness and exclusivity checks, which a flood of small publishes feels).
    mutating func writePublish(subject: String, replyTo: String?, headerBlock: ByteBuffer?, payload: ByteBuffer) {
        let subjectCount = subject.utf8.count
        let replyCount = replyTo?.utf8.count ?? 0
        let blockCount = headerBlock?.readableBytes ?? 0
        // "HPUB " subject " " reply " " 20 digits " " 20 digits "\r\n" block payload "\r\n"
        let most = 5 + subjectCount + 1 + replyCount + 1 + 20 + 1 + 20 + 2 + blockCount + payload.readableBytes + 2
        writeWithUnsafeMutableBytes(minimumWritableBytes: most) { out in
            var at = 0
            func put(_ byte: UInt8) {
                out[at] = byte
                at += 1
            }
            func put(_ text: String) {
                let copied = text.utf8.withContiguousStorageIfAvailable { bytes in
                    UnsafeMutableRawBufferPointer(rebasing: out[at...]).copyMemory(from: UnsafeRawBufferPointer(bytes))
                    return bytes.count
                }
                if let copied {
                    at += copied
                } else {
                    for byte in text.utf8 { put(byte) }
                }
            }
            func put(decimal value: Int) { at += Self.putDecimal(value, into: out, at: at) }
            func put(_ buffer: ByteBuffer) {
                buffer.withUnsafeReadableBytes { bytes in
                    UnsafeMutableRawBufferPointer(rebasing: out[at...]).copyMemory(from: bytes)
                    at += bytes.count
                }
            }
            if headerBlock != nil { put(UInt8(ascii: "H")) }
            put(UInt8(ascii: "P"))
            put(UInt8(ascii: "U"))
            put(UInt8(ascii: "B"))
            put(UInt8(ascii: " "))
            put(subject)
            if let replyTo {
                put(UInt8(ascii: " "))
                put(replyTo)
            }
            put(UInt8(ascii: " "))
            if let headerBlock {
                put(decimal: blockCount)
                put(UInt8(ascii: " "))
                put(decimal: blockCount + payload.readableBytes)
            } else {
                put(decimal: payload.readableBytes)
            }
            put(UInt8(ascii: "\r"))
            put(UInt8(ascii: "\n"))
            if let headerBlock { put(headerBlock) }
            put(payload)
            put(UInt8(ascii: "\r"))
            put(UInt8(ascii: "\n"))
            return at
        }
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
        writeWithUnsafeMutableBytes(minimumWritableBytes: 20) { Self.putDecimal(value, into: $0, at: 0) }
    }

    /// Puts a non-negative integer's decimal digits at `start` (room for 20 there); returns
    /// how many.
    static func putDecimal(_ value: Int, into out: UnsafeMutableRawBufferPointer, at start: Int) -> Int {
        precondition(value >= 0)
        var digits = 1
        var rest = value / 10
        while rest > 0 {
            digits += 1
            rest /= 10
        }
        var remaining = value
        for position in stride(from: start + digits - 1, through: start, by: -1) {
            out[position] = UInt8(ascii: "0") + UInt8(remaining % 10)
            remaining /= 10
        }
        return digits
    }
}
