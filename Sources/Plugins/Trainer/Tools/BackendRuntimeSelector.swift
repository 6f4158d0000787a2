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

    /// On the fallback runtime: the backend's image when the backend left it out.
    func completing(_ trainer: JSON, on runtime: RuntimeInfo) -> JSON {
        guard isFallback(runtime), trainer["image"] == nil, let image else { return trainer }
        var trainer = trainer
        trainer["image"] = .string(image)
        return trainer
    }

    /// Whether the backend's trainer fetches the model and dataset from the Hugging Face Hub
    /// itself when no initializer put them in /workspace: true of the backends that run on a
    /// generic runtime (they declare a framework), not of the built-in trainers.
    var fetchesFromHub: Bool { framework != nil }
}
