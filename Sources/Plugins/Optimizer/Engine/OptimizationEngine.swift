import PluginKit

/// The seam between the tools and what runs experiments. Katib (`KatibEngine`) is the
/// one engine today; Kubeflow Trainer's OptimizationJob
/// (trainer.kubeflow.org/v1alpha1, master) can sit beside it without changing the tools.
protocol OptimizationEngine: Sendable {
    /// Shown to people: "Katib Experiment".
    var objectKind: String { get }
    /// The object to submit for `request`: pure, so golden tests can compare it.
    func build(_ request: ExperimentRequest) -> JSON
    /// The engine's admission rules, checked before anything is sent: sentences naming the field.
    func problems(_ object: JSON, _ request: ExperimentRequest) -> [ToolError]
    func create(_ object: JSON, namespace: String, _ call: ToolCall) throws
    func experiment(_ name: String, namespace: String, _ call: ToolCall) throws -> ExperimentReport
    func experiments(namespace: String, _ call: ToolCall) throws -> [ExperimentReport]
    func trials(_ name: String, namespace: String, _ call: ToolCall) throws -> [TrialReport]
    func delete(_ name: String, namespace: String, _ call: ToolCall) throws
}

/// One metric of a trial: latest, min and max as the engine reports them (strings, like Katib).
struct MetricReport: Equatable, Sendable {
    var name: String
    var latest: String
    var min: String?
    var max: String?

    var json: JSON {
        var o: JSON = ["name": .string(name), "latest": .string(latest)]
        if let min { o["min"] = .string(min) }
        if let max { o["max"] = .string(max) }
        return o
    }
}

/// A trial as the tools show it.
struct TrialReport: Sendable {
    var name: String
    /// Created, Running, Succeeded, Failed, MetricsUnavailable, EarlyStopped, Killed.
    var phase: String
    var parameters: [(String, String)]
    var metrics: [MetricReport]
    var message: String?

    var json: JSON {
        var o: JSON = ["name": .string(name), "phase": .string(phase), "job_id": .string(name),
                       "parameters": .object(Dictionary(parameters, uniquingKeysWith: { a, _ in a }).mapValues { .string($0) }),
                       "metrics": .array(metrics.map(\.json))]
        if let message { o["message"] = .string(message) }
        return o
    }
}

/// An experiment as the tools show it.
struct ExperimentReport: Sendable {
    var name: String
    var namespace: String
    /// Created, Running, Restarting, Succeeded, Failed.
    var phase: String
    var message: String?
    var objective: ExperimentRequest.Objective?
    var algorithm: String?
    var maxTrials: Int
    var parallelTrials: Int
    var running: Int
    var pending: Int
    var succeeded: Int
    var failed: Int
    var created: Int
    var best: TrialReport?
    var owner: String?
    var creationTimestamp: String?

    var isFinished: Bool { phase == "Succeeded" || phase == "Failed" }
    /// Trials that reached an end, over the trials asked for.
    var fraction: Double {
        isFinished ? 1 : Double(min(succeeded + failed, maxTrials)) / Double(max(maxTrials, 1))
    }

    var json: JSON {
        var o: JSON = [
            "name": .string(name), "namespace": .string(namespace), "phase": .string(phase),
            "trials": ["total": .int(created), "running": .int(running), "pending": .int(pending),
                       "succeeded": .int(succeeded), "failed": .int(failed), "max": .int(maxTrials),
                       "parallel": .int(parallelTrials)],
            "progress_percent": .int(Int((fraction * 100).rounded(.down))),
            "progress_bar": .string(progressBar),
        ]
        if let message { o["message"] = .string(message) }
        if let objective { o["objective"] = ["metric": .string(objective.metric), "direction": .string(objective.direction)] }
        if let algorithm { o["algorithm"] = .string(algorithm) }
        if let best { o["best_trial"] = best.json }
        if let owner { o["owner"] = .string(owner) }
        if let creationTimestamp { o["created"] = .string(creationTimestamp) }
        return o
    }

    /// `[########------------] 2/6 trials done, 2 running`
    var progressBar: String {
        let filled = Int((fraction * 20).rounded(.down))
        return "[" + String(repeating: "#", count: filled) + String(repeating: "-", count: 20 - filled) + "] " + progressText
    }

    /// `2/6 trials done, 2 running`: the MCP progress message (clients draw their own bar).
    var progressText: String { "\(succeeded + failed)/\(maxTrials) trials done, \(running) running" }

    /// One line for people: phase, progress, best so far.
    var summary: String {
        var line = "\(name): \(phase) \(progressBar)"
        if let best, let objective, let metric = best.metrics.first(where: { $0.name == objective.metric }) {
            let params = best.parameters.map { "\($0.0)=\($0.1)" }.joined(separator: ", ")
            line += "; best \(best.name): \(objective.metric) \(metric.latest) with \(params)"
        }
        return line
    }
}
