/// An actor's state at one version, so a load need not replay from the first event.
///
/// JSON keys `actorId`, `version`, `state`, `timestamp`, as the original.
public struct ActorSnapshot: Sendable, Hashable {
    public var actorID: String
    public var version: Int64
    public var state: JSONObject
    public var timestamp: Timestamp

    public init(actorID: String, version: Int64, state: JSONObject, timestamp: Timestamp = .now()) {
        self.actorID = actorID
        self.version = version
        self.state = state
        self.timestamp = timestamp
    }

    /// Checks the actor ID and that the version is > 0.
    /// - Throws: `AetherError` (`.invalidActorID`, `.invalidEvent`).
    public func validate() throws(AetherError) {
        try Identifiers.validateActorID(actorID)
        if version <= 0 {
            throw AetherError(
                code: .invalidEvent,
                message: "snapshot of actor \(Identifiers.quoted(actorID)) has version \(version); it must be > 0"
            )
        }
    }

    /// The snapshot's JSON bytes: `{"actorId":…,"version":…,"state":{…},"timestamp":"…"}`.
    public func jsonBytes() -> [UInt8] {
        var output: [UInt8] = []
        output.append(contentsOf: #"{"actorId":"#.utf8)
        JSONWriter.writeString(actorID, to: &output)
        output.append(contentsOf: #","version":"#.utf8)
        output.append(contentsOf: String(version).utf8)
        output.append(contentsOf: #","state":"#.utf8)
        JSONWriter.writeObject(state, to: &output, pretty: false, indent: 0)
        output.append(contentsOf: #","timestamp":""#.utf8)
        timestamp.writeRFC3339(to: &output)
        output.append(contentsOf: #""}"#.utf8)
        return output
    }

    /// Decodes a snapshot from JSON bytes.
    /// - Throws: `AetherError` (`.invalidJSON` with position, or `.undecodable` naming the field).
    public init(jsonBytes bytes: some Collection<UInt8>) throws(AetherError) {
        let value: JSONValue
        do {
            value = try JSONValue.parse(bytes)
        } catch {
            throw AetherError.invalidJSON(error, what: "snapshot")
        }
        guard let object = value.objectValue else {
            throw AetherError(code: .undecodable, message: "snapshot JSON is \(value.typeName), expected an object")
        }
        let fields = FieldReader(object: object, what: "snapshot")
        actorID = try fields.string("actorId")
        version = try fields.integer("version")
        state = try fields.optionalObject("state") ?? [:]
        timestamp = try fields.timestamp("timestamp")
    }
}

extension ActorSnapshot: Codable {
    public init(from decoder: any Decoder) throws {
        let value = try JSONValue(from: decoder)
        try self.init(jsonBytes: Array(value.serialized().utf8))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(actorID, forKey: .actorId)
        try container.encode(version, forKey: .version)
        try container.encode(state, forKey: .state)
        try container.encode(timestamp, forKey: .timestamp)
    }

    private enum CodingKeys: String, CodingKey {
        case actorId, version, state, timestamp
    }
}
