/// A compiled NATS-style token pattern: `.` separates tokens, `*` matches exactly one token,
/// `>` (last token only) matches one or more trailing tokens. Anything else matches literally;
/// `tenant-*` is a literal token, as in NATS.
public struct TokenPattern: Sendable, Hashable, CustomStringConvertible {
    enum Token: Sendable, Hashable {
        case literal(Substring)
        case one
        case rest
    }

    public let text: String
    let tokens: [Token]

    /// Compiles a namespace pattern.
    /// - Throws: `AetherError` `.invalidPattern` naming the pattern.
    public init(namespacePattern pattern: String) throws(AetherError) {
        try Identifiers.validateNamespacePattern(pattern)
        self.init(unchecked: pattern)
    }

    /// Compiles an actor pattern: the same token rules over actor IDs (split on `.`); tokens may
    /// hold any characters but `.`.
    /// - Throws: `AetherError` `.invalidPattern` for an empty pattern, an empty token, or `>` before the end.
    public init(actorPattern pattern: String) throws(AetherError) {
        let tokens = pattern.split(separator: ".", omittingEmptySubsequences: false)
        if pattern.isEmpty || tokens.contains(where: \.isEmpty) {
            throw AetherError(
                code: .invalidPattern,
                message: "actor pattern \(Identifiers.quoted(pattern)) has an empty token"
            )
        }
        if let position = tokens.firstIndex(of: ">"), position != tokens.count - 1 {
            throw AetherError(
                code: .invalidPattern,
                message: "actor pattern \(Identifiers.quoted(pattern)) has '>' before its last token"
            )
        }
        self.init(unchecked: pattern)
    }

    init(unchecked pattern: String) {
        text = pattern
        tokens = pattern.split(separator: ".", omittingEmptySubsequences: false).map { token in
            switch token {
            case "*": return .one
            case ">": return .rest
            default: return .literal(token)
            }
        }
    }

    /// True when the pattern has a `*` or `>` token.
    public var isWildcard: Bool {
        tokens.contains { $0 == .one || $0 == .rest }
    }

    /// Whether `subject` (a namespace or actor ID) matches.
    public func matches(_ subject: String) -> Bool {
        // An ASCII subject's tokens are found by scanning its bytes, with nothing allocated (every
        // event a wildcard subscriber sees is matched). Other text keeps the split by Character,
        // where a dot followed by a combining mark is not a separator.
        subject.utf8.allSatisfy { $0 < 0x80 } ? matchesASCII(subject) : matchesSplit(subject)
    }

    private func matchesASCII(_ subject: String) -> Bool {
        let utf8 = subject.utf8
        var start = utf8.startIndex
        var exhausted = false  // past the subject's last token
        for token in tokens {
            if exhausted { return false }
            let end = utf8[start...].firstIndex(of: UInt8(ascii: ".")) ?? utf8.endIndex
            switch token {
            case .rest:
                return true
            case .one:
                guard start < end else { return false }
            case .literal(let literal):
                guard subject[start..<end] == literal else { return false }
            }
            if end == utf8.endIndex {
                exhausted = true
            } else {
                start = utf8.index(after: end)
            }
        }
        return exhausted
    }

    func matchesSplit(_ subject: String) -> Bool {
        let parts = subject.split(separator: ".", omittingEmptySubsequences: false)
        var index = 0
        for token in tokens {
            switch token {
            case .rest:
                return index < parts.count
            case .one:
                guard index < parts.count, !parts[index].isEmpty else { return false }
            case .literal(let literal):
                guard index < parts.count, parts[index] == literal else { return false }
            }
            index += 1
        }
        return index == parts.count
    }

    public var description: String { text }
}

/// Whether a namespace matches a namespace pattern (NATS token rules). An invalid pattern matches nothing.
public func matchNamespacePattern(_ pattern: String, _ namespace: String) -> Bool {
    guard let compiled = try? TokenPattern(namespacePattern: pattern) else { return false }
    return compiled.matches(namespace)
}

/// Whether a pattern has a wildcard token.
public func isWildcardPattern(_ pattern: String) -> Bool {
    TokenPattern(unchecked: pattern).isWildcard
}

/// Which events a subscription receives, after its namespace pattern matched.
///
/// An event passes when its type is any of `eventTypes` (or `eventTypes` is empty) AND its
/// actor ID matches `actorPattern` (or there is none).
public struct SubscriptionFilter: Sendable, Hashable {
    public var eventTypes: Set<String>
    public var actorPattern: TokenPattern?

    public init(eventTypes: Set<String> = [], actorPattern: TokenPattern? = nil) {
        self.eventTypes = eventTypes
        self.actorPattern = actorPattern
    }

    /// - Throws: `AetherError` `.invalidPattern` for a malformed actor pattern.
    public init(eventTypes: Set<String> = [], actorPattern: String?) throws(AetherError) {
        self.eventTypes = eventTypes
        self.actorPattern = try actorPattern.map { pattern throws(AetherError) in
            try TokenPattern(actorPattern: pattern)
        }
    }

    public func accepts(_ event: Event) -> Bool {
        if !eventTypes.isEmpty && !eventTypes.contains(event.eventType) { return false }
        if let actorPattern, !actorPattern.matches(event.actorID) { return false }
        return true
    }
}
