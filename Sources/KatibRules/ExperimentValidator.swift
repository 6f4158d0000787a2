import KFJSON

/// Katib v0.19's validating webhook rules for Experiments, rule by rule as
/// pkg/webhook/v1beta1/experiment/validator/validator.go checks them (the same order, the
/// same field paths, the same early returns). Each problem is a `KatibFieldError` whose text
/// is apimachinery's `field.Error` text, so the denial reads as a real cluster's. The one
/// place these rules live: the simulator's webhook and the optimizer plugin's pre-flight
/// both run them (no Foundation: plugins stay free of it).
public struct ExperimentValidator: Sendable {
    public let config: KatibConfig
    /// Reads a ConfigMap trial template (`spec.trialTemplate.configMap`): namespace, name → data.
    public var configMapData: @Sendable (String, String) -> [String: JSON]? = { _, _ in nil }
    /// Whether a metrics filter compiles as a Go regular expression (nil: not checked).
    public var regexCompiles: (@Sendable (String) -> Bool)?

    public init(config: KatibConfig, configMapData: @escaping @Sendable (String, String) -> [String: JSON]? = { _, _ in nil },
                regexCompiles: (@Sendable (String) -> Bool)? = nil) {
        self.config = config
        self.configMapData = configMapData
        self.regexCompiles = regexCompiles
    }

    public func validate(_ e: JSON, old: JSON?) -> [KatibFieldError] {
        var errors: [KatibFieldError] = []
        let spec = e["spec"] ?? [:]
        let name = e["metadata"]?["name"]?.string ?? ""
        // Upstream's pattern `^[a-z]([-a-z0-9]*[a-z0-9])?` has no `$` and an optional group:
        // it only asks for a lower-case letter first. Plus the length.
        if !(name.unicodeScalars.first.map { ("a"..."z").contains($0) } ?? false) || name.count > 40 {
            errors.append(.invalid("metadata.name", .string(name),
                                   "name must consist of lower case alphanumeric characters or '-', start with an "
                                       + "alphabetic character, and end with an alphanumeric character (e.g. 'my-name', "
                                       + "or 'abc-123', regex used for validation is '^[a-z]([-a-z0-9]*[a-z0-9])?)') and "
                                       + "may not be longer than 40 characters. "))
        }
        let maxFailed = spec["maxFailedTrialCount"]?.int, maxTrials = spec["maxTrialCount"]?.int
        let parallel = spec["parallelTrialCount"]?.int
        if let maxFailed, maxFailed < 0 {
            errors.append(.invalid("spec.maxFailedTrialCount", .int(maxFailed), "should not be less than 0"))
        }
        if let maxTrials, maxTrials <= 0 { errors.append(.invalid("spec.maxTrialCount", .int(maxTrials), "must be greater than 0")) }
        if let parallel, parallel <= 0 { errors.append(.invalid("spec.parallelTrialCount", .int(parallel), "must be greater than 0")) }
        if let maxFailed, let maxTrials, maxFailed > maxTrials {
            errors.append(.invalid("spec.maxFailedTrialCount", .int(maxFailed), "should be less than or equal to spec.maxTrialCount"))
        }
        if let parallel, let maxTrials, parallel > maxTrials {
            errors.append(.invalid("spec.parallelTrialCount", .int(parallel), "should be less than or equal to spec.maxTrialCount"))
        }
        if let old { errors += restartProblems(e, old: old) }
        let objective = objectiveProblems(spec["objective"])
        if !objective.isEmpty { return errors + objective }
        errors += algorithmProblems(spec["algorithm"])
        errors += earlyStoppingProblems(spec["earlyStopping"])
        let resume = spec["resumePolicy"]?.string ?? ""
        if !["", "Never", "LongRunning", "FromVolume"].contains(resume) {
            errors.append(.invalid("spec.resumePolicy", .string(resume), "invalid ResumePolicyType"))
        }
        errors += trialTemplateProblems(e)
        let parameters = spec["parameters"]?.array ?? []
        let nas = spec["nasConfig"].flatMap { $0.isNull ? nil : $0 }
        if parameters.isEmpty && nas == nil {
            errors.append(.required("spec", "spec.parameters or spec.nasConfig must be specified"))
        }
        if !parameters.isEmpty && nas != nil {
            errors.append(.invalid("spec", "object", "only one of spec.parameters and spec.nasConfig can be specified"))
        }
        if !parameters.isEmpty { errors += parameterProblems(parameters) }
        errors += metricsCollectorProblems(spec["metricsCollectorSpec"])
        return errors
    }

    // MARK: Restart (UPDATE)

    private func restartProblems(_ e: JSON, old: JSON) -> [KatibFieldError] {
        var errors: [KatibFieldError] = []
        let spec = e["spec"] ?? [:]
        let oldSpec = old["spec"] ?? [:]
        let restarting = spec != oldSpec
        if restarting && Self.isCompleted(old) && !Self.isRestartable(old) {
            errors.append(.invalid("spec.resumePolicy", spec["resumePolicy"] ?? "",
                                   "Experiment can be restarted if it is in succeeded state by reaching max trials and "
                                       + "spec.resumePolicy = LongRunning or spec.resumePolicy = FromVolume, when experiment is completed"))
        }
        if restarting, let maxTrials = spec["maxTrialCount"]?.int, maxTrials <= (old["status"]?["trials"]?.int ?? 0) {
            errors.append(.invalid("spec.maxTrialCount", .int(maxTrials), "must be greater than status.trials count"))
        }
        var editable = oldSpec
        for key in ["maxFailedTrialCount", "maxTrialCount", "parallelTrialCount"] { editable[key] = spec[key] }
        if spec != editable {
            errors.append(.forbidden("spec", "only spec.parallelTrialCount, spec.maxTrialCount and spec.maxFailedTrialCount are editable"))
        }
        return errors
    }

    public static func isCompleted(_ e: JSON) -> Bool { hasCondition(e, "Succeeded") || hasCondition(e, "Failed") }

    /// Succeeded by reaching max trials, with a resume policy that keeps the suggestion.
    public static func isRestartable(_ e: JSON) -> Bool {
        let succeeded = (e["status"]?["conditions"]?.array ?? []).contains {
            $0["type"] == "Succeeded" && $0["status"] == "True" && $0["reason"] == "ExperimentMaxTrialsReached"
        }
        return succeeded && ["LongRunning", "FromVolume"].contains(e["spec"]?["resumePolicy"]?.string ?? "")
    }

    private static func hasCondition(_ e: JSON, _ type: String) -> Bool {
        (e["status"]?["conditions"]?.array ?? []).contains { $0["type"]?.string == type && $0["status"] == "True" }
    }
}
