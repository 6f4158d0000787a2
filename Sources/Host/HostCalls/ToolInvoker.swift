import Foundation
import HostBase
import HostKubeGate
import HostPlugins
import KFJSON

/// Runs every call through the host's pipeline, the same for every plugin and
/// every origin (CallOrigin: a client, the doctor, a tool calling a tool),
/// through one entry (`perform`):
///
///  1. find the tool; 2. policy (hidden tools are refused); 3. validate the
///  arguments against the tool's schema; 4. the origin's ceiling (a nested
///  call's risk never exceeds its caller's; the doctor runs only doctor
///  checks); 5. confirmation for tools that need it (below; a nested call's
///  outer call owns it); 6. run the plugin on a tool thread (plugins block;
///  Swift's cooperative pool has one thread per core and must not); 7. redact
///  secrets from what comes back; 8. one audit line, whatever happened.
///
/// Confirmation is bound to the plan. The tool first runs against the API
/// server's dry run with a plan seed the host fixes (names derive from it), so
/// the preview shows the exact objects. A client that supports elicitation asks
/// the person, always; a decline ends that plan. Any other client gets the
/// preview and a one-time `confirmation_token` bound to the tool, the exact
/// arguments and the previewed writes; the tool acts only when called again
/// with `"confirm": "<token>"`, after the dry run, rerun with the same seed,
/// still sends exactly what was previewed. No argument value skips the person.
/// `dry_run: true` (tools that declare it) runs the dry run only and never asks.
public final class ToolInvoker: Sendable {
    public let environment: CallEnvironment

    /// The session's user over HTTP; nil over stdio (the server's own identity and policy).
    package let caller: Caller?
    /// Whom this pipeline's calls act as (the caller's, else the server's policy, cluster and name).
    let scope: CallScope

    public init(environment: CallEnvironment, caller: Caller? = nil) {
        self.environment = environment
        self.caller = caller
        self.scope = CallScope(environment: environment, caller: caller)
    }

    package var policy: Policy { scope.policy }
    /// The session's user over HTTP (nil: the server's own): whose fair share the calls take (ToolThreads lanes).
    package var user: String? { scope.user }
    public var registry: PluginRegistry { environment.registry }
    public var log: Log { environment.log }

    /// Asks the user a yes/no question through the client (MCP elicitation).
    /// nil when the client cannot be asked; else whether the user accepted.
    public typealias Elicit = @Sendable (_ message: String) async -> Bool?
    public typealias Progress = @Sendable (Double, String) -> Void
    typealias Entry = (spec: ToolSpec, plugin: LoadedPlugin)

    public static let confirmArgument = "confirm"
    static let dryRunArgument = "dry_run"
    /// Where `run` hands the namespace the call actually wrote in to the audit.
    static let actedNamespaceKey = "_acted_namespace"
    /// Where `run` hands the writes the gate refused (not in the confirmed preview) to the audit.
    static let refusedWritesKey = "_refused_writes"

    /// A client's tools/call; returns the MCP CallToolResult.
    public func call(name: String, arguments: JSON?, progress: Progress?, elicit: Elicit? = nil) async -> ToolCallResult {
        await call(name: name, arguments: arguments, origin: .client(progress: progress, elicit: elicit))
    }

    /// A client's or the doctor's call: the one entry, on a tool thread (plugins
    /// block; Swift's cooperative pool has one thread per core and must not).
    /// Cancelling the task cancels the call: the plugin's is_cancelled answers 1.
    public func call(name: String, arguments: JSON?, origin: CallOrigin) async -> ToolCallResult {
        let cancellation = CallCancellation()
        let ending = await withTaskCancellationHandler {
            await Self.onOwnThread { [self] in perform(name, arguments ?? [:], origin: origin, cancellation: cancellation).clientResult }
        } onCancel: {
            cancellation.cancel()
        }
        return ending
    }

    /// A tool called by another tool (kfmcp.tools/1): the one entry, on the
    /// calling tool's thread. Answers {"result":…,"text":…} or {"error":{…}};
    /// nil for an unknown tool.
    func nested(name: String, arguments: JSON, from outer: CallState) -> JSON? {
        perform(name, arguments, origin: .nested(outer: outer), cancellation: nil).nestedAnswer
    }

