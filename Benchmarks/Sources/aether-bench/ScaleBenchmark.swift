import AetherNATS
import AetherNATSTesting
import AetherTUI
import Crypto
import Foundation

/// The real aether-top (release) in tmux against a deployment that looks like production,
/// written by a plain NATS client that follows `docs/WIRE-FORMAT.md` (core publishes, no Aether
/// store): one namespace of 1,000,000 actors, one actor with 1,000,000 events (and a snapshot at
/// v900,000), and 200 small namespaces. Times are from the key to the screen showing the result,
/// tmux's capture included.
enum ScaleBenchmark {
    static func stream(_ namespace: String) -> String { "\(namespace)_events" }

    static func createStream(_ js: JetStream, _ namespace: String) async throws {
        var config = StreamConfig(name: stream(namespace), subjects: ["aether.store.\(stream(namespace)).>"])
        config.storage = .file
        config.allowDirect = true
        config.allowAtomic = true
        config.description = "aether namespace: \(namespace)"
        try await js.createStream(config)
    }

    static func eventJSON(_ actor: String, _ version: Int) -> String {
        #"{"id":"\#(actor)-\#(version)","eventType":"Set","actorId":"\#(actor)","version":\#(version),"data":{"n":\#(version)},"timestamp":"2026-01-01T00:00:00Z"}"#
    }

    /// Core publishes in chunks of 5,000, each waited for until the stream holds it (the server
    /// drops core publishes that outrun a stream's ingest queue), then checks the stream holds
    /// `expected`.
    static func write(
        _ client: NATSClient,
        _ namespace: String,
        count: Int,
        expected: UInt64,
        _ message: (Int) -> (subject: String, payload: String, headers: NATSHeaders?)
    ) async throws {
        let js = JetStream(client: client)
        let before = try await js.streamInfo(stream(namespace)).state.messages
        var index = 0
        while index < count {
            let end = min(count, index + 5_000)
            for position in index..<end {
                let (subject, payload, headers) = message(position)
                try client.publish(Array(payload.utf8), to: subject, headers: headers)
            }
            try await client.flush(timeout: .seconds(30))
            let deadline = ContinuousClock.now.advanced(by: .seconds(30))
            while try await js.streamInfo(stream(namespace)).state.messages < before + UInt64(end) {
                guard ContinuousClock.now < deadline else {
                    throw NATSError(code: .timeout, message: "stream \(stream(namespace)) did not take \(end) messages")
                }
                try await Task.sleep(for: .milliseconds(5))
            }
            index = end
        }
        guard try await js.streamInfo(stream(namespace)).state.messages >= expected else {
            throw NATSError(code: .timeout, message: "stream \(stream(namespace)) holds fewer than \(expected)")
        }
    }

    /// Sends keys, then waits until the screen satisfies `done`; milliseconds from the last key.
    static func time(
        _ session: String,
        keys: [String],
        literal: Bool = false,
        within: Double = 60,
        _ done: (String) -> Bool
    )
        async throws -> Double
    {
        let start = ContinuousClock.now
        _ = try await TUIBenchmarks.tmux(["send-keys", "-t", session] + (literal ? ["-l"] : []) + keys)
        let deadline = start.advanced(by: .seconds(within))
        while ContinuousClock.now < deadline {
            if done(try await TUIBenchmarks.tmux(["capture-pane", "-p", "-t", session])) {
                let elapsed = start.duration(to: .now)
                return Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
            }
            try await Task.sleep(for: .milliseconds(2))
        }
        throw NATSError(code: .timeout, message: "the screen did not show the result of \(keys) within \(within) s")
    }

    /// Requests to the stream API (`$JS.API.STREAM.>`) seen over `seconds`, from any client.
    static func streamAPICalls(_ client: NATSClient, over seconds: Int) async throws -> Int {
        let subscription = try await client.subscribe(to: "$JS.API.STREAM.>")
        try await client.flush()
        let counter = Task {
            var count = 0
            while await subscription.next() != nil { count += 1 }
            return count
        }
        try await Task.sleep(for: .seconds(seconds))
        subscription.unsubscribe()
        return await counter.value
    }

