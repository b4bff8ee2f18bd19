import Aether
import AetherNATS
import AetherNATSTesting
import AetherTestLanes
import AetherTestSupport
import Foundation
import NIOCore
import Testing

/// What an operator used to k9s expects, in the real binary under tmux: the inspector and its
/// export, exports of a history and of the filtered tail, a config file's key remap, and a
/// production context's typed confirmation.
@Suite(
    "aether-top: inspector, exports, config and production guard end to end",
    .enabled(if: Binary.ready, "needs tmux and the built aether-top"),
    .serialized,
    .bulkLane
)
struct OperatorEndToEndTests {
    /// A fresh directory to run in (exports land in the current directory).
    static func directory() throws -> String {
        let path = NSTemporaryDirectory() + "aether-operator-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Starts aether-top in `directory` with its config home there too.
    static func start(
        in directory: String,
        arguments: String = "",
        width: Int = 120,
        height: Int = 36
    ) async throws -> TmuxSession {
        let session = try await TmuxSession(width: width, height: height)
        try await session.type("cd \(directory) && XDG_CONFIG_HOME=\(directory)/config \(Binary.path!) \(arguments)")
        try await session.press("Enter")
        return session
    }

    /// Writes `text` as the config file `start(in:)` reads (its XDG config home).
    static func writeConfig(_ text: String, in directory: String) throws {
        try FileManager.default.createDirectory(
            atPath: directory + "/config/aether-top",
            withIntermediateDirectories: true
        )
        try text.write(toFile: directory + "/config/aether-top/config.yaml", atomically: true, encoding: .utf8)
    }

    static func lines(_ path: String) throws -> [String] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
    }

    @Test(
        "Enter on a tail row opens the event whole; e exports it and the file decodes as that Event; the filtered tail and an actor's history (with states) export; an existing file is not overwritten without a yes"
    )
    func inspectorAndExports() async throws {
        let directory = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let session = try await Self.start(in: directory)
        defer { session.kill() }
        try await session.waitFor("starts live with events") { $0.contains("LIVE") && $0.contains("orders ") }

        // The inspector, from the newest tail row.
        try await session.press("Enter")
        let inspected = try await session.waitFor("the inspector with the event's id") {
            $0.contains("─ Event ") && $0.contains("│ id ")
        }
        #expect(inspected.contains("time UTC") && inspected.contains("correlationId"))
        let id = try #require(
            EndToEndTests.line(inspected, containing: "│ id ")?.firstMatch(of: /│ id\s+([0-9a-f-]{36})/)?.1
        )
        try await session.type("e")
        try await session.waitFor("Export the event")
        try await session.press("Enter")
        try await session.waitFor("wrote event-")
        let exported = try FileManager.default.contentsOfDirectory(atPath: directory).filter {
            $0.hasPrefix("event-") && $0.hasSuffix(".jsonl")
        }
        #expect(exported.count == 1)
        let eventLines = try Self.lines(directory + "/" + exported[0])
        #expect(eventLines.count == 1)
        let event = try Event(jsonBytes: Array(eventLines[0].utf8))
        #expect(event.id == String(id))

        // The filtered tail, with the command line.
        try await session.type("/")
        try await session.waitFor("Filter the live tail")
        try await session.type("orders")
        try await session.press("Enter")
        try await session.waitFor("filter: ns=orders")
        try await session.type(":export tail.jsonl")
        try await session.press("Enter")
        try await session.waitFor("wrote tail.jsonl")
        let tail = try Self.lines(directory + "/tail.jsonl")
        #expect(!tail.isEmpty)
        for line in tail {
            let object = try JSONValue.parse(line).objectValue ?? [:]
            #expect(object["namespace"] == "orders", "\(line)")
            _ = try Event(json: object["event"] ?? .null)
        }

