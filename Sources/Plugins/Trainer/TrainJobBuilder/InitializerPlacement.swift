import PluginKit
import TrainerRules

/// Where fine_tune's model and dataset are downloaded. Kubeflow Trainer v2.3.0 admits
/// `spec.initializer.<role>` only on a runtime with that initializer step (jobset.go), and
/// stock torch-distributed has none. There, a backend whose trainer fetches from the Hugging
/// Face Hub itself (TRL, Unsloth: their scripts fall back to the Hub when /workspace holds no
/// copy) gets no initializer and the token as HF_TOKEN; anything else is refused with the
/// webhook's reason.
struct InitializerPlacement {
    var model: InitializerSource?
    var dataset: InitializerSource?
    /// The model's Hub token, handed to the trainer when no model initializer takes it.
    var trainerHFToken: SecretKeyRef?
    var note: String?

    init(model: InitializerSource, dataset: InitializerSource, runtime: RuntimeInfo, trainerFetchesFromHub: Bool) throws {
        self.model = model
        self.dataset = dataset
        var inPod: [String] = []
        for source in [model, dataset] {
            guard let denial = runtime.initializerDenials[source.role] else { continue }
            guard trainerFetchesFromHub, source.kind == .huggingFace else {
                throw Self.refusal(source, denial: denial,
                                   fix: source.kind == .s3
                                       ? "use a Hugging Face \(source.role.rawValue) (the trainer downloads it in the pod), or a runtime with a \(source.role.initializerStep) step (list_training_runtimes)."
                                       : "use a runtime with a \(source.role.initializerStep) step (list_training_runtimes), or a backend whose trainer downloads from the Hugging Face Hub (list_fine_tune_backends).")
            }
            if source.role == .model { self.model = nil; trainerHFToken = model.accessToken } else { self.dataset = nil }
            inPod.append(source.role.rawValue)
        }
        if !inPod.isEmpty {
            note = "Runtime \(runtime.name) has no \(inPod.map { "\($0)-initializer" }.joined(separator: "/")) step (Kubeflow Trainer v2.3.0 admits spec.initializer only on runtimes that have one), so the training pod downloads the \(inPod.joined(separator: " and ")) from the Hugging Face Hub itself."
        }
    }

    /// The trainer with HF_TOKEN from the model's token Secret, when the pod downloads the model.
    func completing(_ trainer: JSON) -> JSON {
        guard let trainerHFToken else { return trainer }
        var trainer = trainer
        var env = trainer["env"]?.array ?? []
        if !env.contains(where: { $0["name"]?.string == "HF_TOKEN" }) {
            env.append(EnvVar.secret("HF_TOKEN", trainerHFToken).json)
            trainer["env"] = .array(env)
        }
        return trainer
    }

    /// The refusal for `spec.initializer.<role>` on a runtime without that step.
    static func refusal(_ source: InitializerSource, denial: String, fix: String) -> ToolError {
        ToolError(WebhookDenial.message(denial, fix: fix), field: source.role.rawValue)
    }
}
