/// Random identifiers for inboxes: base62, from the system's secure generator.
enum NUID {
    private static let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)

    /// A random base62 token of `length` characters (22 gives ~131 bits, as nats.go's NUID).
    static func next(length: Int = 22) -> String {
        var generator = SystemRandomNumberGenerator()
        var bytes: [UInt8] = []
        bytes.reserveCapacity(length)
        for _ in 0..<length {
            bytes.append(alphabet[Int(generator.next(upperBound: UInt8(62)))])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// A new inbox subject, `_INBOX.<nuid>`.
    static func inbox(prefix: String = "_INBOX") -> String {
        "\(prefix).\(next())"
    }
}
