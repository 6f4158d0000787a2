/// One kind of object the simulator serves: where it lives in the API and how discovery shows it.
struct ResourceType: Sendable, Hashable {
    let group: String
    let version: String
    let plural: String
    let singular: String
    let kind: String
    let namespaced: Bool
    var shortNames: [String] = []
    var categories: [String] = []
    /// Has a `/status` subresource: the main resource ignores status writes.
    var hasStatus = false
    /// Verbs shown in discovery (kubectl checks "list" before `get`).
    var verbs = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]
    /// Subresources other than status, e.g. "log" for pods.
    var extraSubresources: [String] = []

    var groupVersion: String { group.isEmpty ? version : group + "/" + version }

    /// How the apiserver names the resource in messages: `trainjobs.trainer.kubeflow.org`, or `pods`.
    var qualifiedName: String { group.isEmpty ? plural : plural + "." + group }

    /// The key this type is stored under.
    var storeKey: String { qualifiedName }

    var listKind: String { kind + "List" }

    /// Served from a CRD on a real cluster (Trainer, Katib, JobSet), not built into kube-apiserver:
    /// no protobuf, no strategic merge patch, only metadata field selectors.
    var isCustom: Bool { group.contains(".") && !group.hasSuffix(".k8s.io") }
}

/// Every resource the simulator knows, in discovery order.
enum ResourceCatalog {
    static let trainerGroup = "trainer.kubeflow.org"

    static let namespaces = ResourceType(group: "", version: "v1", plural: "namespaces", singular: "namespace",
                                         kind: "Namespace", namespaced: false, shortNames: ["ns"], hasStatus: true)
    static let nodes = ResourceType(group: "", version: "v1", plural: "nodes", singular: "node", kind: "Node",
                                    namespaced: false, shortNames: ["no"], hasStatus: true)
    static let pods = ResourceType(group: "", version: "v1", plural: "pods", singular: "pod", kind: "Pod",
                                   namespaced: true, shortNames: ["po"], categories: ["all"], hasStatus: true,
                                   extraSubresources: ["log"])
    static let events = ResourceType(group: "", version: "v1", plural: "events", singular: "event", kind: "Event",
                                     namespaced: true, shortNames: ["ev"])
    static let secrets = ResourceType(group: "", version: "v1", plural: "secrets", singular: "secret", kind: "Secret",
                                      namespaced: true)
    static let serviceAccounts = ResourceType(group: "", version: "v1", plural: "serviceaccounts",
                                              singular: "serviceaccount", kind: "ServiceAccount", namespaced: true,
                                              shortNames: ["sa"])
    static let configMaps = ResourceType(group: "", version: "v1", plural: "configmaps", singular: "configmap",
                                         kind: "ConfigMap", namespaced: true, shortNames: ["cm"])
    static let pvcs = ResourceType(group: "", version: "v1", plural: "persistentvolumeclaims",
                                   singular: "persistentvolumeclaim", kind: "PersistentVolumeClaim",
                                   namespaced: true, shortNames: ["pvc"], hasStatus: true)
    static let resourceQuotas = ResourceType(group: "", version: "v1", plural: "resourcequotas",
                                             singular: "resourcequota", kind: "ResourceQuota", namespaced: true,
                                             shortNames: ["quota"], hasStatus: true)
    static let accessReviews = ResourceType(group: "authorization.k8s.io", version: "v1",
                                            plural: "selfsubjectaccessreviews", singular: "selfsubjectaccessreview",
                                            kind: "SelfSubjectAccessReview", namespaced: false, verbs: ["create"])
    static let subjectReviews = ResourceType(group: "authentication.k8s.io", version: "v1",
                                             plural: "selfsubjectreviews", singular: "selfsubjectreview",
                                             kind: "SelfSubjectReview", namespaced: false, verbs: ["create"])
    static let tokenReviews = ResourceType(group: "authentication.k8s.io", version: "v1",
                                           plural: "tokenreviews", singular: "tokenreview",
                                           kind: "TokenReview", namespaced: false, verbs: ["create"])
    static let trainJobs = ResourceType(group: trainerGroup, version: "v1alpha1", plural: "trainjobs",
                                        singular: "trainjob", kind: "TrainJob", namespaced: true, hasStatus: true)
    static let trainingRuntimes = ResourceType(group: trainerGroup, version: "v1alpha1", plural: "trainingruntimes",
                                               singular: "trainingruntime", kind: "TrainingRuntime", namespaced: true)
    static let clusterTrainingRuntimes = ResourceType(group: trainerGroup, version: "v1alpha1",
                                                      plural: "clustertrainingruntimes",
                                                      singular: "clustertrainingruntime",
                                                      kind: "ClusterTrainingRuntime", namespaced: false)
    static let experiments = ResourceType(group: "kubeflow.org", version: "v1beta1", plural: "experiments",
                                          singular: "experiment", kind: "Experiment", namespaced: true,
                                          hasStatus: true)

    static let all: [ResourceType] = [
        namespaces, nodes, pods, events, secrets, serviceAccounts, configMaps, pvcs, resourceQuotas,
        accessReviews, subjectReviews, tokenReviews, trainJobs, trainingRuntimes, clusterTrainingRuntimes, experiments,
        KatibResources.trials, KatibResources.suggestions,
    ] + deploymentKinds + workloadKinds

    /// Types that are real stored objects (the review APIs are computed per request).
    static let stored: [ResourceType] = all.filter { $0.verbs.contains("get") }

    static func find(group: String, version: String, plural: String) -> ResourceType? {
        all.first { $0.group == group && $0.version == version && $0.plural == plural }
    }

    /// Group/versions in discovery order, each with its resources.
    static var groupVersions: [(group: String, version: String)] {
        var seen: [(String, String)] = []
        for type in all where !type.group.isEmpty && !seen.contains(where: { $0 == (type.group, type.version) }) {
            seen.append((type.group, type.version))
        }
        return seen
    }
}
