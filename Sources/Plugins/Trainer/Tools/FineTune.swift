import PluginKit
import TrainerRules

/// Per-source options of fine_tune (model_options / dataset_options).
struct SourceOptions: Equatable {
    var ignorePatterns: [String]?
    /// `ignore_patterns: null`: no IGNORE_PATTERNS at all (the SDK's `ignore_patterns=None`, env `[]`).
    var noIgnorePatterns = false
    var endpoint: String?
    var region: String?
    var roleArn: String?
    var credentialsSecret: String?
    var accessKeyId: String?
    var secretAccessKey: String?

    static let s3Keys: Set<String> = ["endpoint", "region", "role_arn", "credentials_secret", "access_key_id", "secret_access_key"]

    init(_ object: [String: JSON]?, field: String) throws {
        let o = object ?? [:]
        for key in o.keys where !Self.s3Keys.contains(key) && key != "ignore_patterns" {
            throw ToolError("\(field).\(key) is not an option; use ignore_patterns, \(Self.s3Keys.sorted().joined(separator: ", ")).",
                            field: field)
        }
        func text(_ key: String) throws -> String? {
            guard let v = o[key], !v.isNull else { return nil }
            guard let s = v.string else { throw ToolError("\(field).\(key) must be a string.", field: field) }
            return s
        }
        if o["ignore_patterns"]?.isNull == true { noIgnorePatterns = true }
        if let v = o["ignore_patterns"], !v.isNull {
            guard let list = v.array?.compactMap(\.string), list.count == v.array?.count else {
                throw ToolError("\(field).ignore_patterns must be a list of strings.", field: field)
            }
            ignorePatterns = list
        }
        endpoint = try text("endpoint")
        region = try text("region")
        roleArn = try text("role_arn")
        credentialsSecret = try text("credentials_secret")
        accessKeyId = try text("access_key_id")
        secretAccessKey = try text("secret_access_key")
        if (accessKeyId == nil) != (secretAccessKey == nil) {
            throw ToolError("\(field) needs both access_key_id and secret_access_key, or neither.", field: field)
        }
        if credentialsSecret != nil && accessKeyId != nil {
            throw ToolError("\(field): give credentials_secret or access_key_id/secret_access_key, not both.", field: field)
        }
    }

    var hasS3Settings: Bool {
        endpoint != nil || region != nil || roleArn != nil || credentialsSecret != nil || accessKeyId != nil
    }

    /// Applies the options to `source`. When keys were given inline, returns the
    /// Secret (name, data) that must exist before the job: the TrainJob only references it.
    func apply(to source: inout InitializerSource, jobName: String, field: String) throws -> (String, [String: String])? {
        if let ignorePatterns { source.ignorePatterns = ignorePatterns }
        if noIgnorePatterns { source.ignorePatterns = nil }
        guard source.kind == .s3 else {
            if hasS3Settings {
                throw ToolError("\(field) has S3 settings but the \(source.role.rawValue) is not an s3:// URI.", field: field)
            }
            return nil
        }
        source.endpoint = endpoint
        source.region = region
        source.roleArn = roleArn
        var secretName = credentialsSecret
        var pending: (String, [String: String])?
        if let accessKeyId, let secretAccessKey {
            let name = "\(jobName)-\(source.role.rawValue)-s3"
            secretName = name
            pending = (name, [SecretStore.s3AccessKeyID: accessKeyId, SecretStore.s3SecretAccessKey: secretAccessKey])
        }
        if let secretName {
            source.accessKeyId = SecretKeyRef(name: secretName, key: SecretStore.s3AccessKeyID)
            source.secretAccessKey = SecretKeyRef(name: secretName, key: SecretStore.s3SecretAccessKey)
        }
        return pending
    }
}

/// The build_trainer request fine_tune sends to a backend (the format is
/// documented on the first-party backends' build_trainer operation).
enum BuildTrainerRequest {
    /// Arguments passed through to the backend as they are.
    static let passthrough = ["peft_method", "epochs", "batch_size", "dtype", "loss", "num_nodes",
                              "lora_rank", "lora_alpha", "lora_dropout", "lora_attn_modules", "apply_lora_to_mlp",
                              "apply_lora_to_output", "use_dora", "dataset_format", "dataset_split", "train_on_input",
                              "new_system_prompt", "column_map", "runtime", "learning_rate", "output_dir",
                              "backend_options", "resume_from_checkpoint"]

