import PluginKit

extension RegistryTools {
    static let listModelVersions = ToolDefinition(
        name: "list_model_versions", title: "List model versions",
        description: "The versions of a registered model (ModelRegistryClient.list_model_versions): name, state (LIVE or ARCHIVED), author, description, metadata.",
        category: category, risk: .readOnly, idempotent: true,
        input: Schema.object(["name": RegistryNames.modelSchema], required: ["name"]),
        output: Schema.object(["name": ["type": "string"], "count": ["type": "integer"],
                               "versions": ["type": "array", "items": RegistryViews.versionSchema]], additionalProperties: true)
    ) { call in
        let name = try RegistryNames.model(call)
        let client = try RegistryClient(call: call)
        let versions = try client.versions(of: try client.requireModel(name)).map(RegistryViews.version)
        let text = versions.isEmpty ? "\(name) has no versions." : versions.map { v in
            "\(v["name"]?.string ?? "?") (\(v["state"]?.string ?? "?"))" + (v["description"]?.string.map { ": \($0)" } ?? "")
        }.joined(separator: "\n")
        return ToolOutput(["name": .string(name), "count": .int(versions.count), "versions": .array(versions)], text: text)
    }
}
