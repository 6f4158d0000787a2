import Foundation
import HostBase
import KFJSON
import PluginABI

#if canImport(Glibc)
import Glibc
#endif

/// The child side of an out-of-process plugin (`kubeflow-mcp plugin-host LIB`):
/// dlopens the plugin, calls its entry, and serves its invoke/backend_invoke
/// over the socket on fd 3. Every host service the plugin calls is sent to the
/// parent, which runs it with its own policy, audit and credentials — this
/// process never holds any. fd 1 points at stderr: the socket is the only
/// protocol stream, so nothing the plugin prints reaches the MCP client.
///
/// Messages (one JSON object per line; the parent's side is ChildPluginRunner):
///   parent → child  {"op":"load","config":{…},"sandbox":{"memory_mib":N,"cpu_seconds":N,"open_files":N},"original":PATH}
///                   {"op":"invoke","call":N,"tool":T,"input":"<json>"}
///                   {"op":"backend","call":N,"backend":B,"operation":O,"input":"<json>"}
///                   {"op":"cancel","call":N}   {"op":"shutdown"}
///                   {"op":"reply","re":R,"rc":0,"out":"<json>"|null}   {"op":"line","re":R,"line":L}
///   child → parent  {"op":"sandbox","layers":{LAYER:"why it does not hold",…}}  (before the plugin is loaded)
///                   {"op":"loaded","manifest":{…}} | {"op":"refused","reason":S}
///                   {"op":"done","call":N,"rc":0,"out":"<json>"|null}
///                   {"op":"log","level":L,"message":M[,"call":N]}   {"op":"progress","call":N,"fraction":F,"message":M}
///                   {"op":"service","re":R,"call":N,"name":S,…arguments}   {"op":"stop_stream","re":R}
public enum PluginHostChild {
    public static let socketFD: Int32 = 3

    public static func run(library: String) -> Never {
        dup2(STDERR_FILENO, STDOUT_FILENO)
        let descriptors = PluginSandbox.closeInheritedDescriptors()
        let channel = PipeChannel(fd: socketFD)
        guard let load = channel.receive(), load["op"] == "load" else { exit(0) }
        // Sandboxed before anything of the plugin is mapped; the parent hears which layers hold.
        let sandbox = PluginSandbox.enter(library: library, original: load["original"]?.string, limits: SandboxLimits(json: load["sandbox"]),
                                          descriptors: descriptors, environment: ChildEnvironment.check())
        channel.send(["op": "sandbox", "layers": PluginSandbox.json(sandbox)])
        let host = ChildHost(channel: channel, config: load["config"] ?? [:])
        ChildHost.current = host

        let manifest: UnsafePointer<kfmcp_manifest_v1>
        switch PluginLibrary.entry(path: library) {
        case .failure(let problem):
            channel.send(["op": "refused", "reason": .string(problem.message)])
            exit(0)
        case .success(let entry):
            host.inEntry = true
            let m = entry(host.hostStruct)
            host.inEntry = false
            guard let m else {
                channel.send(["op": "refused", "reason": .string(PluginLibrary.declinedToLoad)])
                exit(0)
            }
            manifest = m
        }
        switch RawManifest.copy(manifest) {
        case .failure(let problem):
            channel.send(["op": "refused", "reason": .string(problem.message),
                          "plugin_id": problem.pluginID.map { .string($0) } ?? .null])
            exit(0)
        case .success(let raw):
            channel.send(["op": "loaded", "manifest": raw.json])
        }
        let runner = InProcessRunner(manifest: manifest, host: host.hostStruct)

        while let message = channel.receive() {
            switch message["op"]?.string {
            case "invoke", "backend":
                guard let callID = message["call"]?.int else { continue }
                let call = ChildCall(id: callID)
                host.register(call)
                let thread = Thread {
                    // Log lines from this thread belong to this call (the parent routes them to its session).
                    Thread.current.threadDictionary[childCallKey] = callID
                    let input = message["input"]?.string ?? "{}"
                    var rc = KFMCP_ERR_BAD_INPUT
                    var out: String?
                    var oversize: Int?
                    if let arguments = try? JSON.parse(input) {
                        let outcome = message["op"] == "invoke"
                            ? runner.invokeRaw(tool: message["tool"]?.string ?? "", input: arguments, call: call)
                            : runner.invokeBackendRaw(id: message["backend"]?.string ?? "",
                                                      op: message["operation"]?.string ?? "", input: arguments, call: call)
                        rc = outcome.rc
                        out = outcome.text
                        oversize = outcome.oversize
                    }
                    host.unregister(callID)
                    channel.send(["op": "done", "call": .int(callID), "rc": .int(Int(rc)),
                                  "out": out.map { .string($0) } ?? .null, "oversize": oversize.map { .int($0) } ?? .null])
                }
                thread.stackSize = 4 << 20
                thread.start()
            case "cancel":
                if let id = message["call"]?.int { host.cancel(id) }
            case "reply", "line":
                host.deliver(message)
            case "shutdown":
                runner.functions.shutdown?()
                exit(0)
            default:
                continue
            }
        }
        exit(0)  // the parent is gone
    }
}

