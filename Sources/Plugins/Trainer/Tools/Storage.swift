import Foundation
import PluginKit

/// Secrets the TrainJobs read credentials from, and the runtime admin tools.
enum SecretStore {
    /// The key under which setup_hf_credentials stores the HuggingFace token.
    static let hfTokenKey = "token"
    /// The Secret setup_hf_credentials writes and gated models read by default.
    static let defaultHFSecret = "hf-token"
    static let s3AccessKeyID = "ACCESS_KEY_ID"
    static let s3SecretAccessKey = "SECRET_ACCESS_KEY"

    /// The Secret manifest. `stringData` lets Kubernetes do the base64.
    static func manifest(name: String, data: [String: String], labels: [String: String] = [:]) -> JSON {
        var metadata: JSON = ["name": .string(name)]
        var allLabels = labels
        allLabels["app.kubernetes.io/managed-by"] = "kubeflow-mcp"
        metadata["labels"] = .object(allLabels.mapValues { .string($0) })
        return ["apiVersion": "v1", "kind": "Secret", "type": "Opaque", "metadata": metadata,
                "stringData": .object(data.mapValues { .string($0) })]
    }

    /// Creates the Secret, or merges the keys into it when it exists.
    /// Returns true when it was created. Messages never contain the values.
    @discardableResult
    static func upsert(_ call: ToolCall, namespace: String, name: String, data: [String: String]) throws -> Bool {
        let created = call.k8sCreate(.create(.secrets, namespace: namespace, body: manifest(name: name, data: data)))
        if created.ok { return true }
        guard created.status == 409 else {
            throw TrainerAPI.failure(created, doing: "create Secret \(name) in \(namespace)")
        }
        let patch: JSON = ["stringData": .object(data.mapValues { .string($0) })]
        let updated = call.k8s(.patch(.secrets, name, namespace: namespace, body: patch,
                                      contentType: "application/merge-patch+json"))
        guard updated.ok else { throw TrainerAPI.failure(updated, doing: "update Secret \(name) in \(namespace)") }
        return false
    }
}

enum StorageTools {
    static var all: [ToolDefinition] { [setupHFCredentials, createTrainingRuntime, deleteTrainingRuntime] }

