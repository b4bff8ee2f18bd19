/// The naming rules for namespaces, actor IDs and event types.
///
/// - Namespace: one or more `.`-separated tokens of `[A-Za-z0-9_-]`, no empty token, at most
///   255 bytes. The first token `__internal__` is reserved for Aether's own notifications.
/// - Namespace pattern (subscriptions only): a namespace whose tokens may also be `*` (exactly
///   one token) or, as the last token only, `>` (one or more tokens).
/// - Actor ID: non-empty UTF-8 without control characters, at most 256 bytes. Dots, spaces,
///   `*`, `>` and non-ASCII characters are allowed; backends encode them.
/// - Event type: non-empty, printable (no control characters), at most 256 bytes.
public enum Identifiers {
    public static let maxNamespaceBytes = 255
    public static let maxActorIDBytes = 256
    public static let maxEventTypeBytes = 256
    /// The first namespace token Aether reserves for `EventStored` notifications.
    public static let internalNamespaceToken = "__internal__"

    /// Checks a namespace.
    /// - Throws: `AetherError` with code `.invalidNamespace` naming the namespace and the rule broken.
    public static func validateNamespace(_ namespace: String) throws(AetherError) {
        try validateNamespaceTokens(namespace, allowWildcards: false, code: .invalidNamespace, kind: "namespace")
        if namespace.utf8.prefix(while: { $0 != UInt8(ascii: ".") }).elementsEqual(internalNamespaceToken.utf8) {
            throw AetherError(
                code: .invalidNamespace,
                message:
                    "namespace \(quoted(namespace)) is reserved: its first token \(internalNamespaceToken) belongs to Aether"
            )
        }
    }

    /// Checks a namespace pattern (`*` and a final `>` allowed).
    /// - Throws: `AetherError` with code `.invalidPattern`.
    public static func validateNamespacePattern(_ pattern: String) throws(AetherError) {
        try validateNamespaceTokens(pattern, allowWildcards: true, code: .invalidPattern, kind: "namespace pattern")
    }

    /// Non-empty tokens of `A-Z a-z 0-9 _ -` joined by single dots.
    private static func isPlainNamespace(_ namespace: String) -> Bool {
        var afterDot = true  // the start counts as one: a leading dot is an empty token
        for byte in namespace.utf8 {
            if byte == UInt8(ascii: ".") {
                if afterDot { return false }
                afterDot = true
            } else if isNamespaceByte(byte) {
                afterDot = false
            } else {
                return false
            }
        }
        return !afterDot
    }

    static func validateNamespaceTokens(
        _ namespace: String,
        allowWildcards: Bool,
        code: AetherError.Code,
        kind: String
    ) throws(AetherError) {
        // The usual case, checked in one pass over the bytes with nothing made: tokens of
        // namespace bytes, none empty, no wildcard. Anything else takes the path below, which
        // names what is wrong.
        if namespace.utf8.count <= maxNamespaceBytes, isPlainNamespace(namespace) { return }
        if namespace.isEmpty {
            throw AetherError(code: code, message: "\(kind) is empty")
        }
        if namespace.utf8.count > maxNamespaceBytes {
            throw AetherError(
                code: code,
                message:
                    "\(kind) \(quoted(String(namespace.prefix(40))))… is \(namespace.utf8.count) bytes, more than \(maxNamespaceBytes)"
            )
        }
        let tokens = namespace.split(separator: ".", omittingEmptySubsequences: false)
        for (position, token) in tokens.enumerated() {
            if token.isEmpty {
                throw AetherError(code: code, message: "\(kind) \(quoted(namespace)) has an empty token")
            }
            if token == "*" || token == ">" {
                guard allowWildcards else {
                    throw AetherError(
                        code: code,
                        message:
                            "\(kind) \(quoted(namespace)) has wildcard token '\(token)'; wildcards are allowed only in subscription patterns"
                    )
                }
                if token == ">" && position != tokens.count - 1 {
                    throw AetherError(
                        code: code,
                        message: "\(kind) \(quoted(namespace)) has '>' before its last token"
                    )
                }
                continue
            }
            for byte in token.utf8 where !isNamespaceByte(byte) {
                throw AetherError(
                    code: code,
                    message:
                        "\(kind) \(quoted(namespace)) has character \(describeByte(byte)); tokens may use only A-Z a-z 0-9 _ -"
                )
            }
        }
    }

    /// Checks an actor ID.
    /// - Throws: `AetherError` with code `.invalidActorID`.
    public static func validateActorID(_ actorID: String) throws(AetherError) {
        if actorID.isEmpty {
            throw AetherError(code: .invalidActorID, message: "actor ID is empty")
        }
        let count = actorID.utf8.count
        if count > maxActorIDBytes {
            throw AetherError(
                code: .invalidActorID,
                message:
                    "actor ID \(quoted(String(actorID.prefix(40))))… is \(count) bytes, more than \(maxActorIDBytes)"
            )
        }
        for scalar in actorID.unicodeScalars where isControl(scalar) {
            throw AetherError(
                code: .invalidActorID,
                message: "actor ID \(quoted(actorID)) has control character U+\(hex(scalar.value))"
            )
        }
    }

    /// Checks an event type.
    /// - Throws: `AetherError` with code `.invalidEventType`.
    public static func validateEventType(_ eventType: String) throws(AetherError) {
        if eventType.isEmpty {
            throw AetherError(code: .invalidEventType, message: "event type is empty")
        }
        if eventType.utf8.count > maxEventTypeBytes {
            throw AetherError(
                code: .invalidEventType,
                message: "event type \(quoted(String(eventType.prefix(40))))… is longer than \(maxEventTypeBytes) bytes"
            )
        }
        for scalar in eventType.unicodeScalars where isControl(scalar) {
            throw AetherError(
                code: .invalidEventType,
                message: "event type \(quoted(eventType)) has control character U+\(hex(scalar.value))"
            )
        }
    }

    /// A name quoted for a message: control characters escaped so a hostile name cannot
    /// disturb a terminal or a log line.
    public static func quoted(_ name: String) -> String {
        var result = "\""
        for scalar in name.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            default:
                if isControl(scalar) {
                    result += "\\u{\(hex(scalar.value))}"
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        return result + "\""
    }

    private static func isNamespaceByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"):
            return true
        default:
            return false
        }
    }

    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || scalar.value == 0x2028 || scalar.value == 0x2029
    }

    private static func describeByte(_ byte: UInt8) -> String {
        if byte >= 0x21 && byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
        if byte == 0x20 { return "' ' (space)" }
        return "byte 0x\(String(byte, radix: 16, uppercase: true))"
    }

    private static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
