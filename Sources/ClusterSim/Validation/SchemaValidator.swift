import Foundation
import KFJSON

/// Validates an object against a CRD's `openAPIV3Schema` the way kube-apiserver's
/// structural-schema pipeline does, in one walk:
/// drop non-nullable nulls → apply defaults → prune unknown fields → check types,
/// required, enum, bounds, lengths, item counts, patterns, and the simple CEL rules.
///
/// Integral floats become integers on the way through: the apiserver decodes `4.0`
/// into float64 and writes it back as `4`, and the Kubeflow SDK sends `{"nvidia.com/gpu": 4.0}`.
struct SchemaValidator: Sendable {
    let root: JSON
    /// Schemas a `{"$ref": name}` stands for (the built-in kinds' shared types, see BuiltinSchemas).
    var definitions: [String: JSON] = [:]

    /// Returns the object as it would be stored, plus every problem found.
    func validate(_ object: JSON, old: JSON?) -> (JSON, [FieldError]) {
        var errors: [FieldError] = []
        var result = walk(object, schema: root, old: old, path: [], errors: &errors)
        // The root schema says only `type: object` for metadata; the apiserver handles it itself.
        if let metadata = object["metadata"] { result["metadata"] = metadata }
        rules(root, value: result, old: old, path: [], errors: &errors)
        return (result, errors)
    }

    private func walk(_ value: JSON, schema: JSON, old: JSON?, path: [String], errors: inout [FieldError]) -> JSON {
        let schema = resolve(schema)
        let field = path.joined(separator: ".")
        let value = Self.normalizeNumber(value)
        let type = schema["type"]?.string
        let intOrString = schema["x-kubernetes-int-or-string"]?.bool == true
        let preserve = schema["x-kubernetes-preserve-unknown-fields"]?.bool == true

        if intOrString {
            switch value {
            case .int, .string: break
            default: errors.append(typeError(field, value, "integer or string")); return value
            }
        } else if let type, !Self.matches(value, type) {
            errors.append(typeError(field, value, type))
            return value
        }

        var result = value
        switch value {
        case .object(let object):
            var out: [String: JSON] = [:]
            let properties = schema["properties"]?.object
            let additional = schema["additionalProperties"]
            for (key, child) in object {
                if child == .null, schema["properties"]?[key]?["nullable"]?.bool != true, properties != nil { continue }
                if let childSchema = properties?[key] {
                    out[key] = walk(child, schema: childSchema, old: old?[key], path: path + [key], errors: &errors)
                } else if let additional, additional.object != nil {
                    out[key] = walk(child, schema: additional, old: old?[key], path: path + [key], errors: &errors)
                } else if preserve || properties == nil || path.isEmpty && key == "metadata" {
                    out[key] = Self.normalizeDeep(child)
                }
                // Otherwise: an unknown field, pruned silently like the apiserver does.
            }
            for (key, childSchema) in properties ?? [:] where out[key] == nil {
                if let def = childSchema["default"] { out[key] = def }
            }
            for case .string(let key) in schema["required"]?.array ?? [] where out[key] == nil {
                errors.append(.required((path + [key]).joined(separator: ".")))
            }
            if let max = schema["maxProperties"]?.int, out.count > max {
                errors.append(FieldError(reason: "FieldValueTooMany", field: field,
                                         message: "Too many: \(out.count): must have at most \(max) items"))
            }
            result = .object(out)
        case .array(let items):
            if let max = schema["maxItems"]?.int, items.count > max {
                errors.append(.tooMany(field, items.count, max))
            }
            if let min = schema["minItems"]?.int, items.count < min {
                errors.append(.invalid(field, value, "\(field) in body should have at least \(min) items"))
            }
            errors += Self.duplicates(items, schema: schema, path: path)
            if let itemSchema = schema["items"] {
                let oldItems = old?.array
                result = .array(items.enumerated().map { i, item in
                    let oldItem = oldItems.flatMap { $0.indices.contains(i) ? $0[i] : nil }
                    return walk(item, schema: itemSchema, old: oldItem, path: path.dropLast() + [(path.last ?? "") + "[\(i)]"],
                                errors: &errors)
                })
            }
        case .string(let s):
            if let max = schema["maxLength"]?.int, s.utf8.count > max { errors.append(.tooLong(field, max)) }
            if let min = schema["minLength"]?.int, s.utf8.count < min {
                errors.append(.invalid(field, value, "\(field) in body should be at least \(min) chars long"))
            }
            if let pattern = schema["pattern"]?.string, !RegexCache.matches(s, pattern) {
                errors.append(.invalid(field, value, "\(field) in body should match '\(pattern)'"))
            }
        case .int, .double:
            let number = value.double ?? 0
            if let min = schema["minimum"]?.double, number < min {
                errors.append(.invalid(field, value, "\(field) in body should be greater than or equal to \(Self.bound(schema["minimum"]!))"))
            }
            if let max = schema["maximum"]?.double, number > max {
                errors.append(.invalid(field, value, "\(field) in body should be less than or equal to \(Self.bound(schema["maximum"]!))"))
            }
        default: break
        }
        if let allowed = schema["enum"]?.array, !allowed.contains(result) {
            errors.append(.notSupported(field, result, allowed))
        }
        if !path.isEmpty { rules(schema, value: result, old: old, path: path, errors: &errors) }
        return result
    }

