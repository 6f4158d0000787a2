import Foundation
import PluginABI
@_spi(Testing) import PluginKit

/// A host for unit tests of a Swift plugin: no cluster, no server. It loads a
/// `PluginDefinition` through its exported manifest (as the real host does),
/// calls tools by name through the manifest's `invoke` with JSON in and out,
/// and answers the plugin's host services from what the test scripted:
/// Kubernetes answers (each request is recorded), the call context (namespace,
/// dry_run, plan_seed, …), providers and other plugins' tools.
///
///     let host = FakeHost()
///     host.kubernetes = { request in
///         request["verb"] == "list" ? .ok(["items": []]) : .notFound()
///     }
///     let plugin = try host.load(myPlugin)
///     let result = try plugin.result("my_tool", ["name": "x"])
///     #expect(host.requests.map(\.["verb"]) == ["list"])
///
/// It applies no policy and validates no schema: those are the host's (test
/// them end to end with `kubeflow-mcp plugin test`). Several plugins may be
/// loaded in one test process (each FakeHost call serves its own definition).
public final class FakeHost: @unchecked Sendable {
    /// A scripted Kubernetes answer: what the host gives the plugin back.
    public struct KubeAnswer: Sendable {
        public var status: Int
        public var body: JSON
        /// For a non-2xx answer: Kubernetes' reason (NotFound, Forbidden, …) and a sentence.
        public var reason: String?
        public var message: String?

        public init(status: Int, body: JSON = .null, reason: String? = nil, message: String? = nil) {
            self.status = status
            self.body = body
            self.reason = reason
            self.message = message
        }

        public static func ok(_ body: JSON) -> KubeAnswer { KubeAnswer(status: 200, body: body) }
        public static func created(_ body: JSON) -> KubeAnswer { KubeAnswer(status: 201, body: body) }
        public static func notFound(_ message: String = "not found") -> KubeAnswer {
            KubeAnswer(status: 404, reason: "NotFound", message: message)
        }
        public static func forbidden(_ message: String) -> KubeAnswer {
            KubeAnswer(status: 403, reason: "Forbidden", message: message)
        }

        var json: JSON {
            var o: JSON = ["status": .int(status), "body": body]
            if !(200..<300).contains(status) {
                o["error"] = ["reason": .string(reason ?? "Unknown"), "message": .string(message ?? "HTTP \(status)")]
            }
            return o
        }
    }

    /// Answers each Kubernetes request (the structured form of the ABI:
    /// verb, group, version, resource, namespace, name, body, …). Default: 404.
    public var kubernetes: @Sendable (JSON) -> KubeAnswer = { request in
        .notFound("FakeHost has no scripted answer for \(request.serialized())")
    }
    /// What `call_context` returns for every call (ToolCall.context(), planSeed, defaultNamespace).
    public var context: JSON = [
        "namespace": "default", "user": "test-user", "persona": "test", "allowed_namespaces": .null,
        "read_only": false, "dry_run": false, "plan_seed": "fake-host-seed",
    ]
    /// The plugin's plugins.d `config:` (PluginHost.config()).
    public var config: JSON = [:]
    /// What `list_backends` returns: [{id, kind, title, version, plugin, capabilities}].
    public var providers: [JSON] = []
    /// Answers a provider operation (id, operation, input) with {"result": …} or
    /// {"error": {"message": …, "field": …}}; nil: no such provider.
    public var providerCall: @Sendable (String, String, JSON) -> JSON? = { _, _, _ in nil }
    /// Other plugins' tools, for nested calls (ToolCall.callTool): name → answer
    /// ({"result": …} or {"error": …}) for the given input.
    public var tools: [String: @Sendable (JSON) -> JSON] = [:]
    /// Set to make `isCancelled` true in every call.
    public var cancelled = false

    private let lock = NSLock()
    private var _requests: [JSON] = []
    private var _logs: [(level: LogLevel, message: String)] = []
    private var _progress: [(fraction: Double, message: String)] = []
    private var _providerRequests: [(id: String, operation: String, input: JSON)] = []
    private var _toolRequests: [(tool: String, input: JSON)] = []

