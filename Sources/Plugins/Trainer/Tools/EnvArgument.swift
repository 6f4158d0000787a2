import PluginKit

/// The `env` argument of the training tools: each value is a plain string, or
/// a reference to one key of a Secret, {"secret": NAME, "key": KEY}, which
/// becomes `valueFrom.secretKeyRef`. A plain value that looks like a
/// credential is refused: it would sit in the TrainJob in plain text, where
/// anyone who may read jobs reads it back.
enum EnvArgument {
    static func schema(_ description: String) -> JSON {
        Schema.map(description + " Each value is a string, or {\"secret\": \"<Secret name>\", \"key\": \"<key>\"} to read it from a Secret; credentials must be passed that way.",
                   values: ["anyOf": [
                       ["type": "string"], ["type": "integer"], ["type": "boolean"],
                       ["type": "object", "properties": ["secret": ["type": "string"], "key": ["type": "string"]],
                        "required": ["secret", "key"], "additionalProperties": false],
                   ]])
    }

    /// The variables in name order (JSON objects carry no order).
    static func parse(_ value: JSON?, field: String) throws -> [EnvVar] {
        guard let value, !value.isNull else { return [] }
        guard let object = value.object else {
            throw ToolError("\(field) must be an object of NAME: value.", field: field)
        }
        return try object.keys.sorted().map { name in
            guard isEnvName(name) else {
                throw ToolError("\(field).\(name) is not a valid variable name: use letters, digits, '_', '-' or '.', not starting with a digit.",
                                field: field)
            }
            switch object[name]! {
            case .string(let s):
                try refuseCredential(name: name, value: s, field: field)
                return .value(name, s)
            case .int(let i): return .value(name, String(i))
            case .bool(let b): return .value(name, b ? "true" : "false")
            case .object(let ref):
                guard let secret = ref["secret"]?.string, let key = ref["key"]?.string, ref.count == 2 else {
                    throw ToolError("\(field).\(name) must be a string or {\"secret\": \"<Secret name>\", \"key\": \"<key>\"}.",
                                    field: field)
                }
                guard JobName.isValid(secret) || isSubdomain(secret) else {
                    throw ToolError("\(field).\(name).secret \(secret) is not a valid Secret name.", field: field)
                }
                guard !key.isEmpty, key.utf8.count <= 253, key.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }) else {
                    throw ToolError("\(field).\(name).key must be a Secret key (letters, digits, '-', '_', '.').", field: field)
                }
                return .secret(name, SecretKeyRef(name: secret, key: key))
            default:
                throw ToolError("\(field).\(name) must be a string or {\"secret\": \"<Secret name>\", \"key\": \"<key>\"}.",
                                field: field)
            }
        }
    }

    /// Refuses a plain value that is a credential by its name or by its shape.
    static func refuseCredential(name: String, value: String, field: String) throws {
        guard !value.isEmpty, isCredentialName(name) || looksLikeCredential(value) else { return }
        let fix = "Store it in a Secret and reference it: {\"\(name)\": {\"secret\": \"<Secret name>\", \"key\": \"<key>\"}} "
            + "(a HuggingFace token: call setup_hf_credentials, then use {\"secret\": \"hf-token\", \"key\": \"token\"}; "
            + "others: kubectl create secret generic <name> --from-literal=<key>=<value>)."
        throw ToolError("\(field).\(name) looks like a credential; a plain value would be stored in the TrainJob, readable by anyone who can read jobs. \(fix)",
                        field: field)
    }

    private static let credentialWords = ["token", "password", "passwd", "secret", "api_key", "apikey", "access_key",
                                          "private_key", "credential"]

    /// HF_TOKEN, DB_PASSWORD, AWS_SECRET_ACCESS_KEY, OPENAI_API_KEY, …
    static func isCredentialName(_ name: String) -> Bool {
        let n = name.lowercased().replacing("-", with: "_")
        return credentialWords.contains { n.contains($0) }
    }

    /// Values shaped like well-known credentials, whatever the variable is called.
    /// (The host redacts the same shapes from every output; this refuses them
    /// before they are stored.)
    static func looksLikeCredential(_ value: String) -> Bool {
        if value.contains("PRIVATE KEY-----") { return true }
        if value.lowercased().hasPrefix("bearer ") { return true }
        let word = value.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)
        return word.contains { w in
            (w.hasPrefix("hf_") && w.utf8.count >= 30 && w.dropFirst(3).allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) })
                || ((w.hasPrefix("AKIA") || w.hasPrefix("ASIA")) && w.utf8.count == 20
                    && w.allSatisfy { $0.isASCII && ($0.isUppercase || $0.isNumber) })
                // The host's token rules (Redactor) from their prefix and length: a value refused here is one the audit
                // line masks.
                || ["ghp_", "gho_", "ghu_", "ghs_", "ghr_"].contains(where: w.hasPrefix) && w.utf8.count >= 40
                || w.hasPrefix("github_pat_") && w.utf8.count >= 33 || w.hasPrefix("sk-") && w.utf8.count >= 23
                || w.hasPrefix("glpat-") && w.utf8.count >= 26 || w.hasPrefix("AIza") && w.utf8.count >= 39
                || ["xoxa-", "xoxb-", "xoxp-", "xoxo-", "xoxs-", "xoxr-"].contains(where: w.hasPrefix) && w.utf8.count >= 15
        } || value.contains("://") && value.contains("@") && hasURIPassword(value)
    }

    /// scheme://user:password@host
    private static func hasURIPassword(_ value: String) -> Bool {
        guard let scheme = value.firstRange(of: "://") else { return false }
        let rest = value[scheme.upperBound...]
        guard let at = rest.firstIndex(of: "@") else { return false }
        let userInfo = rest[..<at]
        return !userInfo.contains("/") && userInfo.contains(":")
    }

    private static func isEnvName(_ name: String) -> Bool {
        guard let first = name.first, !first.isNumber, name.utf8.count <= 253 else { return false }
        return name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "_-.".contains($0)) }
    }

    private static func isSubdomain(_ name: String) -> Bool {
        name.utf8.count <= 253 && name.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { JobName.isValid(String($0)) || $0.first?.isNumber == true }
    }
}
