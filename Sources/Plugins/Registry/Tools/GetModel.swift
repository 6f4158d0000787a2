import PluginKit

extension RegistryTools {
    static let getModel = ToolDefinition(
        name: "get_model", title: "Registered model",
        description: "One registered model (ModelRegistryClient.get_model) with its versions, each with its metadata and artifacts (URI, format). With version, only that version.",
        category: category, risk: .readOnly, idempotent: true,
        input: Schema.object(["name": RegistryNames.modelSchema, "version": RegistryNames.versionSchema], required: ["name"]),
        output: Schema.object(["model": RegistryViews.modelSchema, "versions": ["type": "array", "items": RegistryViews.versionSchema]],
                              additionalProperties: true)
    ) { call in
        let name = try RegistryNames.model(call)
        let only = try call.optionalString("version").map { try RegistryNames.check($0, field: "version", isModel: false) }
        let client = try RegistryClient(call: call)
        let model = try client.requireModel(name)
        var versions = try client.versions(of: model)
        if let only {
            versions = versions.filter { $0["name"]?.string == only }
            if versions.isEmpty { throw ToolError("\(name) has no version \(only); get_model without version lists them.", field: "version") }
        }
        let views: [JSON] = try versions.map { v in
            var view = RegistryViews.version(v)
            view["artifacts"] = .array(try client.artifacts(of: v).map(RegistryViews.artifact))
            return view
        }
        let lines = views.map { v in
            let uri = v["artifacts"]?.array?.first?["uri"]?.string ?? "no artifact"
            return "  \(v["name"]?.string ?? "?") (\(v["state"]?.string ?? "?")): \(uri)"
        }
        return ToolOutput(["model": RegistryViews.model(model), "versions": .array(views)],
                          text: "\(name) (id \(model["id"]?.string ?? "?")), \(views.count) version\(views.count == 1 ? "" : "s")" + (lines.isEmpty ? "." : ":\n" + lines.joined(separator: "\n")))
    }
}