    static let setupHFCredentials = ToolDefinition(
        name: "setup_hf_credentials", title: "Store a HuggingFace token",
        description: "Stores a HuggingFace token in a Secret (key \"token\"; default Secret hf-token, which fine_tune uses for gated models by itself) and returns the Secret's name to pass as hf_token_secret. The token is never echoed back. An existing token is replaced only with overwrite: true, which the user confirms.",
        category: "storage", risk: .mutating, idempotent: true, openWorld: false,
        input: Schema.object([
            "token": Schema.string("The HuggingFace access token (hf_...)."),
            "namespace": Schema.namespace,
            "secret_name": Schema.name("Name of the Secret to store it in.", K8sResource.secrets.names, default: SecretStore.defaultHFSecret),
            // The host asks the user before a call that sets this (x-kfmcp-confirm).
            "overwrite": {
                var schema = Schema.boolean("Replace the token an existing Secret already holds.", default: false)
                schema["x-kfmcp-confirm"] = true
                return schema
            }(),
        ], required: ["token"])
    ) { call in
        let token = try call.string("token")
        guard !token.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw ToolError("token is empty; pass the HuggingFace access token.", field: "token")
        }
        let namespace = try call.optionalString("namespace") ?? call.defaultNamespace
        let name = try call.optionalString("secret_name") ?? SecretStore.defaultHFSecret
        guard JobName.isValid(name) || name.split(separator: ".").allSatisfy({ JobName.isValid(String($0)) }) else {
            throw ToolError("secret_name \(name) is not a valid Secret name: lower-case letters, digits, '-' and '.'.", field: "secret_name")
        }
        let existing = call.k8s(.get(.secrets, name, namespace: namespace))
        if existing.ok, existing.body["data"]?[SecretStore.hfTokenKey] != nil, try call.optionalBool("overwrite") != true {
            throw ToolError("Secret \(namespace)/\(name) already holds a token; nothing was changed. Use it as it is (hf_token_secret \"\(name)\"), choose another secret_name, or pass overwrite: true to replace it (the user is asked to confirm).",
                            field: "overwrite")
        }
        let created = try SecretStore.upsert(call, namespace: namespace, name: name,
                                             data: [SecretStore.hfTokenKey: token])
        return ToolOutput(["secret_name": .string(name), "namespace": .string(namespace),
                           "key": .string(SecretStore.hfTokenKey), "created": .bool(created)],
                          text: "\(created ? "Created" : "Replaced the token in") Secret \(namespace)/\(name). fine_tune takes it as hf_token_secret \"\(name)\"\(name == SecretStore.defaultHFSecret ? " (and uses it for gated models when none is named)" : "").")
    }

    static let createTrainingRuntime = ToolDefinition(
        name: "create_training_runtime", title: "Create a training runtime",
        description: "Creates a ClusterTrainingRuntime or a namespaced TrainingRuntime from its manifest. The manifest needs the trainer.kubeflow.org/framework label, or the SDK and these tools will not list it.",
        category: "runtimes", risk: .mutating,
        input: Schema.object([
            "manifest": Schema.map("The runtime object: apiVersion trainer.kubeflow.org/v1alpha1, kind ClusterTrainingRuntime or TrainingRuntime, metadata, spec."),
            "namespace": Schema.namespace,
        ], required: ["manifest"])
    ) { call in
        guard let manifest = try call.object("manifest").map(JSON.object) else {
            throw ToolError("Missing required argument: manifest.", field: "manifest")
        }
        let kind = manifest["kind"]?.string ?? ""
        guard kind == "ClusterTrainingRuntime" || kind == "TrainingRuntime" else {
            throw ToolError("manifest.kind must be ClusterTrainingRuntime or TrainingRuntime; got \(kind.isEmpty ? "nothing" : kind).",
                            field: "manifest")
        }
        guard manifest["apiVersion"]?.string == TrainJobBody.apiVersion else {
            throw ToolError("manifest.apiVersion must be \(TrainJobBody.apiVersion).", field: "manifest")
        }
        guard let name = manifest["metadata"]?["name"]?.string, JobName.isValid(name) || name.contains(".") else {
            throw ToolError("manifest.metadata.name must be set to a valid Kubernetes name.", field: "manifest")
        }
        guard RuntimeInfo(manifest) != nil else {
            throw ToolError("manifest.metadata.labels must contain \(RuntimeInfo.frameworkLabel) (e.g. torch, torchtune).",
                            field: "manifest")
        }
        guard manifest["spec"]?["template"]?["spec"]?["replicatedJobs"]?.array?.isEmpty == false else {
            throw ToolError("manifest.spec.template.spec.replicatedJobs must list at least one replicated job.",
                            field: "manifest")
        }
        let namespace = try call.optionalString("namespace") ?? call.defaultNamespace
        let r = call.k8sCreate(kind == "ClusterTrainingRuntime"
            ? .create(.clusterTrainingRuntimes, body: manifest)
            : .create(.trainingRuntimes, namespace: namespace, body: manifest))
        if r.status == 409 {
            throw ToolError("\(kind) \(name) already exists; delete it first or choose another name.", field: "manifest")
        }
        guard r.ok else { throw TrainerAPI.failure(r, doing: "create \(kind) \(name)") }
        var result: JSON = ["name": .string(name), "kind": .string(kind)]
        if kind == "TrainingRuntime" { result["namespace"] = .string(namespace) }
        return ToolOutput(result, text: "Created \(kind) \(name).")
    }

    static let deleteTrainingRuntime = ToolDefinition(
        name: "delete_training_runtime", title: "Delete a training runtime",
        description: "Deletes a ClusterTrainingRuntime (scope cluster) or TrainingRuntime (scope namespace). Refuses while TrainJobs still reference it, listing them, unless force is true.",
        category: "runtimes", risk: .destructive,
        input: Schema.object([
            "name": Schema.name("Runtime name.", for: .trainingRuntimes),
            "scope": Schema.string("Which kind to delete.", enum: ["cluster", "namespace"], default: "cluster"),
            "namespace": Schema.namespace,
            "force": Schema.boolean("Delete even if TrainJobs still use it.", default: false),
        ], required: ["name"])
    ) { call in
        let name = try call.string("name")
        let scope = try call.optionalString("scope") ?? "cluster"
        guard scope == "cluster" || scope == "namespace" else {
            throw ToolError("scope must be cluster or namespace; got \(scope).", field: "scope")
        }
        let namespace = try call.optionalString("namespace") ?? call.defaultNamespace
        let kind = scope == "cluster" ? "ClusterTrainingRuntime" : "TrainingRuntime"
        // Jobs anywhere may use a cluster runtime; only the namespace's jobs a namespaced one.
        // (Under a namespace allowlist: the allowed namespaces' jobs.)
        let jobs = scope == "cluster"
            ? try call.listEverywhere(.trainJobs)
            : try call.k8sJSON(.list(.trainJobs, namespace: namespace))["items"]?.array ?? []
        let users = jobs.filter {
            $0["spec"]?["runtimeRef"]?["name"]?.string == name
                && ($0["spec"]?["runtimeRef"]?["kind"]?.string ?? "ClusterTrainingRuntime") == kind
        }.map { "\($0["metadata"]?["namespace"]?.string ?? namespace)/\($0["metadata"]?["name"]?.string ?? "?")" }
        let force = try call.optionalBool("force") ?? false
        if !users.isEmpty && !force {
            throw ToolError("\(kind) \(name) is still used by \(users.count) TrainJob(s): \(users.joined(separator: ", ")). Delete them first, or pass force=true.",
                            field: "force", details: ["jobs": .array(users.map { .string($0) })])
        }
        let r = call.k8s(scope == "cluster"
            ? .delete(.clusterTrainingRuntimes, name)
            : .delete(.trainingRuntimes, name, namespace: namespace))
        if r.status == 404 {
            throw ToolError("\(kind) \(name) does not exist; call list_training_runtimes to see the runtimes.", field: "name")
        }
        guard r.ok else { throw TrainerAPI.failure(r, doing: "delete \(kind) \(name)") }
        return ToolOutput(["name": .string(name), "kind": .string(kind), "deleted": true,
                           "jobs_still_using": .array(users.map { .string($0) })],
                          text: "Deleted \(kind) \(name).")
    }
}