        // An actor's history with the state at each version: inspector, then its actor.
        try await session.press("Enter")
        try await session.waitFor("the inspector") { $0.contains("─ Event ") }
        try await session.press("Enter")
        let history = try await session.waitFor("the actor's history") { $0.contains("State at v") }
        let title = try #require(history.firstMatch(of: /─ (order-\d+) │ (\d+) events/))
        let actor = String(title.1)
        try await session.type("e")
        try await session.waitFor("Export the history of orders/\(actor)")
        try await session.press("Tab", "BSpace", "BSpace")
        try await session.type("yes")
        try await session.press("Enter")
        try await session.waitFor("wrote history-orders-\(actor).jsonl")
        let records = try Self.lines(directory + "/history-orders-\(actor).jsonl")
        #expect(records.count >= Int(title.2)!)
        for (index, line) in records.enumerated() {
            let object = try JSONValue.parse(line).objectValue ?? [:]
            let event = try Event(json: object["event"] ?? .null)
            #expect(event.actorID == actor)
            #expect(event.version == Int64(index + 1), "versions in order from 1")
            #expect(object["state"]?.objectValue != nil)
        }

        // The same file again: asked about, and a no leaves it as it was.
        try await session.type("e")
        try await session.waitFor("Export the history")
        try await session.press("Enter")
        try await session.waitFor("exists: overwrite it")
        try await session.type("n")
        try await session.waitFor("cancelled; nothing was done")
        #expect(try Self.lines(directory + "/history-orders-\(actor).jsonl") == records)
        try await session.type("q")
    }

    @Test("a config file that moves append from a to A and starts on the Cluster view takes effect")
    func configRemap() async throws {
        let directory = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Self.writeConfig("view: cluster\nkeys:\n  append: [A]\n", in: directory)
        let session = try await Self.start(in: directory)
        defer { session.kill() }
        try await session.waitFor("the start view from the config") { $0.contains("Members (3)") }
        try await session.type("1")
        let streams = try await session.waitFor("the footer with the remapped key") { $0.contains("A append") }
        #expect(!streams.contains(" a append"))
        try await session.type("a")
        try await session.type("?")
        let help = try await session.waitFor("the help") { $0.contains("─ Keys") }
        #expect(!help.contains("Append an event"), "a no longer appends")
        #expect(EndToEndTests.line(help, containing: "append an event")?.contains("A ") == true)
        try await session.press("Escape")
        try await session.type("A")
        try await session.waitFor("Append an event")
        try await session.press("Escape")
        try await session.type("q")
    }

    @Test("a production context: the banner shows, y does not confirm a drill, the typed leader's name does")
    func productionContext() async throws {
        let directory = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Self.writeConfig(
            "contexts:\n  embedded:\n    production: true\n    label: DEMO PROD\n    color: red\n",
            in: directory
        )
        let session = try await Self.start(in: directory, arguments: "--drill-report \(directory)/drill.json")
        defer { session.kill() }
        try await session.waitFor("the production banner") { $0.contains("PRODUCTION DEMO PROD") }
        try await session.type("3")
        try await session.waitFor("a leader") { $0.contains("│ leader ") }
        try await session.type("f")
        let ask = try await session.waitFor("confirm by typing the name")
        let leader = try #require(ask.firstMatch(of: /type (\S+) and press Enter/)?.1)
        try await session.type("y")
        try await session.press("Enter")
        try await session.waitFor("not confirmed: type \"\(leader)\" exactly")
        #expect(!FileManager.default.fileExists(atPath: directory + "/drill.json"))
        try await session.press("BSpace")
        try await session.type(String(leader))
        try await session.press("Enter")
        try await session.waitFor("the drill runs", within: 30) { $0.contains("leaderless") }
        #expect(FileManager.default.fileExists(atPath: directory + "/drill.json"))
        try await session.press("Escape")
        try await session.type("q")
    }
}

/// `aether-top export` and `aether-top config` as scripts run them.
@Suite(
    "aether-top export and config on the command line",
    .enabled(if: Binary.ready, "needs the built aether-top"),
    .bulkLane
)
struct ExportCommandTests {
    static func run(
        _ arguments: [String],
        environment: [String: String] = [:]
    ) async throws -> (stdout: String, stderr: String, termination: ChildProcess.Termination?) {
        let out = NSTemporaryDirectory() + "aether-export-\(UUID().uuidString)"
        let err = out + ".err"
        defer {
            try? FileManager.default.removeItem(atPath: out)
            try? FileManager.default.removeItem(atPath: err)
        }
        let child = try await ChildProcess.start(
            Binary.path!,
            arguments,
            environment: environment.isEmpty ? nil : environment,
            stdout: .file(out),
            stderr: .file(err)
        )
        let termination = await child.wait(timeout: .seconds(90))
        if termination == nil { child.killNow() }
        return (
            (try? String(contentsOfFile: out, encoding: .utf8)) ?? "",
            (try? String(contentsOfFile: err, encoding: .utf8)) ?? "", termination
        )
    }

