import Foundation
import KFJSON

/// Removes secrets from text before it reaches a log, an audit line or a tool
/// result: Hugging Face tokens, AWS keys, bearer tokens, private-key blocks,
/// and values of fields named like token/secret/password/key.
public enum Redactor {
    public static let mask = "[REDACTED]"

    /// One kind of secret: a cheap test that the text may hold one, and the
    /// pattern that finds it. Most text fails every test and costs a few scans.
    private struct Rule {
        let mayMatch: @Sendable (_ text: String, _ lower: String) -> Bool
        let regex: NSRegularExpression
        let template: String
    }

    private static let rules: [Rule] = [
        // Hugging Face tokens (hf_ + 34), not setup_hf_credentials.
        Rule(mayMatch: { t, _ in t.contains("hf_") },
             regex: try! NSRegularExpression(pattern: #"(?<![A-Za-z0-9_])hf_[A-Za-z0-9]{30,}"#), template: mask),
        // AWS access key ids.
        Rule(mayMatch: { t, _ in t.contains("AKIA") || t.contains("ASIA") },
             regex: try! NSRegularExpression(pattern: #"(?:AKIA|ASIA)[A-Z0-9]{16}"#), template: mask),
        // Authorization: Bearer …
        Rule(mayMatch: { _, l in l.contains("bearer") },
             regex: try! NSRegularExpression(pattern: #"(?i)(bearer\s+)[A-Za-z0-9\-._~+/]{8,}=*"#), template: "$1\(mask)"),
        // PEM private keys.
        Rule(mayMatch: { t, _ in t.contains("PRIVATE KEY-----") },
             regex: try! NSRegularExpression(pattern: #"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----"#),
             template: mask),
        // name: value / name=value for secret-like names (kubeconfig, env dumps, CLI flags).
        Rule(mayMatch: { _, l in hasSecretAssignment(l) },
             regex: try! NSRegularExpression(pattern: #"(?i)((?:token|secret|password|passwd|api[_-]?key|access[_-]?key|secret[_-]?access[_-]?key|client-key-data|client-certificate-data)"?\s*[:=]\s*"?)[^\s",}]{4,}"#),
             template: "$1\(mask)"),
    ]

    private static let secretWords = ["token", "secret", "password", "passwd", "key", "client-certificate-data"]

    /// Does a secret-like word stand right before ':' or '=' ("token: x", "password=x")?
    /// A scan of the bytes, so "2048 tokens" never reaches the regex.
    static func hasSecretAssignment(_ lower: String) -> Bool {
        let bytes = Array(lower.utf8)
        for word in secretWords {
            let w = Array(word.utf8)
            guard bytes.count > w.count else { continue }
            var i = 0
            while i + w.count <= bytes.count {
                if bytes[i] == w[0] && Array(bytes[i..<(i + w.count)]) == w {
                    var j = i + w.count
                    while j < bytes.count && (bytes[j] == UInt8(ascii: "\"") || bytes[j] == UInt8(ascii: " ")) { j += 1 }
                    if j < bytes.count && (bytes[j] == UInt8(ascii: ":") || bytes[j] == UInt8(ascii: "=")) { return true }
                }
                i += 1
            }
        }
        return false
    }

    public static func redact(_ text: String) -> String {
        let lower = text.lowercased()
        var out = text
        for rule in rules where rule.mayMatch(out, lower) {
            out = rule.regex.stringByReplacingMatches(in: out, range: NSRange(out.startIndex..., in: out),
                                                      withTemplate: rule.template)
        }
        return out
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
