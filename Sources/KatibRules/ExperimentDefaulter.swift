import KFJSON

/// Katib v0.19's mutating webhook for Experiments (`defaulter.experiment.katib.kubeflow.org`,
/// pkg/webhook/v1beta1/experiment/mutate_webhook.go → Experiment.SetDefault in
/// pkg/apis/controller/experiments/v1beta1/experiment_defaults.go). It runs before the
/// validator, so what it fills in is never denied as missing.
public enum ExperimentDefaulter {
    public static let name = "defaulter.experiment.katib.kubeflow.org"

    public static let jobSuccessCondition = "status.conditions.#(type==\"Complete\")#|#(status==\"True\")#"
    public static let jobFailureCondition = "status.conditions.#(type==\"Failed\")#|#(status==\"True\")#"
    public static let kubeflowJobSuccessCondition = "status.conditions.#(type==\"Succeeded\")#|#(status==\"True\")#"
    public static let kubeflowJobKinds: Set<String> = ["TFJob", "PyTorchJob", "XGBoostJob", "MPIJob"]
    /// Only the TrainJob's `node` pods run the trainer, so only they get the collector.
    public static let trainJobPrimaryPodLabels: JSON = ["jobset.sigs.k8s.io/replicatedjob-name": "node"]

    public static func defaulted(_ experiment: JSON) -> JSON {
        var e = experiment
        var spec = e["spec"] ?? [:]
        if isAbsent(spec["parallelTrialCount"]) { spec["parallelTrialCount"] = 3 }
        if (spec["resumePolicy"]?.string ?? "").isEmpty { spec["resumePolicy"] = "Never" }
        if let objective = spec["objective"], !objective.isNull { spec["objective"] = withMetricStrategies(objective) }
        if let template = spec["trialTemplate"], !template.isNull { spec["trialTemplate"] = withConditions(template) }
        spec["metricsCollectorSpec"] = withCollector(spec["metricsCollectorSpec"])
        if let parameters = spec["parameters"]?.array {
            spec["parameters"] = .array(parameters.map { p in
                var p = p
                if (p["feasibleSpace"]?["distribution"]?.string ?? "").isEmpty {
                    var space = p["feasibleSpace"]?.object ?? [:]
                    space["distribution"] = "uniform"
                    p["feasibleSpace"] = .object(space)
                }
                return p
            })
        }
        e["spec"] = spec
        return e
    }

    /// The objective keeps its extreme (min when minimizing, max when maximizing); so do the
    /// additional metrics, unless a strategy is already given.
    private static func withMetricStrategies(_ objective: JSON) -> JSON {
        var o = objective
        let metric = o["objectiveMetricName"]?.string ?? ""
        var strategies = o["metricStrategies"]?.array ?? []
        let named = Set(strategies.compactMap { $0["name"]?.string })
        let extract: String
        switch o["type"]?.string {
        case "minimize": extract = "min"
        case "maximize": extract = "max"
        default: extract = "latest"
        }
        if !named.contains(metric) { strategies.append(["name": .string(metric), "value": .string(extract)]) }
        for additional in (o["additionalMetricNames"]?.array ?? []).compactMap(\.string)
        where !named.contains(additional) || additional == metric {
            strategies.append(["name": .string(additional), "value": .string(extract)])
        }
        o["metricStrategies"] = .array(strategies)
        return o
    }

    private static func withConditions(_ template: JSON) -> JSON {
        guard let kind = template["trialSpec"]?["kind"]?.string else { return template }
        var t = template
        func fill(_ key: String, _ value: String) {
            if (t[key]?.string ?? "").isEmpty { t[key] = .string(value) }
        }
        if kind == "Job" {
            fill("successCondition", jobSuccessCondition)
            fill("failureCondition", jobFailureCondition)
        } else if kubeflowJobKinds.contains(kind) {
            fill("successCondition", kubeflowJobSuccessCondition)
            fill("failureCondition", jobFailureCondition)
            if (t["primaryPodLabels"]?.object ?? [:]).isEmpty {
                t["primaryPodLabels"] = ["training.kubeflow.org/job-role": "master"]
            }
        } else if kind == "TrainJob" {
            fill("successCondition", jobSuccessCondition)
            fill("failureCondition", jobFailureCondition)
            if (t["primaryPodLabels"]?.object ?? [:]).isEmpty { t["primaryPodLabels"] = trainJobPrimaryPodLabels }
        }
        return t
    }

    /// StdOut unless given; File, TensorFlowEvent and Prometheus get their default source.
    private static func withCollector(_ given: JSON?) -> JSON {
        var spec = given.flatMap { $0.isNull ? nil : $0 } ?? [:]
        if isAbsent(spec["collector"]) { spec["collector"] = ["kind": "StdOut"] }
        var source = spec["source"].flatMap { $0.isNull ? nil : $0 } ?? [:]
        switch spec["collector"]?["kind"]?.string {
        case "Prometheus":
            var get = source["httpGet"]?.object ?? [:]
            if (get["path"]?.string ?? "").isEmpty { get["path"] = "/metrics" }
            if portText(get["port"]) == "0" { get["port"] = 8080 }
            source["httpGet"] = .object(get)
            spec["source"] = source
        case "File", "TensorFlowEvent":
            let isFile = spec["collector"]?["kind"]?.string == "File"
            var path = source["fileSystemPath"]?.object ?? [:]
            if (path["kind"]?.string ?? "").isEmpty { path["kind"] = isFile ? "File" : "Directory" }
            if (path["path"]?.string ?? "").isEmpty { path["path"] = isFile ? "/var/log/katib/metrics.log" : "/var/log/katib/tfevent/" }
            if isFile, (path["format"]?.string ?? "").isEmpty { path["format"] = "TEXT" }
            source["fileSystemPath"] = .object(path)
            spec["source"] = source
        default: break
        }
        return spec
    }

    /// intstr.IntOrString.String(): the number, the name, or "0" when unset.
    public static func portText(_ port: JSON?) -> String {
        if let i = port?.int { return String(i) }
        if let s = port?.string { return s }
        return "0"
    }

    public static func isAbsent(_ value: JSON?) -> Bool { value == nil || value == .null }
}
