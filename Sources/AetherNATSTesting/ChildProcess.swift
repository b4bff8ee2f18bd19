import AetherNATS
import Dispatch
import Foundation
import Subprocess
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

#if canImport(System)
import System
#else
import SystemPackage
#endif

/// A child process for tests, benchmarks and the test servers, run by swift-subprocess.
///
/// Subprocess spawns it (default signal handling, an empty signal mask, its own working
/// directory) and reaps it. Nothing here blocks a thread: the end of the process is awaited on
/// its process descriptor (a pidfd, readable once the process has exited), and every wait is a
/// continuation resumed when that happens or when its timeout passes.
///
/// Signals are sent synchronously with `kill(2)` under the lock that also records the exit.
/// Subprocess reaps the process only after the run's body has returned, and the body returns
/// only after it has recorded the exit under that lock; so a signal can reach the process or
/// its zombie, never another process that was given the same pid later.
public final class ChildProcess: Sendable {
    /// Where a standard stream goes.
    public enum Output: Sendable {
        case null
        /// Appended to the file at this path (created if missing).
        case file(String)
    }

    public enum Termination: Sendable, Equatable {
        case exited(Int32)
        case signalled(Int32)

        /// True for exit code 0.
        public var succeeded: Bool { self == .exited(0) }
    }

    public let pid: pid_t
    private let shared: Shared
    /// Runs the process from spawn to reaping. Owned here: `wait` awaits what it records, and
    /// `deinit` kills the process, so the run ends with it.
    private let runner: Task<Void, Never>

    private init(pid: pid_t, shared: Shared, runner: Task<Void, Never>) {
        self.pid = pid
        self.shared = shared
        self.runner = runner
    }

    /// Starts `executable` (a path, or a name looked up on `PATH`) with `arguments`; returns once
    /// it has been spawned.
    public static func start(
        _ executable: String,
        _ arguments: [String] = [],
        environment: [String: String]? = nil,
        directory: String? = nil,
        stdout: Output = .null,
        stderr: Output = .null
    ) async throws -> ChildProcess {
        let configuration = Configuration(
            executable: executable.contains("/") ? .path(FilePath(executable)) : .name(executable),
            arguments: Arguments(arguments),
            environment: environment.map { variables in
                .custom(
                    Dictionary(
                        uniqueKeysWithValues: variables.compactMap { key, value in
                            Environment.Key(rawValue: key).map { ($0, value) }
                        }
                    )
                )
            } ?? .inherit,
            workingDirectory: directory.map { FilePath($0) }
        )
        let out = try open(stdout, executable)
        let err: FileDescriptor
        do { err = try open(stderr, executable) } catch {
            try? out.close()
            throw error
        }
        let shared = Shared()
        let runner = Task {
            do {
                let result = try await Subprocess.run(
                    configuration,
                    input: .none,
                    output: .fileDescriptor(out, closeAfterSpawningProcess: true),
                    error: .fileDescriptor(err, closeAfterSpawningProcess: true)
                ) { execution in
                    let identifier = execution.processIdentifier
                    shared.started(identifier.value)
                    await exit(of: identifier)
                    shared.exited()
                }
                shared.finished(Termination(result.terminationStatus))
            } catch {
                shared.failed(
                    NATSError(code: .connectionFailed, message: "could not start \(executable): \(error)")
                )
            }
        }
        do {
            let pid = try await shared.spawned()
            return ChildProcess(pid: pid, shared: shared, runner: runner)
        } catch {
            await runner.value
            throw error
        }
    }

    /// Runs a command to its end (at most `timeout`, then SIGKILL) and returns its standard
    /// output. Throws when it fails or times out. Waits without blocking a thread.
    @discardableResult
    public static func run(
        _ executable: String,
        _ arguments: [String] = [],
        directory: String? = nil,
        timeout: Duration = .seconds(60)
    ) async throws -> String {
        let output = NSTemporaryDirectory() + "aether-child-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: output) }
        let child = try await start(executable, arguments, directory: directory, stdout: .file(output))
        guard let termination = await child.wait(timeout: timeout) else {
            await child.kill()
            throw NATSError(
                code: .timeout,
                message: "\(executable) \(arguments.first ?? "") did not end within \(timeout)"
            )
        }
        guard termination.succeeded else {
            throw NATSError(
                code: .connectionFailed,
                message: "\(executable) \(arguments.first ?? "") failed: \(termination)"
            )
        }
        return (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
    }

    /// How the process ended, or nil while it runs (never blocks).
    public var termination: Termination? { shared.state.withLock { $0.termination } }

    /// False once the process has exited (it may not be reaped yet).
    public var isRunning: Bool { shared.state.withLock { !$0.exited } }

    /// Sends a signal (nothing once the process has exited).
    public func signal(_ signal: Int32) {
        shared.state.withLock { state in
            if !state.exited, let pid = state.pid { _ = Foundation.kill(pid, signal) }
        }
    }

    /// SIGKILL, without waiting: usable where nothing can be awaited (`defer`). The process
    /// ends at once; `kill()` waits for that.
    public func killNow() {
        signal(SIGKILL)
    }

    /// SIGKILL, then waits for its end.
    public func kill() async {
        signal(SIGKILL)
        _ = await wait(timeout: .seconds(30))
    }

    /// SIGTERM; SIGKILL if it is still there after `grace`. Waits for its end.
    public func terminate(grace: Duration = .seconds(10)) async {
        signal(SIGCONT)
        signal(SIGTERM)
        if await wait(timeout: grace) == nil { await kill() }
    }

    /// Waits for the end, at most `timeout`; nil if it is still running then (or the waiting
    /// task is cancelled).
    public func wait(timeout: Duration) async -> Termination? {
        if let termination { return termination }
        return await withTimeout(timeout) { await self.shared.ended() }
    }

    deinit {
        killNow()
        runner.cancel()
    }

    private static func open(_ output: Output, _ executable: String) throws -> FileDescriptor {
        do {
            switch output {
            case .null: return try FileDescriptor.open("/dev/null", .writeOnly)
            case .file(let path):
                return try FileDescriptor.open(
                    FilePath(path),
                    .writeOnly,
                    options: [.create, .append],
                    permissions: [.ownerReadWrite, .groupRead, .otherRead]
                )
            }
        } catch {
            throw NATSError(code: .connectionFailed, message: "could not start \(executable): output: \(error)")
        }
    }
}

extension ChildProcess.Termination {
    init(_ status: TerminationStatus) {
        switch status {
        case .exited(let code): self = .exited(code)
        case .signaled(let signal): self = .signalled(signal)
        }
    }
}

/// What the run and the callers share, decided under one lock; continuations are resumed
/// outside it.
private final class Shared: Sendable {
    struct State {
        var pid: pid_t?
        var startError: (any Error)?
        var startWaiter: CheckedContinuation<pid_t, any Error>?
        var exited = false
        var termination: ChildProcess.Termination?
        var waiters: [Int: CheckedContinuation<ChildProcess.Termination?, Never>] = [:]
        var nextWaiter = 0
    }

