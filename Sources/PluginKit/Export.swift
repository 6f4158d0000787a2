import PluginABI

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The C side of a Swift plugin: builds the manifest the host reads and routes
/// the host's invoke/backend_invoke calls to the Swift handlers.
///
/// Each plugin library links its own copy of PluginKit, so this state is per
/// plugin. It is written once, during entry (which runs alone), and only read
/// afterwards, from any thread.
final class ExportedPlugin: @unchecked Sendable {
    let definition: PluginDefinition
    let host: PluginHost
    let tools: [String: ToolDefinition]
    let backends: [String: BackendDefinition]
    let manifest: UnsafeMutablePointer<kfmcp_manifest_v1>

    init(definition: PluginDefinition, host: PluginHost) {
        self.definition = definition
        self.host = host
        self.tools = Dictionary(definition.tools.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        self.backends = Dictionary(definition.backends.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        self.manifest = ExportedPlugin.makeManifest(definition)
    }

    nonisolated(unsafe) static var current: ExportedPlugin?

    /// The plugin the manifest's functions serve on this thread: a fake host's
    /// (PluginKitTesting) while it calls one, else the process's exported one.
    static var active: ExportedPlugin? {
        pthread_getspecific(testingKey).map { Unmanaged<ExportedPlugin>.fromOpaque($0).takeUnretainedValue() } ?? current
    }

    /// A fake host's plugin, current on this thread during `body` (several test plugins share one process).
    func serving<T>(_ body: () throws -> T) rethrows -> T {
        let previous = pthread_getspecific(Self.testingKey)
        pthread_setspecific(Self.testingKey, Unmanaged.passUnretained(self).toOpaque())
        defer { pthread_setspecific(Self.testingKey, previous) }
        return try body()
    }

    private static let testingKey: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()

    /// Strings in the manifest live as long as the process (the host never unloads).
    private static func cString(_ s: String?) -> UnsafePointer<CChar>? {
        guard let s else { return nil }
        return UnsafePointer(strdup(s))
    }

    private static func makeManifest(_ d: PluginDefinition) -> UnsafeMutablePointer<kfmcp_manifest_v1> {
        let tools = UnsafeMutablePointer<kfmcp_tool_v1>.allocate(capacity: max(d.tools.count, 1))
        for (i, t) in d.tools.enumerated() {
            var flags: UInt32 = 0
            if t.idempotent { flags |= UInt32(KFMCP_TOOL_IDEMPOTENT) }
            if t.openWorld { flags |= UInt32(KFMCP_TOOL_OPEN_WORLD) }
            tools[i] = kfmcp_tool_v1(
                struct_size: UInt32(MemoryLayout<kfmcp_tool_v1>.size), risk: t.risk.rawValue, flags: flags,
                reserved0: 0, name: cString(t.name), title: cString(t.title), description: cString(t.description),
                category: cString(t.category), input_schema: cString(t.inputSchema.serialized()),
                output_schema: cString(t.outputSchema?.serialized()))
        }
        let backends = UnsafeMutablePointer<kfmcp_backend_v1>.allocate(capacity: max(d.backends.count, 1))
        for (i, b) in d.backends.enumerated() {
            backends[i] = kfmcp_backend_v1(
                struct_size: UInt32(MemoryLayout<kfmcp_backend_v1>.size), reserved0: 0, id: cString(b.id),
                title: cString(b.title), version: cString(b.version),
                capabilities_json: cString(b.capabilities.serialized()))
        }
        let m = UnsafeMutablePointer<kfmcp_manifest_v1>.allocate(capacity: 1)
        m.initialize(to: kfmcp_manifest_v1(
            struct_size: UInt32(MemoryLayout<kfmcp_manifest_v1>.size),
            abi_major: UInt16(KFMCP_ABI_MAJOR), abi_minor: UInt16(KFMCP_ABI_MINOR),
            plugin_id: cString(d.id), plugin_version: cString(d.version),
            built_with: cString(swiftToolchainDescription), description: cString(d.description),
            tools: UnsafePointer(tools), tool_count: UInt32(d.tools.count),
            backend_count: UInt32(d.backends.count), backends: UnsafePointer(backends),
            invoke: exportedInvoke, backend_invoke: d.backends.isEmpty ? nil : exportedBackendInvoke,
            free_result: exportedFree, shutdown: exportedShutdown,
            reserved: (nil, nil, nil, nil),
            instructions: cString(d.instructions),
            cluster_scoped_reads: cString(JSON.array(clusterScopedReads(d).map { .string($0) }).serialized()),
            mcp_surface_json: cString(mcpSurfaceJSON(d))))
        return m
    }
}

/// What the plugin declares plus the cluster-scoped, non-core kinds of
/// PluginKit's own catalog (K8sResource), which any tool may list.
private func clusterScopedReads(_ d: PluginDefinition) -> [String] {
    let catalog = [K8sResource.clusterTrainingRuntimes].map { "\($0.group)/\($0.resource)" }
    return catalog + d.clusterScopedReads.filter { !catalog.contains($0) }
}

#if compiler(>=6.3)
let swiftToolchainDescription = "swift 6.3+"
#else
let swiftToolchainDescription = "swift 6"
#endif

extension PluginDefinition {
    /// A host older than ABI 1.0's struct, or of another major, cannot be
    /// served: every field we call must be inside the struct it gave us.
    /// Read struct_size alone first: nothing past it may be touched.
    static func servable(_ host: UnsafeRawPointer) -> UnsafePointer<kfmcp_host_v1>? {
        let typedHost = host.assumingMemoryBound(to: kfmcp_host_v1.self)
        guard host.load(as: UInt32.self) >= UInt32(KFMCP_HOST_V1_0_SIZE),
            Int(typedHost.pointee.abi_major) == Int(KFMCP_ABI_MAJOR)
        else { return nil }
        return typedHost
    }

    /// Hand the manifest to the host. Call it from the plugin's one exported
    /// `kfmcp_plugin_entry_v1` function; it returns the manifest pointer.
    public func export(host: UnsafeRawPointer?) -> UnsafeRawPointer? {
        guard let host, let typedHost = Self.servable(host) else { return nil }
        if let existing = ExportedPlugin.current { return UnsafeRawPointer(existing.manifest) }
        let pluginHost = PluginHost(raw: typedHost)
        let exported = ExportedPlugin(definition: self, host: pluginHost)
        ExportedPlugin.current = exported
        onLoad?(pluginHost)
        return UnsafeRawPointer(exported.manifest)
    }
}

/// A definition's manifest made for a fake host (PluginKitTesting), apart from
/// the process's exported plugin: its functions serve this definition inside `serve`.
@_spi(Testing) public final class TestingExport: @unchecked Sendable {
    let plugin: ExportedPlugin
    public var manifest: UnsafeRawPointer { UnsafeRawPointer(plugin.manifest) }

    init(_ plugin: ExportedPlugin) { self.plugin = plugin }

    /// Call the manifest's functions in `body`: they reach this definition's handlers.
    public func serve<T>(_ body: () throws -> T) rethrows -> T { try plugin.serving(body) }
}

extension PluginDefinition {
    /// For PluginKitTesting's fake host: checks the host struct as `export` does,
    /// builds this definition's manifest and runs `onLoad`.
    @_spi(Testing) public func exportForTesting(host: UnsafeRawPointer) -> TestingExport? {
        guard let typedHost = Self.servable(host) else { return nil }
        let pluginHost = PluginHost(raw: typedHost)
        let exported = TestingExport(ExportedPlugin(definition: self, host: pluginHost))
        onLoad?(pluginHost)
        return exported
    }
}

// MARK: - The C callbacks

private func writeOut(_ json: JSON, _ out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) {
    out?.pointee = strdup(json.serialized())
}

private func errorJSON(_ e: ToolError) -> JSON {
    var error: JSON = ["message": .string(e.message)]
    if let field = e.field { error["field"] = .string(field) }
    if let details = e.details { error["details"] = details }
    return ["error": error]
}

private func run(_ out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?, _ body: () throws -> JSON) -> Int32 {
    do {
        writeOut(try body(), out)
    } catch let e as ToolError {
        writeOut(errorJSON(e), out)
    } catch {
        writeOut(errorJSON(ToolError("Internal error: \(error)")), out)
    }
    return KFMCP_OK
}

private let exportedInvoke: @convention(c) (
    UnsafePointer<CChar>?, UnsafePointer<CChar>?, OpaquePointer?, UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
) -> Int32 = { tool, jsonIn, call, out in
    guard let plugin = ExportedPlugin.active, let tool, let jsonIn else { return KFMCP_ERR_INTERNAL }
    guard let definition = plugin.tools[String(cString: tool)] else { return KFMCP_ERR_UNKNOWN }
    guard let arguments = try? JSON.parse(String(cString: jsonIn)) else { return KFMCP_ERR_BAD_INPUT }
    let toolCall = ToolCall(tool: definition.name, arguments: arguments, host: plugin.host, call: call)
    return run(out) {
        let output = try definition.handler(toolCall)
        var answer: JSON = ["result": output.result]
        if let text = output.text { answer["text"] = .string(text) }
        if let summary = output.summary { answer["summary"] = .string(summary) }
        return answer
    }
}

private let exportedBackendInvoke: @convention(c) (
    UnsafePointer<CChar>?, UnsafePointer<CChar>?, UnsafePointer<CChar>?, OpaquePointer?,
    UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
) -> Int32 = { backendID, op, jsonIn, call, out in
    guard let plugin = ExportedPlugin.active, let backendID, let op, let jsonIn else { return KFMCP_ERR_INTERNAL }
    guard let backend = plugin.backends[String(cString: backendID)],
        let operation = backend.operations[String(cString: op)]
    else { return KFMCP_ERR_UNKNOWN }
    guard let arguments = try? JSON.parse(String(cString: jsonIn)) else { return KFMCP_ERR_BAD_INPUT }
    let toolCall = ToolCall(tool: "\(backend.id).\(String(cString: op))", arguments: arguments,
                            host: plugin.host, call: call)
    return run(out) { ["result": try operation(toolCall)] }
}

private let exportedFree: @convention(c) (UnsafeMutablePointer<CChar>?) -> Void = { ptr in
    free(ptr)
}

private let exportedShutdown: @convention(c) () -> Void = {
    ExportedPlugin.active?.definition.onShutdown?()
}
