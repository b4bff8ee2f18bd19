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
        // Over the contiguous UTF-8 of a native string: a publish checks its subject every time.
        let scanned = subject.utf8.withContiguousStorageIfAvailable(scan) ?? scan(Array(subject.utf8))
        switch scanned {
        case .literal: return
        case .wildcard:
            if wildcards { return }
            throw NATSError(
                code: .invalidSubject,
                message: "subject \(describe(subject)) has a wildcard; publish subjects must be literal"
            )
        case .whitespace:
            throw NATSError(code: .invalidSubject, message: "subject \(describe(subject)) contains whitespace")
        case .nul:
            throw NATSError(code: .invalidSubject, message: "subject \(describe(subject)) contains NUL")
        case .emptyToken:
            throw NATSError(code: .invalidSubject, message: "subject \(describe(subject)) has an empty token")
        case .innerGreater:
            throw NATSError(
                code: .invalidSubject,
                message: "subject \(describe(subject)) has '>' before its last token"
            )
        }
    }

    /// What a subject's bytes are, the first fault found when there is one.
    private enum Scan {
        case literal, wildcard, whitespace, nul, emptyToken, innerGreater
    }

    private static func scan(_ bytes: some Collection<UInt8>) -> Scan {
        var tokenLength = 0
        var firstByte: UInt8 = 0
        var hasWildcard = false
        for byte in bytes {
            if byte > 0x20 && byte != UInt8(ascii: ".") {
                // The common byte: part of a token.
                if tokenLength == 0 { firstByte = byte }
                tokenLength += 1
                continue
            }
            if isWhitespace(byte) { return .whitespace }
            if byte == 0 { return .nul }
            if byte == UInt8(ascii: ".") {
                if tokenLength == 0 { return .emptyToken }
                if tokenLength == 1 && firstByte == UInt8(ascii: ">") { return .innerGreater }
                if tokenLength == 1 && firstByte == UInt8(ascii: "*") { hasWildcard = true }
                tokenLength = 0
                continue
            }
            // Another control byte: allowed, as before.
            if tokenLength == 0 { firstByte = byte }
            tokenLength += 1
        }
        if tokenLength == 0 { return .emptyToken }
        if tokenLength == 1 && (firstByte == UInt8(ascii: "*") || firstByte == UInt8(ascii: ">")) { hasWildcard = true }
        return hasWildcard ? .wildcard : .literal
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
