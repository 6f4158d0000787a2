import PluginKit

/// The planning tools: thin wrappers that read arguments, call the pure
/// planner (Registry/, Estimation/, Checks/) and shape the answer.
enum PlanningTools {
    static let category = "planning"

    static let estimateInputProperties: [String: JSON] = [
        "model": Schema.string("Hugging Face model id: hf://org/name, org/name or a close variant (case, -Instruct/-it/-Chat, without org)."),
        "method": Schema.string("Fine-tuning method (default lora; full for custom/container trainers).", enum: FineTuneMethod.allCases.map(\.rawValue)),
        "backend": Schema.string("Fine-tuning backend id from list_backends; its declared memory_factor is applied."),
        "trainer_type": Schema.string("builtin (fine_tune), custom (run_custom_training) or container (run_container_job).",
                                      enum: EstimateInput.TrainerType.allCases.map(\.rawValue), default: "builtin"),
        "batch_size": Schema.integer("Micro-batch per GPU.", minimum: 1, maximum: 4096, default: 1),
        "seq_len": Schema.integer("Tokens per sequence.", minimum: 1, default: 2048),
        "precision": Schema.string("Weight precision (QLoRA: compute dtype; the base is 4-bit NF4).", enum: Precision.allCases.map(\.rawValue), default: "bf16"),
        "num_nodes": Schema.integer("Nodes.", minimum: 1, maximum: 1024),
        "gpus_per_node": Schema.integer("GPUs per node.", minimum: 1, maximum: 64),
        "gradient_checkpointing": Schema.boolean("Recompute activations in the backward pass.", default: true),
        "lora_rank": Schema.integer("LoRA rank.", minimum: 1, maximum: 1024, default: 16),
        "lora_target_modules": Schema.array("LoRA target modules (q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj or all-linear); default all linear.",
                                            items: Schema.string("Module name.")),
        "params_billion": Schema.number("Parameter count in billions: needed for models outside the registry, a hint for custom code.", minimum: 0),
    ]

