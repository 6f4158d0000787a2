/// One problem found by a check: the field, what is wrong and how to fix it.
public struct ConfigIssue: Error, Sendable, Equatable {
    public enum Severity: String, Sendable { case error, warning }
    public var severity: Severity
    public var field: String
    public var message: String

    public static func error(_ field: String, _ message: String) -> ConfigIssue {
        ConfigIssue(severity: .error, field: field, message: message)
    }
    public static func warning(_ field: String, _ message: String) -> ConfigIssue {
        ConfigIssue(severity: .warning, field: field, message: message)
    }
}

/// Model and dataset locations the Kubeflow initializers accept:
/// `hf://org/name[/path]`, `s3://bucket/key`, `pvc://claim/path`. A bare
/// `org/name` is read as Hugging Face, as the SDK does for datasets.
public struct StorageURI: Sendable, Equatable {
    public enum Scheme: String, Sendable { case hf, s3, pvc }
    public var scheme: Scheme
    /// hf: "org/name"; s3: bucket; pvc: claim.
    public var repository: String
    public var path: String
    /// The user wrote no scheme.
    public var bare: Bool

    /// Parses a URI, or returns the issue that says how to write it.
    public static func parse(_ text: String, field: String) -> Result<StorageURI, ConfigIssue> {
        let t = text.trimmingWhitespace()
        guard !t.isEmpty else { return .failure(.error(field, "\(field) is empty.")) }
        let schemes = "hf://, s3:// or pvc://"
        var scheme = Scheme.hf
        var rest = t
        var bare = true
        if let (name, after) = splitScheme(t) {
            guard let s = Scheme(rawValue: name.lowercased()) else {
                return .failure(.error(field, "\(field) \(t) uses the scheme \(name)://; Kubeflow initializers take \(schemes)."))
            }
            scheme = s
            rest = after
            bare = false
        } else if t.contains(":") {
            return .failure(.error(field, "\(field) \(t) is not a URI; write \(schemes)."))
        }
        let parts = rest.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        if parts.contains(where: \.isEmpty) {
            return .failure(.error(field, "\(field) \(t) has an empty path segment."))
        }
        switch scheme {
        case .hf:
            guard let first = parts.first, parts.allSatisfy(Self.isHubName) else {
                return .failure(.error(field, "\(field) \(t): a Hugging Face id is org/name of letters, digits, '-', '_' and '.' (e.g. hf://Qwen/Qwen2.5-7B-Instruct)."))
            }
            let repo = parts.count >= 2 ? first + "/" + parts[1] : first
            return .success(StorageURI(scheme: .hf, repository: repo, path: parts.dropFirst(2).joined(separator: "/"), bare: bare))
        case .s3:
            guard let bucket = parts.first, Self.isBucket(bucket) else {
                return .failure(.error(field, "\(field) \(t): an S3 bucket name is 3-63 lower-case letters, digits, '-' or '.' (s3://bucket/key)."))
            }
            return .success(StorageURI(scheme: .s3, repository: bucket, path: parts.dropFirst().joined(separator: "/"), bare: false))
        case .pvc:
            guard let claim = parts.first, KubeName.isDNS1123Subdomain(claim) else {
                return .failure(.error(field, "\(field) \(t): a PVC name is a lower-case DNS name (pvc://claim/path)."))
            }
            return .success(StorageURI(scheme: .pvc, repository: claim, path: parts.dropFirst().joined(separator: "/"), bare: false))
        }
    }

    /// "s3://b/k" → ("s3", "b/k"); nil without "://".
    static func splitScheme(_ t: String) -> (String, String)? {
        let chars = Array(t)
        guard chars.count >= 3 else { return nil }
        for i in 0...(chars.count - 3) where chars[i] == ":" && chars[i + 1] == "/" && chars[i + 2] == "/" {
            return (String(chars[..<i]), String(chars[(i + 3)...]))
        }
        return nil
    }

    static func isHubName(_ s: String) -> Bool {
        !s.isEmpty && s.count <= 96 && s.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }
            && !s.hasPrefix(".") && !s.hasPrefix("-")
    }

    static func isBucket(_ s: String) -> Bool {
        (3...63).contains(s.count) && s.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber || "-.".contains($0)) }
            && s.first!.isLetterOrDigit && s.last!.isLetterOrDigit
    }
}

/// Kubernetes object names.
enum KubeName {
    /// RFC 1123 subdomain: lower-case alphanumerics, '-' and '.', at most 253.
    static func isDNS1123Subdomain(_ s: String) -> Bool {
        guard (1...253).contains(s.count), s.first!.isLetterOrDigit, s.last!.isLetterOrDigit else { return false }
        return s.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-" || $0 == ".") }
    }

    /// RFC 1123 label (namespaces): at most 63, no dots.
    static func isDNS1123Label(_ s: String) -> Bool { s.count <= 63 && !s.contains(".") && isDNS1123Subdomain(s) }
}

extension Character {
    var isLetterOrDigit: Bool { isASCII && (isLowercase || isNumber) }
}
