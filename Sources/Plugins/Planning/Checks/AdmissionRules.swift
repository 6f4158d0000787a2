import MemoryKit
import PluginKit
import TrainerRules

/// What Kubeflow Trainer v2.3.0 and torchtune make of a job on a built-in trainer's runtime,
/// which the SDK lets through. A backend declares the facts in its capabilities
/// (`admission_rules`), so the planner checks any backend's runtimes without knowing it:
///
///     "admission_rules": {
///       "supported_models": ["llama3_2/1B", ...],        // models the built-in runtimes serve
///       "shipped_configs": ["llama3_2/1B_lora", ...]     // recipe configs torchtune ships
///     }
///
/// The plan goes first to Trainer v2.3.0's TrainJob webhook (TrainerRules, the code the
/// simulator runs as its admission webhook): what it denies at creation is an error quoting
/// the webhook's own words. Then the recipe and config are picked as Trainer picks them:
/// a config torchtune does not ship is admitted and fails when the trainer starts.
public struct AdmissionRules: Sendable, Equatable {
    public var supportedModels: [String]?
    public var shippedConfigs: Set<String>?

    public init?(json: JSON) {
        guard json.object != nil else { return nil }
        func list(_ key: String) -> [String]? { json[key]?.array?.compactMap(\.string) }
        supportedModels = list("supported_models")
        shippedConfigs = list("shipped_configs").map(Set.init)
    }

    /// The model key for a runtime name (`…-llama3.2-1b` → `llama3_2/1B`), or nil when
    /// the name does not have three dash-separated parts.
    public static func modelKey(runtime: String) -> String? { BuiltinTrainerRules.modelKey(runtime: runtime) }

    /// The errors (the job would fail) and warnings for this job on `runtime`.
    /// `gpusPerNode` nil means the runtime's default (2 for the built-in torchtune runtimes).
    func violations(runtime: String, method: FineTuneMethod?, numNodes: Int, gpusPerNode: Int?) -> [ConfigIssue] {
        let key = Self.modelKey(runtime: runtime) ?? ""
        if let supported = supportedModels, !supported.contains(key) {
            return [.error("runtime", "Kubeflow Trainer cannot fine-tune on runtime \(runtime): its model \(key.isEmpty ? "(none)" : key) is not one the built-in trainer supports (\(supported.joined(separator: ", "))).")]
        }
        guard let shipped = shippedConfigs else { return [] }
        let m: BuiltinTrainerRules.Method = method == .qlora ? .qlora : method == .lora ? .lora : .full
        let review = PlannedBuiltinTrainerJob.review(runtime: runtime, numNodes: numNodes, gpusPerNode: gpusPerNode, method: m)
        if let reason = review.message {
            let (field, fix) = Self.fix(for: review.errors.first?.field ?? "")
            return [.error(field, "Kubeflow Trainer v2.3.0 denies the TrainJob at creation: "
                           + TrainJobAdmission.deniedMessage(reason) + ". " + fix)]
        }
        let (_, config) = BuiltinTrainerRules.recipeAndConfig(model: key, numNodes: numNodes, gpus: gpusPerNode ?? 2, method: m)
        let singleGPU = BuiltinTrainerRules.recipeAndConfig(model: key, numNodes: 1, gpus: 1, method: m).1
        let admitted = "Kubeflow Trainer v2.3.0 admits the TrainJob and the trainer fails at start"
        var issues: [ConfigIssue] = []
        guard !shipped.contains(config) else { return issues }
        if numNodes > 1 {
            issues.append(.error("num_nodes", "The built-in trainer ships no \(config) config: on runtime \(runtime) num_nodes must be 1 for model \(key) (\(admitted)). Use num_nodes 1 with more GPUs per node."))
        } else if shipped.contains(singleGPU) {
            issues.append(.error("resources_per_node", "The built-in trainer ships no \(config) config: \(m.rawValue.uppercased()) for model \(key) must run on 1 GPU, not \(gpusPerNode ?? 2) (\(admitted)). Set resources_per_node {\"gpu\": 1}."))
        } else {
            issues.append(.error("method", "The built-in trainer ships no \(config) config: \(m.rawValue.uppercased()) is not available for model \(key) on runtime \(runtime) (\(admitted)). Use method lora."))
        }
        return issues
    }

    /// Our argument behind a webhook error's field, and how to fix it.
    static func fix(for field: String) -> (String, String) {
        switch field {
        case "spec.trainer.numNodes": return ("num_nodes", "Use num_nodes 1 (with more GPUs per node).")
        case "spec.trainer.numProcPerNode", "spec.trainer.resourcesPerNode":
            return ("resources_per_node", "Set resources_per_node {\"gpu\": 1}.")
        case "spec.runtimeRef.name": return ("method", "Use method lora, or another runtime.")
        default: return ("runtime", "Use another runtime.")
        }
    }
}

extension BackendProfile {
    /// The admission facts the backend declares (`admission_rules`), if any.
    public var admissionRules: AdmissionRules? { capabilities["admission_rules"].flatMap(AdmissionRules.init(json:)) }
}
