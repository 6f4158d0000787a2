import PluginKit

extension TrainingTools {
    static let runContainerJob = ToolDefinition(
        name: "run_container_job", title: "Run a training container",
        description: "Runs a pre-built training image on the cluster (CustomTrainerContainer); without image, runs the runtime's own trainer (the SDK's train(runtime=...)). Returns job_id.",
        category: "training", risk: .expensive,
        input: Schema.object([
            "image": Schema.string("Container image, e.g. ghcr.io/myorg/trainer:v1; leave out to run the runtime's own trainer."),
            "command": Schema.array("Override the image's entrypoint.", items: ["type": "string"]),
            "args": Schema.array("Arguments.", items: ["type": "string"]),
            "env": EnvArgument.schema("Environment variables."),
            "runtime": Schema.name("Runtime.", K8sResource.trainingRuntimes.names, default: "torch-distributed"),
        ].merging(resourceSchema) { a, _ in a }.merging(JobOptions.schema) { a, _ in a }
         .merging(InitializerArguments.schema) { a, _ in a }),
        output: creationSchema
    ) { call in
        let api = try TrainerAPI(call)
        let options = try JobOptions(call)
        let image = try call.optionalString("image")
        if let image, image.isEmpty || image.contains(where: \.isWhitespace) {
            throw ToolError("image must be a container image reference such as ghcr.io/myorg/trainer:v1.", field: "image")
        }
        let resources = try call.resourcesPerNode()
        let runtimeName = try call.optionalString("runtime") ?? "torch-distributed"
        // With no image the runtime's own trainer runs, built-in ones included (no trainer section is sent).
        let runtime = image == nil ? try api.runtime(runtimeName).info : try customRuntime(api, runtimeName)
        // Secret-fed values too: the SDK would patch them into the node container, which v2.3.0 denies.
        let env = try EnvArgument.parse(call.arguments["env"], field: "env")
        let trainer = CustomTrainerSection(numNodes: try call.positiveInt("num_nodes"), resourcesPerNode: resources,
                                           command: try call.stringList("command"), args: try call.stringList("args"),
                                           image: image, env: env)
        let name = options.name ?? JobName.make(prefix: "job", from: image ?? runtime.name, call: call)
        let trainerType = image == nil && runtime.trainerType == "BuiltinTrainer" ? "builtin" : "container"
        return try submit(call, api: api, options: options, runtime: runtime, trainer: trainer,
                          name: name, initializers: try InitializerArguments(call, jobName: name),
                          trainerType: trainerType, extra: [:])
    }
}
