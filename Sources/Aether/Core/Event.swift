import NIOCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// A fact that happened to one actor, at one version.
///
/// JSON (the Go original's, so Swift and Go nodes share one NATS): keys `id`, `eventType`,
/// `actorId`, `commandId` (omitted when nil), `version`, `data`, `metadata` (omitted when nil)
/// and `timestamp` (RFC 3339 with fractional seconds), written in that order.
public struct Event: Sendable, Hashable {
    /// Unique id; backends use it to deduplicate retried saves.
    public var id: String
    public var eventType: String
    public var actorID: String
    /// The command that caused this event, if any.
    public var commandID: String?
    /// The actor's version after this event: > 0 and greater than the previous event's.
    public var version: Int64
    public var data: JSONObject
    public var metadata: [String: String]?
    public var timestamp: Timestamp

    public init(
        id: String = Event.makeID(),
        eventType: String,
        actorID: String,
        commandID: String? = nil,
        version: Int64,
        data: JSONObject = [:],
        metadata: [String: String]? = nil,
        timestamp: Timestamp = .now()
    ) {
        self.id = id
        self.eventType = eventType
        self.actorID = actorID
        self.commandID = commandID
        self.version = version
        self.data = data
        self.metadata = metadata
        self.timestamp = timestamp
    }

    /// A new random event id: a version 4 UUID in lowercase, as the original's `uuid.New()`.
    ///
    /// Its 122 random bits come from the system's generator (one `getrandom`), written straight as
    /// text: Foundation's `UUID` opened `/dev/urandom` and formatted through `sprintf` for each
    /// one, a tenth of a concurrent save's client time.
    public static func makeID() -> String {
        var random: (UInt64, UInt64) = (0, 0)
        #if canImport(Glibc)
        // One getrandom call for both words.
        withUnsafeMutableBytes(of: &random) { arc4random_buf($0.baseAddress!, 16) }
        #else
        var generator = SystemRandomNumberGenerator()
        random = (generator.next(), generator.next())
        #endif
        let high = random.0 & 0xFFFF_FFFF_FFFF_0FFF | 0x4000  // version 4
        let low = random.1 & 0x3FFF_FFFF_FFFF_FFFF | 0x8000_0000_0000_0000  // variant 10
        return String(unsafeUninitializedCapacity: 36) { text in
            let digits: StaticString = "0123456789abcdef"
            var index = 0
            func write(_ value: UInt64, nibbles: Int) {
                for shift in stride(from: (nibbles - 1) * 4, through: 0, by: -4) {
                    if index == 8 || index == 13 || index == 18 || index == 23 {
                        text[index] = UInt8(ascii: "-")
                        index += 1
                    }
                    text[index] = digits.utf8Start[Int(value >> UInt64(shift) & 0xF)]
                    index += 1
                }
            }
            write(high, nibbles: 16)
            write(low, nibbles: 16)
            return index
        }
    }

    /// Checks the identifiers and fields every backend requires.
    /// - Throws: `AetherError` (`.invalidActorID`, `.invalidEventType`, `.invalidEvent`).
    public func validate() throws(AetherError) {
        try Identifiers.validateActorID(actorID)
        try Identifiers.validateEventType(eventType)
        if id.isEmpty {
            throw AetherError(
                code: .invalidEvent,
                message: "event of actor \(Identifiers.quoted(actorID)) has an empty id"
            )
        }
        if version <= 0 {
            throw AetherError(
                code: .invalidEvent,
                message:
                    "event \(id) of actor \(Identifiers.quoted(actorID)) has version \(version); versions start at 1"
            )
        }
    }
}

// MARK: JSON

