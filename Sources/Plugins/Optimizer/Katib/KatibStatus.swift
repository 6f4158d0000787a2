import PluginKit

/// Katib's Experiment and Trial status read into the tools' reports.
enum KatibStatus {
    static func experiment(_ e: JSON) -> ExperimentReport {
        let spec = e["spec"] ?? [:], status = e["status"] ?? [:]
        let (phase, message) = phase(of: status["conditions"]?.array ?? [])
        var best: TrialReport?
        if let optimal = status["currentOptimalTrial"], let bestName = optimal["bestTrialName"]?.string, !bestName.isEmpty {
            best = TrialReport(name: bestName, phase: "Succeeded", parameters: assignments(optimal["parameterAssignments"]),
                               metrics: metrics(optimal["observation"]), message: nil)
        }
        let objective = spec["objective"].flatMap { o -> ExperimentRequest.Objective? in
            guard let metric = o["objectiveMetricName"]?.string else { return nil }
            return .init(metric: metric, direction: o["type"]?.string ?? "minimize")
        }
        return ExperimentReport(
            name: e["metadata"]?["name"]?.string ?? "", namespace: e["metadata"]?["namespace"]?.string ?? "",
            phase: phase, message: message, objective: objective, algorithm: spec["algorithm"]?["algorithmName"]?.string,
            maxTrials: spec["maxTrialCount"]?.int ?? ExperimentRequest.defaultTrials,
            parallelTrials: spec["parallelTrialCount"]?.int ?? 1,
            running: status["trialsRunning"]?.int ?? 0, pending: status["trialsPending"]?.int ?? 0,
            succeeded: status["trialsSucceeded"]?.int ?? 0,
            failed: (status["trialsFailed"]?.int ?? 0) + (status["trialMetricsUnavailable"]?.int ?? 0),
            created: status["trials"]?.int ?? 0, best: best,
            owner: e["metadata"]?["annotations"]?["kubeflow-mcp.kubeflow.org/owner"]?.string,
            creationTimestamp: e["metadata"]?["creationTimestamp"]?.string)
    }

    static func trial(_ t: JSON) -> TrialReport {
        let status = t["status"] ?? [:]
        let (phase, message) = phase(of: status["conditions"]?.array ?? [])
        return TrialReport(name: t["metadata"]?["name"]?.string ?? "", phase: phase,
                           parameters: assignments(t["spec"]?["parameterAssignments"]),
                           metrics: metrics(status["observation"]), message: message)
    }

    /// The latest true condition wins (Katib appends; Succeeded/Failed are terminal).
    static func phase(of conditions: [JSON]) -> (String, String?) {
        let trueOnes = conditions.filter { $0["status"]?.string == "True" }
        for terminal in ["Succeeded", "Failed", "MetricsUnavailable", "EarlyStopped", "Killed"] {
            if let c = trueOnes.last(where: { $0["type"]?.string == terminal }) { return (terminal, c["message"]?.string) }
        }
        guard let last = trueOnes.last else { return ("Created", nil) }
        return (last["type"]?.string ?? "Created", last["message"]?.string)
    }

    static func assignments(_ value: JSON?) -> [(String, String)] {
        (value?.array ?? []).compactMap { a in
            guard let name = a["name"]?.string else { return nil }
            return (name, a["value"]?.string ?? a["value"].map(PythonText.str) ?? "")
        }
    }

    static func metrics(_ observation: JSON?) -> [MetricReport] {
        (observation?["metrics"]?.array ?? []).compactMap { m in
            guard let name = m["name"]?.string else { return nil }
            return MetricReport(name: name, latest: m["latest"]?.string ?? "", min: m["min"]?.string, max: m["max"]?.string)
        }
    }
}
