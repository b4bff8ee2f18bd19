/// Where and why JSON text could not be parsed.
///
/// `offset` is the byte offset of the offending character; `line` and `column` are 1-based
/// (column counts bytes), so an editor can point at the bad character.
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public var offset: Int
    public var line: Int
    public var column: Int

    public var description: String {
        "invalid JSON at line \(line), column \(column) (offset \(offset)): \(message)"
    }
}

extension JSONValue {
    /// Parses JSON text.
    ///
    /// Accepts exactly one value surrounded by optional whitespace (RFC 8259). Nesting deeper
    /// than 512 levels is rejected rather than risking the stack.
    /// - Throws: `JSONParseError` naming the position of the first bad character.
    public static func parse(_ text: String) throws(JSONParseError) -> JSONValue {
        var text = text
        return try text.withUTF8 { bytes in Result { () throws(JSONParseError) in try parse(bytes) } }.get()
    }

    /// Parses JSON bytes (UTF-8).
    /// - Throws: `JSONParseError` naming the position of the first bad character.
    public static func parse(_ bytes: UnsafeBufferPointer<UInt8>) throws(JSONParseError) -> JSONValue {
        var parser = JSONParser(bytes: bytes)
        return try parser.parseDocument()
    }

    /// Parses JSON bytes (UTF-8).
    /// - Throws: `JSONParseError` naming the position of the first bad character.
    public static func parse(_ bytes: some Collection<UInt8>) throws(JSONParseError) -> JSONValue {
        try JSONParser.parsing(bytes) { parser throws(JSONParseError) in try parser.parseDocument() }
    }
}

/// A recursive-descent JSON parser over a byte buffer.
struct JSONParser {
    private let bytes: UnsafeBufferPointer<UInt8>
    private(set) var index = 0
    private var depth = 0
    private static let maxDepth = 512

