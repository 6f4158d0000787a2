import PluginKit

/// The Katib v0.19 experiment webhook's rules (pkg/webhook/v1beta1/experiment/validator),
/// checked before anything is sent, each as a sentence naming the tool's field and the
/// Experiment field it becomes. Rules about what the tools never write (nasConfig,
/// configMap trial sources, metrics collectors, resume policy) have nothing to check.
enum KatibAdmission {
    /// Katib's default suggestion services (katib-config) among the tools' algorithms.
    static let algorithms = ["random", "grid", "bayesianoptimization", "tpe", "multivariate-tpe", "cmaes",
                             "sobol", "hyperband"]

    static func problems(_ e: JSON, _ r: ExperimentRequest) -> [ToolError] {
        var out: [ToolError] = []
        func bad(_ field: String, _ message: String) { out.append(ToolError(message, field: field)) }
        let spec = e["spec"] ?? [:]
        let name = e["metadata"]?["name"]?.string ?? ""
        if name.count > 40 || !isExperimentName(name) {
            bad("name", "name \(name) is not a valid Experiment name (metadata.name): lower-case letters, digits and '-', starting with a letter and ending with a letter or digit, at most 40 characters.")
        }
        let maxTrials = spec["maxTrialCount"]?.int
        let parallel = spec["parallelTrialCount"]?.int
        let maxFailed = spec["maxFailedTrialCount"]?.int
        if let maxFailed, maxFailed < 0 { bad("max_failed_trials", "max_failed_trials (spec.maxFailedTrialCount) must not be less than 0.") }
        if let maxTrials, maxTrials <= 0 { bad("num_trials", "num_trials (spec.maxTrialCount) must be greater than 0.") }
        if let parallel, parallel <= 0 { bad("parallel_trials", "parallel_trials (spec.parallelTrialCount) must be greater than 0.") }
        if let maxFailed, let maxTrials, maxFailed > maxTrials {
            bad("max_failed_trials", "max_failed_trials (\(maxFailed)) must be less than or equal to num_trials (\(maxTrials)) (spec.maxFailedTrialCount ≤ spec.maxTrialCount).")
        }
        if let parallel, let maxTrials, parallel > maxTrials {
            bad("parallel_trials", "parallel_trials (\(parallel)) must be less than or equal to num_trials (\(maxTrials)) (spec.parallelTrialCount ≤ spec.maxTrialCount).")
        }
        let objective = spec["objective"] ?? [:]
        let metric = objective["objectiveMetricName"]?.string ?? ""
        if !["minimize", "maximize"].contains(objective["type"]?.string ?? "") {
            bad("objectives", "objectives[0].direction (spec.objective.type) must be minimize or maximize.")
        }
        if metric.isEmpty { bad("objectives", "objectives[0].metric (spec.objective.objectiveMetricName) must be specified.") }
        if (objective["additionalMetricNames"]?.array ?? []).contains(.string(metric)) {
            bad("objectives", "objectives lists \(metric) twice; the additional metrics (spec.objective.additionalMetricNames) must not repeat the objective metric.")
        }
        let algorithm = spec["algorithm"]?["algorithmName"]?.string ?? ""
        if !algorithms.contains(algorithm) {
            bad("algorithm", "algorithm \(algorithm) (spec.algorithm.algorithmName) has no Katib suggestion service; use one of \(ExperimentRequest.algorithms.joined(separator: ", ")).")
        }
        let parameters = spec["parameters"]?.array ?? []
        if parameters.isEmpty { bad("search_space", "search_space (spec.parameters) must name at least one hyperparameter.") }
        for (i, p) in parameters.enumerated() { out += parameterProblems(p, index: i) }
        out += trialTemplateProblems(spec["trialTemplate"] ?? [:], parameters: parameters)
        if algorithm == "grid" {
            for p in r.parameters {
                if case .uniform(_, _, nil) = p.space {
                    bad("search_space.\(p.name)", "search_space.\(p.name): grid search needs a step for a uniform range, e.g. {\"uniform\": [0, 0.3], \"step\": 0.1} (Katib's grid suggestion refuses a double without feasibleSpace.step).")
                }
                if case .logUniform = p.space {
                    bad("search_space.\(p.name)", "search_space.\(p.name): grid search cannot walk a loguniform range; list the values with {\"choice\": [...]} instead.")
                }
            }
        }
        return out
    }