    static func run(binary: String, actors: Int) async throws -> [String] {
        if let missing = TUIBenchmarks.missing(binary) { return missing }
        let server = try await NATSServerProcess.start()
        defer { server.shutdown() }
        let client = try await NATSClient.connect(url: server.url)
        let js = JetStream(client: client)
        var lines: [String] = []
        let clock = ContinuousClock()

        // The deployment, written by a plain client.
        var start = clock.now
        try await createStream(js, "big")
        try await write(client, "big", count: actors, expected: UInt64(actors)) { index in
            let actor = "actor-" + String(10_000_000 + index).dropFirst()
            return ("aether.store.big_events.e.\(actor)", eventJSON(actor, 1), nil)
        }
        lines.append("wrote \(actors) actors (one event each) in \(start.duration(to: clock.now))")
        start = clock.now
        try await createStream(js, "long")
        let historyLength = actors
        try await write(client, "long", count: historyLength, expected: UInt64(historyLength)) { index in
            var headers = NATSHeaders()
            headers["Aether-Version"] = "\(index + 1)"
            return ("aether.store.long_events.e.history-1", eventJSON("history-1", index + 1), headers)
        }
        let snapshotVersion = historyLength * 9 / 10
        let snapshot = Array(
            #"{"actorId":"history-1","version":\#(snapshotVersion),"state":{"n":\#(snapshotVersion),"from":"snapshot"},"timestamp":"2026-01-01T00:00:00Z"}"#
                .utf8
        )
        var snapshotHeaders = NATSHeaders()
        snapshotHeaders["Aether-Version"] = "\(snapshotVersion)"
        snapshotHeaders["Aether-Checksum"] =
            "sha256="
            + SHA256.hash(data: snapshot).map {
                String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16)
            }.joined()
        var options = PublishOptions()
        options.extraHeaders = snapshotHeaders
        _ = try await js.publish(snapshot, to: "aether.store.long_events.s.history-1", options: options)
        lines.append(
            "wrote one actor's \(historyLength) events and a snapshot at v\(snapshotVersion) in \(start.duration(to: clock.now))"
        )
        for index in 0..<200 {
            let namespace = "ns-" + String(1000 + index).dropFirst()
            try await createStream(js, namespace)
            try await write(client, namespace, count: 10, expected: 10) { n in
                ("aether.store.\(stream(namespace)).e.a-\(n)", eventJSON("a-\(n)", 1), nil)
            }
        }
        lines.append("wrote 200 namespaces of 10 actors; 202 namespaces in all")

        let session = "aether-scale-\(getpid())"
        guard
            let pid = try await TUIBenchmarks.startDashboard(
                binary,
                server: server,
                session: session,
                height: 50,
                settle: 8
            )
        else { return lines + ["could not find the aether-top process"] }
        // The session runs only the dashboard: ending it ends the session.
        defer { _ = kill(pid, SIGTERM) }

        let warming = try await streamAPICalls(client, over: 20)
        lines.append(
            "Streams view, 202 namespaces, first 20 s (small streams counted once): \(warming) stream API requests"
        )
        let calls = try await streamAPICalls(client, over: 20)
        lines.append(
            "Streams view, 202 namespaces, idle, next 20 s: \(calls) stream API requests (4 figure refreshes, 10 namespace refreshes)"
        )
        lines.append(
            "idle CPU, Streams view: \(format3(try await TUIBenchmarks.cpuPercent(pid: pid, over: 10)))% of one core"
        )

