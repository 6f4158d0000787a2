import Foundation
import KFJSON
import MCP

/// Runs one tools/call: finds the tool, validates the arguments against its
/// schema, runs the plugin on a thread of its own (plugins block; Swift's
/// cooperative pool has one thread per core and must not), and turns the
/// plugin's answer into an MCP result. Secrets are redacted from every result.
public final class ToolInvoker: Sendable {
    let runtime: HostRuntime

    public init(runtime: HostRuntime) { self.runtime = runtime }

    public func call(name: String, arguments: [String: MCP.Value]?, progress: (@Sendable (Double, String) -> Void)?) async
        -> CallTool.Result
    {
        guard let entry = runtime.registry.tools[name] else {
            let known = runtime.registry.toolOrder.prefix(50).joined(separator: ", ")
            return Self.error("Unknown tool '\(name)'. Available tools: \(known).")
        }
        let args = JSON.object((arguments ?? [:]).mapValues(JSON.init))
        if let problem = SchemaValidator.validate(args, against: entry.spec.inputSchema) {
            return Self.error("Invalid arguments for \(name): \(problem).")
        }
        let state = CallState(tool: name, pluginID: entry.plugin.id, progressSink: progress)
        let outcome = await withTaskCancellationHandler {
            await Self.onOwnThread { [runtime] in
                runtime.tracking { entry.plugin.invoke(tool: name, arguments: args, call: state) }
            }
        } onCancel: {
            state.cancel()
        }
        switch outcome {
        case .failure(let failure):
            return Self.error("Plugin '\(entry.plugin.id)' \(failure.message).")
        case .success(let answer):
            return Self.result(from: answer, spec: entry.spec)
        }
    }

    /// Run blocking work on a fresh thread and await it.
    static func onOwnThread<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            let thread = Thread { continuation.resume(returning: work()) }
            thread.stackSize = 4 << 20
            thread.start()
        }
    }

    static func result(from answer: JSON, spec: ToolSpec) -> CallTool.Result {
        if let error = answer["error"] {
            var message = Redactor.redact(error["message"]?.string ?? "The tool failed.")
            if let field = error["field"]?.string, !message.contains(field) { message += " (argument '\(field)')" }
            var structured: JSON = ["error": .object(error.object ?? [:])]
            structured["error"]?["message"] = .string(message)
            return CallTool.Result(content: [.text(text: message, annotations: nil, _meta: nil)],
                                   structuredContent: Optional(MCP.Value(Self.redactStrings(structured))), isError: true)
        }
        let result = redactStrings(answer["result"] ?? .null)
        let summary = answer["text"]?.string.map(Redactor.redact)
        var text = result.serialized()
        if let summary { text = summary + "\n" + text }
        // structuredContent must be an object; wrap other shapes.
        let structured: JSON = result.object != nil ? result : ["result": result]
        return CallTool.Result(content: [.text(text: text, annotations: nil, _meta: nil)],
                               structuredContent: Optional(MCP.Value(structured)), isError: false)
    }

    static func error(_ message: String) -> CallTool.Result {
        CallTool.Result(content: [.text(text: message, annotations: nil, _meta: nil)], isError: true)
    }

    /// Redact every string in a result (container logs, echoed arguments, …).
    static func redactStrings(_ json: JSON) -> JSON {
        switch json {
        case .string(let s): return .string(Redactor.redact(s))
        case .array(let a): return .array(a.map(redactStrings))
        case .object(let o):
            var out: [String: JSON] = [:]
            for (k, v) in o {
                out[k] = Redactor.isSecretName(k) && v.string != nil ? .string(Redactor.mask) : redactStrings(v)
            }
            return .object(out)
        default: return json
        }
    }
}
