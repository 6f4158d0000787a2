import KFJSON

/// The three kinds the Model Registry REST API v1alpha3 stores here, with the
/// fields each accepts on create and update (the server decodes with unknown
/// fields disallowed, so anything else is a 400).
enum RegistryKind: String, Sendable {
    case registeredModel, modelVersion, modelArtifact

    /// Collection path segment: /registered_models, /model_versions, /model_artifacts.
    var collection: String {
        switch self {
        case .registeredModel: return "registered_models"
        case .modelVersion: return "model_versions"
        case .modelArtifact: return "model_artifacts"
        }
    }

    /// Singular path segment of the find-by-parameters endpoint: /registered_model?name=...
    var finder: String { String(collection.dropLast()) }

    /// For messages, as the server words them.
    var noun: String {
        switch self {
        case .registeredModel: return "registered model"
        case .modelVersion: return "model version"
        case .modelArtifact: return "model artifact"
        }
    }

    static let base: Set<String> = ["customProperties", "description", "externalId"]

    /// RegisteredModelUpdate, ModelVersionUpdate, ModelArtifactUpdate.
    var updateFields: Set<String> {
        switch self {
        case .registeredModel:
            return Self.base.union(["owner", "state", "readme", "maturity", "language", "tasks", "provider", "logo",
                                    "license", "licenseLink", "libraryName"])
        case .modelVersion: return Self.base.union(["state", "author"])
        case .modelArtifact:
            return Self.base.union(["artifactType", "modelFormatName", "storageKey", "storagePath", "modelFormatVersion",
                                    "serviceAccountName", "modelSourceKind", "modelSourceClass", "modelSourceGroup",
                                    "modelSourceId", "modelSourceName", "uri", "state"])
        }
    }

    /// ...Create: the update fields, the name, and a version's parent.
    var createFields: Set<String> {
        self == .modelVersion ? updateFields.union(["name", "registeredModelId"]) : updateFields.union(["name"])
    }

    var requiredOnCreate: [String] {
        switch self {
        case .registeredModel: return ["name"]
        case .modelVersion: return ["name", "registeredModelId"]
        case .modelArtifact: return []
        }
    }

    /// Allowed `state` values: ModelVersionState/RegisteredModelState, or ArtifactState.
    var states: [String] {
        self == .modelArtifact ? ["UNKNOWN", "PENDING", "LIVE", "MARKED_FOR_DELETION", "DELETED", "ABANDONED", "REFERENCE"]
            : ["LIVE", "ARCHIVED"]
    }

    var defaultState: String { self == .modelArtifact ? "UNKNOWN" : "LIVE" }

    /// Fields that hold arrays of strings; every other accepted field is a string.
    static let stringArrays: Set<String> = ["language", "tasks"]
}

/// A rejected request: the HTTP status and the server's `Error` body
/// ({"code": "<status text>", "message": ...}).
struct RegistryError: Error, Sendable {
    let status: Int
    let message: String

    static func badRequest(_ message: String) -> RegistryError { RegistryError(status: 400, message: message) }
    static func notFound(_ message: String) -> RegistryError { RegistryError(status: 404, message: message) }
    static func conflict(_ message: String) -> RegistryError { RegistryError(status: 409, message: message) }

    var body: JSON {
        let text: String
        switch status {
        case 400: text = "Bad Request"
        case 404: text = "Not Found"
        case 405: text = "Method Not Allowed"
        case 409: text = "Conflict"
        default: text = "Internal Server Error"
        }
        return ["code": .string(text), "message": .string(message)]
    }
}

