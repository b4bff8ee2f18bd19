import Foundation

/// A server address: `nats://[user:pass@]host:port`, `tls://…`, `host:port` or `host`.
///
/// Credentials in the URL are kept apart and never appear in `description`.
public struct ServerURL: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int
    /// `tls://` (or `wss`-less TLS) was asked for.
    public var tls: Bool
    var user: String?
    var password: String?
    /// A token given as `nats://token@host`.
    var token: String?
    /// Learned from the server's `connect_urls`, not configured.
    public var discovered: Bool = false

    public init(host: String, port: Int = 4222, tls: Bool = false) {
        self.host = host
        self.port = port
        self.tls = tls
    }

    /// Parses a URL.
    /// - Throws: `NATSError` `.connectionFailed` naming the URL, with any password blanked out.
    public init(parsing text: String) throws(NATSError) {
        var rest = Substring(text.trimmingCharacters(in: .whitespaces))
        var tls = false
        if let schemeEnd = rest.range(of: "://") {
            let scheme = rest[..<schemeEnd.lowerBound].lowercased()
            switch scheme {
            case "nats": tls = false
            case "tls": tls = true
            default:
                throw NATSError(
                    code: .connectionFailed,
                    message: "server URL \(ServerURL.redact(text)): unknown scheme \(scheme); use nats:// or tls://"
                )
            }
            rest = rest[schemeEnd.upperBound...]
        }
        var user: String?
        var password: String?
        var token: String?
        if let at = rest.lastIndex(of: "@") {
            let credentials = rest[..<at]
            rest = rest[rest.index(after: at)...]
            if let colon = credentials.firstIndex(of: ":") {
                user = String(credentials[..<colon]).removingPercentEncoding ?? String(credentials[..<colon])
                password = String(credentials[credentials.index(after: colon)...]).removingPercentEncoding ?? ""
            } else {
                token = String(credentials).removingPercentEncoding ?? ""
            }
        }
        if let slash = rest.firstIndex(of: "/") { rest = rest[..<slash] }
        var host = String(rest)
        var port = 4222
        if host.hasPrefix("["), let close = host.firstIndex(of: "]") {
            let inner = String(host[host.index(after: host.startIndex)..<close])
            let after = host[host.index(after: close)...]
            if after.hasPrefix(":") {
                guard let parsed = Int(after.dropFirst()), (1...65535).contains(parsed) else {
                    throw NATSError(
                        code: .connectionFailed,
                        message: "server URL \(ServerURL.redact(text)) has a bad port"
                    )
                }
                port = parsed
            }
            host = inner
        } else if let colon = host.lastIndex(of: ":") {
            guard let parsed = Int(host[host.index(after: colon)...]), (1...65535).contains(parsed) else {
                throw NATSError(code: .connectionFailed, message: "server URL \(ServerURL.redact(text)) has a bad port")
            }
            port = parsed
            host = String(host[..<colon])
        }
        guard !host.isEmpty else {
            throw NATSError(code: .connectionFailed, message: "server URL \(ServerURL.redact(text)) has no host")
        }
        self.host = host
        self.port = port
        self.tls = tls
        self.user = user
        self.password = password
        self.token = token
    }

    /// `nats://host:port`, without credentials.
    public var description: String {
        "\(tls ? "tls" : "nats")://\(host.contains(":") ? "[\(host)]" : host):\(port)"
    }

    /// Whether the URL carried credentials.
    public var hasCredentials: Bool { user != nil || token != nil }

    /// A URL string with any credentials replaced by `***`, for messages.
    public static func redact(_ text: String) -> String {
        guard let schemeEnd = text.range(of: "://") else {
            if let at = text.lastIndex(of: "@") { return "***@" + text[text.index(after: at)...] }
            return text
        }
        let rest = text[schemeEnd.upperBound...]
        guard let at = rest.lastIndex(of: "@") else { return text }
        return String(text[..<schemeEnd.upperBound]) + "***@" + rest[rest.index(after: at)...]
    }

    static func sameEndpoint(_ a: ServerURL, _ b: ServerURL) -> Bool {
        a.host == b.host && a.port == b.port
    }
}
