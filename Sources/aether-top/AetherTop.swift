import Aether
import AetherTUI
import ArgumentParser
import Foundation

@main
struct AetherTop: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "aether-top",
        abstract: "Watch and steer an Aether deployment.",
        subcommands: [Dashboard.self, Node.self, Check.self],
        defaultSubcommand: Dashboard.self
    )
}

/// Where to connect; shared by every subcommand.
struct ConnectionOptions: ParsableArguments {
    @Option(name: .long, help: "NATS server URL (also NATS_URL); without one, the embedded demo.")
    var server: String?

    @Option(name: .long, help: "A .creds file (JWT and NKey seed).")
    var creds: String?

    @Option(name: .long, help: "A file holding an NKey user seed.")
    var nkey: String?

    @Option(name: .customLong("tls-ca"), help: "A CA certificate (PEM) to verify the server with.")
    var tlsCA: String?

    @Option(name: .long, help: "A nats CLI context (also NATS_CONTEXT).")
    var context: String?

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

struct Node: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
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

    @Flag(name: .customLong("events-json"), help: "Print every cluster event as a JSON line.")
    var eventsJSON = false

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        guard let options = try connection.settings.options(environment: environment, home: NSHomeDirectory()) else {
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

struct Check: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
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

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let report: Checks.Report
        do {
            let options = try connection.settings.options(environment: environment, home: NSHomeDirectory())
            report = await Checks.run(what.rawValue, options: options, timings: timings)
        } catch let error as AetherError {
            report = Checks.Report(text: "UNKNOWN: \(error.message)", status: .unknown)
        }
        print(report.text)
        if !report.healthy { throw ExitCode(report.exitCode) }
    }
}

struct Dashboard: AsyncParsableCommand {
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
        let options = try connection.settings.options(environment: environment, home: NSHomeDirectory())
        var settings = DashboardSettings()
        settings.readOnly = readOnly
        settings.color = !(noColor || environment["NO_COLOR"].map { !$0.isEmpty } == true)
        settings.ascii = ascii
        settings.once = once
        settings.json = json
        settings.timings = timings
        settings.drillReportPath = drillReport
        switch reducers {
        case nil: break
        case "demo": settings.reducers = .demo
        case "none", "generic": settings.reducers = .generic
        case let other?: throw ValidationError("unknown reducers \(other): use demo or none")
        }
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
