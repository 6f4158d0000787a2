import Foundation
import KFJSON

/// How a simulated trial's training responds to its hyperparameters, so that "best"
/// means something: the loss a TrainJob run by a Katib Trial settles to grows with
/// the distance of each known hyperparameter from a sweet spot. Deterministic.
enum TrialWorkload {
    static let trialLabel = "katib.kubeflow.org/trial"
    /// The loss an untuned simulated job settles to (TrainingLog's floor).
    static let baseFloor = 0.4

    /// The loss floor of `job`: the base for any TrainJob that no Trial runs.
    static func lossFloor(_ job: JSON, store: ObjectStore) -> Double {
        guard let trialName = job.labels[trialLabel],
              let trial = store.get(KatibResources.trials, namespace: job.namespace, name: trialName)
        else { return baseFloor }
        let assignments = trial.object["spec"]?["parameterAssignments"]?.array ?? []
        return baseFloor + assignments.reduce(0) { sum, a in
            sum + penalty(a["name"]?.string ?? "", Double(a["value"]?.string ?? "") ?? .nan)
        }
    }

    /// Sweet spots: learning rate 3e-4, batch 16, LoRA rank 32, dropout 0.1.
    static func penalty(_ name: String, _ v: Double) -> Double {
        guard v.isFinite else { return 0 }
        let n = name.lowercased()
        if n == "lr" || n.contains("learning_rate"), v > 0 { return 0.3 * pow(log10(v) - log10(3e-4), 2) }
        if n.contains("batch"), v > 0 { return 0.005 * pow(log2(v) - 4, 2) }
        if n.contains("rank"), v > 0 { return 0.008 * pow(log2(v) - 5, 2) }
        if n.contains("dropout") { return 0.5 * pow(v - 0.1, 2) }
        return 0
    }
}
