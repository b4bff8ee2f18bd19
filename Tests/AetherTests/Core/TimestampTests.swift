import Foundation
import Testing

@testable import Aether

@Suite("Timestamps")
struct TimestampTests {
    @Test("Go's RFC3339Nano with an offset keeps every nanosecond")
    func goFormatWithOffset() throws {
        let stamp = try #require(Timestamp(rfc3339: "2026-01-08T19:30:02.123456789+01:00"))
        #expect(stamp.rfc3339 == "2026-01-08T18:30:02.123456789Z")
        #expect(stamp.nanoseconds == 123_456_789)
    }

    @Test(
        "formats as Go's RFC3339Nano: trailing zeros trimmed, none for whole seconds",
        arguments: [
            ("2026-01-08T18:30:02Z", "2026-01-08T18:30:02Z"),
            ("2026-01-08T18:30:02.5Z", "2026-01-08T18:30:02.5Z"),
            ("2026-01-08T18:30:02.120000000Z", "2026-01-08T18:30:02.12Z"),
            ("2024-02-29T23:59:59.000000001-00:30", "2024-03-01T00:29:59.000000001Z"),
            ("1969-12-31T23:59:59.9Z", "1969-12-31T23:59:59.9Z"),
            ("2026-01-08t18:30:02z", "2026-01-08T18:30:02Z"),
            ("0007-03-04T05:06:07.080Z", "0007-03-04T05:06:07.08Z"),
            ("1000-10-10T10:10:10.000100000Z", "1000-10-10T10:10:10.0001Z"),
        ]
    )
    func formats(input: String, expected: String) throws {
        #expect(try #require(Timestamp(rfc3339: input)).rfc3339 == expected)
    }

    @Test("the fixed form always has nine fraction digits, so a column of times lines up")
    func fixedFraction() throws {
        let inputs = ["2026-01-08T18:30:02Z", "2026-01-08T18:30:02.5Z", "2026-01-08T18:30:02.123456789Z"]
        let fixed = try inputs.map { try #require(Timestamp(rfc3339: $0)).rfc3339Fixed }
        #expect(
            fixed == [
                "2026-01-08T18:30:02.000000000Z", "2026-01-08T18:30:02.500000000Z", "2026-01-08T18:30:02.123456789Z",
            ]
        )
        #expect(try fixed.map { try #require(Timestamp(rfc3339: $0)) } == inputs.map { Timestamp(rfc3339: $0) })
    }

    @Test(
        "rejects what is not RFC 3339",
        arguments: [
            "", "2026-01-08", "2026-13-08T00:00:00Z", "2026-02-30T00:00:00Z", "2026-01-08T18:30:02",
            "2026-01-08T18:30:02.Z", "2026-01-08 18:30:02Z", "2026-01-08T18:30:02+0100",
        ]
    )
    func rejects(input: String) {
        #expect(Timestamp(rfc3339: input) == nil)
    }

    @Test("years past 9999 are written whole, up to the largest instant")
    func largeYears() {
        #expect(Timestamp(seconds: 253_402_300_800).rfc3339 == "10000-01-01T00:00:00Z")
        #expect(
            Timestamp(seconds: .max, nanoseconds: 999_999_999).rfc3339 == "292277026596-12-04T15:30:07.999999999Z"
        )
    }

    @Test("agrees with Foundation's Date on the instant")
    func agreesWithDate() throws {
        let stamp = try #require(Timestamp(rfc3339: "2026-11-27T10:11:45.942663Z"))
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let date = try #require(formatter.date(from: "2026-11-27T10:11:45.942Z"))
        #expect(abs(stamp.date.timeIntervalSince(date) - 0.000663) < 0.000_01)
        #expect(Timestamp(stamp.date).rfc3339 == "2026-11-27T10:11:45.942663Z")
    }
}
