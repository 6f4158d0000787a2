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

    // MARK: Objective, algorithm, early stopping

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

    // MARK: Parameters

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

    // MARK: Trial template

    public func trialTemplateProblems(_ e: JSON) -> [KatibFieldError] {
        let path = "spec.trialTemplate"
        guard let t = e["spec"]?["trialTemplate"], !t.isNull else { return [.required(path, "must be specified")] }
        var errors: [KatibFieldError] = []
        if (t["primaryContainerName"]?.string ?? "").isEmpty {
            errors.append(.required("\(path).primaryContainerName", "must be specified"))
        }
        if (t["successCondition"]?.string ?? "").isEmpty || (t["failureCondition"]?.string ?? "").isEmpty {
            errors.append(.required(path, "successCondition and failureCondition must be specified"))
        }
        guard let trialParameters = t["trialParameters"]?.array else {
            return errors + [.required("\(path).trialParameters", "must be specified")]
        }
        let trialSpec = t["trialSpec"].flatMap { $0.isNull ? nil : $0 }
        let configMap = t["configMap"].flatMap { $0.isNull ? nil : $0 }
        if trialSpec == nil && configMap == nil {
            return errors + [.required("\(path).TrialSource", "spec.trialTemplate.trialSpec or spec.trialTemplate.configMap must be specified")]
        }
        if trialSpec != nil && configMap != nil {
            return errors + [.required(path, "only one of spec.trialTemplate.trialSpec or spec.trialTemplate.configMap can be specified")]
        }
        if let configMap, ["configMapName", "configMapNamespace", "templatePath"].contains(where: { (configMap[$0]?.string ?? "").isEmpty }) {
            return errors + [.required("\(path).configMap", "configMapName, configMapNamespace and templatePath must be specified")]
        }
        var text: String
        switch templateText(trialSpec: trialSpec, configMap: configMap) {
        case .success(let s): text = s
        case .failure(let failure):
            return errors + [.invalid(path, "", "unable to parse spec.trialTemplate: \(failure.message)")]
        }
        let experimentParameters = Set((e["spec"]?["parameters"]?.array ?? []).compactMap { $0["name"]?.string })
        var names = Set<String>(), references = Set<String>()
        for (i, tp) in trialParameters.enumerated() {
            let tpPath = "\(path).trialParameters[\(i)]"
            let name = tp["name"]?.string ?? "", reference = tp["reference"]?.string ?? ""
            if name.isEmpty || reference.isEmpty || name.contains("{") || name.contains("}") {
                errors.append(.invalid(tpPath, "", "name and reference must be specified and name must not contain '{' or '}'"))
                continue
            }
            if names.contains(name) {
                errors.append(.invalid("\(tpPath).name", .string(name),
                                       "parameter name \(name) can't be duplicated in spec.trialTemplate.trialParameters"))
                continue
            }
            if references.contains(reference) {
                errors.append(.invalid("\(tpPath).reference", .string(reference),
                                       "parameter reference \(reference) can't be duplicated in spec.trialTemplate.trialParameters"))
                continue
            }
            names.insert(name)
            references.insert(reference)
            if !experimentParameters.isEmpty && !Self.isMetaKey(reference) && !experimentParameters.contains(reference) {
                errors.append(.invalid("\(tpPath).reference", .string(reference),
                                       "parameter reference \(reference) does not exist in spec.parameters"))
            }
            let placeholder = "${trialParameters.\(name)}"
            guard text.contains(placeholder) else {
                return errors + [.invalid("\(tpPath).name", .string(name),
                                          "parameter name: \(name) in spec.trialParameters not found in spec.trialTemplate: \(text)")]
            }
            text = text.replacing(placeholder, with: "test-value")
        }
        let leftOver = Self.placeholders(in: text, opening: "${trialParameters.")
        if !leftOver.isEmpty {
            errors.append(.invalid(path, "", "parameters: [\(leftOver.joined(separator: " "))] in spec.trialTemplate not found in spec.trialParameters"))
        }
        guard let job = try? JSON.parse(text), job.object != nil else {
            return errors + [.invalid(path, "", "unable to convert spec.trialTemplate: \(text) to unstructured")]
        }
        if !(job["metadata"]?["name"]?.string ?? "").isEmpty || !(job["metadata"]?["namespace"]?.string ?? "").isEmpty {
            errors.append(.invalid(path, "", "metadata.name and metadata.namespace in spec.trialTemplate must be omitted"))
        }
        if (job["apiVersion"]?.string ?? "").isEmpty || (job["kind"]?.string ?? "").isEmpty {
            errors.append(.required(path, "APIVersion and Kind in spec.trialTemplate must be specified"))
        }
        if let problem = Self.batchJobProblem(job) {
            errors.append(.invalid(path, "", "invalid spec.trialTemplate: \(problem)"))
        }
        return errors
    }

    struct TemplateFailure: Error { let message: String }

    /// The manifest generator's GetTrialTemplate: the trial spec as JSON text, or the
    /// ConfigMap's template (YAML is not read here: a JSON template only).
    private func templateText(trialSpec: JSON?, configMap: JSON?) -> Result<String, TemplateFailure> {
        if let trialSpec { return .success(trialSpec.serialized()) }
        let ns = configMap?["configMapNamespace"]?.string ?? "", name = configMap?["configMapName"]?.string ?? ""
        let key = configMap?["templatePath"]?.string ?? ""
        guard let data = configMapData(ns, name) else { return .failure(TemplateFailure(message: "configmaps \"\(name)\" not found")) }
        guard let text = data[key]?.string else {
            return .failure(TemplateFailure(message: "TemplatePath: \(key) not found in configMap: \(name)"))
        }
        return .success(text)
    }

    /// A `batch/v1` Job template must convert to a Job with nothing lost (other kinds are not
    /// checked). The conversion is played structurally: containers must be a list, and the
    /// pod template holds only metadata and spec.
    public static func batchJobProblem(_ job: JSON) -> String? {
        guard job["apiVersion"] == "batch/v1", job["kind"] == "Job" else { return nil }
        let template = job["spec"]?["template"] ?? [:]
        if let containers = template["spec"]?["containers"], containers.array == nil {
            return "unable to convert spec.TrialTemplate to Job: spec.template.spec.containers must be a list"
        }
        let extra = (template.object ?? [:]).keys.filter { $0 != "metadata" && $0 != "spec" }.sorted()
        if let first = extra.first { return "unable to convert: /spec/template/\(first) to Job" }
        return nil
    }

    /// `${trialSpec.Name}`, `${trialSpec.Labels[key]}`, …: trial metadata, not a search parameter.
    public static func isMetaKey(_ reference: String) -> Bool {
        let keys: Set<String> = ["Name", "Namespace", "Kind", "APIVersion", "Annotations", "Labels"]
        guard let placeholder = placeholders(in: reference, opening: "${trialSpec.").first else { return false }
        let key = String(placeholder.dropFirst("${trialSpec.".count).dropLast())
        if keys.contains(key) { return true }
        // `(.+)\[(.+)]`: a name, then `[`, at least one character, `]`; greedy, so the last `[`.
        guard let close = key.lastIndex(of: "]"),
              let open = key[..<close].lastIndex(of: "["), open > key.startIndex,
              key.index(after: open) < close else { return false }
        return keys.contains(String(key[..<open]))
    }

    /// Every `<opening>…}` in `text` with at least one character inside, shortest first
    /// (the regular expression `\$\{trialParameters\..+?\}`, read by hand).
    static func placeholders(in text: String, opening: String) -> [String] {
        var found: [String] = []
        var rest = text[...]
        while let start = rest.firstRange(of: opening) {
            let body = rest[start.upperBound...]
            guard !body.isEmpty, let close = body.dropFirst().firstIndex(of: "}") else { break }
            found.append(String(rest[start.lowerBound...close]))
            rest = rest[rest.index(after: close)...]
        }
        return found
    }

    // MARK: Metrics collector

    public func metricsCollectorProblems(_ spec: JSON?) -> [KatibFieldError] {
        var errors: [KatibFieldError] = []
        let mc = spec ?? [:]
        let kind = mc["collector"]?["kind"]?.string ?? ""
        let path = "spec.metricsCollectorSpec"
        if ["StdOut", "TensorFlowEvent", "File", "Prometheus"].contains(kind), case .failure(let missing) = config.metricsCollector(kind) {
            errors.append(.invalid("\(path).collector.kind", .string(kind), "GetMetricsCollectorConfigData failed: \(missing.message)"))
        }
        let source = mc["source"].flatMap { $0.isNull ? nil : $0 }
        let fsPath = source?["fileSystemPath"].flatMap { $0.isNull ? nil : $0 }
        let isAbsolute = { (p: JSON?) in (p?["path"]?.string ?? "").hasPrefix("/") }
        switch kind {
        case "Push", "StdOut": return errors
        case "File":
            if fsPath == nil || fsPath?["kind"] != "File" || !isAbsolute(fsPath) {
                errors.append(.required("\(path).source.fileSystemPath.path", "file path where metrics file exists is required"))
            }
            let format = fsPath?["format"]?.string ?? ""
            if format != "TEXT" && format != "JSON" {
                errors.append(.required("\(path).source.fileSystemPath.format", "format of metrics file is required for metrics collector"))
            }
            if format == "JSON", let filter = source?["filter"], !filter.isNull {
                errors.append(.invalid("\(path).source.filter", "", "filter must be nil when format of metrics file is json"))
            }
        case "TensorFlowEvent":
            if fsPath == nil || fsPath?["kind"] != "Directory" || !isAbsolute(fsPath) {
                errors.append(.required("\(path).source",
                                        "directory path where tensorflow event files exist is required by .spec.metricsCollectorSpec.source.fileSystemPath.path"))
            }
            if let format = fsPath?["format"]?.string, !format.isEmpty {
                errors.append(.invalid("\(path).source.fileSystemPath.format", .string(format), "must be empty"))
            }
        case "Prometheus":
            let port = ExperimentDefaulter.portText(source?["httpGet"]?["port"])
            if (Int(port) ?? 0) <= 0 {
                errors.append(.invalid("\(path).source.httpGet.port", .string(port),
                                       "must be a positive integer value for metrics collector kind: \(kind)"))
            }
            let httpPath = source?["httpGet"]?["path"]?.string ?? ""
            if !httpPath.hasPrefix("/") {
                errors.append(.invalid("\(path).source.httpGet.path", .string(httpPath), "path is invalid for metrics collector kind: \(kind)"))
            }
        case "Custom":
            if ExperimentDefaulter.isAbsent(mc["collector"]?["customCollector"]) {
                errors.append(.required("\(path).collector.customCollector", "metrics collector kind: \(kind) is required"))
            }
            if let fsPath, !isAbsolute(fsPath) || !["Directory", "File"].contains(fsPath["kind"]?.string ?? "") {
                errors.append(.invalid("\(path).source.fileSystemPath", "", ".spec.metricsCollectorSpec.source is invalid"))
            }
        default:
            errors.append(.invalid("\(path).collector.kind", .string(kind), "invalid metrics collector kind: \(kind)"))
        }
        for format in (source?["filter"]?["metricsFormat"]?.array ?? []).compactMap(\.string) {
            if let compiles = regexCompiles, !compiles(format) {
                errors.append(.invalid("\(path).source.filter.metricsFormat", .string(format), "invalid filter: error parsing regexp"))
            } else if !Self.hasTwoGroups(format) {
                errors.append(.invalid("\(path).source.filter.metricsFormat", .string(format), "two top subexpressions are required"))
            }
        }
        return errors
    }

    /// `.*\(.*\).*\(.*\).*`: an opening and a closing parenthesis, twice, in that order.
    static func hasTwoGroups(_ pattern: String) -> Bool {
        var wanted: [Character] = ["(", ")", "(", ")"]
        for c in pattern where !wanted.isEmpty && c == wanted[0] { wanted.removeFirst() }
        return wanted.isEmpty
    }
}