    static func make(arguments: JSON, model: InitializerSource, dataset: InitializerSource,
                     resourcesPerNode: JSON?, runtimes: [RuntimeInfo]) -> JSON {
        var request: JSON = [
            "model": .string(model.storageUri), "model_source": .string(model.kind == .s3 ? "s3" : "huggingface"),
            "dataset": .string(dataset.storageUri),
            "dataset_source": .string(dataset.kind == .s3 ? "s3" : "huggingface"),
            "runtimes": .array(runtimes.map(\.summary)),
        ]
        for key in passthrough {
            if let v = arguments[key], !v.isNull { request[key] = v }
        }
        if request["peft_method"] == nil { request["peft_method"] = "lora" }
        if let resourcesPerNode { request["resources_per_node"] = resourcesPerNode }
        return request
    }
}

/// One fine_tune call: validate, ask the backend for the trainer, store
/// credentials in Secrets, create the TrainJob.
struct FineTune {
    let call: ToolCall
    let api: TrainerAPI
    let options: JobOptions

    init(_ call: ToolCall) throws {
        self.call = call
        self.api = try TrainerAPI(call)
        self.options = try JobOptions(call)
    }

    func run() throws -> ToolOutput {
        let modelText = try call.string("model")
        var model = try InitializerSource.parse(modelText, role: .model, field: "model")
        var dataset = try InitializerSource.parse(try call.string("dataset"), role: .dataset, field: "dataset")
        if let given = try call.optionalString("peft_method"), let alias = try call.optionalString("method"),
           try FineTuneMethod.parse(given) != FineTuneMethod.parse(alias) {
            throw ToolError("peft_method (\(given)) and its alias method (\(alias)) disagree: give the method once.", field: "method")
        }
        let peft = try FineTuneMethod.parse(try call.optionalString("peft_method") ?? call.optionalString("method"))
        let filled = FineTuneDefaults.apply(to: call.arguments, method: peft)
        var arguments = filled.arguments
        let defaultsApplied = filled.applied
        arguments["resume_from_checkpoint"] = try ResumeArgument.read(call).map { .string($0) }
        for field in ["epochs", "batch_size", "num_nodes", "lora_rank", "lora_alpha"] { _ = try call.positiveInt(field) }
        _ = try call.object("backend_options")  // the backend validates its keys
        let resources = try call.resourcesPerNode()
        let name = options.name ?? JobName.make(prefix: "ft", from: modelText, call: call)

        var secrets: [(String, [String: String])] = []
        if let s = try SourceOptions(try call.object("model_options"), field: "model_options")
            .apply(to: &model, jobName: name, field: "model_options") { secrets.append(s) }
        if let s = try SourceOptions(try call.object("dataset_options"), field: "dataset_options")
            .apply(to: &dataset, jobName: name, field: "dataset_options") { secrets.append(s) }
        var sharedSecret: (String, [String: String])?
        if let tokenSecret = try hfTokenSecret(model: model) {
            model.accessToken = SecretKeyRef(name: tokenSecret.name, key: SecretStore.hfTokenKey)
            if let token = tokenSecret.token { sharedSecret = (tokenSecret.name, [SecretStore.hfTokenKey: token]) }
        } else if let ref = defaultTokenForGatedModel(model) {
            model.accessToken = ref
        }

        let runtimeNamed = try call.optionalString("runtime")
        let runtimes: [RuntimeInfo]
        if let runtimeNamed {
            runtimes = [try api.runtime(runtimeNamed).info]
        } else {
            runtimes = try api.runtimes()
        }
        let request = BuildTrainerRequest.make(arguments: arguments, model: model, dataset: dataset,
                                               resourcesPerNode: resources, runtimes: runtimes)
        let (backendID, answer, switchNote) = try buildTrainer(request, method: peft,
                                                               canSwitch: runtimeNamed == nil && call.arguments["backend"] == nil)
        let selector = try runtimeSelector(backendID)
        if arguments["resume_from_checkpoint"] != nil, capabilities(backendID)?["resume"]?.bool != true {
            let able = call.listBackends().filter { $0["capabilities"]?["resume"]?.bool == true }.compactMap { $0["id"]?.string }
            throw ToolError("Backend \(backendID) cannot resume from a checkpoint; backends that can: \(able.isEmpty ? "none loaded" : able.joined(separator: ", ")).",
                            field: "resume_from_checkpoint")
        }
        guard let trainer = answer["trainer"], trainer.object != nil, let runtimeName = answer["runtime"]?.string else {
            throw ToolError("Backend \(backendID) answered build_trainer without a trainer section and a runtime name; it does not follow the build_trainer contract.")
        }
        let runtime = try runtimes.first { $0.name == runtimeName } ?? api.runtime(runtimeName).info
        try selector.check(runtime: runtime, backendID: backendID)

        // The backend's estimate (the contract's `estimate` operation: estimate_resources' figure
        // on the backend's profile) sizes the default GPU request.
        let estimate = try? call.callBackend(backendID, "estimate", FineTuneEstimate.request(
            arguments: arguments, model: modelText, method: peft, userResources: try call.userResources()))
        let (withGPUs, gpuNote) = try DefaultGPUs.complete(
            trainer, runtime: runtime, userResources: try call.userResources(),
            numNodes: try call.positiveInt("num_nodes") ?? 1, recommended: estimate?["recommended_gpus"]?.int,
            maxPerNode: capabilities(backendID)?["max_gpus_per_node"]?.int)
        let placement = InitializerPlacement(model: model, dataset: dataset, runtime: runtime,
                                                 trainerFetchesFromHub: selector.fetchesFromHub)
        let completed = placement.completing(selector.completing(withGPUs, on: runtime))
        var body = TrainJobBody(name: name, runtime: runtime.ref, trainer: completed,
                                datasetInitializer: placement.dataset, modelInitializer: placement.model)
        options.apply(to: &body)
        let json = body.build()
        try TrainerAPI.checkAdmitted(json, runtime: runtime)
        // A token given with the call is stored just before creation: its Secret need not exist yet.
        let tokenComesWithCall = try call.optionalString("hf_token") != nil
        let preflightNotes = try call.preflight(
            trainerType: "builtin", runtime: runtime.name, namespace: api.namespace, model: modelText,
            dataset: try call.string("dataset"), method: peft, backend: backendID,
            hfTokenSecret: tokenComesWithCall ? nil : try call.optionalString("hf_token_secret"),
            skip: tokenComesWithCall ? ["hf_token"] : [],
            plannedGPUs: completed["resourcesPerNode"].map { GPUCount.perNode($0) }.flatMap { $0 > 0 ? $0 : nil })
        let ownNotes = [switchNote, gpuNote, placement.note].compactMap { $0 }.map { JSON.string($0) }
        var extra: JSON = ["runtime": .string(runtime.name), "backend": .string(backendID), "peft_method": .string(peft),
                           "defaults_applied": defaultsApplied,
                           "notes": .array(ownNotes + (answer["notes"]?.array ?? []) + preflightNotes.map { .string($0) })]
        if let estimate { extra["estimate"] = estimate }
        if options.dryRun { return creationOutput(json, runtime: runtime, namespace: api.namespace, dryRun: true, extra: extra) }

        if let sharedSecret {
            try SecretStore.upsert(call, namespace: api.namespace, name: sharedSecret.0, data: sharedSecret.1)
        }
        try SecretStore.createJob(json, perJobSecrets: secrets, api: api, call: call)
        return creationOutput(json, runtime: runtime, namespace: api.namespace, dryRun: false, extra: extra)
    }

