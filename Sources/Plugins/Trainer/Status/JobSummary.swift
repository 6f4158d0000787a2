import PluginKit

/// The compact rows of list_training_jobs, from one list of jobs and one list of pods.
enum JobSummary {
    static func build(jobs: [JSON], pods: [JSON], runtimes: [RuntimeInfo], now: Int) -> [JSON] {
        var podsByJob: [String: [JSON]] = [:]
        for pod in pods {
            guard let job = pod["metadata"]?["labels"]?[JobSteps.jobsetNameLabel]?.string else { continue }
            podsByJob[job, default: []].append(pod)
        }
        let runtimeByName = Dictionary(runtimes.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        return jobs.map { job in
            let name = job["metadata"]?["name"]?.string ?? ""
            let runtimeName = job["spec"]?["runtimeRef"]?["name"]?.string ?? ""
            let runtime = runtimeByName[runtimeName]
            let steps = JobSteps.build(pods: podsByJob[name] ?? [], mpi: runtime?.entrypoint == .mpi)
            let nodes = JobStatus.numNodes(trainJob: job, runtimeNodes: runtime?.numNodes)
            var row: JSON = [
                "name": .string(name), "runtime": .string(runtimeName), "nodes": .int(nodes),
                "status": .string(JobStatus.status(trainJob: job, steps: steps, numNodes: nodes)),
            ]
            if JobStatus.isSuspended(job) { row["suspended"] = true }
            if let gpus = gpusPerNode(job, runtime: runtime) { row["gpus"] = .int(gpus * nodes) }
            if let created = job["metadata"]?["creationTimestamp"]?.string, let t = KubeTime.seconds(created) {
                row["age"] = .string(KubeTime.age(now - t))
            }
            if let p = job["status"]?["trainerStatus"].flatMap(TrainingProgress.fromTrainerStatus) {
                row["progress"] = .string(p.bar)
            }
            return row
        }
    }

    /// GPUs per node: the job's resourcesPerNode, else the runtime's trainer container.
    static func gpusPerNode(_ job: JSON, runtime: RuntimeInfo?) -> Int? {
        if let limits = job["spec"]?["trainer"]?["resourcesPerNode"]?["limits"] ?? job["spec"]?["trainer"]?["resourcesPerNode"]?["requests"],
           let gpu = limits[ResourcesPerNode.gpuKey] {
            return gpu.int ?? gpu.string.flatMap { Int($0) }
        }
        guard let runtime, runtime.device == "gpu", let total = Int(runtime.deviceCount) ?? Double(runtime.deviceCount).map({ Int($0) }) else {
            return nil
        }
        return total / max(runtime.numNodes, 1)
    }
}
