import AetherNATS
import AetherNATSTesting
import AetherTestSupport
import Foundation
import Testing

@Suite("NATS client lifecycle against nats-server 2.15.1", .enabled(if: Live.serverPresent, Live.skipReason))
struct ClientLifecycleLiveTests {
    @Test("a request whose task is cancelled ends at once with CancellationError, not at its timeout")
    func requestCancelled() async throws {
        try await Live.withClient { client, _ in
            // A responder that reads requests and never answers.
            let silent = try await client.subscribe(to: "silent.service")
            let request = Task {
                try await client.request("ping", to: "silent.service", timeout: .seconds(120))
            }
            // The request is on the server (and its waiter registered) once the responder has it.
            _ = try await take(1, from: silent)
            request.cancel()
            let outcome = await request.result
            #expect(throws: CancellationError.self) { try outcome.get() }

            // Cancelled before it starts: no waiter, no publish, no wait.
            let early = Task {
                withUnsafeCurrentTask { $0?.cancel() }
                return try await client.request("ping", to: "silent.service", timeout: .seconds(120))
            }
            await #expect(throws: CancellationError.self) { try await early.value }
            let flushEarly = Task {
                withUnsafeCurrentTask { $0?.cancel() }
                try await client.flush(timeout: .seconds(120))
            }
            await #expect(throws: CancellationError.self) { try await flushEarly.value }
            // The connection is unharmed.
            try await client.flush()
            #expect(client.status == .connected(server: client.connectedServer!.description))
        }
    }

    @Test("a client released without close() leaves the server, and stops reconnecting when released while away")
    func releasedClientStops() async throws {
        try await Live.withServer { server in
            let name = "released-\(UUID().uuidString.prefix(8))"
            // Made, used and released inside a function of its own.
            let released = try await Self.connectAndRelease(server, name: name) { _ in }
            try await withDeadline(10, "the released client to be freed") {
                while released.client != nil { try await Task.sleep(for: .milliseconds(20)) }
            }
            try await withDeadline(10, "the server to see the released client go") {
                while try await Self.connectionNames(server).contains(name) {
                    try await Task.sleep(for: .milliseconds(50))
                }
            }

            // Released while reconnecting to a server that is down.
            let away = try await Self.connectAndRelease(server, name: name) { client in
                await server.stop()
                try await waitFor("reconnecting", in: client.events()) {
                    if case .reconnecting = $0 { true } else { false }
                }
            }
            try await withDeadline(10, "the client released while reconnecting to be freed") {
                while away.client != nil { try await Task.sleep(for: .milliseconds(20)) }
            }
            // Its event stream ends with the close it made on release.
            var last: ConnectionEvent?
            for await event in away.events { last = event }
            #expect(last == .closed(reason: "the client was released without close()"))
            // The server comes back: nobody connects to it under that name.
            try await server.restart()
            let probe = try await NATSClient.connect(url: server.url)
            try await probe.flush()
            #expect(try await !Self.connectionNames(server).contains(name))
            await probe.close()
        }
    }

    struct Released: Sendable {
        weak var client: NATSClient?
        var events: AsyncStream<ConnectionEvent>
    }

    /// Connects a client named `name`, subscribes, runs `body`, and releases the client without
    /// `close()`. Returns a weak reference to it and its connection events.
    private static func connectAndRelease(
        _ server: NATSServerProcess,
        name: String,
        _ body: (NATSClient) async throws -> Void
    ) async throws -> Released {
        var options = NATSOptions(url: server.url)
        options.name = name
        options.reconnect.initialDelay = .milliseconds(20)
        options.reconnect.maxDelay = .milliseconds(50)
        let client = try await NATSClient.connect(options)
        let events = client.events()
        _ = try await client.subscribe(to: "anything")
        try await client.flush()
        #expect(try await connectionNames(server).contains(name))
        try await body(client)
        return Released(client: client, events: events)
    }

    /// The names of the connections the server has now (monitoring `/connz`).
    private static func connectionNames(_ server: NATSServerProcess) async throws -> [String] {
        struct Connz: Decodable {
            struct Connection: Decodable { var name: String? }
            var connections: [Connection]?
        }
        guard let body = await NATSServerProcess.httpGet(port: server.monitorPort, path: "/connz"),
            let start = body.firstIndex(of: "{")
        else { throw DeadlineExceeded(what: "no /connz answer") }
        let connz = try JSONDecoder().decode(Connz.self, from: Data(body[start...].utf8))
        return (connz.connections ?? []).compactMap(\.name)
    }
}
