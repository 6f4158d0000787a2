/// REST paths of the objects the Trainer tools read and write.
enum KubePaths {
    static let trainerAPI = "/apis/trainer.kubeflow.org/v1alpha1"

    static func trainJobs(_ ns: String) -> String { "\(trainerAPI)/namespaces/\(ns)/trainjobs" }
    static func trainJob(_ ns: String, _ name: String) -> String { "\(trainJobs(ns))/\(name)" }
    static let allTrainJobs = "\(trainerAPI)/trainjobs"
    static func trainingRuntimes(_ ns: String) -> String { "\(trainerAPI)/namespaces/\(ns)/trainingruntimes" }
    static func trainingRuntime(_ ns: String, _ name: String) -> String { "\(trainingRuntimes(ns))/\(name)" }
    static let clusterTrainingRuntimes = "\(trainerAPI)/clustertrainingruntimes"
    static func clusterTrainingRuntime(_ name: String) -> String { "\(clusterTrainingRuntimes)/\(name)" }

    static func pods(_ ns: String) -> String { "/api/v1/namespaces/\(ns)/pods" }
    static func podLog(_ ns: String, _ pod: String) -> String { "/api/v1/namespaces/\(ns)/pods/\(pod)/log" }
    static func events(_ ns: String) -> String { "/api/v1/namespaces/\(ns)/events" }
    static func secrets(_ ns: String) -> String { "/api/v1/namespaces/\(ns)/secrets" }
    static func secret(_ ns: String, _ name: String) -> String { "\(secrets(ns))/\(name)" }
    static let nodes = "/api/v1/nodes"
    static let allPods = "/api/v1/pods"
    static let trainerConfigMap = "/api/v1/namespaces/kubeflow-system/configmaps/kubeflow-trainer-public"
}
