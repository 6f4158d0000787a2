import KFJSON

/// The first thing Katib's webhooks do with an Experiment: decode it into Go structs
/// (`decoder.Decode(req, exp)`). The CRD's schema keeps unknown fields and checks no types,
/// so a value of the wrong type reaches the webhook and fails there, with encoding/json's
/// `json: cannot unmarshal <kind> into Go struct field <Struct>.<path> of type <type>`.
/// The fields checked are the ones the rules read.
public enum ExperimentDecoding {
    private enum Want {
        case object(String), array(String), string, int32, float64, bool

        var goType: String {
            switch self {
            case .object(let t), .array(let t): return t
            case .string: return "string"
            case .int32: return "int32"
            case .float64: return "float64"
            case .bool: return "bool"
            }
        }

        func accepts(_ value: JSON) -> Bool {
            switch (self, value) {
            case (_, .null): return true
            case (.object, .object), (.array, .array), (.string, .string), (.bool, .bool): return true
            case (.int32, .int(let i)): return i >= Int(Int32.min) && i <= Int(Int32.max)
            case (.float64, .int), (.float64, .double): return true
            default: return false
            }
        }
    }

    /// (Go struct, path from the Experiment, wanted type), in the order Go meets them.
    private static let fields: [(String, [String], Want)] = [
        ("Experiment", ["metadata"], .object("v1.ObjectMeta")),
        ("Experiment", ["spec"], .object("v1beta1.ExperimentSpec")),
        ("ExperimentSpec", ["spec", "parameters"], .array("[]v1beta1.ParameterSpec")),
        ("ExperimentSpec", ["spec", "objective"], .object("v1beta1.ObjectiveSpec")),
        ("ObjectiveSpec", ["spec", "objective", "type"], .string),
        ("ObjectiveSpec", ["spec", "objective", "goal"], .float64),
        ("ObjectiveSpec", ["spec", "objective", "objectiveMetricName"], .string),
        ("ObjectiveSpec", ["spec", "objective", "additionalMetricNames"], .array("[]string")),
        ("ExperimentSpec", ["spec", "algorithm"], .object("v1beta1.AlgorithmSpec")),
        ("AlgorithmSpec", ["spec", "algorithm", "algorithmName"], .string),
        ("AlgorithmSpec", ["spec", "algorithm", "algorithmSettings"], .array("[]v1beta1.AlgorithmSetting")),
        ("ExperimentSpec", ["spec", "earlyStopping"], .object("v1beta1.EarlyStoppingSpec")),
        ("ExperimentSpec", ["spec", "trialTemplate"], .object("v1beta1.TrialTemplate")),
        ("TrialTemplate", ["spec", "trialTemplate", "retain"], .bool),
        ("TrialTemplate", ["spec", "trialTemplate", "primaryContainerName"], .string),
        ("TrialTemplate", ["spec", "trialTemplate", "trialParameters"], .array("[]v1beta1.TrialParameterSpec")),
        ("TrialTemplate", ["spec", "trialTemplate", "trialSpec"], .object("unstructured.Unstructured")),
        ("ExperimentSpec", ["spec", "parallelTrialCount"], .int32),
        ("ExperimentSpec", ["spec", "maxTrialCount"], .int32),
        ("ExperimentSpec", ["spec", "maxFailedTrialCount"], .int32),
        ("ExperimentSpec", ["spec", "metricsCollectorSpec"], .object("v1beta1.MetricsCollectorSpec")),
        ("ExperimentSpec", ["spec", "resumePolicy"], .string),
    ]

    /// The decoder's error, or nil when the Experiment decodes.
    public static func problem(_ experiment: JSON) -> String? {
        for (owner, path, want) in fields {
            var value: JSON? = experiment
            for key in path { value = value?.object == nil ? nil : value?[key] }
            guard let value, !want.accepts(value) else { continue }
            return "json: cannot unmarshal \(kind(value)) into Go struct field \(owner).\(path.joined(separator: ".")) of type \(want.goType)"
        }
        for list in [["spec", "parameters"], ["spec", "trialTemplate", "trialParameters"]] {
            var value: JSON? = experiment
            for key in list { value = value?[key] }
            for item in value?.array ?? [] where item.object == nil && item != .null {
                let type = list.last == "parameters" ? "v1beta1.ParameterSpec" : "v1beta1.TrialParameterSpec"
                return "json: cannot unmarshal \(kind(item)) into Go struct field \(list.dropLast().last == "spec" ? "ExperimentSpec" : "TrialTemplate").\(list.joined(separator: ".")) of type \(type)"
            }
        }
        return nil
    }

    /// encoding/json's name for a JSON value's kind.
    private static func kind(_ value: JSON) -> String {
        switch value {
        case .string: return "string"
        case .int, .double: return "number"
        case .bool: return "bool"
        case .array: return "array"
        case .object: return "object"
        case .null: return "null"
        }
    }
}
