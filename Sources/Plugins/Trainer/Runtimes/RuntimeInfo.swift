import PluginKit
import TrainerRules

/// A (Cluster)TrainingRuntime as the SDK sees it (backend.py:__get_runtime_from_cr
/// and utils.py:get_runtime_trainer).
struct RuntimeInfo: Equatable, Sendable {
    static let frameworkLabel = "trainer.kubeflow.org/framework"
    static let ancestorLabel = "trainer.kubeflow.org/trainjob-ancestor-step"

    var name: String
    var kind: String
    var framework: String
    var entrypoint: RuntimeEntrypoint
    var image: String?
    var numNodes: Int
    var device: String
    var deviceCount: String
    /// The trainer container's own resources, per node: what a job that sets none gets.
    var trainerResources: JSON?
    /// The model the runtime's model-initializer downloads by default (STORAGE_URI), if any.
    var pretrainedModel: String?
    /// The runtime object as read: what TrainerRules judges a TrainJob on it against.
    var object: JSON

    /// "BuiltinTrainer" for torchtune runtimes, else "CustomTrainer" (the SDK's TrainerType).
    var trainerType: String { entrypoint == .torchtune ? "BuiltinTrainer" : "CustomTrainer" }
    var ref: RuntimeRef { RuntimeRef(kind: kind, name: name) }

    /// nil when the runtime has no framework label (the SDK skips those).
    init?(_ object: JSON) {
        guard let name = object["metadata"]?["name"]?.string,
              let framework = object["metadata"]?["labels"]?[Self.frameworkLabel]?.string else { return nil }
        self.name = name
        self.object = object
        self.kind = object["kind"]?.string ?? "ClusterTrainingRuntime"
        self.framework = framework
        let spec = object["spec"] ?? [:]
        let mlPolicy = spec["mlPolicy"] ?? [:]
        if framework == "torchtune" {
            entrypoint = .torchtune
        } else if mlPolicy["torch"] != nil {
            entrypoint = .torchrun
        } else if mlPolicy["mpi"] != nil {
            entrypoint = .mpi
        } else {
            entrypoint = .python
        }
        let jobs = spec["template"]?["spec"]?["replicatedJobs"]?.array ?? []
        let trainerContainer = Self.trainerContainer(jobs)
        image = trainerContainer?["image"]?.string
        device = "Unknown"
        deviceCount = "Unknown"
        if let (d, c) = Self.devices(trainerContainer?["resources"]) { device = d; deviceCount = c }
        trainerResources = trainerContainer?["resources"]
        if let procs = mlPolicy["mpi"]?["numProcPerNode"]?.int { deviceCount = String(procs) }
        let nodes = mlPolicy["numNodes"]?.int
        if let nodes, let count = Int(deviceCount) { deviceCount = String(count * nodes) }
        numNodes = nodes ?? 1
        pretrainedModel = Self.modelInitializerURI(jobs)
    }

    /// Whether v2.3.0 admits `spec.initializer.<role>` on this runtime (TrainerRules' jobset
    /// rule; stock torch-distributed has no initializer steps): where a download can happen.
    func servesInitializer(_ role: InitializerSource.Role) -> Bool {
        TrainJobAdmission.servesInitializer(role.rawValue, runtime: object)
    }

    /// The container named `node` in the replicated job carrying the ancestor label.
    static func trainerContainer(_ jobs: [JSON]) -> JSON? {
        for job in jobs where job["template"]?["metadata"]?["labels"]?[ancestorLabel] != nil {
            let containers = job["template"]?["spec"]?["template"]?["spec"]?["containers"]?.array ?? []
            if let node = containers.first(where: { $0["name"]?.string == "node" }) { return node }
        }
        return nil
    }

    /// utils.py:get_container_devices: GPU, TPU, MIG, then CPU, from limits.
    /// The SDK prints the count with Python's str(): 2 → "2", 2.0 → "2.0".
    static func devices(_ resources: JSON?) -> (String, String)? {
        guard let limits = resources?["limits"]?.object else { return nil }
        func text(_ v: JSON) -> String {
            switch v {
            case .string(let s): return s
            case .int(let i): return String(i)
            case .double(let d): return d.description
            default: return v.serialized()
            }
        }
        if let gpu = limits["nvidia.com/gpu"] { return ("gpu", text(gpu)) }
        if let tpu = limits["google.com/tpu"] { return ("tpu", text(tpu)) }
        if let mig = limits.keys.sorted().first(where: { $0.hasPrefix("nvidia.com/mig-") }) {
            return (String(mig.dropFirst("nvidia.com/".count)), text(limits[mig]!))
        }
        if let cpu = limits["cpu"] { return ("cpu", text(cpu)) }
        return nil
    }

    private static func modelInitializerURI(_ jobs: [JSON]) -> String? {
        for job in jobs where job["name"]?.string == "model-initializer" {
            let containers = job["template"]?["spec"]?["template"]?["spec"]?["containers"]?.array ?? []
            for c in containers {
                if let uri = c["env"]?.array?.first(where: { $0["name"]?.string == "STORAGE_URI" })?["value"]?.string {
                    return uri
                }
            }
        }
        return nil
    }

    /// The SDK's list_runtimes: namespaced first, then cluster; a namespaced
    /// runtime wins a name clash; unlabelled runtimes are skipped.
    static func merge(namespaced: [JSON], cluster: [JSON]) -> [RuntimeInfo] {
        var seen = Set<String>()
        var result: [RuntimeInfo] = []
        for object in namespaced + cluster {
            guard let info = RuntimeInfo(object), !seen.contains(info.name) else { continue }
            seen.insert(info.name)
            result.append(info)
        }
        return result
    }

    /// A compact summary, with the SDK's field names.
    var summary: JSON {
        var s: JSON = [
            "name": .string(name), "kind": .string(kind), "framework": .string(framework),
            "trainer_type": .string(trainerType), "num_nodes": .int(numNodes),
            "device": .string(device), "device_count": .string(deviceCount),
        ]
        if let image { s["image"] = .string(image) }
        if let pretrainedModel { s["pretrained_model"] = .string(pretrainedModel) }
        return s
    }
}
