import Foundation
import KFJSON

/// The built-in kinds `deploy/kubernetes` is made of, checked as kube-apiserver
/// checks them: decoded into their Go types first (a value of the wrong JSON
/// type is a 400 decode error), then pruned against their schema (unknown
/// fields: 400 under strict validation, as for CRDs), then validated (a
/// missing required field, a Deployment whose selector does not select its
/// template: 422). The schemas come from the official Python client's models
/// (`scripts/k8s-schemas` writes `schemas/builtin.json`).
struct BuiltinSchemas: Sendable {
    let validators: [String: SchemaValidator]

    static func loadBundled() throws -> BuiltinSchemas {
        let file = try JSON.parse(utf8: try BundledResources.data("schemas/builtin.json"))
        let definitions = file["definitions"]?.object ?? [:]
        var validators: [String: SchemaValidator] = [:]
        for type in ResourceCatalog.deploymentKinds + [ResourceCatalog.serviceAccounts] {
            guard let model = file["kinds"]?[type.plural]?.string, let root = definitions[model] else { continue }
            validators[type.storeKey] = SchemaValidator(root: root, definitions: definitions)
        }
        return BuiltinSchemas(validators: validators)
    }

    /// The first value Go's JSON decoding would refuse, as kube-apiserver words it (400).
    static func decodeError(_ type: ResourceType, _ object: JSON, validator: SchemaValidator) throws(APIError) {
        let root = validator.resolve(validator.root)
        guard let message = GoDecoding.firstError(object, schema: root, validator: validator,
                                                  owner: root["x-go-struct"]?.string ?? type.kind, path: []) else { return }
        throw APIError.badRequest("\(type.kind) in version \"\(type.version)\" cannot be handled as a \(type.kind): \(message)")
    }

    /// What apps/v1 and policy/v1 validation adds to the schema (k8s.io/kubernetes pkg/apis/*/validation).
    static func semanticErrors(_ type: ResourceType, _ object: JSON) -> [FieldError] {
        switch type {
        case ResourceCatalog.deployments: return deploymentErrors(object)
        case ResourceCatalog.podDisruptionBudgets: return disruptionBudgetErrors(object)
        default: return []
        }
    }

    private static func deploymentErrors(_ object: JSON) -> [FieldError] {
        var errors: [FieldError] = []
        let spec = object["spec"] ?? [:]
        if let replicas = spec["replicas"]?.int, replicas < 0 {
            errors.append(.invalid("spec.replicas", .int(replicas), "must be greater than or equal to 0"))
        }
        guard let selector = spec["selector"], selector != .null else { return errors }  // required: the schema said so
        let labels = spec["template"]?["metadata"]?["labels"]?.object ?? [:]
        let matchLabels = selector["matchLabels"]?.object ?? [:]
        let expressions = selector["matchExpressions"]?.array ?? []
        if matchLabels.isEmpty && expressions.isEmpty {
            errors.append(FieldError(reason: "FieldValueInvalid", field: "spec.selector",
                                     message: "Invalid value: \(goSelector(selector)): empty selector is invalid for deployment"))
        } else if !LabelSelection.matches(matchLabels: matchLabels, expressions: expressions, labels: labels) {
            errors.append(FieldError(reason: "FieldValueInvalid", field: "spec.template.metadata.labels",
                                     message: "Invalid value: \(goMap(labels)): `selector` does not match template `labels`"))
        }
        return errors
    }

    private static func disruptionBudgetErrors(_ object: JSON) -> [FieldError] {
        let spec = object["spec"] ?? [:]
        guard spec["minAvailable"] != nil && spec["maxUnavailable"] != nil else { return [] }
        return [FieldError(reason: "FieldValueInvalid", field: "spec",
                           message: "Invalid value: policy.PodDisruptionBudgetSpec{...}: minAvailable and maxUnavailable cannot be both set")]
    }

