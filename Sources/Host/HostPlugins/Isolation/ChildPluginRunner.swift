import CSandbox
import Foundation
import HostBase
import KFJSON
import PluginABI

#if canImport(Glibc)
import Glibc
#endif

/// Runs a plugin in a `kubeflow-mcp plugin-host LIB` child process (the child
/// side is PluginHostChild). A crash, abort or exit in the plugin ends only
/// the child: the calls it was running fail with a sentence naming the plugin
/// and the tool, and the next call starts a new child (after a backoff that
/// doubles with each crash in a row). Host services the child asks for run
/// here, through the same C entry points an in-process plugin calls, so
/// policy, audit and credentials stay in the host.
final class ChildPluginRunner: PluginRunner, @unchecked Sendable {
    /// The host's private copy the child loads, and the operator's file it was copied from.
    let path: String
    let original: String
    let executable: String
    let context: PluginContext
    /// The parent's host struct for this plugin: services run through it.
    let host: UnsafeMutablePointer<kfmcp_host_v1>
    /// A cancelled call still running after this long gets its child killed.
    static let stopGrace: TimeInterval = 2
    static let loadTimeout: TimeInterval = 15

    private let lock = NSLock()
    private var child: Child?
    private var crashesInARow = 0
    private var nextStart = Date.distantPast
    private var nextCall = 1
    /// Calls between their start and their answer; a retired runner stops its child when the last one ends.
    private var inFlight = 0
    private var retired = false
    /// The tool names of the first load; a restarted child must declare the same.
    var toolNames: [String] = []
    /// What the last child started said of its sandbox (its own lock: `lock` is held while a child loads).
    private let sandboxLock = NSLock()
    private var sandbox: PluginSandbox.Report?

    /// The layers that hold in the child (for `plugins list`).
    var sandboxLayers: [String] {
        let report = sandboxLock.withLock { sandbox } ?? PluginSandbox.report(from: nil)
        return PluginSandbox.Layer.allCases.filter { report[$0] == nil }.map(\.rawValue)
    }

    fileprivate func noteSandbox(_ report: PluginSandbox.Report) {
        sandboxLock.withLock { sandbox = report }
        SandboxNotices.shared.note(report, log: log)
    }

    init(path: String, original: String? = nil, executable: String, context: PluginContext) {
        self.path = path
        self.original = original ?? path
        self.executable = executable
        self.context = context
        self.host = context.host.makeHost(for: context)
    }

    private var log: Log { context.host.log }

    // MARK: Loading

    /// Start a child and load the plugin in it: its manifest, or why not.
    func load() -> Result<RawManifest, ManifestReader.Problem> {
        lock.withLock { startChild() }
    }

    private func startChild() -> Result<RawManifest, ManifestReader.Problem> {
        let child: Child
        do { child = try Child.spawn(executable: executable, library: path, runner: self) } catch {
            return .failure(.init(message: "could not start a plugin-host process: \(error)"))
        }
        let limits = SandboxLimits.from(environment: ProcessInfo.processInfo.environment)
        child.channel.send(["op": "load", "config": context.config, "sandbox": limits.json, "original": .string(original)])
        switch child.waitLoaded(timeout: Self.loadTimeout) {
        case .success(let manifest):
            self.child = child
            return .success(manifest)
        case .failure(let problem):
            child.kill()
            return .failure(problem)
        }
    }

    /// The running child, restarted after a crash once the backoff has passed.
    private func liveChild(for what: String) -> Result<Child, PluginCallFailure> {
        lock.withLock {
            if let child, !child.isDead { return .success(child) }
            let wait = nextStart.timeIntervalSinceNow
            if wait > 0 {
                return .failure(.init("is restarting after a crash; \(what) can be called again in \(String(format: "%.1f", wait)) s"))
            }
            switch startChild() {
            case .failure(let problem):
                noteCrash()
                return .failure(.init("could not be restarted for \(what): \(problem.message)"))
            case .success(let manifest):
                let names = manifest.tools.compactMap(\.name)
                guard names == toolNames else {
                    child?.kill()
                    child = nil
                    noteCrash()
                    return .failure(.init("declared other tools when restarted (\(names.joined(separator: ", "))); \(what) is not served"))
                }
                log.info("plugin \(context.name) restarted in process \(child!.pid)", source: "plugins")
                return .success(child!)
            }
        }
    }

