import Aether
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Writing exports: JSON Lines, streamed, to a file that appears whole or not at all.
enum Export {
    /// Lines buffered and handed to `deliver` in large pieces (a file, standard output).
    struct Sink {
        private let deliver: ([UInt8]) throws -> Void
        private var buffer: [UInt8] = []
        private(set) var lines = 0

        init(_ deliver: @escaping ([UInt8]) throws -> Void) {
            self.deliver = deliver
            buffer.reserveCapacity(Self.chunk + 4096)
        }

        static let chunk = 256 * 1024

        /// Writes `text` as it is (framing, not a line).
        mutating func append(_ text: String) throws {
            buffer.append(contentsOf: text.utf8)
            if buffer.count >= Self.chunk { try flush() }
        }

        /// Writes one line, ended by `terminator`.
        mutating func write(_ line: String, terminator: String = "\n") throws {
            lines += 1
            buffer.append(contentsOf: line.utf8)
            try append(terminator)
        }

        mutating func flush() throws {
            guard !buffer.isEmpty else { return }
            try deliver(buffer)
            buffer.removeAll(keepingCapacity: true)
        }
    }

    /// The export's file exists and was not to be overwritten.
    struct FileExists: Error {
        let path: String
    }

    /// Writes what `produce` hands the sink to `path`: into a file beside it, which becomes
    /// `path` only when everything was written (linked, so an existing file is never replaced
    /// unless `overwrite`). A failure leaves no file, and whatever was at `path` untouched.
    /// - Returns: the lines written.
    /// - Throws: ``FileExists``; `AetherError` (`.invalidArgument`) naming the path for a file
    ///   that cannot be written; what `produce` throws.
    static func write(
        to path: String,
        overwrite: Bool,
        _ produce: (inout Sink) async throws -> Void
    ) async throws -> Int {
        if !overwrite, FileManager.default.fileExists(atPath: path) { throw FileExists(path: path) }
        let partial = path + ".partial-\(getpid())"
        guard FileManager.default.createFile(atPath: partial, contents: nil) else {
            throw AetherError(
                code: .invalidArgument,
                message: "cannot write \(path): \(String(cString: strerror(errno))); nothing exported"
            )
        }
        var handle: FileHandle?
        do {
            let opened = try FileHandle(forWritingTo: URL(fileURLWithPath: partial))
            handle = opened
            var sink = Sink { try opened.write(contentsOf: $0) }
            try await produce(&sink)
            try sink.flush()
            try opened.synchronize()
            try opened.close()
            handle = nil
            if overwrite {
                guard rename(partial, path) == 0 else { throw posixFailure(path) }
            } else {
                guard link(partial, path) == 0 else {
                    if errno == EEXIST { throw FileExists(path: path) }
                    throw posixFailure(path)
                }
                unlink(partial)
            }
            return sink.lines
        } catch {
            try? handle?.close()
            unlink(partial)
            throw error
        }
    }

    private static func posixFailure(_ path: String) -> AetherError {
        AetherError(
            code: .invalidArgument,
            message: "cannot write \(path): \(String(cString: strerror(errno))); nothing exported"
        )
    }

    /// Versions read per window: memory stays flat whatever the history's length.
    static let window: Int64 = 10_000

    /// An actor's events `from` through `through`, one JSON line each, read window by window
    /// (memory stays flat whatever the history's length). With `reducer`, each line is
    /// `{"event": …, "state": …}`, the state replayed up to that event. Records that are not
    /// events of this actor (undecodable, another actor's, out of order) are not written: each
    /// goes to `skipped`, once, and the export goes on.
    static func history(
        of actorID: String,
        in store: any EventStore & SnapshotStore,
        from: Int64 = 1,
        through: Int64 = .max,
        reducer: Reducer? = nil,
        skipped: (ReplayError) async -> Void = { _ in },
        _ line: (String) async throws -> Void
    ) async throws {
        let latest = try await store.latestVersion(of: actorID)
        let last = min(latest, through)
        var state: JSONObject = [:]
        if let reducer, from > 1, from <= last {
            state = try await store.state(of: actorID, at: from - 1, using: reducer) { _ in true }.state
        }
        var next = max(1, from)
        var reported: UInt64 = 0
        while true {
            // The last window reads on to the end of the history when the export does: records
            // after the last event (or an actor with no valid event at all) are reported too.
            let final = next > last - window
            let end = final ? (through == .max ? .max : last) : next + window - 1
            if end < next { break }
            let read = try await store.eventsWithErrors(of: actorID, from: next, through: end)
            for error in read.errors where error.sequence > reported {
                reported = error.sequence
                await skipped(error)
            }
            for event in read.events {
                if let reducer {
                    state = reducer.apply(state, event)
                    try await line(
                        "{\"event\":" + event.jsonString() + ",\"state\":" + JSONValue.object(state).serialized() + "}"
                    )
                } else {
                    try await line(event.jsonString())
                }
            }
            if final { break }
            next = end + 1
        }
    }
}
