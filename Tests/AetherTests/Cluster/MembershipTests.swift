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

    @Test(
        "a roll call is answered at once, or once when the gap since the last heartbeat ends: at most one answer per gap, none dropped"
    )
    func rollCallGate() {
        let start = ContinuousClock.now
        var gate = Cluster.RollCallGate(gap: .seconds(1))
        func at(_ milliseconds: Int) -> ContinuousClock.Instant { start + .milliseconds(milliseconds) }
        let first = gate.hear(now: at(0))
        #expect(first, "the first is answered at once")
        let second = gate.hear(now: at(300))
        #expect(!second && gate.deferred == at(1_000), "one within the gap waits until the gap ends")
        let third = gate.hear(now: at(600))
        #expect(!third && gate.deferred == at(1_000), "a third adds no second answer")
        let early = gate.due(now: at(999))
        let onTime = gate.due(now: at(1_000))
        let again = gate.due(now: at(2_000))
        #expect(!early && onTime && !again, "one answer for both, when the gap ends, and only one")
        // A heartbeat on schedule answers a waiting roll call too, and starts a gap.
        let waiting = gate.hear(now: at(1_500))
        gate.sent(now: at(1_700))
        let afterSchedule = gate.due(now: at(3_000))
        #expect(!waiting && gate.deferred == nil && !afterSchedule)
        let withinGap = gate.hear(now: at(2_600))
        #expect(!withinGap && gate.deferred == at(2_700), "a gap from the heartbeat on schedule")
        let later = gate.hear(now: at(4_000))
        #expect(later && gate.deferred == nil, "past the gap: at once again")
    }

    @Test("discovery messages on the wire: a roll call names its asker; an unknown type is refused by name")
    func discoveryWire() throws {
        let rollCall = Cluster.DiscoveryMessage.rollCall("aether-top")
        let text = String(decoding: rollCall.jsonBytes(), as: UTF8.self)
        #expect(text.contains(#""type":"roll_call""#) && text.contains(#""node_id":"aether-top""#), "\(text)")
        #expect(
            try Cluster.DiscoveryMessage(jsonBytes: Array(#"{"type":"roll_call","node_id":"x"}"#.utf8))
                == .rollCall("x")
        )
        for message in [rollCall, .leave("n1"), .resign("n2")] {
            #expect(try Cluster.DiscoveryMessage(jsonBytes: message.jsonBytes()) == message)
        }
        #expect(throws: (any Error).self) {
            try Cluster.DiscoveryMessage(jsonBytes: Array(#"{"type":"shout","node_id":"x"}"#.utf8))
        }
    }

    @Test(
        "an observer judges each member by the timings its heartbeat states; a member by its own; senseless stated timings are ignored"
    )
    func statedTimings() {
        let standard = Cluster.StatedTiming(
            heartbeatEvery: .seconds(30),
            suspectAfter: .seconds(60),
            downAfter: .seconds(90)
        )
        // A member whose timings say "down after 10 years", and one whose suspect comes after down.
        let forever = Cluster.StatedTiming(
            heartbeatEvery: .seconds(1),
            suspectAfter: .seconds(2),
            downAfter: .seconds(315_360_000)
        )
        let backwards = Cluster.StatedTiming(
            heartbeatEvery: .seconds(1),
            suspectAfter: .seconds(9),
            downAfter: .seconds(3)
        )
        for observer in [true, false] {
            // The fast timings a dashboard starts with by default.
            var membership = Cluster.Membership(suspectAfter: .seconds(1), downAfter: .milliseconds(1500))
            membership.followStatedTimings = observer
            _ = membership.onHeartbeat(.init(id: "app-1", timing: standard), now: at(0))
            _ = membership.onHeartbeat(.init(id: "liar", timing: forever), now: at(0))
            _ = membership.onHeartbeat(.init(id: "odd", timing: backwards), now: at(0))
            _ = membership.onHeartbeat(.init(id: "old"), now: at(0))
            _ = membership.onTick(now: at(2))
            #expect(
                describe(membership)
                    == (observer ? "app-1.up liar.down odd.down old.down" : "app-1.down liar.down odd.down old.down"),
                "observer: \(observer)"
            )
            guard observer else { continue }
            #expect(membership.onTick(now: at(59)) == [])
            #expect(membership.onTick(now: at(60)) == [.suspect("app-1")])
            #expect(membership.onTick(now: at(90)) == [.down("app-1")])
        }
        #expect(standard.thresholds?.downAfter == .seconds(90))
        #expect(forever.thresholds == nil && backwards.thresholds == nil)
    }
}
