import Foundation
import HostBase
import HostKubeGate
import HostPlugins
import KFJSON
import PluginABI

extension PluginContext {
    /// The services behind this plugin's callbacks (the one PluginHost there is).
    var services: HostServices { host as! HostServices }
}

/// Builds the `kfmcp_host_v1` struct a plugin receives and implements its C
/// callbacks. Buffers handed to plugins are malloc'd (strdup) and released
/// through `host->free`, never by the plugin's own allocator.
///
/// It knows what holds for every plugin whatever the call: the registry
/// (backends), the tracker (shutdown) and the log. What depends on the call
/// (the Kubernetes gate, call_context, nested calls) is answered by the call's
/// own pipeline (`CallState.pipeline`), so a plugin's callbacks act exactly as
/// the call it runs in: a session's user, policy and cluster view over HTTP.
public final class HostServices: PluginHost, @unchecked Sendable {
    public let log: Log
    public let registry: PluginRegistry
    let tracker: CallTracker
    private let lock = NSLock()
    private var cachedBackends: (generation: Int, text: String)?

    public init(registry: PluginRegistry, tracker: CallTracker, log: Log) {
        self.registry = registry
        self.tracker = tracker
        self.log = log
    }

    package var isShuttingDown: Bool { tracker.isShuttingDown }

    package func makeHost(for context: PluginContext) -> UnsafeMutablePointer<kfmcp_host_v1> {
        Self.makeHost(for: context)
    }

    /// A provider operation; nil when no loaded plugin provides `id` (the
    /// caller knows what kind of provider it wanted and says so).
    func callBackend(id: String, op: String, input: JSON, call: CallState) -> JSON? {
        guard let entry = registry.backends[id] else { return nil }
        switch entry.plugin.invokeBackend(id: id, op: op, input: input, call: call) {
        case .success(let answer): return answer
        case .failure(let failure):
            return ["error": ["message": .string("Provider '\(id)' (plugin \(entry.plugin.id)) \(failure.message).")]]
        }
    }

    /// list_backends as text, serialized once per generation of the registry:
    /// planning tools ask on every call, and backends change only at load or reload.
    func backendsText() -> String {
        let generation = registry.generation
        if let cached = lock.withLock({ cachedBackends }), cached.generation == generation { return cached.text }
        let text = JSON.array(registry.orderedBackends.map(\.json)).serialized()
        lock.withLock { cachedBackends = (generation, text) }
        return text
    }

    static var hostVersion: UnsafePointer<CChar> { KubeflowMCPVersion.cString }

    /// A new host struct for one plugin; it lives for the rest of the process.
    static func makeHost(for context: PluginContext) -> UnsafeMutablePointer<kfmcp_host_v1> {
        let host = UnsafeMutablePointer<kfmcp_host_v1>.allocate(capacity: 1)
        host.initialize(to: kfmcp_host_v1(
            struct_size: UInt32(MemoryLayout<kfmcp_host_v1>.size),
            abi_major: UInt16(KFMCP_ABI_MAJOR), abi_minor: UInt16(KFMCP_ABI_MINOR),
            host_version: hostVersion,
            host_data: Unmanaged.passRetained(context).toOpaque(),
            log: logService, progress: progressService, is_cancelled: isCancelledService,
            k8s_request: k8sRequestService, k8s_stream: k8sStreamService,
            call_backend: callBackendService, list_backends: listBackendsService,
            plugin_config: pluginConfigService, call_context: callContextService,
            free: freeService, get_extension: getExtensionService,
            reserved: (nil, nil, nil, nil)))
        return host
    }

    static func context(_ host: UnsafePointer<kfmcp_host_v1>?) -> PluginContext? {
        guard let data = host?.pointee.host_data else { return nil }
        return Unmanaged<PluginContext>.fromOpaque(data).takeUnretainedValue()
    }

