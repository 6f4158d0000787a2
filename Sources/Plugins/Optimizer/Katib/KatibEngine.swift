import PluginKit

/// Experiments on Katib (kubeflow.org/v1beta1): Experiments, their Trials and the
/// TrainJobs the trials run. Every Kubernetes request goes through `send`.
struct KatibEngine: OptimizationEngine {
    static let group = "kubeflow.org"
    static let version = "v1beta1"
    static let experimentLabel = "katib.kubeflow.org/experiment"

    var objectKind: String { "Katib Experiment" }

    func build(_ request: ExperimentRequest) -> JSON { KatibExperiment.build(request) }

    func problems(_ object: JSON, _ request: ExperimentRequest) -> [ToolError] {
        KatibAdmission.problems(object, request)
    }

    func create(_ object: JSON, namespace: String, _ call: ToolCall) throws {
        try send(call, .create(Self.experimentResource, namespace: namespace, body: object))
    }

    func experiment(_ name: String, namespace: String, _ call: ToolCall) throws -> ExperimentReport {
        KatibStatus.experiment(try send(call, .get(Self.experimentResource, name, namespace: namespace)))
    }

    func experiments(namespace: String, _ call: ToolCall) throws -> [ExperimentReport] {
        let list = try send(call, .list(Self.experimentResource, namespace: namespace))
        return (list["items"]?.array ?? []).map(KatibStatus.experiment)
    }

    func trials(_ name: String, namespace: String, _ call: ToolCall) throws -> [TrialReport] {
        let list = try send(call, .list(Self.trialResource, namespace: namespace,
                                         query: ["labelSelector": "\(Self.experimentLabel)=\(name)"]))
        return (list["items"]?.array ?? []).map(KatibStatus.trial)
            .sorted { ($0.phaseRank, $0.name) < ($1.phaseRank, $1.name) }
    }

    func delete(_ name: String, namespace: String, _ call: ToolCall) throws {
        var request = K8sRequest.delete(Self.experimentResource, name, namespace: namespace)
        request.body = ["kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": "Foreground"]
        try send(call, request)
    }

    static let experimentResource = K8sResource(group: group, version: version, resource: "experiments", kind: "Experiment",
                                         names: .label)
    static let trialResource = K8sResource(group: group, version: version, resource: "trials", kind: "Trial")

    /// The one place this plugin talks to the cluster.
    @discardableResult
    private func send(_ call: ToolCall, _ request: K8sRequest) throws -> JSON { try call.k8sJSON(request) }
}

extension TrialReport {
    /// Running first, then waiting, then finished: what a person looks at first.
    var phaseRank: Int {
        switch phase {
        case "Running": return 0
        case "Created", "Pending": return 1
        default: return 2
        }
    }
}