    init(bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    mutating func parseDocument() throws(JSONParseError) -> JSONValue {
        skipWhitespace()
        let value = try parseValue()
        skipWhitespace()
        if index < bytes.count {
            throw error("unexpected \(describe(bytes[index])) after the JSON value")
        }
        return value
    }

    // MARK: values

    private mutating func parseValue() throws(JSONParseError) -> JSONValue {
        guard index < bytes.count else { throw error("unexpected end of input, expected a value") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"):
            try expectLiteral("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try expectLiteral("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try expectLiteral("null")
            return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return try parseNumber()
        default:
            throw error("unexpected \(describe(bytes[index])), expected a value")
        }
    }

    private mutating func parseObject() throws(JSONParseError) -> JSONValue {
        var members = JSONObject()
        try visitMembers { (key, parser) throws(JSONParseError) in
            // Room for a typical small object at once: growing from empty rehashes every key
            // at each doubling.
            // (`init(minimumCapacity:)` is inlined; `reserveCapacity` is a generic call.)
            if members.isEmpty { members = JSONObject(minimumCapacity: 4) }
            members[key] = try parser.parseValue()
        }
        return .object(members)
    }

    private mutating func parseArray() throws(JSONParseError) -> JSONValue {
        try enter()
        index += 1  // [
        var elements: [JSONValue] = []
        skipWhitespace()
        if peek() == UInt8(ascii: "]") {
            index += 1
            depth -= 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            elements.append(try parseValue())
            skipWhitespace()
            guard index < bytes.count else { throw error("unexpected end of input, expected ',' or ']'") }
            switch bytes[index] {
            case UInt8(ascii: ","):
                index += 1
            case UInt8(ascii: "]"):
                index += 1
                depth -= 1
                return .array(elements)
            default:
                throw error("expected ',' or ']' in array, found \(describe(bytes[index]))")
            }
        }
    }

    private mutating func parseString() throws(JSONParseError) -> String {
        index += 1  // opening quote
        let start = index
        // Fast path: no escapes.
        var high: UInt8 = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                let slice = UnsafeBufferPointer(rebasing: bytes[start..<index])
                index += 1
                // ASCII needs no validation.
                if high < 0x80 { return String(decoding: slice, as: UTF8.self) }
                return try makeString(slice, at: start)
            }
            high |= byte
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { throw error("control character \(describe(byte)) in string; escape it") }
            index += 1
        }
        var scratch: [UInt8] = Array(bytes[start..<index])
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                return try scratch.withUnsafeBufferPointer { buffer in
                    Result { () throws(JSONParseError) in try makeString(buffer, at: start) }
                }.get()
            case UInt8(ascii: "\\"):
                index += 1
                guard index < bytes.count else { throw error("unexpected end of input in escape sequence") }
                let escaped = bytes[index]
                index += 1
                switch escaped {
                case UInt8(ascii: "\""): scratch.append(UInt8(ascii: "\""))
                case UInt8(ascii: "\\"): scratch.append(UInt8(ascii: "\\"))
                case UInt8(ascii: "/"): scratch.append(UInt8(ascii: "/"))
                case UInt8(ascii: "b"): scratch.append(0x08)
                case UInt8(ascii: "f"): scratch.append(0x0C)
                case UInt8(ascii: "n"): scratch.append(0x0A)
                case UInt8(ascii: "r"): scratch.append(0x0D)
                case UInt8(ascii: "t"): scratch.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try parseHex4()
                    if (0xD800...0xDBFF).contains(scalar) {
                        guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"),
                            bytes[index + 1] == UInt8(ascii: "u")
                        else { throw error("unpaired high surrogate \\u\(String(scalar, radix: 16))") }
                        index += 2
                        let low = try parseHex4()
                        guard (0xDC00...0xDFFF).contains(low) else {
                            throw error("invalid low surrogate \\u\(String(low, radix: 16))")
                        }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    } else if (0xDC00...0xDFFF).contains(scalar) {
                        throw error("unpaired low surrogate \\u\(String(scalar, radix: 16))")
                    }
                    guard let unicode = Unicode.Scalar(scalar) else { throw error("invalid unicode escape") }
                    scratch.append(contentsOf: String(Character(unicode)).utf8)
                default:
                    index -= 1
                    throw error("invalid escape \\\(Character(Unicode.Scalar(escaped)))")
                }
            default:
                if byte < 0x20 { throw error("control character \(describe(byte)) in string; escape it") }
                scratch.append(byte)
                index += 1
            }
        }
        throw error("unexpected end of input in string starting at offset \(start - 1)")
    }

    private func makeString(_ bytes: UnsafeBufferPointer<UInt8>, at start: Int) throws(JSONParseError) -> String {
        guard let string = String(validating: bytes, as: UTF8.self) else {
            throw JSONParseError.at(start, in: self.bytes, message: "string is not valid UTF-8")
        }
        return string
    }

    private mutating func parseHex4() throws(JSONParseError) -> UInt32 {
        guard index + 4 <= bytes.count else { throw error("unexpected end of input in \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw error("invalid hex digit \(describe(byte)) in \\u escape")
            }
            value = value << 4 | digit
            index += 1
        }
        return value
    }

    private mutating func parseNumber() throws(JSONParseError) -> JSONValue {
        let start = index
        var isInteger = true
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < bytes.count, isDigit(bytes[index]) else {
            throw error(
                index < bytes.count
                    ? "expected a digit, found \(describe(bytes[index]))" : "unexpected end of input in number"
            )
        }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
            if index < bytes.count, isDigit(bytes[index]) { throw error("leading zeros are not allowed") }
        } else {
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            isInteger = false
            index += 1
            guard index < bytes.count, isDigit(bytes[index]) else { throw error("expected a digit after '.'") }
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            isInteger = false
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                index += 1
            }
            guard index < bytes.count, isDigit(bytes[index]) else { throw error("expected a digit in exponent") }
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        let slice = UnsafeBufferPointer(rebasing: bytes[start..<index])
        if isInteger, let value = Self.parseInt64(slice) {
            return .integer(value)
        }
        let text = String(decoding: slice, as: UTF8.self)
        guard let value = Double(text), value.isFinite else {
            throw JSONParseError.at(start, in: bytes, message: "number \(text) is out of range")
        }
        return .double(value)
    }

    private static func parseInt64(_ digits: UnsafeBufferPointer<UInt8>) -> Int64? {
        var index = 0
        let negative = digits[0] == UInt8(ascii: "-")
        if negative { index = 1 }
        var value: Int64 = 0
        while index < digits.count {
            let digit = Int64(digits[index] - UInt8(ascii: "0"))
            let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (next, overflow2) =
                negative ? times10.subtractingReportingOverflow(digit) : times10.addingReportingOverflow(digit)
            if overflow1 || overflow2 { return nil }
            value = next
            index += 1
        }
        return value
    }

    // MARK: helpers

    private mutating func enter() throws(JSONParseError) {
        depth += 1
        if depth > Self.maxDepth { throw error("nesting deeper than \(Self.maxDepth) levels") }
    }

    private mutating func expectLiteral(_ literal: StaticString) throws(JSONParseError) {
        let count = literal.utf8CodeUnitCount
        let start = literal.utf8Start
        for offset in 0..<count {
            guard index + offset < bytes.count, bytes[index + offset] == start[offset] else {
                index += offset
                throw error(
                    index < bytes.count
                        ? "unexpected \(describe(bytes[index])) in literal \(literal)"
                        : "unexpected end of input in literal \(literal)"
                )
            }
        }
        index += count
    }

    private func peek() -> UInt8? {
        index < bytes.count ? bytes[index] : nil
    }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x0A, 0x0D, 0x09: index += 1
            default: return
            }
        }
    }

    private func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    private func describe(_ byte: UInt8) -> String {
        if byte >= 0x21 && byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
        return "byte 0x\(String(byte, radix: 16, uppercase: true))"
    }

    private func error(_ message: String) -> JSONParseError {
        JSONParseError.at(index, in: bytes, message: message)
    }
}

