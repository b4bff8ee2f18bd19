import Synchronization

/// Unique identifiers for inboxes, request tokens and batch ids, as nats.go's NUID: a 12-character
/// prefix from the system's secure generator, then a 10-character sequence that grows by a
/// pseudo-random step. A new prefix is drawn when the sequence runs out. Only the prefix costs a
/// system call; the sequence is a few arithmetic steps under a lock.
enum NUID {
    private static let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)
    private static let prefixLength = 12
    private static let sequenceLength = 10
    /// 62^10.
    private static let maxSequence: UInt64 = 839_299_365_868_340_224

    private struct State {
        var prefix: [UInt8]
        var sequence: UInt64
        var increment: UInt64

        init() {
            var generator = SystemRandomNumberGenerator()
            prefix = NUID.randomBytes(NUID.prefixLength, using: &generator)
            sequence = generator.next(upperBound: NUID.maxSequence)
            increment = 33 + generator.next(upperBound: UInt64(300))
        }

        /// The next value of the sequence; a new prefix when it runs out.
        mutating func advance() -> (prefix: [UInt8], sequence: UInt64) {
            sequence += increment
            if sequence >= NUID.maxSequence { self = State() }
            return (prefix, sequence)
        }
    }

    private static let state = Mutex(State())

    /// A 22-character identifier (about 131 bits from the prefix and the sequence), unique
    /// across processes with overwhelming probability, as nats.go's `nuid.Next()`.
    static func next() -> String {
        let (prefix, sequence) = state.withLock { $0.advance() }
        var bytes = prefix
        bytes.reserveCapacity(prefixLength + sequenceLength)
        appendSequence(sequence, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// A random base62 token of `length` characters straight from the secure generator.
    static func random(length: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return String(decoding: randomBytes(length, using: &generator), as: UTF8.self)
    }

    /// A new inbox subject, `_INBOX.<nuid>`.
    static func inbox(prefix: String = "_INBOX") -> String {
        "\(prefix).\(next())"
    }

    private static func randomBytes(_ count: Int, using generator: inout SystemRandomNumberGenerator) -> [UInt8] {
        (0..<count).map { _ in alphabet[Int(generator.next(upperBound: UInt8(62)))] }
    }

    private static func appendSequence(_ sequence: UInt64, to bytes: inout [UInt8]) {
        var digits = [UInt8](repeating: 0, count: sequenceLength)
        var rest = sequence
        for index in stride(from: sequenceLength - 1, through: 0, by: -1) {
            digits[index] = alphabet[Int(rest % 62)]
            rest /= 62
        }
        bytes.append(contentsOf: digits)
    }
}
