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
        var buffer = ByteBufferAllocator().buffer(capacity: 64)
        write(to: &buffer)
        return buffer.readableBytes
    }

    /// Parses a header block (`NATS/1.0 …` through the blank line).
    static func parse(_ bytes: ByteBufferView) throws(NATSError) -> NATSHeaders {
        var headers = NATSHeaders()
        var lines: [Substring] = String(decoding: bytes, as: UTF8.self).split(
            separator: "\r\n",
            omittingEmptySubsequences: true
        )[...].map { $0 }
        guard let first = lines.first, first.hasPrefix("NATS/1.0") else {
            throw NATSError(code: .protocolError, message: "header block does not start with NATS/1.0")
        }
        lines.removeFirst()
        let statusPart = first.dropFirst("NATS/1.0".count).drop { $0 == " " || $0 == "\t" }
        if !statusPart.isEmpty {
            let codeText = statusPart.prefix { $0 != " " }
            guard let code = Int(codeText) else {
                throw NATSError(code: .protocolError, message: "bad status in header line \"\(first)\"")
            }
            headers.status = code
            let description = statusPart.dropFirst(codeText.count).drop { $0 == " " }
            if !description.isEmpty { headers.statusDescription = String(description) }
        }
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else {
                throw NATSError(code: .protocolError, message: "header line without ':'")
            }
            let name = String(line[..<colon])
            let value = line[line.index(after: colon)...].drop { $0 == " " || $0 == "\t" }
            headers.fields.append(Field(name: name, value: String(value)))
        }
        return headers
    }
}

extension NATSHeaders: ExpressibleByDictionaryLiteral {
    public init(dictionaryLiteral elements: (String, String)...) {
        self.init(elements)
    }
}
