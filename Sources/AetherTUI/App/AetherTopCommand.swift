import Aether
// The members, the demo's reducers and timings (`AetherMembers`) are part of the dashboard's
// API: an application that embeds the dashboard names its reducers with `ReducerCatalog`.
@_exported import AetherMembers
import ArgumentParser
import Foundation
import Synchronization

/// aether-top's command line: the dashboard, `node`, `check` and `verify`.
///
/// An application embeds it to get its own dashboard, with the same command line, keys,
/// deployments, batch mode and checks, replaying state with its own reducers:
///
/// ```swift
/// await AetherTop.main(reducers: ["orders": Orders.reducer])
/// ```
public struct AetherTop: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "aether-top",
        abstract: "Watch and steer an Aether deployment.",
        subcommands: [
            DashboardCommand.self, NodeCommand.self, CheckCommand.self, VerifyCommand.self, ExportCommand.self,
            TraceCommand.self, ConfigCommand.self,
        ],
        defaultSubcommand: DashboardCommand.self
    )

    public init() {}

    /// The application's reducers, set by `main(reducers:)` before the command runs.
    static let applicationReducers = Mutex<ReducerCatalog?>(nil)

    /// Runs the command line with the application's reducers (by namespace). With none, the
    /// stock binary's behaviour: the demo's reducers in the embedded demo, a generic merge-patch
    /// on NATS (labelled so).
    public static func main(reducers: [String: Reducer]) async {
        if !reducers.isEmpty {
            applicationReducers.withLock { $0 = ReducerCatalog(reducers: reducers, origin: "application") }
        }
        if let unknown = checkUsageError(Array(CommandLine.arguments.dropFirst())) {
            print(unknown)
            Foundation.exit(3)
        }
        await main()
    }

    /// A `check` command line that does not parse is UNKNOWN (exit 3) for a Nagios-style caller,
    /// with its reason on the one line the caller reads; nil for anything else (`--help` too).
    static func checkUsageError(_ arguments: [String]) -> String? {
        guard arguments.first == "check" else { return nil }
        do {
            _ = try parseAsRoot(arguments)
            return nil
        } catch {
            guard exitCode(for: error) != .success else { return nil }
            var reason = message(for: error).split(whereSeparator: \.isNewline).first.map(String.init) ?? "bad usage"
            if reason.hasPrefix("Error: ") { reason.removeFirst("Error: ".count) }
            return "UNKNOWN: \(reason) (usage: aether-top check leader|members [options])"
        }
    }

    /// `--reducers`, else the application's, else nil (the deployment's default).
    static func reducers(named name: String?) throws -> ReducerCatalog? {
        switch name {
        case nil: return applicationReducers.withLock { $0 }
        case "demo": return .demo
        case "none", "generic": return .generic
        case let other?: throw ValidationError("unknown reducers \(other): use demo or none")
        }
    }
}

/// Where to connect; shared by every subcommand.
struct ConnectionOptions: ParsableArguments {
    @Option(
        name: .long,
        help:
            "NATS server URL; without one, the embedded demo. A password in it shows in ps: prefer NATS_URL, --context or --creds."
    )
    var server: String?

    @Option(name: .long, help: "A .creds file (JWT and NKey seed).")
    var creds: String?

    @Option(name: .long, help: "A file holding an NKey user seed.")
    var nkey: String?

    @Option(name: .customLong("tls-ca"), help: "A CA certificate (PEM) to verify the server with.")
    var tlsCA: String?

    @Option(name: .long, help: "A nats CLI context (also NATS_CONTEXT).")
    var context: String?

    @Option(
        name: .long,
        help: "The config file (default: $XDG_CONFIG_HOME/aether-top/config.yaml, or ~/.config/aether-top/config.yaml)."
    )
    var config: String?

    var settings: ConnectionSettings {
        ConnectionSettings(
            server: server,
            credentialsFile: creds,
            nkeySeedFile: nkey,
            tlsCAFile: tlsCA,
            context: context
        )
    }
}

extension DemoTimings: ExpressibleByArgument {}