    /// Called with the lock held.
    private func noteCrash() {
        // The first crash restarts at once; crashes in a row wait 0.25 s, 0.5 s, … up to 30 s.
        crashesInARow += 1
        let delay = crashesInARow == 1 ? 0 : min(0.25 * pow(2, Double(crashesInARow - 2)), 30)
        nextStart = Date().addingTimeInterval(delay)
    }

    fileprivate func childDied(_ child: Child, status: String) {
        lock.withLock {
            if self.child === child {
                self.child = nil
                noteCrash()
            }
        }
    }

    // MARK: Calls

    func invoke(tool: String, arguments: JSON, call: any PluginCall) -> Result<RawAnswer, PluginCallFailure> {
        run(what: "tool '\(tool)'", call: call, ["op": "invoke", "tool": .string(tool), "input": .string(arguments.serialized())])
    }

    func invokeBackend(id: String, op: String, input: JSON, call: any PluginCall) -> Result<RawAnswer, PluginCallFailure> {
        run(what: "backend \(id) operation \(op)", call: call,
            ["op": "backend", "backend": .string(id), "operation": .string(op), "input": .string(input.serialized())])
    }

    private func run(what: String, call: any PluginCall, _ message: [String: JSON]) -> Result<RawAnswer, PluginCallFailure> {
        lock.withLock { inFlight += 1 }
        defer {
            let stop = lock.withLock { () -> Bool in
                inFlight -= 1
                return retired && inFlight == 0
            }
            if stop { shutdown() }
        }
        let child: Child
        switch liveChild(for: what) {
        case .failure(let f): return .failure(f)
        case .success(let c): child = c
        }
        let id = lock.withLock { () -> Int in
            defer { nextCall += 1 }
            return nextCall
        }
        let slot = CallSlot(state: call, what: what)
        var m = message
        m["call"] = .int(id)
        guard child.add(id, slot), child.channel.send(.object(m)) else {
            child.remove(id)
            return .failure(.init("could not be reached for \(what) (its process is gone)"))
        }
        // Forward a cancellation (client, deadline, shutdown); a plugin that
        // does not stop soon after loses its process.
        var cancelledAt: Date?
        while true {
            if let outcome = slot.wait(timeout: 0.05) {
                child.remove(id)
                if case .success = outcome { lock.withLock { if self.child === child { crashesInARow = 0 } } }
                return outcome
            }
            if cancelledAt == nil && (call.isCancelled || context.host.isShuttingDown) {
                cancelledAt = Date()
                child.channel.send(["op": "cancel", "call": .int(id)])
            }
            if let at = cancelledAt, Date().timeIntervalSince(at) > Self.stopGrace {
                log.error("plugin \(context.name): \(what) did not stop within \(Int(Self.stopGrace)) s of being cancelled; killing its process \(child.pid)",
                          source: "plugins")
                slot.finish(.failure(.init("did not stop \(what) after it was cancelled; its process was killed and will be restarted")))
                child.kill()
            }
        }
    }

    /// A call that looked this runner up just before the swap still runs (on a
    /// child started again if need be); the last call out stops the child.
    func retire() {
        let idle = lock.withLock { () -> Bool in
            retired = true
            return inFlight == 0
        }
        if idle { shutdown() }
    }

    func shutdown() {
        let c = lock.withLock { () -> Child? in
            defer { child = nil }
            return child
        }
        c?.shutdown()
    }

    // MARK: Services asked for by the child

