import KFJSON

/// validateTrialTemplate and validateTrialJob, and the trial metadata references.
extension ExperimentValidator {
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
}
