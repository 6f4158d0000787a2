import KFJSON

/// The `mpi` plugin's checks (upstream `mpi.Validate`), on runtimes with `mlPolicy.mpi`.
enum MPIValidation {
    static let reservedEnv: Set = ["OMPI_MCA_orte_default_hostfile", "OMPI_MCA_plm_rsh_args",
                                   "OMPI_MCA_orte_keep_fqdn_hostnames", "OMPI_MCA_orte_set_default_slots"]

    static func validate(info: RuntimeInfo?, new: JSON) -> [FieldError] {
        guard let info, let mpi = info.mlPolicy?["mpi"], !mpi.isNull else { return [] }
        guard let trainer = new["spec"]?["trainer"], !trainer.isNull else { return [] }
        var errors: [FieldError] = []
        // With the launcher running as a node, several nodes need both a launcher and a node job.
        if (trainer["numNodes"]?.int ?? 1) >= 2, mpi["runLauncherAsNode"]?.bool == true,
           info.job(named: TrainerConstants.launcher) == nil || info.job(named: TrainerConstants.node) == nil {
            errors.append(.invalid("spec.trainer.numNodes", trainer["numNodes"] ?? .null,
                                   "must have 1 when MPI trainingRuntime with enabled runLauncherAsNode does not have either launcher and node"))
        }
        let env = trainer["env"] ?? .null
        let reserved = Set(RuntimeInfo.names(env)).intersection(reservedEnv)
        if !reserved.isEmpty {
            errors.append(.invalid("spec.trainer.env", env,
                                   "must not have reserved envs, invalid envs configured: \(TorchValidation.goList(reserved))"))
        }
        return errors
    }
}

/// The `xgboost` plugin's checks (upstream `xgboost.Validate`): the DMLC tracker variables are its own.
enum XGBoostValidation {
    static let reservedEnv: Set = ["DMLC_TRACKER_URI", "DMLC_TRACKER_PORT", "DMLC_TASK_ID", "DMLC_NUM_WORKER"]

    static func validate(info: RuntimeInfo?, new: JSON) -> [FieldError] {
        guard let info, let xgboost = info.mlPolicy?["xgboost"], !xgboost.isNull else { return [] }
        return (new["spec"]?["trainer"]?["env"]?.array ?? []).enumerated().compactMap { index, env in
            guard let name = env["name"]?.string, reservedEnv.contains(name) else { return nil }
            return .forbidden("spec.trainer.env[\(index)]", "\(name) is reserved for the XGBoost runtime")
        }
    }
}

/// The `flux` plugin's checks (upstream `flux.Validate`).
enum FluxValidation {
    static func validate(info: RuntimeInfo?, new: JSON) -> [FieldError] {
        guard let info, let flux = info.mlPolicy?["flux"], !flux.isNull else { return [] }
        var errors: [FieldError] = []
        let procs = new["spec"]?["trainer"]?["numProcPerNode"]?.int ?? flux["numProcPerNode"]?.int
        if let procs, procs < 1 {
            errors.append(.invalid("spec.trainer.numProcPerNode", .int(procs), "must be greater than or equal to 1 for Flux TrainJob"))
        }
        let initContainers = info.job(named: TrainerConstants.node).flatMap(RuntimeInfo.podSpec)?["initContainers"]
        for name in RuntimeInfo.names(initContainers) where name == "flux-installer" {
            errors.append(.invalid("spec.trainer.initContainers", .string(name), "InitContainer 'flux-installer' is reserved"))
        }
        return errors
    }
}

/// The `volcano` plugin's checks (upstream `volcano.Validate`), on runtimes with `podGroupPolicy.volcano`.
enum VolcanoValidation {
    static let queueAnnotation = "scheduling.volcano.sh/queue-name"

    static func validate(info: RuntimeInfo?, cluster: ClusterFacts) -> [FieldError] {
        guard let info, let volcano = info.podGroupPolicy?["volcano"], !volcano.isNull else { return [] }
        var errors: [FieldError] = []
        if let queue = info.annotations[queueAnnotation], queue.isEmpty {
            errors.append(.invalid("spec.annotations[\(queueAnnotation)]", .string(queue), "Volcano queue name must not be empty"))
        }
        for rJob in info.replicatedJobs {
            guard let name = RuntimeInfo.podSpec(rJob)?["priorityClassName"]?.string else { continue }
            // Upstream stops looking at the first system class.
            if name == "system-cluster-critical" || name == "system-node-critical" { return errors }
            if !cluster.priorityClassExists(name) {
                errors.append(.invalid("spec.templateSpec.priorityClassName", .string(name),
                                       "PriorityClass \"\(name)\" doesn't exist: priorityclasses.scheduling.k8s.io \"\(name)\" not found"))
            }
        }
        return errors
    }
}
