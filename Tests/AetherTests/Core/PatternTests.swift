import Testing

@testable import Aether

@Suite("Token patterns")
struct PatternTests {
    @Test(
        "NATS token rules: * is one non-empty token, > one or more at the end, the rest literal",
        arguments: [
            ("orders.*", "orders.eu", true), ("orders.*", "orders", false), ("orders.*", "orders.eu.x", false),
            ("orders.>", "orders.eu.x", true), ("orders.>", "orders", false), (">", "a", true), ("*", "a.b", false),
            ("a.*.c", "a..c", false), ("a.*.c", "a.b.c", true), ("tenant-*", "tenant-1", false),
            ("tenant-*", "tenant-*", true), ("a.b", "a.b.", false), ("*.*", "a.", false),
        ]
    )
    func rules(pattern: String, subject: String, matches: Bool) throws {
        #expect(try TokenPattern(actorPattern: pattern).matches(subject) == matches)
    }

    @Test("the byte scan for ASCII subjects agrees with the split by Character on every subject and pattern")
    func scanAgreesWithSplit() throws {
        // Subjects of up to 4 pieces over letters, dots, a non-ASCII letter and a dot followed
        // by a combining mark (one Character, not a separator, when split by Character).
        let pieces = ["a", "b", ".", "é", ".\u{301}"]
        var subjects = [""]
        var frontier = [""]
        for _ in 0..<4 {
            frontier = frontier.flatMap { prefix in pieces.map { prefix + $0 } }
            subjects += frontier
        }
        let tokens = ["a", "b", "*", "é", "ab"]
        var patterns: [String] = []
        for first in tokens {
            patterns += [first, first + ".>"]
            for second in tokens {
                patterns += [first + "." + second, first + "." + second + ".>", first + "." + second + ".*"]
            }
        }
        patterns.append(">")
        var compared = 0
        for text in patterns {
            let pattern = try TokenPattern(actorPattern: text)
            for subject in subjects {
                #expect(pattern.matches(subject) == pattern.matchesSplit(subject), "\(text) against \(subject)")
                compared += 1
            }
        }
        #expect(compared > 50_000)
    }
}
