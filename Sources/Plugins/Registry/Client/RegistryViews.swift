import PluginKit

/// What the tools return for registry records: the SDK's attribute names
/// (snake_case), metadata as plain values.
enum RegistryViews {
    static func model(_ m: JSON) -> JSON {
        ["id": m["id"] ?? .null, "name": m["name"] ?? .null, "state": m["state"] ?? .null, "owner": m["owner"] ?? .null,
         "description": m["description"] ?? .null, "create_time_since_epoch": m["createTimeSinceEpoch"] ?? .null,
         "metadata": Metadata.plain(m["customProperties"])]
    }

    static func version(_ v: JSON) -> JSON {
        ["id": v["id"] ?? .null, "name": v["name"] ?? .null, "state": v["state"] ?? .null, "author": v["author"] ?? .null,
         "description": v["description"] ?? .null, "registered_model_id": v["registeredModelId"] ?? .null,
         "create_time_since_epoch": v["createTimeSinceEpoch"] ?? .null, "metadata": Metadata.plain(v["customProperties"])]
    }

    static func artifact(_ a: JSON) -> JSON {
        ["id": a["id"] ?? .null, "name": a["name"] ?? .null, "uri": a["uri"] ?? .null, "state": a["state"] ?? .null,
         "model_format_name": a["modelFormatName"] ?? .null, "model_format_version": a["modelFormatVersion"] ?? .null,
         "storage_key": a["storageKey"] ?? .null, "storage_path": a["storagePath"] ?? .null]
    }

    // Output schemas (what every tool declares).
    static let modelSchema: JSON = ["type": "object", "properties": [
        "id": ["type": "string"], "name": ["type": "string"], "state": ["type": "string"], "owner": ["type": ["string", "null"]],
        "description": ["type": ["string", "null"]], "metadata": ["type": "object"],
    ]]
    static let artifactSchema: JSON = ["type": "object", "properties": [
        "id": ["type": "string"], "name": ["type": ["string", "null"]], "uri": ["type": ["string", "null"]],
        "model_format_name": ["type": ["string", "null"]], "model_format_version": ["type": ["string", "null"]],
    ]]
    static let versionSchema: JSON = ["type": "object", "properties": [
        "id": ["type": "string"], "name": ["type": "string"], "state": ["type": "string", "enum": ["LIVE", "ARCHIVED"]],
        "author": ["type": ["string", "null"]], "description": ["type": ["string", "null"]], "metadata": ["type": "object"],
        "artifacts": ["type": "array", "items": artifactSchema],
    ]]
}

/// Finding records by name, as the SDK does (find endpoints, then ids).
extension RegistryClient {
    func model(named name: String) throws -> JSON? { try find("registered_model", query: ["name": name]) }

    func requireModel(_ name: String) throws -> JSON {
        guard let model = try model(named: name) else {
            throw ToolError("No registered model is named \(name); list_models shows the names.", field: "name")
        }
        return model
    }

    func version(_ model: JSON, named version: String) throws -> JSON? {
        guard let id = model["id"]?.string else { return nil }
        return try find("model_version", query: ["name": version, "parentResourceId": id])
    }

    func versions(of model: JSON) throws -> [JSON] { try list(Self.path("registered_models", model["id"], "versions")) }

    func artifacts(of version: JSON) throws -> [JSON] { try list(Self.path("model_versions", version["id"], "artifacts")) }
}
