import Aether
import AetherNATS
import Foundation

/// How to reach NATS, from flags, the environment and the nats CLI's contexts.
///
/// Precedence: `--server`, then `NATS_URL`, then the context (`--context`, `NATS_CONTEXT`, or
/// the nats CLI's selected context). Nil when none names a server: the embedded demo.
public struct ConnectionSettings: Sendable, Equatable {
    public var server: String?
    public var credentialsFile: String?
    public var nkeySeedFile: String?
    public var tlsCAFile: String?
    public var context: String?

    public init(
        server: String? = nil,
        credentialsFile: String? = nil,
        nkeySeedFile: String? = nil,
        tlsCAFile: String? = nil,
        context: String? = nil
    ) {
        self.server = server
        self.credentialsFile = credentialsFile
        self.nkeySeedFile = nkeySeedFile
        self.tlsCAFile = tlsCAFile
        self.context = context
    }

    /// A nats CLI context file (`~/.config/nats/context/NAME.json`), the fields we use.
    struct Context: Decodable {
        var url: String?
        var user: String?
        var password: String?
        var token: String?
        var creds: String?
        var nkey: String?
        var ca: String?
        var cert: String?
        var key: String?
    }

    /// The options to connect with, or nil for the embedded demo.
    /// - Throws: `AetherError` `.invalidArgument` naming the context or file that is wrong.
    public func options(environment: [String: String], home: String) throws -> NATSOptions? {
        let directory = Self.natsDirectory(environment: environment, home: home)
        let contextName = self.contextName(environment: environment, directory: directory)
        let loaded = try contextName.map { try Self.loadContext($0, directory: directory) }
        guard let url = server ?? environment["NATS_URL"] ?? loaded?.url, !url.isEmpty else { return nil }
        // A comma-separated seed list, as the nats CLI and NATS_URL take it.
        let seeds = url.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        var options = NATSOptions(servers: seeds)
        options.name = "aether-top"
        if let loaded {
            if options.user == nil { options.user = loaded.user }
            if options.password == nil { options.password = loaded.password }
            options.token = loaded.token.flatMap { $0.isEmpty ? nil : $0 }
            options.credentialsFile = loaded.creds.flatMap { $0.isEmpty ? nil : $0 }
            if let seedFile = loaded.nkey, !seedFile.isEmpty { options.nkeySeed = try Self.readSeed(seedFile) }
            if let ca = loaded.ca, !ca.isEmpty {
                var tls = NATSTLSOptions()
                tls.caFile = ca
                if let cert = loaded.cert, !cert.isEmpty { tls.certificateFile = cert }
                if let key = loaded.key, !key.isEmpty { tls.keyFile = key }
                options.tls = tls
            }
        }
        if let credentialsFile { options.credentialsFile = credentialsFile }
        if let nkeySeedFile { options.nkeySeed = try Self.readSeed(nkeySeedFile) }
        if let tlsCAFile {
            var tls = options.tls ?? NATSTLSOptions()
            tls.caFile = tlsCAFile
            options.tls = tls
        }
        // A credentials file that cannot be used is the operator's to fix, not NATS being
        // down: said before any connection is tried (the checks exit UNKNOWN on it).
        if let path = options.credentialsFile { try Self.checkCredentials(path) }
        return options
    }

    static func checkCredentials(_ path: String) throws {
        do {
            _ = try NATSCredentials.Creds(contentsOf: path)
        } catch {
            // The path and what is wrong with it; never the file's content.
            let message =
                error.message.contains(path) ? error.message : "credentials file \(path): \(error.message)"
            throw AetherError(code: .invalidArgument, message: message)
        }
    }

    static func natsDirectory(environment: [String: String], home: String) -> String {
        environment["XDG_CONFIG_HOME"].map { $0 + "/nats" } ?? home + "/.config/nats"
    }

    /// The nats CLI context in use: `--context`, `NATS_CONTEXT`, or (when nothing else names a
    /// server) the one the nats CLI has selected.
    func contextName(environment: [String: String], directory: String) -> String? {
        var contextName = context ?? environment["NATS_CONTEXT"]
        if contextName == nil, server == nil, environment["NATS_URL"] == nil,
            let selected = try? String(contentsOfFile: directory + "/context.txt", encoding: .utf8)
        {
            let trimmed = selected.trimmingCharacters(in: .whitespacesAndNewlines)
            if !trimmed.isEmpty { contextName = trimmed }
        }
        return contextName
    }

    static func loadContext(_ contextName: String, directory: String) throws -> Context {
        guard contextName.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }),
            !contextName.hasPrefix(".")
        else {
            throw AetherError(
                code: .invalidArgument,
                message: "invalid nats context name \(Identifiers.quoted(contextName))"
            )
        }
        let path = "\(directory)/context/\(contextName).json"
        guard let data = FileManager.default.contents(atPath: path) else {
            throw AetherError(
                code: .invalidArgument,
                message: "nats context \(Identifiers.quoted(contextName)) not found at \(path)"
            )
        }
        do {
            return try JSONDecoder().decode(Context.self, from: data)
        } catch {
            throw AetherError(code: .invalidArgument, message: "nats context file \(path) is not valid JSON")
        }
    }

    /// What the config file's contexts are matched against: the nats context's name, and the
    /// server URLs without their user and password; no servers for the embedded demo.
    public func target(environment: [String: String], home: String) -> (context: String?, servers: [String]) {
        let directory = Self.natsDirectory(environment: environment, home: home)
        let contextName = self.contextName(environment: environment, directory: directory)
        let url =
            server ?? environment["NATS_URL"]
            ?? contextName.flatMap { try? Self.loadContext($0, directory: directory).url } ?? ""
        let servers = url.split(separator: ",").map {
            Self.withoutCredentials(String($0.trimmingCharacters(in: .whitespaces)))
        }
        return (contextName, servers.filter { !$0.isEmpty })
    }

    /// A URL with its `user:password@` part removed.
    static func withoutCredentials(_ url: String) -> String {
        guard let at = url.lastIndex(of: "@") else { return url }
        let scheme = url.range(of: "://").map { String(url[..<$0.upperBound]) } ?? ""
        return scheme + url[url.index(after: at)...]
    }

    static func readSeed(_ path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw AetherError(code: .invalidArgument, message: "nkey seed file \(path) cannot be read")
        }
        let text = String(decoding: data, as: UTF8.self)
        guard
            let seed = text.split(whereSeparator: \.isNewline).map({ $0.trimmingCharacters(in: .whitespaces) })
                .first(where: { $0.hasPrefix("SU") })
        else {
            throw AetherError(code: .invalidArgument, message: "nkey seed file \(path) holds no user seed (SU…)")
        }
        return seed
    }
}
