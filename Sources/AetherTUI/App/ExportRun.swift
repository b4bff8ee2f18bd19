import Aether
import AetherMembers

/// The work of `aether-top export`: every actor of a namespace (page by page) or one, each
/// history streamed, written to standard output in large pieces, with a progress bar on
/// standard error.
struct ExportRun {
    let store: any EventStore & SnapshotStore
    let actor: String?
    let from: Int64
    let through: Int64
    let json: Bool
    let reducer: Reducer?
    let progress: Bool
    var clock: Cluster.NodeClock = .continuous

    /// Stored records skipped (each said on standard error).
    final class Skips {
        var count = 0
    }
    let skips = Skips()

    /// - Returns: the events written.
    func run() async throws -> Int {
        var output = Output(json: json)
        var bar = ProgressBar(enabled: progress, clock: clock)
        if let actor {
            let latest = try await store.latestVersion(of: actor)
            bar.total = max(0, Int(min(latest, through) - from + 1))
            try await export(actor, &output, &bar)
        } else {
            bar.total = try await store.figures().events
            var cursor: ActorCursor?
            repeat {
                let page = try await store.actorPage(after: cursor, limit: 1000, matching: nil)
                for listed in page.actors { try await export(listed.actorID, &output, &bar) }
                cursor = page.next
            } while cursor != nil
        }
        try output.finish()
        bar.finish()
        return output.lines
    }

    private func export(_ actorID: String, _ output: inout Output, _ bar: inout ProgressBar) async throws {
        try await Export.history(
            of: actorID,
            in: store,
            from: from,
            through: through,
            reducer: reducer,
            skipped: { error in
                skips.count += 1
                // Said, never silently dropped; the export goes on.
                StandardError.write(
                    (progress ? "\r\u{1B}[K" : "")
                        + "aether-top export: skipped a stored record of \(Identifiers.quoted(actorID)): \(DisplayText.visible(error.description))\n"
                )
            },
            { line in
                try output.write(line)
                bar.advance()
            }
        )
    }

    /// Standard output, buffered (``Export/Sink``), as JSON Lines or one JSON array.
    struct Output {
        let json: Bool
        private var sink = Export.Sink { bytes in
            guard Descriptor.write(1, bytes) else {
                throw AetherError(code: .invalidArgument, message: "standard output was closed; export stopped")
            }
        }

        init(json: Bool) { self.json = json }

        var lines: Int { sink.lines }

        mutating func write(_ line: String) throws {
            if json { try sink.append(lines == 0 ? "[\n" : ",\n") }
            try sink.write(line, terminator: json ? "" : "\n")
        }

        mutating func finish() throws {
            if json { try sink.append(lines == 0 ? "[]\n" : "\n]\n") }
            try sink.flush()
        }
    }

    /// `[########----------]  45%  450,000/1,000,000 events`, redrawn at most 10 times a second.
    struct ProgressBar {
        let enabled: Bool
        let clock: Cluster.NodeClock
        var total = 0
        var done = 0
        var lastDrawn: ContinuousClock.Instant?

        init(enabled: Bool, clock: Cluster.NodeClock) {
            self.enabled = enabled
            self.clock = clock
        }

        mutating func advance() {
            done += 1
            guard enabled, done % 256 == 0 else { return }
            let now = clock.now()
            if let last = lastDrawn, last.duration(to: now) < .milliseconds(100) { return }
            lastDrawn = now
            draw()
        }

        func draw() {
            let share = total > 0 ? min(1, Double(done) / Double(total)) : 0
            let filled = Int(share * 30)
            let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: 30 - filled)
            let percent = Int((share * 100).rounded(.down))
            StandardError.write(
                "\r[\(bar)] \(percent < 10 ? "  " : percent < 100 ? " " : "")\(percent)%  \(Summary.exact(done))/\(Summary.exact(max(total, done))) events"
            )
        }

        func finish() {
            guard enabled else { return }
            draw()
            StandardError.write("\n")
        }
    }
}
