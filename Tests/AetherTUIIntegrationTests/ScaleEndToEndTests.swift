import AetherNATS
import AetherNATSTesting
import AetherTestLanes
import Foundation
import Testing

/// A namespace written by a plain NATS client (core publishes that follow
/// `docs/WIRE-FORMAT.md`, no Aether store), large enough that listing it whole would stall.
enum PlainWriter {
    static func actorID(_ index: Int) -> String { "actor-" + String(1_000_000 + index).dropFirst() }

    /// Creates the namespace's stream and writes one event to each of `actors` actors; returns
    /// once the stream holds them all.
    static func fill(_ client: NATSClient, namespace: String, actors: Int) async throws {
        let js = JetStream(client: client)
        let stream = "\(namespace)_events"
        var config = StreamConfig(name: stream, subjects: ["aether.store.\(stream).>"])
        config.storage = .file
        config.allowDirect = true
        config.allowAtomic = true
        config.description = "aether namespace: \(namespace)"
        try await js.createStream(config)
        // Core publishes are not acknowledged, and the server drops those that outrun the
        // stream's ingest queue: chunks of 5,000, each waited for until the stream holds it.
        var index = 0
        while index < actors {
            let end = min(actors, index + 5_000)
            for position in index..<end {
                let actor = actorID(position)
                try client.publish(
                    #"{"id":"\#(actor)-1","eventType":"Created","actorId":"\#(actor)","version":1,"data":{"n":\#(position)},"timestamp":"2026-01-01T00:00:00Z"}"#,
                    to: "aether.store.\(stream).e.\(actor)"
                )
            }
            try await client.flush(timeout: .seconds(30))
            let deadline = ContinuousClock.now.advanced(by: .seconds(30))
            while try await js.streamInfo(stream).state.messages < UInt64(end) {
                guard ContinuousClock.now < deadline else {
                    throw NATSError(code: .timeout, message: "the stream did not take \(end) messages")
                }
                try await Task.sleep(for: .milliseconds(5))
            }
            index = end
        }
    }
}

@Suite(
    "aether-top on a namespace of 200,000 actors",
    .enabled(if: Binary.ready, "needs tmux and the built aether-top"),
    .bulkLane
)
struct ScaleEndToEndTests {
    static func elapsed(_ start: ContinuousClock.Instant) -> String {
        let duration = start.duration(to: .now)
        return "\(duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000) ms"
    }

    @Test("lists its count and first page, pages on, and opens an exact actor; timings printed, not asserted")
    func largeNamespace() async throws {
        guard Binary.natsServerPresent() else { return }
        let server = try await NATSServerProcess.start()
        defer { server.shutdown() }
        let client = try await NATSClient.connect(url: server.url)
        defer { client.closeNow() }
        let actors = 200_000
        let filled = ContinuousClock.now
        try await PlainWriter.fill(client, namespace: "big", actors: actors)
        print("scale e2e: \(actors) actors written by a plain client in \(Self.elapsed(filled))")

        let session = try await TmuxSession(width: 120, height: 30)
        defer { session.kill() }
        try await session.type("\(Binary.path!) --server \(server.url)")
        try await session.press("Enter")
        try await session.waitFor("● connected", within: 30)

        var start = ContinuousClock.now
        try await session.type("2")
        let first = try await session.waitFor("the count and the first page", within: 60) {
            $0.contains("Actors in big (200 of 200,000)") && $0.contains("actor-000000")
        }
        print("scale e2e: count and first page on screen \(Self.elapsed(start)) after the key")
        #expect(EndToEndTests.line(first, containing: "actor-000000 ")?.contains("v1") == true)

        // Paging on: the selection nearing the end of the loaded rows reads the next page.
        start = .now
        for _ in 0..<12 { try await session.press("NPage") }
        try await session.waitFor("a later page", within: 60) { $0.contains("(400 of 200,000)") }
        print("scale e2e: the second page loaded \(Self.elapsed(start)) after paging down")
        for _ in 0..<3 { try await session.press("NPage") }
        // Where the selection lands depends on whether the page came before the last presses (a
        // press past the loaded rows stops at the last one); either way it is on the second page.
        try await session.waitFor("the selection on a row of the second page", within: 30) { screen in
            screen.split(separator: "\n").contains { line in
                guard let range = line.range(of: "▶actor-") else { return false }
                return Int(line[range.upperBound...].prefix(6)).map { $0 >= 200 && $0 < 400 } ?? false
            }
        }

        // An exact ID far past the pages read opens at once (one direct get of its last event).
        try await session.type("/")
        try await session.waitFor("an exact ID opens it")
        start = .now
        try await session.type("actor-150000")
        try await session.press("Enter")
        let opened = try await session.waitFor("the exact actor's history", within: 30) {
            $0.contains("actor-150000 │ 1 events")
        }
        print("scale e2e: exact actor's history on screen \(Self.elapsed(start)) after Enter")
        #expect(opened.contains("Created"))
        try await session.type("q")
    }
}
