import Aether
import Foundation

/// One event, snapshot or bad stored record shown whole: every field, every metadata key, the data pretty-printed,
/// and on JetStream the stored message beside it.
public struct Inspector: Sendable, Equatable {
    public enum Subject: Sendable, Equatable {
        case event(Event)
        case snapshot(ActorSnapshot, check: SnapshotCheck?)
        /// A stored record of the actor that could not be used, bytes and all.
        case record(BadRecord)
    }

    /// A record of an actor's history that is not one of its events (``ReplayError``).
    public struct BadRecord: Sendable, Equatable {
        public var actorID: String
        public var sequence: UInt64
        public var rawData: [UInt8]
        public var reason: String
        /// The version of the event it follows (0: none).
        public var afterVersion: Int64

        public init(actorID: String, _ error: ReplayError) {
            self.actorID = actorID
            self.sequence = error.sequence
            self.rawData = error.rawData
            self.reason = error.cause.message
            self.afterVersion = error.afterVersion
        }
    }

    /// How much of a bad record's payload is shown as text, and as hex; the export has it whole.
    static let recordTextLimit = 16_384
    static let recordHexLimit = 4_096

    /// What the shell found of the stored message.
    public enum Stored: Sendable, Equatable {
        case reading
        case found(StoredRecord)
        /// Why there is nothing to show (an in-memory store, no such record, a failed read).
        case none(String)
    }

    public var namespace: String
    public var subject: Subject
    /// The event's stored message (events only).
    public var stored: Stored = .reading
    /// The other page at this version, if there is one (the snapshot taken at the event's
    /// version, or the event of a snapshot's): Tab shows it.
    public var other: Subject?
    /// The stored message of the event page, kept while the snapshot page shows.
    var otherStored: Stored = .none("")
    /// The first line shown.
    public var offset = 0

    public init(namespace: String, subject: Subject) {
        self.namespace = namespace
        self.subject = subject
        if case .snapshot = subject { stored = .none("") }
    }

    public var actorID: String {
        switch subject {
        case .event(let event): event.actorID
        case .snapshot(let snapshot, _): snapshot.actorID
        case .record(let record): record.actorID
        }
    }

    /// The version the page is at (a bad record: the version of the event it follows).
    public var version: Int64 {
        switch subject {
        case .event(let event): event.version
        case .snapshot(let snapshot, _): snapshot.version
        case .record(let record): record.afterVersion
        }
    }

    public var title: String {
        switch subject {
        case .event(let event): "Event \(event.eventType) \(namespace)/\(event.actorID) v\(event.version)"
        case .snapshot(let snapshot, _): "Snapshot \(namespace)/\(snapshot.actorID) v\(snapshot.version)"
        case .record(let record): "Bad record \(namespace)/\(record.actorID) seq \(record.sequence)"
        }
    }

    /// A line of the inspector: a label column (empty for continuation lines) and its text.
    public struct Line: Sendable, Equatable {
        public enum Kind: Sendable, Equatable { case heading, field, text, muted, bad, good }
        public var label: String
        public var text: String
        public var kind: Kind
    }

