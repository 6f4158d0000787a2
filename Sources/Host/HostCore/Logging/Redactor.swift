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
        // PEM private keys: whole blocks; a block cut off at the end of the text
        // (masked to the end); the base64 lines right before an END whose BEGIN
        // was cut off (a log tail).
        Rule(mayMatch: { t, _ in t.contains("PRIVATE KEY-----") },
             regex: try! NSRegularExpression(pattern: #"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----"#),
             template: mask),
        Rule(mayMatch: { t, _ in t.contains("-----BEGIN") && t.contains("PRIVATE KEY-----") },
             regex: try! NSRegularExpression(pattern: #"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*"#), template: mask),
        Rule(mayMatch: { t, _ in t.contains("-----END") && t.contains("PRIVATE KEY-----") },
             regex: try! NSRegularExpression(pattern: #"(?m)(?:^[A-Za-z0-9+/=]{16,}\r?\n)*[^\n]*-----END [A-Z ]*PRIVATE KEY-----"#),
             template: mask),
        // Passwords in URIs: s3://user:password@host.
        Rule(mayMatch: { t, _ in t.contains("://") && t.contains("@") },
             regex: try! NSRegularExpression(pattern: #"([A-Za-z][A-Za-z0-9+.\-]*://[^/\s:@"']+:)[^@\s/"']+@"#),
             template: "$1\(mask)@"),
        // Kubernetes env pairs {"name": "DB_PASSWORD", "value": "…"} as JSON or YAML text.
        Rule(mayMatch: { _, l in l.contains("value") && l.contains("name") && hasSecretWord(l) },
             regex: try! NSRegularExpression(pattern: #"(?i)(name\\?"?\s*[:=]\s*\\?"?[A-Za-z0-9_.\-]*(?:token|password|passwd|secret|api_?key|access_?key|private_?key|credentials)[A-Za-z0-9_.\-]*\\?"?(?:\s|\\[nrt]|,|-)*\\?"?value\\?"?\s*[:=]\s*\\?"?)[^"\\\s,}]+"#),
             template: "$1\(mask)"),
        // A Secret's data written out as JSON text (an error quoting an object).
        Rule(mayMatch: { t, _ in t.contains("Secret") && t.contains("ata") },
             regex: try! NSRegularExpression(pattern: #"((?:data|stringData)\\?"?\s*:\s*)\{[^{}]*\}"#), template: "$1{\(mask)}"),
        // name: value / name=value for secret-like names (kubeconfig, env dumps,
        // CLI flags); not hf_token_secret= or credentials_secret=, which name a Secret.
        Rule(mayMatch: { _, l in hasSecretAssignment(l) },
             regex: try! NSRegularExpression(pattern: #"(?i)((?:token|(?<!token_|credentials_)secret|password|passwd|api[_-]?key|access[_-]?key|secret[_-]?access[_-]?key|client-key-data|client-certificate-data)"?\s*[:=]\s*"?)[^\s",}]{4,}"#),
             template: "$1\(mask)"),
    ]

    private static let secretWords: [[UInt8]] = ["token", "secret", "password", "passwd", "key", "client-certificate-data"]
        .map { Array($0.utf8) }

    /// Does a secret-like word stand right before ':' or '=' ("token: x", "password=x")?
    /// A scan of the bytes, so "2048 tokens" never reaches the regex.
    static func hasSecretAssignment(_ lower: String) -> Bool {
        let bytes = Array(lower.utf8)
        for w in secretWords {
            guard bytes.count > w.count else { continue }
            var i = 0
            while i + w.count <= bytes.count {
                if bytes[i] == w[0] && bytes[i..<(i + w.count)].elementsEqual(w) {
                    var j = i + w.count
                    while j < bytes.count && (bytes[j] == UInt8(ascii: "\"") || bytes[j] == UInt8(ascii: " ")) { j += 1 }
                    if j < bytes.count && (bytes[j] == UInt8(ascii: ":") || bytes[j] == UInt8(ascii: "=")) { return true }
                }
                i += 1
            }
        }
        return false
    }

    /// Does a secret-like word occur at all? (A cheap gate for the env-pair rule.)
    static func hasSecretWord(_ lower: String) -> Bool {
        lower.contains("token") || lower.contains("secret") || lower.contains("passw") || lower.contains("key")
            || lower.contains("credentials")
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
        "client_secret", "api_secret",
    ]

    /// Scrub a JSON value: values of secret-named fields are masked, the value
    /// of a Kubernetes env pair whose name is secret-like too, a Secret's
    /// data/stringData never pass, and every other string (keys included) is
    /// redacted. Used for tool results and audit parameters alike.
    public static func scrub(_ json: JSON) -> JSON {
        switch json {
        case .object(let o):
            let secretObject = isSecretObject(o)
            let envPair = o["name"]?.string.map(isSecretName) == true && o["value"]?.string != nil
            var out: [String: JSON] = [:]
            out.reserveCapacity(o.count)
            for (k, v) in o {
                // A key can hold a secret only if long enough to (hf_…, AKIA…, token=abcd).
                let key = k.utf8.count >= 8 ? redact(k) : k
                if secretObject && (k == "data" || k == "stringData") {
                    out[key] = maskedValues(v)
                } else if envPair && k == "value" || isSecretName(k) && v.object == nil && v.array == nil {
                    out[key] = v == .null ? v : .string(mask)
                } else {
                    out[key] = scrub(v)
                }
            }
            return .object(out)
        case .array(let a):
            // Lines of a log as an array: a key block spans elements, so read them as one stream.
            guard a.contains(where: { $0.string?.contains("PRIVATE KEY-----") == true }) else { return .array(a.map(scrub)) }
            let stream = StreamRedactor()
            return .array(a.map { if case .string(let s) = $0 { return .string(stream.redact(s)) } else { return scrub($0) } })
        case .string(let s): return .string(redact(s))
        default: return json
        }
    }

    /// A Secret (kind Secret, or a list item: data with a Secret's type).
    static func isSecretObject(_ o: [String: JSON]) -> Bool {
        guard o["data"] != nil || o["stringData"] != nil else { return false }
        if o["kind"]?.string == "Secret" { return true }
        guard let type = o["type"]?.string else { return false }
        return type == "Opaque" || type.hasPrefix("kubernetes.io/") || type.hasPrefix("bootstrap.kubernetes.io/")
    }

    /// {"key": "…"} → {"key": "[REDACTED]"}: which keys exist is no secret.
    static func maskedValues(_ data: JSON) -> JSON {
        guard let o = data.object else { return data == .null ? data : .string(mask) }
        return .object(o.mapValues { _ in .string(mask) })
    }
}

/// Redaction for text that arrives a line at a time (a plugin's log lines, a
/// pod log stream): a private-key block opened on one line is masked on every
/// following line until its END line, which one-line redaction cannot see.
public final class StreamRedactor: @unchecked Sendable {
    private let lock = NSLock()
    private var insideKey = false

    public init() {}

    /// One message, possibly several lines.
    public func redact(_ text: String) -> String {
        guard text.contains("\n") else { return lock.withLock { line(text) } }
        return lock.withLock {
            text.split(separator: "\n", omittingEmptySubsequences: false).map { line(String($0)) }.joined(separator: "\n")
        }
    }

    private func line(_ text: String) -> String {
        if insideKey {
            guard let end = text.range(of: "-----END "), let close = text.range(of: "PRIVATE KEY-----", range: end.upperBound..<text.endIndex) else {
                return Redactor.mask
            }
            insideKey = false
            return Redactor.mask + Redactor.redact(String(text[close.upperBound...]))
        }
        if let begin = text.range(of: "-----BEGIN "), text.range(of: "PRIVATE KEY-----", range: begin.upperBound..<text.endIndex) != nil {
            // Opened here; closed here too only if an END follows the BEGIN.
            insideKey = text[begin.upperBound...].range(of: "-----END ") == nil
        }
        return Redactor.redact(text)
    }
}