    static let estimateResources = ToolDefinition(
        name: "estimate_resources", title: "Estimate GPU memory",
        description: "Estimates GPU memory for fine-tuning a model (LoRA, QLoRA or full) from its architecture: per-GPU and total GB, a breakdown (weights, gradients, optimizer, adapters, activations, overhead), the GPU types and counts it fits on, a recommendation, and whether the cluster's free GPUs can run it now. Offline except for reading nodes and pods for feasibility (check_cluster=false skips that).",
        category: category, risk: .readOnly, idempotent: true,
        input: Schema.object(estimateInputProperties.merging([
            "check_cluster": Schema.boolean("Compare with the cluster's free GPUs.", default: true),
        ]) { a, _ in a })
    ) { call in
        let input = try EstimateInput(arguments: call.arguments, backends: call.listBackends())
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

    static let checkPrerequisites = ToolDefinition(
        name: "check_prerequisites", title: "Check prerequisites",
        description: "Pre-flight check of a training job against the cluster: Trainer CRDs and version, the runtime (namespaced first, then cluster-wide) and its framework, free GPUs of a fitting type, the namespace's GPU quota, permission to create TrainJobs, the namespace policy, the hf-token Secret for gated models, and the model/dataset URIs. Returns ready, issues with a fix each, and actions_needed.",
        category: category, risk: .readOnly, idempotent: true,
        input: Schema.object([
            "model": Schema.string("Model URI (hf://org/name, s3://..., pvc://...)."),
            "dataset": Schema.string("Dataset URI (hf://org/name, s3://..., pvc://...)."),
            "runtime": Schema.string("Training runtime name."),
            "namespace": Schema.string("Namespace; default the current context's."),
            "resources": Schema.map("Resources per node, e.g. {\"gpu\": 2, \"memory\": \"64Gi\"} (alias resources_per_node)."),
            "resources_per_node": Schema.map("Same as resources."),
            "num_nodes": Schema.integer("Nodes.", minimum: 1, maximum: 1024, default: 1),
            "method": estimateInputProperties["method"]!,
            "backend": estimateInputProperties["backend"]!,
            "trainer_type": estimateInputProperties["trainer_type"]!,
            "params_billion": estimateInputProperties["params_billion"]!,
            "batch_size": estimateInputProperties["batch_size"]!,
            "seq_len": estimateInputProperties["seq_len"]!,
            "hf_token_secret": Schema.string("The Secret the model's Hugging Face token is to come from; it must exist and hold key \"token\"."),
        ])
    ) { call in
        let a = call.arguments
        let backends = call.listBackends()
        let namespace = try call.optionalString("namespace") ?? call.defaultNamespace
        var resourceIssues: [ConfigIssue] = []
        var resourceArgs: JSON = [:]
        resourceArgs["resources_per_node"] = a["resources"] ?? a["resources_per_node"]
        let gpus = ConfigValidation.resources(resourceArgs, &resourceIssues)
        if let first = resourceIssues.first(where: { $0.severity == .error }) {
            throw ToolError(first.message, field: "resources")
        }
        let numNodes = try call.optionalInt("num_nodes") ?? 1
        guard numNodes >= 1 else { throw ToolError("num_nodes must be at least 1.", field: "num_nodes") }

        // Size the job when the model can be sized, on the job's own layout.
        var estimateArgs = a
        estimateArgs["num_nodes"] = .int(numNodes)
        estimateArgs["gpus_per_node"] = .int(gpus ?? 1)
        let input = try? EstimateInput(arguments: estimateArgs, backends: backends)
        let perGPU = input.map { MemoryModel.estimate(model: $0.model, request: $0.request, backend: $0.backend).perGPUBytes }
        var framework: String?
        var fallbackRuntime: String?
        let backendID = try call.optionalString("backend")
        if let backendID {
            framework = try BackendProfile.find(backendID, in: backends).framework
            fallbackRuntime = backends.first { $0["id"]?.string == backendID }?["capabilities"]?["runtime_selector"]?["fallback_runtime"]?.string
        }

        var request = Prerequisites.Request(
            model: try call.optionalString("model"), dataset: try call.optionalString("dataset"),
            runtime: try call.optionalString("runtime"), namespace: namespace, numNodes: numNodes, gpusPerNode: gpus,
            perGPUBytes: perGPU, framework: framework, backendID: backendID,
            trainerType: EstimateInput.TrainerType(rawValue: (try call.optionalString("trainer_type") ?? "builtin").lowercased()) ?? .builtin,
            builtinFrameworks: backends.compactMap { BackendProfile(backend: $0).framework }, fallbackRuntime: fallbackRuntime)
        request.hfTokenSecret = try call.optionalString("hf_token_secret")
        let allowed = call.context()["allowed_namespaces"]?.array?.compactMap(\.string)
        let report = Prerequisites(cluster: HostClusterReader(call: call)).run(request, allowedNamespaces: allowed)
        var result = report.json
        result["namespace"] = .string(namespace)
        if let perGPU { result["gpu_memory_gb_per_gpu"] = .double(rounded(gib(perGPU), 2)) }
        let text = report.ready ? "Ready: all checks passed." :
            "Not ready:\n" + report.issues.filter { $0.severity == .error }.map { "- \($0.message) Fix: \($0.fix)" }.joined(separator: "\n")
        return ToolOutput(result, text: text)
    }

    static let validateConfig = ToolDefinition(
        name: "validate_config", title: "Validate a training config",
        description: "Checks a training setup without the cluster: model/dataset URI schemes (hf://, s3://, pvc://), LoRA ranges, resource keys and quantities, sizes, and what the Kubeflow Trainer admission webhook would reject though the SDK lets it through (declared by each backend, e.g. several nodes on a single-node runtime, LoRA across nodes). Returns valid, errors and warnings.",
        category: category, risk: .readOnly, idempotent: true,
        input: Schema.object([
            "model": Schema.string("Model URI."),
            "dataset": Schema.string("Dataset URI."),
            "runtime": Schema.string("Training runtime name."),
            "namespace": Schema.string("Namespace."),
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
        ], additionalProperties: true)
    ) { call in
        let report = ConfigValidation.validate(call.arguments, backends: call.listBackends())
        let text = report.valid ? "Valid\(report.warnings.isEmpty ? "." : " with \(report.warnings.count) warning(s).")" :
            "Invalid:\n" + report.errors.map { "- \($0.field): \($0.message)" }.joined(separator: "\n")
        return ToolOutput(report.json, text: text)
    }

    static let listModelRegistry = ToolDefinition(
        name: "list_model_registry", title: "List known models",
        description: "The models the planner knows (architecture figures from each model's Hugging Face config.json), optionally filtered by a name fragment.",
        category: category, risk: .readOnly, idempotent: true,
        input: Schema.object(["filter": Schema.string("Case-insensitive name fragment, e.g. qwen or 8b."),
                              "model": Schema.string("A model repo (org/name): the one entry it resolves to, variants such as -Instruct included (none when unknown).")])
    ) { call in
        let filter = try call.optionalString("filter")?.lowercased()
        var models = ModelRegistry.shared.models.filter { filter == nil || $0.id.lowercased().contains(filter!) }
        if let model = try call.optionalString("model") {
            models = ModelRegistry.shared.find(model).map { [$0.model] } ?? []
        }
        return ToolOutput(["models": .array(models.map(\.json)), "count": .int(models.count)],
                          text: models.map { "\($0.id) (\($0.paramsBillion)B\($0.gated ? ", gated" : ""))" }.joined(separator: "\n"))
    }

    static let all = [estimateResources, checkPrerequisites, validateConfig, listModelRegistry]
}