/// A call running in the child: what its `kfmcp_call *` points at.
final class ChildCall: @unchecked Sendable {
    let id: Int
    private let lock = NSLock()
    private var cancelled = false
    init(id: Int) { self.id = id }
    var isCancelled: Bool { lock.withLock { cancelled } }
    func cancel() { lock.withLock { cancelled = true } }

    static func from(_ pointer: OpaquePointer?) -> ChildCall? {
        guard let pointer else { return nil }
        return Unmanaged<ChildCall>.fromOpaque(UnsafeRawPointer(pointer)).takeUnretainedValue()
    }
    var pointer: OpaquePointer { OpaquePointer(Unmanaged.passUnretained(self).toOpaque()) }
}

extension InProcessRunner {
    func invokeRaw(tool: String, input: JSON, call: ChildCall) -> RawAnswer {
        guard let invoke = functions.invoke else { return RawAnswer(rc: KFMCP_ERR_INTERNAL) }
        var out: UnsafeMutablePointer<CChar>?
        let rc = invoke(tool, input.serialized(), call.pointer, &out)
        return take(rc: rc, out: out)
    }

    func invokeBackendRaw(id: String, op: String, input: JSON, call: ChildCall) -> RawAnswer {
        guard let invoke = functions.backendInvoke else { return RawAnswer(rc: KFMCP_ERR_UNKNOWN) }
        var out: UnsafeMutablePointer<CChar>?
        let rc = invoke(id, op, input.serialized(), call.pointer, &out)
        return take(rc: rc, out: out)
    }
}

/// The child's host services: each one a request to the parent, answered
/// on the socket; the calling plugin thread waits for its answer.
final class ChildHost: @unchecked Sendable {
    nonisolated(unsafe) static var current: ChildHost?

    let channel: PipeChannel
    let config: JSON
    let hostStruct: UnsafeMutablePointer<kfmcp_host_v1>
    private let lock = NSLock()
    private var calls: [Int: ChildCall] = [:]
    private var waiting: [Int: ServiceSlot] = [:]
    private var nextRe = 1

    init(channel: PipeChannel, config: JSON) {
        self.channel = channel
        self.config = config
        hostStruct = UnsafeMutablePointer<kfmcp_host_v1>.allocate(capacity: 1)
        // Field by field on a zeroed struct: fields a later minor appends stay
        // NULL, and struct_size says 1.0, so a plugin never calls them here.
        var h = kfmcp_host_v1()
        h.struct_size = UInt32(KFMCP_HOST_V1_0_SIZE)
        h.abi_major = UInt16(KFMCP_ABI_MAJOR)
        h.abi_minor = 0
        h.host_version = KubeflowMCPVersion.cString
        h.log = childLog
        h.progress = childProgress
        h.is_cancelled = childIsCancelled
        h.k8s_request = childK8sRequest
        h.k8s_stream = childK8sStream
        h.call_backend = childCallBackend
        h.list_backends = childListBackends
        h.plugin_config = childPluginConfig
        h.call_context = childCallContext
        h.free = childFree
        h.get_extension = childGetExtension
        hostStruct.initialize(to: h)
    }

