import PluginKit

/// fine_tune (BuiltinTrainer through a backend), run_custom_training
/// (CustomTrainer) and run_container_job (CustomTrainerContainer).
enum TrainingTools {
    static var all: [ToolDefinition] { [fineTune, runCustomTraining, runContainerJob] }

    static let resourceSchema: [String: JSON] = [
        "num_nodes": Schema.integer("Training nodes (pods).", minimum: 1),
        "resources_per_node": Schema.map("Resources per node, e.g. {\"gpu\": 4, \"memory\": \"64Gi\"}; gpu means nvidia.com/gpu."),
        "gpus_per_node": Schema.integer("Shortcut for resources_per_node {\"gpu\": n}.", minimum: 1),
    ]

    static let sourceOptionsSchema = Schema.map(
        "Options of the initializer: ignore_patterns [..], and for s3:// sources endpoint, region, role_arn, credentials_secret (a Secret with ACCESS_KEY_ID and SECRET_ACCESS_KEY), or access_key_id + secret_access_key (stored in a new Secret, never in the TrainJob).")

    // MARK: fine_tune

    static let fineTune = ToolDefinition(
        name: "fine_tune", title: "Fine-tune an LLM",
        description: "Fine-tunes a model with a built-in trainer (BuiltinTrainer) through a fine-tuning backend (the default one unless `backend` names another; see list_fine_tune_backends): downloads model and dataset with initializers, picks a runtime that fits the model, creates a TrainJob and returns its job_id.",
        category: "training", risk: .expensive, openWorld: true,
        input: Schema.object([
            "model": Schema.string("HuggingFace repo (org/name or hf://org/name) or s3:// URI of the model."),
            "dataset": Schema.string("HuggingFace dataset (org/name[/dir or file]) or s3:// URI."),
            "backend": Schema.string("Fine-tuning backend id (see list_fine_tune_backends); default: the backend marked default."),
            "backend_options": Schema.map("Options of the chosen backend only, passed to it as they are; the backend refuses keys it does not know (see list_fine_tune_backends)."),
            "learning_rate": Schema.number("Learning rate, for backends that take it; others keep their recipe's.", minimum: 0),
            "output_dir": Schema.string("Where the trainer writes the fine-tuned model or adapters, for backends that take it."),
            "peft_method": FineTuneMethod.schema,
            "method": Schema.string("Alias of peft_method.", enum: FineTuneMethod.names + ["none"]),
            "epochs": Schema.integer("Epochs; default 3 (KEP-936), null for the recipe's own.", minimum: 1),
            "batch_size": Schema.integer("Batch size per device; default 4 (KEP-936), null for the recipe's own.", minimum: 1),
            "dtype": Schema.string("Training dtype.", enum: ["bf16", "fp32"]),
            "loss": Schema.string("Loss: the SDK's short name (CEWithChunkedOutputLoss) or a class path; the backend maps short names as the SDK does."),
            "lora_rank": Schema.integer("LoRA rank; default 16 with lora/qlora (KEP-936).", minimum: 1),
            "lora_alpha": Schema.integer("LoRA alpha; default 32 with lora/qlora (KEP-936).", minimum: 1),
            "lora_dropout": Schema.number("LoRA dropout.", minimum: 0, maximum: 1),
            "lora_attn_modules": Schema.array("Attention projections to adapt.", items: ["type": "string"]),
            "apply_lora_to_mlp": Schema.boolean("Apply LoRA to MLP layers."),
            "apply_lora_to_output": Schema.boolean("Apply LoRA to the output projection."),
            "use_dora": Schema.boolean("Use DoRA."),
            "dataset_format": Schema.string("Instruct dataset file format.", enum: ["json", "csv", "parquet", "arrow", "text", "xml"]),
            "dataset_split": Schema.string("Dataset split, e.g. train[:10%]."),
            "train_on_input": Schema.boolean("Train on the prompt too."),
            "new_system_prompt": Schema.string("System prompt to prepend."),
            "resume_from_checkpoint": ResumeArgument.schema,
            "column_map": Schema.map("Rename dataset columns, e.g. {\"input\": \"question\", \"output\": \"answer\"}.", values: ["type": "string"]),
            "runtime": Schema.name("Runtime to use; default: the backend picks one that fits the model.", for: .trainingRuntimes),
            "hf_token_secret": Schema.name("Secret holding a HuggingFace token under key \"token\" (see setup_hf_credentials).", for: .secrets),
            "hf_token": Schema.string("A HuggingFace token; stored in the Secret hf_token_secret (default hf-token), never in the TrainJob."),
            "model_options": sourceOptionsSchema,
            "dataset_options": sourceOptionsSchema,
        ].merging(resourceSchema) { a, _ in a }.merging(JobOptions.schema) { a, _ in a },
        required: ["model", "dataset"])
    ) { call in try FineTune(call).run() }

