/// The `katib-config` ConfigMap of a stock Katib v0.19 install
/// (manifests/v1beta1/installs/katib-standalone/katib-config.yaml): which suggestion
/// algorithms, early-stopping algorithms and metrics collectors the cluster has. The
/// experiment webhook admits only what it names; the pod webhook takes the collector image
/// from it. Tests swap in `acceptingAll`, as upstream's tests mock the manifest generator.
public struct KatibConfig: Sendable {
    public let suggestions: [String: String]
    public let earlyStoppings: [String: String]
    public let metricsCollectors: [String: String]
    /// nil: the real lookup; set: every name resolves to this image.
    public var anyName: String?

    public init(suggestions: [String: String], earlyStoppings: [String: String], metricsCollectors: [String: String],
                anyName: String? = nil) {
        self.suggestions = suggestions
        self.earlyStoppings = earlyStoppings
        self.metricsCollectors = metricsCollectors
        self.anyName = anyName
    }

    public static let configMapName = "katib-config"

    public static let v0_19 = KatibConfig(
        suggestions: ["random": "suggestion-hyperopt", "tpe": "suggestion-hyperopt", "grid": "suggestion-optuna",
                      "hyperband": "suggestion-hyperband", "bayesianoptimization": "suggestion-skopt",
                      "cmaes": "suggestion-goptuna", "sobol": "suggestion-goptuna",
                      "multivariate-tpe": "suggestion-optuna", "enas": "suggestion-enas",
                      "darts": "suggestion-darts", "pbt": "suggestion-pbt"].mapValues(image),
        earlyStoppings: ["medianstop": image("earlystopping-medianstop")],
        metricsCollectors: ["StdOut": image("file-metrics-collector"), "File": image("file-metrics-collector"),
                            "TensorFlowEvent": image("tfevent-metrics-collector")])

    public static let acceptingAll = KatibConfig(suggestions: [:], earlyStoppings: [:], metricsCollectors: [:],
                                          anyName: "image")

    private static func image(_ name: String) -> String { "ghcr.io/kubeflow/katib/\(name):v0.19.0" }

    /// katibconfig.GetSuggestionConfigData: the image, or the reason there is none.
    public func suggestion(_ algorithm: String) -> Result<String, Missing> {
        lookup(suggestions, algorithm, "failed to find suggestion config for algorithm: \(algorithm)")
    }

    public func earlyStopping(_ algorithm: String) -> Result<String, Missing> {
        lookup(earlyStoppings, algorithm, "failed to find early stopping config for algorithm: \(algorithm)")
    }

    public func metricsCollector(_ kind: String) -> Result<String, Missing> {
        lookup(metricsCollectors, kind, "failed to find metrics collector config for kind: \(kind)")
    }

    public struct Missing: Error { public let message: String }

    private func lookup(_ table: [String: String], _ key: String, _ reason: String) -> Result<String, Missing> {
        if let anyName { return .success(anyName) }
        guard let image = table[key] else { return .failure(Missing(message: "\(reason) in ConfigMap: \(Self.configMapName)")) }
        return .success(image)
    }
}
