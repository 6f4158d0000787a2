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

extension SecretStore {
    /// Creates a TrainJob whose per-job Secrets (inline S3 keys) are stored first, since the
    /// job only references them; they are removed again when the creation fails, and owned by
    /// the job once it exists, so Kubernetes' garbage collector deletes them with it.
    static func createJob(_ json: JSON, perJobSecrets: [(String, [String: String])], api: TrainerAPI, call: ToolCall) throws {
        for (name, data) in perJobSecrets { try upsert(call, namespace: api.namespace, name: name, data: data) }
        let created: JSON
        do {
            created = try api.create(json)
        } catch {
            for (name, _) in perJobSecrets { _ = call.k8s(.delete(.secrets, name, namespace: api.namespace)) }
            throw error
        }
        // In a preview the dry run's uid stands for the job's: the host writes both as the same placeholder
        // (the n-th object the call created), so the confirmed run owns the Secrets exactly as previewed.
        guard let uid = created["metadata"]?["uid"]?.string, let job = created["metadata"]?["name"]?.string else { return }
        let owner: JSON = ["apiVersion": .string(TrainJobBody.apiVersion), "kind": "TrainJob", "name": .string(job),
                           "uid": .string(uid)]
        for (name, _) in perJobSecrets {
            let patched = call.k8s(.patch(.secrets, name, namespace: api.namespace,
                                          body: ["metadata": ["ownerReferences": [owner]]],
                                          contentType: "application/merge-patch+json"))
            if !patched.ok {
                call.log("Secret \(name) stays after TrainJob \(job) is deleted (could not set its owner: HTTP \(patched.status)); delete it then.",
                         level: .warning)
            }
        }
    }
}

enum StorageTools {
    static var all: [ToolDefinition] { [setupHFCredentials, createTrainingRuntime, deleteTrainingRuntime] }
}
