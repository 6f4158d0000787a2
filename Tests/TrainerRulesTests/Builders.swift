import KFJSON
import Testing
@testable import TrainerRules

/// One upstream test case: named as upstream names it, with the runtime info, the old and new
/// TrainJob, and the errors upstream wants.
struct Case: CustomTestStringConvertible, Sendable {
    let name: String
    var info: RuntimeInfo?
    var old: JSON?
    var new: JSON
    var cluster = ClusterFacts()
    var want: [FieldError] = []

    init(_ name: String, info: RuntimeInfo? = nil, old: JSON? = nil, new: JSON = trainJob(),
         cluster: ClusterFacts = ClusterFacts(), want: [FieldError] = []) {
        self.name = name
        self.info = info
        self.old = old
        self.new = new
        self.cluster = cluster
        self.want = want
    }

    var testDescription: String { name }
}

/// Upstream's `MakeTrainJobWrapper("default", "test")`, with what a case sets.
func trainJob(runtime: String = "test-runtime", kind: String = "ClusterTrainingRuntime", trainer: JSON? = nil,
              initializer: JSON? = nil, patches: [JSON]? = nil, suspend: Bool? = nil) -> JSON {
    var spec: JSON = ["runtimeRef": ["name": .string(runtime), "kind": .string(kind), "apiGroup": "trainer.kubeflow.org"]]
    if let trainer { spec["trainer"] = trainer }
    if let initializer { spec["initializer"] = initializer }
    if let patches { spec["runtimePatches"] = .array(patches) }
    if let suspend { spec["suspend"] = .bool(suspend) }
    return ["apiVersion": "trainer.kubeflow.org/v1alpha1", "kind": "TrainJob",
            "metadata": ["name": "test", "namespace": "default"], "spec": spec]
}

func container(_ name: String, mounts: [String] = [], env: [JSON]? = nil, resources: JSON? = nil) -> JSON {
    var c: JSON = ["name": .string(name)]
    if !mounts.isEmpty { c["volumeMounts"] = .array(mounts.map { ["name": .string($0), "mountPath": "/workspace"] }) }
    if let env { c["env"] = .array(env) }
    if let resources { c["resources"] = resources }
    return c
}

func replicatedJob(_ name: String, containers: [JSON] = [], initContainers: [JSON] = [], ancestor: String? = nil,
                   replicas: Int? = nil, pod extra: [String: JSON] = [:]) -> JSON {
    var pod: JSON = ["containers": .array(containers)]
    if !initContainers.isEmpty { pod["initContainers"] = .array(initContainers) }
    for (key, value) in extra { pod[key] = value }
    var template: JSON = ["spec": ["template": ["spec": pod]]]
    if let ancestor { template["metadata"] = ["labels": ["trainer.kubeflow.org/trainjob-ancestor-step": .string(ancestor)]] }
    var rJob: JSON = ["name": .string(name), "template": template]
    if let replicas { rJob["replicas"] = .int(replicas) }
    return rJob
}

/// A runtime patch by `test.io/manager` on one replicated job's pod spec.
func runtimePatch(job: String, pod: JSON? = nil, manager: String = "test.io/manager") -> JSON {
    var rJob: JSON = ["name": .string(job)]
    if let pod { rJob["template"] = ["spec": ["template": ["spec": pod]]] }
    return ["manager": .string(manager), "trainingRuntimeSpec": ["template": ["spec": ["replicatedJobs": [rJob]]]]]
}

func env(_ name: String, _ value: String) -> JSON { ["name": .string(name), "value": .string(value)] }

func torchInfo(_ torch: JSON = [:], jobs: [JSON] = []) -> RuntimeInfo {
    RuntimeInfo(mlPolicy: ["torch": torch], replicatedJobs: jobs)
}

/// A `tune run` trainer, as upstream's `Container("ghcr.io/kubeflow/trainer/torchtune-trainer", ["tune", "run"], args, resources)`
/// (the wrapper puts the resources in `resourcesPerNode.requests`).
func tuneTrainer(numNodes: Int, args: [String] = [], requests: JSON? = nil) -> JSON {
    var t: JSON = ["numNodes": .int(numNodes), "image": "ghcr.io/kubeflow/trainer/torchtune-trainer",
                   "command": ["tune", "run"], "args": .array(args.map(JSON.string))]
    if let requests { t["resourcesPerNode"] = ["requests": requests] }
    return t
}