extension JSONParseError {
    static func at(_ offset: Int, in bytes: UnsafeBufferPointer<UInt8>, message: String) -> JSONParseError {
        var line = 1
        var lineStart = 0
        var index = 0
        let end = min(offset, bytes.count)
        while index < end {
            if bytes[index] == 0x0A {
                line += 1
                lineStart = index + 1
            }
            index += 1
        }
        return JSONParseError(message: message, offset: offset, line: line, column: offset - lineStart + 1)
    }
}

// MARK: reading an object member by member

extension JSONParser {
    /// Runs `body` with a parser over `bytes`, copying them only when they are not contiguous.
    static func parsing<R>(
        _ bytes: some Collection<UInt8>,
        _ body: (inout JSONParser) throws(JSONParseError) -> R
    ) throws(JSONParseError) -> R {
        let result: Result<R, JSONParseError>? = bytes.withContiguousStorageIfAvailable { buffer in
            var parser = JSONParser(bytes: buffer)
            return Result { () throws(JSONParseError) in try body(&parser) }
        }
        if let result { return try result.get() }
        return try Array(bytes).withUnsafeBufferPointer { buffer in
            var parser = JSONParser(bytes: buffer)
            return Result { () throws(JSONParseError) in try body(&parser) }
        }.get()
    }

    /// The first byte of the next value after whitespace, or nil at the end.
    mutating func nextValueByte() -> UInt8? {
        skipWhitespace()
        return peek()
    }

    /// Parses the value at the current position.
    mutating func parseNextValue() throws(JSONParseError) -> JSONValue {
        skipWhitespace()
        return try parseValue()
    }

