import PluginKit

extension StorageTools {
    static let deleteTrainingRuntime = ToolDefinition(
        name: "delete_training_runtime", title: "Delete a training runtime",
        description: "Deletes a ClusterTrainingRuntime (scope cluster) or TrainingRuntime (scope namespace). Refuses while TrainJobs still reference it, listing them, unless force is true.",
        category: "runtimes", risk: .destructive,
        input: Schema.object([
            "name": Schema.name("Runtime name.", for: .trainingRuntimes),
            "scope": Schema.string("Which kind to delete.", enum: ["cluster", "namespace"], default: "cluster"),
            "namespace": Schema.namespace,
            "force": Schema.boolean("Delete even if TrainJobs still use it.", default: false),
        ], required: ["name"]),
        output: Schema.result(always: ["name": Schema.of("string"), "kind": Schema.of("string"), "deleted": Schema.of("boolean"), "jobs_still_using": Schema.list(Schema.of("string"))])
    ) { call in
        let name = try call.string("name")
        let scope = try call.optionalString("scope") ?? "cluster"
        guard scope == "cluster" || scope == "namespace" else {
            throw ToolError("scope must be cluster or namespace; got \(scope).", field: "scope")
        }
        let namespace = try call.optionalString("namespace") ?? call.defaultNamespace
        let kind = scope == "cluster" ? "ClusterTrainingRuntime" : "TrainingRuntime"
        // Jobs anywhere may use a cluster runtime; only the namespace's jobs a namespaced one.
        // (Under a namespace allowlist: the allowed namespaces' jobs.)
        let jobs = scope == "cluster"
            ? try call.listEverywhere(.trainJobs)
            : try call.k8sJSON(.list(.trainJobs, namespace: namespace))["items"]?.array ?? []
        let users = jobs.filter {
            $0["spec"]?["runtimeRef"]?["name"]?.string == name
                && ($0["spec"]?["runtimeRef"]?["kind"]?.string ?? "ClusterTrainingRuntime") == kind
        }.map { "\($0["metadata"]?["namespace"]?.string ?? namespace)/\($0["metadata"]?["name"]?.string ?? "?")" }
        let force = try call.optionalBool("force") ?? false
        if !users.isEmpty && !force {
            throw ToolError("\(kind) \(name) is still used by \(users.count) TrainJob(s): \(users.joined(separator: ", ")). Delete them first, or pass force=true.",
                            field: "force", details: ["jobs": .array(users.map { .string($0) })])
        }
        let r = call.k8s(scope == "cluster"
            ? .delete(.clusterTrainingRuntimes, name)
            : .delete(.trainingRuntimes, name, namespace: namespace))
        if r.status == 404 {
            throw ToolError("\(kind) \(name) does not exist; call list_training_runtimes to see the runtimes.", field: "name")
        }
        guard r.ok else { throw TrainerAPI.failure(r, doing: "delete \(kind) \(name)") }
        return ToolOutput(["name": .string(name), "kind": .string(kind), "deleted": true,
                           "jobs_still_using": .array(users.map { .string($0) })],
                          text: "Deleted \(kind) \(name).")
    }
}