    // MARK: run_custom_training

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
         .merging(InitializerArguments.schema) { a, _ in a })
    ) { call in
        let api = try TrainerAPI(call)
        var options = try JobOptions(call)
        let function = try TrainingFunction.parse(try functionSource(call), name: try call.optionalString("func_name"))
        let funcFile = try call.optionalString("func_file") ?? "\(function.name).py"
        let last = Set(try call.stringList("func_args_last") ?? [])
        let args = try call.object("func_args").map { function.orderedArguments($0, last: last) }
        let resources = try call.resourcesPerNode()
        let runtimeName = try call.optionalString("runtime") ?? "torch-distributed"
        let runtime = try customRuntime(api, runtimeName)
        let command = CustomTrainerCommand.build(
            entrypoint: runtime.entrypoint, function: function, arguments: args, funcFile: funcFile,
            packages: try call.stringList("packages_to_install") ?? [],
            pipIndexURLs: try call.stringList("pip_index_urls") ?? CustomTrainerCommand.defaultPipIndexURLs)
        var envVars = try EnvArgument.parse(call.arguments["env"], field: "env")
        if let resume = try ResumeArgument.read(call), !envVars.contains(where: { $0.name == "RESUME_FROM_CHECKPOINT" }) {
            envVars.append(.value("RESUME_FROM_CHECKPOINT", resume))
        }
        // Plain values go to the trainer; Secret-fed ones to the node container's patch, as the SDK's RuntimePatch does.
        let env = PodOptions.splitEnv(envVars)
        let trainer = CustomTrainerSection(numNodes: try call.positiveInt("num_nodes"), resourcesPerNode: resources,
                                           command: command, image: try call.optionalString("image"), env: env.trainer)
        let name = options.name ?? JobName.make(prefix: "train", from: function.name, call: call)
        options.pod.containerEnv = env.container
        let initializers = try InitializerArguments(call, jobName: name)
        var body = TrainJobBody(name: name, runtime: runtime.ref, trainer: trainer.build())
        options.apply(to: &body)
        initializers.apply(to: &body)
        let json = body.build()
        let notes = try call.preflight(trainerType: "custom", runtime: runtime.name, namespace: api.namespace,
                                       model: try call.optionalString("model"), dataset: try call.optionalString("dataset"))
        if !options.dryRun { try initializers.create(json, api: api, call: call) }
        return creationOutput(json, namespace: api.namespace, dryRun: options.dryRun,
                              extra: ["runtime": .string(runtime.name), "function": .string(function.name),
                                      "function_parameters": .array(function.parameters.map { .string($0) }),
                                      "notes": .array(notes.map { .string($0) })])
    }

    // MARK: run_container_job

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
         .merging(InitializerArguments.schema) { a, _ in a })
    ) { call in
        let api = try TrainerAPI(call)
        var options = try JobOptions(call)
        let image = try call.optionalString("image")
        if let image, image.isEmpty || image.contains(where: \.isWhitespace) {
            throw ToolError("image must be a container image reference such as ghcr.io/myorg/trainer:v1.", field: "image")
        }
        let resources = try call.resourcesPerNode()
        let runtimeName = try call.optionalString("runtime") ?? "torch-distributed"
        // With no image the runtime's own trainer runs, built-in ones included (no trainer section is sent).
        let runtime = image == nil ? try api.runtime(runtimeName).info : try customRuntime(api, runtimeName)
        let env = PodOptions.splitEnv(try EnvArgument.parse(call.arguments["env"], field: "env"))
        let trainer = CustomTrainerSection(numNodes: try call.positiveInt("num_nodes"), resourcesPerNode: resources,
                                           command: try call.stringList("command"), args: try call.stringList("args"),
                                           image: image, env: env.trainer)
        let name = options.name ?? JobName.make(prefix: "job", from: image ?? runtime.name, call: call)
        options.pod.containerEnv = env.container
        let initializers = try InitializerArguments(call, jobName: name)
        var body = TrainJobBody(name: name, runtime: runtime.ref, trainer: trainer.build())
        options.apply(to: &body)
        initializers.apply(to: &body)
        let json = body.build()
        let notes = try call.preflight(trainerType: image == nil && runtime.trainerType == "BuiltinTrainer" ? "builtin" : "container", runtime: runtime.name,
                                       namespace: api.namespace, model: try call.optionalString("model"),
                                       dataset: try call.optionalString("dataset"))
        if !options.dryRun { try initializers.create(json, api: api, call: call) }
        return creationOutput(json, namespace: api.namespace, dryRun: options.dryRun,
                              extra: ["runtime": .string(runtime.name), "notes": .array(notes.map { .string($0) })])
    }

    /// `func`, or its KEP-936 name `script_code`.
    static func functionSource(_ call: ToolCall) throws -> String {
        switch (try call.optionalString("func"), try call.optionalString("script_code")) {
        case (let f?, nil), (nil, let f?): return f
        case (_?, _?): throw ToolError("Give the training function once: func or script_code (its KEP-936 name), not both.", field: "func")
        case (nil, nil): throw ToolError("func is required: the Python source of the training function (script_code is accepted too).", field: "func")
        }
    }

    /// The SDK refuses a CustomTrainer on a BuiltinTrainer (torchtune) runtime.
    static func customRuntime(_ api: TrainerAPI, _ name: String) throws -> RuntimeInfo {
        let runtime = try api.runtime(name).info
        guard runtime.trainerType == "CustomTrainer" else {
            throw ToolError("Runtime \(name) runs the built-in \(runtime.framework) trainer; use fine_tune with it, or pick a custom runtime such as torch-distributed.",
                            field: "runtime")
        }
        return runtime
    }
}