    /// Every Kubernetes request the plugin sent, in order.
    public var requests: [JSON] { lock.withLock { _requests } }
    /// Every line the plugin logged.
    public var logs: [(level: LogLevel, message: String)] { lock.withLock { _logs } }
    /// Every progress report.
    public var progress: [(fraction: Double, message: String)] { lock.withLock { _progress } }
    /// Every provider operation the plugin called.
    public var providerRequests: [(id: String, operation: String, input: JSON)] { lock.withLock { _providerRequests } }
    /// Every nested tool call.
    public var toolRequests: [(tool: String, input: JSON)] { lock.withLock { _toolRequests } }

    public init() {}

    /// Forget what was recorded (requests, logs, progress, provider and tool calls).
    public func reset() {
        lock.withLock {
            _requests = []
            _logs = []
            _progress = []
            _providerRequests = []
            _toolRequests = []
        }
    }

    /// Load `definition` the way the host does: its manifest, built as `export` builds it (onLoad runs).
    public func load(_ definition: PluginDefinition) throws -> FakePlugin {
        let made = serving { definition.exportForTesting(host: UnsafeRawPointer(FakeHost.hostStruct)) }
        guard let export = made else {
            throw FakeHostError("\(definition.id): no manifest for this host")
        }
        return FakePlugin(host: self, export: export)
    }

    // MARK: What the C callbacks reach

    /// The fake host of services called without a call (log during entry, list_backends, plugin_config):
    /// the one whose load or call runs on this thread (tests run in parallel, each with its own host).
    static var current: FakeHost? { Thread.current.threadDictionary[threadKey] as? FakeHost }
    private static let threadKey = "PluginKitTesting.FakeHost"

    func serving<T>(_ body: () throws -> T) rethrows -> T {
        let dictionary = Thread.current.threadDictionary
        let previous = dictionary[Self.threadKey]
        dictionary[Self.threadKey] = self
        defer { dictionary[Self.threadKey] = previous }
        return try body()
    }

    func noteRequest(_ r: JSON) { lock.withLock { _requests.append(r) } }
    func noteLog(_ level: LogLevel, _ message: String) { lock.withLock { _logs.append((level, message)) } }
    func noteProgress(_ f: Double, _ m: String) { lock.withLock { _progress.append((f, m)) } }
    func noteProvider(_ id: String, _ op: String, _ input: JSON) { lock.withLock { _providerRequests.append((id, op, input)) } }
    func noteTool(_ tool: String, _ input: JSON) { lock.withLock { _toolRequests.append((tool, input)) } }

    /// One host struct for the process: a plugin keeps the host it was first given,
    /// so each service finds the FakeHost of its call through the call pointer.
    nonisolated(unsafe) static let hostStruct: UnsafeMutablePointer<kfmcp_host_v1> = {
        let h = UnsafeMutablePointer<kfmcp_host_v1>.allocate(capacity: 1)
        h.initialize(to: kfmcp_host_v1(
            struct_size: UInt32(MemoryLayout<kfmcp_host_v1>.size), abi_major: UInt16(KFMCP_ABI_MAJOR),
            abi_minor: UInt16(KFMCP_ABI_MINOR), host_version: UnsafePointer(strdup("fake-host")), host_data: nil,
            log: fakeLog, progress: fakeProgress, is_cancelled: fakeIsCancelled, k8s_request: fakeK8sRequest,
            k8s_stream: fakeK8sStream, call_backend: fakeCallBackend, list_backends: fakeListBackends,
            plugin_config: fakePluginConfig, call_context: fakeCallContext, free: fakeFree,
            get_extension: fakeGetExtension, reserved: (nil, nil, nil, nil)))
        return h
    }()
}

/// A plugin loaded by a FakeHost: call its tools and providers as the host would.
public struct FakePlugin: @unchecked Sendable {
    public let host: FakeHost
    let export: TestingExport
    var manifest: UnsafePointer<kfmcp_manifest_v1> { export.manifest.assumingMemoryBound(to: kfmcp_manifest_v1.self) }

    /// The tool names the manifest declares, in order.
    public var toolNames: [String] {
        (0..<Int(manifest.pointee.tool_count)).compactMap { i in manifest.pointee.tools[i].name.map { String(cString: $0) } }
    }

