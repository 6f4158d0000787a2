import PluginKit

extension StorageTools {
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
        ], required: ["token"]),
        output: Schema.result(always: ["secret_name": Schema.of("string"), "namespace": Schema.of("string"), "key": Schema.of("string"), "created": Schema.of("boolean")])
    ) { call in
        let token = try call.string("token")
        guard !token.trimmingWhitespace().isEmpty else {
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
}
