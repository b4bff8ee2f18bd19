import AetherNATS
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A child process started with `posix_spawn` and reaped with `waitpid`, for tests, benchmarks
/// and the test servers.
///
/// Foundation's `Process.waitUntilExit()` on Linux waits for a SIGCHLD-driven notification on a
/// run loop; we saw it hang for good after the child had exited (a zombie nobody reaped), which
/// stalled a whole CI run. This type asks the kernel directly: `waitpid` on the child's own pid.
public final class ChildProcess: Sendable {
    /// Where a standard stream goes.
    public enum Output: Sendable {
        case null
        /// Appended to the file at this path (created if missing).
        case file(String)
    }

    public let pid: pid_t
    /// The exit status once reaped: `exited(code)` or `signalled(signal)`.
    private let status = Mutex<Termination?>(nil)

    public enum Termination: Sendable, Equatable {
        case exited(Int32)
        case signalled(Int32)

        /// True for exit code 0.
        public var succeeded: Bool { self == .exited(0) }
    }

    /// Starts `executable` (a path, or a name looked up on `PATH`) with `arguments`.
    public init(
        _ executable: String,
        _ arguments: [String] = [],
        environment: [String: String]? = nil,
        directory: String? = nil,
        stdout: Output = .null,
        stderr: Output = .null
    ) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        for (fd, output) in [(Int32(1), stdout), (Int32(2), stderr)] {
            switch output {
            case .null: posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", O_WRONLY, 0)
            case .file(let path):
                posix_spawn_file_actions_addopen(&actions, fd, path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
            }
        }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // The child starts with default signal handling and an empty mask, whatever ours are.
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigdefault(&attributes, &all)
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        // Glibc's addchdir file action is not visible to Swift: a shell changes directory first.
        let (program, argv) =
            directory.map { ("/bin/sh", ["/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", $0, executable] + arguments) }
            ?? (executable, [executable] + arguments)
        let env = (environment ?? ProcessInfo.processInfo.environment).map { "\($0.key)=\($0.value)" }
        var child: pid_t = 0
        let result = withCStrings(argv) { argvPointers in
            withCStrings(env) { envPointers in
                posix_spawnp(&child, program, &actions, &attributes, argvPointers, envPointers)
            }
        }
        guard result == 0 else {
            throw NATSError(
                code: .connectionFailed,
                message: "could not start \(executable): \(String(cString: strerror(result)))"
            )
        }
        pid = child
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
        let child = try ChildProcess(executable, arguments, directory: directory, stdout: .file(output))
        guard let termination = await child.wait(timeout: timeout) else {
            child.killNow()
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

    /// `run`, for commands that end in milliseconds (tmux's own commands): it blocks its thread
    /// while the command runs, at most `timeout`.
    @discardableResult
    public static func runBlocking(
        _ executable: String,
        _ arguments: [String] = [],
        timeout: Duration = .seconds(10)
    ) throws -> String {
        let output = NSTemporaryDirectory() + "aether-child-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: output) }
        let child = try ChildProcess(executable, arguments, stdout: .file(output))
        let deadline = ContinuousClock.now + timeout
        while child.isRunning {
            if ContinuousClock.now >= deadline {
                child.killNow()
                throw NATSError(
                    code: .timeout,
                    message: "\(executable) \(arguments.first ?? "") did not end within \(timeout)"
                )
            }
            usleep(500)
        }
        guard let termination = child.termination, termination.succeeded else {
            throw NATSError(
                code: .connectionFailed,
                message: "\(executable) \(arguments.first ?? "") failed: \(child.termination.map { "\($0)" } ?? "?")"
            )
        }
        return (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
    }

    /// How the process ended, or nil while it runs (never blocks).
    public var termination: Termination? {
        status.withLock { status in
            if status == nil { status = Self.reap(pid, options: WNOHANG) }
            return status
        }
    }

    public var isRunning: Bool { termination == nil }

    /// Sends a signal (nothing once it has been reaped).
    public func signal(_ signal: Int32) {
        status.withLock { status in
            if status == nil { _ = Foundation.kill(pid, signal) }
        }
    }

    /// SIGKILL, then reaps it: a process killed so ends at once, so the reaping `waitpid` returns
    /// within microseconds; usable where nothing can be awaited (`defer`, `deinit`).
    public func killNow() {
        status.withLock { status in
            guard status == nil else { return }
            _ = Foundation.kill(pid, SIGKILL)
            status = Self.reap(pid, options: 0)
        }
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
        if await wait(timeout: grace) == nil { killNow() }
    }

    /// Waits for the end, at most `timeout`; nil if it is still running then. Polls `waitpid`
    /// without blocking (`WNOHANG`) and sleeps between polls, so no thread of the cooperative pool
    /// is held while the process runs.
    public func wait(timeout: Duration) async -> Termination? {
        let deadline = ContinuousClock.now + timeout
        var pause = Duration.milliseconds(1)
        while true {
            if let termination { return termination }
            if ContinuousClock.now >= deadline { return nil }
            do { try await Task.sleep(for: pause) } catch { return termination }
            pause = min(pause * 2, .milliseconds(20))
        }
    }

    deinit {
        killNow()
    }

    private static func reap(_ pid: pid_t, options: Int32) -> Termination? {
        var raw: Int32 = 0
        while true {
            let result = waitpid(pid, &raw, options)
            if result == pid { break }
            if result == -1 && errno == EINTR { continue }
            // 0: still running. -1 (ECHILD): reaped elsewhere; report it as gone.
            return result == 0 ? nil : .exited(-1)
        }
        let low = raw & 0x7f
        return low == 0 ? .exited((raw >> 8) & 0xff) : .signalled(low)
    }
}

/// Calls `body` with a NULL-terminated array of C strings.
private func withCStrings<R>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> R) -> R {
    let pointers = strings.map { strdup($0) } + [nil]
    defer { for pointer in pointers { free(pointer) } }
    return body(pointers)
}
