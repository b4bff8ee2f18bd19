/// A test waited longer than its deadline.
public struct DeadlineExceeded: Error, CustomStringConvertible {
    public var what: String
    public var description: String { "deadline exceeded waiting for \(what)" }

    public init(what: String) { self.what = what }
}

/// Runs `body`, failing with `DeadlineExceeded` if it has not finished within `seconds`. For
/// tests: the deadline only bounds a failing test; it never decides a passing one. `body` is
/// cancelled at the deadline and must honour cancellation.
public func withDeadline<T: Sendable>(
    _ seconds: Double = 10,
    _ what: String,
    _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: .seconds(seconds))
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else { throw DeadlineExceeded(what: what) }
        return value
    }
}

/// `body`'s answer, or nil when it has none within `timeout` (it is cancelled then, and must
/// honour cancellation).
public func withTimeout<T: Sendable>(
    _ timeout: Duration,
    _ body: @escaping @Sendable () async -> T?
) async -> T? {
    await withTaskGroup(of: T?.self) { group in
        group.addTask { await body() }
        group.addTask {
            try? await Task.sleep(for: timeout)
            return nil
        }
        let first = await group.next() ?? nil
        group.cancelAll()
        return first
    }
}
