import NIOCore

/// NATS message headers (`NATS/1.0` block): an optional status line, then names with one or
/// more values each. Names keep their case and may repeat; lookups are exact, as the server's.
public struct NATSHeaders: Sendable, Hashable, Sequence {
    /// The inline status code (503, 404, 100 …), if the block had one.
    public var status: Int?
    /// The status description ("No Messages", "Idle Heartbeat" …).
    public var statusDescription: String?
    private(set) var fields: [Field]

    public struct Field: Sendable, Hashable {
        public var name: String
        public var value: String
    }

    public init(_ fields: [(String, String)] = []) {
        self.fields = fields.map { Field(name: $0.0, value: $0.1) }
    }

    public var isEmpty: Bool { fields.isEmpty && status == nil }

    /// The first value of `name`, or nil.
    public subscript(name: String) -> String? {
        get { fields.first { $0.name == name }?.value }
        set {
            fields.removeAll { $0.name == name }
            if let newValue { fields.append(Field(name: name, value: newValue)) }
        }
    }

    /// Every value of `name`, in order.
    public func values(_ name: String) -> [String] {
        fields.filter { $0.name == name }.map(\.value)
    }

    /// Adds a value, keeping any already there.
    public mutating func append(_ name: String, _ value: String) {
        fields.append(Field(name: name, value: value))
    }

    public func makeIterator() -> IndexingIterator<[Field]> {
        fields.makeIterator()
    }

    /// Checks names (printable ASCII without ':') and values (no CR or LF).
    func validate() throws(NATSError) {
        for field in fields {
            if field.name.isEmpty
                || field.name.utf8.contains(where: { $0 <= 32 || $0 >= 127 || $0 == UInt8(ascii: ":") })
            {
                throw NATSError(
                    code: .invalidHeader,
                    message: "header name \"\(field.name)\" must be printable ASCII without ':' or spaces"
                )
            }
            if field.value.utf8.contains(where: { $0 == 0x0D || $0 == 0x0A }) {
                throw NATSError(code: .invalidHeader, message: "value of header \(field.name) contains CR or LF")
            }
        }
    }

    /// The header block in a buffer of its own (what an HPUB carries); nil when there are no
    /// headers.
    func encodedBlock() -> ByteBuffer? {
        guard !isEmpty else { return nil }
        var block = ByteBufferAllocator().buffer(capacity: encodedCount)
        write(to: &block)
        return block
    }

    /// Writes the header block, including the blank line that ends it.
    func write(to buffer: inout ByteBuffer) {
        buffer.writeStaticString("NATS/1.0")
        if let status {
            buffer.writeString(" \(status)")
            if let statusDescription { buffer.writeString(" \(statusDescription)") }
        }
        buffer.writeStaticString("\r\n")
        for field in fields {
            buffer.writeString(field.name)
            buffer.writeStaticString(": ")
            buffer.writeString(field.value)
            buffer.writeStaticString("\r\n")
        }
        buffer.writeStaticString("\r\n")
    }

    /// The encoded size of the block.
    var encodedCount: Int {
        var count = 8 + 2 + 2  // "NATS/1.0", its CRLF, the blank line
        if let status {
            count += 1 + String(status).utf8.count
            if let statusDescription { count += 1 + statusDescription.utf8.count }
        }
        for field in fields { count += field.name.utf8.count + 2 + field.value.utf8.count + 2 }
        return count
    }

    /// Parses a header block (`NATS/1.0 …` through the blank line), scanning bytes.
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>) throws(NATSError) -> NATSHeaders {
        var headers = NATSHeaders()
        try parseLines(bytes, into: &headers)
        return headers
    }

    private static func parseLines(
        _ bytes: UnsafeBufferPointer<UInt8>,
        into headers: inout NATSHeaders
    ) throws(NATSError) {
        headers.fields.reserveCapacity(4)
        var lineStart = 0
        var first = true
        var index = 0
        let count = bytes.count
        while index <= count {
            let atEnd = index == count
            if !atEnd && !(bytes[index] == 0x0D && index + 1 < count && bytes[index + 1] == 0x0A) {
                index += 1
                continue
            }
            let line = UnsafeBufferPointer(rebasing: bytes[lineStart..<index])
            if first {
                try parseStatusLine(line, into: &headers)
                first = false
            } else if !line.isEmpty {
                guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else {
                    throw NATSError(code: .protocolError, message: "header line without ':'")
                }
                var valueStart = colon + 1
                while valueStart < line.count, line[valueStart] == 0x20 || line[valueStart] == 0x09 { valueStart += 1 }
                headers.fields.append(
                    Field(
                        name: String(decoding: UnsafeBufferPointer(rebasing: line[0..<colon]), as: UTF8.self),
                        value: String(decoding: UnsafeBufferPointer(rebasing: line[valueStart...]), as: UTF8.self)
                    )
                )
            }
            if atEnd { break }
            index += 2
            lineStart = index
        }
        if first { throw NATSError(code: .protocolError, message: "empty header block") }
    }

    private static func parseStatusLine(
        _ line: UnsafeBufferPointer<UInt8>,
        into headers: inout NATSHeaders
    ) throws(NATSError) {
        let prefix = Array("NATS/1.0".utf8)
        guard line.count >= prefix.count, Array(line[0..<prefix.count]) == prefix else {
            throw NATSError(code: .protocolError, message: "header block does not start with NATS/1.0")
        }
        var index = prefix.count
        while index < line.count, line[index] == 0x20 || line[index] == 0x09 { index += 1 }
        guard index < line.count else { return }
        var code = 0
        var digits = 0
        while index < line.count, line[index] >= UInt8(ascii: "0"), line[index] <= UInt8(ascii: "9") {
            code = code * 10 + Int(line[index] - UInt8(ascii: "0"))
            digits += 1
            index += 1
        }
        guard digits > 0 else { throw NATSError(code: .protocolError, message: "bad status in a header block") }
        headers.status = code
        while index < line.count, line[index] == 0x20 { index += 1 }
        if index < line.count {
            headers.statusDescription = String(decoding: UnsafeBufferPointer(rebasing: line[index...]), as: UTF8.self)
        }
    }
}

extension NATSHeaders: ExpressibleByDictionaryLiteral {
    public init(dictionaryLiteral elements: (String, String)...) {
        self.init(elements)
    }
}
