import PluginKit

/// One hyperparameter to search: the tools' `search_space` entry
/// (`{"loguniform": [1e-5, 1e-2]}`, `{"uniform": [0, 0.3], "step": 0.05}`,
/// `{"int": [4, 64]}`, `{"choice": [8, 16]}`), engine-neutral.
struct SearchParameter: Equatable, Sendable {
    enum Space: Equatable, Sendable {
        case uniform(min: Double, max: Double, step: Double?)
        case logUniform(min: Double, max: Double)
        case integer(min: Int, max: Int, step: Int?)
        case choice([JSON])
    }
    var name: String
    var space: Space
    /// [min, max] or the choices as the user wrote them, and the step (4 and 4.0
    /// stay apart: the SDK writes str(value)).
    var written: [JSON]
    var writtenStep: JSON? = nil
}

/// Reads `search_space`; every error names `search_space.<name>` and says what to write.
enum SearchSpace {
    static let kinds = ["uniform", "loguniform", "int", "choice"]

    static let schema = Schema.map(
        "Hyperparameters to search, by name: {\"learning_rate\": {\"loguniform\": [1e-5, 1e-2]}, \"batch_size\": {\"choice\": [8, 16]}, \"lora_rank\": {\"int\": [4, 64]}, \"dropout\": {\"uniform\": [0, 0.3]}}; optional \"step\" for uniform/int (grid search needs it for uniform). suggest_hyperparameters proposes one.",
        values: ["type": "object"])

    /// Parameters sorted by name (a JSON object carries no order; the SDK keeps the
    /// dict's, which TrialTemplate approximates with the function's signature).
    static func parse(_ value: JSON?) throws -> [SearchParameter] {
        guard let object = value?.object, !object.isEmpty else {
            throw ToolError("search_space must name at least one hyperparameter, e.g. {\"learning_rate\": {\"loguniform\": [1e-5, 1e-2]}}.",
                            field: "search_space")
        }
        return try object.keys.sorted().map { try parameter($0, object[$0]!) }
    }

    /// A name that can be a Python keyword argument and a `${trialParameters.NAME}` reference.
    static func isValidName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, name.count <= 63,
              first == "_" || ("a"..."z").contains(first) || ("A"..."Z").contains(first) else { return false }
        return name.unicodeScalars.allSatisfy { $0 == "_" || ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) }
    }

    static func parameter(_ name: String, _ spec: JSON) throws -> SearchParameter {
        let field = "search_space.\(name)"
        guard isValidName(name) else {
            throw ToolError("\(field): a hyperparameter name must be a Python identifier (letters, digits, '_', not starting with a digit), as it becomes a keyword argument and ${trialParameters.\(name)}.",
                            field: "search_space")
        }
        guard let o = spec.object else {
            throw ToolError("\(field) must be an object such as {\"uniform\": [0, 0.3]}.", field: field)
        }
        let given = kinds.filter { o[$0] != nil }
        let unknown = o.keys.filter { !kinds.contains($0) && $0 != "step" }.sorted()
        guard unknown.isEmpty else {
            throw ToolError("\(field): unknown key \(unknown.joined(separator: ", ")); use one of \(kinds.joined(separator: ", ")) (and step).",
                            field: field)
        }
        guard given.count == 1, let kind = given.first, let values = o[kind]?.array else {
            throw ToolError("\(field) must have exactly one of \(kinds.joined(separator: ", ")), with a list: {\"uniform\": [min, max]} or {\"choice\": [a, b]}.",
                            field: field)
        }
        if kind == "choice" {
            guard !values.isEmpty, values.allSatisfy({ $0.string != nil || $0.int != nil || $0.double != nil || $0.bool != nil }) else {
                throw ToolError("\(field).choice must be a non-empty list of numbers, strings or booleans.", field: field)
            }
            let texts = values.map(PythonText.str)
            guard Set(texts).count == texts.count else {
                throw ToolError("\(field).choice lists a value twice; list each value once.", field: field)
            }
            guard o["step"] == nil else { throw ToolError("\(field): step applies to uniform and int, not choice.", field: field) }
            return SearchParameter(name: name, space: .choice(values), written: values)
        }
        guard values.count == 2, let low = values[0].double, let high = values[1].double, low.isFinite, high.isFinite else {
            throw ToolError("\(field).\(kind) must be [min, max], two numbers.", field: field)
        }
        guard low < high else {
            throw ToolError("\(field).\(kind): min (\(PythonText.str(values[0]))) must be less than max (\(PythonText.str(values[1]))).",
                            field: field)
        }
        let step = o["step"]
        if let step, (step.double ?? 0) <= 0 || (step.double ?? 0) > high - low {
            throw ToolError("\(field).step must be a positive number no larger than max - min.", field: field)
        }
        switch kind {
        case "loguniform":
            guard low > 0 else {
                throw ToolError("\(field).loguniform: min must be greater than 0 (a log scale has no 0); e.g. [1e-5, 1e-2].", field: field)
            }
            guard step == nil else { throw ToolError("\(field): step applies to uniform and int, not loguniform.", field: field) }
            return SearchParameter(name: name, space: .logUniform(min: low, max: high), written: values)
        case "int":
            guard case .int(let a) = values[0], case .int(let b) = values[1] else {
                throw ToolError("\(field).int must be two whole numbers, e.g. [4, 64].", field: field)
            }
            if let step, step.int == nil || step.double != Double(step.int ?? 0) {
                throw ToolError("\(field).step must be a whole number for int.", field: field)
            }
            return SearchParameter(name: name, space: .integer(min: a, max: b, step: step?.int), written: values,
                                   writtenStep: step)
        default:
            return SearchParameter(name: name, space: .uniform(min: low, max: high, step: step?.double),
                                   written: values, writtenStep: step)
        }
    }
}

/// Python's `str()` of a JSON scalar, as the SDK writes bounds and settings
/// (`str(1e-05)` is "1e-05", `str(8)` is "8", `str(True)` is "True").
enum PythonText {
    static func str(_ value: JSON) -> String {
        switch value {
        case .string(let s): return s
        case .int(let i): return String(i)
        // Swift's Double.description and Python's float repr are the same shortest round-trip form.
        case .double(let d): return d.isFinite ? d.description : (d.isNaN ? "nan" : (d > 0 ? "inf" : "-inf"))
        case .bool(let b): return b ? "True" : "False"
        case .null: return "None"
        default: return value.serialized()
        }
    }
}
