import KatibRules
import PluginKit

/// What Katib v0.19 would do with the Experiment, checked before anything is sent: its
/// defaulting and validating webhooks, run from KatibRules (the code the simulator's webhook
/// runs), each denial turned into a sentence naming the tool's field and quoting the
/// webhook's own reason. The name's shape is create_experiment's own check (Names: it must
/// be a DNS label before anything is built from it). Not checked here: the namespace label Katib wants
/// (`katib.kubeflow.org/metrics-collector-injection: enabled`), which the server's answer names.
/// Plus two rules of Katib's suggestion services, which no webhook checks: grid search
/// walks doubles only with a step, and never a loguniform range.
enum KatibAdmission {
    static let webhook = "validator.experiment.katib.kubeflow.org"
    /// The longest quote of a denial: some name the whole trial template.
    static let quoteLimit = 300

    static func problems(_ e: JSON, _ r: ExperimentRequest) -> [ToolError] {
        var out: [ToolError] = []
        let defaulted = ExperimentDefaulter.defaulted(e)
        for error in ExperimentValidator(config: .v0_19).validate(defaulted, old: nil) {
            let field = toolField(error.field, defaulted)
            var reason = error.text
            if reason.count > quoteLimit { reason = String(reason.prefix(quoteLimit)) + "…" }
            out.append(ToolError("\(hint(field, error, r)) Katib v0.19 would deny it: admission webhook \"\(webhook)\" denied the request: \(reason)",
                                 field: field))
        }
        if r.algorithm == "grid" {
            for p in r.parameters {
                if case .uniform(_, _, nil) = p.space {
                    out.append(ToolError("search_space.\(p.name): grid search needs a step for a uniform range, e.g. {\"uniform\": [0, 0.3], \"step\": 0.1} (Katib's grid suggestion refuses a double without feasibleSpace.step).",
                                         field: "search_space.\(p.name)"))
                }
                if case .logUniform = p.space {
                    out.append(ToolError("search_space.\(p.name): grid search cannot walk a loguniform range; list the values with {\"choice\": [...]} instead.",
                                         field: "search_space.\(p.name)"))
                }
            }
        }
        return out
    }

    /// The create_experiment argument an Experiment field comes from.
    static func toolField(_ path: String, _ e: JSON) -> String {
        let spec = e["spec"] ?? [:]
        func indexed(_ prefix: String, _ list: JSON?) -> String? {
            guard path.hasPrefix(prefix + "["), let close = path.firstIndex(of: "]"),
                  let i = Int(path[path.index(path.startIndex, offsetBy: prefix.count + 1)..<close]),
                  let name = list?[i]?["name"]?.string else { return nil }
            return "search_space.\(name)"
        }
        if let field = indexed("spec.parameters", spec["parameters"]) { return field }
        if let field = indexed("spec.trialTemplate.trialParameters", spec["trialTemplate"]?["trialParameters"]) { return field }
        switch path {
        case "spec.maxTrialCount": return "num_trials"
        case "spec.parallelTrialCount": return "parallel_trials"
        case "spec.maxFailedTrialCount": return "max_failed_trials"
        case "spec": return "search_space"
        case "metadata.name": return "name"
        default:
            if path.hasPrefix("spec.objective") { return "objectives" }
            if path.hasPrefix("spec.algorithm") { return "algorithm" }
            if path.hasPrefix("spec.trialTemplate") { return "trial_template" }
            return "experiment"
        }
    }

    /// What to change, in the tool's terms.
    static func hint(_ field: String, _ error: KatibFieldError, _ r: ExperimentRequest) -> String {
        switch field {
        case "num_trials": return "num_trials (\(r.numTrials)) must be greater than 0."
        case "parallel_trials":
            return "parallel_trials (\(r.parallelTrials)) must be greater than 0 and at most num_trials (\(r.numTrials))."
        case "max_failed_trials":
            return "max_failed_trials (\(r.maxFailedTrials.map(String.init) ?? "")) must be between 0 and num_trials (\(r.numTrials))."
        case "objectives":
            return "objectives: each needs a metric and a direction (minimize or maximize), the first metric not listed again."
        case "algorithm": return "algorithm \(r.algorithm) has no Katib suggestion service; use one of \(ExperimentRequest.algorithms.joined(separator: ", "))."
        case "search_space": return "search_space must name at least one hyperparameter."
        case "trial_template": return "trial_template: the trial's TrainJob does not make a valid Katib trial template."
        default:
            if field.hasPrefix("search_space."), error.field.hasSuffix(".name"), error.field.contains("trialParameters") {
                let name = field.dropFirst("search_space.".count)
                return "\(field) is not used by the trial's TrainJob (spec.trialTemplate.trialSpec has no ${trialParameters.\(name)}): pass it to the training, or drop it from search_space."
            }
            if field.hasPrefix("search_space.") { return "\(field): its range or list is not one Katib takes." }
            return "The experiment is not one Katib admits."
        }
    }
}
