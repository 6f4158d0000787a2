import KFJSON

/// What the JobSet for a TrainJob would run: one entry per replicated job, resolved from
/// the runtime and the TrainJob's overrides (image, command, env, numNodes, resourcesPerNode).
struct JobPlan: Sendable {
    struct ReplicatedJob: Sendable {
        let name: String          // dataset-initializer, model-initializer, launcher, node
        let ancestorStep: String? // trainer.kubeflow.org/trainjob-ancestor-step
        let container: JSON       // the pod's only container, overrides applied
        let count: Int
        let gpus: Int
        var isInitializer: Bool { name.hasSuffix("-initializer") }
    }

    let replicatedJobs: [ReplicatedJob]
    let numNodes: Int
    let gpusPerNode: Int
    let willFail: Bool

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
        for rj in runtimeSpec["template"]?["spec"]?["replicatedJobs"]?.array ?? [] {
            guard let name = rj["name"]?.string,
                  var container = rj["template"]?["spec"]?["template"]?["spec"]?["containers"]?[0] else { continue }
            let step = rj["template"]?["metadata"]?["labels"]?["trainer.kubeflow.org/trainjob-ancestor-step"]?.string
            if step == "trainer" || name == "node" {
                container = JobPlan.applyTrainerOverrides(container, trainer)
            } else if name == "dataset-initializer" || name == "model-initializer" {
                let key = name == "dataset-initializer" ? "dataset" : "model"
                container = JobPlan.applyInitializerOverrides(container, spec["initializer"]?[key])
            }
            let gpus = JobPlan.gpuCount(container["resources"])
            var count = 1
            if name == "node" { count = hasLauncher && launcherIsNode ? max(0, numNodes - 1) : numNodes }
            if step == "trainer" || name == "node" { trainerGPUs = max(trainerGPUs, gpus) }
            if count > 0 {
                jobs.append(ReplicatedJob(name: name, ancestorStep: step, container: container, count: count, gpus: gpus))
            }
        }
        guard !jobs.isEmpty else { return nil }
        replicatedJobs = jobs
        gpusPerNode = trainerGPUs
        willFail = JobPlan.asksToFail(trainer)
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

    /// A job fails on purpose when its env has FAIL=1, or its command mentions `exit 1` / `FAIL=1`.
    private static func asksToFail(_ trainer: JSON?) -> Bool {
        guard let trainer else { return false }
        let env = trainer["env"]?.array ?? []
        if env.contains(where: { $0["name"]?.string == "FAIL" && ($0["value"]?.string ?? "") != "0" }) { return true }
        let words = ((trainer["command"]?.array ?? []) + (trainer["args"]?.array ?? [])).compactMap(\.string)
        return words.contains { $0.contains("exit 1") || $0.contains("FAIL=1") }
    }
}
