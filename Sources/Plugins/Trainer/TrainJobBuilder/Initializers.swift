import PluginKit

/// Where the model or dataset comes from, and the optional fields of the SDK's
/// initializer dataclasses. Each set field becomes an env var named after it in
/// upper case, in the dataclass's field order (utils.py:get_optional_initializer_envs).
struct InitializerSource: Equatable, Sendable {
    enum Kind: String, Sendable { case huggingFace, s3 }
    enum Role: String, Sendable {
        case model, dataset
        /// The runtime's replicated job (and container) that downloads this source.
        var initializerStep: String { rawValue + "-initializer" }
    }

    var kind: Kind
    var role: Role
    var storageUri: String
    var ignorePatterns: [String]?
    /// HuggingFace only: the token, always from a Secret.
    var accessToken: SecretKeyRef?
    /// S3 only.
    var endpoint: String?
    var accessKeyId: SecretKeyRef?
    var secretAccessKey: SecretKeyRef?
    var region: String?
    var roleArn: String?

    /// The SDK's model initializers skip weights in formats torchtune does not load.
    static let defaultModelIgnorePatterns = ["*.msgpack", "*.h5", "*.bin", "*.pt", "*.pth"]

    /// A source from what a person typed: `s3://...` is S3, anything else is a
    /// HuggingFace repo (`hf://` is added when missing). Model sources get the
    /// SDK's default ignore patterns.
    static func parse(_ text: String, role: Role, field: String) throws -> InitializerSource {
        let trimmed = text.trimmingSpacesAndTabs()
        if trimmed.hasPrefix("s3://") {
            guard trimmed.count > "s3://".count else {
                throw ToolError("\(field) must name a bucket and path, e.g. s3://my-bucket/models/llama.", field: field)
            }
            return InitializerSource(kind: .s3, role: role, storageUri: trimmed,
                                     ignorePatterns: role == .model ? defaultModelIgnorePatterns : nil)
        }
        if trimmed.contains("://") && !trimmed.hasPrefix("hf://") {
            throw ToolError("\(field) must be a HuggingFace repo (org/name or hf://org/name) or an s3:// URI; got \(trimmed).",
                            field: field)
        }
        let uri = trimmed.hasPrefix("hf://") ? trimmed : "hf://" + trimmed
        let path = uri.dropFirst("hf://".count).split(separator: "/", omittingEmptySubsequences: true)
        guard !path.isEmpty else {
            throw ToolError("\(field) must name a HuggingFace repo such as meta-llama/Llama-3.2-1B-Instruct.", field: field)
        }
        return InitializerSource(kind: .huggingFace, role: role, storageUri: uri,
                                 ignorePatterns: role == .model ? defaultModelIgnorePatterns : nil)
    }

    /// Env vars in the SDK's dataclass field order.
    var env: [EnvVar] {
        var env: [EnvVar] = []
        if let ignorePatterns { env.append(.value("IGNORE_PATTERNS", ignorePatterns.joined(separator: ","))) }
        switch kind {
        case .huggingFace:
            if let accessToken { env.append(.secret("ACCESS_TOKEN", accessToken)) }
        case .s3:
            if let endpoint { env.append(.value("ENDPOINT", endpoint)) }
            if let accessKeyId { env.append(.secret("ACCESS_KEY_ID", accessKeyId)) }
            if let secretAccessKey { env.append(.secret("SECRET_ACCESS_KEY", secretAccessKey)) }
            if let region { env.append(.value("REGION", region)) }
            if let roleArn { env.append(.value("ROLE_ARN", roleArn)) }
        }
        return env
    }

    /// `{"storageUri": ..., "env": [...]}`; the SDK sends `env: []` when empty.
    var json: JSON {
        ["storageUri": .string(storageUri), "env": .array(env.map(\.json))]
    }
}