    /// Runs on a thread of its own: a service may block (Kubernetes requests).
    fileprivate func serve(_ message: JSON, child: Child) {
        let re = message["re"] ?? .null
        func reply(_ rc: Int32, _ out: UnsafeMutablePointer<CChar>?) {
            var r: JSON = ["op": "reply", "re": re, "rc": .int(Int(rc))]
            if let out {
                r["out"] = .string(String(cString: out))
                host.pointee.free?(host, out)
            }
            child.channel.send(r)
        }
        let name = message["name"]?.string ?? ""
        if name == "list_backends" {
            var out: UnsafeMutablePointer<CChar>?
            let rc = host.pointee.list_backends?(host, &out) ?? KFMCP_ERR_INTERNAL
            return reply(rc, out)
        }
        // Every other service belongs to a call that is running now.
        guard let callID = message["call"]?.int, let slot = child.slot(callID) else { return reply(KFMCP_ERR_NO_CALL, nil) }
        slot.state.withPointer { call in
            var out: UnsafeMutablePointer<CChar>?
            var rc = KFMCP_ERR_UNKNOWN
            let s = { (key: String) in message[key]?.string ?? "" }
            switch name {
            case "k8s_request":
                rc = host.pointee.k8s_request?(host, call, s("request"), &out) ?? KFMCP_ERR_INTERNAL
            case "k8s_stream":
                let relay = StreamRelay(channel: child.channel, re: re)
                child.addStream(re, relay)
                defer { child.removeStream(re) }
                rc = withExtendedLifetime(relay) {
                    host.pointee.k8s_stream?(host, call, s("request"), relayLine,
                                             Unmanaged.passUnretained(relay).toOpaque(), &out) ?? KFMCP_ERR_INTERNAL
                }
            case "call_backend":
                rc = host.pointee.call_backend?(host, call, s("backend"), s("operation"), s("input"), &out) ?? KFMCP_ERR_INTERNAL
            case "call_context":
                rc = host.pointee.call_context?(host, call, &out) ?? KFMCP_ERR_INTERNAL
            case "call_tool":
                if let ext = host.pointee.get_extension?(host, KFMCP_EXT_TOOLS)?.assumingMemoryBound(to: kfmcp_tools_ext_v1.self) {
                    rc = ext.pointee.call_tool?(host, call, s("tool"), s("input"), &out) ?? KFMCP_ERR_INTERNAL
                }
            default:
                break
            }
            reply(rc, out)
        }
    }
}

/// Streamed lines of a k8s_stream go to the child as they come; the child says
/// when its on_line wants no more.
final class StreamRelay: @unchecked Sendable {
    let channel: PipeChannel
    let re: JSON
    private let lock = NSLock()
    private var stopped = false
    init(channel: PipeChannel, re: JSON) {
        self.channel = channel
        self.re = re
    }
    func stop() { lock.withLock { stopped = true } }
    func line(_ text: String) -> Bool {
        if lock.withLock({ stopped }) { return false }
        return channel.send(["op": "line", "re": re, "line": .string(text)])
    }
}

private let relayLine: @convention(c) (UnsafeMutableRawPointer?, UnsafePointer<CChar>?) -> Int32 = { data, line in
    guard let data, let line else { return 1 }
    return Unmanaged<StreamRelay>.fromOpaque(data).takeUnretainedValue().line(String(cString: line)) ? 0 : 1
}

/// A call waiting for its child's answer.
final class CallSlot: @unchecked Sendable {
    let state: any PluginCall
    let what: String
    private let condition = NSCondition()
    private var outcome: Result<RawAnswer, PluginCallFailure>?
    init(state: any PluginCall, what: String) {
        self.state = state
        self.what = what
    }
    func finish(_ o: Result<RawAnswer, PluginCallFailure>) {
        condition.withLock {
            if outcome == nil { outcome = o }
            condition.broadcast()
        }
    }
    func wait(timeout: TimeInterval) -> Result<RawAnswer, PluginCallFailure>? {
        condition.withLock {
            if outcome == nil { _ = condition.wait(until: Date().addingTimeInterval(timeout)) }
            return outcome
        }
    }
}

/// One plugin-host process: its socket, its reader thread, its running calls.
private final class Child: @unchecked Sendable {
    let pid: pid_t
    let channel: PipeChannel
    let runner: ChildPluginRunner  // strong: the reader thread may outlive a refused plugin's runner
    private let lock = NSCondition()
    private var slots: [Int: CallSlot] = [:]
    private var streams: [String: StreamRelay] = [:]
    private var loaded: Result<RawManifest, ManifestReader.Problem>?
    private var dead = false
    var isDead: Bool { lock.withLock { dead } }

