import Aether
import AetherNATS
import AetherNATSTesting
import AetherTestLanes
import Foundation
import Testing

/// Pastes into the append form, end to end: tmux pastes into the real binary attached to
/// nats-server, and the stored event is read back from the stream.
@Suite(
    "aether-top: a paste lands whole",
    .enabled(if: Binary.ready, "needs tmux and the built aether-top"),
    .serialized,
    .bulkLane
)
struct PasteEndToEndTests {
    /// Multi-line JSON of about `bytes` bytes with many distinct tokens (a dropped run shows).
    static func json(bytes: Int, multiline: Bool) -> String {
        var items: [String] = []
        var size = 0
        var index = 0
        while size < bytes {
            let item = #"{"sku": "sku-\#(index)", "qty": \#(index % 7), "note": "token-\#(index)-end"}"#
            items.append(item)
            size += item.utf8.count + 4
            index += 1
        }
        let separator = multiline ? ",\n    " : ","
        return multiline
            ? "{\n  \"items\": [\n    " + items.joined(separator: separator) + "\n  ]\n}"
            : #"{"items":["# + items.joined(separator: separator) + "]}"
    }

    static func paste(_ text: String, into session: TmuxSession, bracketed: Bool) async throws {
        let file = NSTemporaryDirectory() + "aether-paste-\(UUID().uuidString).txt"
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let buffer = "paste-\(UUID().uuidString.prefix(8))"
        try await session.tmux(["load-buffer", "-b", buffer, file])
        try await session.tmux(
            ["paste-buffer", "-d", "-b", buffer, "-t", session.name] + (bracketed ? ["-p"] : [])
        )
    }

    /// Opens the append form for `actor` in namespace `default` and leaves the data field
    /// focused and empty.
    static func openForm(_ session: TmuxSession, actor: String) async throws {
        try await session.type("a")
        try await session.waitFor("Append an event")
        // The form is filled from the selected tail row: clear actor and version first.
        try await session.press(["Tab"] + Array(repeating: "BSpace", count: 40))
        try await session.type(actor)
        try await session.press("Tab")
        try await session.type("Pasted")
        try await session.press(["Tab"] + Array(repeating: "BSpace", count: 8))
        try await session.type("1")
        try await session.press("Tab", "BSpace", "BSpace")
    }

    @Test(
        "bracketed and plain pastes of 3 KB and 33 KB are stored exactly; a pasted y confirms nothing; a paste cannot smuggle keys out; a 2 MB paste is refused with its size"
    )
    func pastes() async throws {
        guard Binary.natsServerPresent() else { return }
        let server = try await NATSServerProcess.start()
        defer { server.shutdown() }
        let session = try await TmuxSession(width: 220, height: 40)
        defer { session.kill() }
        try await session.type("\(Binary.path!) --server \(server.url)")
        try await session.press("Enter")
        try await session.waitFor("● connected")

        let client = try await NATSClient.connect(url: server.url)
        defer { client.closeNow() }

        // 1. A 3 KB multi-line paste, bracketed: its newlines are text, not Enter.
        let small = Self.json(bytes: 3000, multiline: true)
        try await Self.openForm(session, actor: "p-1")
        try await Self.paste(small, into: session, bracketed: true)
        // Keys that follow a paste within 15 ms are taken as part of it: wait for the paste first.
        try await session.waitFor("the whole paste in the field") { $0.contains("}_") }
        try await session.press("Enter")
        try await session.waitFor("Append Pasted to default/p-1 at version v1?")
        // A paste while the confirmation is open is refused, and confirms nothing.
        try await Self.paste("y", into: session, bracketed: true)
        let refused = try await session.waitFor("paste of 1 character ignored")
        #expect(refused.contains("Append Pasted to default/p-1 at version v1?"))
        try await session.type("y")
        try await session.waitFor("appended Pasted to default/p-1 at v1")

        // 2. A 33 KB paste from a terminal without bracketed paste: every key arrives.
        let large = Self.json(bytes: 33_000, multiline: false)
        try await Self.openForm(session, actor: "p-2")
        try await Self.paste(large, into: session, bracketed: false)
        // The form's data field ends with the paste's last characters once all have arrived.
        try await session.waitFor("the whole plain paste", within: 60) { $0.contains(#"-end"}]}_"#) }
        try await session.press("Enter")
        try await session.waitFor("Append Pasted to default/p-2 at version v1?")
        try await session.type("y")
        try await session.waitFor("appended Pasted to default/p-2 at v1")

        let store = try await JetStreamEventStore.open(client: client, configuration: .init(namespace: "default"))
        let first = try await store.events(of: "p-1")
        #expect(first.count == 1)
        #expect(first.first.map { JSONValue.object($0.data) } == (try JSONValue.parse(small)))
        let second = try await store.events(of: "p-2")
        #expect(second.count == 1)
        #expect(second.first.map { JSONValue.object($0.data) } == (try JSONValue.parse(large)))
        let storedItems = second.first?.data["items"]?.arrayValue?.count ?? 0
        #expect(storedItems == (try JSONValue.parse(large)).objectValue?["items"]?.arrayValue?.count)

        // 3. A paste that carries its own end marker cannot smuggle Enter and y out of it.
        try await Self.openForm(session, actor: "p-4")
        try await Self.paste("{\"inj\":2}\u{1B}[201~\ry", into: session, bracketed: true)
        try await session.waitFor("the smuggled keys stay in the field") { $0.contains("data       {\"inj\":2}") }
        let held = try await session.waitFor("the form, still open") { $0.contains("Append an event") }
        #expect(!held.contains("Append Pasted to default/p-4"), "a smuggled Enter submitted the form")
        #expect(try await store.latestVersion(of: "p-4") == 0)
        // A typed form asks before Esc throws it away.
        try await session.press("Escape")
        try await session.waitFor("Discard the event you typed?")
        try await session.type("y")

        // 4. A 2 MB paste arrives whole, and is refused before anything is written, with sizes.
        let huge = Self.json(bytes: 2_097_152, multiline: true)
        try await Self.openForm(session, actor: "p-3")
        try await Self.paste(huge, into: session, bracketed: true)
        try await session.waitFor("the whole 2 MB paste in the field", within: 60) { $0.contains("}_") }
        try await session.press("Enter")
        // Refused before asking, with both sizes; the form keeps what was pasted.
        let screen = try await session.waitFor("the oversize refusal", within: 30) { $0.contains("append refused") }
        #expect(screen.contains("Append an event"), "the form closed")
        #expect(screen.contains("too large: "))
        let line = EndToEndTests.line(screen, containing: "append refused") ?? ""
        let size = line.firstMatch(of: /the event is (\d+) bytes, more than the (\d+) an event takes/)
        #expect(size != nil, "no sizes in: \(line)")
        if let size, let bytes = Int(size.1) {
            // The whole paste reached the event: its JSON is at least as long as the paste.
            #expect(bytes >= huge.utf8.count - huge.filter { $0 == " " || $0 == "\n" }.count)
            #expect(Int(size.2) ?? 0 < bytes)
        }
        #expect(try await store.latestVersion(of: "p-3") == 0)
        try await session.press("Escape")
        try await session.waitFor("Discard the event you typed?")
        try await session.type("y")
        try await session.type("q")
    }
}
