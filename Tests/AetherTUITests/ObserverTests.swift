import Aether
import AetherNATS
import Testing

@testable import AetherTUI

@Suite("Observers observe: the dashboard creates nothing members would inherit")
struct ObserverTests {
    @Test(
        "a dashboard attached before any member creates no bucket, starts anyway, and sees the leader once members run"
    )
    func observerCreatesNothing() async throws {
        guard NATSServerProcess.binary != nil else {
            #expect(!Binary.isCI, "CI=true but nats-server is missing")
            return
        }
        let server = try await NATSServerProcess.start()
        defer { server.shutdown() }
        let client = try await NATSClient.connect(url: server.url)
        defer { Task { await client.close() } }
        let js = JetStream(client: client)

        let dashboard = try await NATSDeployment.connect(options: NATSOptions(url: server.url), observer: true)
        dashboard.start()
        #expect(try await js.streamNames().contains("KV_aether-leader-election") == false)
        #expect(await dashboard.cluster.view().leader == nil)

        let member = try await NATSDeployment.connect(
            options: NATSOptions(url: server.url),
            nodeID: "m1",
            observer: false
        )
        member.start()
        #expect(try await js.streamInfo("KV_aether-leader-election").config.replicas == 1)
        let leader = try await withDeadline(15, "the observer sees the member lead") {
            while true {
                if let leader = await dashboard.cluster.view().leader { return leader }
                try await Task.sleep(for: .milliseconds(50))
            }
        }
        #expect(leader == "m1")
        await member.shutdown()
        await dashboard.shutdown()
    }

    @Test("a member asking for other replicas than the bucket has: scaled, or refused naming both figures")
    func replicasMismatch() async throws {
        guard NATSServerProcess.binary != nil else {
            #expect(!Binary.isCI, "CI=true but nats-server is missing")
            return
        }
        let server = try await NATSServerProcess.start()
        defer { server.shutdown() }
        let client = try await NATSClient.connect(url: server.url)
        defer { Task { await client.close() } }
        _ = try await Cluster.NATSCoordination.open(client: client, replicas: 1)
        // One server cannot hold three replicas: the member refuses to start, and says why.
        let error = await #expect(throws: AetherError.self) {
            _ = try await Cluster.NATSCoordination.open(client: client, replicas: 3)
        }
        #expect(
            error?.message.contains("has 1 replicas and this member asked for 3") == true,
            "\(String(describing: error))"
        )
    }
}
