import KFJSON

/// The TrainingRuntime and ClusterTrainingRuntime validating webhooks (upstream
/// `validateReplicatedJobs`): each replicated job labelled as a trainer, dataset- or
/// model-initializer step runs once and has the container that step needs. TrainingRuntime
/// updates are not checked upstream; ClusterTrainingRuntime updates are.
public enum RuntimeAdmission {
    public static func webhookName(kind: String) -> String {
        kind == "ClusterTrainingRuntime" ? "validator.clustertrainingruntime.trainer.kubeflow.org"
            : "validator.trainingruntime.trainer.kubeflow.org"
    }

    public static func review(runtime: JSON, kind: String, isUpdate: Bool) -> AdmissionReview {
        var review = AdmissionReview()
        if kind == "TrainingRuntime" && isUpdate { return review }
        if kind == "ClusterTrainingRuntime" && !isUpdate && isDeprecated(runtime) {
            review.warnings.append("ClusterTrainingRuntime \"\(runtime["metadata"]?["name"]?.string ?? "")\" is deprecated and will be "
                                   + "removed in a future release of Kubeflow Trainer. See runtime deprecation policy: "
                                   + TrainerConstants.deprecationPolicyURL)
        }
        review.errors = replicatedJobErrors(runtime["spec"]?["template"]?["spec"]?["replicatedJobs"]?.array ?? [])
        return review
    }

    /// The container each ancestor step must have.
    static let requiredContainer = [TrainerConstants.ancestorTrainer: TrainerConstants.node,
                                    TrainerConstants.datasetInitializer: TrainerConstants.datasetInitializer,
                                    TrainerConstants.modelInitializer: TrainerConstants.modelInitializer]

    static func replicatedJobErrors(_ rJobs: [JSON]) -> [FieldError] {
        var errors: [FieldError] = []
        for (index, rJob) in rJobs.enumerated() {
            guard let ancestor = rJob["template"]?["metadata"]?["labels"]?[TrainerConstants.ancestorLabel]?.string,
                  let container = requiredContainer[ancestor] else { continue }
            let path = "spec.template.spec.replicatedJobs[\(index)]"
            // The CRD defaults replicas to 1.
            let replicas = rJob["replicas"]?.int ?? 1
            if replicas != 1 { errors.append(.invalid(path + ".replicas", .int(replicas), "always must be 1")) }
            let containers = RuntimeInfo.podSpec(rJob)?["containers"]
            if !RuntimeInfo.names(containers).contains(container) {
                errors.append(.invalid(path + ".template.spec.template.spec.containers", containers ?? .null,
                                       "must contain the required container for the ancestor: \(ancestor)"))
            }
        }
        return errors
    }

    static func isDeprecated(_ runtime: JSON) -> Bool {
        runtime["metadata"]?["labels"]?[TrainerConstants.supportLabel]?.string == TrainerConstants.supportDeprecated
    }
}
