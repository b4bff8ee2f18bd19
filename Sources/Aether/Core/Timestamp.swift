#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// An instant with nanosecond precision, as Go's `time.Time` carries it.
///
/// `Date` holds a `Double` and cannot keep Go's nanoseconds, so events keep their time in this
/// type and convert on demand. JSON form: RFC 3339 with up to nine fraction digits, trailing
/// zeros trimmed, always in UTC (`2026-01-08T18:30:02.123456789Z`), the text Go's
/// `time.RFC3339Nano` writes. Decoding accepts any offset (`+01:00`) and any number of fraction
/// digits; the instant is kept, the original offset is not.
public struct Timestamp: Sendable, Hashable, Comparable {
    /// Whole seconds since 1970-01-01T00:00:00Z.
    public var seconds: Int64
    /// Nanoseconds within the second, 0..<1_000_000_000.
    public var nanoseconds: Int32

    public init(seconds: Int64, nanoseconds: Int32 = 0) {
        precondition((0..<1_000_000_000).contains(nanoseconds), "nanoseconds out of range: \(nanoseconds)")
        self.seconds = seconds
        self.nanoseconds = nanoseconds
    }

    /// The instant of a `Date`, to the microsecond a `Double` can hold.
    public init(_ date: Date) {
        let interval = date.timeIntervalSince1970
        var whole = interval.rounded(.down)
        var nanos = ((interval - whole) * 1_000_000).rounded() * 1000
        if nanos >= 1_000_000_000 {
            whole += 1
            nanos -= 1_000_000_000
        }
        self.init(seconds: Int64(whole), nanoseconds: Int32(nanos))
    }

    /// The current wall-clock time.
    public static func now() -> Timestamp {
        Timestamp(Date())
    }

    /// This instant as a `Date` (sub-microsecond precision is lost).
    public var date: Date {
        Date(timeIntervalSince1970: Double(seconds) + Double(nanoseconds) / 1e9)
    }

    /// Nanoseconds since the epoch.
    public var nanosecondsSinceEpoch: Int64 {
        seconds * 1_000_000_000 + Int64(nanoseconds)
    }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool {
        (lhs.seconds, lhs.nanoseconds) < (rhs.seconds, rhs.nanoseconds)
    }

    /// This instant advanced by a duration.
    public func advanced(by duration: Duration) -> Timestamp {
        let total =
            nanosecondsSinceEpoch + duration.components.seconds * 1_000_000_000
            + duration.components.attoseconds / 1_000_000_000
        return Timestamp(nanosecondsSinceEpoch: total)
    }

    /// The duration from `self` to `other`.
    public func duration(to other: Timestamp) -> Duration {
        .nanoseconds(other.nanosecondsSinceEpoch - nanosecondsSinceEpoch)
    }

    public init(nanosecondsSinceEpoch total: Int64) {
        var secs = total / 1_000_000_000
        var nanos = total % 1_000_000_000
        if nanos < 0 {
            secs -= 1
            nanos += 1_000_000_000
        }
        self.init(seconds: secs, nanoseconds: Int32(nanos))
    }
}

extension Timestamp: CustomStringConvertible {
    public var description: String { rfc3339 }
}

// MARK: RFC 3339

extension Timestamp {
    /// RFC 3339 text in UTC with trimmed nanoseconds, as Go's `time.RFC3339Nano`.
    public var rfc3339: String {
        var output: [UInt8] = []
        output.reserveCapacity(30)
        writeRFC3339(to: &output)
        return String(decoding: output, as: UTF8.self)
    }

    /// RFC 3339 with all nine fraction digits, so that a column of them lines up (`rfc3339`
    /// trims trailing zeros, as Go's RFC3339Nano does).
    public var rfc3339Fixed: String {
        var output: [UInt8] = []
        output.reserveCapacity(30)
        writeRFC3339(to: &output, fixedFraction: true)
        return String(decoding: output, as: UTF8.self)
    }

