import Foundation
import KFJSON
import Yams

/// YAML text to KFJSON values (seed files and the bundled runtime manifests).
enum YAMLConversion {
    struct NotConvertible: Error, CustomStringConvertible {
        let description: String
    }

    static func documents(_ yaml: String) throws -> [JSON] {
        try Yams.load_all(yaml: yaml).compactMap { $0 }.map(json)
    }

    static func document(_ yaml: String) throws -> JSON {
        guard let value = try Yams.load(yaml: yaml) else { return .null }
        return try json(value)
    }

    static func json(_ value: Any) throws -> JSON {
        switch value {
        case let v as Bool: return .bool(v)
        case let v as Int: return .int(v)
        case let v as Double: return .double(v)
        case let v as String: return .string(v)
        case let v as [Any]: return .array(try v.map(json))
        case let v as [String: Any]: return .object(try v.mapValues(json))
        case let v as [AnyHashable: Any]:
            var out: [String: JSON] = [:]
            for (key, item) in v { out["\(key.base)"] = try json(item) }
            return .object(out)
        case is NSNull: return .null
        case let v as Date: return .string(Timestamp.rfc3339(v))
        default: throw NotConvertible(description: "unsupported YAML value: \(type(of: value))")
        }
    }
}