        let firstPage = try await time(session, keys: ["2"]) { $0.contains("(200 of \(Summary.exact(actors)))") }
        lines.append(
            "Actors view of \(Summary.exact(actors)) actors: count and first page on screen \(format3(firstPage)) ms (target ≤ 300)"
        )
        let laterPage = try await time(session, keys: ["G"]) { $0.contains("(400 of \(Summary.exact(actors)))") }
        lines.append("a later page (G: the last row loaded) on screen \(format3(laterPage)) ms (target ≤ 300)")
        let deepPage = try await time(session, keys: ["G"]) { $0.contains("(600 of \(Summary.exact(actors)))") }
        lines.append("the page after it \(format3(deepPage)) ms")
        // A first page read afresh: to another namespace and back.
        _ = try await time(session, keys: ["]"]) { $0.contains("Actors in long") && $0.contains("history-1") }
        let fresh = try await time(session, keys: ["["]) { $0.contains("(200 of \(Summary.exact(actors)))") }
        lines.append(
            "the first page again (back to the namespace, unchanged: its index is reused) \(format3(fresh)) ms (target ≤ 300)"
        )
        // Cold: another client wrote to the namespace meanwhile, so the sorted index is read again.
        _ = try await time(session, keys: ["]"]) { $0.contains("Actors in long") && $0.contains("history-1") }
        _ = try await js.publish(
            Array(eventJSON("actor-zzz", 1).utf8),
            to: "aether.store.big_events.e.actor-zzz"
        )
        let cold = try await time(session, keys: ["["]) { $0.contains("(200 of \(Summary.exact(actors + 1)))") }
        lines.append(
            "the first page after another client wrote to it (the sorted index read again) \(format3(cold)) ms (target ≤ 300)"
        )
        // Where that time goes: the same request from this process, its reply not decoded.
        var raw: [Double] = []
        for _ in 0..<3 {
            let started = clock.now
            let reply = try await client.request(
                Array(#"{"subjects_filter":"aether.store.big_events.e.>","offset":0}"#.utf8),
                to: "$JS.API.STREAM.INFO.big_events",
                timeout: .seconds(30)
            )
            let elapsed = started.duration(to: clock.now)
            raw.append(Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15)
            if raw.count == 3 {
                lines.append(
                    "  of which the server: the sorted-index request answered in \(raw.map(format3).joined(separator: ", ")) ms (\(reply.payload.readableBytes) bytes, not decoded)"
                )
            }
        }
        var decoded: [Double] = []
        for _ in 0..<3 {
            let started = clock.now
            _ = try await JetStream(client: client, timeout: .seconds(30)).streamSubjectsPage(
                "big_events",
                filter: "aether.store.big_events.e.>",
                offset: 0
            )
            let elapsed = started.duration(to: clock.now)
            decoded.append(Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15)
        }
        lines.append(
            "  the same request decoded and sorted (JetStream.streamSubjectsPage): \(decoded.map(format3).joined(separator: ", ")) ms"
        )
        lines.append(
            "idle CPU, Actors view of that namespace: \(format3(try await TUIBenchmarks.cpuPercent(pid: pid, over: 10)))% of one core"
        )
        _ = try await TUIBenchmarks.tmux(["send-keys", "-t", session, "/"])
        try await Task.sleep(for: .milliseconds(300))
        _ = try await TUIBenchmarks.tmux(["send-keys", "-t", session, "-l", "actor-0500000"])
        try await Task.sleep(for: .milliseconds(300))
        let exact = try await time(session, keys: ["Enter"]) { $0.contains("actor-0500000 │ 1 events") }
        lines.append(
            "open an actor by exact ID among \(Summary.exact(actors)): history on screen \(format3(exact)) ms (target ≤ 50)"
        )
        lines.append(
            "RSS after listing and opening: \(TUIBenchmarks.sample(pid: pid)!.rssKiB / 1024) MiB (target ≤ 200)"
        )

        _ = try await TUIBenchmarks.tmux(["send-keys", "-t", session, "Escape"])
        _ = try await time(session, keys: ["Escape"]) { $0.contains("Actors in big") }
        _ = try await time(session, keys: ["]"]) { $0.contains("Actors in long") && $0.contains("history-1") }
        _ = try await TUIBenchmarks.tmux(["send-keys", "-t", session, "/"])
        try await Task.sleep(for: .milliseconds(300))
        _ = try await TUIBenchmarks.tmux(["send-keys", "-t", session, "-l", "history-1"])
        try await Task.sleep(for: .milliseconds(300))
        let newest = try await time(session, keys: ["Enter"]) {
            $0.contains("newest 5000 events, from v\(historyLength - 4999)")
        }
        lines.append(
            "an actor with \(Summary.exact(historyLength)) events: newest page on screen \(format3(newest)) ms (target ≤ 500)"
        )
        let base = try await time(session, keys: [], within: 120) {
            $0.contains("snap v\(snapshotVersion) +") || $0.contains("events replayed")
        }
        lines.append(
            "  and the state before it, from the snapshot at v\(snapshotVersion): \(format3(newest + base)) ms after Enter"
        )
        for target in [historyLength * 95 / 100, historyLength / 2] {
            _ = try await TUIBenchmarks.tmux(["send-keys", "-t", session, "v"])
            try await Task.sleep(for: .milliseconds(300))
            _ = try await TUIBenchmarks.tmux(["send-keys", "-t", session, "-l", "\(target)"])
            try await Task.sleep(for: .milliseconds(200))
            let window = try await time(session, keys: ["Enter"]) { $0.contains("State at v\(target)") }
            let whole = try await time(session, keys: [], within: 300) { screen in
                !screen.contains("replaying to") && screen.contains("State at v\(target)")
            }
            let origin =
                try await TUIBenchmarks.tmux(["capture-pane", "-p", "-t", session]).split(separator: "\n")
                .first { $0.contains("State at v\(target)") }.map {
                    String($0.split(separator: "│").dropFirst().first ?? "")
                } ?? "?"
            lines.append(
                "jump to v\(target): its window on screen \(format3(window)) ms; its whole state \(format3(window + whole)) ms (\(origin.trimmingCharacters(in: .whitespaces)))"
            )
        }
        lines.append("RSS at the end: \(TUIBenchmarks.sample(pid: pid)!.rssKiB / 1024) MiB")
        for (key, view) in [("3", "Cluster"), ("4", "Bus"), ("2", "Actors (history open)")] {
            _ = try await TUIBenchmarks.tmux(["send-keys", "-t", session, key])
            try await Task.sleep(for: .seconds(2))
            lines.append(
                "idle CPU, \(view) view: \(format3(try await TUIBenchmarks.cpuPercent(pid: pid, over: 10)))% of one core"
            )
        }
        await client.close()
        return lines
    }
}
