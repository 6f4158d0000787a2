import Foundation
import KFJSON

/// Runs one tools/call through the host's pipeline, the same for every plugin:
///
///  1. find the tool; 2. policy (hidden tools are refused); 3. validate the
///  arguments against the tool's schema; 4. confirmation for tools that need it
///  (a dry-run preview, then MCP elicitation or a second call with
///  `confirm: true`); 5. run the plugin on a thread of its own (plugins block;
///  Swift's cooperative pool has one thread per core and must not);
///  6. redact secrets from the result; 7. one audit line, whatever happened.
public final class ToolInvoker: Sendable {
    let runtime: HostRuntime
    /// The session's user over HTTP; nil over stdio (the server's own identity and policy).
    let caller: Caller?

    public init(runtime: HostRuntime, caller: Caller? = nil) {
        self.runtime = runtime
        self.caller = caller
    }

    var policy: Policy { caller?.policy ?? runtime.policy }

    /// Asks the user a yes/no question through the client (MCP elicitation).
    /// nil when the client cannot be asked; else whether the user accepted.
    public typealias Elicit = @Sendable (_ message: String) async -> Bool?

    public static let confirmArgument = "confirm"
    /// Where `run` hands the namespace the call actually wrote in to the audit.
    static let actedNamespaceKey = "_acted_namespace"

    /// One tools/call; returns the MCP CallToolResult as JSON.
    public func call(name: String, arguments: JSON?,
                     progress: (@Sendable (Double, String) -> Void)?, elicit: Elicit? = nil) async -> JSON {
        let started = Date()
        var args = arguments ?? [:]
        var audit = AuditLog.Entry(tool: name, user: caller?.user ?? runtime.identity, namespace: nil, parameters: args,
                                   result: "error", jobID: nil, durationMs: 0, persona: policy.name,
                                   plugin: nil, message: nil)
        defer {
            audit.durationMs = Int(Date().timeIntervalSince(started) * 1000)
            runtime.audit?.record(audit)
        }
        func finish(_ outcome: String, _ result: JSON, message: String? = nil) -> JSON {
            audit.result = outcome
            audit.message = message
            return result
        }

        guard let entry = runtime.registry.tools[name], policy.allows(entry.spec) else {
            if let entry = runtime.registry.tools[name] {
                let refusal = policy.refusal(for: entry.spec)
                audit.plugin = entry.plugin.id
                return finish("refused", Self.error(refusal), message: refusal)
            }
            let known = visibleTools().prefix(60).joined(separator: ", ")
            return finish("refused", Self.error("Unknown tool '\(name)'. Available tools: \(known)."))
        }
        let spec = entry.spec
        audit.plugin = entry.plugin.id
        audit.namespace = args["namespace"]?.string ?? (caller?.cluster ?? runtime.cluster).defaultNamespace
        audit.jobID = args["job_id"]?.string

        let needsConfirmation = policy.needsConfirmation(spec)
        var confirmed = false
        // `confirm` belongs to the host unless the tool declares it itself; a
        // confirm sent to a tool that needs none is harmless and dropped.
        if spec.inputSchema["properties"]?[Self.confirmArgument] == nil, let c = args[Self.confirmArgument] {
            guard let b = c.bool else {
                return finish("error", Self.error("Invalid arguments for \(name): argument 'confirm' must be true or false."))
            }
            confirmed = b
            args[Self.confirmArgument] = nil
        }
        if let problem = SchemaValidator.validate(args, against: spec.inputSchema) {
            let message = "Invalid arguments for \(name): \(problem)."
            return finish("error", Self.error(message), message: message)
        }

        if needsConfirmation && !confirmed {
            // Run the tool once against the API server's dry run: the exact
            // requests it would send are validated and recorded, nothing is kept.
            let preview = await run(entry.plugin, spec: spec, args: args, dryRun: true, progress: nil)
            if case .success(let answer) = preview, answer["error"] != nil {
                return finish("error", Self.result(from: answer, spec: spec), message: answer["error"]?["message"]?.string)
            }
            let previewJSON = Self.previewJSON(preview: preview, tool: name)
            if let elicit, let accepted = await elicit(Self.confirmationMessage(tool: name, preview: previewJSON)) {
                if !accepted {
                    let text = "Not done: the user did not confirm \(name)."
                    return finish("declined", Self.callResult(text: text, structured: ["declined": true, "preview": previewJSON]))
                }
            } else {
                let text = "Preview only: \(name) needs confirmation. Nothing was created or deleted. "
                    + "Show the user what would happen, and call \(name) again with the same arguments and \"confirm\": true to proceed.\n"
                    + Self.confirmationMessage(tool: name, preview: previewJSON) + "\n"
                    + previewJSON.serialized()
                return finish("preview", Self.callResult(text: Redactor.redact(text), structured: Redactor.scrub(previewJSON)))
            }
        }

        let pluginStarted = Date()
        let outcome = await run(entry.plugin, spec: spec, args: args, dryRun: false, progress: progress)
        runtime.log.debug("\(name): plugin \(entry.plugin.id) took \(Int(Date().timeIntervalSince(pluginStarted) * 1e6)) µs",
                          source: "invoke")
        if Task.isCancelled { audit.result = "cancelled" }
        switch outcome {
        case .failure(let failure):
            let message = "Plugin '\(entry.plugin.id)' \(failure.message)."
            return finish("error", Self.error(message), message: message)
        case .success(let answer):
            audit.jobID = answer["result"]?["job_id"]?.string ?? audit.jobID
            audit.namespace = answer[Self.actedNamespaceKey]?.string ?? audit.namespace
            let isError = answer["error"] != nil
            return finish(Task.isCancelled ? "cancelled" : (isError ? "error" : "success"),
                          Self.result(from: answer, spec: spec),
                          message: answer["error"]?["message"]?.string)
        }
    }