struct NodeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "node",
        abstract: "Run a demo cluster member on NATS that also writes a workload."
    )

    @OptionGroup var connection: ConnectionOptions

    @Option(name: .long, help: "This member's node ID (A–Z a–z 0–9 - _).")
    var name: String

    @Option(name: .long, help: "Events per second this member writes.")
    var rate: Double = 20

    @Option(name: .customLong("snapshot-every"), help: "Snapshot an actor every N versions.")
    var snapshotEvery: Int = 10

    @Option(name: .long, help: "Cluster timings: fast or standard (the original's).")
    var timings: DemoTimings = .fast

    @Option(
        name: .customLong("election-replicas"),
        help: "Replicas of the election bucket (default: 3 when the server reports a cluster of 3 or more, else 1)."
    )
    var electionReplicas: Int?

    @Option(
        name: .long,
        help: "Replicas of the event streams this member creates (default: as --election-replicas)."
    )
    var replicas: Int?

    @Flag(
        name: .customLong("events-json"),
        help: "Print every cluster event, and every acknowledged save, as a JSON line."
    )
    var eventsJSON = false

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        guard let options = try connection.settings.options(environment: environment, home: homeDirectory(environment))
        else {
            throw ValidationError("node needs a server: --server nats://HOST:PORT (or NATS_URL, or a context)")
        }
        var settings = NodeRunner.Settings(name: name)
        settings.timings = timings
        settings.electionReplicas = electionReplicas
        settings.streamReplicas = replicas
        settings.workload = DemoWorkload(eventsPerSecond: rate, snapshotEvery: snapshotEvery)
        settings.eventsJSON = eventsJSON
        try await NodeRunner.run(options: options, settings: settings)
    }
}

struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract:
            "Nagios-style checks: OK exits 0; CRITICAL (no leader, a member down, NATS unreachable) exits 2; UNKNOWN (the check could not run) exits 3."
    )

    enum What: String, ExpressibleByArgument, CaseIterable {
        case leader
        case members
    }

    @Argument(help: "leader or members")
    var what: What

    @OptionGroup var connection: ConnectionOptions

    @Option(name: .long, help: "Cluster timings: fast or standard (the original's).")
    var timings: DemoTimings = .fast

    @Option(
        name: .long,
        help:
            "members: CRITICAL when fewer than this many members are up (a member killed for good leaves no trace a later check can see)."
    )
    var expect: Int?

    func validate() throws {
        if let expect, expect < 1 { throw ValidationError("--expect takes a number of members, 1 or more") }
    }

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let report: Checks.Report
        do {
            let options = try connection.settings.options(environment: environment, home: homeDirectory(environment))
            report = await Checks.run(what.rawValue, options: options, timings: timings, expectedMembers: expect)
        } catch let error as AetherError {
            report = Checks.Report(text: "UNKNOWN: \(error.message)", status: .unknown)
        }
        print(report.text)
        if !report.healthy { throw ExitCode(report.exitCode) }
    }
}

struct DashboardCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dashboard",
        abstract: "The dashboard (the default). With no server, the embedded demo.",
        shouldDisplay: true
    )

    @OptionGroup var connection: ConnectionOptions

    @Flag(name: .customLong("read-only"), help: "Disable every action (append, snapshot, drills).")
    var readOnly = false

    @Flag(name: .customLong("no-color"), help: "Monochrome (also NO_COLOR).")
    var noColor = false

    @Flag(name: .long, help: "ASCII line drawing for terminals without UTF-8.")
    var ascii = false

    @Flag(name: .long, help: "Print one frame and exit (never prompts, no alternate screen).")
    var once = false

    @Option(name: .long, help: "The view to start on: streams, actors, cluster or bus.")
    var view: String?

    @Flag(name: .long, help: "With --once: the view's data as JSON.")
    var json = false

    @Option(name: .long, help: "The namespace the Actors view lists (with --once --view actors, the one shown).")
    var namespace: String?

    @Option(name: .long, help: "An actor to open in --namespace (with --once --view actors, its history).")
    var actor: String?

    @Option(name: .long, help: "Cluster timings of the deployment: fast or standard.")
    var timings: DemoTimings = .fast

    @Option(name: .customLong("drill-report"), help: "Where failover drill reports are written.")
    var drillReport: String = "aether-drill.json"

    @Option(
        name: .long,
        help:
            "Reducers to replay state with: demo (the demo workload's, for aether-top node members). Default: the demo's in the embedded demo; on NATS none, so states are a generic merge-patch of the events' data, and labelled so."
    )
    var reducers: String?

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        // The config file first: a bad one stops here, before anything connects or draws.
        let (config, active) = try ConfigCommand.load(connection, environment: environment)
        let options = try connection.settings.options(environment: environment, home: homeDirectory(environment))
        var settings = DashboardSettings()
        settings.keyMap = config.keyMap
        settings.refresh = config.refresh
        if let view = config.view { settings.startView = view }
        if let context = active?.context {
            settings.production = context.production
            settings.contextLabel = context.label
            settings.labelColor = context.color
        }
        settings.utcOffset = TimeZone.current.secondsFromGMT()
        settings.readOnly = readOnly || active?.context.readOnly == true
        settings.color = !(noColor || environment["NO_COLOR"].map { !$0.isEmpty } == true)
        settings.ascii = ascii
        settings.once = once
        settings.json = json
        settings.timings = timings
        settings.drillReportPath = drillReport
        settings.reducers = try AetherTop.reducers(named: reducers)
        if let namespace { try Identifiers.validateNamespace(namespace) }
        if let actor {
            guard namespace != nil else { throw ValidationError("--actor needs --namespace") }
            try Identifiers.validateActorID(actor)
        }
        settings.startNamespace = namespace
        settings.startActor = actor
        if let view {
            guard let chosen = ViewID(name: view) else {
                throw ValidationError("unknown view \(view): use streams, actors, cluster or bus")
            }
            settings.startView = chosen
        }
        let code = try await DashboardRunner.run(options: options, settings: settings)
        if code != 0 { throw ExitCode(code) }
    }
}

struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Drift check: replays each actor's events up to each snapshot and compares.",
        discussion: """
            For every snapshot of the namespace's actors (or of --actor), replays the events up to its \
            version with the reducer in use and compares the result with the snapshot's stored state. \
            Prints each drifting actor with the fields that differ (DRIFT), each snapshot ahead of its \
            history (AHEAD) and each snapshot record that cannot be used (CORRUPT); exits 1 when any is \
            found, 0 when none, 3 when the check cannot run (an --actor with no events and no snapshots).

            The stock aether-top has no application reducers: on NATS it replays with a generic merge-patch \
            of the events' data, so drift is expected for any domain whose reducer is not that. For a \
            meaningful check, run verify from your application's own dashboard \
            (AetherTop.main(reducers:)), or with --reducers demo for aether-top node members.
            """
    )

    @OptionGroup var connection: ConnectionOptions

    @Option(name: .long, help: "The namespace to check.")
    var namespace: String

    @Option(name: .long, help: "Check only this actor.")
    var actor: String?

    @Option(name: .long, help: "Reducers: demo, or none (a generic merge-patch).")
    var reducers: String?

    @Option(name: .long, help: "Cluster timings of the deployment: fast or standard.")
    var timings: DemoTimings = .fast

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let code: Int32
        do {
            let options = try connection.settings.options(environment: environment, home: homeDirectory(environment))
            try Identifiers.validateNamespace(namespace)
            if let actor { try Identifiers.validateActorID(actor) }
            let report = try await DriftVerifier.run(
                options: options,
                namespace: namespace,
                actor: actor,
                reducers: try AetherTop.reducers(named: reducers),
                timings: timings
            )
            print(report.lines.joined(separator: "\n"))
            code = report.drifting + report.corrupt > 0 ? 1 : 0
        } catch let error as AetherError {
            print("UNKNOWN: \(DisplayText.visible(error.message))")
            code = 3
        }
        if code != 0 { throw ExitCode(code) }
    }
}

/// `aether-top config`: where the config file is and what it makes of the settings.
struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Print the config file's path and the effective settings (keys, view, refresh, contexts).",
        discussion: """
            The file is YAML, at $XDG_CONFIG_HOME/aether-top/config.yaml (default \
            ~/.config/aether-top/config.yaml), or --config PATH. A bad file is an error naming its line \
            and exits 78; the dashboard does not start half-configured.
            """
    )

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let (config, active) = try Self.load(connection, environment: environment)
        print(config.describe(active: active))
    }

    /// The config file named by `--config` or its default place, and the context in it that
    /// applies to the connection chosen. A bad file ends the process (exit 78) with its error
    /// on standard error.
    static func load(
        _ connection: ConnectionOptions,
        environment: [String: String]
    ) throws -> (AetherTopConfig, (key: String, context: AetherTopConfig.Context)?) {
        let path =
            connection.config ?? AetherTopConfig.defaultPath(environment: environment, home: homeDirectory(environment))
        do {
            let config = try AetherTopConfig.load(path: path)
            let target = connection.settings.target(environment: environment, home: homeDirectory(environment))
            return (config, config.context(named: target.context, servers: target.servers))
        } catch {
            StandardError.write("aether-top: config: \(DisplayText.visible(error.description))\n")
            throw ExitCode(78)
        }
    }
}