    @Test(
        "on the embedded demo: every line of a namespace's export decodes as an event, each actor's versions in order; json is one array"
    )
    func embeddedExport() async throws {
        async let linesRun = Self.run(["export", "--namespace", "orders"])
        async let arrayRun = Self.run(["export", "--namespace", "payments", "--format", "json"])
        let (lines, array) = try await (linesRun, arrayRun)
        #expect(lines.termination == .exited(0), "\(lines.stderr)")
        var last: [String: Int64] = [:]
        let rows = lines.stdout.split(separator: "\n")
        #expect(!rows.isEmpty)
        for row in rows {
            let event = try Event(jsonBytes: Array(row.utf8))
            #expect(event.version == (last[event.actorID] ?? 0) + 1, "\(event.actorID) v\(event.version)")
            last[event.actorID] = event.version
        }
        #expect(array.termination == .exited(0), "\(array.stderr)")
        let decoded = try JSONDecoder().decode([Event].self, from: Data(array.stdout.utf8))
        #expect(!decoded.isEmpty && decoded.allSatisfy { $0.actorID.hasPrefix("payment-") })
        #expect(lines.stderr.isEmpty, "no progress bar when standard error is not a terminal: \(lines.stderr)")
    }

    @Test(
        "on nats-server, data another client wrote: events export, a bad record is named on standard error and skipped; --from and --to bound the versions; nothing found exits 1"
    )
    func natsExport() async throws {
        guard Binary.natsServerPresent() else { return }
        let server = try await NATSServerProcess.start()
        defer { server.shutdown() }
        let client = try await NATSClient.connect(url: server.url)
        defer { client.closeNow() }
        // A plain JetStream writer following docs/WIRE-FORMAT.md.
        let js = JetStream(client: client)
        let stream = "ledger_events"
        try await PlainRecords.createStreams(js, ["ledger"])
        func event(_ actor: String, _ version: Int) -> [UInt8] {
            Array(
                #"{"id":"\#(actor)-\#(version)","eventType":"Posted","actorId":"\#(actor)","version":\#(version),"data":{"n":\#(version)},"timestamp":"2026-01-01T00:00:0\#(version)Z"}"#
                    .utf8
            )
        }
        for version in 1...5 {
            _ = try await js.publish(event("acct-1", version), to: "aether.store.\(stream).e.acct-1")
        }
        _ = try await js.publish(Array("not json".utf8), to: "aether.store.\(stream).e.acct-1")
        _ = try await js.publish(event("acct-1", 6), to: "aether.store.\(stream).e.acct-1")
        for version in 1...2 {
            _ = try await js.publish(event("acct-2", version), to: "aether.store.\(stream).e.acct-2")
        }
        // After the last event, and an actor with no valid event at all: said too.
        let trailing = try await js.publish(Array("{trailing".utf8), to: "aether.store.\(stream).e.acct-2")
        let negative =
            #"{"id":"n-1","eventType":"Posted","actorId":"neg-1","version":-5,"data":{},"timestamp":"2026-01-01T00:00:00Z"}"#
        _ = try await js.publish(Array(negative.utf8), to: "aether.store.\(stream).e.neg-1")

        let whole = try await Self.run(["export", "--server", server.url, "--namespace", "ledger"])
        #expect(whole.termination == .exited(0), "\(whole.stderr)")
        let ids = try whole.stdout.split(separator: "\n").map { try Event(jsonBytes: Array($0.utf8)).id }
        #expect(ids == (1...6).map { "acct-1-\($0)" } + ["acct-2-1", "acct-2-2"])
        #expect(whole.stderr.contains("skipped") && whole.stderr.contains("acct-1"), "\(whole.stderr)")
        #expect(whole.stderr.contains("at sequence \(trailing.sequence)"), "\(whole.stderr)")
        #expect(whole.stderr.contains(#"skipped a stored record of "neg-1""#), "\(whole.stderr)")
        let onlyBad = try await Self.run([
            "export", "--server", server.url, "--namespace", "ledger", "--actor", "neg-1",
        ])
        #expect(onlyBad.termination == .exited(1))
        #expect(onlyBad.stderr.contains(#"skipped a stored record of "neg-1""#), "\(onlyBad.stderr)")
        #expect(onlyBad.stderr.contains("(1 stored record skipped, above)"), "\(onlyBad.stderr)")

        let range = try await Self.run([
            "export", "--server", server.url, "--namespace", "ledger", "--actor", "acct-1", "--from", "2", "--to", "4",
        ])
        #expect(range.termination == .exited(0), "\(range.stderr)")
        #expect(
            try range.stdout.split(separator: "\n").map { try Event(jsonBytes: Array($0.utf8)).version } == [2, 3, 4]
        )

