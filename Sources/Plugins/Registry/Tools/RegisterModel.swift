import PluginKit

extension RegistryTools {
    static let registerModel = ToolDefinition(
        name: "register_model", title: "Register a model",
        description: "Registers a model version and its artifact in the Kubeflow Model Registry, as ModelRegistryClient.register_model does (the model is created if new; the version must be new). Given a completed job_id (a TrainJob, or the best trial's TrainJob from get_experiment_status) it fills the URI from the job's newest checkpoint on a PVC (pvc://claim/path) and the metadata from the job: base model, dataset, runtime, method, trial and hyperparameters, final metrics. Previewed and confirmed like every write.",
        category: category, risk: .mutating,
        input: Schema.object([
            "name": RegistryNames.modelSchema,
            "version": RegistryNames.versionSchema,
            "uri": confirming(Schema.string("The artifact's URI in remote storage (s3://, pvc://, oci://, hf://, gs://, https://); default, with job_id, the job's newest checkpoint on a PVC.")),
            "model_format_name": Schema.string("Model format, used by KServe to choose a serving runtime, e.g. pytorch, safetensors, onnx."),
            "model_format_version": Schema.string("Version of the model format, e.g. 2.0."),
            "version_description": Schema.string("Description of the version."),
            "author": Schema.string("Author of the version; default the caller's identity."),
            "owner": Schema.string("Owner of the model, when it is new; default the caller's identity."),
            "metadata": Metadata.schema,
            "job_id": confirming(Schema.name("A completed TrainJob whose model this is: fills uri, name, version and metadata.", for: .trainJobs)),
            "namespace": Schema.namespace,
        ]),
        output: Schema.object(["model": RegistryViews.modelSchema, "version": RegistryViews.versionSchema,
                               "artifact": RegistryViews.artifactSchema, "registered": ["type": "boolean"],
                               "plan": ["type": "object", "description": "In a preview: what would be registered."]],
                              additionalProperties: true)
    ) { call in
        let plan = try RegistrationPlan(call)
        let client = try RegistryClient(call: call)
        let existing = try client.model(named: plan.name)
        if let existing, try client.version(existing, named: plan.version) != nil {
            throw ToolError("\(plan.name) already has a version \(plan.version); choose another version (list_model_versions shows them).",
                            field: "version")
        }
        let summary = "Register \(plan.name) version \(plan.version) (\(plan.uri))" + (existing == nil ? ", a new model" : "")
        let model = try existing ?? client.create("registered_models", plan.modelBody)
        var versionBody = plan.versionBody
        versionBody["registeredModelId"] = model["id"] ?? .null
        let version = try client.create("model_versions", versionBody)
        let artifact = try client.create(client.at("model_versions", version["id"], "artifacts"), plan.artifactBody)
        if client.isDryRun {
            let preview: JSON = ["registered": false, "model_exists": .bool(existing != nil), "plan": plan.json]
            return ToolOutput(preview, text: "Dry run: " + summary + ".", summary: summary)
        }
        var versionView = RegistryViews.version(version)
        versionView["artifacts"] = [RegistryViews.artifact(artifact)]
        return ToolOutput(["model": RegistryViews.model(model), "version": versionView, "artifact": RegistryViews.artifact(artifact),
                           "registered": true, "notes": .array(plan.notes.map { .string($0) })],
                          text: "Registered \(plan.name) version \(plan.version) (model id \(model["id"]?.string ?? "?"), version id \(version["id"]?.string ?? "?")): \(plan.uri).")
    }
}

/// The three records register_model writes, as the SDK writes them: the
/// model (if new), the version with the metadata, the artifact with the URI.
struct RegistrationPlan {
    var name: String
    var version: String
    var uri: String
    var formatName: String?
    var formatVersion: String?
    var description: String?
    var author: String
    var owner: String
    var metadata: [String: JSON]
    var notes: [String]

    init(_ call: ToolCall) throws {
        let user = call.context()["user"]?.string ?? "kubeflow-mcp"
        var metadata: [String: JSON] = [:]
        var suggestedName: String?
        var suggestedVersion: String?
        var uri = try call.optionalString("uri")
        notes = []
        if let job = try call.optionalString("job_id") {
            guard K8sNameRule.label.accepts(job) else {
                throw ToolError("job_id \(job) is not a TrainJob name (a DNS-1123 label).", field: "job_id")
            }
            let namespace = try call.optionalString("namespace") ?? call.defaultNamespace
            guard K8sNameRule.label.accepts(namespace) else {
                throw ToolError("namespace \(namespace) is not a valid namespace name.", field: "namespace")
            }
            let origin = try JobOrigin.read(job: job, namespace: namespace, call)
            metadata = origin.metadata
            suggestedName = origin.suggestedName
            suggestedVersion = job
            notes += origin.notes
            if uri == nil { uri = origin.uri }
        }
        for (key, value) in try Metadata.argument(call) { metadata[key] = value }  // the caller's word wins
        guard let name = try call.optionalString("name").map({ try RegistryNames.check($0, field: "name", isModel: true) }) ?? suggestedName else {
            throw ToolError("Give name (the registered model's name), or job_id to name it after the job's base model.", field: "name")
        }
        guard let version = try call.optionalString("version").map({ try RegistryNames.check($0, field: "version", isModel: false) }) ?? suggestedVersion else {
            throw ToolError("Give version (e.g. v1), or job_id to use the job's name.", field: "version")
        }
        guard let uri, !uri.isEmpty else {
            throw ToolError("Give uri (where the model's files are, e.g. s3://bucket/path or pvc://claim/path)" + (notes.isEmpty ? "." : ": " + notes.joined(separator: " ")), field: "uri")
        }
        guard uri.count <= 2048, uri.contains("://"), !uri.unicodeScalars.contains(where: { $0.value < 0x20 || $0 == " " }) else {
            throw ToolError("uri must be a URI such as s3://bucket/path, pvc://claim/path or hf://org/model (no spaces or control characters).", field: "uri")
        }
        self.name = RegistryNames.isModelName(name) ? name : RegistryNames.slug(name)
        self.version = RegistryNames.isVersionName(version) ? version : RegistryNames.slug(version)
        self.uri = uri
        formatName = try call.optionalString("model_format_name")
        formatVersion = try call.optionalString("model_format_version")
        description = try call.optionalString("version_description")
        author = try call.optionalString("author") ?? user
        owner = try call.optionalString("owner") ?? user
        self.metadata = metadata
    }

    var modelBody: JSON { ["name": .string(name), "owner": .string(owner)] }

    var versionBody: JSON {
        var body: JSON = ["name": .string(version), "author": .string(author), "customProperties": Metadata.customProperties(metadata)]
        if let description { body["description"] = .string(description) }
        return body
    }

    var artifactBody: JSON {
        var body: JSON = ["artifactType": "model-artifact", "name": .string(name), "uri": .string(uri)]
        if let formatName { body["modelFormatName"] = .string(formatName) }
        if let formatVersion { body["modelFormatVersion"] = .string(formatVersion) }
        return body
    }

    var json: JSON {
        ["name": .string(name), "version": .string(version), "uri": .string(uri), "author": .string(author),
         "owner": .string(owner), "metadata": .object(metadata), "model_format_name": formatName.map { .string($0) } ?? .null,
         "model_format_version": formatVersion.map { .string($0) } ?? .null,
         "version_description": description.map { .string($0) } ?? .null, "notes": .array(notes.map { .string($0) })]
    }
}