/// `aether-top export`: a namespace's events, or one actor's, streamed to standard output.
struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Stream a namespace's events (or one actor's) to standard output as JSON Lines or a JSON array.",
        discussion: """
            Each line is an event as the store holds it (docs/WIRE-FORMAT.md); with --states, \
            {"event": …, "state": …}, the state replayed up to that event. Events are read as they are \
            written out, so memory stays flat whatever the history's length. A progress bar goes to \
            standard error when it is a terminal. On the embedded demo the demo first runs until it has \
            written events, as --once does. Exits 1 when there is nothing to export, 3 when the export \
            cannot run.
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case jsonl, json
    }

    @OptionGroup var connection: ConnectionOptions

    @Option(name: .long, help: "The namespace to export.")
    var namespace: String

    @Option(name: .long, help: "Only this actor.")
    var actor: String?

    @Option(name: .long, help: "The first version of each actor to export.")
    var from: Int64 = 1

    @Option(name: .long, help: "The last version of each actor to export.")
    var to: Int64?

    @Option(name: .long, help: "jsonl (one event per line) or json (one array).")
    var format: Format = .jsonl

    @Flag(name: .long, help: "Add the state replayed up to each event.")
    var states = false

    @Option(name: .long, help: "Reducers for --states: demo, or none (a generic merge-patch).")
    var reducers: String?

    @Option(name: .long, help: "Cluster timings of the deployment: fast or standard.")
    var timings: DemoTimings = .fast

    func validate() throws {
        guard from >= 1 else { throw ValidationError("--from must be 1 or more") }
        if let to, to < from { throw ValidationError("--to (\(to)) is below --from (\(from))") }
    }

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let code: Int32
        do {
            try Identifiers.validateNamespace(namespace)
            if let actor { try Identifiers.validateActorID(actor) }
            let options = try connection.settings.options(environment: environment, home: homeDirectory(environment))
            code = try await DashboardRunner.withDeployment(
                options: options,
                timings: timings,
                reducers: try AetherTop.reducers(named: reducers)
            ) { deployment -> Int32 in
                let export = ExportRun(
                    store: try await deployment.store(for: namespace),
                    actor: actor,
                    from: from,
                    through: to ?? .max,
                    json: format == .json,
                    reducer: states ? deployment.reducers.reducer(for: namespace).reducer : nil,
                    progress: isatty(2) == 1
                )
                let written = try await export.run()
                guard written > 0 else {
                    let skipped = export.skips.count
                    StandardError.write(
                        "aether-top export: nothing to export: no events in \(namespace)\(actor.map { "/" + Identifiers.quoted($0) } ?? "") from v\(from)"
                            + (skipped > 0
                                ? " (\(skipped) stored record\(skipped == 1 ? "" : "s") skipped, above)" : "")
                            + "\n"
                    )
                    return 1
                }
                return 0
            }
        } catch let error as AetherError {
            StandardError.write("aether-top export: \(DisplayText.visible(error.message))\n")
            code = 3
        }
        if code != 0 { throw ExitCode(code) }
    }
}

/// `aether-top trace`: every event of one request, across namespaces, as a causation tree.
struct TraceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trace",
        abstract: "Every event sharing a correlation id, across namespaces, each under the event that caused it.",
        discussion: """
            Looks the id up in every namespace's correlation index (docs/WIRE-FORMAT.md), or in \
            --namespaces. Events stored without an index record are found only with --scan, which reads \
            histories (at most --limit records per namespace) and says so. Prints the tree, or with --json \
            one object. Exits 0 when events were found, 1 when none, 3 when the lookup cannot run.
            """
    )

    @OptionGroup var connection: ConnectionOptions

    @Option(name: .long, help: "The correlation id to follow.")
    var correlation: String

    @Option(name: .long, help: "Only these namespaces (comma-separated).")
    var namespaces: String?

    @Flag(name: .long, help: "One JSON object: the events in tree order, with their depth.")
    var json = false

    @Flag(name: .long, help: "Read histories instead of the index (slow; finds events without index records).")
    var scan = false

    @Option(name: .long, help: "With --scan: the most records read per namespace.")
    var limit: Int = 1_000_000

    @Option(name: .long, help: "Cluster timings of the deployment: fast or standard.")
    var timings: DemoTimings = .fast

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let code: Int32
        do {
            guard !correlation.isEmpty else {
                throw AetherError(code: .invalidArgument, message: "--correlation is empty")
            }
            // Each namespace once, in the order given.
            var listed = Set<String>()
            let chosen = namespaces.map {
                $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter {
                    listed.insert($0).inserted
                }
            }
            if chosen?.isEmpty == true {
                throw AetherError(code: .invalidArgument, message: "--namespaces lists no namespace")
            }
            if scan, limit < 1 {
                throw AetherError(code: .invalidArgument, message: "--limit must be at least 1, not \(limit)")
            }
            for namespace in chosen ?? [] { try Identifiers.validateNamespace(namespace) }
            let options = try connection.settings.options(environment: environment, home: homeDirectory(environment))
            code = try await DashboardRunner.withDeployment(options: options, timings: timings) { deployment -> Int32 in
                let stores = try await deployment.correlationStores(chosen)
                let trace: Trace
                if scan {
                    let progress = isatty(2) == 1
                    let result = try await Trace.scan(correlation, in: stores, limit: limit) { records in
                        if progress {
                            StandardError.write("\rscanning histories: \(Summary.exact(records)) records read")
                        }
                        return true
                    }
                    if progress { StandardError.write("\n") }
                    if !result.complete {
                        StandardError.write(
                            "aether-top trace: the scan stopped at --limit \(limit) records in a namespace\n"
                        )
                    }
                    trace = result.trace
                } else {
                    trace = try await Trace.find(correlation, in: stores)
                }
                for problem in trace.problems {
                    StandardError.write("aether-top trace: \(DisplayText.visible(problem))\n")
                }
                StandardOutput.write(json ? Self.json(trace) + "\n" : Self.text(trace))
                if trace.entries.isEmpty {
                    StandardError.write(
                        "aether-top trace: no event has correlationId \(Identifiers.quoted(correlation))"
                            + (scan ? "" : " in the index (--scan reads histories)") + "\n"
                    )
                    if options == nil {
                        // The embedded demo names its requests as it runs: no id given ahead is in it.
                        StandardError.write(
                            "aether-top trace: this was the embedded demo (no --server, NATS_URL or context), which starts empty and makes up its request ids as it runs: trace a deployment with --server, or press t on an event in the dashboard\n"
                        )
                    }
                }
                return trace.entries.isEmpty ? 1 : 0
            }
        } catch let error as AetherError {
            StandardError.write("aether-top trace: \(DisplayText.visible(error.message))\n")
            code = 3
        } catch {
            // The lookup could not run (a get timed out, the server went away): never "none found".
            StandardError.write("aether-top trace: \(DisplayText.visible(String(describing: error)))\n")
            code = 3
        }
        if code != 0 { throw ExitCode(code) }
    }

    /// A first line saying where the events come from (the index, or a scan of histories),
    /// then the tree: one line per event, indented under its cause, after its time with all nine
    /// fraction digits (so the tree starts in one column).
    static func text(_ trace: Trace) -> String {
        guard !trace.entries.isEmpty else { return "" }
        let namespaces = Set(trace.entries.map(\.namespace)).count
        let source = trace.scanned ? "found by a scan of histories, not the index" : "from the index"
        let header = DisplayText.visible(
            "correlationId \(Identifiers.quoted(trace.correlationID)): \(trace.entries.count) event\(trace.entries.count == 1 ? "" : "s") in \(namespaces) namespace\(namespaces == 1 ? "" : "s"), \(source)"
        )
        let rows = trace.rows
        let branches = TreeLayout.prefixes(depths: rows.map(\.depth), rows: rows.indices, ascii: false)
        return header + "\n"
            + zip(rows, branches).map { row, indent in
                let event = row.entry.event
                let problem = row.causeProblem.map { "  (\(DisplayText.visible($0.text)))" } ?? ""
                return DisplayText.visible(
                    "\(event.timestamp.rfc3339Fixed) \(indent)\(row.entry.namespace)/\(event.actorID) v\(event.version) \(event.eventType) \(event.id)"
                ) + problem + "\n"
            }.joined()
    }

    static func json(_ trace: Trace) -> String {
        let events: [JSONValue] = trace.rows.map { row in
            var object: JSONObject = [
                "namespace": .string(row.entry.namespace),
                "depth": .integer(Int64(row.depth)),
                "event": (try? JSONValue.parse(row.entry.event.jsonString())) ?? .null,
            ]
            switch row.causeProblem {
            case .notFound(let missing): object["causeNotFound"] = .string(missing)
            case .itself: object["causeIsItself"] = .bool(true)
            case .cycle(let cause): object["causeCycle"] = .string(cause)
            case .ambiguous(let cause, let count):
                object["causeAmbiguous"] = .string(cause)
                object["causeCandidates"] = .integer(Int64(count))
            case nil: break
            }
            return .object(object)
        }
        return JSONValue.object([
            "correlationId": .string(trace.correlationID),
            "source": .string(trace.scanned ? "scan" : "index"),
            "events": .array(events),
            "problems": .array(trace.problems.map { .string($0) }),
        ]).serialized()
    }
}

/// The home directory contexts and the config file are found under: `$HOME`, as the nats CLI
/// reads it, else the account's.
func homeDirectory(_ environment: [String: String]) -> String {
    if let home = environment["HOME"], !home.isEmpty { return home }
    return NSHomeDirectory()
}
