import PluginKit

extension TrainingTools {
    static let runCustomTraining = ToolDefinition(
        name: "run_custom_training", title: "Run a training function",
        description: "Runs the Python source of one training function on the cluster (CustomTrainer), with torchrun on torch runtimes. Returns job_id.",
        category: "training", risk: .expensive,
        input: Schema.object([
            "func": Schema.string("Python source of the training function (def train(...): ...), imports inside it."),
            "script_code": Schema.string("KEP-936 name for func (give one of the two)."),
            "func_name": Schema.string("Which function to run when func defines several."),
            "func_file": Schema.string("File name the script is written to in the container; default <func_name>.py."),
            "func_args": Schema.map("Keyword arguments for the function."),
            "func_args_last": Schema.array("func_args keys to place after the others in the generated call (JSON objects carry no order; each group follows the function's signature), as the SDK's optimizer appends its search parameters.", items: ["type": "string"]),
            "packages_to_install": Schema.array("pip packages to install first.", items: ["type": "string"]),
            "resume_from_checkpoint": Schema.string("A checkpoint path in the container, handed to the function as env RESUME_FROM_CHECKPOINT (see list_checkpoints); mount its PVC with volumes/volume_mounts."),
            "pip_index_urls": Schema.array("pip index URLs: the first is --index-url, the rest --extra-index-url.", items: ["type": "string"]),
            "env": EnvArgument.schema("Environment variables of the training nodes."),
            "image": Schema.string("Override the runtime's trainer image."),
            "runtime": Schema.name("Runtime.", K8sResource.trainingRuntimes.names, default: "torch-distributed"),
        ].merging(resourceSchema) { a, _ in a }.merging(JobOptions.schema) { a, _ in a }
         .merging(InitializerArguments.schema) { a, _ in a }),
        output: creationSchema
    ) { call in
        let api = try TrainerAPI(call)
        let options = try JobOptions(call)
        let function = try TrainingFunction.parse(try functionSource(call), name: try call.optionalString("func_name"))
        let funcFile = try call.optionalString("func_file") ?? "\(function.name).py"
        let last = Set(try call.stringList("func_args_last") ?? [])
        let args = try call.object("func_args").map { function.orderedArguments($0, last: last) }
        let resources = try call.resourcesPerNode()
        let runtimeName = try call.optionalString("runtime") ?? "torch-distributed"
        let runtime = try customRuntime(api, runtimeName)
        let name = options.name ?? JobName.make(prefix: "train", from: function.name, call: call)
        // Without the runtime's initializer steps (stock torch-distributed) the script fetches them.
        var initializers = try InitializerArguments(call, jobName: name)
        let inPod = initializers.moveToPod(on: runtime)
        var packages = try call.stringList("packages_to_install") ?? []
        if !inPod.isEmpty && !packages.contains(where: { $0.hasPrefix(HubDownload.package) }) {
            packages.append(HubDownload.package)
        }
        let command = CustomTrainerCommand.build(
            entrypoint: runtime.entrypoint, function: function, arguments: args, funcFile: funcFile,
            packages: packages,
            pipIndexURLs: try call.stringList("pip_index_urls") ?? CustomTrainerCommand.defaultPipIndexURLs,
            prelude: HubDownload.script(inPod))
        var envVars = try EnvArgument.parse(call.arguments["env"], field: "env")
        if let resume = try ResumeArgument.read(call), !envVars.contains(where: { $0.name == "RESUME_FROM_CHECKPOINT" }) {
            envVars.append(.value("RESUME_FROM_CHECKPOINT", resume))
        }
        if let token = inPod.first(where: { $0.role == .model })?.accessToken, !envVars.contains(where: { $0.name == "HF_TOKEN" }) {
            envVars.append(.secret("HF_TOKEN", token))
        }
        // Secret-fed values too: the SDK would patch them into the node container, which v2.3.0 denies.
        let trainer = CustomTrainerSection(numNodes: try call.positiveInt("num_nodes"), resourcesPerNode: resources,
                                           command: command, image: try call.optionalString("image"), env: envVars)
        let note = inPod.isEmpty ? [] : [
            "Runtime \(runtime.name) has no \(inPod.map(\.role.initializerStep).joined(separator: "/")) step (Kubeflow Trainer v2.3.0 admits spec.initializer only on runtimes that have one), so the training script downloads \(inPod.map(\.storageUri).joined(separator: " and ")) from the Hugging Face Hub into \(inPod.map { HubDownload.directory($0.role) }.joined(separator: " and ")) before the function runs.",
        ]
        return try submit(call, api: api, options: options, runtime: runtime, trainer: trainer,
                          name: name, initializers: initializers, trainerType: "custom", notes: note,
                          extra: ["function": .string(function.name),
                                  "function_parameters": .array(function.parameters.map { .string($0) })])
    }
}