/// The checks the server's JSON decoding and its Assert*Required functions make.
enum RegistryValidation {
    static func check(_ body: JSON, kind: RegistryKind, creating: Bool) throws(RegistryError) {
        guard let fields = body.object else {
            throw .badRequest("json: cannot unmarshal \(typeName(body)) into Go value of type openapi.\(goType(kind, creating))")
        }
        let allowed = creating ? kind.createFields : kind.updateFields
        for key in fields.keys.sorted() where !allowed.contains(key) {
            throw .badRequest("json: unknown field \"\(key)\"")
        }
        for (key, value) in fields.sorted(by: { $0.key < $1.key }) where key != "customProperties" && value != .null {
            if RegistryKind.stringArrays.contains(key) {
                guard value.array?.allSatisfy({ $0.string != nil }) == true else {
                    throw .badRequest("json: cannot unmarshal \(typeName(value)) into Go struct field .\(key) of type []string")
                }
            } else if value.string == nil {
                throw .badRequest("json: cannot unmarshal \(typeName(value)) into Go struct field .\(key) of type string")
            }
        }
        if let state = fields["state"]?.string, !kind.states.contains(state) {
            throw .badRequest("invalid value '\(state)' for \(kind == .modelArtifact ? "ArtifactState" : (kind == .modelVersion ? "ModelVersionState" : "RegisteredModelState")): valid values are \(kind.states)")
        }
        if let type = fields["artifactType"]?.string, type != "model-artifact" {
            throw .badRequest("invalid artifactType '\(type)' for a model artifact: expected model-artifact")
        }
        if creating {
            for key in kind.requiredOnCreate where (fields[key]?.string ?? "").isEmpty {
                throw .badRequest("required field '\(key)' is zero value.")
            }
        }
        if let id = fields["registeredModelId"]?.string, !isID(id) {
            throw .badRequest("invalid registeredModelId '\(id)': must be a positive integer id")
        }
        if let custom = fields["customProperties"], custom != .null { try checkCustomProperties(custom) }
    }

    /// MetadataValue: a discriminated union on `metadataType`, each variant with
    /// exactly its own value field (additionalProperties: false).
    static func checkCustomProperties(_ value: JSON) throws(RegistryError) {
        guard let properties = value.object else {
            throw .badRequest("json: cannot unmarshal \(typeName(value)) into Go struct field .customProperties of type map[string]openapi.MetadataValue")
        }
        for (key, property) in properties.sorted(by: { $0.key < $1.key }) {
            guard let object = property.object, let type = object["metadataType"]?.string else {
                throw .badRequest("customProperties[\(key)]: failed to unmarshal JSON into MetadataValue: metadataType is missing")
            }
            let expected: (field: String, ok: (JSON) -> Bool)
            switch type {
            case "MetadataStringValue": expected = ("string_value", { $0.string != nil })
            case "MetadataIntValue": expected = ("int_value", { $0.string.map(isInt32String) ?? false })
            case "MetadataDoubleValue": expected = ("double_value", { $0.double != nil })
            case "MetadataBoolValue": expected = ("bool_value", { $0.bool != nil })
            case "MetadataStructValue": expected = ("struct_value", { $0.string != nil })
            case "MetadataProtoValue": expected = ("proto_value", { $0.string != nil })
            default:
                throw .badRequest("customProperties[\(key)]: failed to unmarshal JSON into MetadataValue: unknown metadataType '\(type)'")
            }
            guard let v = object[expected.field], expected.ok(v) else {
                throw .badRequest("customProperties[\(key)]: \(type) needs \(expected.field) of the right type")
            }
            let allowed: Set<String> = type == "MetadataProtoValue" ? ["metadataType", "proto_value", "type"] : ["metadataType", expected.field]
            if let extra = object.keys.sorted().first(where: { !allowed.contains($0) }) {
                throw .badRequest("customProperties[\(key)]: json: unknown field \"\(extra)\"")
            }
        }
    }

    /// `^-?([1-9][0-9]{0,8}|0)$`
    static func isInt32String(_ s: String) -> Bool {
        let digits = s.hasPrefix("-") ? s.dropFirst() : Substring(s)
        guard !digits.isEmpty, digits.count <= 9, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return false }
        return digits == "0" || digits.first != "0"
    }

    /// `^[1-9][0-9]{0,8}$`
    static func isID(_ s: String) -> Bool {
        !s.hasPrefix("-") && s != "0" && isInt32String(s)
    }

    private static func typeName(_ v: JSON) -> String {
        switch v {
        case .array: return "array"
        case .object: return "object"
        case .bool: return "bool"
        case .int, .double: return "number"
        case .null: return "null"
        default: return "string"
        }
    }

    private static func goType(_ kind: RegistryKind, _ creating: Bool) -> String {
        let name = kind == .registeredModel ? "RegisteredModel" : (kind == .modelVersion ? "ModelVersion" : "ModelArtifact")
        return name + (creating ? "Create" : "Update")
    }
}
