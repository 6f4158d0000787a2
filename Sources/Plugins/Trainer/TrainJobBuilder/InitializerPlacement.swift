import PluginKit

/// Where fine_tune's model and dataset are downloaded. Kubeflow Trainer v2.3.0 admits
/// `spec.initializer.<role>` only on a runtime with that initializer step (jobset.go), and
/// stock torch-distributed has none. There, a backend whose trainer fetches from the Hugging
/// Face Hub itself (TRL, Unsloth: their scripts fall back to the Hub when /workspace holds no
/// copy) gets no initializer and the token as HF_TOKEN; anything else stays an initializer,
/// which the webhook denies (TrainerAPI.checkAdmitted refuses it with its reason).
struct InitializerPlacement {
    var model: InitializerSource?
    var dataset: InitializerSource?
    /// The model's Hub token, handed to the trainer when no model initializer takes it.
    var trainerHFToken: SecretKeyRef?
    var note: String?

    init(model: InitializerSource, dataset: InitializerSource, runtime: RuntimeInfo, trainerFetchesFromHub: Bool) {
        self.model = model
        self.dataset = dataset
        var inPod: [String] = []
        for source in [model, dataset]
        where trainerFetchesFromHub && source.kind == .huggingFace && !runtime.servesInitializer(source.role) {
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
}