    private init(pid: pid_t, fd: Int32, runner: ChildPluginRunner) {
        self.pid = pid
        self.channel = PipeChannel(fd: fd, maxMessage: PluginLimits.channelMessageBytes)  // the child is the plugin's: bounded
        self.runner = runner
    }

    struct SpawnError: Error, CustomStringConvertible { var description: String }

    static func spawn(executable: String, library: String, runner: ChildPluginRunner) throws -> Child {
        var fds: [Int32] = [0, 0]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &fds) == 0 else {
            throw SpawnError(description: "socketpair: \(String(cString: strerror(errno)))")
        }
        // Above the descriptors a child inherits by number, so the dup2 to fd 3 is never a no-op.
        for i in 0..<2 {
            let high = fcntl(fds[i], F_DUPFD_CLOEXEC, 10)
            close(fds[i])
            fds[i] = high
        }
        defer { close(fds[1]) }
        // What the child prints (stdout and stderr) reaches the host's stderr through a pipe the host
        // redacts line by line: nothing it prints can be protocol, and no secret it prints leaves.
        var output: [Int32] = [0, 0]
        guard pipe(&output) == 0 else { throw SpawnError(description: "pipe: \(String(cString: strerror(errno)))") }
        for i in 0..<2 {
            let high = fcntl(output[i], F_DUPFD_CLOEXEC, 10)
            close(output[i])
            output[i] = high
        }
        defer { close(output[1]) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, output[1], 1)
        posix_spawn_file_actions_adddup2(&actions, output[1], 2)
        posix_spawn_file_actions_adddup2(&actions, fds[1], PluginHostChild.socketFD)
        // Nothing of the server's leaks into the child: its listening socket, connections,
        // epoll and libcurl's descriptors are closed in the child, however they were opened.
        kfmcp_spawn_close_from(&actions, PluginHostChild.socketFD + 1)
        // And close-on-exec in the server, for every other process it starts (exec credential plugins).
        _ = kfmcp_cloexec_from(UInt32(STDERR_FILENO + 1))
        let env = ChildEnvironment.build(from: ProcessInfo.processInfo.environment)
        let argv = [executable, "plugin-host", library]
        var pid: pid_t = 0
        let rc = withCStrings(argv) { cargv in
            withCStrings(env) { cenv in posix_spawn(&pid, executable, &actions, nil, cargv, cenv) }
        }
        guard rc == 0 else {
            close(fds[0])
            close(output[0])
            throw SpawnError(description: "posix_spawn \(executable): \(String(cString: strerror(rc)))")
        }
        let printed = output[0]
        let relay = Thread { ChildOutput.relay(printed) }
        relay.name = "plugin-host-output"
        relay.start()
        let child = Child(pid: pid, fd: fds[0], runner: runner)
        let reader = Thread { child.readLoop() }
        reader.name = "plugin-host-reader"
        reader.start()
        return child
    }

    func waitLoaded(timeout: TimeInterval) -> Result<RawManifest, ManifestReader.Problem> {
        let deadline = Date().addingTimeInterval(timeout)
        return lock.withLock {
            while loaded == nil {
                if !lock.wait(until: deadline) && loaded == nil {
                    return .failure(.init(message: "its entry function did not return within \(Int(timeout)) s"))
                }
            }
            return loaded!
        }
    }

    /// False when the process already died (its calls were failed without this one).
    func add(_ id: Int, _ slot: CallSlot) -> Bool {
        lock.withLock {
            guard !dead else { return false }
            slots[id] = slot
            return true
        }
    }
    func remove(_ id: Int) { _ = lock.withLock { slots.removeValue(forKey: id) } }
    func slot(_ id: Int) -> CallSlot? { lock.withLock { slots[id] } }
    func addStream(_ re: JSON, _ relay: StreamRelay) { lock.withLock { streams[re.serialized()] = relay } }
    func removeStream(_ re: JSON) { _ = lock.withLock { streams.removeValue(forKey: re.serialized()) } }

    func kill() { Glibc.kill(pid, SIGKILL) }

    func shutdown() {
        channel.send(["op": "shutdown"])
    }

    private func setLoaded(_ r: Result<RawManifest, ManifestReader.Problem>) {
        lock.withLock {
            if loaded == nil { loaded = r }
            lock.broadcast()
        }
    }

    private func readLoop() {
        let log = runner.context.host.log
        let source = "plugin \(runner.context.name)"
        while let message = channel.receive() {
            switch message["op"]?.string {
            case "loaded":
                if let raw = message["manifest"].flatMap(RawManifest.init(json:)) {
                    setLoaded(.success(raw))
                } else {
                    setLoaded(.failure(.init(message: "its plugin-host process sent an unreadable manifest")))
                }
            case "sandbox":
                runner.noteSandbox(PluginSandbox.report(from: message["layers"]))
            case "refused":
                setLoaded(.failure(.init(message: message["reason"]?.string ?? "refused", pluginID: message["plugin_id"]?.string)))
            case "done":
                guard let id = message["call"]?.int, let slot = slot(id) else { continue }
                slot.finish(.success(RawAnswer(rc: Int32(clamping: message["rc"]?.int ?? Int(KFMCP_ERR_INTERNAL)),
                                               text: message["out"]?.string, oversize: message["oversize"]?.int)))
            case "log":
                let level = LogLevel(rawValue: min(message["level"]?.int ?? 1, 3)) ?? .info
                // A line logged during a call also reaches that call's session (HTTP), as in-process.
                let sink = message["call"]?.int.flatMap(slot)?.state.sessionLog
                // The plugin's own stream redactor, as in-process: a key block is masked whole across lines.
                let line = runner.context.logRedactor.redact(message["message"]?.string ?? "")
                Log.withThreadSink(sink) { log.log(level, line, source: source) }
            case "progress":
                guard let id = message["call"]?.int, let slot = slot(id) else { continue }
                slot.state.progressSink?(message["fraction"]?.double ?? -1, message["message"]?.string ?? "")
            case "service":
                let thread = Thread { [self] in runner.serve(message, child: self) }
                thread.name = "plugin-host-service"
                thread.start()
            case "stop_stream":
                if let re = message["re"] { lock.withLock { streams[re.serialized()] }?.stop() }
            default:
                continue
            }
        }
        // The child is gone, or broke the channel's rules (then it is stopped): why, and every call it was running fails.
        if channel.broken != nil { kill() }
        channel.close()
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let how = channel.broken.map { "sent \($0) and was stopped" } ?? Self.describe(status)
        let (running, wasLoaded) = lock.withLock { () -> ([CallSlot], Bool) in
            dead = true
            defer { slots.removeAll() }
            return (Array(slots.values), loaded != nil)
        }
        setLoaded(.failure(.init(message: "its plugin-host process \(how) while loading the plugin (in its entry function)")))
        guard wasLoaded else { return }
        runner.childDied(self, status: how)
        for slot in running {
            slot.finish(.failure(.init("\(how) while running \(slot.what); its process is restarted and the other tools keep working")))
        }
        if !running.isEmpty || status != 0 {
            log.error("\(source) (process \(pid)) \(how)\(running.isEmpty ? "" : " while running \(running.map(\.what).joined(separator: ", "))")",
                      source: "plugins")
        }
    }

    static func describe(_ status: Int32) -> String {
        let signal = status & 0x7f
        if signal == 0 { return "exited with status \((status >> 8) & 0xff)" }
        let names: [Int32: String] = [SIGSEGV: "SIGSEGV", SIGABRT: "SIGABRT", SIGBUS: "SIGBUS", SIGFPE: "SIGFPE",
                                      SIGILL: "SIGILL", SIGKILL: "SIGKILL", SIGTERM: "SIGTERM", SIGTRAP: "SIGTRAP"]
        return "crashed (signal \(signal), \(names[signal] ?? "signal"))"
    }
}

private func withCStrings<R>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> R) -> R {
    var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
    pointers.append(nil)
    defer { pointers.forEach { free($0) } }
    return body(pointers)
}
