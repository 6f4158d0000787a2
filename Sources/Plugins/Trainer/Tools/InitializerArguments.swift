import PluginKit

/// `model` / `dataset` (+ `model_options` / `dataset_options`, `hf_token_secret`)
/// on run_custom_training and run_container_job: the SDK's `Initializer`, which
/// works with every trainer. Inline S3 keys become a per-job Secret, created
/// just before the job (the TrainJob only references it).
struct InitializerArguments {
    var model: InitializerSource?
    var dataset: InitializerSource?
    var secrets: [(String, [String: String])] = []

    static let schema: [String: JSON] = [
        "model": Schema.string("Model to download before training with the model initializer (to /workspace/model on runtimes that mount it): HuggingFace repo (org/name or hf://org/name) or s3:// URI."),
        "dataset": Schema.string("Dataset to download before training with the dataset initializer (to /workspace/dataset): HuggingFace dataset or s3:// URI."),
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

    func apply(to body: inout TrainJobBody) {
        body.modelInitializer = model
        body.datasetInitializer = dataset
    }

    /// Stores the per-job S3 Secrets, creates the job, and removes the Secrets
    /// again when the creation fails (they are this job's alone).
    func create(_ json: JSON, api: TrainerAPI, call: ToolCall) throws {
        for (name, data) in secrets { try SecretStore.upsert(call, namespace: api.namespace, name: name, data: data) }
        do {
            try api.create(json)
        } catch {
            for (name, _) in secrets { _ = call.k8s(.delete(.secrets, name, namespace: api.namespace)) }
            throw error
        }
    }
}
