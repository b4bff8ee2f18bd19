import Aether
import AetherNATS
import Foundation
import Testing

@testable import AetherTUI

/// The verdict on `STREAM.LIST` replies as nats-server 2.15.1 sent them on a 3-server cluster
/// (replies recorded with one server killed).
@Suite("JetStream health from the stream listing")
struct JetStreamHealthTests {
    static func listing(_ json: String) throws -> JetStream.StreamListing {
        struct Reply: Decodable {
            var streams: [StreamInfo]?
            var missing: [String]?
        }
        let reply = try JSONDecoder().decode(Reply.self, from: Data(json.utf8))
        return JetStream.StreamListing(streams: reply.streams ?? [], missing: reply.missing ?? [])
    }

    static func stream(_ name: String, description: String? = nil, cluster: String) -> String {
        let description = description.map { #","description":"\#($0)""# } ?? ""
        return #"""
            {"config":{"name":"\#(name)","subjects":["\#(name).>"]\#(description),"num_replicas":3},
             "state":{"messages":0,"bytes":0,"first_seq":0,"last_seq":0,"consumer_count":0},
             "cluster":\#(cluster)}
            """#
    }

    @Test("a replica not heard from since the leader changed, or for 5 s, is a server gone; its streams run short")
    func serverGone() throws {
        let health = JetStreamHealth.assess(
            try Self.listing(
                #"{"total":3,"streams":["#
                    + Self.stream(
                        "orders_events",
                        description: "aether namespace: orders",
                        cluster:
                            #"{"name":"X","leader":"n2","replicas":[{"name":"n1","current":false,"active":0,"lag":2},{"name":"n3","current":true,"active":493355723}]}"#
                    ) + ","
                    + Self.stream(
                        "KV_aether-leader-election",
                        cluster:
                            #"{"name":"X","leader":"n3","replicas":[{"name":"n1","current":false,"active":17680164557},{"name":"n2","current":true,"active":8499385}]}"#
                    ) + ","
                    + Self.stream(
                        "healthy",
                        cluster:
                            #"{"name":"X","leader":"n3","replicas":[{"name":"n1","current":true,"active":1000},{"name":"n2","current":true,"active":1000}]}"#
                    ) + "]}"
            )
        )
        #expect(health.isDegraded)
        #expect(health.serversGone == ["n1"])
        #expect(health.streams == 3)
        #expect(
            health.problems == [
                .init(
                    stream: "KV_aether-leader-election",
                    kind: .replicasBehind(["n1"]),
                    label: "bucket aether-leader-election"
                ),
                .init(stream: "orders_events", kind: .replicasBehind(["n1"]), label: "namespace orders"),
            ]
        )
        #expect(health.problems.allSatisfy { !$0.blocksWrites })
        #expect(health.summary == "server gone: n1; 2 streams short of replicas")
    }

    @Test("a replica that is behind but heard from recently is not gone")
    func catchingUp() throws {
        let health = JetStreamHealth.assess(
            try Self.listing(
                #"{"streams":["#
                    + Self.stream(
                        "s",
                        cluster:
                            #"{"leader":"n2","replicas":[{"name":"n1","current":false,"active":300000000,"lag":40}]}"#
                    ) + "]}"
            )
        )
        #expect(health.serversGone == [])
        #expect(health.problems.map(\.kind) == [.replicasBehind(["n1"])])
    }

    @Test("a stream without a leader, and one that did not answer, take no writes and come first")
    func noLeader() throws {
        let health = JetStreamHealth.assess(
            try Self.listing(
                #"{"total":3,"missing":["payments_events","B1"],"streams":["#
                    + Self.stream("KV_aether-leader-election", cluster: #"{"name":"X","replicas":[]}"#) + "]}"
            ),
            knownNamespaces: ["payments_events": "payments"]
        )
        #expect(
            health.problems == [
                .init(stream: "KV_aether-leader-election", kind: .noLeader, label: "bucket aether-leader-election"),
                .init(stream: "payments_events", kind: .noAnswer, label: "namespace payments"),
                .init(stream: "B1", kind: .noAnswer, label: "stream B1"),
            ]
        )
        #expect(health.problems.allSatisfy { $0.blocksWrites })
        #expect(
            health.summary == "no leader: bucket aether-leader-election, namespace payments, stream B1"
        )
    }

    @Test("a single server's streams (no cluster info) are healthy")
    func singleServer() throws {
        let health = JetStreamHealth.assess(
            try Self.listing(
                #"{"streams":[{"config":{"name":"a","subjects":["a"]},"state":{"messages":1,"bytes":1,"first_seq":1,"last_seq":1,"consumer_count":0}}]}"#
            )
        )
        #expect(!health.isDegraded)
        #expect(health.summary == "")
    }

    @Test("the banner on every view and the box in the Cluster view say what is wrong; nothing when healthy")
    func rendered() throws {
        var model = Dashboard(settings: DashboardSettings(), label: "nats://a")
        model.width = 100
        model.height = 30
        _ = model.apply(.connection(.connected(server: "nats://a")))
        _ = model.apply(.clusterView(.init(nodeID: "aether-top", leader: "m1", term: 3)))
        _ = model.apply(
            .jetStreamHealth(
                JetStreamHealth(
                    streams: 4,
                    problems: [.init(stream: "orders_events", kind: .noLeader, label: "namespace orders")],
                    serversGone: ["n2"]
                )
            )
        )
        let streams = Renderer.render(model).text
        #expect(
            streams.contains("JETSTREAM DEGRADED — no leader: namespace orders; server gone: n2 (3 Cluster: details)")
        )
        _ = model.apply(.key(.character("3")))
        let cluster = Renderer.render(model).text
        #expect(cluster.contains("JETSTREAM DEGRADED — no leader: namespace orders; server gone: n2"))
        #expect(cluster.contains("servers gone (replicas not heard from): n2"))
        #expect(cluster.contains("namespace orders: no leader, takes no writes"))
        #expect(cluster.contains("leader m1"))
        _ = model.apply(.jetStreamHealth(JetStreamHealth(streams: 4)))
        #expect(!Renderer.render(model).text.contains("JETSTREAM"))
    }
}

extension JetStreamHealthTests {
    @Test("a hostile namespace in a stream's description is quoted with its control characters escaped")
    func hostileLabel() throws {
        let health = JetStreamHealth.assess(
            try Self.listing(
                #"{"streams":["#
                    + Self.stream(
                        "x_events",
                        description: #"aether namespace: a\u001b[2Jb"#,
                        cluster: #"{"name":"X","replicas":[]}"#
                    ) + "]}"
            )
        )
        #expect(health.problems.map(\.label) == [#"namespace "a\u{001B}[2Jb""#])
    }
}
