import KFJSON

/// An error the way kube-apiserver reports it: a `Status` object with an HTTP code.
struct APIError: Error, Sendable {
    let code: Int
    let reason: String
    let message: String
    var details: JSON?

    /// The wire body: `{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",...}`.
    var status: JSON {
        var body: JSON = [
            "kind": "Status", "apiVersion": "v1", "metadata": [:], "status": "Failure",
            "message": .string(message), "reason": .string(reason), "code": .int(code),
        ]
        // A webhook's denial may carry no reason; the API server then leaves it out.
        if reason.isEmpty { body["reason"] = nil }
        if let details { body["details"] = details }
        return body
    }

    private static func details(_ type: ResourceType, name: String?, kind: String? = nil) -> JSON {
        var d: JSON = ["kind": .string(kind ?? type.plural)]
        if let name, !name.isEmpty { d["name"] = .string(name) }
        if !type.group.isEmpty { d["group"] = .string(type.group) }
        return d
    }

    static func notFound(_ type: ResourceType, _ name: String) -> APIError {
        APIError(code: 404, reason: "NotFound", message: "\(type.qualifiedName) \"\(name)\" not found",
                 details: details(type, name: name))
    }

    static func alreadyExists(_ type: ResourceType, _ name: String) -> APIError {
        APIError(code: 409, reason: "AlreadyExists", message: "\(type.qualifiedName) \"\(name)\" already exists",
                 details: details(type, name: name))
    }

    static func conflict(_ type: ResourceType, _ name: String) -> APIError {
        APIError(code: 409, reason: "Conflict",
                 message: "Operation cannot be fulfilled on \(type.qualifiedName) \"\(name)\": the object has been "
                     + "modified; please apply your changes to the latest version and try again",
                 details: details(type, name: name))
    }

    /// 422 with one cause per field problem, message built like apimachinery's `NewInvalid`.
    static func invalid(_ type: ResourceType, _ name: String, _ causes: [FieldError]) -> APIError {
        let qualifiedKind = type.group.isEmpty ? type.kind : type.kind + "." + type.group
        let list = causes.map { "\($0.field): \($0.message)" }
        let summary = list.count == 1 ? list[0] : "[" + list.joined(separator: ", ") + "]"
        var d = details(type, name: name, kind: type.kind)
        d["causes"] = .array(causes.map { ["reason": .string($0.reason), "message": .string($0.message),
                                           "field": .string($0.field)] })
        return APIError(code: 422, reason: "Invalid", message: "\(qualifiedKind) \"\(name)\" is invalid: \(summary)",
                        details: d)
    }

    static func forbidden(_ type: ResourceType, name: String?, user: String, verb: String, subresource: String?,
                          namespace: String?) -> APIError {
        let resource = subresource.map { type.plural + "/" + $0 } ?? type.plural
        let subject = name.map { "\(type.qualifiedName) \"\($0)\"" } ?? type.qualifiedName
        let scope = namespace.map { "in the namespace \"\($0)\"" } ?? "at the cluster scope"
        return APIError(code: 403, reason: "Forbidden",
                        message: "\(subject) is forbidden: User \"\(user)\" cannot \(verb) resource \"\(resource)\" "
                            + "in API group \"\(type.group)\" \(scope)",
                        details: details(type, name: name))
    }

    static let unauthorized = APIError(code: 401, reason: "Unauthorized", message: "Unauthorized")

    static func badRequest(_ message: String) -> APIError {
        APIError(code: 400, reason: "BadRequest", message: message)
    }

    static func methodNotAllowed() -> APIError {
        APIError(code: 405, reason: "MethodNotAllowed", message: "the server does not allow this method on the requested resource")
    }

    static func pathNotFound() -> APIError {
        APIError(code: 404, reason: "NotFound", message: "the server could not find the requested resource")
    }

    /// A PATCH media type the resource does not take: custom resources have no strategic merge patch.
    static func unsupportedMediaType(_ type: ResourceType) -> APIError {
        let strategic = type.isCustom ? "" : "application/strategic-merge-patch+json, "
        return APIError(code: 415, reason: "UnsupportedMediaType",
                        message: "the body of the request was in an unknown format - accepted media types include: "
                            + "application/json-patch+json, application/merge-patch+json, \(strategic)application/apply-patch+yaml")
    }

    /// What kube-apiserver answers for a media type a resource does not speak (as for custom
    /// resources and protobuf); client-go then retries in JSON.
    static let protobufUnsupported = APIError(
        code: 415, reason: "UnsupportedMediaType",
        message: "the body of the request was in an unknown format - accepted media types include: application/json, "
            + "application/yaml, application/apply-patch+yaml, application/json-patch+json, application/merge-patch+json")

    static let tooManyRequests = APIError(code: 429, reason: "TooManyRequests",
                                          message: "Too many requests, please try again later.",
                                          details: ["retryAfterSeconds": 1])

    static let internalError = APIError(code: 500, reason: "InternalError",
                                        message: "Internal error occurred: injected fault")

    static func gone(_ message: String) -> APIError { APIError(code: 410, reason: "Expired", message: message) }
}

/// One field problem inside a 422 Invalid, e.g. reason `FieldValueRequired` at `spec.runtimeRef`.
struct FieldError: Sendable, Equatable {
    let reason: String
    let field: String
    let message: String

    static func required(_ field: String, _ detail: String = "") -> FieldError {
        FieldError(reason: "FieldValueRequired", field: field, message: detail.isEmpty ? "Required value" : "Required value: \(detail)")
    }

    static func invalid(_ field: String, _ value: JSON, _ detail: String) -> FieldError {
        FieldError(reason: "FieldValueInvalid", field: field, message: "Invalid value: \(FieldError.render(value)): \(detail)")
    }

    static func notSupported(_ field: String, _ value: JSON, _ allowed: [JSON]) -> FieldError {
        let list = allowed.map(render).joined(separator: ", ")
        return FieldError(reason: "FieldValueNotSupported", field: field,
                          message: "Unsupported value: \(render(value)): supported values: \(list)")
    }

    static func tooMany(_ field: String, _ count: Int, _ max: Int) -> FieldError {
        FieldError(reason: "FieldValueTooMany", field: field, message: "Too many: \(count): must have at most \(max) items")
    }

    static func tooLong(_ field: String, _ max: Int) -> FieldError {
        FieldError(reason: "FieldValueTooLong", field: field, message: "Too long: may not be more than \(max) bytes")
    }

    static func immutable(_ field: String, _ value: JSON, _ message: String) -> FieldError {
        FieldError(reason: "FieldValueInvalid", field: field, message: "Invalid value: \(render(value)): \(message)")
    }

    /// Values print like Go's `%#v`-ish rendering the apiserver uses: strings quoted, objects as "object".
    static func render(_ value: JSON) -> String {
        switch value {
        case .string(let s): return "\"\(s)\""
        case .object: return "\"object\""
        case .array: return "\"array\""
        default: return value.serialized()
        }
    }
}
