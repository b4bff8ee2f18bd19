/// Actor IDs as one subject token, injectively: `[A-Za-z0-9_-]` stay, every other byte of the
/// UTF-8 becomes `~XX` (upper-case hex), `~` included. Written down in `docs/WIRE-FORMAT.md`.
public enum ActorToken {
    public static func encode(_ actorID: String) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(actorID.utf8.count)
        let hex = Array("0123456789ABCDEF".utf8)
        for byte in actorID.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "_"), UInt8(ascii: "-"):
                output.append(byte)
            default:
                output.append(UInt8(ascii: "~"))
                output.append(hex[Int(byte >> 4)])
                output.append(hex[Int(byte & 0x0F)])
            }
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// The actor ID of a token; nil when the token is not one `encode` makes. A token that
    /// decodes but is not the canonical one (`~61` for `a`) is not one `encode` makes either: its
    /// records would sit beside the actor's real subject, unseen, so it is refused.
    public static func decode(_ token: String) -> String? {
        guard let decoded = decodeLoosely(token), encode(decoded) == token else { return nil }
        return decoded
    }

    private static func decodeLoosely(_ token: String) -> String? {
        var output: [UInt8] = []
        var iterator = token.utf8.makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "~") {
                guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                    return nil
                }
                output.append(high << 4 | low)
            } else {
                output.append(byte)
            }
        }
        return String(validating: output, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