        let none = try await Self.run(["export", "--server", server.url, "--namespace", "ledger", "--actor", "nobody"])
        #expect(none.termination == .exited(1))
        #expect(none.stderr.contains("nothing to export"))
    }

    @Test("a bad config file: its line and what is wrong on standard error, exit 78, and the dashboard does not start")
    func badConfig() async throws {
        let path = NSTemporaryDirectory() + "aether-bad-config-\(UUID().uuidString).yaml"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try "view: streams\nkeys:\n  append: [a]\n  export: [a]\n".write(
            toFile: path,
            atomically: true,
            encoding: .utf8
        )
        let conflict = try await Self.run(["--config", path, "--once"])
        #expect(conflict.termination == .exited(78))
        #expect(
            conflict.stderr.contains("\(path):4: key a is bound to append (line 3) and export (line 4)"),
            "\(conflict.stderr)"
        )
        #expect(conflict.stdout.isEmpty, "no frame from a half-configured dashboard")

        try "refresh:\n  cluster: fast\n".write(toFile: path, atomically: true, encoding: .utf8)
        let interval = try await Self.run(["config", "--config", path])
        #expect(interval.termination == .exited(78))
        #expect(interval.stderr.contains("\(path):2: refresh.cluster must be a duration such as 250ms or 2s"))

        try "view: actors\nkeys:\n  append: [A, \"+\"]\n".write(toFile: path, atomically: true, encoding: .utf8)
        let good = try await Self.run(["config", "--config", path])
        #expect(good.termination == .exited(0), "\(good.stderr)")
        #expect(good.stdout.contains("# \(path) (read)"))
        #expect(good.stdout.contains("append: [\"A\", \"+\"]  # remapped"))
        #expect(good.stdout.contains("view: actors"))

        // A context keyed by a URL with a password: in use, and the password never printed.
        try "contexts:\n  \"nats://u:secretpw@127.0.0.1:4222\": {read-only: true}\n".write(
            toFile: path,
            atomically: true,
            encoding: .utf8
        )
        let secret = try await Self.run(["config", "--config", path, "--server", "nats://u:secretpw@127.0.0.1:4222"])
        #expect(secret.termination == .exited(0), "\(secret.stderr)")
        #expect(secret.stdout.contains(#""nats://***@127.0.0.1:4222":  # in use"#), "\(secret.stdout)")
        #expect(!(secret.stdout + secret.stderr).contains("secretpw"), "\(secret.stdout)")
    }
}

/// `--once` with `--namespace` and `--actor`: the frame a script asks for.
@Suite(
    "aether-top --once chooses what the Actors view shows",
    .enabled(if: Binary.ready, "needs the built aether-top"),
    .bulkLane
)
struct OnceChoiceTests {
    @Test("--once --view actors --namespace lists that namespace; with --actor, that actor's history")
    func namespaceAndActor() async throws {
        guard Binary.natsServerPresent() else { return }
        let server = try await NATSServerProcess.start()
        defer { server.shutdown() }
        let client = try await NATSClient.connect(url: server.url)
        defer { client.closeNow() }
        // Two namespaces written by a plain client (docs/WIRE-FORMAT.md); the second is chosen.
        let js = JetStream(client: client)
        try await PlainRecords.createStreams(js, ["alpha", "ledger"])
        for version in 1...3 {
            let event =
                #"{"id":"acct-1-\#(version)","eventType":"Posted","actorId":"acct-1","version":\#(version),"data":{"n":\#(version)},"timestamp":"2026-01-01T00:00:00Z"}"#
            _ = try await js.publish(Array(event.utf8), to: "aether.store.ledger_events.e.acct-1")
        }
        let listing = try await ExportCommandTests.run([
            "--once", "--server", server.url, "--view", "actors", "--namespace", "ledger",
        ])
        #expect(listing.termination == .exited(0), "\(listing.stderr)")
        #expect(listing.stdout.contains("Actors in ledger (1)"), "\(listing.stdout)")
        let history = try await ExportCommandTests.run([
            "--once", "--server", server.url, "--view", "actors", "--namespace", "ledger", "--actor", "acct-1",
        ])
        #expect(history.termination == .exited(0), "\(history.stderr)")
        #expect(history.stdout.contains("─ acct-1 │ 3 events"), "\(history.stdout)")
        #expect(history.stdout.contains("State at v3"))
        let refused = try await ExportCommandTests.run(["--once", "--actor", "acct-1"])
        #expect(refused.termination == .exited(64))
        #expect(refused.stderr.contains("--actor needs --namespace"))
    }
}

