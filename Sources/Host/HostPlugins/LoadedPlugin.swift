import Foundation
import HostBase
import KFJSON
import PluginABI

/// The manifest's functions, read once field by field (see ABIStruct): a
/// 1.0 manifest is smaller than this host's struct, so it is never copied whole.
struct PluginFunctions: @unchecked Sendable {
    typealias Invoke = @convention(c) (UnsafePointer<CChar>?, UnsafePointer<CChar>?, OpaquePointer?,
                                       UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32
    typealias BackendInvoke = @convention(c) (UnsafePointer<CChar>?, UnsafePointer<CChar>?, UnsafePointer<CChar>?,
                                              OpaquePointer?, UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32
    var invoke: Invoke?
    var backendInvoke: BackendInvoke?
    var freeResult: (@convention(c) (UnsafeMutablePointer<CChar>?) -> Void)?
    var shutdown: (@convention(c) () -> Void)?

    init(_ manifest: UnsafePointer<kfmcp_manifest_v1>) {
        let m = ABIStruct(manifest)
        invoke = m.invoke
        backendInvoke = m.backend_invoke
        freeResult = m.free_result
        shutdown = m.shutdown
    }
}

/// How a plugin is run: in this process, or in a child process.
public enum PluginIsolation: String, Sendable {
    case inProcess = "in-process"
    case process
}

/// What a plugin's invoke/backend_invoke gave back, before any check.
struct RawAnswer: Sendable {
    var rc: Int32
    var text: String? = nil
    /// The answer's size when it was over `PluginLimits.resultBytes` (then `text` is nil).
    var oversize: Int? = nil
}

/// Bounds on what a plugin hands the host.
package enum PluginLimits {
    /// A tool's or operation's answer, in bytes of JSON text: far above any
    /// real result (a job list, a log page), far below what would exhaust the server.
    package static let resultBytes = 16 << 20
    /// One message on a plugin-host child's channel: an answer travels as a
    /// JSON string, so escaping may double it.
    static let channelMessageBytes = 2 * resultBytes + (1 << 20)
}

/// Runs a plugin's functions: `InProcessRunner` calls them through the
/// manifest's pointers, `ChildPluginRunner` in a `plugin-host` child process.
/// A failure is a sentence that completes "Plugin 'id' …".
protocol PluginRunner: Sendable {
    func invoke(tool: String, arguments: JSON, call: any PluginCall) -> Result<RawAnswer, PluginCallFailure>
    func invokeBackend(id: String, op: String, input: JSON, call: any PluginCall) -> Result<RawAnswer, PluginCallFailure>
    func shutdown()
    /// Stop once the calls in flight have finished (a reload swapped the plugin out).
    func retire()
}

/// A plugin the host accepted: its tools and backends, and how to run it.
/// Every answer is checked here, however the plugin runs: it must be
/// {"result": …} or {"error": …}, and a result must fit the tool's declared
/// output schema.
public final class LoadedPlugin: @unchecked Sendable {
    public let id: String
    public let path: String
    public let tools: [ToolSpec]
    public let backends: [BackendSpec]
    /// ABI 1.1 manifest instructions for the model, when the plugin has some.
    public let instructions: String?
    /// ABI 1.1: cluster-scoped "group/resource" its tools read (checked).
    public let clusterScopedReads: [String]
    /// ABI 1.2: what it adds to MCP beyond tools (empty for older plugins).
    public let surface: MCPSurface
    public let isolation: PluginIsolation
    /// The host's private copy of the file it runs (PrivateCopies); a reload compares it with `path`.
    let copy: String
    /// ABI 1.2: the tools it lets clients run as MCP tasks (TaskSurface).
    public internal(set) var tasks: TaskSurface?
    let runner: any PluginRunner

    init(id: String, path: String, copy: String? = nil, tools: [ToolSpec], backends: [BackendSpec], instructions: String? = nil,
         clusterScopedReads: [String] = [], surface: MCPSurface? = nil, isolation: PluginIsolation, runner: any PluginRunner) {
        self.id = id
        self.path = path
        self.copy = copy ?? path
        self.tools = tools
        self.backends = backends
        self.instructions = instructions
        self.clusterScopedReads = clusterScopedReads
        self.surface = surface ?? MCPSurface(pluginID: id)
        self.isolation = isolation
        self.runner = runner
    }

    /// Run one tool on the calling thread. Returns the plugin's answer JSON
    /// ({"result":…} or {"error":…}), or a failure sentence.
    package func invoke(tool: String, arguments: JSON, call: any PluginCall) -> Result<JSON, PluginCallFailure> {
        let what = "tool '\(tool)'"
        return runner.invoke(tool: tool, arguments: arguments, call: call).flatMap { raw in
            Self.check(raw, what: what).flatMap { answer in
                guard let schema = tools.first(where: { $0.name == tool })?.outputSchema, let result = answer["result"] else {
                    return .success(answer)
                }
                if let problem = SchemaValidator.validate(result, against: schema) {
                    return .failure(.init("returned a result for \(what) that breaks its declared output schema: \(problem)"))
                }
                return .success(answer)
            }
        }
    }

    package func invokeBackend(id backendID: String, op: String, input: JSON, call: any PluginCall) -> Result<JSON, PluginCallFailure> {
        runner.invokeBackend(id: backendID, op: op, input: input, call: call).flatMap {
            Self.check($0, what: "backend \(backendID) operation \(op)")
        }
    }

    static func check(_ raw: RawAnswer, what: String) -> Result<JSON, PluginCallFailure> {
        if let size = raw.oversize {
            return .failure(.init("returned \(size) bytes for \(what), over the host's limit of \(PluginLimits.resultBytes) bytes; the plugin must return less (a page, a summary)"))
        }
        let parsed = raw.text.flatMap { try? JSON.parse($0) }
        switch raw.rc {
        case KFMCP_OK:
            guard let parsed, parsed.object != nil else {
                return .failure(.init("returned no valid JSON object for \(what)"))
            }
            guard parsed["result"] != nil || parsed["error"]?.object != nil else {
                return .failure(.init("returned neither {\"result\": …} nor {\"error\": {…}} for \(what)"))
            }
            return .success(parsed)
        case KFMCP_ERR_UNKNOWN: return .failure(.init("does not know \(what)"))
        case KFMCP_ERR_BAD_INPUT: return .failure(.init("could not read the input of \(what)"))
        default:
            let message = parsed?["error"]?["message"]?.string ?? "failed (code \(raw.rc))"
            return .failure(.init("\(what): \(message)"))
        }
    }

    func shutdown() { runner.shutdown() }

    /// Swapped out by a reload: calls in flight finish, then it stops.
    func retire() { runner.retire() }
}

/// Calls a plugin loaded into this process through its manifest's pointers.
final class InProcessRunner: PluginRunner, @unchecked Sendable {
    let functions: PluginFunctions
    /// Lives until the process exits (the plugin may keep it; we never unload).
    let host: UnsafeMutablePointer<kfmcp_host_v1>

    init(manifest: UnsafePointer<kfmcp_manifest_v1>, host: UnsafeMutablePointer<kfmcp_host_v1>) {
        functions = PluginFunctions(manifest)
        self.host = host
    }

    func invoke(tool: String, arguments: JSON, call: any PluginCall) -> Result<RawAnswer, PluginCallFailure> {
        guard let invoke = functions.invoke else { return .failure(.init("has no invoke function")) }
        return call.withPointer { callPointer in
            var out: UnsafeMutablePointer<CChar>?
            let rc = invoke(tool, arguments.serialized(), callPointer, &out)
            return .success(take(rc: rc, out: out))
        }
    }

    func invokeBackend(id: String, op: String, input: JSON, call: any PluginCall) -> Result<RawAnswer, PluginCallFailure> {
        guard let invoke = functions.backendInvoke else { return .failure(.init("has no backend_invoke function")) }
        return call.withPointer { callPointer in
            var out: UnsafeMutablePointer<CChar>?
            let rc = invoke(id, op, input.serialized(), callPointer, &out)
            return .success(take(rc: rc, out: out))
        }
    }

    func take(rc: Int32, out: UnsafeMutablePointer<CChar>?) -> RawAnswer {
        var text: String? = nil
        if let out {
            let size = strlen(out)
            defer { functions.freeResult?(out) }
            guard size <= PluginLimits.resultBytes else { return RawAnswer(rc: rc, oversize: size) }
            text = String(cString: out)
        }
        return RawAnswer(rc: rc, text: text)
    }

    func shutdown() { functions.shutdown?() }

    /// In-process code is never unloaded (see PluginLibrary): a reload keeps it.
    func retire() {}
}

public struct PluginCallFailure: Error, Sendable {
    public var message: String
    init(_ message: String) { self.message = message }
}
