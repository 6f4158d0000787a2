import Foundation
import KFJSON

/// Policy at the Kubernetes boundary. Every request a plugin makes passes
/// here, so a plugin that builds its own path still cannot reach a namespace
/// outside the allowlist or write in read-only mode.
enum ClusterGuard {
    /// The namespace a REST path addresses, if any:
    /// /api/v1/namespaces/{ns}/… and /apis/{group}/{version}/namespaces/{ns}/…
    static func namespace(of path: String) -> String? {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        guard let i = parts.firstIndex(of: "namespaces"), i + 1 < parts.count else { return nil }
        // /api/v1/namespaces/{ns} or deeper; not /api/v1/namespaces (the list).
        let prefixOK = (parts.first == "api" && i == 2) || (parts.first == "apis" && i == 3)
        return prefixOK ? String(parts[i + 1]) : nil
    }

    /// Reviews are reads in effect, though they are POSTed.
    static func isReview(_ path: String) -> Bool {
        path.hasPrefix("/apis/authorization.k8s.io/") || path.hasPrefix("/apis/authentication.k8s.io/")
    }

    static func isWrite(_ request: ClusterRequest) -> Bool {
        !["GET", "HEAD"].contains(request.method) && !isReview(request.path)
    }

    /// nil when allowed; else the sentence to return to the plugin.
    static func denial(_ request: ClusterRequest, policy: Policy) -> String? {
        if policy.readOnly && isWrite(request) {
            return "Policy '\(policy.name)' is read-only: \(request.method) \(request.path) was not sent."
        }
        if let ns = namespace(of: request.path), !policy.allowsNamespace(ns) {
            let allowed = policy.namespaces?.joined(separator: ", ") ?? ""
            return "Namespace '\(ns)' is not allowed by policy '\(policy.name)' (allowed: \(allowed)). Use one of those namespaces."
        }
        return nil
    }

    // MARK: Ownership

    static let ownerAnnotation = "kubeflow-mcp.kubeflow.org/owner"
    static let ownerLabel = "kubeflow-mcp.kubeflow.org/owner-hash"

    /// Objects created through the server carry who created them.
    static func stampOwner(_ body: JSON?, identity: String) -> JSON? {
        guard var object = body, object.object != nil else { return body }
        var metadata = object["metadata"]?.object ?? [:]
        var annotations = metadata["annotations"]?.object ?? [:]
        var labels = metadata["labels"]?.object ?? [:]
        annotations[ownerAnnotation] = .string(identity)
        labels[ownerLabel] = .string(labelSafeHash(identity))
        metadata["annotations"] = .object(annotations)
        metadata["labels"] = .object(labels)
        object["metadata"] = .object(metadata)
        return object
    }

    /// 16 hex digits of FNV-1a: fits a label value, stable across runs.
    static func labelSafeHash(_ s: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in s.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// The object path a mutating request acts on (subresources stripped).
    static func objectPath(_ path: String) -> String {
        for sub in ["/status", "/scale", "/log"] where path.hasSuffix(sub) {
            return String(path.dropLast(sub.count))
        }
        return path
    }
}
