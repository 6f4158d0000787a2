import Foundation
import KFJSON

/// Removes secrets from text before it reaches a log, an audit line or a tool
/// result: Hugging Face tokens, AWS keys, bearer tokens, private-key blocks,
/// and values of fields named like token/secret/password/key.
public enum Redactor {
    public static let mask = "[REDACTED]"

    private static let patterns: [NSRegularExpression] = [
        #"(?<![A-Za-z0-9_])hf_[A-Za-z0-9]{30,}"#,                   // Hugging Face tokens (hf_ + 34), not setup_hf_credentials
        #"(?:AKIA|ASIA)[A-Z0-9]{16}"#,                              // AWS access key ids
        #"(?i)(bearer\s+)[A-Za-z0-9\-._~+/]{8,}=*"#,                // Authorization: Bearer …
        #"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----"#,
        #"(?i)((?:token|secret|password|passwd|api[_-]?key|access[_-]?key|secret[_-]?access[_-]?key|client-key-data|client-certificate-data)"?\s*[:=]\s*"?)[^\s",}]{4,}"#,
    ].map { try! NSRegularExpression(pattern: $0) }

    public static func redact(_ text: String) -> String {
        // Cheap pre-check keeps the common path (no secrets) fast.
        guard mightContainSecret(text) else { return text }
        var out = text
        for (i, regex) in patterns.enumerated() {
            let range = NSRange(out.startIndex..., in: out)
            let template = (i == 2 || i == 4) ? "$1\(mask)" : mask
            out = regex.stringByReplacingMatches(in: out, range: range, withTemplate: template)
        }
        return out
    }

    private static func mightContainSecret(_ text: String) -> Bool {
        let lower = text.lowercased()
        return lower.contains("hf_") || lower.contains("akia") || lower.contains("asia") || lower.contains("bearer")
            || lower.contains("private key") || lower.contains("token") || lower.contains("secret")
            || lower.contains("password") || lower.contains("passwd") || lower.contains("key")
    }

    /// Argument and field names whose string values are always hidden
    /// (`hf_token`, `password`, `secret_access_key`, …; not `secretKeyRef`).
    public static func isSecretName(_ name: String) -> Bool {
        let n = name.lowercased().replacingOccurrences(of: "-", with: "_")
        return secretNameSuffixes.contains { n == $0 || n.hasSuffix("_" + $0) || n.hasSuffix($0) && $0.count > 6 }
    }

    private static let secretNameSuffixes = [
        "token", "password", "passwd", "api_key", "apikey", "access_key", "accesskey", "access_key_id",
        "secret_key", "secretkey", "secret_access_key", "private_key", "client_key_data", "credentials",
    ]

    /// Scrub a JSON value: values of secret-named fields are masked, every other
    /// string is redacted. Used for tool results and audit parameters alike.
    public static func scrub(_ json: JSON) -> JSON {
        switch json {
        case .object(let o):
            var out: [String: JSON] = [:]
            for (k, v) in o { out[k] = isSecretName(k) && v.object == nil ? .string(mask) : scrub(v) }
            return .object(out)
        case .array(let a): return .array(a.map(scrub))
        case .string(let s): return .string(redact(s))
        default: return json
        }
    }
}