    static func parameterProblems(_ p: JSON, index i: Int) -> [ToolError] {
        let name = p["name"]?.string ?? "?"
        let field = "search_space.\(name)"
        let path = "spec.parameters[\(i)]"
        let type = p["parameterType"]?.string ?? ""
        let space = p["feasibleSpace"]?.object ?? [:]
        var out: [ToolError] = []
        if !["int", "double", "categorical", "discrete", ""].contains(type) {
            out.append(ToolError("\(field): parameterType \(type) (\(path).parameterType) is not supported.", field: field))
        }
        if let d = space["distribution"]?.string, !["uniform", "logUniform", "normal", "logNormal", ""].contains(d) {
            out.append(ToolError("\(field): distribution \(d) (\(path).feasibleSpace.distribution) is not supported.", field: field))
        }
        if space.isEmpty {
            out.append(ToolError("\(field): a feasible space (\(path).feasibleSpace) must be specified.", field: field))
        } else if type == "double" || type == "int" {
            if !(space["list"]?.array ?? []).isEmpty {
                out.append(ToolError("\(field): a list of values (\(path).feasibleSpace.list) is not allowed for a \(type) range; use choice.", field: field))
            }
            if (space["min"]?.string ?? "").isEmpty || (space["max"]?.string ?? "").isEmpty {
                out.append(ToolError("\(field): min and max (\(path).feasibleSpace.min/max) must be specified for a \(type) range.", field: field))
            }
        } else if type == "categorical" || type == "discrete" {
            if space["min"] != nil || space["max"] != nil || space["step"] != nil {
                out.append(ToolError("\(field): min, max and step (\(path).feasibleSpace) do not apply to a choice.", field: field))
            }
        }
        return out
    }

    static func trialTemplateProblems(_ t: JSON, parameters: [JSON]) -> [ToolError] {
        var out: [ToolError] = []
        func bad(_ message: String) { out.append(ToolError(message, field: "trial_template")) }
        if (t["primaryContainerName"]?.string ?? "").isEmpty {
            bad("trial_template: the primary container (spec.trialTemplate.primaryContainerName) must be specified.")
        }
        let experimentParameters = Set(parameters.compactMap { $0["name"]?.string })
        var text = t["trialSpec"]?.serialized() ?? ""
        var names = Set<String>(), refs = Set<String>()
        for (i, tp) in (t["trialParameters"]?.array ?? []).enumerated() {
            let name = tp["name"]?.string ?? "", ref = tp["reference"]?.string ?? ""
            if name.isEmpty || ref.isEmpty || name.contains("{") || name.contains("}") {
                bad("trial_template: spec.trialTemplate.trialParameters[\(i)] needs a name and a reference, and the name must not contain '{' or '}'.")
                continue
            }
            if !names.insert(name).inserted || !refs.insert(ref).inserted {
                bad("trial_template: trial parameter \(name) is listed twice (spec.trialTemplate.trialParameters[\(i)]).")
                continue
            }
            if !experimentParameters.isEmpty && !ref.hasPrefix("${trialSpec.") && !experimentParameters.contains(ref) {
                bad("trial_template: trial parameter \(name) refers to \(ref), which is not in search_space (spec.parameters).")
            }
            let placeholder = TrialTemplate.placeholder(name)
            guard text.contains(placeholder) else {
                out.append(ToolError("search_space.\(name) is not used by the trial's TrainJob (spec.trialTemplate.trialSpec has no \(placeholder)).",
                                     field: "search_space.\(name)"))
                return out
            }
            text = text.replacing(placeholder, with: "test-value")
        }
        let left = TrialTemplate.placeholders(in: text)
        if !left.isEmpty {
            bad("trial_template: \(left.map(TrialTemplate.placeholder).joined(separator: ", ")) in the trial's TrainJob (spec.trialTemplate.trialSpec) name no trial parameter; add them to search_space.")
        }
        let job = t["trialSpec"] ?? [:]
        if job["metadata"]?["name"] != nil || job["metadata"]?["namespace"] != nil {
            bad("trial_template: the trial's TrainJob must not carry metadata.name or metadata.namespace (Katib names each trial).")
        }
        if (job["apiVersion"]?.string ?? "").isEmpty || (job["kind"]?.string ?? "").isEmpty {
            bad("trial_template: the trial's TrainJob needs apiVersion and kind (spec.trialTemplate.trialSpec).")
        }
        return out
    }

    /// ^[a-z]([-a-z0-9]*[a-z0-9])?$ (bytes read by hand: a regular expression would page ICU into the server).
    private static func isExperimentName(_ s: String) -> Bool {
        let b = Array(s.utf8)
        func lower(_ c: UInt8) -> Bool { c >= 0x61 && c <= 0x7A }
        func digit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
        guard let first = b.first, let last = b.last, lower(first), lower(last) || digit(last) else { return false }
        return b.allSatisfy { lower($0) || digit($0) || $0 == UInt8(ascii: "-") }
    }
}