    func register(_ call: ChildCall) { lock.withLock { calls[call.id] = call } }
    func unregister(_ id: Int) { _ = lock.withLock { calls.removeValue(forKey: id) } }
    func cancel(_ id: Int) { lock.withLock { calls[id] }?.cancel() }

    /// True while the plugin's entry runs (on the main thread), before the
    /// main loop reads the channel.
    var inEntry = false

    /// A service's answer. Asked during entry, nothing reads the channel yet:
    /// the entry's thread reads until its answer is there (the parent sends
    /// nothing else before the plugin has loaded).
    private func take(_ slot: ServiceSlot) -> JSON {
        if inEntry && Thread.isMainThread {
            while !slot.hasMessage {
                guard let message = channel.receive() else { exit(0) }  // the parent is gone
                if message["op"] == "reply" || message["op"] == "line" { deliver(message) }
            }
        }
        return slot.take()
    }

    func deliver(_ message: JSON) {
        guard let re = message["re"]?.int, let slot = lock.withLock({ waiting[re] }) else { return }
        slot.put(message)
    }

    /// One service request; `onLine` receives streamed lines on this thread.
    func request(_ name: String, call: ChildCall?, _ arguments: [String: JSON],
                 onLine: ((String) -> Bool)? = nil) -> (rc: Int32, out: String?) {
        let slot = ServiceSlot()
        let re = lock.withLock { () -> Int in
            defer { nextRe += 1 }
            waiting[nextRe] = slot
            return nextRe
        }
        defer { _ = lock.withLock { waiting.removeValue(forKey: re) } }
        var message = arguments
        message["op"] = "service"
        message["re"] = .int(re)
        message["name"] = .string(name)
        message["call"] = call.map { .int($0.id) } ?? .null
        guard channel.send(.object(message)) else { return (KFMCP_ERR_INTERNAL, nil) }
        var stopped = false
        while true {
            let answer = take(slot)
            if answer["op"] == "line" {
                if !stopped, let onLine, !onLine(answer["line"]?.string ?? "") {
                    stopped = true
                    channel.send(["op": "stop_stream", "re": .int(re)])
                }
                continue
            }
            return (Int32(clamping: answer["rc"]?.int ?? Int(KFMCP_ERR_INTERNAL)), answer["out"]?.string)
        }
    }

    static func write(_ result: (rc: Int32, out: String?), to out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
        if let out, let text = result.out { out.pointee = strdup(text) }
        return result.rc
    }
}

/// Where a waiting plugin thread receives its answer (and streamed lines).
final class ServiceSlot: @unchecked Sendable {
    private let condition = NSCondition()
    private var messages: [JSON] = []
    func put(_ m: JSON) { condition.withLock { messages.append(m); condition.signal() } }
    var hasMessage: Bool { condition.withLock { !messages.isEmpty } }
    func take() -> JSON {
        condition.lock()
        defer { condition.unlock() }
        while messages.isEmpty { condition.wait() }
        return messages.removeFirst()
    }
}

private func text(_ p: UnsafePointer<CChar>?) -> JSON { p.map { .string(String(cString: $0)) } ?? .null }

private let childCallKey = "kfmcp.child-call"

private let childLog: @convention(c) (UnsafePointer<kfmcp_host_v1>?, UInt32, UnsafePointer<CChar>?) -> Void = { _, level, message in
    var line: JSON = ["op": "log", "level": .int(Int(level)), "message": text(message)]
    if let call = Thread.current.threadDictionary[childCallKey] as? Int { line["call"] = .int(call) }
    ChildHost.current?.channel.send(line)
}

private let childProgress: @convention(c) (UnsafePointer<kfmcp_host_v1>?, OpaquePointer?, Double, UnsafePointer<CChar>?) -> Void = {
    _, call, fraction, message in
    guard let call = ChildCall.from(call) else { return }
    ChildHost.current?.channel.send(["op": "progress", "call": .int(call.id),
                                     "fraction": .double(fraction.isFinite ? fraction : -1), "message": text(message)])
}

private let childIsCancelled: @convention(c) (UnsafePointer<kfmcp_host_v1>?, OpaquePointer?) -> Int32 = { _, call in
    (ChildCall.from(call)?.isCancelled ?? false) ? 1 : 0
}

