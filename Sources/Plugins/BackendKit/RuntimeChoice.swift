import PluginKit

/// Where a backend's job runs: a runtime labelled with the backend's framework
/// when the cluster has one (its image already carries the backend), else the
/// generic fallback runtime with the backend's image set on the trainer.
public struct RuntimeSelector: Sendable {
    public var framework: String
    public var fallbackRuntime: String
    public var image: String

    public init(framework: String, fallbackRuntime: String, image: String) {
        self.framework = framework
        self.fallbackRuntime = fallbackRuntime
        self.image = image
    }

    public var capabilities: JSON {
        ["framework": .string(framework), "fallback_runtime": .string(fallbackRuntime), "image": .string(image)]
    }
}

/// The runtime picked for one job.
public struct RuntimeChoice {
    public var runtime: JSON
    /// True on the fallback runtime: the trainer must set the image, and the
    /// runtime has no initializers (model and dataset come from the Hub).
    public var isFallback: Bool

    public var name: String? { Self.name(of: runtime) }
    public var kind: String { runtime["kind"]?.string ?? "ClusterTrainingRuntime" }

    /// `runtimes` are summaries ({name, kind, framework}) or raw runtime objects.
    public static func pick(request: JSON, runtimes: [JSON], selector: RuntimeSelector, backend: String) throws -> RuntimeChoice {
        let wanted = request["runtime"]?.string
        if let wanted {
            guard let runtime = runtimes.first(where: { name(of: $0) == wanted }) else {
                throw ToolError("Runtime \(wanted) does not exist; the \(backend) backend runs on a runtime labelled trainer.kubeflow.org/framework=\(selector.framework) or on \(selector.fallbackRuntime).",
                                field: "runtime")
            }
            if framework(of: runtime) == selector.framework { return RuntimeChoice(runtime: runtime, isFallback: false) }
            if wanted == selector.fallbackRuntime { return RuntimeChoice(runtime: runtime, isFallback: true) }
            throw ToolError("Runtime \(wanted) is a \(framework(of: runtime) ?? "unlabelled") runtime; the \(backend) backend runs on a runtime labelled trainer.kubeflow.org/framework=\(selector.framework) or on \(selector.fallbackRuntime).",
                            field: "runtime")
        }
        if let native = runtimes.first(where: { framework(of: $0) == selector.framework }) {
            return RuntimeChoice(runtime: native, isFallback: false)
        }
        if let fallback = runtimes.first(where: { name(of: $0) == selector.fallbackRuntime }) {
            return RuntimeChoice(runtime: fallback, isFallback: true)
        }
        throw ToolError("The cluster has no runtime labelled trainer.kubeflow.org/framework=\(selector.framework) and no \(selector.fallbackRuntime) runtime; install Kubeflow Trainer's torch-distributed runtime or create one for \(backend).",
                        field: "runtime")
    }

    public static func name(of r: JSON) -> String? { r["name"]?.string ?? r["metadata"]?["name"]?.string }
    public static func framework(of r: JSON) -> String? {
        r["framework"]?.string ?? r["metadata"]?["labels"]?["trainer.kubeflow.org/framework"]?.string
    }
}

/// Runtimes the caller may use, for a direct build_trainer call without
/// `runtimes` in the request: namespaced ones win a name clash.
public func listRuntimes(_ call: ToolCall, namespace: String?) throws -> [JSON] {
    let ns = namespace ?? call.defaultNamespace
    let cluster = try call.k8sJSON(.list(.clusterTrainingRuntimes))["items"]?.array ?? []
    let local = call.k8s(.list(.trainingRuntimes, namespace: ns))
    let namespaced = local.ok ? local.body["items"]?.array ?? [] : []
    var seen = Set<String>()
    return (namespaced + cluster).filter { seen.insert(RuntimeChoice.name(of: $0) ?? "").inserted }
}
