import MemoryKit
import PluginKit

extension PlanningTools {
    static let estimateResources = ToolDefinition(
        name: "estimate_resources", title: "Estimate GPU memory",
        description: "Estimates peak GPU memory for fine-tuning a model (LoRA, QLoRA or full) from its architecture and the memory profile of the backend that will run it: per-GPU GB with a low/high range, a breakdown (weights, gradients, optimizer, adapters, activations, logits, overhead), the dominant terms, assumptions, the GPU types and counts that hold the high end, the smallest fitting GPU per node type the cluster has, and whether its free GPUs can run it now. Models outside the registry are read from their Hugging Face Hub config.json (cached on disk). Reads nodes and pods for feasibility (check_cluster=false skips that).",
        category: category, risk: .readOnly, idempotent: true, openWorld: true,
        input: Schema.object(estimateInputProperties.merging([
            "check_cluster": Schema.boolean("Compare with the cluster's free GPUs.", default: true),
        ]) { a, _ in a }),
        output: Schema.result(always: ["fits_on": Schema.of("object"), "recommended_gpus": Schema.of("integer", "null"), "recommended_gpu_type": Schema.of("string", "null"), "feasible": Schema.of("boolean", "null"), "feasibility": Schema.of("string"), "assumptions": Schema.list(Schema.of("string"))], sometimes: ["backend": Schema.of("string"), "by_node_type": Schema.list()])
    ) { call in
        let input = try EstimateInput(arguments: try KEPAliases.apply(call.arguments), backends: call.listBackends(),
                                      hub: .fromEnvironment())
        var inventory: GPUInventory?
        var notes = input.assumptions
        if try call.optionalBool("check_cluster") ?? true {
            let (read, problem) = GPUInventory.read(HostClusterReader(call: call))
            inventory = read
            if let problem { notes.append(problem) }
        }
        let plan = ResourcePlan.make(model: input.model, request: input.request, backend: input.backend,
                                     explicitLayout: input.explicitLayout, inventory: inventory, extraAssumptions: notes)
        var result = plan.json
        if let id = input.backend.id { result["backend"] = .string(id) }
        return ToolOutput(result, text: plan.summary)
    }
}
