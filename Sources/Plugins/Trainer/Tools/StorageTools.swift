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
}