    func resolve(_ schema: JSON) -> JSON {
        schema["$ref"]?.string.flatMap { definitions[$0] } ?? schema
    }

    /// The `x-kubernetes-validations` simple enough to run without a CEL interpreter.
    /// Rules not recognised here are skipped (the real server would evaluate them).
    private func rules(_ schema: JSON, value: JSON, old: JSON?, path: [String], errors: inout [FieldError]) {
        guard let rules = schema["x-kubernetes-validations"]?.array else { return }
        let field = path.isEmpty ? "<nil>" : path.joined(separator: ".")
        for rule in rules {
            guard let text = rule["rule"]?.string else { continue }
            let message = rule["message"]?.string ?? "failed rule: \(text)"
            if let ok = CELSubset.evaluate(text, value: value, old: old), !ok {
                errors.append(FieldError(reason: "FieldValueInvalid", field: field,
                                         message: "Invalid value: \"\(Self.celTypeName(value))\": \(message)"))
            }
        }
    }

    /// `x-kubernetes-list-type: map` (items unique by their `x-kubernetes-list-map-keys`) and `set`
    /// (unique values), reported per repeated item the way kube-apiserver's listtype validation does:
    /// `spec.trainer.env[1]: Duplicate value: map[string]interface {}{"name":"A"}`.
    static func duplicates(_ items: [JSON], schema: JSON, path: [String]) -> [FieldError] {
        let listType = schema["x-kubernetes-list-type"]?.string
        guard listType == "map" || listType == "set" else { return [] }
        let keys = (schema["x-kubernetes-list-map-keys"]?.array ?? []).compactMap(\.string)
        var seen = Set<String>()
        var errors: [FieldError] = []
        for (i, item) in items.enumerated() {
            let identity: String
            let shown: String
            if listType == "map" {
                let present = keys.filter { item[$0] != nil }
                identity = present.map { "\($0)=\(item[$0]!.serialized())" }.joined(separator: ",")
                shown = "map[string]interface {}{" + present.map { "\"\($0)\":\(goValue(item[$0]!))" }
                    .joined(separator: ", ") + "}"
            } else {
                identity = item.serialized()
                shown = goValue(item)
            }
            if !seen.insert(identity).inserted {
                let field = (path.dropLast() + [(path.last ?? "") + "[\(i)]"]).joined(separator: ".")
                errors.append(FieldError(reason: "FieldValueDuplicate", field: field, message: "Duplicate value: \(shown)"))
            }
        }
        return errors
    }

