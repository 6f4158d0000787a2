import KFJSON

/// validateParameters.
extension ExperimentValidator {
    static let parameterTypes: Set<String> = ["int", "double", "categorical", "discrete", "unknown"]
    static let distributions: Set<String> = ["uniform", "logUniform", "normal", "logNormal", "unknown"]

    public func parameterProblems(_ parameters: [JSON]) -> [KatibFieldError] {
        var errors: [KatibFieldError] = []
        for (i, p) in parameters.enumerated() {
            let path = "spec.parameters[\(i)]"
            let type = p["parameterType"]?.string ?? ""
            if !Self.parameterTypes.contains(type) {
                errors.append(.invalid("\(path).parameterType", .string(type), "parameterType: \(type) is not supported"))
            }
            let space = p["feasibleSpace"] ?? [:]
            let text = { (key: String) in space[key]?.string ?? "" }
            let list = (space["list"]?.array ?? []).compactMap(\.string)
            let distribution = text("distribution")
            if !distribution.isEmpty && !Self.distributions.contains(distribution) {
                errors.append(.invalid("\(path).feasibleSpace.distribution", .string(distribution),
                                       "distribution: \(distribution) is not supported"))
            }
            if ["max", "min", "step", "distribution"].allSatisfy({ text($0).isEmpty }) && list.isEmpty {
                errors.append(.required("\(path).feasibleSpace", "feasibleSpace must be specified"))
            } else if type == "double" || type == "int" {
                if !list.isEmpty {
                    errors.append(KatibFieldError(reason: "FieldValueInvalid", field: "\(path).feasibleSpace.list",
                                             message: "Invalid value: \(GoValue.strings(list)): feasibleSpace.list is not supported for parameterType: \(type)"))
                }
                if text("max").isEmpty || text("min").isEmpty {
                    errors.append(.required("\(path).feasibleSpace.max",
                                            "feasibleSpace.max or feasibleSpace.min must be specified for parameterType: \(type)"))
                }
            } else if type == "categorical" || type == "discrete" {
                if !text("max").isEmpty || !text("min").isEmpty || !text("step").isEmpty {
                    errors.append(.invalid("\(path).feasibleSpace", "object",
                                           "feasibleSpace .max, .min and .step is not supported for parameterType: \(type)"))
                }
            }
        }
        return errors
    }
}