/// One field problem, as apimachinery's `field.Error` reads: `spec.objective: Required value: must be specified`.
public struct KatibFieldError: Sendable, Equatable {
    /// FieldValueInvalid, FieldValueRequired or FieldValueForbidden.
    public let reason: String
    public let field: String
    public let message: String

    public init(reason: String, field: String, message: String) {
        self.reason = reason
        self.field = field
        self.message = message
    }

    /// `field.Error.Error()`.
    public var text: String { "\(field): \(message)" }

    static func required(_ field: String, _ detail: String) -> KatibFieldError {
        KatibFieldError(reason: "FieldValueRequired", field: field, message: "Required value: \(detail)")
    }

    /// Strings print quoted, numbers plain (Go's `%q`/`%v` in ErrorBody).
    static func invalid(_ field: String, _ value: JSON, _ detail: String) -> KatibFieldError {
        let shown: String
        switch value {
        case .string(let s): shown = "\"\(s)\""
        default: shown = value.serialized()
        }
        return KatibFieldError(reason: "FieldValueInvalid", field: field, message: "Invalid value: \(shown): \(detail)")
    }

    static func forbidden(_ field: String, _ detail: String) -> KatibFieldError {
        KatibFieldError(reason: "FieldValueForbidden", field: field, message: "Forbidden: \(detail)")
    }

    /// utilerrors.NewAggregate(...).Error(): one message alone, several in brackets, repeats once.
    public static func aggregate(_ errors: [KatibFieldError]) -> String {
        var seen = Set<String>()
        let messages = errors.map(\.text).filter { seen.insert($0).inserted }
        return messages.count == 1 ? messages[0] : "[" + messages.joined(separator: ", ") + "]"
    }
}

/// Go's `%#v` for the few non-scalar values the validator prints.
enum GoValue {
    static func strings(_ values: [String]) -> String {
        "[]string{" + values.map { "\"\($0)\"" }.joined(separator: ", ") + "}"
    }
}
