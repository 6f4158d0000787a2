import PluginKit

/// `model` / `dataset` (+ `model_options` / `dataset_options`, `hf_token_secret`)
/// on run_custom_training and run_container_job: the SDK's `Initializer`, which
/// works with every trainer whose runtime has the initializer steps. Inline S3 keys become a per-job Secret, created
/// just before the job (the TrainJob only references it).
struct InitializerArguments {
    var model: InitializerSource?
    var dataset: InitializerSource?
    var secrets: [(String, [String: String])] = []

    static let schema: [String: JSON] = [
        "model": Schema.string("Model to download to /workspace/model before training: HuggingFace repo (org/name or hf://org/name) or s3:// URI. The runtime's model initializer does it where the runtime has one; elsewhere (stock torch-distributed) run_custom_training's script downloads a HuggingFace model itself and run_container_job refuses."),
        "dataset": Schema.string("Dataset to download to /workspace/dataset before training: HuggingFace dataset or s3:// URI; like model, by the runtime's dataset initializer, else (run_custom_training, HuggingFace only) by the training script."),
        "model_options": TrainingTools.sourceOptionsSchema,
        "dataset_options": TrainingTools.sourceOptionsSchema,
        "hf_token_secret": Schema.name("Secret holding a HuggingFace token under key \"token\" for a gated HuggingFace model (see setup_hf_credentials).", for: .secrets),
    ]

    init(_ call: ToolCall, jobName: String) throws {
        if let text = try call.optionalString("model") {
            var source = try InitializerSource.parse(text, role: .model, field: "model")
            if let s = try SourceOptions(try call.object("model_options"), field: "model_options")
                .apply(to: &source, jobName: jobName, field: "model_options") { secrets.append(s) }
            if let tokenSecret = try call.optionalString("hf_token_secret") {
                guard (try? PodSpecShapes.serviceAccountName(tokenSecret, field: "hf_token_secret")) != nil else {
                    throw ToolError("hf_token_secret must be a Secret name (lower-case letters, digits, '-' and '.').", field: "hf_token_secret")
                }
                guard source.kind == .huggingFace else {
                    throw ToolError("hf_token_secret applies to HuggingFace models; the model is an s3:// URI.", field: "hf_token_secret")
                }
                source.accessToken = SecretKeyRef(name: tokenSecret, key: SecretStore.hfTokenKey)
            }
            model = source
        } else if try call.object("model_options") != nil || call.optionalString("hf_token_secret") != nil {
            throw ToolError("model_options and hf_token_secret need a model to download; add model.", field: "model")
        }
        if let text = try call.optionalString("dataset") {
            var source = try InitializerSource.parse(text, role: .dataset, field: "dataset")
            if let s = try SourceOptions(try call.object("dataset_options"), field: "dataset_options")
                .apply(to: &source, jobName: jobName, field: "dataset_options") { secrets.append(s) }
            dataset = source
        } else if try call.object("dataset_options") != nil {
            throw ToolError("dataset_options needs a dataset to download; add dataset.", field: "dataset")
        }
    }

    /// For run_custom_training: the Hugging Face sources `runtime` has no initializer step for,
    /// taken out of `spec.initializer` for the training script to download (HubDownload). An S3
    /// source stays, and v2.3.0's webhook denies it (TrainerAPI.checkAdmitted says so).
    mutating func moveToPod(on runtime: RuntimeInfo) -> [InitializerSource] {
        var moved: [InitializerSource] = []
        for source in [model, dataset].compactMap({ $0 }) where !runtime.servesInitializer(source.role) && source.kind == .huggingFace {
            if source.role == .model { model = nil } else { dataset = nil }
            moved.append(source)
        }
        return moved
    }

    func apply(to body: inout TrainJobBody) {
        body.modelInitializer = model
        body.datasetInitializer = dataset
    }

    /// Creates the job with its per-job S3 Secrets (see SecretStore.createJob).
    func create(_ json: JSON, api: TrainerAPI, call: ToolCall) throws {
        try SecretStore.createJob(json, perJobSecrets: secrets, api: api, call: call)
    }
}