    let state = Mutex(State())

    func started(_ pid: pid_t) {
        let waiter = state.withLock { state in
            state.pid = pid
            return state.startWaiter.take()
        }
        waiter?.resume(returning: pid)
    }

    func failed(_ error: any Error) {
        let (start, waiters) = state.withLock { state in
            state.startError = error
            state.exited = true
            if state.pid != nil, state.termination == nil { state.termination = .exited(-1) }
            defer { state.waiters = [:] }
            return (state.startWaiter.take(), state.waiters.values)
        }
        start?.resume(throwing: error)
        for waiter in waiters { waiter.resume(returning: .exited(-1)) }
    }

    func exited() {
        state.withLock { $0.exited = true }
    }

    func finished(_ termination: ChildProcess.Termination) {
        let waiters = state.withLock { state in
            state.exited = true
            state.termination = termination
            defer { state.waiters = [:] }
            return state.waiters.values
        }
        for waiter in waiters { waiter.resume(returning: termination) }
    }

    /// The pid once spawned, or the reason it was not.
    func spawned() async throws -> pid_t {
        try await withCheckedThrowingContinuation { continuation in
            let ready: Result<pid_t, any Error>? = state.withLock { state in
                if let pid = state.pid { return .success(pid) }
                if let error = state.startError { return .failure(error) }
                state.startWaiter = continuation
                return nil
            }
            if let ready { continuation.resume(with: ready) }
        }
    }

    /// The termination once the process has been reaped; nil if the waiting task is cancelled.
    func ended() async -> ChildProcess.Termination? {
        let id = state.withLock { state in
            defer { state.nextWaiter += 1 }
            return state.nextWaiter
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let now: ChildProcess.Termination?? = state.withLock { state in
                    if let termination = state.termination { return .some(termination) }
                    if Task.isCancelled { return .some(nil) }
                    state.waiters[id] = continuation
                    return nil
                }
                if let now { continuation.resume(returning: now) }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.resume(returning: nil)
        }
    }
}

/// Returns once the process has exited, without reaping it: its process descriptor (pidfd)
/// becomes readable then. A check every 500 ms backs the notification up, so a missed one
/// costs half a second, not the caller's timeout. Where the platform gives no descriptor,
/// polls.
private func exit(of process: ProcessIdentifier) async {
    #if os(Linux)
    let descriptor = process.processDescriptor
    if descriptor >= 0 {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await readable(descriptor) }
            group.addTask {
                while !Task.isCancelled, !hasExited(process.value) {
                    try? await Task.sleep(for: .milliseconds(500))
                }
            }
            await group.next()
            group.cancelAll()
        }
        return
    }
    #endif
    // No descriptor: polls until the process is a zombie (or gone), without reaping it.
    var pause = Duration.milliseconds(1)
    while !hasExited(process.value) {
        try? await Task.sleep(for: pause)
        pause = min(pause * 2, .milliseconds(20))
    }
}

#if os(Linux)
/// Returns once `descriptor` is readable, or at once when the task is cancelled.
private func readable(_ descriptor: CInt) async {
    let waiter = Mutex<CheckedContinuation<Void, Never>?>(nil)
    var source: (any DispatchSourceRead)?
    await withTaskCancellationHandler {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let cancelled = waiter.withLock { waiting -> Bool in
                if Task.isCancelled { return true }
                waiting = continuation
                return false
            }
            if cancelled {
                continuation.resume()
                return
            }
            let readable = DispatchSource.makeReadSource(fileDescriptor: descriptor, queue: .global())
            readable.setEventHandler { waiter.withLock { $0.take() }?.resume() }
            readable.resume()
            source = readable
        }
    } onCancel: {
        waiter.withLock { $0.take() }?.resume()
    }
    // Resumed before it is cancelled and released (a suspended source must not be released).
    source?.cancel()
}
#endif

private func hasExited(_ pid: pid_t) -> Bool {
    #if os(Linux)
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return true }
    return stat.split(separator: ")").last?.dropFirst().first == "Z"
    #else
    var info = siginfo_t()
    return waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT) != 0 || info.si_pid != 0
    #endif
}
