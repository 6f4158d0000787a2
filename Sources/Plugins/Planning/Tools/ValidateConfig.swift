import MemoryKit
import PluginKit

extension PlanningTools {
    static let validateConfig = ToolDefinition(
        name: "validate_config", title: "Validate a training config",
        description: "Checks a training setup (offline, except that a named runtime is checked to exist and fit the model by the backend that would run it): model/dataset URI schemes (hf://, s3://, pvc://), LoRA ranges, resource keys and quantities, sizes, and what the Kubeflow Trainer admission webhook would reject though the SDK lets it through (declared by each backend, e.g. several nodes on a single-node runtime, LoRA across nodes). Returns valid, errors and warnings.",
        category: category, risk: .readOnly, idempotent: true,
        input: Schema.object([
            "model": Schema.string("Model URI."),
            "dataset": Schema.string("Dataset URI."),
            "runtime": Schema.name("Training runtime name.", for: .trainingRuntimes),
            "namespace": Schema.namespace,
            "method": estimateInputProperties["method"]!,
            "backend": estimateInputProperties["backend"]!,
            "trainer_type": estimateInputProperties["trainer_type"]!,
            "precision": estimateInputProperties["precision"]!,
            "num_nodes": Schema.integer("Nodes.", minimum: 1),
            "gpus_per_node": Schema.integer("GPUs per node.", minimum: 1),
            "resources_per_node": Schema.map("Resources per node, e.g. {\"gpu\": 2, \"memory\": \"64Gi\"}."),
            "batch_size": Schema.integer("Micro-batch per GPU.", minimum: 1),
            "epochs": Schema.integer("Epochs.", minimum: 1),
            "seq_len": Schema.integer("Tokens per sequence.", minimum: 1),
            "lora_rank": Schema.integer("LoRA rank.", minimum: 1),
            "lora_alpha": Schema.number("LoRA alpha."),
            "lora_dropout": Schema.number("LoRA dropout in [0, 1)."),
            "lora_target_modules": estimateInputProperties["lora_target_modules"]!,
        ], additionalProperties: true),
        output: Schema.result(always: ["valid": Schema.of("boolean"), "errors": Schema.list(), "warnings": Schema.list()])
    ) { call in
        let a = try KEPAliases.apply(call.arguments)
        let backends = call.listBackends()
        var report = ConfigValidation.validate(a, backends: backends)
        // A named runtime must exist and fit the model, as fine_tune will find (the backend says).
        if (a["trainer_type"]?.string ?? "builtin") == "builtin", let misfit = RuntimeFit.issue(
            call, model: a["model"]?.string, dataset: a["dataset"]?.string, runtime: a["runtime"]?.string,
            method: a["method"]?.string, backendID: a["backend"]?.string,
            namespace: a["namespace"]?.string ?? call.defaultNamespace, backends: backends) {
            report.errors.append(.error("runtime", misfit.message))
        }
        let text = report.valid ? "Valid\(report.warnings.isEmpty ? "." : " with \(report.warnings.count) warning(s).")" :
            "Invalid:\n" + report.errors.map { "- \($0.field): \($0.message)" }.joined(separator: "\n")
        return ToolOutput(report.json, text: text)
    }
}