    /// Every line, for a terminal at `utcOffset` seconds from UTC (local time).
    public func lines(utcOffset: Int) -> [Line] {
        var lines: [Line] = []
        func field(_ label: String, _ text: String) { lines.append(Line(label: label, text: text, kind: .field)) }
        func heading(_ text: String) { lines.append(Line(label: "", text: text, kind: .heading)) }
        func storedLines() {
            heading("stored message")
            switch stored {
            case .reading:
                lines.append(Line(label: "", text: "reading…", kind: .muted))
            case .none(let reason):
                lines.append(Line(label: "", text: reason, kind: .muted))
            case .found(let record):
                field("stream", record.stream)
                field("subject", record.subject)
                field("sequence", "\(record.sequence)")
                field("size", "\(record.payloadBytes) bytes payload")
                field("stored at", record.storedAt ?? "—")
                heading("headers (\(record.headers.count))")
                // Names in full (they are often longer than the label column).
                for header in record.headers {
                    lines.append(Line(label: "", text: "\(header.name): \(header.value)", kind: .text))
                }
            }
        }
        switch subject {
        case .event(let event):
            field("id", event.id)
            field("type", event.eventType)
            field("actor", event.actorID)
            field("namespace", namespace)
            field("version", "\(event.version)")
            field("commandId", event.commandID ?? "—")
            field("time UTC", Self.utc(event.timestamp))
            field("time local", Self.local(event.timestamp, utcOffset: utcOffset))
            let metadata = event.metadata ?? [:]
            heading("metadata (\(metadata.count) key\(metadata.count == 1 ? "" : "s"))")
            // The standard five first, in their order, then the others sorted.
            for key in Event.MetadataKey.standard { field(key, metadata[key] ?? "—") }
            for key in metadata.keys.sorted() where !Event.MetadataKey.standard.contains(key) {
                field(key, metadata[key]!)
            }
            let data = JSONValue.object(event.data)
            heading(
                "data (\(event.data.count) key\(event.data.count == 1 ? "" : "s"), \(data.serialized().utf8.count) bytes)"
            )
            for line in data.serialized(pretty: true).split(separator: "\n", omittingEmptySubsequences: false) {
                lines.append(Line(label: "", text: String(line), kind: .text))
            }
            storedLines()
            if other != nil {
                lines.append(Line(label: "", text: "a snapshot was taken at this version: Tab shows it", kind: .muted))
            }
        case .record(let record):
            lines.append(Line(label: "not used", text: record.reason, kind: .bad))
            field("actor", record.actorID)
            field("namespace", namespace)
            field("sequence", "\(record.sequence)")
            field("follows", record.afterVersion > 0 ? "v\(record.afterVersion)" : "no event of the actor")
            field("size", "\(record.rawData.count) bytes payload")
            lines.append(
                Line(label: "", text: "never replayed: the states after it skip it", kind: .muted)
            )
            let shownText = record.rawData.prefix(Self.recordTextLimit)
            heading(
                "payload as UTF-8 text"
                    + (shownText.count < record.rawData.count
                        ? " (the first \(shownText.count) bytes; e exports all \(record.rawData.count))" : "")
            )
            if record.rawData.isEmpty { lines.append(Line(label: "", text: "(empty)", kind: .muted)) }
            for line in String(decoding: shownText, as: UTF8.self).split(
                separator: "\n",
                omittingEmptySubsequences: false
            ) where !record.rawData.isEmpty {
                lines.append(Line(label: "", text: String(line), kind: .text))
            }
            let shownHex = record.rawData.prefix(Self.recordHexLimit)
            heading(
                "payload bytes"
                    + (shownHex.count < record.rawData.count ? " (the first \(shownHex.count))" : "")
            )
            for offset in stride(from: 0, to: shownHex.count, by: 16) {
                lines.append(
                    Line(
                        label: "",
                        text: Self.hexLine(Array(shownHex.dropFirst(offset).prefix(16)), at: offset),
                        kind: .text
                    )
                )
            }
            storedLines()
        case .snapshot(let snapshot, let check):
            field("actor", snapshot.actorID)
            field("namespace", namespace)
            field("version", "\(snapshot.version)")
            field("time UTC", Self.utc(snapshot.timestamp))
            field("time local", Self.local(snapshot.timestamp, utcOffset: utcOffset))
            switch check {
            case .matches(let version)?:
                lines.append(Line(label: "checksum", text: "replay = snapshot at v\(version)", kind: .good))
            case .drift(let version, let changes)?:
                lines.append(
                    Line(
                        label: "checksum",
                        text: "DRIFT at v\(version): "
                            + changes.map {
                                "\($0.path) \($0.before?.serialized() ?? "∅") → \($0.after?.serialized() ?? "∅")"
                            }.joined(separator: ", "),
                        kind: .bad
                    )
                )
            case .unknown(_, let reason)?:
                lines.append(Line(label: "checksum", text: "not checked: \(reason)", kind: .muted))
            case .ahead(let version, let newest)?:
                lines.append(
                    Line(
                        label: "checksum",
                        text: "AHEAD: v\(version), but the history ends at v\(newest): no stored event leads here",
                        kind: .bad
                    )
                )
            case nil:
                lines.append(Line(label: "checksum", text: "not checked", kind: .muted))
            }
            let state = JSONValue.object(snapshot.state)
            heading("state (\(snapshot.state.count) keys, \(state.serialized().utf8.count) bytes)")
            for line in state.serialized(pretty: true).split(separator: "\n", omittingEmptySubsequences: false) {
                lines.append(Line(label: "", text: String(line), kind: .text))
            }
            if other != nil {
                lines.append(Line(label: "", text: "Tab shows the event at this version", kind: .muted))
            }
        }
        return lines
    }

