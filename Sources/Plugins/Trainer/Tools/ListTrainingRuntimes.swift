import PluginKit

extension DiscoveryTools {
    static let listTrainingRuntimes = ToolDefinition(
        name: "list_training_runtimes", title: "List training runtimes",
        description: "ClusterTrainingRuntimes and the namespace's TrainingRuntimes (a namespaced one wins a name clash; runtimes without the trainer.kubeflow.org/framework label are skipped), as the Kubeflow SDK lists them.",
        category: "discovery", risk: .readOnly, idempotent: true, input: namespaceOnly,
        output: Schema.result(always: ["runtimes": Schema.list(), "count": Schema.of("integer")])
    ) { call in
        let api = try TrainerAPI(call)
        let runtimes = try api.runtimes()
        return ToolOutput(["runtimes": .array(runtimes.map(\.summary)), "count": .int(runtimes.count)],
                          text: runtimes.map { "\($0.name) (\($0.framework), \($0.trainerType))" }.joined(separator: "\n"))
    }
}
