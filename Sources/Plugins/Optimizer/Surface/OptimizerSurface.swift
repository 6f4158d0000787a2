import PluginKit

/// Katib experiments and their trials as resources (read by the tools that
/// show them, watched through the Experiment collection), the tuning prompt,
/// and completion of experiment names.
enum OptimizerSurface {
    static let experiment = "experiment://{namespace}/{name}"
    static let trials = "experiment://{namespace}/{name}/trials"
    /// A trial's change shows in its experiment's status: one watch serves both.
    static let experiments = ResourceTemplateDefinition.Watch(group: "kubeflow.org", version: "v1beta1", resource: "experiments")
    static let names = SurfaceHandler("list_experiments", ["namespace": "{namespace}"])
    static let arguments: [String: JSON] = ["name": "{name}", "namespace": "{namespace}"]

    static let definition = MCPSurfaceDefinition(
        resourceTemplates: [
            ResourceTemplateDefinition(
                uriTemplate: experiment,
                look: ResourceLook(name: "experiment", title: "Katib experiment",
                                   description: "Phase, trials, progress and best trial (get_experiment_status)."),
                read: SurfaceHandler("get_experiment_status", arguments),
                list: .init(names, items: "experiments", fields: ["namespace": "namespace", "name": "name"]), watch: experiments),
            ResourceTemplateDefinition(
                uriTemplate: trials,
                look: ResourceLook(name: "experiment-trials", title: "Experiment trials",
                                   description: "Every trial: phase, parameters, metrics, TrainJob (get_experiment_trials)."),
                read: SurfaceHandler("get_experiment_trials", arguments), watch: experiments),
        ],
        prompts: [
            PromptDefinition(name: "tune_hyperparameters", title: "Tune hyperparameters",
                             description: "Search learning rate, LoRA rank and the like for a fine-tuning run with Katib.",
                             arguments: [.init("model", "Hugging Face model (org/name).", required: true),
                                         .init("dataset", "Hugging Face dataset (org/name).", required: true),
                                         .init("objective", "Metric to minimize (default loss)."),
                                         .init("num_trials", "Trials in all.")],
                             tool: TuningPrompt.tool.name),
        ],
        completions: [
            CompletionDefinition(.resourceTemplate(experiment), argument: "name", handler: names, items: "experiments", field: "name"),
            CompletionDefinition(.resourceTemplate(trials), argument: "name", handler: names, items: "experiments", field: "name"),
        ])
}