    /// Go's `%#v` of a decoded JSON scalar: `"A"`, `1`, `true`.
    private static func goValue(_ value: JSON) -> String {
        switch value {
        case .string(let s): return "\"\(s)\""
        case .int(let i): return "\(i)"
        default: return value.serialized()
        }
    }

    private func typeError(_ field: String, _ value: JSON, _ type: String) -> FieldError {
        .invalid(field, .string(value.typeName), "\(field) in body must be of type \(type): \"\(value.typeName)\"")
    }

    private static func matches(_ value: JSON, _ type: String) -> Bool {
        switch (type, value) {
        case ("object", .object), ("array", .array), ("string", .string), ("boolean", .bool): return true
        case ("integer", .int): return true
        case ("number", .int), ("number", .double): return true
        default: return false
        }
    }

    private static func normalizeNumber(_ value: JSON) -> JSON {
        if case .double(let d) = value, d.rounded() == d, abs(d) < 9e15 { return .int(Int(d)) }
        return value
    }

    private static func normalizeDeep(_ value: JSON) -> JSON {
        switch value {
        case .double: return normalizeNumber(value)
        case .array(let a): return .array(a.map(normalizeDeep))
        case .object(let o): return .object(o.mapValues(normalizeDeep))
        default: return value
        }
    }

    private static func bound(_ value: JSON) -> String {
        if let i = value.int { return String(i) }
        return value.serialized()
    }

    private static func celTypeName(_ value: JSON) -> String {
        switch value {
        case .object: return "object"
        case .array: return "array"
        case .string: return "string"
        case .int: return "integer"
        case .double: return "number"
        case .bool: return "boolean"
        case .null: return "null"
        }
    }
}

/// The handful of CEL rule shapes the Trainer CRDs use. `nil` means "not understood, skip".
enum CELSubset {
    static func evaluate(_ rule: String, value: JSON, old: JSON?) -> Bool? {
        let rule = rule.trimmingCharacters(in: .whitespaces)
        if rule == "self == oldSelf" {
            guard let old else { return true }  // transition rules only run on update
            return value == old
        }
        if rule.hasPrefix("has(self."), rule.hasSuffix(")") {
            let key = String(rule.dropFirst("has(self.".count).dropLast())
            return value[key] != nil
        }
        if rule.hasPrefix("self.metadata.name.matches('"), rule.hasSuffix("')") {
            let pattern = String(rule.dropFirst("self.metadata.name.matches('".count).dropLast(2))
            return RegexCache.matches(value["metadata"]?["name"]?.string ?? "", pattern)
        }
        if rule.hasPrefix("size(self.metadata.name) <= "), let max = Int(rule.split(separator: " ").last ?? "") {
            return (value["metadata"]?["name"]?.string ?? "").count <= max
        }
        if rule.hasPrefix("self == '' || self.matches('"), rule.hasSuffix("')") {
            let pattern = String(rule.dropFirst("self == '' || self.matches('".count).dropLast(2))
            let s = value.string ?? ""
            return s.isEmpty || RegexCache.matches(s, pattern)
        }
        if rule.hasPrefix("self in ["), rule.hasSuffix("]") {
            let list = rule.dropFirst("self in [".count).dropLast()
            let allowed = list.split(separator: ",").map {
                $0.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "'\""))
            }
            return value.string.map(allowed.contains)
        }
        return nil
    }
}

/// Compiled regular expressions, shared: schema patterns repeat across every object.
enum RegexCache {
    private static let cache = Locked([String: NSRegularExpression]())

    static func matches(_ text: String, _ pattern: String) -> Bool {
        let regex = cache.withLock { c -> NSRegularExpression? in
            if let r = c[pattern] { return r }
            let r = try? NSRegularExpression(pattern: pattern)
            c[pattern] = r
            return r
        }
        guard let regex else { return true }
        let range = NSRange(text.startIndex..., in: text)
        return regex.firstMatch(in: text, range: range) != nil
    }
}
