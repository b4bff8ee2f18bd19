import Aether
import Testing

@Suite("Membership and failure detection (manual clock)")
struct MembershipTests {
    let start = ContinuousClock.now

    private func at(_ seconds: Int) -> ContinuousClock.Instant { start.advanced(by: .seconds(seconds)) }

    /// `"a.up b.suspect c.down"`: the members' statuses, sorted by id.
    private func describe(_ membership: Cluster.Membership) -> String {
        membership.members.values.sorted { $0.info.id < $1.info.id }.map { "\($0.info.id).\($0.status.rawValue)" }
            .joined(separator: " ")
    }

    @Test("join, silence → suspect → down, heartbeat while suspect → recovered")
    func lifecycle() {
        var membership = Cluster.Membership(suspectAfter: .seconds(3), downAfter: .seconds(9))
        #expect(
            membership.onHeartbeat(.init(id: "a"), now: at(0)) == [
                .joined(.init(id: "a", startedAt: membership.members["a"]!.info.startedAt))
            ]
        )
        #expect(membership.onHeartbeat(.init(id: "b"), now: at(0)).count == 1)
        #expect(membership.onHeartbeat(.init(id: "a"), now: at(1)) == [])
        #expect(membership.onTick(now: at(2)) == [])
        #expect(describe(membership) == "a.up b.up")
        #expect(membership.onTick(now: at(3)) == [.suspect("b")])
        #expect(membership.onTick(now: at(4)) == [.suspect("a")])
        #expect(describe(membership) == "a.suspect b.suspect")
        #expect(membership.onHeartbeat(.init(id: "a"), now: at(5)) == [.recovered("a")])
        #expect(membership.onHeartbeat(.init(id: "a"), now: at(8)) == [])
        #expect(membership.onTick(now: at(9)) == [.down("b")])
        #expect(membership.onTick(now: at(10)) == [])
        #expect(describe(membership) == "a.up b.down")
        #expect(membership.live.map(\.info.id) == ["a"])
    }

    @Test("a down node that heartbeats again rejoins; a graceful leave is immediate and once")
    func rejoinAndLeave() {
        var membership = Cluster.Membership(suspectAfter: .seconds(1), downAfter: .seconds(2))
        _ = membership.onHeartbeat(.init(id: "a"), now: at(0))
        #expect(membership.onTick(now: at(2)) == [.down("a")])
        let rejoined = membership.onHeartbeat(.init(id: "a"), now: at(3))
        #expect(rejoined.count == 1)
        if case .joined(let info) = rejoined.first { #expect(info.id == "a") } else { Issue.record("expected a join") }
        #expect(membership.onLeave("a", now: at(4)) == [.left("a")])
        #expect(membership.onLeave("a", now: at(5)) == [])
        #expect(membership.onTick(now: at(100)) == [])
        membership.prune()
        #expect(membership.members.isEmpty)
    }
}
