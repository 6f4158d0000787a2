import Foundation
import HostBase
import HostKubeGate
import HostPlugins
import KFJSON

/// Runs one tools/call through the host's pipeline, the same for every plugin
/// and for tools called by other tools (`nested`):
///
///  1. find the tool; 2. policy (hidden tools are refused); 3. validate the
///  arguments against the tool's schema; 4. confirmation for tools that need it
///  (below); 5. run the plugin on a thread of its own (plugins block; Swift's
///  cooperative pool has one thread per core and must not); 6. redact secrets
///  from the result; 7. one audit line, whatever happened.
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
    let caller: Caller?
    /// Whom this pipeline's calls act as (the caller's, else the server's policy, cluster and name).
    let scope: CallScope

    public init(environment: CallEnvironment, caller: Caller? = nil) {
        self.environment = environment
        self.caller = caller
        self.scope = CallScope(environment: environment, caller: caller)
    }

    package var policy: Policy { scope.policy }
    public var registry: PluginRegistry { environment.registry }
    public var log: Log { environment.log }

    /// Asks the user a yes/no question through the client (MCP elicitation).
    /// nil when the client cannot be asked; else whether the user accepted.
    public typealias Elicit = @Sendable (_ message: String) async -> Bool?
    typealias Progress = @Sendable (Double, String) -> Void
    typealias Entry = (spec: ToolSpec, plugin: LoadedPlugin)

    public static let confirmArgument = "confirm"
    static let dryRunArgument = "dry_run"
    /// Where `run` hands the namespace the call actually wrote in to the audit.
    static let actedNamespaceKey = "_acted_namespace"
    /// Where `run` hands the writes the gate refused (not in the confirmed preview) to the audit.
    static let refusedWritesKey = "_refused_writes"

    /// One tools/call; returns the MCP CallToolResult as JSON.
    public func call(name: String, arguments: JSON?,
                     progress: (@Sendable (Double, String) -> Void)?, elicit: Elicit? = nil) async -> ToolCallResult {
        let started = Date()
        var audit = auditEntry(tool: name, arguments: arguments ?? [:])
        defer {
            audit.durationMs = Int(Date().timeIntervalSince(started) * 1000)
            environment.audit?.record(audit)
        }
        func finish(_ outcome: String, _ result: ToolCallResult, message: String? = nil) -> ToolCallResult {
            audit.result = outcome
            audit.message = message
            return result
        }
        let admitted: Admitted
        switch admit(name, arguments ?? [:], audit: &audit) {
        case .failure(let refusal): return finish(refusal.outcome, Self.error(refusal.message), message: refusal.message)
        case .success(let a): admitted = a
        }
        let (entry, args, spec) = (admitted.entry, admitted.arguments, admitted.entry.spec)
        // Progress messages are text for the client like any other, and a stream: a key's lines may come one a message.
        let progressRedactor = StreamRedactor()
        let progress = progress.map { sink in { @Sendable (f: Double, m: String) in sink(f, progressRedactor.redact(m)) } }
        /// `previewed`: the writes the person confirmed, all the run may send (nil: no preview binds it).
        func act(seed: String?, previewed: [JSON]?) async -> ToolCallResult {
            let pluginStarted = Date()
            let outcome = await run(entry, args: args, dryRun: false, seed: seed, progress: progress, previewed: previewed)
            environment.log.debug("\(name): plugin \(entry.plugin.id) took \(Int(Date().timeIntervalSince(pluginStarted) * 1e6)) µs",
                              source: "invoke")
            let (result, answer, message) = Self.outcome(outcome, plugin: entry.plugin.id)
            audit.jobID = answer?["result"]?["job_id"]?.string ?? audit.jobID
            audit.namespace = answer?[Self.actedNamespaceKey]?.string ?? audit.namespace
            if let refused = answer?[Self.refusedWritesKey]?.array, !refused.isEmpty {
                let note = "refused writes the confirmed preview did not show: "
                    + refused.compactMap(\.string).joined(separator: ", ")
                return finish("refused", answer.map { Self.result(from: $0) } ?? Self.error(message ?? ""), message: note)
            }
            return finish(Task.isCancelled ? "cancelled" : result, answer.map { Self.result(from: $0) } ?? Self.error(message ?? ""),
                          message: message)
        }

        if Self.asksForDryRun(spec, args) {
            // The objects, never a question: nothing is kept whatever the tool does.
            let outcome = await run(entry, args: args, dryRun: true, seed: nil, progress: progress)
            let (result, answer, message) = Self.outcome(outcome, plugin: entry.plugin.id)
            return finish(result == "success" ? "dry_run" : result,
                          answer.map { Self.result(from: $0) } ?? Self.error(message ?? ""), message: message)
        }
        guard needsConfirmation(spec, args) else { return await act(seed: nil, previewed: nil) }

        if let confirm = admitted.confirm {
            guard case .string(let token) = confirm else {
                let message = "\"confirm\": \(confirm.serialized()) does not confirm anything: the user confirms, not an argument. "
                    + "Call \(name) without confirm: a client that can ask the user (MCP elicitation) asks them; otherwise the preview "
                    + "returns a confirmation_token. Show the preview to the user and, once they agree, call \(name) again with the "
                    + "same arguments and \"confirm\": \"<confirmation_token>\"."
                return finish("refused", Self.error(message), message: message)
            }
            let plan: ConfirmationBook.Plan
            switch environment.confirmations.redeem(token, tool: name, arguments: planKey(args)) {
            case .failure(let refusal): return finish("refused", Self.error(refusal.message), message: refusal.message)
            case .success(let p): plan = p
            }
            // The plan must still be what happens: rerun the dry run with its seed.
            let check = await run(entry, args: args, dryRun: true, seed: plan.seed, progress: nil)
            if case .success(let answer) = check, answer["error"] != nil {
                let message = answer["error"]?["message"]?.string
                return finish("error", Self.result(from: answer), message: message)
            }
            if case .success(let answer) = check,
               plan.matches(writes: ConfirmationBook.fingerprint(answer["requests"]?.array ?? [])) {
                return await act(seed: plan.seed, previewed: answer["requests"]?.array ?? [])
            }
            let fresh = Self.previewJSON(preview: check, tool: name)
            let newToken = environment.confirmations.issue(tool: name, arguments: planKey(args), seed: plan.seed,
                                                       writes: Self.fingerprint(check))
            let note = "The cluster changed since the preview, so the confirmed plan no longer applies; nothing was done. "
                + "Here is the plan as it stands now; show it to the user again."
            return finish("preview", previewResult(tool: name, preview: fresh, token: newToken, note: note),
                          message: "plan changed since the preview")
        }

        let seed = ConfirmationBook.randomHex(bytes: 8)
        let preview = await run(entry, args: args, dryRun: true, seed: seed, progress: nil)
        if case .success(let answer) = preview, answer["error"] != nil {
            return finish("error", Self.result(from: answer), message: answer["error"]?["message"]?.string)
        }
        let previewJSON = Self.previewJSON(preview: preview, tool: name)
        if let elicit, let accepted = await elicit(Self.confirmationMessage(tool: name, preview: previewJSON)) {
            guard accepted else {
                let text = "Not done: the user declined \(name). Nothing was created or deleted; do not retry unless the user asks for it again."
                return finish("declined", Self.callResult(text: text, structured: ["declined": true, "preview": Redactor.scrub(previewJSON)]))
            }
            guard case .success(let answer) = preview else { return await act(seed: seed, previewed: []) }
            return await act(seed: seed, previewed: answer["requests"]?.array ?? [])
        }
        let token = environment.confirmations.issue(tool: name, arguments: planKey(args), seed: seed, writes: Self.fingerprint(preview))
        return finish("preview", previewResult(tool: name, preview: previewJSON, token: token, note: nil))
    }

    /// What a confirmation token is bound to besides the tool: the arguments and,
    /// over HTTP, the session's user and the credential they authenticated with,
    /// so nobody else (nor the same name with another credential) redeems it.
    private func planKey(_ args: JSON) -> JSON {
        guard let user = caller?.user else { return args }
        var key = args
        key["_confirming_user"] = .string(user)
        if let credential = caller?.credential { key["_confirming_credential"] = .string(credential) }
        return key
    }

    /// A tool called by another tool (kfmcp.tools/1), on the caller's thread:
    /// the same lookup, policy, validation, redaction and audit as a client's
    /// call. The outer call owns confirmation: a tool that needs it may be
    /// called only from a call that was itself confirmed, or in its dry run.
    /// Answers {"result":…,"text":…} or {"error":{…}}; nil for an unknown tool.
    func nested(name: String, arguments: JSON, from outer: CallState) -> JSON? {
        let started = Date()
        var audit = auditEntry(tool: name, arguments: arguments)
        audit.caller = outer.tool
        defer {
            audit.durationMs = Int(Date().timeIntervalSince(started) * 1000)
            environment.audit?.record(audit)
        }
        func refuse(_ outcome: String, _ message: String) -> JSON {
            audit.result = outcome
            audit.message = message
            return ["error": ["message": .string(Redactor.redact(message))]]
        }
        guard environment.registry.tools[name] != nil else {
            audit.result = "refused"
            return nil
        }
        let admitted: Admitted
        switch admit(name, arguments, audit: &audit) {
        case .failure(let refusal): return refuse(refusal.outcome, refusal.message)
        case .success(let a): admitted = a
        }
        let spec = admitted.entry.spec
        // Clients approve a tool by its declared risk: what it calls may not go higher.
        let ceiling = outer.spec?.risk ?? .readOnly
        if spec.risk > ceiling {
            return refuse("refused", "\(outer.tool) is \(ceiling.rawValue) and may not call \(name), which is \(spec.risk.rawValue): a tool calls only tools of its own risk or lower. Call \(name) directly.")
        }
        let outerConfirmed = outer.spec.map(policy.needsConfirmation) ?? false
        if needsConfirmation(spec, admitted.arguments) && !outer.dryRun && !outerConfirmed {
            return refuse("refused", "\(name) needs the user's confirmation; \(outer.tool) cannot call it on their behalf. Call \(name) directly.")
        }
        let inner = CallState(tool: name, pluginID: admitted.entry.plugin.id, pipeline: self, spec: spec, dryRun: outer.dryRun,
                              parent: outer)
        let (result, answer, message) = Self.outcome(invoke(admitted.entry, args: admitted.arguments, state: inner),
                                                     plugin: admitted.entry.plugin.id)
        audit.result = result
        audit.message = message
        guard var answer else { return ["error": ["message": .string(Redactor.redact(message ?? ""))]] }
        if var error = answer["error"]?.object {
            error["message"] = .string(Redactor.redact(error["message"]?.string ?? "The tool failed."))
            return ["error": Redactor.scrub(.object(error))]
        }
        answer["result"] = Redactor.scrub(answer["result"] ?? .null)
        if let text = answer["text"]?.string { answer["text"] = .string(Redactor.redact(text)) }
        return answer
    }

    // MARK: Steps shared by both pipelines

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

    static func fingerprint(_ dryRun: Result<JSON, PluginCallFailure>) -> String {
        guard case .success(let answer) = dryRun else { return "" }
        return ConfirmationBook.fingerprint(answer["requests"]?.array ?? [])
    }

    /// The preview for a client that cannot ask the user: what would happen, and
    /// the token to confirm it with (added after redaction: it is no secret, and
    /// a field named like *_token would otherwise be masked).
    private func previewResult(tool: String, preview: JSON, token: String, note: String?) -> ToolCallResult {
        var structured = Redactor.scrub(preview)
        let minutes = max(1, Int(environment.confirmations.lifetime / 60))
        let intro = (note.map { $0 + "\n" } ?? "")
            + "Preview only: \(tool) needs the user's confirmation. Nothing was created or deleted. "
            + "Show the user what would happen; once they agree, call \(tool) again with the same arguments and \"confirm\": \""
        let validity = "\" (valid once, for \(minutes) minute\(minutes == 1 ? "" : "s"))."
        let question = Self.confirmationMessage(tool: tool, preview: preview)
        // Said in the structured result too: a client that reads only
        // structuredContent must not take result_of_dry_run for what happened.
        structured["status"] = "needs_confirmation"
        structured["message"] = .string(Redactor.redact(intro) + "<confirmation_token>" + validity)
        structured["to_confirm"] = .string(question)
        structured["confirmation_token"] = .string(token)
        structured["expires_in_seconds"] = .int(Int(environment.confirmations.lifetime))
        if note != nil { structured["plan_changed"] = true }
        let printed = structured.serialized()
        let text = Redactor.redact(intro) + token + validity + "\n" + question + "\n" + printed
        return Self.callResult(text: text, structured: structured, printed: printed)
    }

    /// Tools the policy lets this user see, in load order.
    public func visibleTools() -> [String] {
        environment.registry.orderedTools.filter(policy.allows).map(\.name)
    }

    /// Whether a call of the tool may end in a preview (policy, or an argument that asks for confirmation).
    private func mayAskConfirmation(_ spec: ToolSpec) -> Bool {
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

    private func run(_ entry: Entry, args: JSON, dryRun: Bool, seed: String?,
                     progress: Progress?, previewed: [JSON]? = nil) async -> Result<JSON, PluginCallFailure> {
        let (spec, plugin) = entry
        let state = CallState(tool: spec.name, pluginID: plugin.id, pipeline: self, spec: spec, dryRun: dryRun,
                              progressSink: progress, planSeed: seed, previewedWrites: previewed)
        let outcome = await withTaskCancellationHandler {
            await Self.onOwnThread { [self] in invoke(entry, args: args, state: state) }
        } onCancel: {
            state.cancel()
        }
        let refused = state.refusedWritesSent
        if case .success(var answer) = outcome, dryRun || state.actedNamespace != nil || !refused.isEmpty {
            if let acted = state.actedNamespace { answer[Self.actedNamespaceKey] = .string(acted) }  // for the audit line only
            if !refused.isEmpty { answer[Self.refusedWritesKey] = .array(refused.map { .string($0) }) }
            if dryRun { answer["requests"] = .array(state.recordedWrites) }
            return .success(answer)
        }
        return outcome
    }

    /// Step 5 on this thread, for client and nested calls alike: the plugin runs
    /// with the call's session log, and shutdown waits for it.
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

    static func previewJSON(preview: Result<JSON, PluginCallFailure>, tool: String) -> JSON {
        switch preview {
        case .failure(let f): return ["preview": true, "tool": .string(tool), "note": .string("the dry run failed: \(f.message)")]
        case .success(let answer):
            var json: JSON = ["preview": true, "tool": .string(tool), "would_send": answer["requests"] ?? [],
                              "result_of_dry_run": answer["result"] ?? .null]
            if let summary = answer["summary"]?.string { json["summary"] = .string(summary) }  // the plugin's words
            return json
        }
    }

    /// A short summary for the user: what would be created or deleted, then
    /// the plugin's own summary of its preview (the host knows no domain).
    static func confirmationMessage(tool: String, preview: JSON) -> String {
        var lines = ["\(tool) wants to:"]
        for write in preview["would_send"]?.array ?? [] {
            let method = write["method"]?.string ?? "?"
            let path = write["path"]?.string ?? "?"
            let name = write["body"]?["metadata"]?["name"]?.string.map { " \($0)" } ?? ""
            let verb = ["POST": "create", "DELETE": "delete", "PATCH": "change", "PUT": "replace"][method] ?? method
            lines.append("- \(verb) \(path)" + (method == "POST" ? name : ""))
        }
        if lines.count == 1 { lines.append("- (no Kubernetes change was recorded by the dry run)") }
        if let summary = preview["summary"]?.string { lines.append(summary) }
        lines.append("Proceed?")
        return Redactor.redact(lines.joined(separator: "\n"))
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