    /// Fails unless only whitespace is left.
    mutating func finishDocument() throws(JSONParseError) {
        skipWhitespace()
        if index < bytes.count {
            throw error("unexpected \(describe(bytes[index])) after the JSON value")
        }
    }

    /// An object's key: its bytes in the input when it is plain ASCII without escapes (the
    /// usual case, compared with no string made), else its decoded text.
    struct Key {
        let bytes: UnsafeBufferPointer<UInt8>
        let text: String?

        init(bytes: UnsafeBufferPointer<UInt8>) {
            self.bytes = bytes
            self.text = nil
        }

        init(text: String) {
            self.bytes = UnsafeBufferPointer(start: nil, count: 0)
            self.text = text
        }

        /// Whether the key is `name` (ASCII).
        func `is`(_ name: StaticString) -> Bool {
            if let text {
                return text.utf8.elementsEqual(
                    UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount)
                )
            }
            guard bytes.count == name.utf8CodeUnitCount else { return false }
            let other = name.utf8Start
            for offset in 0..<bytes.count where bytes[offset] != other[offset] { return false }
            return true
        }

        var string: String { text ?? String(decoding: bytes, as: UTF8.self) }
    }

    /// The bytes of the string at the current position when it is plain ASCII without escapes
    /// or control characters, moving past it; nil (and no move) otherwise, or when the next
    /// value is not a string.
    mutating func parseRawString() -> UnsafeBufferPointer<UInt8>? {
        guard peek() == UInt8(ascii: "\"") else { return nil }
        let start = index + 1
        var cursor = start
        while cursor < bytes.count {
            let byte = bytes[cursor]
            if byte == UInt8(ascii: "\"") {
                index = cursor + 1
                return UnsafeBufferPointer(rebasing: bytes[start..<cursor])
            }
            if byte == UInt8(ascii: "\\") || byte < 0x20 || byte >= 0x80 { return nil }
            cursor += 1
        }
        return nil
    }

    /// Parses the object at the current position (the caller checked for `{`), handing each key
    /// to `visit` with the parser positioned at its value; `visit` must parse that value.
    mutating func visitMembers(
        _ visit: (String, inout JSONParser) throws(JSONParseError) -> Void
    ) throws(JSONParseError) {
        try visitKeyedMembers { (key, parser) throws(JSONParseError) in try visit(key.string, &parser) }
    }

    /// ``visitMembers(_:)`` with each key as a ``Key``: a fixed-shape object matches its keys
    /// on the bytes.
    mutating func visitKeyedMembers(
        _ visit: (Key, inout JSONParser) throws(JSONParseError) -> Void
    ) throws(JSONParseError) {
        skipWhitespace()
        try enter()
        index += 1  // {
        skipWhitespace()
        if peek() == UInt8(ascii: "}") {
            index += 1
            depth -= 1
            return
        }
        while true {
            skipWhitespace()
            guard peek() == UInt8(ascii: "\"") else {
                throw error(
                    index < bytes.count
                        ? "expected a string key, found \(describe(bytes[index]))"
                        : "unexpected end of input, expected a key"
                )
            }
            let key: Key
            if let raw = parseRawString() {
                key = Key(bytes: raw)
            } else {
                key = Key(text: try parseString())
            }
            skipWhitespace()
            guard peek() == UInt8(ascii: ":") else {
                throw error(
                    index < bytes.count
                        ? "expected ':' after key \"\(key.string)\", found \(describe(bytes[index]))"
                        : "unexpected end of input, expected ':'"
                )
            }
            index += 1
            skipWhitespace()
            try visit(key, &self)
            skipWhitespace()
            guard index < bytes.count else { throw error("unexpected end of input, expected ',' or '}'") }
            switch bytes[index] {
            case UInt8(ascii: ","):
                index += 1
            case UInt8(ascii: "}"):
                index += 1
                depth -= 1
                return
            default:
                throw error("expected ',' or '}' in object, found \(describe(bytes[index]))")
            }
        }
    }
}
