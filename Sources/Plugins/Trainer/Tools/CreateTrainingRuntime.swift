import PluginKit

extension StorageTools {
    static let createTrainingRuntime = ToolDefinition(
        name: "create_training_runtime", title: "Create a training runtime",
        description: "Creates a ClusterTrainingRuntime or a namespaced TrainingRuntime from its manifest. The manifest needs the trainer.kubeflow.org/framework label, or the SDK and these tools will not list it.",
        category: "runtimes", risk: .mutating,
        input: Schema.object([
            "manifest": Schema.map("The runtime object: apiVersion trainer.kubeflow.org/v1alpha1, kind ClusterTrainingRuntime or TrainingRuntime, metadata, spec."),
            "namespace": Schema.namespace,
        ], required: ["manifest"]),
        output: Schema.result(always: ["name": Schema.of("string"), "kind": Schema.of("string")], sometimes: ["namespace": Schema.of("string")])
    ) { call in
        guard let manifest = try call.object("manifest").map(JSON.object) else {
            throw ToolError("Missing required argument: manifest.", field: "manifest")
        }
        let kind = manifest["kind"]?.string ?? ""
        guard kind == "ClusterTrainingRuntime" || kind == "TrainingRuntime" else {
            throw ToolError("manifest.kind must be ClusterTrainingRuntime or TrainingRuntime; got \(kind.isEmpty ? "nothing" : kind).",
                            field: "manifest")
        }
        guard manifest["apiVersion"]?.string == TrainJobBody.apiVersion else {
            throw ToolError("manifest.apiVersion must be \(TrainJobBody.apiVersion).", field: "manifest")
        }
        guard let name = manifest["metadata"]?["name"]?.string, JobName.isValid(name) || name.contains(".") else {
            throw ToolError("manifest.metadata.name must be set to a valid Kubernetes name.", field: "manifest")
        }
        guard RuntimeInfo(manifest) != nil else {
            throw ToolError("manifest.metadata.labels must contain \(RuntimeInfo.frameworkLabel) (e.g. torch, torchtune).",
                            field: "manifest")
        }
        guard manifest["spec"]?["template"]?["spec"]?["replicatedJobs"]?.array?.isEmpty == false else {
            throw ToolError("manifest.spec.template.spec.replicatedJobs must list at least one replicated job.",
                            field: "manifest")
        }
        let namespace = try call.optionalString("namespace") ?? call.defaultNamespace
        let r = call.k8sCreate(kind == "ClusterTrainingRuntime"
            ? .create(.clusterTrainingRuntimes, body: manifest)
            : .create(.trainingRuntimes, namespace: namespace, body: manifest))
        if r.status == 409 {
            throw ToolError("\(kind) \(name) already exists; delete it first or choose another name.", field: "manifest")
        }
        guard r.ok else { throw TrainerAPI.failure(r, doing: "create \(kind) \(name)") }
        var result: JSON = ["name": .string(name), "kind": .string(kind)]
        if kind == "TrainingRuntime" { result["namespace"] = .string(namespace) }
        return ToolOutput(result, text: "Created \(kind) \(name).")
    }
}
