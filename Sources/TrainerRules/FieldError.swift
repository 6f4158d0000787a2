import KFJSON

/// One problem the Trainer webhook reports, as apimachinery's `field.Error` prints it:
/// `spec.trainer.numNodes: Invalid value: 2: must be 1 for llama3_2/3B model`.
public struct FieldError: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        case invalid = "FieldValueInvalid"
        case required = "FieldValueRequired"
        case forbidden = "FieldValueForbidden"
        case internalError = "InternalError"
    }

    public let kind: Kind
    /// The JSON path, e.g. `spec.runtimePatches` or `spec.trainer.args[0]`.
    public let field: String
    /// The offending value (only `invalid` carries one).
    public let value: JSON?
    /// The rule's own words, e.g. `must be 1 for llama3_2/3B model`.
    public let detail: String

    public static func invalid(_ field: String, _ value: JSON, _ detail: String) -> FieldError {
        FieldError(kind: .invalid, field: field, value: value, detail: detail)
    }

    public static func required(_ field: String) -> FieldError {
        FieldError(kind: .required, field: field, value: nil, detail: "")
    }

    public static func forbidden(_ field: String, _ detail: String) -> FieldError {
        FieldError(kind: .forbidden, field: field, value: nil, detail: detail)
    }

    public static func internalError(_ field: String, _ detail: String) -> FieldError {
        FieldError(kind: .internalError, field: field, value: nil, detail: detail)
    }

    /// `ErrorBody()`: the type, the value for invalid ones, then the detail.
    public var message: String {
        switch kind {
        case .invalid: return "Invalid value: \(Self.render(value ?? .null)): \(detail)"
        case .required: return detail.isEmpty ? "Required value" : "Required value: \(detail)"
        case .forbidden: return "Forbidden: \(detail)"
        case .internalError: return "Internal error: \(detail)"
        }
    }

    public var description: String { "\(field): \(message)" }

    /// Scalars print as Go prints them (strings quoted, numbers bare, nil as `null`). Go prints
    /// structs and lists with `%#v`, memory addresses included; we print their JSON instead.
    static func render(_ value: JSON) -> String {
        switch value {
        case .string(let s): return "\"" + s.replacing("\\", with: "\\\\").replacing("\"", with: "\\\"") + "\""
        case .null: return "null"
        default: return value.serialized()
        }
    }

    /// `ErrorList.ToAggregate().Error()`: duplicates dropped, one message alone, several in brackets.
    public static func aggregate(_ errors: [FieldError]) -> String {
        var seen = Set<String>()
        let messages = errors.map(\.description).filter { seen.insert($0).inserted }
        return messages.count == 1 ? messages[0] : "[" + messages.joined(separator: ", ") + "]"
    }
}