    /// Shows the other page (Tab).
    public mutating func flip() {
        guard let next = other else { return }
        other = subject
        subject = next
        swap(&stored, &otherStored)
        offset = 0
    }

    /// What the export of the inspector writes, as one JSON line: the event, the snapshot, or
    /// the bad record with its payload whole (base64, and as text when it is valid UTF-8).
    public var exportLine: String {
        switch subject {
        case .event(let event): event.jsonString()
        case .snapshot(let snapshot, _): String(decoding: snapshot.jsonBytes(), as: UTF8.self)
        case .record(let record):
            JSONValue.object([
                "namespace": .string(namespace),
                "actorId": .string(record.actorID),
                "sequence": .integer(Int64(clamping: record.sequence)),
                "afterVersion": .integer(record.afterVersion),
                "reason": .string(record.reason),
                "payloadBase64": .string(Data(record.rawData).base64EncodedString()),
                "payload": String(validating: record.rawData, as: UTF8.self).map { .string($0) } ?? .null,
            ]).serialized()
        }
    }

    /// One line of a hex dump, as `xxd` prints it: the offset, 16 bytes in pairs, and the
    /// printable ASCII ones (`.` for the others).
    static func hexLine(_ bytes: [UInt8], at offset: Int) -> String {
        let digits = Array("0123456789abcdef")
        func hex(_ byte: UInt8) -> String { String([digits[Int(byte >> 4)], digits[Int(byte & 15)]]) }
        let address = String(offset, radix: 16)
        var line = String(repeating: "0", count: max(0, 8 - address.count)) + address + ":"
        for index in 0..<16 {
            if index % 2 == 0 { line += " " }
            line += index < bytes.count ? hex(bytes[index]) : "  "
        }
        line += "  "
        for byte in bytes { line.append((0x20..<0x7F).contains(byte) ? Character(Unicode.Scalar(byte)) : ".") }
        return line
    }

    /// `2026-12-02T16:04:05.123456789Z`: every nanosecond digit.
    static func utc(_ time: Timestamp) -> String {
        civil(time.seconds) + "." + nine(time.nanoseconds) + "Z"
    }

    /// The same instant at `utcOffset` seconds from UTC, with the offset.
    static func local(_ time: Timestamp, utcOffset: Int) -> String {
        let sign = utcOffset < 0 ? "-" : "+"
        let minutes = abs(utcOffset) / 60
        return civil(time.seconds + Int64(utcOffset)) + "." + nine(time.nanoseconds) + sign + two(minutes / 60) + ":"
            + two(minutes % 60)
    }

    private static func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }

    private static func nine(_ nanoseconds: Int32) -> String {
        let text = String(nanoseconds)
        return String(repeating: "0", count: 9 - text.count) + text
    }

    /// `YYYY-MM-DDTHH:MM:SS` of seconds since the epoch (days to a civil date: Howard Hinnant's
    /// algorithm).
    private static func civil(_ seconds: Int64) -> String {
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let second = Int(seconds - days * 86_400)
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = Int(dayOfYear - (153 * mp + 2) / 5 + 1)
        let month = Int(mp < 10 ? mp + 3 : mp - 9)
        let year = Int(yearOfEra + era * 400 + (month <= 2 ? 1 : 0))
        return "\(year)-\(two(month))-\(two(day))T\(two(second / 3600)):\(two(second / 60 % 60)):\(two(second % 60))"
    }
}