    /// The one entry for every call, whatever its origin (see CallOrigin):
    /// admission (the tool, the policy, the arguments), the origin's risk
    /// ceiling, confirmation, the plugin step, and one audit line whatever
    /// happened; the ending is redacted as it is shaped for the origin.
    func perform(_ name: String, _ arguments: JSON, origin: CallOrigin, cancellation: CallCancellation?) -> CallEnding {
        let started = Date()
        var audit = auditEntry(tool: name, arguments: arguments)
        audit.caller = origin.outer?.tool
        defer {
            audit.durationMs = Int(Date().timeIntervalSince(started) * 1000)
            environment.audit?.record(audit)
        }
        func finish(_ outcome: String, _ ending: CallEnding, message: String? = nil) -> CallEnding {
            audit.result = outcome
            audit.message = message
            return ending
        }
        // A calling tool learns only that no such tool exists (KFMCP_ERR_UNKNOWN), not the list.
        if origin.outer != nil, registry.tools[name] == nil { return finish("refused", .unknownTool) }
        let admitted: Admitted
        switch admit(name, arguments, audit: &audit) {
        case .failure(let refusal): return finish(refusal.outcome, .message(refusal.message), message: refusal.message)
        case .success(let a): admitted = a
        }
        let (entry, args, spec) = (admitted.entry, admitted.arguments, admitted.entry.spec)
        if let refusal = origin.refusal(of: spec) { return finish("refused", .message(refusal), message: refusal) }

        switch origin {
        case .nested(let outer):
            // The outer call owns confirmation: a tool that needs it may be called
            // only from a call that was itself confirmed, or in its dry run.
            let outerConfirmed = outer.spec.map(policy.needsConfirmation) ?? false
            if needsConfirmation(spec, args) && !outer.dryRun && !outerConfirmed {
                let refusal = "\(name) needs the user's confirmation; \(outer.tool) cannot call it on their behalf. Call \(name) directly."
                return finish("refused", .message(refusal), message: refusal)
            }
            let inner = CallState(tool: name, pluginID: entry.plugin.id, pipeline: self, spec: spec, dryRun: outer.dryRun,
                                  parent: outer)
            let (result, answer, message) = Self.outcome(invoke(entry, args: args, state: inner), plugin: entry.plugin.id)
            return finish(result, answer.map(CallEnding.answer) ?? .message(message ?? ""), message: message)
        case .doctor:
            if needsConfirmation(spec, args) {
                let refusal = "\(name) needs the user's confirmation under this policy, and doctor asks no one: its check was not run."
                return finish("refused", .message(refusal), message: refusal)
            }
            return confirmThenAct(admitted, progress: nil, elicit: nil, cancellation: cancellation, finish: finish)
        case .client(let progress, let elicit):
            return confirmThenAct(admitted, progress: progress, elicit: elicit, cancellation: cancellation, finish: finish)
        }
    }

    // MARK: The entry's steps

    struct Admitted {
        let entry: Entry
        /// The arguments the tool sees (without the host's `confirm`).
        let arguments: JSON
        /// The `confirm` value the caller sent, if any.
        let confirm: JSON?
    }

    struct Refused: Error {
        let outcome: String
        let message: String
    }

    private func auditEntry(tool: String, arguments: JSON) -> AuditLog.Entry {
        AuditLog.Entry(tool: tool, user: scope.identity, namespace: nil, parameters: arguments,
                       result: "error", jobID: nil, durationMs: 0, persona: policy.name,
                       plugin: nil, message: nil)
    }