    /// The Secret the model's ACCESS_TOKEN comes from, and the token to store when given inline.
    private func hfTokenSecret(model: InitializerSource) throws -> (name: String, token: String?)? {
        let token = try call.optionalString("hf_token")
        let secretName = try call.optionalString("hf_token_secret")
        guard token != nil || secretName != nil else { return nil }
        guard model.kind == .huggingFace else {
            throw ToolError("hf_token/hf_token_secret apply to HuggingFace models; the model is an s3:// URI.",
                            field: token != nil ? "hf_token" : "hf_token_secret")
        }
        if let token, token.isEmpty { throw ToolError("hf_token is empty.", field: "hf_token") }
        return (secretName ?? SecretStore.defaultHFSecret, token)
    }

    /// A gated model with no token named: the default Secret's token, when that
    /// Secret exists and holds it (else pre-flight names the fix). Gatedness
    /// comes from the planner's registry; without a planner nothing is wired.
    private func defaultTokenForGatedModel(_ model: InitializerSource) -> SecretKeyRef? {
        guard model.kind == .huggingFace else { return nil }
        let repository = model.storageUri.replacing("hf://", with: "")
        guard let registry = try? call.callTool("list_model_registry", ["model": .string(repository)]),
              registry["models"]?[0]?["gated"]?.bool == true else { return nil }
        let secret = call.k8s(.get(.secrets, SecretStore.defaultHFSecret, namespace: api.namespace))
        guard secret.ok, secret.body["data"]?[SecretStore.hfTokenKey] != nil else { return nil }
        return SecretKeyRef(name: SecretStore.defaultHFSecret, key: SecretStore.hfTokenKey)
    }

