import PluginKit

/// What the Trainer plugin adds to MCP beyond tools: TrainJobs, their logs and
/// the training runtimes as resources (read by the tools that show them),
/// the KEP's user stories as prompts, and completions of job and runtime names.
enum TrainerSurface {
    static let trainJob = "trainjob://{namespace}/{name}"
    static let trainJobLogs = "trainjob://{namespace}/{name}/logs"
    static let runtime = "trainingruntime://{name}"
    static let trainJobs = ResourceTemplateDefinition.Watch(group: "trainer.kubeflow.org", version: "v1alpha1", resource: "trainjobs")

    static let jobArguments: [String: JSON] = ["job_id": "{name}", "namespace": "{namespace}"]
    static let jobList = ResourceTemplateDefinition.Listing(
        SurfaceHandler("list_training_jobs", ["namespace": "{namespace}"]), items: "jobs", fields: ["namespace": "namespace", "name": "name"])
    static let jobNames = SurfaceHandler("list_training_jobs", ["namespace": "{namespace}"])
    static let runtimeNames = SurfaceHandler("list_training_runtimes")

    static let definition = MCPSurfaceDefinition(
        resourceTemplates: [
            ResourceTemplateDefinition(
                uriTemplate: trainJob,
                look: ResourceLook(name: "trainjob", title: "TrainJob",
                                   description: "A TrainJob's spec summary and status: steps, conditions, progress (get_training_job)."),
                read: SurfaceHandler("get_training_job", jobArguments), list: jobList, watch: trainJobs),
            ResourceTemplateDefinition(
                uriTemplate: trainJobLogs,
                look: ResourceLook(name: "trainjob-logs", title: "TrainJob logs",
                                   description: "The last 200 lines of the job's first node (get_training_logs).",
                                   mimeType: "text/plain", contentField: "lines"),
                read: SurfaceHandler("get_training_logs", jobArguments), watch: trainJobs),
            ResourceTemplateDefinition(
                uriTemplate: runtime,
                look: ResourceLook(name: "trainingruntime", title: "Training runtime",
                                   description: "A ClusterTrainingRuntime's manifest (get_runtime_spec).", contentField: "object"),
                read: SurfaceHandler("get_runtime_spec", ["name": "{name}"]),
                list: .init(runtimeNames, items: "runtimes", fields: ["name": "name"])),
        ],
        prompts: [
            PromptDefinition(name: "fine_tune_model", title: "Fine-tune a model",
                             description: "Fine-tune an LLM on a dataset (KEP-936 story 1): cluster resources, memory estimate, preview, confirmation, monitoring.",
                             arguments: [.init("model", "Hugging Face model (org/name) or s3:// URI.", required: true),
                                         .init("dataset", "Hugging Face dataset (org/name) or s3:// URI.", required: true),
                                         .init("method", "lora, qlora or full (default lora)."),
                                         .init("gpus", "GPUs per node."),
                                         .init("backend", "Fine-tuning backend id (list_fine_tune_backends).")],
                             tool: WorkflowPrompt.tool.name),
            PromptDefinition(name: "custom_training", title: "Run a training function",
                             description: "Run your distributed training function on N nodes with G GPUs each (KEP-936 story 2).",
                             arguments: [.init("num_nodes", "Training nodes."), .init("gpus", "GPUs per node."),
                                         .init("runtime", "Training runtime (default torch-distributed).")],
                             tool: WorkflowPrompt.tool.name),
            PromptDefinition(name: "container_training", title: "Run a training container",
                             description: "Run a pre-built training image with GPUs (KEP-936 story 3).",
                             arguments: [.init("image", "Container image, e.g. ghcr.io/myorg/trainer:v1.", required: true),
                                         .init("gpus", "GPUs per node.")],
                             tool: WorkflowPrompt.tool.name),
            PromptDefinition(name: "monitor_job", title: "Monitor a training job",
                             description: "Follow a TrainJob to its end: status, progress, events, logs.",
                             arguments: [.init("job", "TrainJob name.", required: true), .init("namespace", "Its namespace.")],
                             tool: WorkflowPrompt.tool.name),
        ],
        completions: [
            CompletionDefinition(.resourceTemplate(trainJob), argument: "name", handler: jobNames, items: "jobs", field: "name"),
            CompletionDefinition(.resourceTemplate(trainJobLogs), argument: "name", handler: jobNames, items: "jobs", field: "name"),
            CompletionDefinition(.resourceTemplate(runtime), argument: "name", handler: runtimeNames, items: "runtimes", field: "name"),
            CompletionDefinition(.prompt("monitor_job"), argument: "job", handler: jobNames, items: "jobs", field: "name"),
            CompletionDefinition(.prompt("custom_training"), argument: "runtime", handler: runtimeNames, items: "runtimes", field: "name"),
            CompletionDefinition(.prompt("fine_tune_model"), argument: "backend", handler: SurfaceHandler("list_fine_tune_backends"),
                                 items: "backends", field: "id"),
        ])
}
