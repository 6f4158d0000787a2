import KFJSON

// Kubeflow Trainer v2.3.0's validating admission webhooks, ported rule by rule from upstream
// (pkg/webhooks, pkg/runtime/core and each runtime plugin's `Validate`, tag v2.3.0). The one
// place these rules live: the simulator runs them as its admission webhook, the plugins run
// them before they send.
//
// API
//
//     // A TrainJob, on create (`old` nil) or update. `runtime` is the object its runtimeRef names
//     // (nil when there is none: that is itself a denial).
//     let review = TrainJobAdmission.review(trainJob: job, runtime: runtimeObject, old: nil)
//     review.allowed            // false when denied
//     review.errors             // [FieldError]: field, kind, value, detail (the rule's own words)
//     review.message            // "spec.runtimeRef: Invalid value: …: must have dataset-initializer job …"
//                               // (what the webhook answers; nil when allowed)
//     review.warnings           // e.g. a deprecated ClusterTrainingRuntime
//     TrainJobAdmission.validate(trainJob:runtime:old:) -> [FieldError]   // the errors alone
//
//     // kube-apiserver's text for a denial (HTTP 403, reason Forbidden):
//     TrainJobAdmission.deniedMessage(review.message!)
//       // admission webhook "validator.trainjob.trainer.kubeflow.org" denied the request: spec.runtimeRef: …
//
//     // Whether a runtime can serve spec.initializer.model / .dataset (the jobset plugin's
//     // initializer rule), for tools that choose where a download happens:
//     TrainJobAdmission.servesInitializer("model", runtime: runtimeObject) -> Bool
//
//     // (Cluster)TrainingRuntimes, on create and update:
//     RuntimeAdmission.review(runtime: object, kind: "ClusterTrainingRuntime", isUpdate: false)
//
// `ClusterFacts` carries what the webhook reads from the cluster besides the runtime: the
// TrainJob's JobSet (runtime patches may not change under active pods) and PriorityClasses
// (Volcano). Outside a cluster (the planner) the defaults mean "no JobSet, every class exists".
//
// Plugins run in a fixed order (jobset, torch, mpi, xgboost, flux, volcano); upstream walks a
// Go map, so its order of several errors varies from call to call. Values print as Go does for
// scalars; Go prints structs with `%#v` (memory addresses included), we print their JSON.

/// What the webhook reads from the cluster besides the runtime.
public struct ClusterFacts: Sendable {
    /// Replicated jobs of the TrainJob's JobSet that still have active pods (status order).
    public var activeReplicatedJobs: [String]
    /// Set when the JobSet could not be read (upstream answers an internal error).
    public var jobSetLookupError: String?
    public var priorityClassExists: @Sendable (String) -> Bool

    public init(activeReplicatedJobs: [String] = [], jobSetLookupError: String? = nil,
                priorityClassExists: @escaping @Sendable (String) -> Bool = { _ in true }) {
        self.activeReplicatedJobs = activeReplicatedJobs
        self.jobSetLookupError = jobSetLookupError
        self.priorityClassExists = priorityClassExists
    }
}

/// A webhook's answer.
public struct AdmissionReview: Sendable {
    public var errors: [FieldError] = []
    /// A denial that is not about a field (`unsupported runtime: …`).
    public var failure: String?
    public var warnings: [String] = []

    public var allowed: Bool { errors.isEmpty && failure == nil }
    /// The webhook's reason, as controller-runtime hands it to the apiserver.
    public var message: String? { failure ?? (errors.isEmpty ? nil : FieldError.aggregate(errors)) }
}

public enum TrainJobAdmission {
    public static let webhookName = "validator.trainjob.trainer.kubeflow.org"
    public static let group = "trainer.kubeflow.org"

    /// kube-apiserver's message for a denial by the TrainJob webhook.
    public static func deniedMessage(_ reason: String, webhook: String = webhookName) -> String {
        "admission webhook \"\(webhook)\" denied the request: \(reason)"
    }

    /// The runtime kinds the webhook knows (`RuntimeRefToRuntimeRegistryKey`): `Kind.group`.
    static let registeredRuntimes: Set = ["TrainingRuntime.trainer.kubeflow.org", "ClusterTrainingRuntime.trainer.kubeflow.org"]

    public static func validate(trainJob: JSON, runtime: JSON?, old: JSON? = nil, cluster: ClusterFacts = ClusterFacts()) -> [FieldError] {
        review(trainJob: trainJob, runtime: runtime, old: old, cluster: cluster).errors
    }

    /// `ValidateCreate` / `ValidateUpdate`: the runtime kind must be one the webhook knows, the
    /// runtime must exist, then each runtime plugin's `Validate` runs.
    public static func review(trainJob: JSON, runtime: JSON?, old: JSON? = nil, cluster: ClusterFacts = ClusterFacts()) -> AdmissionReview {
        var review = AdmissionReview()
        let ref = trainJob["spec"]?["runtimeRef"] ?? .null
        // The CRD defaults apiGroup and kind; an object read outside the apiserver may lack them.
        let kind = ref["kind"]?.string ?? "ClusterTrainingRuntime"
        let apiGroup = ref["apiGroup"]?.string ?? group
        let key = apiGroup.isEmpty ? kind : kind + "." + apiGroup
        guard registeredRuntimes.contains(key) else {
            review.failure = "unsupported runtime: \(key)"
            return review
        }
        let isCluster = kind == "ClusterTrainingRuntime"
        guard let runtime else {
            let name = ref["name"]?.string ?? ""
            let plural = isCluster ? "clustertrainingruntimes" : "trainingruntimes"
            let lower = isCluster ? "clusterTrainingRuntime" : "trainingRuntime"
            // Upstream spells the path `spec.RuntimeRef` for cluster runtimes.
            review.errors = [.invalid(isCluster ? "spec.RuntimeRef" : "spec.runtimeRef", ref,
                                      "\(plural).\(group) \"\(name)\" not found: specified \(lower) must be created before the TrainJob is created")]
            return review
        }
        if isCluster, RuntimeAdmission.isDeprecated(runtime) {
            review.warnings.append("Referenced ClusterTrainingRuntime \"\(runtime["metadata"]?["name"]?.string ?? "")\" is deprecated "
                                   + "and will be removed in a future release of Kubeflow Trainer. See runtime deprecation policy: "
                                   + TrainerConstants.deprecationPolicyURL)
        }
        let info = RuntimeInfo(runtime: runtime, trainJob: trainJob)
        review.errors = JobSetValidation.validate(info: info, old: old, new: trainJob, cluster: cluster)
            + TorchValidation.validate(info: info, new: trainJob)
            + MPIValidation.validate(info: info, new: trainJob)
            + XGBoostValidation.validate(info: info, new: trainJob)
            + FluxValidation.validate(info: info, new: trainJob)
            + VolcanoValidation.validate(info: info, cluster: cluster)
        return review
    }
}

extension TrainJobAdmission {
    /// Whether the jobset plugin admits `spec.initializer.<input>` ("model" or "dataset") on
    /// `runtime`: the same rule `review` applies, asked before a TrainJob is built.
    public static func servesInitializer(_ input: String, runtime: JSON) -> Bool {
        let info = RuntimeInfo(runtime: runtime, trainJob: [:])
        return JobSetValidation.initializerProblem(info: info, names: info.containerNames,
                                                   job: input + "-initializer", input: input + "Config") == nil
    }
}
