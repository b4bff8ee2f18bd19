import Testing

@testable import Aether

@Suite("JSON values")
struct JSONValueTests {
    @Test("integers stay integers through a round trip; doubles stay doubles")
    func integersStayIntegers() throws {
        let text = #"{"count":1,"price":99.99,"big":9007199254740993,"whole":2.0,"neg":-7,"exp":1e3}"#
        let value = try JSONValue.parse(text)
        #expect(value["count"] == .integer(1))
        #expect(value["price"] == .double(99.99))
        #expect(value["big"] == .integer(9_007_199_254_740_993))
        #expect(value["whole"] == .double(2.0))
        #expect(value["neg"] == .integer(-7))
        #expect(value["exp"] == .double(1000))
        let again = try JSONValue.parse(value.serialized())
        #expect(again == value)
        #expect(value.serialized().contains(#""count":1,"#))
    }

    @Test("serializer sorts keys and escapes control characters")
    func serializerIsStable() throws {
        let value: JSONValue = ["b": 1, "a": ["x": "line\nbreak \u{01} \"q\""], "c": [true, nil, 1.5]]
        #expect(value.serialized() == #"{"a":{"x":"line\nbreak \u0001 \"q\""},"b":1,"c":[true,null,1.5]}"#)
        #expect(try JSONValue.parse(value.serialized()) == value)
    }

    @Test("strings: every byte JSON must escape is escaped, wherever it stands; the rest is copied as it is")
    func stringEscapes() throws {
        let controls = String(decoding: (0..<0x20).map { UInt8($0) }, as: UTF8.self)
        let texts = [
            "", "plain", "ü😀 plain", "\"", "\\", "\"start", "end\\", "mid\u{1F}dle", controls,
            "a\"b\\c\nd\re\tf\u{8}g\u{C}h\u{0}i", String(repeating: "x\"", count: 100),
        ]
        for text in texts {
            let value = JSONValue.string(text)
            let written = value.serialized()
            #expect(try JSONValue.parse(written) == value, "\(written)")
            #expect(!written.utf8.dropFirst().dropLast().contains { $0 < 0x20 })
        }
        #expect(JSONValue.string("q\"\\\u{1}\n").serialized() == #""q\"\\\u0001\n""#)
        // The exact bytes: two-letter escapes where JSON has them, lowercase hex for the rest,
        // non-ASCII copied raw.
        #expect(
            JSONValue.string(controls).serialized()
                == #""\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\b\t\n\u000b\f\r\u000e\u000f\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001a\u001b\u001c\u001d\u001e\u001f""#
        )
        #expect(Array(JSONValue.string("ü😀").serialized().utf8) == [0x22] + Array("ü😀".utf8) + [0x22])
    }

    @Test("pretty printer output is stable and indented")
    func prettyPrinter() {
        let value: JSONValue = ["status": "shipped", "items": [1, 2], "empty": [:]]
        #expect(
            value.serialized(pretty: true) == """
                {
                  "empty": {},
                  "items": [
                    1,
                    2
                  ],
                  "status": "shipped"
                }
                """
        )
    }

    @Test("unicode escapes and surrogate pairs decode")
    func unicodeEscapes() throws {
        let value = try JSONValue.parse(#"["\u00e9", "\ud83d\ude00", "ü"]"#)
        #expect(value == ["é", "😀", "ü"])
    }

    @Test(
        "parse errors point at the bad character",
        arguments: [
            (#"{"a": 1,}"#, 1, 9),
            ("{\n  \"a\": tru\n}", 2, 11),
            (#"{"a" 1}"#, 1, 6),
            (#"[1, 2"#, 1, 6),
            (#"{"a": 01}"#, 1, 8),
            (#""abc"#, 1, 5),
            (#"{"a": 1} x"#, 1, 10),
        ]
    )
    func parseErrorsHavePositions(text: String, line: Int, column: Int) {
        #expect {
            _ = try JSONValue.parse(text)
        } throws: { error in
            guard let error = error as? JSONParseError else { return false }
            return error.line == line && error.column == column
        }
    }

    @Test("deep nesting is rejected, not a crash")
    func deepNesting() {
        let text = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        #expect(throws: JSONParseError.self) { _ = try JSONValue.parse(text) }
    }

    @Test("Codable conformance keeps integers")
    func codable() throws {
        let value: JSONValue = ["n": 3, "d": 0.5, "s": "x", "a": [nil, false]]
        let encoded = try JSONEncoderShim.encode(value)
        #expect(try JSONValue.parse(encoded) == value)
    }
}