/// Following one request end to end: the trace view on the embedded demo, `aether-top trace`
/// on nats-server with a deployment another client wrote.
@Suite(
    "aether-top: tracing a request end to end",
    .enabled(if: Binary.ready, "needs tmux and the built aether-top"),
    .serialized,
    .bulkLane
)
struct TraceEndToEndTests {
    @Test("embedded demo: t on an order event opens its request's trace from the index; Enter walks into an actor")
    func traceFromTheTail() async throws {
        let directory = try OperatorEndToEndTests.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let session = try await OperatorEndToEndTests.start(in: directory)
        defer { session.kill() }
        try await session.waitFor("starts live with events") { $0.contains("LIVE") && $0.contains("orders ") }
        try await session.type("/")
        try await session.waitFor("Filter the live tail")
        try await session.type("orders")
        try await session.press("Enter")
        try await session.waitFor("filter: ns=orders")
        try await session.type("t")
        let trace = try await session.waitFor("the trace from the index", within: 20) {
            $0.contains("─ Trace req-") && $0.contains("from the correlation index")
        }
        let selected = try #require(
            EndToEndTests.line(trace, containing: "▶")?.firstMatch(of: /(\w+)\/(\S+) v(\d+) (\w+)/)
        )
        try await session.press("Enter")
        let opened = try await session.waitFor("the traced actor's history") { $0.contains("State at v") }
        #expect(opened.contains("─ \(selected.2) │ "), "opened \(selected.2)")
        // Esc in the actor goes back to the trace it was opened from, the same row selected.
        try await session.press("Escape")
        let back = try await session.waitFor("back in the trace") { $0.contains("─ Trace req-") }
        #expect(
            EndToEndTests.line(back, containing: "▶")?.contains("\(selected.1)/\(selected.2) v\(selected.3)") == true
        )
        try await session.press("Escape")
        try await session.waitFor("the trace closed, over the tail") {
            !$0.contains("─ Trace req-") && $0.contains("LIVE")
        }
        try await session.type("q")
    }

    @Test(
        "aether-top trace on nats-server: a request written by a plain client across three namespaces, as a tree; --json; --scan finds an unindexed event; nothing found exits 1"
    )
    func traceCommand() async throws {
        guard Binary.natsServerPresent() else { return }
        let server = try await NATSServerProcess.start()
        defer { server.shutdown() }
        let client = try await NATSClient.connect(url: server.url)
        defer { client.closeNow() }
        // A plain writer following docs/WIRE-FORMAT.md: each event and its index record in one atomic batch.
        let js = JetStream(client: client)
        try await PlainRecords.createStreams(js, ["orders", "payments", "inventory"], atomic: true)
        func write(
            _ namespace: String,
            _ actor: String,
            _ version: Int,
            _ type: String,
            id: String,
            cause: String?,
            index: Bool = true
        ) async throws {
            let causation = cause.map { #","causationId":"\#($0)""# } ?? ""
            let event =
                #"{"id":"\#(id)","eventType":"\#(type)","actorId":"\#(actor)","version":\#(version),"data":{},"metadata":{"correlationId":"req-42"\#(causation)},"timestamp":"2026-01-01T00:00:0\#(version)Z"}"#
            let stream = "aether.store.\(namespace)_events"
            var messages = [
                BatchMessage(
                    subject: "\(stream).e.\(actor)",
                    payload: ByteBuffer(string: event),
                    headers: ["Nats-Msg-Id": id, "Aether-Version": "\(version)"]
                )
            ]
            if index {
                messages.append(
                    BatchMessage(
                        subject: "\(stream).c.req-42",
                        payload: ByteBuffer(
                            string: #"{"eventId":"\#(id)","actorId":"\#(actor)","version":\#(version)}"#
                        ),
                        headers: ["Nats-Msg-Id": id + ".correlation", "Aether-Index": "correlation"]
                    )
                )
            }
            _ = try await js.publishBatch(messages)
        }
        try await write("orders", "order-1", 1, "OrderPlaced", id: "e-placed", cause: nil)
        try await write("inventory", "sku-1", 1, "StockReserved", id: "e-reserved", cause: "e-placed")
        try await write("payments", "payment-1", 1, "PaymentAuthorized", id: "e-authorized", cause: "e-placed")
        try await write("payments", "payment-1", 2, "PaymentCaptured", id: "e-captured", cause: "e-authorized")
        try await write("orders", "order-1", 3, "OrderShipped", id: "e-shipped", cause: "e-captured", index: false)

        let text = try await ExportCommandTests.run(["trace", "--server", server.url, "--correlation", "req-42"])
        #expect(text.termination == .exited(0), "\(text.stderr)")
        let lines = text.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 5, "\(text.stdout)")
        #expect(lines.first == #"correlationId "req-42": 4 events in 3 namespaces, from the index"#)
        #expect(lines.dropFirst().first?.contains("orders/order-1 v1 OrderPlaced e-placed") == true)
        #expect(lines.contains { $0.contains(" ├ inventory/sku-1 v1 StockReserved") })
        #expect(lines.contains { $0.contains(" └ payments/payment-1 v1 PaymentAuthorized") })
        #expect(lines.contains { $0.contains("   └ payments/payment-1 v2 PaymentCaptured") })

        let json = try await ExportCommandTests.run([
            "trace", "--server", server.url, "--correlation", "req-42", "--json",
        ])
        let object = try JSONValue.parse(json.stdout).objectValue ?? [:]
        #expect(object["source"] == "index")
        #expect(object["events"]?.arrayValue?.count == 4)

        let scan = try await ExportCommandTests.run([
            "trace", "--server", server.url, "--correlation", "req-42", "--scan", "--namespaces", "orders",
        ])
        #expect(scan.termination == .exited(0), "\(scan.stderr)")
        #expect(scan.stdout.contains("OrderShipped e-shipped"), "the unindexed event is found by the scan")
        #expect(
            scan.stdout.hasPrefix(
                #"correlationId "req-42": 2 events in 1 namespace, found by a scan of histories, not the index"#
            ),
            "\(scan.stdout)"
        )
        #expect(
            scan.stdout.contains("(its cause e-captured was not found)"),
            "payments was not scanned: said, not guessed"
        )

        let none = try await ExportCommandTests.run(["trace", "--server", server.url, "--correlation", "req-0"])
        #expect(none.termination == .exited(1))
        #expect(none.stderr.contains("no event has correlationId \"req-0\""))
        #expect(!none.stderr.contains("embedded demo"), "\(none.stderr)")
        // Without a server, the embedded demo: nothing is found, and the reason is said.
        let embedded = try await ExportCommandTests.run(
            ["trace", "--correlation", "req-0"],
            environment: ["HOME": NSTemporaryDirectory()]
        )
        #expect(embedded.termination == .exited(1), "\(embedded.stderr)")
        #expect(
            embedded.stderr.contains("this was the embedded demo (no --server, NATS_URL or context)"),
            "\(embedded.stderr)"
        )

        // A namespace named twice is read once; an empty list or --limit 0 is a usage error.
        let twice = try await ExportCommandTests.run([
            "trace", "--server", server.url, "--correlation", "req-42", "--scan", "--namespaces", "orders,orders",
        ])
        #expect(twice.stdout.hasPrefix(#"correlationId "req-42": 2 events in 1 namespace"#), "\(twice.stdout)")
        for arguments in [["--namespaces", ","], ["--scan", "--limit", "0"]] {
            let refused = try await ExportCommandTests.run(
                ["trace", "--server", server.url, "--correlation", "req-42"] + arguments
            )
            #expect(refused.termination == .exited(3), "\(arguments): \(refused.stderr)")
        }
    }
}
