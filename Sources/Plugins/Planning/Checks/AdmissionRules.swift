import PluginKit

/// What the Kubeflow Trainer admission webhook rejects for a built-in
/// trainer's runtimes, which the SDK lets through. A backend declares them in
/// its capabilities (`admission_rules`), so the planner checks any backend's
/// runtimes without knowing it:
///
///     "admission_rules": {
///       "supported_models": ["llama3_2/1B", ...],      // model keys the webhook accepts
///       "multi_node_models": ["llama3_3/70B"],         // the only ones allowed num_nodes > 1
///       "lora_multi_node": false,                      // LoRA with num_nodes > 1 is rejected
///       "qlora_unsupported_models": ["qwen2_5/1.5B"],
///       "qlora_single_gpu_models": ["llama3_2/1B", "llama3_2/3B"]  // QLoRA only on 1 GPU
///     }
///
/// The webhook reads the model from the runtime name `<framework>-<model>-<size>`:
/// `<model>` with dots turned into underscores, then "/", then `<size>` upper-cased
/// ("…-llama3.2-1b" → "llama3_2/1B").
public struct AdmissionRules: Sendable, Equatable {
    public var supportedModels: [String]?
    public var multiNodeModels: [String]?
    public var loraMultiNode: Bool
    public var qloraUnsupportedModels: [String]
    public var qloraSingleGPUModels: [String]

    public init?(json: JSON) {
        guard json.object != nil else { return nil }
        func list(_ key: String) -> [String]? { json[key]?.array?.compactMap(\.string) }
        supportedModels = list("supported_models")
        multiNodeModels = list("multi_node_models")
        loraMultiNode = json["lora_multi_node"]?.bool ?? true
        qloraUnsupportedModels = list("qlora_unsupported_models") ?? []
        qloraSingleGPUModels = list("qlora_single_gpu_models") ?? []
    }

    /// The webhook's model key for a runtime name, or nil when the name does
    /// not have three dash-separated parts.
    public static func modelKey(runtime: String) -> String? {
        let fields = runtime.split(separator: "-", omittingEmptySubsequences: false)
        guard fields.count == 3 else { return nil }
        return fields[1].replacingDots() + "/" + fields[2].uppercased()
    }

    /// The errors the webhook would give for this job on `runtime`.
    /// `gpusPerNode` nil means the runtime's default (unknown offline).
    func violations(runtime: String, method: FineTuneMethod?, numNodes: Int, gpusPerNode: Int?) -> [ConfigIssue] {
        let key = Self.modelKey(runtime: runtime) ?? ""
        var issues: [ConfigIssue] = []
        if let supported = supportedModels, !supported.contains(key) {
            issues.append(.error("runtime", "Kubeflow Trainer rejects runtime \(runtime): its model \(key.isEmpty ? "(none)" : key) is not one the built-in trainer supports (\(supported.joined(separator: ", ")))."))
        }
        if numNodes > 1, let multi = multiNodeModels, !multi.contains(key) {
            issues.append(.error("num_nodes", "Kubeflow Trainer rejects num_nodes \(numNodes) on runtime \(runtime): it must be 1 for model \(key) (only \(multi.joined(separator: ", ")) may use several nodes). Use num_nodes 1 with more GPUs per node."))
        }
        if numNodes > 1, !loraMultiNode, method == .lora || method == .qlora {
            issues.append(.error("num_nodes", "Kubeflow Trainer rejects LoRA with num_nodes \(numNodes) on runtime \(runtime): LoRA fine-tuning runs on one node. Use num_nodes 1, or method full."))
        }
        if method == .qlora {
            if qloraUnsupportedModels.contains(key) {
                issues.append(.error("method", "Kubeflow Trainer rejects QLoRA for model \(key) (runtime \(runtime)). Use method lora."))
            }
            if qloraSingleGPUModels.contains(key) && numNodes == 1 {
                if let gpus = gpusPerNode, gpus != 1 {
                    issues.append(.error("resources_per_node", "Kubeflow Trainer rejects QLoRA for model \(key) on \(gpus) GPUs: it must run on 1 GPU. Set resources_per_node {\"gpu\": 1}."))
                } else if gpusPerNode == nil {
                    issues.append(.warning("resources_per_node", "QLoRA for model \(key) must run on 1 GPU; the runtime's default GPU count applies when resources_per_node is not set. Set resources_per_node {\"gpu\": 1}."))
                }
            }
        }
        return issues
    }
}

extension Substring {
    fileprivate func replacingDots() -> String { String(map { $0 == "." ? "_" : $0 }) }
}
