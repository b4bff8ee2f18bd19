import AetherNATS
import AetherNATSTesting
import AetherTestLanes
import AetherTestSupport
import Foundation
import Testing

/// A tmux session running a command, read the way a user sees it. Each session has a tmux server
/// of its own (`-L`), so `kill()` ends it with one signal to that server, without waiting.
final class TmuxSession: Sendable {
    let name: String
    /// The session's tmux server.
    let serverPID: pid_t

    /// tmux is on `PATH`.
    static var available: Bool {
        (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").contains {
            FileManager.default.isExecutableFile(atPath: "\($0)/tmux")
        }
    }

    /// Runs a command to its end (at most 60 s) and returns what it printed.
    @discardableResult
    static func run(_ arguments: [String]) async throws -> String {
        try await ChildProcess.run(arguments[0], Array(arguments.dropFirst()))
    }

    /// Starts a shell with a known prompt in a detached session of the given size.
    init(width: Int = 100, height: Int = 30) async throws {
        let name = "aether-e2e-\(UUID().uuidString.prefix(8))"
        self.name = name
        try await Self.run([
            "tmux", "-L", name, "new-session", "-d", "-s", name, "-x", "\(width)", "-y", "\(height)",
            "env PS1='E2E$ ' bash --norc --noprofile",
        ])
        let pid = try await Self.run(["tmux", "-L", name, "display", "-p", "-t", name, "#{pid}"])
        guard let serverPID = pid_t(pid.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw DeadlineExceeded(what: "the pid of tmux server \(name) (got \(pid))")
        }
        self.serverPID = serverPID
    }

    /// A tmux command on this session's server.
    @discardableResult
    func tmux(_ arguments: [String]) async throws -> String {
        try await Self.run(["tmux", "-L", name] + arguments)
    }

    func type(_ text: String) async throws { try await tmux(["send-keys", "-t", name, "-l", text]) }
    func press(_ keys: String...) async throws { try await press(keys) }
    func press(_ keys: [String]) async throws { try await tmux(["send-keys", "-t", name] + keys) }
    func screen() async throws -> String { try await tmux(["capture-pane", "-p", "-t", name]) }
    var alternateScreen: Bool {
        get async { ((try? await tmux(["display", "-p", "-t", name, "#{alternate_on}"])) ?? "").hasPrefix("1") }
    }

    /// Waits until the screen satisfies `condition`; returns that screen.
    @discardableResult
    func waitFor(
        _ what: String,
        within seconds: Double = 15,
        sourceLocation: SourceLocation = #_sourceLocation,
        _ condition: (String) -> Bool
    ) async throws -> String {
        let deadline = ContinuousClock.now.advanced(by: .seconds(seconds))
        var last = ""
        while ContinuousClock.now < deadline {
            last = try await screen()
            if condition(last) { return last }
            try await Task.sleep(for: .milliseconds(50))
        }
        FileHandle.standardError.write(Data("timed out waiting for \(what)\n".utf8))
        Issue.record("timed out waiting for \(what); the screen was:\n\(last)", sourceLocation: sourceLocation)
        throw CancellationError()
    }

    @discardableResult
    func waitFor(
        _ text: String,
        within seconds: Double = 15,
        sourceLocation: SourceLocation = #_sourceLocation
    )
        async throws -> String
    {
        try await waitFor("\"\(text)\"", within: seconds, sourceLocation: sourceLocation) { $0.contains(text) }
    }

    /// Ends the session's tmux server (SIGTERM; it hangs up its panes). Usable in `defer`.
    func kill() { _ = Foundation.kill(serverPID, SIGTERM) }
}

enum Binary {
    static var path: String? { AetherTopBinary.path }

    static var ready: Bool { path != nil && TmuxSession.available }

    /// Whether nats-server is installed; with CI=true its absence is a recorded failure, not a skip.
    static func natsServerPresent(sourceLocation: SourceLocation = #_sourceLocation) -> Bool {
        guard NATSServerProcess.binary != nil else {
            #expect(!isCI, "CI=true but nats-server is missing", sourceLocation: sourceLocation)
            return false
        }
        return true
    }
    static var isCI: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }
}

