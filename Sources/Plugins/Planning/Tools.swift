import PluginKit

/// The planning tools: thin wrappers that read arguments, call the pure
/// planner (Registry/, Estimation/, Checks/) and shape the answer.
enum PlanningTools {
    static let category = "planning"

    static let estimateInputProperties: [String: JSON] = [
        "model": Schema.string("Hugging Face model id: hf://org/name, org/name or a close variant (case, -Instruct/-it/-Chat, without org)."),
        "method": Schema.string("Fine-tuning method (default lora; full for custom/container trainers).", enum: FineTuneMethod.allCases.map(\.rawValue)),
        "peft_method": KEPAliases.peftMethod,
        "backend": Schema.string("Fine-tuning backend id from list_backends; its declared memory profile (loss, optimizer, checkpointing, sharding, ...) is used."),
        "trainer_type": Schema.string("builtin (fine_tune), custom (run_custom_training) or container (run_container_job).",
                                      enum: EstimateInput.TrainerType.allCases.map(\.rawValue), default: "builtin"),
        "batch_size": Schema.integer("Micro-batch per GPU.", minimum: 1, maximum: 4096, default: 1),
        "seq_len": Schema.integer("Tokens per sequence (same as max_seq_len).", minimum: 1, default: 2048),
        "max_seq_len": Schema.integer("Longest sequence in tokens: packed batches are always this long, padded ones at most.", minimum: 1, maximum: 10_000_000),
        "optimizer": Schema.string("Optimizer, over the backend's default (paged 8-bit AdamW keeps its states in CPU memory when the GPU is full).",
                                   enum: MemoryProfile.Optimizer.allCases.map(\.rawValue)),
        "activation_checkpointing": Schema.boolean("Recompute each layer's activations in the backward pass (default: the backend's; gradient_checkpointing is the same)."),
        "activation_offloading": Schema.boolean("Keep checkpointed activations in CPU memory (default: the backend's)."),
        "cpu_offload": Schema.boolean("FSDP/ZeRO CPU offload: sharded weights, gradients and optimizer states in CPU memory (default: the backend's)."),
        "packed": Schema.boolean("Sequences packed to max_seq_len (default: the backend's)."),
        "precision": Schema.string("Weight precision (QLoRA: compute dtype; the base is 4-bit NF4).", enum: Precision.allCases.map(\.rawValue), default: "bf16"),
        "num_nodes": Schema.integer("Nodes.", minimum: 1, maximum: 1024),
        "gpus_per_node": Schema.integer("GPUs per node.", minimum: 1, maximum: 64),
        "gradient_checkpointing": Schema.boolean("Same as activation_checkpointing."),
        "lora_rank": Schema.integer("LoRA rank.", minimum: 1, maximum: 1024, default: 16),
        "lora_target_modules": Schema.array("LoRA target modules (q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj or all-linear); default all linear.",
                                            items: Schema.string("Module name.")),
        "params_billion": Schema.number("Parameter count in billions: needed for models outside the registry, a hint for custom code.", minimum: 0),
    ]

    static let estimateResources = ToolDefinition(
        name: "estimate_resources", title: "Estimate GPU memory",
        description: "Estimates peak GPU memory for fine-tuning a model (LoRA, QLoRA or full) from its architecture and the memory profile of the backend that will run it: per-GPU GB with a low/high range, a breakdown (weights, gradients, optimizer, adapters, activations, logits, overhead), the dominant terms, assumptions, the GPU types and counts that hold the high end, the smallest fitting GPU per node type the cluster has, and whether its free GPUs can run it now. Models outside the registry are read from their Hugging Face Hub config.json (cached on disk). Reads nodes and pods for feasibility (check_cluster=false skips that).",
        category: category, risk: .readOnly, idempotent: true, openWorld: true,
        input: Schema.object(estimateInputProperties.merging([
            "check_cluster": Schema.boolean("Compare with the cluster's free GPUs.", default: true),
        ]) { a, _ in a })
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

    static let checkPrerequisites = ToolDefinition(
        name: "check_prerequisites", title: "Check prerequisites",
        description: "Pre-flight check of a training job against the cluster: Trainer CRDs and version, the runtime (namespaced first, then cluster-wide) and its framework, free GPUs of a fitting type, the namespace's GPU quota, permission to create TrainJobs, the namespace policy, the hf-token Secret for gated models, and the model/dataset URIs. Returns ready, issues with a fix each, and actions_needed.",
        category: category, risk: .readOnly, idempotent: true,
        input: Schema.object([
            "model": Schema.string("Model URI (hf://org/name, s3://..., pvc://...)."),
            "dataset": Schema.string("Dataset URI (hf://org/name, s3://..., pvc://...)."),
            "runtime": Schema.name("Training runtime name.", for: .trainingRuntimes),
            "namespace": Schema.namespace,
            "resources": Schema.map("Resources per node, e.g. {\"gpu\": 2, \"memory\": \"64Gi\"} (alias resources_per_node)."),
            "resources_per_node": Schema.map("Same as resources."),
            "num_nodes": Schema.integer("Nodes.", minimum: 1, maximum: 1024, default: 1),
            "method": estimateInputProperties["method"]!,
            "peft_method": KEPAliases.peftMethod,
            "backend": estimateInputProperties["backend"]!,
            "trainer_type": estimateInputProperties["trainer_type"]!,
            "params_billion": estimateInputProperties["params_billion"]!,
            "batch_size": estimateInputProperties["batch_size"]!,
            "seq_len": estimateInputProperties["seq_len"]!,
            "hf_token_secret": Schema.name("The Secret the model's Hugging Face token is to come from; it must exist and hold key \"token\".", for: .secrets),
        ])
    ) { call in
        let a = try KEPAliases.apply(call.arguments)
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
        let estimate = input.map { MemoryModel.estimate(model: $0.model, request: $0.request, backend: $0.backend, explain: false) }
        let perGPU = estimate?.perGPUBytes
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
            // GPUs are judged on the high end of the range, as estimate_resources recommends them.
            perGPUBytes: estimate?.highBytes, framework: framework, backendID: backendID,
            trainerType: EstimateInput.TrainerType(rawValue: (try call.optionalString("trainer_type") ?? "builtin").lowercased()) ?? .builtin,
            builtinFrameworks: backends.compactMap { BackendProfile(backend: $0).framework }, fallbackRuntime: fallbackRuntime)
        request.hfTokenSecret = try call.optionalString("hf_token_secret")
        let allowed = call.allowedNamespaces
        var report = Prerequisites(cluster: HostClusterReader(call: call)).run(request, allowedNamespaces: allowed)
        if request.trainerType == .builtin, let misfit = RuntimeFit.issue(
            call, model: request.model, dataset: request.dataset, runtime: request.runtime,
            method: a["method"]?.string, backendID: backendID, namespace: namespace, backends: backends) {
            report.issues.append(misfit)
            report.checks.append((misfit.check, "failed", misfit.message))
        }
        var result = report.json
        result["namespace"] = .string(namespace)
        if let perGPU { result["gpu_memory_gb_per_gpu"] = .double(rounded(gib(perGPU), 2)) }
        let text = report.ready ? "Ready: all checks passed." :
            "Not ready:\n" + report.issues.filter { $0.severity == .error }.map { "- \($0.message) Fix: \($0.fix)" }.joined(separator: "\n")
        return ToolOutput(result, text: text)
    }

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
        ], additionalProperties: true)
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
