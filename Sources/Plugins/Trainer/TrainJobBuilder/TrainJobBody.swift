import PluginKit

/// `spec.runtimeRef`: the SDK sends kind and name, never apiGroup.
struct RuntimeRef: Equatable, Sendable {
    var kind: String  // "ClusterTrainingRuntime" | "TrainingRuntime"
    var name: String
    var json: JSON { ["kind": .string(kind), "name": .string(name)] }
}

/// Everything a TrainJob POST body is made of. `build()` is a pure function so
/// the golden tests can compare it with the SDK's recorded bodies.
struct TrainJobBody: Sendable {
    var name: String
    var runtime: RuntimeRef
    var trainer: JSON?
    var datasetInitializer: InitializerSource?
    var modelInitializer: InitializerSource?
    var labels: [String: String] = [:]
    var annotations: [String: String] = [:]
    var activeDeadlineSeconds: Int?
    /// `spec.runtimePatches` (see PodOptions).
    var runtimePatches: [JSON] = []

    static let apiVersion = "trainer.kubeflow.org/v1alpha1"

    /// The body, shaped like the SDK's `TrainerV1alpha1TrainJob.to_dict()`:
    /// no namespace in metadata, `trainer` omitted when empty, initializer only
    /// when both sources are known (the SDK's `Initializer` needs both).
    func build() -> JSON {
        var metadata: JSON = ["name": .string(name)]
        if !labels.isEmpty { metadata["labels"] = .object(labels.mapValues { .string($0) }) }
        if !annotations.isEmpty { metadata["annotations"] = .object(annotations.mapValues { .string($0) }) }
        var spec: JSON = ["runtimeRef": runtime.json]
        if let trainer, trainer != [:] { spec["trainer"] = trainer }
        if datasetInitializer != nil || modelInitializer != nil {
            var initializer: JSON = [:]
            if let datasetInitializer { initializer["dataset"] = datasetInitializer.json }
            if let modelInitializer { initializer["model"] = modelInitializer.json }
            spec["initializer"] = initializer
        }
        if let activeDeadlineSeconds { spec["activeDeadlineSeconds"] = .int(activeDeadlineSeconds) }
        if !runtimePatches.isEmpty { spec["runtimePatches"] = .array(runtimePatches) }
        return ["apiVersion": .string(Self.apiVersion), "kind": "TrainJob", "metadata": metadata, "spec": spec]
    }
}

/// The `spec.trainer` of the SDK's CustomTrainer and CustomTrainerContainer
/// (utils.py:get_trainer_cr_from_custom_trainer): only the fields that are set.
struct CustomTrainerSection: Sendable {
    var numNodes: Int?
    var resourcesPerNode: JSON?
    var command: [String]?
    var args: [String]?
    var image: String?
    var env: [EnvVar] = []

    func build() -> JSON {
        var trainer: JSON = [:]
        if let numNodes, numNodes != 0 { trainer["numNodes"] = .int(numNodes) }
        if let resourcesPerNode { trainer["resourcesPerNode"] = resourcesPerNode }
        if let command { trainer["command"] = .array(command.map { .string($0) }) }
        if let args { trainer["args"] = .array(args.map { .string($0) }) }
        if let image { trainer["image"] = .string(image) }
        if !env.isEmpty { trainer["env"] = .array(env.map(\.json)) }
        return trainer
    }
}
