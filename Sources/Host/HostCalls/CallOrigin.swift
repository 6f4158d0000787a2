import Foundation
import HostBase
import KFJSON

/// Where a call comes from: data the one pipeline entry (`ToolInvoker.perform`)
/// reads, rather than one entry per origin, so admission, the risk ceiling,
/// validation, audit and redaction are written once. What differs by origin:
/// the highest risk it may reach, and whether a person can be asked.
public enum CallOrigin: Sendable {
    /// An MCP client's tools/call, or `tools call`: the person may be asked
    /// (elicitation, else a preview and confirmation token).
    case client(progress: ToolInvoker.Progress?, elicit: ToolInvoker.Elicit?)
    /// `kubeflow-mcp doctor`: a read-only tool's doctor check; it never asks and never writes.
    case doctor
    /// A tool called by another tool (kfmcp.tools/1), on the calling tool's thread.
    case nested(outer: CallState)

    /// The calling tool, for the audit line's `caller`.
    var outer: CallState? {
        if case .nested(let outer) = self { return outer }
        return nil
    }

    /// Why this origin may not call `spec`; nil when it may. Clients approve a
    /// tool by its declared risk, so a tool it calls may not go higher; the
    /// doctor runs only the read-only tools' declared checks.
    func refusal(of spec: ToolSpec) -> String? {
        switch self {
        case .client: return nil
        case .doctor:
            guard spec.doctorArgument == nil else { return nil }
            return "\(spec.name) is not a doctor check: doctor runs only read-only tools that declare an \"x-kfmcp-doctor\" argument."
        case .nested(let outer):
            let ceiling = outer.spec?.risk ?? .readOnly
            guard spec.risk > ceiling else { return nil }
            return "\(outer.tool) is \(ceiling.rawValue) and may not call \(spec.name), which is \(spec.risk.rawValue): "
                + "a tool calls only tools of its own risk or lower. Call \(spec.name) directly."
        }
    }
}

/// Set when the call's client cancels it or its deadline passes; the plugin
/// sees it through is_cancelled (every CallState of the call reads it).
final class CallCancellation: @unchecked Sendable {
    private let lock = NSLock()
    private var cancelled = false
    var isCancelled: Bool { lock.withLock { cancelled } }
    func cancel() { lock.withLock { cancelled = true } }
}

/// How the one pipeline ended, before it is shaped for its origin: an MCP
/// CallToolResult for a client, kfmcp.tools/1's JSON for a calling tool.
/// Redaction happens here, the same for both.
enum CallEnding {
    /// A nested call named a tool no plugin has (KFMCP_ERR_UNKNOWN to the calling tool).
    case unknownTool
    /// The host's own words: a refusal, or why the plugin gave no answer.
    case message(String)
    /// The plugin's answer ({"result","text"} or {"error"}).
    case answer(JSON)
    /// A preview or a decline: the host's result for a client, never a nested call's.
    case shown(ToolCallResult)

    var clientResult: ToolCallResult {
        switch self {
        case .unknownTool: return ToolInvoker.error("Unknown tool.")
        case .message(let text): return ToolInvoker.error(text)
        case .answer(let answer): return ToolInvoker.result(from: answer)
        case .shown(let result): return result
        }
    }

    var nestedAnswer: JSON? {
        switch self {
        case .unknownTool: return nil
        case .message(let text): return ["error": ["message": .string(Redactor.redact(text))]]
        case .shown(let result): return ["error": ["message": .string(Redactor.redact(result.text))]]
        case .answer(var answer):
            if var error = answer["error"]?.object {
                error["message"] = .string(Redactor.redact(error["message"]?.string ?? "The tool failed."))
                return ["error": Redactor.scrub(.object(error))]
            }
            answer["result"] = Redactor.scrub(answer["result"] ?? .null)
            if let text = answer["text"]?.string { answer["text"] = .string(Redactor.redact(text)) }
            return answer
        }
    }
}
