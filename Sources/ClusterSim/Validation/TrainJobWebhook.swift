import KFJSON
import TrainerRules

/// Kubeflow Trainer v2.3.0's validating webhook for TrainJobs, as far as the simulator plays
/// it: the torchtune checks from TrainerRules (the rules the planner reads too).
enum TrainJobWebhook {
    static let name = "validator.trainjob.trainer.kubeflow.org"

    static func check(_ trainJob: JSON, store: ObjectStore) throws(APIError) {
        let ref = trainJob["spec"]?["runtimeRef"]
        let runtimeName = ref?["name"]?.string ?? ""
        let runtime = ref?["kind"]?.string == "TrainingRuntime"
            ? store.get(ResourceCatalog.trainingRuntimes, namespace: trainJob.namespace, name: runtimeName)
            : store.get(ResourceCatalog.clusterTrainingRuntimes, namespace: nil, name: runtimeName)
        guard let runtime else { return }
        let errors = BuiltinTrainerRules.webhookErrors(trainJob: trainJob, runtime: runtime.object)
        guard !errors.isEmpty else { return }
        var invalid = APIError.invalid(ResourceCatalog.trainJobs, trainJob.name,
                                       errors.map { FieldError.invalid($0.field, $0.value, $0.detail) })
        invalid = APIError(code: invalid.code, reason: invalid.reason,
                           message: "admission webhook \"\(name)\" denied the request: " + invalid.message,
                           details: invalid.details)
        throw invalid
    }
}
