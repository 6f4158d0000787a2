import KFJSON

/// What the JobSet for a TrainJob would run: one entry per replicated job, resolved from
/// the runtime and the TrainJob's overrides (image, command, env, numNodes, resourcesPerNode).
struct JobPlan: Sendable {
    struct ReplicatedJob: Sendable {
        let name: String          // dataset-initializer, model-initializer, launcher, node
        let ancestorStep: String? // trainer.kubeflow.org/trainjob-ancestor-step
        let container: JSON       // the pod's main container, overrides and patches applied
        let podTemplate: JSON     // the runtime's pod template with runtime patches, main container included
        let count: Int
        let gpus: Int
        var isInitializer: Bool { name.hasSuffix("-initializer") }
    }

    let replicatedJobs: [ReplicatedJob]
    let numNodes: Int
    let gpusPerNode: Int
    /// What the workload does when it runs (see `Workload`).
    let workload: Workload
    /// All pods or none (PodGroup policy, JobSet exclusive placement); otherwise pod by pod.
    let gangScheduled: Bool
    /// JobSet `volumeClaimPolicies` templates: one PVC `<template>-<job>` each, mounted by name.
    let claimTemplates: [String]

    var initializers: [ReplicatedJob] { replicatedJobs.filter(\.isInitializer) }
    var trainers: [ReplicatedJob] { replicatedJobs.filter { !$0.isInitializer } }

    /// nil when the runtime has no replicated jobs to run.
    init?(trainJob: JSON, runtime: JSON) {
        let spec = trainJob["spec"] ?? [:]
        let trainer = spec["trainer"]
        let runtimeSpec = runtime["spec"] ?? [:]
        numNodes = max(1, trainer?["numNodes"]?.int ?? runtimeSpec["mlPolicy"]?["numNodes"]?.int ?? 1)
        let hasLauncher = (runtimeSpec["template"]?["spec"]?["replicatedJobs"]?.array ?? [])
            .contains { $0["name"]?.string == "launcher" }
        let launcherIsNode = runtimeSpec["mlPolicy"]?["mpi"]?["runLauncherAsNode"]?.bool ?? false

        var jobs: [ReplicatedJob] = []
        var trainerGPUs = 0
        let patches = spec["runtimePatches"]?.array ?? []
        for rj in runtimeSpec["template"]?["spec"]?["replicatedJobs"]?.array ?? [] {
            var podTemplate = PodTemplate.resolve(runtimeReplicatedJob: rj, patches: patches)
            let containers = podTemplate["spec"]?["containers"]?.array ?? []
            let mainIndex = containers.firstIndex { $0["name"]?.string == "node" } ?? 0
            guard let name = rj["name"]?.string, mainIndex < containers.count else { continue }
            var container = containers[mainIndex]
            let step = rj["template"]?["metadata"]?["labels"]?["trainer.kubeflow.org/trainjob-ancestor-step"]?.string
            if step == "trainer" || name == "node" {
                container = JobPlan.applyTrainerOverrides(container, trainer)
            } else if name == "dataset-initializer" || name == "model-initializer" {
                let key = name == "dataset-initializer" ? "dataset" : "model"
                container = JobPlan.applyInitializerOverrides(container, spec["initializer"]?[key])
            }
            var allContainers = containers
            allContainers[mainIndex] = container
            podTemplate.set(.array(allContainers), at: ["spec", "containers"])
            let gpus = JobPlan.gpuCount(container["resources"])
            var count = 1
            if name == "node" { count = hasLauncher && launcherIsNode ? max(0, numNodes - 1) : numNodes }
            if step == "trainer" || name == "node" { trainerGPUs = max(trainerGPUs, gpus) }
            if count > 0 {
                jobs.append(ReplicatedJob(name: name, ancestorStep: step, container: container, podTemplate: podTemplate,
                                          count: count, gpus: gpus))
            }
        }
        guard !jobs.isEmpty else { return nil }
        replicatedJobs = jobs
        gpusPerNode = trainerGPUs
        workload = Workload(trainJob: trainJob, runtime: runtime, numNodes: numNodes,
                            trainer: jobs.first { !$0.isInitializer }?.container ?? [:])
        let exclusive = runtimeSpec["template"]?["metadata"]?["annotations"]?["alpha.jobset.sigs.k8s.io/exclusive-topology"]
        gangScheduled = runtimeSpec["podGroupPolicy"] != nil || exclusive != nil
        claimTemplates = (runtimeSpec["template"]?["spec"]?["volumeClaimPolicies"]?.array ?? [])
            .flatMap { $0["templates"]?.array ?? [] }.compactMap { $0["metadata"]?["name"]?.string }
    }

    private static func applyTrainerOverrides(_ base: JSON, _ trainer: JSON?) -> JSON {
        guard let trainer else { return base }
        var c = base
        for key in ["image", "command", "args"] { if let v = trainer[key] { c[key] = v } }
        if let env = trainer["env"]?.array { c["env"] = .array((c["env"]?.array ?? []) + env) }
        if let resources = trainer["resourcesPerNode"] { c["resources"] = resources }
        return c
    }

    private static func applyInitializerOverrides(_ base: JSON, _ initializer: JSON?) -> JSON {
        guard let initializer else { return base }
        var c = base
        var env = (c["env"]?.array ?? []).filter { $0["name"]?.string != "STORAGE_URI" || initializer["storageUri"] == nil }
        if let uri = initializer["storageUri"]?.string { env.insert(["name": "STORAGE_URI", "value": .string(uri)], at: 0) }
        env += initializer["env"]?.array ?? []
        c["env"] = .array(env)
        return c
    }

    /// `nvidia.com/gpu` from limits, else requests; numbers or quantity strings.
    static func gpuCount(_ resources: JSON?) -> Int {
        let value = resources?["limits"]?["nvidia.com/gpu"] ?? resources?["requests"]?["nvidia.com/gpu"]
        if let n = value?.int { return n }
        if let d = value?.double { return Int(d.rounded(.up)) }
        if let s = value?.string, let n = Int(s) { return n }
        return 0
    }
}
