/// Subject rules, as the server enforces them (plus the client-side checks the server skips
/// outside pedantic mode).
public enum Subject {
    /// Checks a subject to publish to: literal tokens only.
    /// - Throws: `NATSError` `.invalidSubject` naming the subject and the rule broken.
    public static func validatePublish(_ subject: String) throws(NATSError) {
        try validate(subject, wildcards: false)
    }

    /// Checks a subject to subscribe to: `*` tokens anywhere, `>` as the last token.
    /// - Throws: `NATSError` `.invalidSubject`.
    public static func validateSubscribe(_ subject: String) throws(NATSError) {
        try validate(subject, wildcards: true)
    }

    /// Checks a queue group name: non-empty, no whitespace.
    public static func validateQueue(_ queue: String) throws(NATSError) {
        if queue.isEmpty || queue.utf8.contains(where: isWhitespace) {
            throw NATSError(code: .invalidSubject, message: "queue group \(describe(queue)) is empty or has whitespace")
        }
    }

    static func validate(_ subject: String, wildcards: Bool) throws(NATSError) {
        if subject.isEmpty { throw NATSError(code: .invalidSubject, message: "subject is empty") }
        var tokenLength = 0
        var firstByte: UInt8 = 0
        var hasWildcard = false
        for byte in subject.utf8 {
            if isWhitespace(byte) {
                throw NATSError(code: .invalidSubject, message: "subject \(describe(subject)) contains whitespace")
            }
            if byte == 0 {
                throw NATSError(code: .invalidSubject, message: "subject \(describe(subject)) contains NUL")
            }
            if byte == UInt8(ascii: ".") {
                if tokenLength == 0 {
                    throw NATSError(code: .invalidSubject, message: "subject \(describe(subject)) has an empty token")
                }
                if tokenLength == 1 && firstByte == UInt8(ascii: ">") {
                    throw NATSError(
                        code: .invalidSubject,
                        message: "subject \(describe(subject)) has '>' before its last token"
                    )
                }
                if tokenLength == 1 && firstByte == UInt8(ascii: "*") { hasWildcard = true }
                tokenLength = 0
                continue
            }
            if tokenLength == 0 { firstByte = byte }
            tokenLength += 1
        }
        if tokenLength == 0 {
            throw NATSError(code: .invalidSubject, message: "subject \(describe(subject)) has an empty token")
        }
        if tokenLength == 1 && (firstByte == UInt8(ascii: "*") || firstByte == UInt8(ascii: ">")) { hasWildcard = true }
        if !wildcards && hasWildcard {
            throw NATSError(
                code: .invalidSubject,
                message: "subject \(describe(subject)) has a wildcard; publish subjects must be literal"
            )
        }
    }

    /// True when a token is exactly `*` or `>`.
    public static func containsWildcardToken(_ subject: String) -> Bool {
        subject.split(separator: ".", omittingEmptySubsequences: false).contains { $0 == "*" || $0 == ">" }
    }

    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D || byte == 0x0C || byte == 0x0B
    }

    static func describe(_ subject: String) -> String {
        var result = "\""
        for scalar in subject.unicodeScalars {
            if scalar.value < 0x20 || scalar.value == 0x7F {
                result += "\\u{\(String(scalar.value, radix: 16))}"
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }
}
