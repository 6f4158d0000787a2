import PluginKit

extension RegistryTools {
    static let listModels = ToolDefinition(
        name: "list_models", title: "List registered models",
        description: "The models in the Kubeflow Model Registry (ModelRegistryClient.list_models): id, name, state, owner, description. get_model shows one with its versions and artifacts.",
        category: category, risk: .readOnly, idempotent: true,
        input: Schema.object(["doctor": doctorFlag]),
        output: Schema.object(["count": ["type": "integer"], "models": ["type": "array", "items": RegistryViews.modelSchema],
                               "registry": ["type": "string"], "checks": ["type": "array"]], additionalProperties: true)
    ) { call in
        let client = try RegistryClient(call: call)
        if try call.optionalBool("doctor") == true {
            // doctor: one line saying which registry is in use and whether it answers.
            let answer = Result { try client.list("registered_models") }
            let check: JSON
            switch answer {
            case .success(let models):
                check = ["ok": true, "text": .string("Model Registry at \(client.endpoint): answers (\(models.count) registered model\(models.count == 1 ? "" : "s"))")]
            case .failure(let error):
                check = ["ok": false, "text": .string("\(error)")]  // the sentence names the registry
            }
            return ToolOutput(["registry": .string(client.endpoint), "checks": [check]], text: check["text"]?.string)
        }
        let models = try client.list("registered_models").map(RegistryViews.model)
        let text = models.isEmpty ? "No models are registered." : models.map { m in
            "\(m["name"]?.string ?? "?") (id \(m["id"]?.string ?? "?"), \(m["state"]?.string ?? "?"))"
        }.joined(separator: "\n")
        return ToolOutput(["count": .int(models.count), "models": .array(models), "registry": .string(client.endpoint)], text: text)
    }

    /// `kubeflow-mcp doctor` sets it (the "x-kfmcp-doctor" convention).
    static let doctorFlag: JSON = {
        var flag = Schema.boolean("Only report, as `checks`, which Model Registry is in use and whether it answers.")
        flag["x-kfmcp-doctor"] = true
        return flag
    }()
}
