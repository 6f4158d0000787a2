import PluginKit

/// A backend's `runtime_selector` capability: which runtimes its trainer runs
/// on. fine_tune reads it generically, so it names no backend:
///
///     {"framework": "trl",                       runtimes labelled trainer.kubeflow.org/framework=trl
///      "fallback_runtime": "torch-distributed",  else this generic runtime ...
///      "image": "huggingface/trl"}               ... with this trainer image
///
/// No selector (or no framework) means a built-in trainer runtime, as the SDK's
/// BuiltinTrainer needs.
struct BackendRuntimeSelector: Equatable {
    var framework: String?
    var fallbackRuntime: String?
    var image: String?

    init(_ json: JSON?) {
        framework = json?["framework"]?.string
        fallbackRuntime = json?["fallback_runtime"]?.string
        image = json?["image"]?.string
    }

    func isFallback(_ runtime: RuntimeInfo) -> Bool {
        fallbackRuntime != nil && runtime.name == fallbackRuntime && runtime.framework != framework
    }

    /// Refuses a runtime the backend's trainer section cannot run on.
    func check(runtime: RuntimeInfo, backendID: String) throws {
        if let framework, runtime.framework != framework, !isFallback(runtime) {
            let alternative = fallbackRuntime.map { " or the \($0) runtime" } ?? ""
            throw ToolError("Runtime \(runtime.name) is a \(runtime.framework) runtime; backend \(backendID) needs one labelled \(RuntimeInfo.frameworkLabel)=\(framework)\(alternative). Pick one from list_training_runtimes.",
                            field: "runtime")
        }
        if framework == nil && runtime.trainerType != "BuiltinTrainer" {
            throw ToolError("Runtime \(runtime.name) is a custom (\(runtime.framework)) runtime; fine_tune needs a runtime of the chosen backend (see list_training_runtimes and list_fine_tune_backends).",
                            field: "runtime")
        }
    }

    /// On the fallback runtime: the backend's image when the backend left it
    /// out, and the Hugging Face token as HF_TOKEN, since that runtime has no
    /// model initializer to hand it to (the trainer downloads the model itself).
    func completing(_ trainer: JSON, on runtime: RuntimeInfo, hfToken: SecretKeyRef?) -> JSON {
        guard isFallback(runtime) else { return trainer }
        var trainer = trainer
        if trainer["image"] == nil, let image { trainer["image"] = .string(image) }
        if let hfToken {
            var env = trainer["env"]?.array ?? []
            if !env.contains(where: { $0["name"]?.string == "HF_TOKEN" }) {
                env.append(EnvVar.secret("HF_TOKEN", hfToken).json)
                trainer["env"] = .array(env)
            }
        }
        return trainer
    }
}
