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
        var contextName = context ?? environment["NATS_CONTEXT"]
        let directory = (environment["XDG_CONFIG_HOME"].map { $0 + "/nats" } ?? home + "/.config/nats")
        if contextName == nil, server == nil, environment["NATS_URL"] == nil,
            let selected = try? String(contentsOfFile: directory + "/context.txt", encoding: .utf8)
        {
            let trimmed = selected.trimmingCharacters(in: .whitespacesAndNewlines)
            if !trimmed.isEmpty { contextName = trimmed }
        }
        var loaded: Context?
        if let contextName {
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
                loaded = try JSONDecoder().decode(Context.self, from: data)
            } catch {
                throw AetherError(code: .invalidArgument, message: "nats context file \(path) is not valid JSON")
            }
        }
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
        return options
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
