/// Cluster management: membership, leader election, the hash ring and shard ownership.
///
/// Glossary:
/// - **Node**: one Aether process that takes part in the cluster.
/// - **Shard**: one of `shardCount` (default 1024) buckets actors fall into by a stable hash of
///   (namespace, actor ID) — `Cluster.shard(of:in:shardCount:)`.
/// - **Ring**: consistent hashing of shards onto live nodes, 150 virtual nodes per node.
public enum Cluster {}
