import KFJSON

/// validateObjective, validateAlgorithm, validateEarlyStopping.
extension ExperimentValidator {
    public func objectiveProblems(_ objective: JSON?) -> [KatibFieldError] {
        guard let o = objective, !o.isNull else { return [.required("spec.objective", "must be specified")] }
        var errors: [KatibFieldError] = []
        let type = o["type"]?.string ?? ""
        if type != "minimize" && type != "maximize" {
            errors.append(.invalid("spec.objective.type", .string(type), "must be minimize or maximize"))
        }
        let metric = o["objectiveMetricName"]?.string ?? ""
        if metric.isEmpty { errors.append(.required("spec.objective.objectiveMetricName", "must be specified")) }
        let additional = (o["additionalMetricNames"]?.array ?? []).compactMap(\.string)
        if additional.contains(metric) {
            errors.append(KatibFieldError(reason: "FieldValueInvalid", field: "spec.objective.additionalMetricNames",
                                     message: "Invalid value: \(GoValue.strings(additional)): should not contain spec.objective.objectiveMetricName"))
        }
        return errors
    }

    public func algorithmProblems(_ algorithm: JSON?) -> [KatibFieldError] {
        guard let a = algorithm, !a.isNull else { return [.required("spec.algorithm", "must be specified")] }
        var errors: [KatibFieldError] = []
        let name = a["algorithmName"]?.string ?? ""
        if name.isEmpty { errors.append(.required("spec.algorithm.algorithmName", "must be specified")) }
        if case .failure(let missing) = config.suggestion(name) {
            errors.append(.invalid("spec.algorithm.algorithmName", .string(name),
                                   "unable to get Suggestion config data for algorithm \(name): \(missing.message)"))
        }
        return errors
    }

    public func earlyStoppingProblems(_ earlyStopping: JSON?) -> [KatibFieldError] {
        guard let es = earlyStopping, !es.isNull else { return [] }
        var errors: [KatibFieldError] = []
        let name = es["algorithmName"]?.string ?? ""
        if name.isEmpty { errors.append(.required("spec.earlyStopping.algorithmName", "must be specified")) }
        if case .failure(let missing) = config.earlyStopping(name) {
            errors.append(.invalid("spec.earlyStopping.algorithmName", .string(name),
                                   "unable to get EarlyStopping config data for algorithm \(name): \(missing.message)"))
        }
        return errors
    }
}
