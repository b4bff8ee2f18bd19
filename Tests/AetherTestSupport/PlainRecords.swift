import Aether
import AetherNATS

/// Records as a plain NATS client writes them by following docs/WIRE-FORMAT.md, not through
/// the store: the tests about reading a deployment fill it with these.
public enum PlainRecords {
    /// An event's JSON: type `Set`, id `<actor>-<version>` unless given, `data` as given
    /// (JSON text), a fixed timestamp.
    public static func eventJSON(_ actor: String, _ version: Int64, id: String? = nil, data: String = "{}") -> [UInt8] {
        let id = id ?? "\(actor)-\(version)"
        return Array(
            #"{"id":"\#(id)","eventType":"Set","actorId":"\#(actor)","version":\#(version),"data":\#(data),"timestamp":"2026-01-01T00:00:00Z"}"#
                .utf8
        )
    }

    /// Creates namespaces' streams (`<namespace>_events`) as a plain client following
    /// docs/WIRE-FORMAT.md would.
    public static func createStreams(_ js: JetStream, _ namespaces: [String], atomic: Bool = false) async throws {
        for namespace in namespaces {
            var config = StreamConfig(name: "\(namespace)_events", subjects: ["aether.store.\(namespace)_events.>"])
            config.allowDirect = true
            config.allowAtomic = atomic
            config.description = JetStreamEventStore.namespaceMetadataPrefix + namespace
            try await js.createStream(config)
        }
    }
}