    /// The backend used when the call names none: the one whose capabilities
    /// say `"default": true`, else the only one loaded. No backend is named here.
    private func defaultBackend() throws -> String {
        let backends = call.listBackends()
        let ids = backends.compactMap { $0["id"]?.string }
        if let marked = backends.first(where: { $0["capabilities"]?["default"]?.bool == true })?["id"]?.string {
            return marked
        }
        if ids.count == 1 { return ids[0] }
        throw ToolError(ids.isEmpty ? "No fine-tuning backend is loaded; install a backend plugin (see list_fine_tune_backends)."
                                    : "Choose a fine-tuning backend: \(ids.joined(separator: ", ")).", field: "backend")
    }

    /// The backend's trainer section. When the call named neither backend nor
    /// runtime and the default backend has no runtime for the model (torchtune
    /// runs only the models of its runtimes), the other loaded backends that
    /// declare the method are asked in turn; the answer says which one ran.
    private func buildTrainer(_ request: JSON, method: String, canSwitch: Bool) throws -> (String, JSON, String?) {
        let first = try call.optionalString("backend") ?? defaultBackend()
        do {
            return (first, try call.callBackend(first, "build_trainer", request), nil)
        } catch let error as ToolError where canSwitch && error.field == "runtime" {
            let others = call.listBackends().filter { backend in
                backend["id"]?.string != first
                    && (backend["capabilities"]?["methods"]?.array ?? []).contains(.string(method))
            }.compactMap { $0["id"]?.string }
            for other in others {
                guard let answer = try? call.callBackend(other, "build_trainer", request) else { continue }
                return (other, answer, "fine_tune used backend \(other): backend \(first) cannot run this model. \(error.message) Pass backend to choose another.")
            }
            throw ToolError("\(error.message)\(others.isEmpty ? "" : " No other backend (\(others.joined(separator: ", "))) could build it either.")",
                            field: error.field)
        }
    }

    private func capabilities(_ backendID: String) -> JSON? {
        call.listBackends().first { $0["id"]?.string == backendID }?["capabilities"]
    }

    /// Where the backend's jobs may run, from the capabilities it declares.
    private func runtimeSelector(_ backendID: String) throws -> BackendRuntimeSelector {
        let backends = call.listBackends()
        guard let backend = backends.first(where: { $0["id"]?.string == backendID }) else {
            let loaded = backends.compactMap { $0["id"]?.string }
            throw ToolError("No fine-tuning backend \(backendID) is loaded; loaded backends: \(loaded.isEmpty ? "none" : loaded.joined(separator: ", ")). See list_fine_tune_backends.",
                            field: "backend")
        }
        return BackendRuntimeSelector(backend["capabilities"]?["runtime_selector"])
    }
}

extension TrainingTools {
    static let fineTune = ToolDefinition(
        name: "fine_tune", title: "Fine-tune an LLM",
        description: "Fine-tunes a model with a built-in trainer (BuiltinTrainer) through a fine-tuning backend (the default one unless `backend` names another; see list_fine_tune_backends): downloads model and dataset with the runtime's initializers (or, on a runtime without them, in the training pod from the Hugging Face Hub), picks a runtime that fits the model, creates a TrainJob and returns its job_id.",
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
        required: ["model", "dataset"]),
        output: creationSchema
    ) { call in try FineTune(call).run() }
}
