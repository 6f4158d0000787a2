import Foundation
import HostCore

/// The cluster simulator as a child process: `kubeflow-mcp-sim`, next to this executable. It lives in
/// its own binary so that `serve` maps neither it nor its data; `--sim` starts it on a random loopback
/// port and connects to it over HTTP like to any cluster.
///
/// It never outlives us: it runs with `--exit-when-stdin-closes`, and its stdin and stdout are one
/// socket whose other end only we hold (close-on-exec, so no other child inherits it), which the kernel
/// closes however we end. We read what it prints there, so nothing reaches the MCP stream; its stderr is ours.
final class SimulatorProcess: @unchecked Sendable {
    static let executableName = "kubeflow-mcp-sim"
    /// A loaded machine starts it in well under a second; this is for one that is stuck.
    static let readyTimeout: TimeInterval = 30

    let pid: pid_t
    private let lock = NSCondition()
    private let channel: Int32   // our end of its stdin and stdout; shutting down our writing stops it
    private var output = ""      // what it printed before it was ready, for an error message
    private var ready = false
    private var closed = false   // its stdout reached end of file (it exited) and `channel` is closed
    private var stopped = false

    /// Where the simulator binary must be: beside this one (/proc/self/exe, so symlinks work).
    static func executablePath() throws -> String {
        let directory = (HostOptions.currentExecutablePath() as NSString).deletingLastPathComponent
        let path = (directory as NSString).appendingPathComponent(executableName)
        guard access(path, X_OK) == 0 else {
            throw SimulatorError("the cluster simulator is its own executable, \(executableName), and it is not at \(path): "
                + "build it with `swift build --product \(executableName)` or install it next to kubeflow-mcp")
        }
        return path
    }

    /// Start it writing a kubeconfig to `kubeconfigOut`, and return once it has (it is serving then).
    static func start(kubeconfigOut: String, timeScale: Double?) throws -> SimulatorProcess {
        let path = try executablePath()
        var arguments = [path, "--kubeconfig-out", kubeconfigOut, "--exit-when-stdin-closes"]
        if let timeScale { arguments.append("--time-scale=\(timeScale)") }  // "=": a negative value is not a flag
        let process = try spawn(path, arguments)
        try process.waitUntilReady(path: path)
        return process
    }

    private init(pid: pid_t, channel: Int32) {
        self.pid = pid
        self.channel = channel
    }

    /// The reader thread holds us until the child exits, so this only reaps it; a serving child
    /// is stopped by `stop()` or, at our exit, by its stdin closing.
    deinit { stop() }

    /// Close its stdin and reap it; a child that does not exit at once is killed.
    func stop() {
        let first = lock.withLock {
            defer { stopped = true }
            // Not close: the reader thread may be in read() on it, and closes it (under this lock,
            // so the number is never shut down after it was reused).
            if !stopped && !closed { shutdown(channel, Int32(SHUT_WR)) }
            return !stopped
        }
        guard first else { return }
        var status: Int32 = 0
        for _ in 0..<200 {
            if waitpid(pid, &status, WNOHANG) != 0 { return }
            usleep(10_000)
        }
        kill(pid, SIGKILL)
        waitpid(pid, &status, 0)
    }

    private static func spawn(_ path: String, _ arguments: [String]) throws -> SimulatorProcess {
        var fds: [Int32] = [0, 0]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &fds) == 0 else {
            throw SimulatorError("could not start the cluster simulator: socketpair: \(String(cString: strerror(errno)))")
        }
        let (ours, theirs) = (fds[0], fds[1])
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, theirs, STDIN_FILENO)
        posix_spawn_file_actions_adddup2(&actions, theirs, STDOUT_FILENO)
        var pid: pid_t = 0
        let rc = withCStrings(arguments) { argv in posix_spawn(&pid, path, &actions, nil, argv, environ) }
        close(theirs)
        guard rc == 0 else {
            close(ours)
            throw SimulatorError("could not start \(path): \(String(cString: strerror(rc)))")
        }
        let process = SimulatorProcess(pid: pid, channel: ours)
        let reader = Thread { process.readOutput() }
        reader.name = "simulator-output"
        reader.start()
        return process
    }

    /// Lines until "kubeconfig written", then read and dropped until it exits (a full pipe would block it).
    private func readOutput() {
        var buffer = [UInt8](repeating: 0, count: 4096)
        var pending = ""
        while true {
            let n = read(channel, &buffer, buffer.count)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            if lock.withLock({ ready }) { continue }
            pending += String(decoding: buffer[0..<n], as: UTF8.self)
            while let newline = pending.firstIndex(of: "\n") {
                let line = String(pending[..<newline])
                pending = String(pending[pending.index(after: newline)...])
                lock.withLock {
                    output += line + "\n"
                    if line.hasPrefix("kubeconfig written") { ready = true; lock.broadcast() }
                }
            }
        }
        lock.withLock {
            close(channel)
            closed = true
            lock.broadcast()
        }
    }

    private func waitUntilReady(path: String) throws {
        let deadline = Date().addingTimeInterval(Self.readyTimeout)
        let (isReady, hasExited, printed) = lock.withLock {
            while !ready && !closed && lock.wait(until: deadline) {}
            return (ready, closed, output)
        }
        if isReady { return }
        stop()
        let said = printed.isEmpty ? "" : "; it printed: " + printed.trimmingCharacters(in: .whitespacesAndNewlines)
        if hasExited {
            throw SimulatorError("the cluster simulator (\(path)) exited before it was serving (its error is above on stderr)\(said)")
        }
        throw SimulatorError("the cluster simulator (\(path)) did not start within \(Int(Self.readyTimeout)) s\(said)")
    }
}

struct SimulatorError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A NULL-terminated C string array for posix_spawn and execv, valid during `body`.
func withCStrings<R>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> R) -> R {
    var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
    pointers.append(nil)
    defer { pointers.forEach { free($0) } }
    return body(pointers)
}