    /// Go's `%#v` of a map[string]string, as apps validation prints template labels.
    static func goMap(_ labels: [String: JSON]) -> String {
        "map[string]string{" + labels.keys.sorted().map { "\"\($0)\":\"\(labels[$0]?.string ?? "")\"" }.joined(separator: ", ") + "}"
    }

    private static func goSelector(_ selector: JSON) -> String {
        let labels = selector["matchLabels"]?.object
        return "v1.LabelSelector{MatchLabels:" + (labels.map(goMap) ?? "map[string]string(nil)")
            + ", MatchExpressions:[]v1.LabelSelectorRequirement(nil)}"
    }
}

/// A label selector (metav1.LabelSelector) against a set of labels.
enum LabelSelection {
    static func matches(matchLabels: [String: JSON], expressions: [JSON], labels: [String: JSON]) -> Bool {
        for (key, value) in matchLabels where labels[key] != value { return false }
        for expression in expressions {
            let key = expression["key"]?.string ?? ""
            let values = (expression["values"]?.array ?? []).compactMap(\.string)
            let label = labels[key]?.string
            switch expression["operator"]?.string {
            case "In": if label.map(values.contains) != true { return false }
            case "NotIn": if let label, values.contains(label) { return false }
            case "Exists": if label == nil { return false }
            case "DoesNotExist": if label != nil { return false }
            default: return false
            }
        }
        return true
    }
}

/// Go's encoding/json on a built-in kind: the first value whose JSON type the Go field cannot hold.
enum GoDecoding {
    /// `owner`: the Go struct holding the field; `path`: JSON field names from the root (no indices or map keys, as Go prints it).
    static func firstError(_ value: JSON, schema: JSON, validator: SchemaValidator, owner: String, path: [String]) -> String? {
        let schema = validator.resolve(schema)
        if value == .null || schema["x-kubernetes-int-or-string"]?.bool == true { return nil }
        if let expected = schema["type"]?.string, !fits(value, expected) {
            return "json: cannot unmarshal \(word(value)) into Go struct field \(owner).\(path.joined(separator: ".")) "
                + "of type \(goType(schema, validator))"
        }
        switch value {
        case .object(let fields):
            let properties = schema["properties"]?.object
            let inner = schema["x-go-struct"]?.string ?? owner
            for key in fields.keys.sorted() {
                let child: JSON? = properties?[key] ?? schema["additionalProperties"]
                guard let child, child.object != nil else { continue }  // unknown: pruned (strict: reported) later
                let childOwner = properties == nil ? owner : inner
                let childPath = properties == nil ? path : path + [key]
                if let error = firstError(fields[key]!, schema: child, validator: validator, owner: childOwner, path: childPath) {
                    return error
                }
            }
        case .array(let items):
            guard let itemSchema = schema["items"] else { return nil }
            for item in items {
                if let error = firstError(item, schema: itemSchema, validator: validator, owner: owner, path: path) { return error }
            }
        default: break
        }
        return nil
    }

    private static func fits(_ value: JSON, _ type: String) -> Bool {
        switch (type, value) {
        case ("object", .object), ("array", .array), ("string", .string), ("boolean", .bool), ("integer", .int): return true
        case ("integer", .double(let d)): return d.rounded() == d
        case ("number", .int), ("number", .double): return true
        default: return false
        }
    }

    private static func word(_ value: JSON) -> String {
        switch value {
        case .string: return "string"
        case .bool: return "bool"
        case .int: return "number"
        case .double(let d): return "number \(d)"
        case .object: return "object"
        case .array: return "array"
        default: return "null"
        }
    }

    private static func goType(_ schema: JSON, _ validator: SchemaValidator) -> String {
        let schema = validator.resolve(schema)
        if let go = schema["x-go-type"]?.string { return go }
        if let name = schema["x-go-struct"]?.string { return "v1.\(name)" }
        if schema["type"]?.string == "array", let items = schema["items"] { return "[]" + goType(items, validator) }
        if let values = schema["additionalProperties"], values.object != nil { return "map[string]" + goType(values, validator) }
        return "interface {}"
    }
}
