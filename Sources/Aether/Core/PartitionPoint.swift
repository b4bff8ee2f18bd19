extension RandomAccessCollection where Index == Int {
    /// The index of the first element for which `before` is false, in a collection where every
    /// element for which it is true comes first (a binary search; `endIndex` when none is false).
    func partitionPoint(_ before: (Element) throws -> Bool) rethrows -> Int {
        var low = startIndex
        var high = endIndex
        while low < high {
            let mid = low + (high - low) / 2
            if try before(self[mid]) { low = mid + 1 } else { high = mid }
        }
        return low
    }
}
