import MemoryKit
import PluginKit

extension PlanningTools {
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
        ]),
        output: Schema.result(always: ["ready": Schema.of("boolean"), "issues": Schema.list(), "actions_needed": Schema.list(), "checks": Schema.list(), "trainer_version": Schema.of("string", "null"), "namespace": Schema.of("string")], sometimes: ["gpu_memory_gb_per_gpu": Schema.of("number")])
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
}
