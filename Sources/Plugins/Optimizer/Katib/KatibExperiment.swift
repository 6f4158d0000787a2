import PluginKit

/// The Katib v1beta1 Experiment, shaped like the SDK 0.5.0's
/// `OptimizerClient.optimize` (kubeflow/optimizer/backends/kubernetes/backend.py):
/// `V1beta1Experiment.to_dict()`, so unset fields are absent.
enum KatibExperiment {
    static let apiVersion = "kubeflow.org/v1beta1"
    /// The TrainJob's pods run their trainer in the container the SDK names "node".
    static let primaryContainerName = "node"

    static func build(_ r: ExperimentRequest) -> JSON {
        var objective: JSON = ["objectiveMetricName": .string(r.objectives[0].metric),
                               "type": .string(r.objectives[0].direction)]
        if r.objectives.count > 1 {
            objective["additionalMetricNames"] = .array(r.objectives.dropFirst().map { .string($0.metric) })
        }
        var algorithm: JSON = ["algorithmName": .string(r.algorithm)]
        if !r.algorithmSettings.isEmpty {
            algorithm["algorithmSettings"] = .array(r.algorithmSettings.map { ["name": .string($0.0), "value": .string($0.1)] })
        }
        var spec: JSON = [
            "algorithm": algorithm,
            "maxTrialCount": .int(r.numTrials),
            "parallelTrialCount": .int(r.parallelTrials),
            "objective": objective,
            "parameters": .array(r.parameters.map(parameterSpec)),
            "trialTemplate": [
                "primaryContainerName": .string(primaryContainerName),
                "retain": true,
                "trialParameters": .array(r.parameters.map { ["name": .string($0.name), "reference": .string($0.name)] }),
                "trialSpec": r.trialJob,
            ],
        ]
        if let maxFailed = r.maxFailedTrials { spec["maxFailedTrialCount"] = .int(maxFailed) }
        return ["apiVersion": .string(apiVersion), "kind": "Experiment", "metadata": ["name": .string(r.name)], "spec": spec]
    }

    /// A ParameterSpec as the SDK's `Search.uniform/loguniform/choice` write it
    /// (bounds as Python's str()); `int` is Katib's int type, which the SDK lacks.
    static func parameterSpec(_ p: SearchParameter) -> JSON {
        let text = p.written.map { JSON.string(PythonText.str($0)) }
        var space: JSON
        let type: String
        switch p.space {
        case .choice:
            type = "categorical"
            space = ["list": .array(text)]
        case .logUniform:
            type = "double"
            space = ["min": text[0], "max": text[1], "distribution": "logUniform"]
        case .uniform:
            type = "double"
            space = ["min": text[0], "max": text[1], "distribution": "uniform"]
        case .integer:
            type = "int"
            space = ["min": text[0], "max": text[1], "distribution": "uniform"]
        }
        if let step = p.writtenStep { space["step"] = .string(PythonText.str(step)) }
        return ["name": .string(p.name), "parameterType": .string(type), "feasibleSpace": space]
    }
}
