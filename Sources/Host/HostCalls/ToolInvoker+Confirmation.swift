import Foundation
import HostBase
import HostKubeGate
import HostPlugins
import KFJSON

/// The entry's confirmation step, for a client's or the doctor's call (a
/// nested call's outer call owns confirmation). See ToolInvoker: the plan is
/// previewed on the API server's dry run with a seed the host fixes; the person
/// is asked (elicitation) or handed a one-time token bound to the plan; the
/// confirmed run may send only the previewed writes.
extension ToolInvoker {
    typealias Finish = (_ outcome: String, _ ending: CallEnding, _ message: String?) -> CallEnding

    func confirmThenAct(_ admitted: Admitted, progress: Progress?, elicit: Elicit?, cancellation: CallCancellation?,
                        finish: Finish) -> CallEnding {
        let (entry, args, spec) = (admitted.entry, admitted.arguments, admitted.entry.spec)
        let name = spec.name
        // Progress messages are text for the client like any other, and a stream: a key's lines may come one a message.
        let progressRedactor = StreamRedactor()
        let progress = progress.map { sink in { @Sendable (f: Double, m: String) in sink(f, progressRedactor.redact(m)) } }
        func run(dryRun: Bool, seed: String?, progress: Progress?, previewed: [JSON]? = nil) -> Result<JSON, PluginCallFailure> {
            self.run(entry, args: args, dryRun: dryRun, seed: seed, progress: progress, previewed: previewed, cancellation: cancellation)
        }
        /// `previewed`: the writes the person confirmed, all the run may send (nil: no preview binds it).
        func act(seed: String?, previewed: [JSON]?) -> CallEnding {
            let pluginStarted = Date()
            let outcome = run(dryRun: false, seed: seed, progress: progress, previewed: previewed)
            log.debug("\(name): plugin \(entry.plugin.id) took \(Int(Date().timeIntervalSince(pluginStarted) * 1e6)) µs",
                      source: "invoke")
            let (result, answer, message) = Self.outcome(outcome, plugin: entry.plugin.id)
            let ending = answer.map(CallEnding.answer) ?? .message(message ?? "")
            if let refused = answer?[Self.refusedWritesKey]?.array, !refused.isEmpty {
                let note = "refused writes the confirmed preview did not show: " + refused.compactMap(\.string).joined(separator: ", ")
                return finish("refused", ending, note)
            }
            return finish(cancellation?.isCancelled == true ? "cancelled" : result, ending, message)
        }

        if Self.asksForDryRun(spec, args) {
            // The objects, never a question: nothing is kept whatever the tool does.
            let (result, answer, message) = Self.outcome(run(dryRun: true, seed: nil, progress: progress), plugin: entry.plugin.id)
            return finish(result == "success" ? "dry_run" : result, answer.map(CallEnding.answer) ?? .message(message ?? ""), message)
        }
        guard needsConfirmation(spec, args) else { return act(seed: nil, previewed: nil) }

        if let confirm = admitted.confirm {
            guard case .string(let token) = confirm else {
                let message = "\"confirm\": \(confirm.serialized()) does not confirm anything: the user confirms, not an argument. "
                    + "Call \(name) without confirm: a client that can ask the user (MCP elicitation) asks them; otherwise the preview "
                    + "returns a confirmation_token. Show the preview to the user and, once they agree, call \(name) again with the "
                    + "same arguments and \"confirm\": \"<confirmation_token>\"."
                return finish("refused", .message(message), message)
            }
            let plan: ConfirmationBook.Plan
            switch environment.confirmations.redeem(token, tool: name, arguments: planKey(args)) {
            case .failure(let refusal): return finish("refused", .message(refusal.message), refusal.message)
            case .success(let p): plan = p
            }
            // The plan must still be what happens: rerun the dry run with its seed.
            let check = run(dryRun: true, seed: plan.seed, progress: nil)
            if case .success(let answer) = check, answer["error"] != nil {
                return finish("error", .answer(answer), answer["error"]?["message"]?.string)
            }
            if case .success(let answer) = check,
               plan.matches(writes: ConfirmationBook.fingerprint(answer["requests"]?.array ?? [])) {
                return act(seed: plan.seed, previewed: answer["requests"]?.array ?? [])
            }
            let fresh = Self.previewJSON(preview: check, tool: name)
            let newToken = environment.confirmations.issue(tool: name, arguments: planKey(args), seed: plan.seed,
                                                           writes: Self.fingerprint(check))
            let note = "The cluster changed since the preview, so the confirmed plan no longer applies; nothing was done. "
                + "Here is the plan as it stands now; show it to the user again."
            return finish("preview", .shown(previewResult(tool: name, preview: fresh, token: newToken, note: note)),
                          "plan changed since the preview")
        }

        let seed = ConfirmationBook.randomHex(bytes: 8)
        let preview = run(dryRun: true, seed: seed, progress: nil)
        if case .success(let answer) = preview, answer["error"] != nil {
            return finish("error", .answer(answer), answer["error"]?["message"]?.string)
        }
        let previewJSON = Self.previewJSON(preview: preview, tool: name)
        if let elicit, let accepted = Self.ask(elicit, Self.confirmationMessage(tool: name, preview: previewJSON)) {
            guard accepted else {
                let text = "Not done: the user declined \(name). Nothing was created or deleted; do not retry unless the user asks for it again."
                return finish("declined", .shown(Self.callResult(text: text, structured: ["declined": true, "preview": Redactor.scrub(previewJSON)])), nil)
            }
            guard case .success(let answer) = preview else { return act(seed: seed, previewed: []) }
            return act(seed: seed, previewed: answer["requests"]?.array ?? [])
        }
        let token = environment.confirmations.issue(tool: name, arguments: planKey(args), seed: seed, writes: Self.fingerprint(preview))
        return finish("preview", .shown(previewResult(tool: name, preview: previewJSON, token: token, note: nil)), nil)
    }

    /// Elicitation is async (the answer comes back through the transport); the
    /// entry runs on a tool thread, which may block: tool threads are for that.
    /// The question runs off the tool threads, so a full pool cannot hold up its answer.
    static func ask(_ elicit: @escaping Elicit, _ message: String) -> Bool? {
        final class Answer: @unchecked Sendable { var value: Bool? }
        let answer = Answer()
        let answered = DispatchSemaphore(value: 0)
        Task.detached {
            answer.value = await elicit(message)
            answered.signal()
        }
        answered.wait()
        return answer.value
    }

    /// What a confirmation token is bound to besides the tool: the arguments and,
    /// over HTTP, the session's user and the credential they authenticated with,
    /// so nobody else (nor the same name with another credential) redeems it.
    func planKey(_ args: JSON) -> JSON {
        guard let user = caller?.user else { return args }
        var key = args
        key["_confirming_user"] = .string(user)
        if let credential = caller?.credential { key["_confirming_credential"] = .string(credential) }
        return key
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
}
