import KFJSON

/// The `jobset` plugin's checks (upstream `jobset.Validate`): the initializer jobs the TrainJob's
/// `spec.initializer` needs, what its runtime patches may touch, and that runtime patches change
/// only while the job is suspended.
enum JobSetValidation {
    static let runtimeRefPath = "spec.runtimeRef"
    static let runtimePatchesPath = "spec.runtimePatches"

    static func validate(info: RuntimeInfo, old: JSON?, new: JSON, cluster: ClusterFacts) -> [FieldError] {
        let names = info.containerNames
        let spec = new["spec"]
        let ref = spec?["runtimeRef"] ?? .null
        var errors: [FieldError] = []
        for (key, job, input) in [("dataset", TrainerConstants.datasetInitializer, "datasetConfig"),
                                  ("model", TrainerConstants.modelInitializer, "modelConfig")] {
            guard let configured = spec?["initializer"]?[key], !configured.isNull else { continue }
            if let detail = initializerProblem(info: info, names: names, job: job, input: input) {
                errors.append(.invalid(runtimeRefPath, ref, detail))
            }
        }
        errors += immutability(old: old, new: new, cluster: cluster)
        let patches = spec?["runtimePatches"] ?? .null
        for patch in patches.array ?? [] {
            errors += managerErrors(patch["manager"]?.string ?? "")
            for rJobPatch in patch["trainingRuntimeSpec"]?["template"]?["spec"]?["replicatedJobs"]?.array ?? [] {
                let jobName = rJobPatch["name"]?.string ?? ""
                guard let containers = names[jobName] else {
                    errors.append(.invalid(runtimePatchesPath, patches,
                                           "must not have replicated job that doesn't exist in the runtime job template"))
                    continue
                }
                let pod = RuntimeInfo.podSpec(rJobPatch)
                for c in pod?["initContainers"]?.array ?? [] where !containers.contains(c["name"]?.string ?? "") {
                    errors.append(.invalid(runtimePatchesPath, patches,
                                           "must not have initContainer that doesn't exist in the runtime job \(jobName)"))
                }
                for c in pod?["containers"]?.array ?? [] {
                    let name = c["name"]?.string ?? ""
                    if !containers.contains(name) {
                        errors.append(.invalid(runtimePatchesPath, patches,
                                               "must not have container that doesn't exist in the runtime job \(jobName)"))
                    } else if !(c["env"]?.array ?? []).isEmpty,
                              [TrainerConstants.datasetInitializer, TrainerConstants.modelInitializer, TrainerConstants.node].contains(name) {
                        errors.append(.invalid(runtimePatchesPath, patches,
                                               "must not have envs for the dataset-initializer, model-initializer, node containers"))
                    }
                }
            }
        }
        return errors
    }

    /// Why the runtime cannot serve an initializer input, or nil: it needs a job named after the
    /// initializer, a container of that name in it, and the `initializer` volume mounted there.
    static func initializerProblem(info: RuntimeInfo, names: [String: Set<String>], job: String, input: String) -> String? {
        guard let containers = names[job] else { return "must have \(job) job when trainJob is configured with input \(input)" }
        guard containers.contains(job) else { return "must have container with name - \(job) in the \(job) job" }
        let mounted = info.replicatedJobs.filter { $0["name"]?.string == job }.contains { rJob in
            (RuntimeInfo.podSpec(rJob)?["containers"]?.array ?? []).contains { c in
                c["name"]?.string == job && RuntimeInfo.names(c["volumeMounts"]).contains(TrainerConstants.initializerVolume)
            }
        }
        return mounted ? nil
            : "must have volumeMount with name - \(TrainerConstants.initializerVolume) in container \(job) of the \(job) job"
    }

    /// Runtime patches change only when the job is suspended before or after the update, and
    /// not while its JobSet still has active pods.
    static func immutability(old: JSON?, new: JSON, cluster: ClusterFacts) -> [FieldError] {
        guard let old else { return [] }
        let before = old["spec"]?["runtimePatches"] ?? .null, after = new["spec"]?["runtimePatches"] ?? .null
        guard normalized(before) != normalized(after) else { return [] }
        let wasSuspended = old["spec"]?["suspend"]?.bool == true, isSuspended = new["spec"]?["suspend"]?.bool == true
        if !wasSuspended && !isSuspended {
            return [.forbidden(runtimePatchesPath,
                               "RuntimePatches can only be modified when the TrainJob is suspended before or after the update")]
        }
        if let failure = cluster.jobSetLookupError { return [.internalError(runtimePatchesPath, failure)] }
        return cluster.activeReplicatedJobs.map {
            .forbidden(runtimePatchesPath, "RuntimePatches cannot be modified when the JobSet's ReplicatedJob \($0) is still active")
        }
    }

    /// `equality.Semantic.DeepEqual` treats an absent list and an empty one alike.
    private static func normalized(_ patches: JSON) -> JSON { patches.array?.isEmpty ?? true ? .null : patches }

    /// `validation.IsDomainPrefixedPath` on `spec.runtimePatches.manager`.
    static func managerErrors(_ manager: String) -> [FieldError] {
        let path = runtimePatchesPath + ".manager"
        guard !manager.isEmpty else { return [.required(path)] }
        let parts = manager.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
            return [.invalid(path, .string(manager), "must be a domain-prefixed path (such as \"acme.io/foo\")")]
        }
        var errors: [FieldError] = []
        let host = parts[0]
        if host.count > 253 { errors.append(.invalid(path, .string(host), "must be no more than 253 characters")) }
        if host.wholeMatch(of: /[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/) == nil {
            errors.append(.invalid(path, .string(host),
                                   "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', "
                                       + "and must start and end with an alphanumeric character (e.g. 'example.com', regex used for "
                                       + "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"))
        }
        if parts[1].wholeMatch(of: /[A-Za-z0-9\/\-._~%!$&'()*+,;=:]+/) == nil {
            errors.append(.invalid(path, .string(parts[1]),
                                   "Invalid path (regex used for validation is '[A-Za-z0-9/\\-._~%!$&'()*+,;=:]+')"))
        }
        return errors
    }
}
