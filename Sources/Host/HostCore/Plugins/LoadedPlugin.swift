import Foundation
import KFJSON
import PluginABI

/// The manifest's functions, read once field by field (see ABIStruct).
struct PluginFunctions: @unchecked Sendable {
    typealias Invoke = @convention(c) (UnsafePointer<CChar>?, UnsafePointer<CChar>?, OpaquePointer?,
                                       UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32
    typealias BackendInvoke = @convention(c) (UnsafePointer<CChar>?, UnsafePointer<CChar>?, UnsafePointer<CChar>?,
                                              OpaquePointer?, UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32
    var invoke: Invoke?
    var backendInvoke: BackendInvoke?
    var freeResult: (@convention(c) (UnsafeMutablePointer<CChar>?) -> Void)?
    var shutdown: (@convention(c) () -> Void)?
}

/// A plugin the host accepted: its functions, the host struct it was given,
/// and the tools and backends copied out of the manifest.
public final class LoadedPlugin: @unchecked Sendable {
    public let id: String
    public let path: String
    public let tools: [ToolSpec]
    public let backends: [BackendSpec]
    /// ABI 1.1 manifest instructions for the model, when the plugin has some.
    public let instructions: String?
    /// ABI 1.1: cluster-scoped "group/resource" its tools read (checked).
    public let clusterScopedReads: [String]
    let functions: PluginFunctions
    /// Lives until the process exits (the plugin may keep it; we never unload).
    let host: UnsafeMutablePointer<kfmcp_host_v1>

    init(id: String, path: String, tools: [ToolSpec], backends: [BackendSpec],
         instructions: String?, clusterScopedReads: [String], functions: PluginFunctions, host: UnsafeMutablePointer<kfmcp_host_v1>) {
        self.id = id
        self.path = path
        self.tools = tools
        self.backends = backends
        self.instructions = instructions
        self.clusterScopedReads = clusterScopedReads
        self.functions = functions
        self.host = host
    }

    /// Run one tool on the calling thread. Returns the plugin's answer JSON
    /// ({"result":…} or {"error":…}), or a protocol failure sentence.
    func invoke(tool: String, arguments: JSON, call: CallState) -> Result<JSON, PluginCallFailure> {
        guard let invoke = functions.invoke else { return .failure(.init("has no invoke function")) }
        return call.withPointer { callPointer in
            var out: UnsafeMutablePointer<CChar>?
            let rc = invoke(tool, arguments.serialized(), callPointer, &out)
            return finish(rc: rc, out: out, what: "tool \(tool)")
        }
    }

    func invokeBackend(id backendID: String, op: String, input: JSON, call: CallState) -> Result<JSON, PluginCallFailure> {
        guard let invoke = functions.backendInvoke else { return .failure(.init("has no backend_invoke function")) }
        return call.withPointer { callPointer in
            var out: UnsafeMutablePointer<CChar>?
            let rc = invoke(backendID, op, input.serialized(), callPointer, &out)
            return finish(rc: rc, out: out, what: "backend \(backendID) operation \(op)")
        }
    }

    private func finish(rc: Int32, out: UnsafeMutablePointer<CChar>?, what: String) -> Result<JSON, PluginCallFailure> {
        var text: String?
        if let out {
            text = String(cString: out)
            functions.freeResult?(out)
        }
        let parsed = text.flatMap { try? JSON.parse($0) }
        switch rc {
        case KFMCP_OK:
            guard let parsed, parsed.object != nil else {
                return .failure(.init("returned no valid JSON object for \(what)"))
            }
            return .success(parsed)
        case KFMCP_ERR_UNKNOWN: return .failure(.init("does not know \(what)"))
        case KFMCP_ERR_BAD_INPUT: return .failure(.init("could not read the input of \(what)"))
        default:
            let message = parsed?["error"]?["message"]?.string ?? "failed (code \(rc))"
            return .failure(.init("\(what): \(message)"))
        }
    }

    func shutdown() { functions.shutdown?() }
}

public struct PluginCallFailure: Error, Sendable {
    public var message: String
    init(_ message: String) { self.message = message }
}
