import AetherNATS
import AetherNATSTesting
import AetherTestLanes
import AetherTestSupport
import Glibc
import NIOCore
import Testing

@Suite("3-server JetStream cluster", .enabled(if: Live.serverPresent, Live.skipReason), .serialized, .storeLane)
struct ClusterLiveTests {
    @Test("one server killed: JetStream publish and KV update still succeed; the client moves to a live server")
    func killOneServer() async throws {
        let cluster = try await NATSClusterProcess.start()
        defer { cluster.shutdown() }
        var options = NATSOptions(servers: [cluster.urls[0]])
        options.noRandomize = true
        let client = try await NATSClient.connect(options)
        defer { client.closeNow() }
        let events = client.events()
        let js = JetStream(client: client, timeout: .seconds(5))
        var config = StreamConfig(name: "R3", subjects: ["r3.>"])
        config.replicas = 3
        config.allowDirect = true
        let streamConfig = config
        _ = try await withDeadline(30, "R3 stream creation") { try await js.createStream(streamConfig) }
        var kvConfig = KeyValue.Config(bucket: "r3kv")
        kvConfig.replicas = 3
        let kv = try await KeyValue.create(kvConfig, in: js)
        let revision = try await kv.create("leader", Array("n1".utf8))
        _ = try await js.publish(Array("before".utf8), to: "r3.a")
        // The server this client is connected to (found from INFO) goes down hard.
        // The cluster advertises all three servers once its routes are up (an INFO update that
        // may come after the stream was created).
        let advertised = try await withDeadline(10, "all three servers advertised") {
            while client.serverInfo?.connectURLs?.count ?? 0 < 3 { try await Task.sleep(for: .milliseconds(20)) }
            return client.serverInfo?.connectURLs?.count
        }
        #expect(advertised == 3, "the cluster advertises all three servers")
        cluster.servers[0].kill9()
        try await waitFor("reconnected to another server", in: events, within: 20) { event in
            if case .reconnected(let server) = event { return !server.hasSuffix(":\(cluster.servers[0].clientPort)") }
            return false
        }
        var publishOptions = PublishOptions()
        publishOptions.retryUntil = .seconds(20)
        let ack = try await js.publish(Array("after".utf8), to: "r3.a", options: publishOptions)
        #expect(ack.sequence >= 2)
        // KV update: retry through the leader change (503s, timeouts) until a deadline.
        let updated = try await withDeadline(30, "KV update after the kill") {
            while true {
                do {
                    return try await kv.update("leader", Array("n1".utf8), revision: revision)
                } catch let error as NATSError where [.noResponders, .timeout, .disconnected].contains(error.code) {
                    try await Task.sleep(for: .milliseconds(200))
                }
            }
        }
        #expect(updated > revision)
        #expect(client.connectedServer?.port != cluster.servers[0].clientPort)
    }

    @Test("lame duck mode is reported as an event")
    func lameDuck() async throws {
        try await Live.withClient { client, server in
            let events = client.events()
            server.signal(SIGUSR2)
            try await waitFor("lame duck event", in: events, within: 20) {
                if case .lameDuckMode = $0 { return true } else { return false }
            }
        }
    }
}
