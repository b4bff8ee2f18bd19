import AetherNATS
import Foundation
import NIOCore
import NIOPosix
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A real `nats-server` started for tests: random ports, a temporary store directory, ready
/// once `/healthz` answers 200. Stop it, kill it (SIGKILL), pause it (SIGSTOP) or restart it on
/// the same ports and store.
///
/// The binary is `$NATS_SERVER_BIN`, else `nats-server` on `PATH`.
public final class NATSServerProcess: Sendable {
    public let name: String
    public let storeDirectory: String
    let arguments: [String]
    let workDirectory: String
    /// The running process and its ports: `restart()` replaces the process while other tasks
    /// may read `pid` or the ports, so all three are read and written under one lock.
    private let state: Mutex<(process: ChildProcess, clientPort: Int, monitorPort: Int)>

    private var process: ChildProcess { state.withLock { $0.process } }
    public var clientPort: Int { state.withLock { $0.clientPort } }
    public var monitorPort: Int { state.withLock { $0.monitorPort } }

    /// `nats://127.0.0.1:<port>`.
    public var url: String { "nats://127.0.0.1:\(clientPort)" }
    public var pid: Int32 { process.pid }
    public var isRunning: Bool { process.isRunning }

    /// Where the nats-server binary is, or nil.
    public static var binary: String? {
        if let path = ProcessInfo.processInfo.environment["NATS_SERVER_BIN"],
            FileManager.default.isExecutableFile(atPath: path)
        {
            return path
        }
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            let candidate = "\(directory)/nats-server"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// Starts a single server with JetStream on random ports.
    /// - Parameter extraArguments: more flags (`--user`, `--pass`, `-c config` …).
    public static func start(
        jetStream: Bool = true,
        extraArguments: [String] = [],
        configuration: String? = nil,
        name: String = "aether-test"
    ) async throws -> NATSServerProcess {
        let work = try makeTemporaryDirectory(prefix: "nats-\(name)")
        let store = "\(work)/store"
        var arguments = ["-a", "127.0.0.1", "-p", "-1", "-m", "-1", "--ports_file_dir", work, "--server_name", name]
        if jetStream { arguments += ["-js", "-sd", store] }
        if let configuration {
            let path = "\(work)/server.conf"
            try configuration.write(toFile: path, atomically: true, encoding: .utf8)
            arguments += ["-c", path]
        }
        arguments += extraArguments
        let server = try await NATSServerProcess(
            name: name,
            arguments: arguments,
            work: work,
            store: store,
            clientPort: 0,
            monitorPort: 0
        )
        try await server.waitUntilReady()
        return server
    }

    init(name: String, arguments: [String], work: String, store: String, clientPort: Int, monitorPort: Int) async throws
    {
        self.name = name
        self.arguments = arguments
        self.workDirectory = work
        self.storeDirectory = store
        let process = try await Self.launch(arguments: arguments, log: "\(work)/server.log")
        self.state = Mutex((process, clientPort, monitorPort))
    }

    private static func launch(arguments: [String], log: String) async throws -> ChildProcess {
        guard let binary else {
            throw NATSError(
                code: .connectionFailed,
                message: "nats-server not found: set NATS_SERVER_BIN or put it on PATH"
            )
        }
        return try await ChildProcess.start(binary, arguments, stdout: .file(log), stderr: .file(log))
    }

    /// Waits for the ports file (random ports) and then for `/healthz` to answer 200.
    func waitUntilReady(timeout: Duration = .seconds(40)) async throws {
        let deadline = ContinuousClock.now + timeout
        if clientPort == 0 {
            let portsFile = "\(workDirectory)/nats-server_\(process.pid).ports"
            while true {
                if let data = FileManager.default.contents(atPath: portsFile),
                    let ports = try? JSONDecoder().decode(PortsFile.self, from: data),
                    let client = ports.nats?.first.flatMap(Self.port(of:)),
                    let monitor = ports.monitoring?.first.flatMap(Self.port(of:))
                {
                    state.withLock { state in
                        state.clientPort = client
                        state.monitorPort = monitor
                    }
                    break
                }
                try await pollOrFail(deadline, "ports file of \(name)")
            }
        }
        while await !Self.healthy(port: monitorPort) {
            try await pollOrFail(deadline, "/healthz of \(name)")
        }
    }

    private func pollOrFail(_ deadline: ContinuousClock.Instant, _ what: String) async throws {
        if !process.isRunning {
            throw NATSError(
                code: .connectionFailed,
                message: "nats-server \(name) exited (\(process.termination.map { "\($0)" } ?? "?")); log: \(logTail())"
            )
        }
        if ContinuousClock.now > deadline {
            throw NATSError(code: .timeout, message: "timed out waiting for \(what); log: \(logTail())")
        }
        try await Task.sleep(for: .milliseconds(20))
    }

    /// The last lines of the server's log.
    public func logTail(lines: Int = 15) -> String {
        let text = (try? String(contentsOfFile: "\(workDirectory)/server.log", encoding: .utf8)) ?? ""
        return text.split(separator: "\n").suffix(lines).joined(separator: "\n")
    }

    private struct PortsFile: Decodable {
        var nats: [String]?
        var monitoring: [String]?
    }

    private static func port(of url: String) -> Int? {
        url.split(separator: ":").last.flatMap { Int($0) }
    }

    /// Sends a signal.
    public func signal(_ signal: Int32) {
        process.signal(signal)
    }

    /// SIGKILL, at once and without waiting (a fault injected at an exact point); `stop()` and
    /// `restart()` wait for the end.
    public func kill9() {
        process.killNow()
    }

    /// SIGSTOP: the server freezes, sockets stay open.
    public func pause() { signal(SIGSTOP) }
    /// SIGCONT.
    public func resume() { signal(SIGCONT) }

    /// Stops the server (SIGTERM, then SIGKILL if it lingers) and waits for it, without blocking
    /// a thread.
    public func stop() async {
        guard process.isRunning else { return }
        await process.terminate(grace: .seconds(10))
    }

    /// Starts the server again on the same ports and store; waits until it is ready.
    public func restart() async throws {
        await stop()
        var arguments = self.arguments
        if let index = arguments.firstIndex(of: "-p") { arguments[index + 1] = "\(clientPort)" }
        if let index = arguments.firstIndex(of: "-m") { arguments[index + 1] = "\(monitorPort)" }
        let process = try await Self.launch(arguments: arguments, log: "\(workDirectory)/server.log")
        state.withLock { $0.process = process }
        try await waitUntilReady()
    }

    /// Starts the server again on the same ports and store with a new configuration (a
    /// password rotated, say), for a server started with `configuration`.
    public func restart(configuration: String) async throws {
        try configuration.write(toFile: "\(workDirectory)/server.conf", atomically: true, encoding: .utf8)
        try await restart()
    }

    /// Ends the server at once (SIGKILL: test servers are disposable) and removes its directory.
    public func shutdown() {
        if process.isRunning { kill9() }
        try? FileManager.default.removeItem(atPath: workDirectory)
    }

    // MARK: helpers

    static func makeTemporaryDirectory(prefix: String) throws -> String {
        let path = NSTemporaryDirectory() + "\(prefix)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// `GET /healthz` on the monitoring port returns 200.
    static func healthy(port: Int) async -> Bool {
        guard let response = await httpGet(port: port, path: "/healthz") else { return false }
        return response.hasPrefix("HTTP/1.1 200") || response.hasPrefix("HTTP/1.0 200")
    }

    /// A minimal HTTP GET to 127.0.0.1 (the monitoring endpoint only): the whole response, or nil
    /// when the port does not answer within `timeout`. Runs on NIO's event loop.
    public static func httpGet(port: Int, path: String, timeout: Duration = .seconds(2)) async -> String? {
        await withTimeout(timeout) {
            do {
                let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                    .connectTimeout(.init(timeout))
                    .connect(host: "127.0.0.1", port: port) { channel in
                        channel.eventLoop.makeCompletedFuture {
                            try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                        }
                    }
                return try await channel.executeThenClose { inbound, outbound in
                    try await outbound.write(ByteBuffer(string: "GET \(path) HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n"))
                    var response = ByteBuffer()
                    for try await var chunk in inbound { response.writeBuffer(&chunk) }
                    return String(buffer: response)
                }
            } catch {
                return nil
            }
        }
    }

    /// A TCP port that was free a moment ago.
    public static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// Three (or more) nats-servers in one JetStream cluster on loopback, from config files with
/// route ports chosen free at start.
public final class NATSClusterProcess: Sendable {
    public let servers: [NATSServerProcess]

    /// Client URLs of every server.
    public var urls: [String] { servers.map(\.url) }

    /// Starts the cluster. Its ports are chosen free before the servers start, so another
    /// process can take one meanwhile (tests run in parallel): a server that then cannot bind
    /// is stopped with the others and the cluster starts again on other ports, up to 5 times.
    public static func start(size: Int = 3, name: String = "C1") async throws -> NATSClusterProcess {
        var attempt = 1
        while true {
            let servers = try await launch(size: size, name: name)
            do {
                for server in servers { try await server.waitUntilReady() }
                try await waitForMetaPeers(servers)
                return NATSClusterProcess(servers: servers)
            } catch {
                let portTaken = servers.contains { $0.logTail(lines: 50).contains("address already in use") }
                for server in servers {
                    await server.stop()
                    server.shutdown()
                }
                guard portTaken, attempt < 5 else { throw error }
                attempt += 1
            }
        }
    }

    /// `/healthz` answers before the meta leader knows every peer as current, and an R3 stream
    /// created then is refused ("no suitable peers for placement", 10005): waits (at most 40 s,
    /// as nats-server's own test helpers do) until the meta leader's `/jsz` lists every other
    /// server as a current replica.
    static func waitForMetaPeers(_ servers: [NATSServerProcess]) async throws {
        let deadline = ContinuousClock.now + .seconds(40)
        while true {
            for server in servers {
                guard let response = await NATSServerProcess.httpGet(port: server.monitorPort, path: "/jsz"),
                    let body = response.range(of: "\r\n\r\n").map({ response[$0.upperBound...] }),
                    let object = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any],
                    let meta = object["meta_cluster"] as? [String: Any],
                    // The leader's own view: it places the replicas.
                    meta["leader"] as? String == server.name,
                    let replicas = meta["replicas"] as? [[String: Any]]
                else { continue }
                let current = replicas.filter { ($0["current"] as? Bool) == true }.count
                if current >= servers.count - 1 { return }
            }
            if ContinuousClock.now > deadline {
                throw NATSError(
                    code: .timeout,
                    message: "timed out waiting for the JetStream meta leader to know every peer"
                )
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    private static func launch(size: Int, name: String) async throws -> [NATSServerProcess] {
        let clientPorts = (0..<size).map { _ in NATSServerProcess.freePort() }
        let monitorPorts = (0..<size).map { _ in NATSServerProcess.freePort() }
        let routePorts = (0..<size).map { _ in NATSServerProcess.freePort() }
        var servers: [NATSServerProcess] = []
        for index in 0..<size {
            let serverName = "n\(index + 1)"
            let work = try NATSServerProcess.makeTemporaryDirectory(prefix: "nats-\(name)-\(serverName)")
            let routes = routePorts.enumerated().filter { $0.offset != index }.map {
                "\"nats://127.0.0.1:\($0.element)\""
            }
            let config = """
                server_name: \(serverName)
                listen: 127.0.0.1:\(clientPorts[index])
                http: 127.0.0.1:\(monitorPorts[index])
                jetstream { store_dir: "\(work)/store" }
                cluster {
                  name: \(name)
                  listen: 127.0.0.1:\(routePorts[index])
                  routes: [\(routes.joined(separator: ", "))]
                }
                """
            try config.write(toFile: "\(work)/server.conf", atomically: true, encoding: .utf8)
            servers.append(
                try await NATSServerProcess(
                    name: serverName,
                    arguments: ["-c", "\(work)/server.conf"],
                    work: work,
                    store: "\(work)/store",
                    clientPort: clientPorts[index],
                    monitorPort: monitorPorts[index]
                )
            )
        }
        return servers
    }

    init(servers: [NATSServerProcess]) {
        self.servers = servers
    }

    public func shutdown() {
        for server in servers { server.shutdown() }
    }
}
