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
}