    /// Steps 1–3: the tool, the policy, the arguments.
    private func admit(_ name: String, _ arguments: JSON, audit: inout AuditLog.Entry) -> Result<Admitted, Refused> {
        guard let entry = environment.registry.tools[name], policy.allows(entry.spec) else {
            if let entry = environment.registry.tools[name] {
                audit.plugin = entry.plugin.id
                return .failure(Refused(outcome: "refused", message: policy.refusal(for: entry.spec)))
            }
            let known = visibleTools().prefix(60).joined(separator: ", ")
            return .failure(Refused(outcome: "refused", message: "Unknown tool '\(name)'. Available tools: \(known)."))
        }
        var args = arguments
        audit.plugin = entry.plugin.id
        audit.namespace = args["namespace"]?.string ?? scope.cluster.defaultNamespace
        audit.jobID = args["job_id"]?.string
        // `confirm` belongs to the host unless the tool declares it itself.
        var confirm: JSON?
        if entry.spec.inputSchema["properties"]?[Self.confirmArgument] == nil, let c = args[Self.confirmArgument] {
            confirm = c == .null || c == .bool(false) ? nil : c
            args[Self.confirmArgument] = nil
        }
        if let problem = SchemaValidator.validate(args, against: entry.spec.inputSchema) {
            return .failure(Refused(outcome: "error", message: "Invalid arguments for \(name): \(problem)."))
        }
        return .success(Admitted(entry: entry, arguments: args, confirm: confirm))
    }

    /// The policy's rule for the tool, or an argument the tool marks
    /// `"x-kfmcp-confirm": true` in its schema set to true (e.g. overwrite);
    /// skip_confirmation in the policy file waives both.
    func needsConfirmation(_ spec: ToolSpec, _ args: JSON) -> Bool {
        if policy.needsConfirmation(spec) { return true }
        guard !policy.skipsConfirmation(spec) else { return false }
        return Self.confirmingArguments(spec).contains { args[$0] != nil && args[$0] != .bool(false) && args[$0] != .null }
    }

    /// Arguments whose schema says setting them needs the user's confirmation.
    static func confirmingArguments(_ spec: ToolSpec) -> [String] {
        (spec.inputSchema["properties"]?.object ?? [:]).filter { $0.value["x-kfmcp-confirm"] == .bool(true) }.map(\.key)
    }

    /// `dry_run: true` on a tool that declares the argument.
    static func asksForDryRun(_ spec: ToolSpec, _ args: JSON) -> Bool {
        spec.inputSchema["properties"]?[dryRunArgument] != nil && args[dryRunArgument]?.bool == true
    }

    /// (audit outcome, the plugin's answer when it gave one, the message to record).
    static func outcome(_ outcome: Result<JSON, PluginCallFailure>, plugin: String) -> (String, JSON?, String?) {
        switch outcome {
        case .failure(let failure): return ("error", nil, "Plugin '\(plugin)' \(failure.message).")
        case .success(let answer):
            let message = answer["error"]?["message"]?.string
            return (message == nil && answer["error"] == nil ? "success" : "error", answer, message)
        }
    }

    /// Tools the policy lets this user see, in load order.
    public func visibleTools() -> [String] {
        environment.registry.orderedTools.filter(policy.allows).map(\.name)
    }

    /// Whether a call of the tool may end in a preview (policy, or an argument that asks for confirmation).
    package func mayAskConfirmation(_ spec: ToolSpec) -> Bool {
        policy.needsConfirmation(spec) || !Self.confirmingArguments(spec).isEmpty && !policy.skipsConfirmation(spec)
    }

    /// The output schema a client sees: the tool's own, and, for a tool that
    /// may ask for confirmation, the host's preview and the user's refusal
    /// (structuredContent of those calls is the host's, not the tool's).
    public func listedOutputSchema(_ spec: ToolSpec) -> JSON? {
        guard let declared = spec.outputSchema else { return nil }
        guard mayAskConfirmation(spec) else { return declared }
        return ["type": "object", "anyOf": [declared, Self.previewSchema, Self.declinedSchema]]
    }

    static let previewSchema: JSON = [
        "type": "object", "description": "A preview: nothing was done; the user confirms with confirmation_token.",
        "properties": ["preview": ["enum": [true]], "status": ["enum": ["needs_confirmation"]], "tool": ["type": "string"],
                       "message": ["type": "string"], "to_confirm": ["type": "string"], "summary": ["type": "string"],
                       "would_send": ["type": "array"], "confirmation_token": ["type": "string"],
                       "expires_in_seconds": ["type": "integer"], "plan_changed": ["type": "boolean"]],
        "required": ["preview", "status", "tool", "message", "to_confirm", "confirmation_token"],
    ]
    static let declinedSchema: JSON = [
        "type": "object", "description": "The user declined the preview: nothing was done.",
        "properties": ["declined": ["enum": [true]], "preview": ["type": "object"]], "required": ["declined"],
    ]