    func writeRFC3339(to output: inout [UInt8], fixedFraction: Bool = false) {
        let days = floorDiv(seconds, 86_400)
        let secondOfDay = seconds - days * 86_400
        let (year, month, day) = Self.civil(fromDays: days)
        // Formatted in a stack buffer and appended once: a year of at most 12 digits (Int64
        // seconds), then "-MM-DDTHH:MM:SS.nnnnnnnnnZ", 38 bytes in all.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 48) { buffer in
            var end = 0
            func put(_ byte: UInt8) {
                buffer[end] = byte
                end += 1
            }
            func digits(_ value: Int64, width: Int) {
                var count = 1
                var probe = value / 10
                while probe > 0 {
                    count += 1
                    probe /= 10
                }
                count = max(count, width)
                var remaining = value
                for index in stride(from: end + count - 1, through: end, by: -1) {
                    buffer[index] = UInt8(ascii: "0") + UInt8(remaining % 10)
                    remaining /= 10
                }
                end += count
            }
            digits(year, width: 4)
            put(UInt8(ascii: "-"))
            digits(month, width: 2)
            put(UInt8(ascii: "-"))
            digits(day, width: 2)
            put(UInt8(ascii: "T"))
            digits(secondOfDay / 3600, width: 2)
            put(UInt8(ascii: ":"))
            digits(secondOfDay % 3600 / 60, width: 2)
            put(UInt8(ascii: ":"))
            digits(secondOfDay % 60, width: 2)
            if fixedFraction {
                put(UInt8(ascii: "."))
                digits(Int64(nanoseconds), width: 9)
            } else if nanoseconds > 0 {
                var fraction = Int64(nanoseconds)
                var width = 9
                while fraction % 10 == 0 {
                    fraction /= 10
                    width -= 1
                }
                put(UInt8(ascii: "."))
                digits(fraction, width: width)
            }
            put(UInt8(ascii: "Z"))
            output.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[0..<end]))
        }
    }

    /// Parses RFC 3339 text: `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`; `t` and `z` are also accepted.
    /// Fraction digits beyond nine are truncated.
    /// - Returns: nil when the text is not a valid RFC 3339 date-time.
    public init?(rfc3339 text: String) {
        var text = text
        guard let value = text.withUTF8({ Timestamp.parse($0) }) else { return nil }
        self = value
    }

    static func parse(_ b: UnsafeBufferPointer<UInt8>) -> Timestamp? {
        guard b.count >= 20 else { return nil }
        func num(_ start: Int, _ count: Int) -> Int64? {
            var value: Int64 = 0
            for index in start..<(start + count) {
                let byte = b[index]
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + Int64(byte - UInt8(ascii: "0"))
            }
            return value
        }
        guard let year = num(0, 4), b[4] == UInt8(ascii: "-"), let month = num(5, 2), b[7] == UInt8(ascii: "-"),
            let day = num(8, 2), b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: "t"),
            let hour = num(11, 2), b[13] == UInt8(ascii: ":"), let minute = num(14, 2),
            b[16] == UInt8(ascii: ":"), let second = num(17, 2)
        else { return nil }
        guard (1...12).contains(month), day >= 1, day <= Self.daysInMonth(year: year, month: month), hour < 24,
            minute < 60, second < 61
        else { return nil }
        var index = 19
        var nanos: Int64 = 0
        if index < b.count, b[index] == UInt8(ascii: ".") {
            index += 1
            var digits = 0
            while index < b.count, b[index] >= UInt8(ascii: "0"), b[index] <= UInt8(ascii: "9") {
                if digits < 9 {
                    nanos = nanos * 10 + Int64(b[index] - UInt8(ascii: "0"))
                }
                digits += 1
                index += 1
            }
            guard digits > 0 else { return nil }
            for _ in min(digits, 9)..<9 { nanos *= 10 }
        }
        guard index < b.count else { return nil }
        var offsetSeconds: Int64 = 0
        switch b[index] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            index += 1
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            let sign: Int64 = b[index] == UInt8(ascii: "-") ? -1 : 1
            guard index + 6 <= b.count, let offsetHours = num(index + 1, 2), b[index + 3] == UInt8(ascii: ":"),
                let offsetMinutes = num(index + 4, 2), offsetHours < 24, offsetMinutes < 60
            else { return nil }
            offsetSeconds = sign * (offsetHours * 3600 + offsetMinutes * 60)
            index += 6
        default:
            return nil
        }
        guard index == b.count else { return nil }
        let days = Self.days(fromCivil: year, month, day)
        let secs = days * 86_400 + hour * 3600 + minute * 60 + min(second, 59) - offsetSeconds
        return Timestamp(seconds: secs, nanoseconds: Int32(nanos))
    }

    // Howard Hinnant's days_from_civil / civil_from_days.
    private static func days(fromCivil year: Int64, _ month: Int64, _ day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = floorDiv(y, 400)
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    private static func civil(fromDays days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = floorDiv(z, 146_097)
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    private static func daysInMonth(year: Int64, month: Int64) -> Int64 {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}

private func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
    a >= 0 ? a / b : (a - b + 1) / b
}

extension Timestamp: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let value = Timestamp(rfc3339: text) else {
            throw DecodingError.dataCorruptedError(
                in: container,
                debugDescription: "timestamp \"\(text)\" is not RFC 3339"
            )
        }
        self = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rfc3339)
    }
}
