import PluginKit

/// Metadata as the SDK gives it (bool, int, float, str) ↔ the registry's
/// `customProperties` (MetadataValue, discriminated by `metadataType`).
/// Anything else (lists, objects) is kept as JSON text in a string value.
enum Metadata {
    static func customProperties(_ metadata: [String: JSON]) -> JSON {
        .object(metadata.compactMapValues { value -> JSON? in
            switch value {
            case .null: return nil
            case .bool(let b): return ["metadataType": "MetadataBoolValue", "bool_value": .bool(b)]
            case .int(let i) where abs(i) <= 999_999_999:
                return ["metadataType": "MetadataIntValue", "int_value": .string(String(i))]
            case .int(let i): return ["metadataType": "MetadataDoubleValue", "double_value": .double(Double(i))]
            case .double(let d): return ["metadataType": "MetadataDoubleValue", "double_value": .double(d)]
            case .string(let s): return ["metadataType": "MetadataStringValue", "string_value": .string(s)]
            case .array, .object: return ["metadataType": "MetadataStringValue", "string_value": .string(value.serialized())]
            }
        })
    }

    /// customProperties back to plain values (what the SDK's models show).
    static func plain(_ customProperties: JSON?) -> JSON {
        .object((customProperties?.object ?? [:]).mapValues { v in
            switch v["metadataType"]?.string {
            case "MetadataBoolValue": return v["bool_value"] ?? .null
            case "MetadataIntValue": return v["int_value"]?.string.flatMap { Int($0) }.map { .int($0) } ?? .null
            case "MetadataDoubleValue": return v["double_value"] ?? .null
            case "MetadataStringValue": return v["string_value"] ?? .null
            default: return v
            }
        })
    }

    /// The `metadata` argument: an object of scalars (or JSON kept as text).
    static func argument(_ call: ToolCall, _ field: String = "metadata") throws -> [String: JSON] {
        guard let value = call.arguments[field], !value.isNull else { return [:] }
        guard let object = value.object else { throw ToolError("\(field) must be an object of names to values.", field: field) }
        for key in object.keys where !isKey(key) {
            throw ToolError("\(field) key '\(key)' must be 1 to 128 letters, digits, '_', '-', '.' or '/'.", field: field)
        }
        return object
    }

    static func isKey(_ s: String) -> Bool {
        !s.isEmpty && s.utf8.count <= 128 && s.utf8.allSatisfy { b in
            (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39) || b == 0x2D || b == 0x2E || b == 0x5F || b == 0x2F
        }
    }

    static let schema = Schema.map("Metadata of the version: names to strings, numbers or booleans (e.g. base_model, dataset, method, learning_rate, final_loss); lists and objects are kept as JSON text.")
}
