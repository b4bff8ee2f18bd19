extension JSONValue {
    /// JSON text for this value.
    ///
    /// Object keys are written sorted (byte order of their UTF-8), so the output is stable:
    /// equal values always print the same text. Non-finite doubles, which JSON cannot hold,
    /// are written as `null`.
    /// - Parameter pretty: two-space indentation and one member per line.
    public func serialized(pretty: Bool = false) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(64)
        JSONWriter.write(self, to: &output, pretty: pretty, indent: 0)
        return String(decoding: output, as: UTF8.self)
    }

    /// Appends the compact JSON bytes of this value to `output`.
    public func write(to output: inout [UInt8]) {
        JSONWriter.write(self, to: &output, pretty: false, indent: 0)
    }
}

enum JSONWriter {
    static func write(_ value: JSONValue, to output: inout [UInt8], pretty: Bool, indent: Int) {
        switch value {
        case .null:
            output.append(contentsOf: "null".utf8)
        case .bool(let flag):
            output.append(contentsOf: (flag ? "true" : "false").utf8)
        case .integer(let number):
            output.append(contentsOf: String(number).utf8)
        case .double(let number):
            writeDouble(number, to: &output)
        case .string(let text):
            writeString(text, to: &output)
        case .array(let elements):
            if elements.isEmpty {
                output.append(contentsOf: "[]".utf8)
                return
            }
            output.append(UInt8(ascii: "["))
            for (position, element) in elements.enumerated() {
                if position > 0 { output.append(UInt8(ascii: ",")) }
                if pretty { newline(&output, indent: indent + 1) }
                write(element, to: &output, pretty: pretty, indent: indent + 1)
            }
            if pretty { newline(&output, indent: indent) }
            output.append(UInt8(ascii: "]"))
        case .object(let members):
            writeObject(members, to: &output, pretty: pretty, indent: indent)
        }
    }

    static func writeObject(_ members: JSONObject, to output: inout [UInt8], pretty: Bool, indent: Int) {
        if members.isEmpty {
            output.append(contentsOf: "{}".utf8)
            return
        }
        output.append(UInt8(ascii: "{"))
        let keys = members.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        for (position, key) in keys.enumerated() {
            if position > 0 { output.append(UInt8(ascii: ",")) }
            if pretty { newline(&output, indent: indent + 1) }
            writeString(key, to: &output)
            output.append(UInt8(ascii: ":"))
            if pretty { output.append(UInt8(ascii: " ")) }
            write(members[key]!, to: &output, pretty: pretty, indent: indent + 1)
        }
        if pretty { newline(&output, indent: indent) }
        output.append(UInt8(ascii: "}"))
    }

    static func writeDouble(_ number: Double, to output: inout [UInt8]) {
        guard number.isFinite else {
            output.append(contentsOf: "null".utf8)
            return
        }
        // Swift's description is the shortest text that round-trips, and always carries a
        // '.' or an exponent, so the value reads back as a double.
        output.append(contentsOf: number.description.utf8)
    }

    static func writeString(_ text: String, to output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { bytes in
            // Runs without escapes are copied whole; only the bytes JSON must escape go one by one.
            var start = 0
            for index in 0..<bytes.count {
                let byte = bytes[index]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<index]))
                writeEscape(byte, to: &output)
                start = index + 1
            }
            output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start...]))
        }
        output.append(UInt8(ascii: "\""))
    }

    private static func writeEscape(_ byte: UInt8, to output: inout [UInt8]) {
        switch byte {
        case UInt8(ascii: "\""): output.append(contentsOf: #"\""#.utf8)
        case UInt8(ascii: "\\"): output.append(contentsOf: #"\\"#.utf8)
        case 0x0A: output.append(contentsOf: #"\n"#.utf8)
        case 0x0D: output.append(contentsOf: #"\r"#.utf8)
        case 0x09: output.append(contentsOf: #"\t"#.utf8)
        case 0x08: output.append(contentsOf: #"\b"#.utf8)
        case 0x0C: output.append(contentsOf: #"\f"#.utf8)
        default:
            output.append(contentsOf: #"\u00"#.utf8)
            output.append(hexDigit(byte >> 4))
            output.append(hexDigit(byte & 0x0F))
        }
    }

    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
    }

    private static func newline(_ output: inout [UInt8], indent: Int) {
        output.append(0x0A)
        for _ in 0..<indent { output.append(contentsOf: "  ".utf8) }
    }
}
