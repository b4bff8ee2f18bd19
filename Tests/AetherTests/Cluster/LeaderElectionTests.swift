import Aether
import Testing

@Suite("Leader election state machine (manual clock)")
struct LeaderElectionTests {
    let start = ContinuousClock.now
    private func at(_ milliseconds: Int) -> ContinuousClock.Instant { start.advanced(by: .milliseconds(milliseconds)) }

    private func settings() -> Cluster.LeaderElection.Settings {
        var settings = Cluster.LeaderElection.Settings()
        settings.ttl = .seconds(10)
        settings.renewEvery = .seconds(3)
        settings.resignHoldOff = .seconds(5)
        return settings
    }

    @Test("campaign, win, renew on schedule; the fencing token follows the revision")
    func winAndRenew() {
        var election = Cluster.LeaderElection(nodeID: "a", settings: settings())
        #expect(election.onTick(now: at(0)) == [.tryAcquire])
        #expect(election.onTick(now: at(100)) == [], "one attempt in flight at a time")
        #expect(
            election.onAcquired(revision: 7, now: at(200)) == [
                .becameLeader(term: 7), .leaderChanged(node: "a", term: 7),
            ]
        )
        #expect(election.fencingToken == 7)
        #expect(election.onTick(now: at(3100)) == [])
        #expect(election.onTick(now: at(3200)) == [.renew(revision: 7)])
        #expect(election.onRenewed(revision: 9, now: at(3250)) == [])
        #expect(election.term == 7)
        #expect(election.fencingToken == 9)
    }

    @Test("a failed renewal steps down at once")
    func renewFails() {
        var election = Cluster.LeaderElection(nodeID: "a", settings: settings())
        _ = election.onTick(now: at(0))
        _ = election.onAcquired(revision: 3, now: at(0))
        #expect(election.onTick(now: at(3000)) == [.renew(revision: 3)])
        #expect(
            election.onRenewFailed(reason: "wrong last sequence", now: at(3100))
                == [.lostLeadership(term: 3, reason: "wrong last sequence"), .leaderChanged(node: nil, term: nil)]
        )
        #expect(!election.isLeader)
        #expect(election.fencingToken == nil)
    }

    @Test("a leader whose renewals hang steps down when its own clock passes the TTL")
    func leaseExpiresLocally() {
        var election = Cluster.LeaderElection(nodeID: "a", settings: settings())
        _ = election.onTick(now: at(0))
        _ = election.onAcquired(revision: 1, now: at(0))
        #expect(election.onTick(now: at(3000)) == [.renew(revision: 1)])
        // The renew never answers.
        #expect(election.onTick(now: at(9999)) == [])
        #expect(
            election.onTick(now: at(10_000)).first
                == .lostLeadership(term: 1, reason: "lease expired before it was renewed")
        )
    }

    @Test("the term is the one the lease records: a late observer sees it, renewals keep it, a re-election changes it")
    func termFromLeaseValue() {
        // An observer that starts long after the leader won, at revision 118 of a lease won at 30.
        var observer = Cluster.LeaderElection(nodeID: "top", settings: settings())
        #expect(
            observer.onLeaseObserved(holder: "a", revision: 118, term: 30, now: at(0))
                == [.leaderChanged(node: "a", term: 30)]
        )
        #expect(observer.knownLeader?.term == 30)
        #expect(observer.onLeaseObserved(holder: "a", revision: 125, term: 30, now: at(2500)) == [], "a renewal")
        // The same node lost the lease and won it again: a new term, recorded.
        #expect(
            observer.onLeaseObserved(holder: "a", revision: 140, term: 140, now: at(5000))
                == [.leaderChanged(node: "a", term: 140)]
        )
        // A lease not yet renewed records no term: its revision is the term.
        var fresh = Cluster.LeaderElection(nodeID: "top", settings: settings())
        #expect(
            fresh.onLeaseObserved(holder: "b", revision: 7, term: nil, now: at(0)) == [
                .leaderChanged(node: "b", term: 7)
            ]
        )
        #expect(fresh.onLeaseObserved(holder: "b", revision: 9, term: 7, now: at(500)) == [])
        #expect(fresh.knownLeader?.term == 7)
    }

    @Test("losing a campaign learns the leader once; a free lease triggers a campaign at the next tick")
    func follower() {
        var election = Cluster.LeaderElection(nodeID: "b", settings: settings())
        #expect(election.onTick(now: at(0)) == [.tryAcquire])
        #expect(election.onAcquireFailed(holder: "a", revision: 4, now: at(10)) == [.leaderChanged(node: "a", term: 4)])
        #expect(election.onTick(now: at(1000)) == [], "waits a renew interval before campaigning again")
        #expect(
            election.onLeaseObserved(holder: "a", revision: 6, now: at(1500)) == [],
            "renewals are not leader changes"
        )
        #expect(
            election.onLeaseObserved(holder: nil, revision: nil, now: at(2000)) == [
                .leaderChanged(node: nil, term: nil)
            ]
        )
        #expect(election.onTick(now: at(2001)) == [.tryAcquire])
    }

    @Test("resign releases the lease, steps down and sits out the hold-off")
    func resign() {
        var election = Cluster.LeaderElection(nodeID: "a", settings: settings())
        _ = election.onTick(now: at(0))
        _ = election.onAcquired(revision: 5, now: at(0))
        #expect(
            election.onResign(now: at(1000))
                == [
                    .release(revision: 5), .lostLeadership(term: 5, reason: "resigned"),
                    .leaderChanged(node: nil, term: nil),
                ]
        )
        #expect(election.onTick(now: at(5999)) == [])
        #expect(election.onTick(now: at(6000)) == [.tryAcquire])
    }

    @Test("the hold-off covers one round: once another node leads, the resigned node may campaign again")
    func holdOffEndsWithTheNextLeader() {
        var election = Cluster.LeaderElection(nodeID: "a", settings: settings())
        _ = election.onTick(now: at(0))
        _ = election.onAcquired(revision: 5, now: at(0))
        _ = election.onResign(now: at(1000))
        #expect(election.onLeaseObserved(holder: nil, revision: nil, now: at(1100)) == [])
        #expect(election.onTick(now: at(1200)) == [], "sits out the round it resigned from")
        #expect(
            election.onLeaseObserved(holder: "b", revision: 9, now: at(1300)) == [.leaderChanged(node: "b", term: 9)]
        )
        #expect(
            election.onLeaseObserved(holder: nil, revision: nil, now: at(1400)) == [
                .leaderChanged(node: nil, term: nil)
            ]
        )
        #expect(election.onTick(now: at(1500)) == [.tryAcquire], "b resigned too: a is a candidate again")
    }

    @Test("an ineligible node never campaigns; a leader that sees the lease taken by another steps down")
    func ineligibleAndDeposed() {
        var settings = settings()
        settings.eligible = false
        var observer = Cluster.LeaderElection(nodeID: "x", settings: settings)
        #expect(observer.onTick(now: at(0)) == [])
        #expect(observer.onTick(now: at(60_000)) == [])

        var election = Cluster.LeaderElection(nodeID: "a", settings: self.settings())
        _ = election.onTick(now: at(0))
        _ = election.onAcquired(revision: 2, now: at(0))
        let deposed = election.onLeaseObserved(holder: "b", revision: 8, now: at(500))
        #expect(deposed.first == .lostLeadership(term: 2, reason: "the lease moved to b"))
        #expect(deposed.contains(.leaderChanged(node: "b", term: 8)))
        #expect(election.fencingToken == nil)
    }
}
