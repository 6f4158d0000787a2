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

/// What a trial's training prints for Katib, and where Katib's collector finds it.
extension TrialWorkload {
    /// The metrics of the Trial that runs `job` (objective first); none for other jobs.
    static func metricNames(_ job: JSON, store: ObjectStore) -> [String] {
        guard let trialName = job.labels[trialLabel],
              let trial = store.get(KatibResources.trials, namespace: job.namespace, name: trialName)
        else { return [] }
        return MetricsCollectorInjector.metricNames(trial.object["spec"]?["objective"] ?? [:]).filter { !$0.isEmpty }
    }

    /// At each epoch's end, like a training loop's `print(f"epoch={e} loss={loss}")`: every
    /// metric as `name=value`, from the same loss curve the step lines show. A metric named
    /// like accuracy rises as the loss falls; any other reads as a loss.
    static func metricLines(_ metrics: [String], numbers: TrainingLog, step: Int) -> [String] {
        guard !metrics.isEmpty, step > 0 else { return [] }
        // A trial whose arguments name no epoch count reports three times, as a short training loop would.
        let total = numbers.totalSteps, epochs = max(1, numbers.epochs ?? 3)
        func epoch(at step: Int) -> Int { min(epochs, 1 + (step - 1) * epochs / max(total, 1)) }
        guard step == total || epoch(at: step + 1) != epoch(at: step) else { return [] }
        let loss = numbers.loss(at: step)
        let values = metrics.map { name -> String in
            let n = name.lowercased()
            let value = n.contains("acc") || n.contains("f1") || n.contains("precision") || n.contains("recall")
                ? max(0, min(1, 1.05 - loss / 2.5)) : loss
            return "\(name)=" + String(format: "%.4f", value)
        }
        return ["epoch=\(epoch(at: step)) " + values.joined(separator: " ")]
    }

    /// A pod that Katib's webhook wrapped writes its output to the metrics file, which the
    /// `metrics-logger-and-collector` sidecar prints (klog lines): that is where its log is.
    static func routeToCollector(_ pod: JSON, container: String, logs: LogStore) {
        let names = (pod["spec"]?["containers"]?.array ?? []).compactMap { $0["name"]?.string }
        guard names.contains(MetricsCollectorInjector.loggerContainer), let trial = pod.labels[MetricsCollectorInjector.trialLabel]
        else { return }
        logs.route(namespace: pod.namespace, pod: pod.name, from: container, to: MetricsCollectorInjector.loggerContainer,
                   prefix: MetricsCollectorInjector.klogPrefix)
        logs.append(namespace: pod.namespace, pod: pod.name, container: MetricsCollectorInjector.loggerContainer,
                    MetricsCollectorInjector.klogPrefix(Date()) + "Trial Name: \(trial)")
    }
}