    /// The header's one rule: KFMCP_OK exactly when the answer was written;
    /// any other code leaves *out NULL. Refusals and errors with a sentence
    /// for a person are answers, never codes.
    static func write(_ json: JSON, to out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
        guard let out else { return KFMCP_ERR_INTERNAL }
        out.pointee = strdup(json.serialized())
        return KFMCP_OK
    }

    /// A service that could not run: nothing written, the code says why.
    static func fail(_ code: Int32, _ out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
        out?.pointee = nil
        return code
    }

    /// JSON the host holds as text already (a body from the API server, a cached list).
    static func write(text: String, to out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
        guard let out else { return KFMCP_ERR_BAD_INPUT }
        out.pointee = strdup(text)
        return KFMCP_OK
    }

    static func parse(_ text: UnsafePointer<CChar>?) -> JSON? {
        guard let text else { return nil }
        return try? JSON.parse(String(cString: text))
    }
}

// MARK: - The callbacks (C function pointers)

private let logService: @convention(c) (UnsafePointer<kfmcp_host_v1>?, UInt32, UnsafePointer<CChar>?) -> Void = {
    host, level, message in
    guard let ctx = HostServices.context(host), let message else { return }
    let lvl = LogLevel(rawValue: Int(min(level, 3))) ?? .info
    ctx.services.log.log(lvl, ctx.logRedactor.redact(String(cString: message)), source: "plugin \(ctx.name)")
}

private let progressService: @convention(c) (UnsafePointer<kfmcp_host_v1>?, OpaquePointer?, Double, UnsafePointer<CChar>?) -> Void = {
    _, call, fraction, message in
    guard let state = CallState.from(call) else { return }
    state.progressSink?(fraction, message.map { String(cString: $0) } ?? "")
}

private let isCancelledService: @convention(c) (UnsafePointer<kfmcp_host_v1>?, OpaquePointer?) -> Int32 = { host, call in
    if let ctx = HostServices.context(host), ctx.services.isShuttingDown { return 1 }
    return (CallState.from(call)?.isCancelled ?? false) ? 1 : 0
}

private let k8sRequestService: @convention(c) (
    UnsafePointer<kfmcp_host_v1>?, OpaquePointer?, UnsafePointer<CChar>?, UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
) -> Int32 = { host, call, requestJSON, out in
    guard HostServices.context(host) != nil else { return HostServices.fail(KFMCP_ERR_INTERNAL, out) }
    guard let state = CallState.from(call) else { return HostServices.fail(KFMCP_ERR_NO_CALL, out) }
    guard let request = HostServices.parse(requestJSON) else { return HostServices.fail(KFMCP_ERR_BAD_INPUT, out) }
    return HostServices.write(text: state.pipeline.scope.k8sRequest(request, call: state).text, to: out)
}

private let k8sStreamService: @convention(c) (
    UnsafePointer<kfmcp_host_v1>?, OpaquePointer?, UnsafePointer<CChar>?,
    (@convention(c) (UnsafeMutableRawPointer?, UnsafePointer<CChar>?) -> Int32)?, UnsafeMutableRawPointer?,
    UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
) -> Int32 = { host, call, requestJSON, onLine, userData, out in
    guard HostServices.context(host) != nil else { return HostServices.fail(KFMCP_ERR_INTERNAL, out) }
    guard let state = CallState.from(call) else { return HostServices.fail(KFMCP_ERR_NO_CALL, out) }
    guard let onLine, let request = HostServices.parse(requestJSON) else { return HostServices.fail(KFMCP_ERR_BAD_INPUT, out) }
    // A pod's log reaches the plugin already redacted (the gate decides, on the parsed request).
    let answer = state.pipeline.scope.k8sRequest(request, call: state) { line in
        if state.isCancelled { return false }
        return line.withCString { onLine(userData, $0) } == 0
    }
    return HostServices.write(answer.json, to: out)
}