    /// Tools the policy lets this user see, in load order.
    public func visibleTools() -> [String] {
        runtime.registry.orderedTools.filter(policy.allows).map(\.name)
    }

    /// The schema a client sees: tools that need confirmation accept `confirm`.
    public func listedSchema(_ spec: ToolSpec) -> JSON {
        guard policy.needsConfirmation(spec), var props = spec.inputSchema["properties"]?.object else {
            return spec.inputSchema
        }
        props[Self.confirmArgument] = ["type": "boolean",
                                       "description": "Set true to act after the user confirmed the preview. Without it the tool only previews."]
        var schema = spec.inputSchema
        schema["properties"] = .object(props)
        return schema
    }

    private func run(_ plugin: LoadedPlugin, spec: ToolSpec, args: JSON, dryRun: Bool,
                     progress: (@Sendable (Double, String) -> Void)?) async -> Result<JSON, PluginCallFailure> {
        let state = CallState(tool: spec.name, pluginID: plugin.id, spec: spec, dryRun: dryRun, progressSink: progress,
                              caller: caller)
        let outcome = await withTaskCancellationHandler {
            await Self.onOwnThread { [runtime] in
                runtime.tracking { Log.withThreadSink(state.caller?.log) { plugin.invoke(tool: spec.name, arguments: args, call: state) } }
            }
        } onCancel: {
            state.cancel()
        }
        if case .success(var answer) = outcome, let acted = state.actedNamespace {
            answer[Self.actedNamespaceKey] = .string(acted)  // for the audit line only
            if dryRun { answer["requests"] = .array(state.recordedWrites) }
            return .success(answer)
        }
        if dryRun, case .success(var answer) = outcome {
            answer["requests"] = .array(state.recordedWrites)
            return .success(answer)
        }
        return outcome
    }

    /// Run blocking work on a fresh thread and await it.
    static func onOwnThread<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            ToolThreads.shared.run { continuation.resume(returning: work()) }
        }
    }

    static func previewJSON(preview: Result<JSON, PluginCallFailure>, tool: String) -> JSON {
        switch preview {
        case .failure(let f): return ["preview": true, "tool": .string(tool), "note": .string("the dry run failed: \(f.message)")]
        case .success(let answer):
            return ["preview": true, "tool": .string(tool), "would_send": answer["requests"] ?? [],
                    "result_of_dry_run": answer["result"] ?? .null]
        }
    }

    /// A short summary for the user: what would be created or deleted, and GPUs.
    static func confirmationMessage(tool: String, preview: JSON) -> String {
        var lines = ["\(tool) wants to:"]
        for write in preview["would_send"]?.array ?? [] {
            let method = write["method"]?.string ?? "?"
            let path = write["path"]?.string ?? "?"
            let name = write["body"]?["metadata"]?["name"]?.string.map { " \($0)" } ?? ""
            let verb = ["POST": "create", "DELETE": "delete", "PATCH": "change", "PUT": "replace"][method] ?? method
            var line = "- \(verb) \(path)" + (method == "POST" ? name : "")
            if let trainer = write["body"]?["spec"]?["trainer"] {
                let nodes = trainer["numNodes"]?.int ?? 1
                let gpus = trainer["resourcesPerNode"]?["limits"]?["nvidia.com/gpu"]?.double
                if let gpus { line += " (\(nodes) node(s) × \(Int(gpus)) GPU)" }
            }
            lines.append(line)
        }
        if lines.count == 1 { lines.append("- (no Kubernetes change was recorded by the dry run)") }
        lines.append("Proceed?")
        return Redactor.redact(lines.joined(separator: "\n"))
    }

    static func result(from answer: JSON, spec: ToolSpec) -> JSON {
        if let error = answer["error"] {
            var message = Redactor.redact(error["message"]?.string ?? "The tool failed.")
            if let field = error["field"]?.string, !message.contains(field) { message += " (argument '\(field)')" }
            var structured: JSON = ["error": .object(error.object ?? [:])]
            structured["error"]?["message"] = .string(message)
            return callResult(text: message, structured: Redactor.scrub(structured), isError: true)
        }
        let result = Redactor.scrub(answer["result"] ?? .null)
        let summary = answer["text"]?.string.map(Redactor.redact)
        var text = result.serialized()
        if let summary { text = summary + "\n" + text }
        // structuredContent must be an object; wrap other shapes.
        return callResult(text: text, structured: result.object != nil ? result : ["result": result])
    }

    static func error(_ message: String) -> JSON { callResult(text: message, structured: nil, isError: true) }

    /// An MCP CallToolResult: one text block, structuredContent when there is one.
    static func callResult(text: String, structured: JSON?, isError: Bool = false) -> JSON {
        var result: JSON = ["content": [["type": "text", "text": .string(text)]], "isError": .bool(isError)]
        if let structured { result["structuredContent"] = structured }
        return result
    }
}
