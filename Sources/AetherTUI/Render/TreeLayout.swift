/// The lines that draw a tree listed depth first: `├ ` before an entry with a later sibling,
/// `└ ` before the last, and `│ ` under each ancestor with a later sibling, as `tree` draws.
/// From `drawnLevels` on, the depth is written as a number in place of the indent (`[17] └`),
/// so a chain of thousands of causes neither runs off the line nor hides how deep it is.
enum TreeLayout {
    static let drawnLevels = 12

    /// The prefixes of `rows` (positions in `depths`, the depth of each entry, depth first).
    /// One pass back from the end: O(entries after `rows.lowerBound`).
    static func prefixes(depths: [Int], rows: Range<Int>, ascii: Bool) -> [String] {
        let (tee, corner, pipe, gap) = ascii ? ("|-", "`-", "| ", "  ") : ("├ ", "└ ", "│ ", "  ")
        // later[k]: a row after this one at depth k, with no shallower row between.
        var later: [Bool] = []
        var result = [String](repeating: "", count: rows.count)
        let lower = max(0, rows.lowerBound)
        for index in stride(from: depths.count - 1, through: lower, by: -1) {
            let depth = max(0, depths[index])
            if rows.contains(index), depth > 0 {
                var prefix = ""
                if depth >= drawnLevels {
                    // The number takes the indent's place, so the event stays on a narrow line.
                    prefix = "[\(depth)] "
                } else {
                    for level in 1..<depth { prefix += level < later.count && later[level] ? pipe : gap }
                }
                prefix += depth < later.count && later[depth] ? tee : corner
                result[index - rows.lowerBound] = prefix
            }
            if later.count > depth + 1 { later.removeLast(later.count - depth - 1) }
            while later.count < depth + 1 { later.append(false) }
            later[depth] = true
        }
        return result
    }
}
