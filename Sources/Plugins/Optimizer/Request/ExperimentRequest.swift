import PluginKit

/// What create_experiment asks for, engine-neutral: the engine (Katib today)
/// turns it into its own object.
struct ExperimentRequest: Sendable {
    struct Objective: Equatable, Sendable {
        var metric: String
        var direction: String  // "minimize" | "maximize"
    }

    var name: String
    var namespace: String
    /// The trial's TrainJob as the training tool made it, with `${trialParameters.NAME}` placeholders.
    var trialJob: JSON
    var parameters: [SearchParameter]
    var objectives: [Objective]
    var algorithm: String
    /// algorithm_settings as name → str(value), sorted by name.
    var algorithmSettings: [(String, String)]
    var numTrials: Int
    var parallelTrials: Int
    var maxFailedTrials: Int?
}

/// Reading the tool's arguments into an ExperimentRequest (the trial job comes from TrialTemplate).
extension ExperimentRequest {
    static let algorithms = ["random", "grid", "bayesianoptimization", "tpe", "cmaes"]

    /// The SDK's defaults: Objective() is loss/minimize; TrialConfig() is 10 trials, 1 at a time.
    static let defaultObjective = Objective(metric: "loss", direction: "minimize")
    static let defaultTrials = 10

    static func objectives(_ call: ToolCall) throws -> [Objective] {
        guard let value = call.arguments["objectives"], !value.isNull else { return [defaultObjective] }
        guard let items = value.array, !items.isEmpty else {
            throw ToolError("objectives must be a non-empty list such as [{\"metric\": \"loss\", \"direction\": \"minimize\"}].",
                            field: "objectives")
        }
        var seen = Set<String>()
        return try items.enumerated().map { i, item in
            guard let metric = item["metric"]?.string, !metric.isEmpty else {
                throw ToolError("objectives[\(i)].metric must name the metric the trials report, e.g. loss.", field: "objectives")
            }
            let direction = item["direction"]?.string ?? "minimize"
            guard ["minimize", "maximize"].contains(direction) else {
                throw ToolError("objectives[\(i)].direction must be minimize or maximize; got \(direction).", field: "objectives")
            }
            guard seen.insert(metric).inserted else {
                throw ToolError("objectives lists \(metric) twice; list each metric once.", field: "objectives")
            }
            return Objective(metric: metric, direction: direction)
        }
    }

    static func algorithmSettings(_ call: ToolCall) throws -> [(String, String)] {
        guard let value = call.arguments["algorithm_settings"], !value.isNull else { return [] }
        guard let o = value.object else {
            throw ToolError("algorithm_settings must be an object such as {\"random_state\": 42}.", field: "algorithm_settings")
        }
        return try o.keys.sorted().map { key in
            let v = o[key]!
            guard v.array == nil, v.object == nil, !v.isNull else {
                throw ToolError("algorithm_settings.\(key) must be a number, string or boolean.", field: "algorithm_settings")
            }
            return (key, PythonText.str(v))
        }
    }
}