private let childK8sRequest: @convention(c) (
    UnsafePointer<kfmcp_host_v1>?, OpaquePointer?, UnsafePointer<CChar>?, UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
) -> Int32 = { _, call, request, out in
    guard let host = ChildHost.current else { return KFMCP_ERR_INTERNAL }
    return ChildHost.write(host.request("k8s_request", call: ChildCall.from(call), ["request": text(request)]), to: out)
}

private let childK8sStream: @convention(c) (
    UnsafePointer<kfmcp_host_v1>?, OpaquePointer?, UnsafePointer<CChar>?,
    (@convention(c) (UnsafeMutableRawPointer?, UnsafePointer<CChar>?) -> Int32)?, UnsafeMutableRawPointer?,
    UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
) -> Int32 = { _, call, request, onLine, userData, out in
    guard let host = ChildHost.current, let onLine else { return KFMCP_ERR_INTERNAL }
    let result = host.request("k8s_stream", call: ChildCall.from(call), ["request": text(request)]) { line in
        line.withCString { onLine(userData, $0) } == 0
    }
    return ChildHost.write(result, to: out)
}

private let childCallBackend: @convention(c) (
    UnsafePointer<kfmcp_host_v1>?, OpaquePointer?, UnsafePointer<CChar>?, UnsafePointer<CChar>?, UnsafePointer<CChar>?,
    UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
) -> Int32 = { _, call, backend, op, input, out in
    guard let host = ChildHost.current else { return KFMCP_ERR_INTERNAL }
    return ChildHost.write(host.request("call_backend", call: ChildCall.from(call),
                                        ["backend": text(backend), "operation": text(op), "input": text(input)]), to: out)
}

private let childListBackends: @convention(c) (
    UnsafePointer<kfmcp_host_v1>?, UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
) -> Int32 = { _, out in
    guard let host = ChildHost.current else { return KFMCP_ERR_INTERNAL }
    return ChildHost.write(host.request("list_backends", call: nil, [:]), to: out)
}

private let childPluginConfig: @convention(c) (
    UnsafePointer<kfmcp_host_v1>?, UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
) -> Int32 = { _, out in
    guard let host = ChildHost.current else { return KFMCP_ERR_INTERNAL }
    return ChildHost.write((KFMCP_OK, host.config.serialized()), to: out)
}

private let childCallContext: @convention(c) (
    UnsafePointer<kfmcp_host_v1>?, OpaquePointer?, UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
) -> Int32 = { _, call, out in
    guard let host = ChildHost.current else { return KFMCP_ERR_INTERNAL }
    return ChildHost.write(host.request("call_context", call: ChildCall.from(call), [:]), to: out)
}

private let childFree: @convention(c) (UnsafePointer<kfmcp_host_v1>?, UnsafeMutableRawPointer?) -> Void = { _, ptr in free(ptr) }

private let childGetExtension: @convention(c) (UnsafePointer<kfmcp_host_v1>?, UnsafePointer<CChar>?) -> UnsafeRawPointer? = {
    _, id in
    guard let id, String(cString: id) == KFMCP_EXT_TOOLS else { return nil }
    return UnsafeRawPointer(childToolsExtension)
}

nonisolated(unsafe) private let childToolsExtension: UnsafeMutablePointer<kfmcp_tools_ext_v1> = {
    let ext = UnsafeMutablePointer<kfmcp_tools_ext_v1>.allocate(capacity: 1)
    ext.initialize(to: kfmcp_tools_ext_v1(struct_size: UInt32(MemoryLayout<kfmcp_tools_ext_v1>.size), reserved0: 0,
                                          call_tool: childCallTool))
    return ext
}()

private let childCallTool: @convention(c) (
    UnsafePointer<kfmcp_host_v1>?, OpaquePointer?, UnsafePointer<CChar>?, UnsafePointer<CChar>?,
    UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
) -> Int32 = { _, call, tool, input, out in
    guard let host = ChildHost.current else { return KFMCP_ERR_INTERNAL }
    return ChildHost.write(host.request("call_tool", call: ChildCall.from(call), ["tool": text(tool), "input": text(input)]), to: out)
}
