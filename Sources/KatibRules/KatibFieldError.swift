import KFJSON

/// One field problem, as apimachinery's `field.Error` reads: `spec.objective: Required value: must be specified`.
public struct KatibFieldError: Sendable, Equatable {
    /// FieldValueInvalid, FieldValueRequired or FieldValueForbidden.
    public let reason: String
    public let field: String
    public let message: String

    public init(reason: String, field: String, message: String) {
        self.reason = reason
        self.field = field
        self.message = message
    }

    /// `field.Error.Error()`.
    public var text: String { "\(field): \(message)" }

    static func required(_ field: String, _ detail: String) -> KatibFieldError {
        KatibFieldError(reason: "FieldValueRequired", field: field, message: "Required value: \(detail)")
    }

    /// Strings print quoted, numbers plain (Go's `%q`/`%v` in ErrorBody).
    static func invalid(_ field: String, _ value: JSON, _ detail: String) -> KatibFieldError {
        let shown: String
        switch value {
        case .string(let s): shown = "\"\(s)\""
        default: shown = value.serialized()
        }
        return KatibFieldError(reason: "FieldValueInvalid", field: field, message: "Invalid value: \(shown): \(detail)")
    }

    static func forbidden(_ field: String, _ detail: String) -> KatibFieldError {
        KatibFieldError(reason: "FieldValueForbidden", field: field, message: "Forbidden: \(detail)")
    }

    /// utilerrors.NewAggregate(...).Error(): one message alone, several in brackets, repeats once.
    public static func aggregate(_ errors: [KatibFieldError]) -> String {
        var seen = Set<String>()
        let messages = errors.map(\.text).filter { seen.insert($0).inserted }
        return messages.count == 1 ? messages[0] : "[" + messages.joined(separator: ", ") + "]"
    }
}

/// Go's `%#v` for the few non-scalar values the validator prints.
enum GoValue {
    static func strings(_ values: [String]) -> String {
        "[]string{" + values.map { "\"\($0)\"" }.joined(separator: ", ") + "}"
    }
}
