import Aether
import Synchronization

/// Every acting interval of every node, from each node's own ownership events.
public final class OwnershipLedger: Sendable {
    private struct State {
        var acting: [Int: String] = [:]
        var violations: [String] = []
    }
    private let state = Mutex(State())

    public init() {}

    public func record(_ node: String, _ event: Cluster.Event) {
        guard case .ownershipChanged(let acquired, let released) = event else { return }
        state.withLock { state in
            for shard in released where state.acting[shard] == node { state.acting[shard] = nil }
            for shard in acquired {
                if let other = state.acting[shard], other != node {
                    state.violations.append("shard \(shard): \(node) started while \(other) acted")
                }
                state.acting[shard] = node
            }
        }
    }

    public var violations: [String] { state.withLock { $0.violations } }
}

/// One leader every member agrees on, a settled map owned by `live`, every shard acted on.
public func isSettled(_ views: [Cluster.View], live: Set<String>, shardCount: Int) -> Bool {
    // Every member sees the same leader (none still sees an empty lease).
    let leaders = Set(views.map(\.leader))
    guard leaders.count == 1, let leader = leaders.first ?? nil, live.contains(leader),
        views.filter(\.isLeader).count == 1
    else { return false }
    guard let map = views.compactMap(\.shardMap).max(by: { $0.version < $1.version }), map.isSettled,
        Set(map.owners).isSubset(of: live)
    else { return false }
    let acting = views.map(\.acting)
    return acting.reduce(0) { $0 + $1.count } == shardCount && views.allSatisfy { $0.shardMap == map }
}