@Suite("tmux and aether-top are there when CI runs", .dashboardLane)
struct EndToEndPresenceTests {
    @Test("with CI=true a missing tmux or binary is a failure, not a skip")
    func presentInCI() {
        if Binary.isCI {
            #expect(TmuxSession.available, "CI=true but tmux is missing")
            #expect(Binary.path != nil, "CI=true but the aether-top binary is missing (set AETHER_TOP_BIN)")
        }
    }
}

@Suite(
    "aether-top end to end in tmux",
    .enabled(if: Binary.ready, "needs tmux and the built aether-top"),
    .serialized,
    .dashboardLane
)
struct EndToEndTests {
    /// The line of the screen that contains `text`.
    static func line(_ screen: String, containing text: String) -> String? {
        screen.split(separator: "\n").first { $0.contains(text) }.map(String.init)
    }

    @Test(
        "a password rotated on the server while the dashboard runs: the banner says the credentials are rejected (never the password) while it retries; the old one back, it reconnects"
    )
    func rotatedPassword() async throws {
        guard Binary.natsServerPresent() else { return }
        func configuration(_ password: String) -> String {
            "authorization { user: ops, password: \"\(password)\" }\n"
        }
        let server = try await NATSServerProcess.start(configuration: configuration("s3cret-before"))
        defer { server.shutdown() }
        let session = try await TmuxSession(width: 120, height: 30)
        defer { session.kill() }
        // The password in the environment, as the help advises (not in ps).
        try await session.type(
            "NATS_URL=nats://ops:s3cret-before@127.0.0.1:\(server.clientPort) \(Binary.path!) --view cluster"
        )
        try await session.press("Enter")
        try await session.waitFor("connected", within: 30) { $0.contains("● connected") }
        try await server.restart(configuration: configuration("s3cret-after"))
        // It goes on trying (the password may come back), and says why it cannot get in.
        let refused = try await session.waitFor("the banner naming the rejected credentials", within: 30) {
            $0.contains("NATS CREDENTIALS REJECTED (reconnect attempt ")
        }
        #expect(
            refused.contains("Authorization Violation — if rotated, restart with the new ones"),
            "\(refused)"
        )
        #expect(!refused.contains("s3cret"), "no password on the screen")
        // The old password back: it reconnects, and the banner goes.
        try await server.restart(configuration: configuration("s3cret-before"))
        try await session.waitFor("connected again", within: 40) {
            $0.contains("● connected") && !$0.contains("CREDENTIALS REJECTED")
        }
        try await session.type("q")
    }

    @Test("embedded default: views, filter, history replay, append, snapshot, failover drill, clean quit")
    func embedded() async throws {
        let session = try await TmuxSession()
        defer { session.kill() }
        let report = NSTemporaryDirectory() + "aether-e2e-drill-\(UUID().uuidString).json"
        try await session.type("\(Binary.path!) --drill-report \(report)")
        try await session.press("Enter")
        try await session.waitFor("starts live with events") { $0.contains("LIVE") && $0.contains("orders ") }
        #expect(await session.alternateScreen)

        // Views.
        try await session.type("3")
        try await session.waitFor("the cluster view with a leader") {
            $0.contains("Members (3)") && $0.contains("│ leader ")
        }
        try await session.type("4")
        try await session.waitFor("subscriptions by pattern")
        try await session.type("2")
        try await session.waitFor("Actors in")
        try await session.type("1")
        try await session.waitFor("Live tail")

        // Filter the tail to one namespace.
        try await session.type("/")
        try await session.waitFor("Filter the live tail")
        try await session.type("orders")
        try await session.press("Enter")
        // The whole frame, not the title alone: a capture can land while the terminal is
        // still repainting the rows below the closed form.
        func tailNamespaces(_ screen: String) -> [Substring] {
            screen.split(separator: "\n").compactMap { line -> Substring? in
                guard let match = line.firstMatch(of: /^│[ ▶]\d\d:\d\d:\d\d (\S+)/) else { return nil }
                return match.1
            }
        }
        let filtered = try await session.waitFor("the filtered tail, the form gone") { screen in
            screen.contains("filter: ns=orders") && !screen.contains("Filter the live tail")
                && tailNamespaces(screen).allSatisfy { !$0.contains("│") && !$0.contains("└") }
        }
        // Tail rows: "│ hh:mm:ss namespace actor …"; every one is in orders.
        let namespaces = tailNamespaces(filtered)
        #expect(!namespaces.isEmpty)
        #expect(namespaces.allSatisfy { $0 == "orders" }, "tail namespaces: \(namespaces)")

        // Open the selected event whole, then its actor; step back and see the replayed state change.
        try await session.press("Enter")
        try await session.waitFor("the event inspector") { $0.contains("─ Event ") }
        try await session.press("Enter")
        let opened = try await session.waitFor("an actor's history") { $0.contains("State at v") }
        let firstState = Self.line(opened, containing: "State at v") ?? ""
        try await session.press("Down")
        let stepped = try await session.waitFor("an older state") { screen in
            (Self.line(screen, containing: "State at v") ?? "") != firstState
        }
        #expect(Self.line(stepped, containing: "State at v") != firstState)

        // Append an event to a new actor (the demo's workload never writes to it, so no race).
        try await session.type("a")
        try await session.waitFor("Append an event")
        try await session.press("Tab")
        for _ in 0..<40 { try await session.press("BSpace") }
        try await session.type("e2e-1")
        try await session.press("Tab")
        try await session.type("OperatorNote")
        try await session.press("Tab")
        for _ in 0..<8 { try await session.press("BSpace") }
        try await session.type("1")
        try await session.press("Tab", "BSpace", "BSpace")
        try await session.type(#"{"note": "from the e2e test"}"#)
        try await session.press("Enter")
        try await session.waitFor("Append OperatorNote to orders/e2e-1 at version v1?")
        try await session.type("y")
        try await session.waitFor("appended OperatorNote to orders/e2e-1 at v1")

        // It arrives in the tail; filter on its type and open it.
        try await session.press("Escape")
        try await session.type("1")
        try await session.type("/")
        try await session.waitFor("Filter the live tail")
        try await session.press("Tab")
        try await session.type("OperatorNote")
        try await session.press("Enter")
        try await session.waitFor("the appended event in the tail") {
            $0.contains("e2e-1") && $0.contains("type=OperatorNote")
        }
        try await session.press("Enter")
        try await session.waitFor("the appended event whole") { $0.contains("─ Event OperatorNote orders/e2e-1 v1") }
        try await session.press("Enter")
        try await session.waitFor("its history") { $0.contains("e2e-1 │ 1 events") && $0.contains("State at v1") }

        // Snapshot it; the snapshot shows in the history.
        try await session.type("s")
        try await session.waitFor("Snapshot orders/e2e-1 at its latest version (now v1)?")
        try await session.type("y")
        try await session.waitFor("the snapshot in the history") {
            $0.contains("saved at v1") && $0.contains("snap v1")
        }

        // Failover drill: resign the leader, see a new one.
        try await session.press("Escape")
        try await session.type("3")
        try await session.waitFor("Members (3)")
        try await session.type("f")
        try await session.waitFor("Failover drill: ask leader")
        try await session.type("y")
        let drill = try await session.waitFor("a new leader in the drill", within: 20) { $0.contains("leaderless") }
        #expect(drill.contains("new leader"))
        #expect(FileManager.default.fileExists(atPath: report))

        // Quit: the shell prompt is back and the alternate screen is gone.
        try await session.press("Escape")
        try await session.type("q")
        try await session.waitFor("the shell prompt") { screen in
            screen.split(separator: "\n").last { !$0.trimmingCharacters(in: .whitespaces).isEmpty }?.hasPrefix("E2E$")
                == true
        }
        #expect(!(await session.alternateScreen))
    }

    @Test("q, Ctrl-C and SIGTERM restore the terminal and exit 0 with nothing printed")
    func otherExits() async throws {
        let session = try await TmuxSession()
        defer { session.kill() }
        for (run, key) in [("quit", "q"), ("interrupt", "C-c")] {
            try await session.type("\(Binary.path!); echo \(run)-status-$?")
            try await session.press("Enter")
            try await session.waitFor("LIVE")
            try await session.press(key)
            let after = try await session.waitFor("the prompt after \(key)") {
                // The status line, not the typed command (which ends in "-status-$?").
                !$0.contains("Live tail") && $0.split(separator: "\n").contains { $0.hasPrefix("\(run)-status-") }
            }
            #expect(after.split(separator: "\n").contains { $0.hasPrefix("\(run)-status-0") })
            #expect(!after.contains("Error"))
            #expect(!(await session.alternateScreen))
        }

        // In the foreground, as an operator runs it; SIGTERM comes from outside (a service
        // manager, `kill`). A background job taking the terminal would be stopped by job control
        // (SIGTTOU), which is not what this test is about.
        let marker = "aether-sigterm-\(UUID().uuidString.prefix(8)).json"
        try await session.type("\(Binary.path!) --drill-report /tmp/\(marker); echo done-$?")
        try await session.press("Enter")
        try await session.waitFor("LIVE")
        _ = try? await TmuxSession.run(["pkill", "-TERM", "-f", marker])
        let after = try await session.waitFor("the prompt after SIGTERM") {
            $0.split(separator: "\n").contains { $0.hasPrefix("done-") } && !$0.contains("Live tail")
        }
        #expect(after.split(separator: "\n").contains { $0.hasPrefix("done-0") })
        #expect(!after.contains("Error"))
        #expect(!(await session.alternateScreen))
    }

    @Test("batch mode: --once prints a frame, --json the view's data, check exits 0 on a healthy demo")
    func batch() async throws {
        // Three separate processes, each on its own embedded demo: run side by side.
        async let textRun = TmuxSession.run([Binary.path!, "--once", "--view", "cluster"])
        async let jsonRun = TmuxSession.run([Binary.path!, "--once", "--view", "cluster", "--json"])
        async let checkRun = TmuxSession.run([Binary.path!, "check", "leader"])
        let (text, json, check) = try await (textRun, jsonRun, checkRun)
        #expect(text.contains("Members (3)"))
        #expect(!text.contains("\u{1B}"), "no escape sequences when piped")
        let value = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        #expect((value?["members"] as? [Any])?.count == 3)
        #expect(value?["leader"] is String)
        #expect(check.hasPrefix("OK: leader"))
    }

    @Test("an application's own dashboard (docs/examples/OrdersDashboard) replays with its own reducer, and says so")
    func embeddedApplication() async throws {
        let example = (Binary.path! as NSString).deletingLastPathComponent + "/OrdersDashboard"
        guard FileManager.default.isExecutableFile(atPath: example) else {
            #expect(!Binary.isCI, "CI=true but the example binary is missing at \(example)")
            return
        }
        let session = try await TmuxSession(width: 140, height: 36)
        defer { session.kill() }
        try await session.type(example)
        try await session.press("Enter")
        try await session.waitFor("LIVE")
        try await session.type("2")
        // Namespaces are listed in order: inventory, orders, payments.
        try await session.waitFor("Actors in inventory")
        try await session.type("]")
        try await session.waitFor("Actors in orders")
        try await session.press("Enter")
        let opened = try await session.waitFor("the application reducer's state", within: 20) {
            $0.contains("application reducer") && $0.contains("lines = ")
        }
        #expect(!opened.contains("generic merge-patch"))
        try await session.type("q")
    }

    /// Runs the binary to its end; its standard output and how it ended.
    static func runBinary(
        _ arguments: [String]
    ) async throws -> (
        output: String, termination: ChildProcess.Termination?
    ) {
        let output = NSTemporaryDirectory() + "aether-check-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: output) }
        let child = try await ChildProcess.start(Binary.path!, arguments, stdout: .file(output), stderr: .file(output))
        let termination = await child.wait(timeout: .seconds(60))
        if termination == nil { child.killNow() }
        return ((try? String(contentsOfFile: output, encoding: .utf8)) ?? "", termination)
    }

    @Test(
        "checks follow Nagios: an unreachable server is CRITICAL (exit 2) and says its cause once; a bad context is UNKNOWN (exit 3)"
    )
    func checkExitStatuses() async throws {
        let port = NATSServerProcess.freePort()
        let unreachable = try await Self.runBinary(["check", "leader", "--server", "nats://127.0.0.1:\(port)"])
        #expect(unreachable.termination == .exited(2), "\(unreachable)")
        #expect(unreachable.output.hasPrefix("CRITICAL: "), "\(unreachable.output)")
        #expect(unreachable.output.components(separatedBy: "connection refused").count == 2, "\(unreachable.output)")
        #expect(unreachable.output.components(separatedBy: "127.0.0.1:\(port)").count == 2, "\(unreachable.output)")
        let unknown = try await Self.runBinary(["check", "members", "--context", "no-such-context-\(port)"])
        #expect(unknown.termination == .exited(3), "\(unknown)")
        #expect(unknown.output.hasPrefix("UNKNOWN: "), "\(unknown.output)")
        // A credentials file that cannot be used, an unknown option, an unknown check: the
        // check could not run, whatever the server.
        let junk = NSTemporaryDirectory() + "aether-junk-\(port).creds"
        try Data("not a creds file".utf8).write(to: URL(fileURLWithPath: junk))
        defer { try? FileManager.default.removeItem(atPath: junk) }
        for arguments in [
            ["check", "leader", "--server", "nats://127.0.0.1:\(port)", "--creds", "/no/such/file-\(port)"],
            ["check", "leader", "--server", "nats://127.0.0.1:\(port)", "--creds", junk],
            ["check", "leader", "--bogus"], ["check", "bogus"],
        ] {
            let run = try await Self.runBinary(arguments)
            #expect(run.termination == .exited(3), "\(arguments): \(run)")
            #expect(
                run.output.hasPrefix("UNKNOWN: ") && !run.output.contains("\nUNKNOWN"),
                "\(arguments): \(run.output)"
            )
        }
    }

    @Test("attached to three node members on nats-server: members, leader, every shard; a drill moves the leader")
    func nats() async throws {
        guard Binary.natsServerPresent() else { return }
        let server = try await NATSServerProcess.start()
        defer { server.shutdown() }
        var members: [ChildProcess] = []
        defer { for member in members { member.killNow() } }
        for name in ["n1", "n2", "n3"] {
            members.append(
                try await ChildProcess.start(
                    Binary.path!,
                    ["node", "--server", server.url, "--name", name, "--rate", "10"]
                )
            )
        }
        let session = try await TmuxSession(width: 120, height: 40)
        defer { session.kill() }
        try await session.type("\(Binary.path!) --server \(server.url) --view cluster --drill-report /dev/null")
        try await session.press("Enter")
        let settled = try await session.waitFor("three members, a leader and a settled map", within: 30) { screen in
            screen.contains("Members (3)") && screen.contains("│ leader n") && screen.contains("settled")
                && screen.contains("● connected")
        }
        for name in ["n1", "n2", "n3"] { #expect(settled.contains(" \(name) ")) }
        #expect(settled.contains("Shards (1024)"))
        let leaderLine = Self.line(settled, containing: "│ leader n") ?? ""
        let before = ["n1", "n2", "n3"].first { leaderLine.contains("leader \($0)") }
        try await session.type("f")
        try await session.waitFor("Failover drill: ask leader")
        try await session.type("y")
        let drill = try await session.waitFor("the drill's result", within: 30) { $0.contains("leaderless") }
        let newLeader = Self.line(drill, containing: "new leader") ?? ""
        #expect(!newLeader.isEmpty)
        if let before { #expect(!newLeader.contains("new leader \(before)")) }
        try await session.press("Escape")
        try await session.type("q")
        try await session.waitFor("the shell prompt") { !$0.contains("Members (3)") }

        // Checks, as a script would run them.
        #expect(
            try await TmuxSession.run([Binary.path!, "check", "leader", "--server", server.url]).hasPrefix("OK: leader")
        )
        #expect(
            try await TmuxSession.run([Binary.path!, "check", "members", "--server", server.url]).contains("OK: n1 up")
        )
        await members[0].terminate()
        // n1 left gracefully: still healthy. A killed member is not.
        await members[1].kill()
        await #expect(throws: (any Error).self) {
            try await TmuxSession.run([Binary.path!, "check", "members", "--server", server.url])
        }
    }
}
