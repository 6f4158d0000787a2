import KFJSON

/// What the runtime plugins look at when they validate a TrainJob (upstream's `runtime.Info`):
/// the runtime's ML and pod-group policies, its JobSet template's replicated jobs, and the
/// template annotations with those of the TrainJob's runtime patches laid over them.
///
/// One difference from upstream, on the strict side: upstream strategic-merges the TrainJob's
/// runtime patches into the template before the plugins look, so a patch that adds a container
/// sees it "exist"; we read the runtime's own template, as upstream's unit tests do.
struct RuntimeInfo: Sendable {
    var mlPolicy: JSON?
    var podGroupPolicy: JSON?
    var annotations: [String: String] = [:]
    /// `spec.template.spec.replicatedJobs` of the runtime, in order.
    var replicatedJobs: [JSON] = []

    init(mlPolicy: JSON? = nil, podGroupPolicy: JSON? = nil, annotations: [String: String] = [:], replicatedJobs: [JSON] = []) {
        self.mlPolicy = mlPolicy
        self.podGroupPolicy = podGroupPolicy
        self.annotations = annotations
        self.replicatedJobs = replicatedJobs
    }

    init(runtime: JSON, trainJob: JSON) {
        let spec = runtime["spec"]
        mlPolicy = spec?["mlPolicy"]
        podGroupPolicy = spec?["podGroupPolicy"]
        replicatedJobs = spec?["template"]?["spec"]?["replicatedJobs"]?.array ?? []
        annotations = Self.strings(spec?["template"]?["metadata"]?["annotations"])
        for patch in trainJob["spec"]?["runtimePatches"]?.array ?? [] {
            let metadata = patch["trainingRuntimeSpec"]?["template"]?["metadata"]
            annotations.merge(Self.strings(metadata?["annotations"])) { _, new in new }
        }
    }

    static func strings(_ json: JSON?) -> [String: String] {
        (json?.object ?? [:]).compactMapValues(\.string)
    }

    /// The pod spec of a replicated job.
    static func podSpec(_ rJob: JSON) -> JSON? { rJob["template"]?["spec"]?["template"]?["spec"] }

    static func names(_ list: JSON?) -> [String] { (list?.array ?? []).compactMap { $0["name"]?.string } }

    func job(named name: String) -> JSON? { replicatedJobs.first { $0["name"]?.string == name } }

    /// Container and init container names of each replicated job.
    var containerNames: [String: Set<String>] {
        var out: [String: Set<String>] = [:]
        for rJob in replicatedJobs {
            guard let name = rJob["name"]?.string else { continue }
            let pod = Self.podSpec(rJob)
            out[name, default: []].formUnion(Self.names(pod?["initContainers"]) + Self.names(pod?["containers"]))
        }
        return out
    }

    /// `ExtractResourcePerNodeFromRuntime`: the resources of the `node` container in the
    /// `node` job or the trainer-ancestor job.
    var nodeResources: JSON? {
        for rJob in replicatedJobs {
            let ancestor = rJob["template"]?["metadata"]?["labels"]?[TrainerConstants.ancestorLabel]?.string
            guard rJob["name"]?.string == TrainerConstants.node || ancestor == TrainerConstants.ancestorTrainer else { continue }
            for container in Self.podSpec(rJob)?["containers"]?.array ?? [] where container["name"]?.string == TrainerConstants.node {
                if let resources = container["resources"] { return resources }
            }
        }
        return nil
    }
}

/// Names from upstream's `pkg/constants` that the rules use.
enum TrainerConstants {
    static let ancestorLabel = "trainer.kubeflow.org/trainjob-ancestor-step"
    static let ancestorTrainer = "trainer"
    static let node = "node"
    static let launcher = "launcher"
    static let datasetInitializer = "dataset-initializer"
    static let modelInitializer = "model-initializer"
    static let initializerVolume = "initializer"
    static let supportLabel = "trainer.kubeflow.org/support"
    static let supportDeprecated = "deprecated"
    static let deprecationPolicyURL = "https://trainer.kubeflow.org/en/latest/operator-guides/runtime.html#runtime-deprecation-policy"
}

/// `GetNumGPUPerNode`: the first resource whose name contains "gpu", from requests, else limits.
public enum GPUCount {
    /// GPUs a node asks for, as the torch plugin reads them (requests, else limits); 0 when none.
    public static func perNode(_ resources: JSON?) -> Int {
        let requests = count(resources?["requests"])
        let limits = count(resources?["limits"])
        return requests == 0 && limits > 0 ? limits : requests
    }

    private static func count(_ list: JSON?) -> Int {
        guard let entries = list?.object else { return 0 }
        // Go walks the map in random order; sorted keys make ours deterministic.
        for key in entries.keys.sorted() where key.lowercased().contains("gpu") {
            return quantity(entries[key]) ?? 0
        }
        return 0
    }

    /// A Kubernetes quantity's `Value()`: rounded up to an integer.
    static func quantity(_ value: JSON?) -> Int? {
        if let n = value?.int { return n }
        if let d = value?.double { return Int(d.rounded(.up)) }
        guard var text = value?.string else { return nil }
        var scale = 1.0
        if text.hasSuffix("m") { text.removeLast(); scale = 0.001 }
        guard let d = Double(text) else { return nil }
        return Int((d * scale).rounded(.up))
    }
}