extension Event {
    /// The event's JSON bytes, keys in the original's order.
    public func jsonBytes() -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(192)
        writeJSON(to: &output)
        return output
    }

    /// The event's JSON text.
    public func jsonString() -> String {
        String(decoding: jsonBytes(), as: UTF8.self)
    }

    /// Appends the event's JSON to `output`.
    public func writeJSON(to output: inout [UInt8]) {
        output.append(contentsOf: #"{"id":"#.utf8)
        JSONWriter.writeString(id, to: &output)
        output.append(contentsOf: #","eventType":"#.utf8)
        JSONWriter.writeString(eventType, to: &output)
        output.append(contentsOf: #","actorId":"#.utf8)
        JSONWriter.writeString(actorID, to: &output)
        if let commandID {
            output.append(contentsOf: #","commandId":"#.utf8)
            JSONWriter.writeString(commandID, to: &output)
        }
        output.append(contentsOf: #","version":"#.utf8)
        output.append(contentsOf: String(version).utf8)
        output.append(contentsOf: #","data":"#.utf8)
        JSONWriter.writeObject(data, to: &output, pretty: false, indent: 0)
        if let metadata {
            output.append(contentsOf: #","metadata":"#.utf8)
            JSONWriter.writeObject(metadata.mapValues { JSONValue.string($0) }, to: &output, pretty: false, indent: 0)
        }
        output.append(contentsOf: #","timestamp":""#.utf8)
        timestamp.writeRFC3339(to: &output)
        output.append(contentsOf: #""}"#.utf8)
    }

    /// Decodes an event from JSON bytes.
    ///
    /// Requires `id`, `eventType`, `actorId`, `version` and `timestamp`; `data` may be missing or
    /// `null` (Go writes `null` for a nil map) and then is empty. Unknown keys are ignored.
    /// - Throws: `AetherError` with code `.invalidJSON` (bad text, position included) or
    ///   `.undecodable` (valid JSON of the wrong shape, naming the field).
    public init(jsonBytes bytes: some Collection<UInt8>) throws(AetherError) {
        self = try Self.decoding(bytes)
    }

    // The same, not generic: a caller in another module (the dashboard, a benchmark, an
    // application) would otherwise run the unspecialised generic entry, with its metadata
    // lookups and witness calls, for every event it reads. Here `decoding` is specialised.

    /// Decodes an event from JSON bytes, as the generic `init(jsonBytes:)`.
    public init(jsonBytes bytes: [UInt8]) throws(AetherError) {
        self = try Self.decoding(bytes)
    }

    /// Decodes an event from the bytes of a NATS payload, as the generic `init(jsonBytes:)`.
    public init(jsonBytes bytes: ByteBufferView) throws(AetherError) {
        self = try Self.decoding(bytes)
    }

    /// Decodes `bytes` in place when they are contiguous, else a copy of them.
    private static func decoding(_ bytes: some Collection<UInt8>) throws(AetherError) -> Event {
        let decoded = bytes.withContiguousStorageIfAvailable { buffer in
            Result { () throws(AetherError) in try Event(jsonBuffer: buffer) }
        }
        if let decoded { return try decoded.get() }
        return try Array(bytes).withUnsafeBufferPointer { buffer in
            Result { () throws(AetherError) in try Event(jsonBuffer: buffer) }
        }.get()
    }

    private init(jsonBuffer bytes: UnsafeBufferPointer<UInt8>) throws(AetherError) {
        // An object is read member by member, its keys matched on the bytes, with no dictionary
        // for the fixed keys; anything else is parsed whole so the error can name what it is.
        let document: EventDocument
        do {
            var parser = JSONParser(bytes: bytes)
            document =
                parser.nextValueByte() == UInt8(ascii: "{")
                ? .object(try EventFields.parse(&parser)) : .other(try parser.parseNextValue())
            try parser.finishDocument()
        } catch {
            throw AetherError.invalidJSON(error, what: "event")
        }
        switch document {
        case .object(let fields): try self.init(members: fields)
        case .other(let value): try self.init(json: value)
        }
    }

    /// Decodes an event from a parsed JSON value.
    /// - Throws: `AetherError` with code `.undecodable` naming the missing or mistyped field.
    public init(json value: JSONValue) throws(AetherError) {
        guard let object = value.objectValue else {
            throw AetherError(code: .undecodable, message: "event JSON is \(value.typeName), expected an object")
        }
        var fields = EventFields()
        for (key, value) in object { fields.assign(JSONParser.Key(text: key), value) }
        try self.init(members: fields)
    }

    /// Decodes an event from the fields of its JSON object (as a bus envelope's `event`).
    /// - Throws: `AetherError` with code `.undecodable` naming the missing or mistyped field.
    init(members fields: EventFields) throws(AetherError) {
        let reader = FieldReader(what: "event")
        id = try reader.string("id", fields.id)
        eventType = try reader.string("eventType", fields.eventType)
        actorID = try reader.string("actorId", fields.actorId)
        commandID = try reader.optionalString("commandId", fields.commandId)
        version = try reader.integer("version", fields.version)
        data = try reader.optionalObject("data", fields.data) ?? [:]
        metadata = try reader.optionalStringMap("metadata", fields.metadata)
        if let timestamp = fields.timestamp {
            self.timestamp = timestamp
        } else {
            timestamp = try reader.timestamp("timestamp", fields.timestampValue)
        }
    }
}

/// The members of an event object that decoding looks at (others are parsed and ignored); for
/// a repeated key the last one counts, as in a parsed object.
struct EventFields {
    var id: JSONValue?
    var eventType: JSONValue?
    var actorId: JSONValue?
    var commandId: JSONValue?
    var version: JSONValue?
    var data: JSONValue?
    var metadata: JSONValue?
    /// Set when the time was read straight from plain bytes; else `timestampValue` holds what
    /// was there, to check and to name in an error.
    var timestamp: Timestamp?
    var timestampValue: JSONValue?

    /// Reads the object at the parser's position (the caller checked for `{`).
    static func parse(_ parser: inout JSONParser) throws(JSONParseError) -> EventFields {
        var fields = EventFields()
        try parser.visitKeyedMembers { (key, parser) throws(JSONParseError) in
            if key.is("timestamp"), let raw = parser.parseRawString() {
                fields.timestamp = Timestamp.parse(raw)
                fields.timestampValue = fields.timestamp == nil ? .string(String(decoding: raw, as: UTF8.self)) : nil
                return
            }
            fields.assign(key, try parser.parseNextValue())
        }
        return fields
    }

    /// Keeps `value` when `key` is one of the event's fields.
    mutating func assign(_ key: JSONParser.Key, _ value: JSONValue) {
        if key.is("id") {
            id = value
        } else if key.is("eventType") {
            eventType = value
        } else if key.is("actorId") {
            actorId = value
        } else if key.is("version") {
            version = value
        } else if key.is("data") {
            data = value
        } else if key.is("timestamp") {
            timestamp = nil
            timestampValue = value
        } else if key.is("metadata") {
            metadata = value
        } else if key.is("commandId") {
            commandId = value
        }
    }
}

extension Event: Codable {
    public init(from decoder: any Decoder) throws {
        let value = try JSONValue(from: decoder)
        try self.init(json: value)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(eventType, forKey: .eventType)
        try container.encode(actorID, forKey: .actorId)
        try container.encodeIfPresent(commandID, forKey: .commandId)
        try container.encode(version, forKey: .version)
        try container.encode(data, forKey: .data)
        try container.encodeIfPresent(metadata, forKey: .metadata)
        try container.encode(timestamp, forKey: .timestamp)
    }

    private enum CodingKeys: String, CodingKey {
        case id, eventType, actorId, commandId, version, data, metadata, timestamp
    }
}

/// Reads typed fields out of a JSON object, naming the field in every error.
struct FieldReader {
    private let object: JSONObject
    let what: String

    init(object: JSONObject, what: String) {
        self.object = object
        self.what = what
    }

    /// A reader for values the caller found itself (the checks that take a value).
    init(what: String) {
        self.object = [:]
        self.what = what
    }

    private func value(_ key: String) -> JSONValue? { object[key] }

    func string(_ key: String) throws(AetherError) -> String { try string(key, value(key)) }
    func optionalString(_ key: String) throws(AetherError) -> String? { try optionalString(key, value(key)) }
    func integer(_ key: String) throws(AetherError) -> Int64 { try integer(key, value(key)) }
    func optionalObject(_ key: String) throws(AetherError) -> JSONObject? { try optionalObject(key, value(key)) }
    func optionalStringMap(_ key: String) throws(AetherError) -> [String: String]? {
        try optionalStringMap(key, value(key))
    }
    func timestamp(_ key: String) throws(AetherError) -> Timestamp { try timestamp(key, value(key)) }

    // The same checks on a value the caller found (nil: the key is missing).

    func string(_ key: String, _ value: JSONValue?) throws(AetherError) -> String {
        guard let value else { throw missing(key) }
        guard let text = value.stringValue else { throw mistyped(key, value, "string") }
        return text
    }

    func optionalString(_ key: String, _ value: JSONValue?) throws(AetherError) -> String? {
        guard let value, value != .null else { return nil }
        guard let text = value.stringValue else { throw mistyped(key, value, "string") }
        return text
    }

    func integer(_ key: String, _ value: JSONValue?) throws(AetherError) -> Int64 {
        guard let value else { throw missing(key) }
        if let number = value.integerValue { return number }
        // Go writes int64 as an integer; accept an integral double from other writers.
        if case .double(let number) = value, number.rounded() == number, abs(number) < 9.0e15 { return Int64(number) }
        throw mistyped(key, value, "integer")
    }

    func optionalObject(_ key: String, _ value: JSONValue?) throws(AetherError) -> JSONObject? {
        guard let value, value != .null else { return nil }
        guard let members = value.objectValue else { throw mistyped(key, value, "object") }
        return members
    }

    func optionalStringMap(_ key: String, _ value: JSONValue?) throws(AetherError) -> [String: String]? {
        guard let members = try optionalObject(key, value) else { return nil }
        var result = [String: String](minimumCapacity: members.count)
        for (name, value) in members {
            guard let text = value.stringValue else { throw mistyped("\(key).\(name)", value, "string") }
            result[name] = text
        }
        return result
    }

    func timestamp(_ key: String, _ value: JSONValue?) throws(AetherError) -> Timestamp {
        let text = try string(key, value)
        guard let value = Timestamp(rfc3339: text) else {
            throw AetherError(
                code: .undecodable,
                message: "\(what) field \"\(key)\": \(Identifiers.quoted(text)) is not an RFC 3339 time"
            )
        }
        return value
    }

    private func missing(_ key: String) -> AetherError {
        AetherError(code: .undecodable, message: "\(what) JSON has no \"\(key)\"")
    }

    private func mistyped(_ key: String, _ value: JSONValue, _ expected: String) -> AetherError {
        AetherError(code: .undecodable, message: "\(what) field \"\(key)\" is \(value.typeName), expected \(expected)")
    }
}

/// An event document: an object's members, or any other value (which is an error to report).
private enum EventDocument {
    case object(EventFields)
    case other(JSONValue)
}