private let callBackendService: @convention(c) (
    UnsafePointer<kfmcp_host_v1>?, OpaquePointer?, UnsafePointer<CChar>?, UnsafePointer<CChar>?, UnsafePointer<CChar>?,
    UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
) -> Int32 = { host, call, backendID, op, input, out in
    guard let ctx = HostServices.context(host) else { return HostServices.fail(KFMCP_ERR_INTERNAL, out) }
    guard let state = CallState.from(call) else { return HostServices.fail(KFMCP_ERR_NO_CALL, out) }
    guard let backendID, let op, let json = HostServices.parse(input) else { return HostServices.fail(KFMCP_ERR_BAD_INPUT, out) }
    guard let answer = ctx.services.callBackend(id: String(cString: backendID), op: String(cString: op), input: json, call: state)
    else { return HostServices.fail(KFMCP_ERR_UNKNOWN, out) }
    return HostServices.write(answer, to: out)
}

private let listBackendsService: @convention(c) (
    UnsafePointer<kfmcp_host_v1>?, UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
) -> Int32 = { host, out in
    guard let ctx = HostServices.context(host) else { return HostServices.fail(KFMCP_ERR_INTERNAL, out) }
    ctx.turn.wait()
    return HostServices.write(text: ctx.services.backendsText(), to: out)
}

private let pluginConfigService: @convention(c) (
    UnsafePointer<kfmcp_host_v1>?, UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
) -> Int32 = { host, out in
    guard let ctx = HostServices.context(host) else { return HostServices.fail(KFMCP_ERR_INTERNAL, out) }
    return HostServices.write(ctx.config, to: out)
}

private let callContextService: @convention(c) (
    UnsafePointer<kfmcp_host_v1>?, OpaquePointer?, UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
) -> Int32 = { host, call, out in
    guard HostServices.context(host) != nil else { return HostServices.fail(KFMCP_ERR_INTERNAL, out) }
    guard let state = CallState.from(call) else { return HostServices.fail(KFMCP_ERR_NO_CALL, out) }
    return HostServices.write(state.pipeline.scope.callContext(for: state), to: out)
}

private let freeService: @convention(c) (UnsafePointer<kfmcp_host_v1>?, UnsafeMutableRawPointer?) -> Void = { _, ptr in
    free(ptr)
}

private let getExtensionService: @convention(c) (UnsafePointer<kfmcp_host_v1>?, UnsafePointer<CChar>?) -> UnsafeRawPointer? = {
    _, id in
    guard let id, String(cString: id) == KFMCP_EXT_TOOLS else { return nil }
    return UnsafeRawPointer(toolsExtension)
}

/// The "kfmcp.tools/1" extension: one static table for every plugin.
nonisolated(unsafe) private let toolsExtension: UnsafeMutablePointer<kfmcp_tools_ext_v1> = {
    let ext = UnsafeMutablePointer<kfmcp_tools_ext_v1>.allocate(capacity: 1)
    ext.initialize(to: kfmcp_tools_ext_v1(struct_size: UInt32(MemoryLayout<kfmcp_tools_ext_v1>.size), reserved0: 0,
                                          call_tool: callToolService))
    return ext
}()

private let callToolService: @convention(c) (
    UnsafePointer<kfmcp_host_v1>?, OpaquePointer?, UnsafePointer<CChar>?, UnsafePointer<CChar>?,
    UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
) -> Int32 = { host, call, tool, input, out in
    guard HostServices.context(host) != nil else { return HostServices.fail(KFMCP_ERR_INTERNAL, out) }
    guard let state = CallState.from(call) else { return HostServices.fail(KFMCP_ERR_NO_CALL, out) }
    guard let tool, let json = HostServices.parse(input) else { return HostServices.fail(KFMCP_ERR_BAD_INPUT, out) }
    guard let answer = state.pipeline.nested(name: String(cString: tool), arguments: json, from: state) else {
        return HostServices.fail(KFMCP_ERR_UNKNOWN, out)
    }
    return HostServices.write(answer, to: out)
}
