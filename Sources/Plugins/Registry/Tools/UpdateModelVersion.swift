import PluginKit

extension RegistryTools {
    static let updateModelVersion = ToolDefinition(
        name: "update_model_version", title: "Update a model version",
        description: "Changes a model version's state (LIVE or ARCHIVED), description or metadata (merged into what it has; a null value removes a key), as ModelRegistryClient.update_model_version does. Previewed and confirmed like every write.",
        category: category, risk: .mutating, idempotent: true,
        input: Schema.object([
            "name": RegistryNames.modelSchema, "version": RegistryNames.versionSchema,
            "state": confirming(Schema.string("LIVE, or ARCHIVED to retire the version.", enum: ["LIVE", "ARCHIVED"])),
            "description": confirming(Schema.string("The version's new description.")),
            "metadata": confirming(Metadata.schema),
        ], required: ["name", "version"]),
        output: Schema.object(["version": RegistryViews.versionSchema, "updated": ["type": "boolean"]], additionalProperties: true)
    ) { call in
        let name = try RegistryNames.model(call), versionName = try RegistryNames.version(call)
        let state = try call.optionalString("state")
        if let state, !["LIVE", "ARCHIVED"].contains(state) {
            throw ToolError("state must be LIVE or ARCHIVED; got \(state).", field: "state")
        }
        let description = try call.optionalString("description")
        let changes = try Metadata.argument(call)
        guard state != nil || description != nil || call.arguments["metadata"] != nil else {
            throw ToolError("Nothing to change: give state, description or metadata.", field: "state")
        }
        let client = try RegistryClient(call: call)
        guard let version = try client.version(try client.requireModel(name), named: versionName) else {
            throw ToolError("\(name) has no version \(versionName); list_model_versions shows them.", field: "version")
        }
        var body: JSON = [:]
        if let state { body["state"] = .string(state) }
        if let description { body["description"] = .string(description) }
        if !changes.isEmpty || call.arguments["metadata"] != nil {
            // PATCH replaces customProperties whole, as the SDK sends them: merge here.
            var merged = version["customProperties"]?.object ?? [:]
            for (key, value) in Metadata.customProperties(changes).object ?? [:] { merged[key] = value }
            for (key, value) in changes where value == .null { merged[key] = nil }
            body["customProperties"] = .object(merged)
        }
        let summary = "Update \(name) version \(versionName): " + [state.map { "state \($0)" }, description.map { _ in "description" },
                                                                  changes.isEmpty ? nil : "metadata \(changes.keys.sorted().joined(separator: ", "))"]
            .compactMap { $0 }.joined(separator: ", ")
        let updated = try client.patch(RegistryClient.path("model_versions", version["id"]), body)
        if client.isDryRun {
            var preview = RegistryViews.version(version)
            preview["state"] = body["state"] ?? preview["state"] ?? .null
            if let description { preview["description"] = .string(description) }
            if body["customProperties"] != nil { preview["metadata"] = Metadata.plain(body["customProperties"]) }
            return ToolOutput(["version": preview, "updated": false], text: "Dry run: " + summary + ".", summary: summary)
        }
        return ToolOutput(["version": RegistryViews.version(updated), "updated": true], text: summary + ": done.")
    }
}