    /// Call a tool through the manifest's invoke: the plugin's answer, {"result": …} or {"error": {…}}.
    public func call(_ tool: String, _ arguments: JSON = [:]) throws -> JSON {
        guard let invoke = manifest.pointee.invoke else { throw FakeHostError("the manifest has no invoke function") }
        return try answer(of: "tool '\(tool)'") { call, out in invoke(tool, arguments.serialized(), call, out) }
    }

    /// The tool's result; a tool error is thrown as ToolError (message, field, details).
    public func result(_ tool: String, _ arguments: JSON = [:]) throws -> JSON {
        try Self.unwrap(try call(tool, arguments))
    }

    /// Call a provider operation through the manifest's backend_invoke: {"result": …} or {"error": {…}}.
    public func callProvider(_ id: String, _ operation: String, _ input: JSON) throws -> JSON {
        guard let invoke = manifest.pointee.backend_invoke else { throw FakeHostError("the manifest has no backend_invoke function") }
        return try answer(of: "provider \(id) operation \(operation)") { call, out in
            invoke(id, operation, input.serialized(), call, out)
        }
    }

    private func answer(of what: String,
                        _ body: (OpaquePointer, UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32) throws -> JSON {
        let call = Unmanaged.passRetained(FakeCall(host: host))
        defer { call.release() }
        var out: UnsafeMutablePointer<CChar>?
        let rc = host.serving { export.serve { body(OpaquePointer(call.toOpaque()), &out) } }
        let text = out.map { String(cString: $0) }
        if let out { manifest.pointee.free_result?(out) }
        guard rc == KFMCP_OK else {
            throw FakeHostError("\(what) returned code \(rc)\(text.map { ": \($0)" } ?? "")")
        }
        guard let text, let parsed = try? JSON.parse(text), parsed["result"] != nil || parsed["error"]?.object != nil else {
            throw FakeHostError("\(what) returned neither {\"result\": …} nor {\"error\": {…}}: \(text ?? "nothing")")
        }
        return parsed
    }

    static func unwrap(_ answer: JSON) throws -> JSON {
        if let error = answer["error"] {
            throw ToolError(error["message"]?.string ?? "error", field: error["field"]?.string, details: error["details"])
        }
        return answer["result"] ?? .null
    }
}

public struct FakeHostError: Error, CustomStringConvertible, Sendable {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// What the plugin's `kfmcp_call *` points at in a FakeHost call.
final class FakeCall {
    let host: FakeHost
    init(host: FakeHost) { self.host = host }
}

// MARK: - The C callbacks

private func fakeHost(_ call: OpaquePointer?) -> FakeHost? {
    call.map { Unmanaged<FakeCall>.fromOpaque(UnsafeRawPointer($0)).takeUnretainedValue().host }
}

private func give(_ json: JSON, _ out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    guard let out else { return KFMCP_ERR_INTERNAL }
    out.pointee = strdup(json.serialized())
    return KFMCP_OK
}

private func parsed(_ text: UnsafePointer<CChar>?) -> JSON? {
    text.flatMap { try? JSON.parse(String(cString: $0)) }
}

private let fakeLog: @convention(c) (UnsafePointer<kfmcp_host_v1>?, UInt32, UnsafePointer<CChar>?) -> Void = { _, level, message in
    FakeHost.current?.noteLog(LogLevel(rawValue: min(level, 3)) ?? .info, message.map { String(cString: $0) } ?? "")
}

private let fakeProgress: @convention(c) (UnsafePointer<kfmcp_host_v1>?, OpaquePointer?, Double, UnsafePointer<CChar>?) -> Void = {
    _, call, fraction, message in
    fakeHost(call)?.noteProgress(fraction, message.map { String(cString: $0) } ?? "")
}

private let fakeIsCancelled: @convention(c) (UnsafePointer<kfmcp_host_v1>?, OpaquePointer?) -> Int32 = { _, call in
    fakeHost(call)?.cancelled == true ? 1 : 0
}

private let fakeK8sRequest: @convention(c) (UnsafePointer<kfmcp_host_v1>?, OpaquePointer?, UnsafePointer<CChar>?,
                                            UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 = { _, call, request, out in
    guard let host = fakeHost(call) else { return KFMCP_ERR_NO_CALL }
    guard let request = parsed(request) else { return KFMCP_ERR_BAD_INPUT }
    host.noteRequest(request)
    return give(host.kubernetes(request).json, out)
}

/// A streamed answer: a string body is sent line by line to on_line; the answer then says how it ended.
private let fakeK8sStream: @convention(c) (UnsafePointer<kfmcp_host_v1>?, OpaquePointer?, UnsafePointer<CChar>?,
                                           (@convention(c) (UnsafeMutableRawPointer?, UnsafePointer<CChar>?) -> Int32)?,
                                           UnsafeMutableRawPointer?, UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 = {
    _, call, request, onLine, userData, out in
    guard let host = fakeHost(call) else { return KFMCP_ERR_NO_CALL }
    guard let request = parsed(request), let onLine else { return KFMCP_ERR_BAD_INPUT }
    host.noteRequest(request)
    let answer = host.kubernetes(request)
    if answer.status / 100 == 2, let text = answer.body.string {
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) where onLine(userData, String(line)) != 0 { break }
    }
    var summary = answer
    summary.body = .null
    return give(summary.json, out)
}

private let fakeCallBackend: @convention(c) (UnsafePointer<kfmcp_host_v1>?, OpaquePointer?, UnsafePointer<CChar>?,
                                             UnsafePointer<CChar>?, UnsafePointer<CChar>?,
                                             UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 = { _, call, id, op, input, out in
    guard let host = fakeHost(call) else { return KFMCP_ERR_NO_CALL }
    guard let id, let op, let input = parsed(input) else { return KFMCP_ERR_BAD_INPUT }
    let (backend, operation) = (String(cString: id), String(cString: op))
    host.noteProvider(backend, operation, input)
    guard let answer = host.providerCall(backend, operation, input) else { return KFMCP_ERR_UNKNOWN }
    return give(answer, out)
}

private let fakeListBackends: @convention(c) (UnsafePointer<kfmcp_host_v1>?, UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 = {
    _, out in give(.array(FakeHost.current?.providers ?? []), out)
}

private let fakePluginConfig: @convention(c) (UnsafePointer<kfmcp_host_v1>?, UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 = {
    _, out in give(FakeHost.current?.config ?? [:], out)
}

private let fakeCallContext: @convention(c) (UnsafePointer<kfmcp_host_v1>?, OpaquePointer?,
                                             UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 = { _, call, out in
    guard let host = fakeHost(call) else { return KFMCP_ERR_NO_CALL }
    return give(host.context, out)
}

private let fakeFree: @convention(c) (UnsafePointer<kfmcp_host_v1>?, UnsafeMutableRawPointer?) -> Void = { _, pointer in
    free(pointer)
}

private let fakeCallTool: @convention(c) (UnsafePointer<kfmcp_host_v1>?, OpaquePointer?, UnsafePointer<CChar>?,
                                          UnsafePointer<CChar>?, UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 = {
    _, call, tool, input, out in
    guard let host = fakeHost(call) else { return KFMCP_ERR_NO_CALL }
    guard let tool, let input = parsed(input) else { return KFMCP_ERR_BAD_INPUT }
    let name = String(cString: tool)
    host.noteTool(name, input)
    guard let answer = host.tools[name] else { return KFMCP_ERR_UNKNOWN }
    return give(answer(input), out)
}

nonisolated(unsafe) private let toolsExtension: UnsafeMutablePointer<kfmcp_tools_ext_v1> = {
    let e = UnsafeMutablePointer<kfmcp_tools_ext_v1>.allocate(capacity: 1)
    e.initialize(to: kfmcp_tools_ext_v1(struct_size: UInt32(MemoryLayout<kfmcp_tools_ext_v1>.size), reserved0: 0, call_tool: fakeCallTool))
    return e
}()

private let fakeGetExtension: @convention(c) (UnsafePointer<kfmcp_host_v1>?, UnsafePointer<CChar>?) -> UnsafeRawPointer? = { _, id in
    guard let id, String(cString: id) == KFMCP_EXT_TOOLS else { return nil }
    return UnsafeRawPointer(toolsExtension)
}
