import PluginKit

/// list_fine_tune_backends: what fine_tune's `backend` can be, from the host's
/// registry. Backends are plugins, so the list names none of them here.
enum BackendTools {
    static var all: [ToolDefinition] { [listFineTuneBackends] }

    static let listFineTuneBackends = ToolDefinition(
        name: "list_fine_tune_backends", title: "Fine-tuning backends",
        description: "The fine-tuning backends loaded (fine_tune's backend argument): each one's methods, model families, multi-node support, memory factor, the runtime it runs on and the plugin providing it.",
        category: "discovery", risk: .readOnly, idempotent: true,
        input: Schema.object([:]),
        output: Schema.result(always: ["backends": Schema.list()])
    ) { call in
        let backends = call.listBackends()
        let text = backends.isEmpty ? "No fine-tuning backends are loaded." : backends.map(summaryLine).joined(separator: "\n")
        return ToolOutput(["backends": .array(backends)], text: text)
    }

    /// "trl 0.1.0 (plugin trl): lora, qlora, full; multi-node; runtime framework trl, else torch-distributed"
    static func summaryLine(_ backend: JSON) -> String {
        let caps = backend["capabilities"] ?? [:]
        var parts = [(caps["methods"]?.array?.compactMap(\.string) ?? []).joined(separator: ", ")]
        parts.append(caps["multi_node"]?.bool == true ? "multi-node" : "single node")
        if let factor = caps["memory_factor"]?.double { parts.append("memory factor \(factor)") }
        if let framework = caps["runtime_selector"]?["framework"]?.string {
            let fallback = caps["runtime_selector"]?["fallback_runtime"]?.string.map { ", else \($0)" } ?? ""
            parts.append("runtime framework \(framework)\(fallback)")
        }
        let id = backend["id"]?.string ?? "?"
        let version = backend["version"]?.string ?? ""
        let plugin = backend["plugin"]?.string ?? "?"
        return "\(id) \(version) (plugin \(plugin)): \(parts.filter { !$0.isEmpty }.joined(separator: "; "))"
    }
}
