import Foundation
import KFJSON

/// What the apiserver checks before storing an object: the name, then the CRD schema.
struct Admission: Sendable {
    /// Schema validators by resource store key (the Trainer CRDs).
    let validators: [String: SchemaValidator]
    /// The built-in kinds of deploy/kubernetes (Deployment, PodDisruptionBudget, Service, …).
    var builtins = BuiltinSchemas(validators: [:])

    /// Loads the bundled `openAPIV3Schema` of each Trainer CRD (JSON, converted once from
    /// the v2.3.0 CRD YAML with descriptions dropped, so startup stays fast in debug builds).
    static func loadBundled() throws -> Admission {
        var validators: [String: SchemaValidator] = [:]
        for type in [ResourceCatalog.trainJobs, ResourceCatalog.trainingRuntimes, ResourceCatalog.clusterTrainingRuntimes] {
            let data = try BundledResources.data("schemas/\(type.plural).json")
            let crd = try JSON.parse(utf8: data)
            guard let schema = crd["openAPIV3Schema"] else { continue }
            validators[type.storeKey] = SchemaValidator(root: schema)
        }
        return Admission(validators: validators, builtins: try BuiltinSchemas.loadBundled())
    }

    /// Returns the object to store (defaulted, pruned) or throws 422 Invalid.
    func admit(_ type: ResourceType, _ object: JSON, old: JSON?) throws(APIError) -> JSON {
        let name = object.name
        var errors: [FieldError] = []
        if name.isEmpty {
            errors.append(.required("metadata.name", "name or generateName is required"))
        } else if !Admission.isDNSSubdomain(name) && type.kind != "Event" && type != ResourceCatalog.namespaces {
            errors.append(.invalid("metadata.name", .string(name),
                                   "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, "
                                       + "'-' or '.', and must start and end with an alphanumeric character (e.g. "
                                       + "'example.com', regex used for validation is "
                                       + "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"))
        }
        errors += MetadataValidation.errors(object, type: type)
        var result = object
        if let builtin = builtins.validators[type.storeKey] {
            try BuiltinSchemas.decodeError(type, object, validator: builtin)
            let (validated, schemaErrors) = builtin.validate(object, old: old)
            result = validated
            errors += schemaErrors + BuiltinSchemas.semanticErrors(type, validated)
        } else if let validator = validators[type.storeKey] {
            let (validated, schemaErrors) = validator.validate(object, old: old)
            result = validated
            errors += schemaErrors
        }
        if !errors.isEmpty { throw APIError.invalid(type, name, errors) }
        if type.kind == "Secret" { result = Admission.foldStringData(result) }
        return result
    }

    /// Like the API server: a Secret's write-only `stringData` is merged into
    /// `data` (base64) and never stored or returned.
    static func foldStringData(_ secret: JSON) -> JSON {
        guard let strings = secret["stringData"]?.object else { return secret }
        var out = secret
        var data = secret["data"]?.object ?? [:]
        for (key, value) in strings {
            data[key] = .string(Data((value.string ?? value.serialized()).utf8).base64EncodedString())
        }
        out["data"] = .object(data)
        out["stringData"] = nil
        return out
    }

    static func isDNSSubdomain(_ name: String) -> Bool {
        name.count <= 253 && RegexCache.matches(name, "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
    }
}
