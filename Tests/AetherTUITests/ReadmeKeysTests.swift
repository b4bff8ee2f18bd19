import Foundation
import Testing

@testable import AetherTUI

/// The README's key table is the key map's: a changed binding shows here until the README says so.
@Suite("README key table")
struct ReadmeKeysTests {
    static let begin = "<!-- key table: generated from KeyMap.standard.markdownTable; ReadmeKeysTests checks it -->"
    static let end = "<!-- end of key table -->"

    @Test("the README's key table matches the key map, binding for binding")
    func matches() throws {
        let readme = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("README.md")
        let text = try String(contentsOf: readme, encoding: .utf8)
        let start = try #require(text.range(of: Self.begin), "README.md has no key table marker")
        let stop = try #require(text.range(of: Self.end, range: start.upperBound..<text.endIndex))
        let table = text[start.upperBound..<stop.lowerBound].trimmingCharacters(in: .whitespacesAndNewlines)
        let expected = KeyMap.standard.markdownTable
        #expect(table == expected, "put this table between the markers in README.md:\n\(expected)")
        #expect(table.split(separator: "\n").count == KeyMap.standard.bindings.count + 2)
    }
}