    /// The schema a client sees: tools that need confirmation accept `confirm`.
    public func listedSchema(_ spec: ToolSpec) -> JSON {
        guard mayAskConfirmation(spec), var props = spec.inputSchema["properties"]?.object else {
            return spec.inputSchema
        }
        props[Self.confirmArgument] = ["type": "string",
                                       "description": "The confirmation_token of this tool's preview, once the user agreed to it; valid once, for the same arguments. Without it the tool previews (or asks the user, when the client supports elicitation)."]
        var schema = spec.inputSchema
        schema["properties"] = .object(props)
        return schema
    }

    /// Step 5 for a client's call (a nested call's runs inside its outer call's):
    /// what the call wrote, for its preview and its audit line.
    func run(_ entry: Entry, args: JSON, dryRun: Bool, seed: String?, progress: Progress?,
             previewed: [JSON]? = nil, cancellation: CallCancellation?) -> Result<JSON, PluginCallFailure> {
        let (spec, plugin) = entry
        let state = CallState(tool: spec.name, pluginID: plugin.id, pipeline: self, spec: spec, dryRun: dryRun,
                              progressSink: progress, planSeed: seed, previewedWrites: previewed, cancellation: cancellation)
        let outcome = invoke(entry, args: args, state: state)
        let refused = state.refusedWritesSent
        if case .success(var answer) = outcome, dryRun || state.actedNamespace != nil || !refused.isEmpty {
            if let acted = state.actedNamespace { answer[Self.actedNamespaceKey] = .string(acted) }  // for the audit line only
            if !refused.isEmpty { answer[Self.refusedWritesKey] = .array(refused.map { .string($0) }) }
            if dryRun { answer["requests"] = .array(state.recordedWrites) }
            return .success(answer)
        }
        return outcome
    }

    /// Step 5 on this thread, whatever the origin: the plugin runs with the
    /// call's session log, and shutdown waits for it.
    private func invoke(_ entry: Entry, args: JSON, state: CallState) -> Result<JSON, PluginCallFailure> {
        environment.tracker.tracking { Log.withThreadSink(state.caller?.log) { entry.plugin.invoke(tool: entry.spec.name, arguments: args, call: state) } }
    }

    /// Run blocking work on a tool thread and await it.
    package static func onOwnThread<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        if ToolThreads.isCurrent { return work() }  // a tools/call task runs on one already
        return await withCheckedContinuation { continuation in
            ToolThreads.shared.run { continuation.resume(returning: work()) }
        }
    }

    static func result(from answer: JSON) -> ToolCallResult {
        if let error = answer["error"] {
            var message = Redactor.redact(error["message"]?.string ?? "The tool failed.")
            if let field = error["field"]?.string, !message.contains(field) { message += " (argument '\(field)')" }
            var structured: JSON = ["error": .object(error.object ?? [:])]
            structured["error"]?["message"] = .string(message)
            return callResult(text: message, structured: Redactor.scrub(structured), isError: true)
        }
        let result = Redactor.scrub(answer["result"] ?? .null)
        let summary = answer["text"]?.string.map(Redactor.redact)
        let printed = result.serialized()
        let text = summary.map { $0 + "\n" + printed } ?? printed
        // structuredContent must be an object; wrap other shapes.
        guard result.object != nil else { return callResult(text: text, structured: ["result": result]) }
        return callResult(text: text, structured: result, printed: printed)
    }

    /// An error result; the text is redacted (it may quote the caller's arguments).
    package static func error(_ message: String) -> ToolCallResult { callResult(text: Redactor.redact(message), structured: nil, isError: true) }

    /// An MCP CallToolResult: one text block, structuredContent when there is one
    /// (`printed`: structured's JSON text when the caller printed it already).
    static func callResult(text: String, structured: JSON?, isError: Bool = false, printed: String? = nil) -> ToolCallResult {
        ToolCallResult(text: text, structured: structured, isError: isError, structuredText: printed)
    }
}
