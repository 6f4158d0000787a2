import Foundation
import HostBase
import KFJSON

/// Policy at the Kubernetes boundary. Every request a plugin makes passes
/// here, so a plugin that builds its own path still cannot reach a namespace
/// outside the allowlist or write in read-only mode.
package enum ClusterGuard {
    /// Access and identity reviews: POSTed, but reads in effect. Named by
    /// (group, resource), never by a path prefix.
    package static let reviews: Set<String> = [
        "authorization.k8s.io/selfsubjectaccessreviews", "authorization.k8s.io/selfsubjectrulesreviews",
        "authentication.k8s.io/selfsubjectreviews",
    ]

    /// Reads that name no namespace yet reveal nothing namespaced: allowed
    /// under a namespace allowlist. Anything else must name a namespace,
    /// except the cluster-scoped resources plugins declare (manifest
    /// `cluster_scoped_reads`, checked by `KubeNames.isDeclarableResource`).
    package static let harmlessClusterWide: Set<String> = ["/nodes", "/namespaces"]

    package static func isReview(_ request: ClusterRequest) -> Bool {
        guard let r = request.resource else { return false }
        return request.verb == "create" && r.namespace == nil && reviews.contains(r.groupResource)
    }

    package static func isWrite(_ request: ClusterRequest) -> Bool { !request.isRead && !isReview(request) }

    /// The namespace a request acts in: its namespace, or the namespace object itself.
    package static func namespace(of request: ClusterRequest) -> String? {
        guard let r = request.resource else { return nil }
        return r.namespace ?? (r.groupResource == "/namespaces" ? r.name : nil)
    }

    /// The least risk a tool must declare to send this write: a delete is destructive, any other write mutating.
    package static func requiredRisk(_ request: ClusterRequest) -> ToolRisk {
        request.verb == "delete" ? .destructive : .mutating
    }

    /// Subresources any plugin may read: a pod's log and an object's status.
    static func isPlainSubresourceRead(_ request: ClusterRequest) -> Bool {
        guard let r = request.resource, let sub = r.subresource else { return true }
        return request.verb == "get" && (sub == "status" || (r.groupResource == "/pods" && sub == "log"))
    }

    /// What the policy must grant for this subresource request (structure, never the path's text).
    package static func neededGrant(_ r: ResourceRef) -> SubresourceGrant {
        SubresourceGrant.needed(group: r.group, resource: r.resource, name: r.name, subresource: r.subresource ?? "")
    }

    /// nil when allowed; else the sentence to return to the plugin.
    /// `undoingOwnCreate`: a delete of an object this same call created (a
    /// tool cleaning up after itself), which its own risk may send.
    package static func denial(_ request: ClusterRequest, policy: Policy, tool: ToolSpec?, pluginID: String,
                       clusterReads: Set<String> = [], undoingOwnCreate: Bool = false) -> String? {
        let write = isWrite(request)
        // Whatever the tool's category: the risk it declared is what a client approves.
        let risk = tool?.risk ?? .readOnly
        if write, risk < requiredRisk(request), !(undoingOwnCreate && risk > .readOnly) {
            return "Plugin '\(pluginID)' declares tool '\(tool?.name ?? "?")' \(risk.rawValue), yet it asked to \(request.summary), which needs a tool of risk \(requiredRisk(request).rawValue); the host refused it. The plugin must declare the tool's real risk."
        }
        if policy.readOnly && write {
            return "Policy '\(policy.name)' is read-only: \(request.summary) was not sent."
        }
        if let r = request.resource, r.subresource != nil, !isPlainSubresourceRead(request) {
            let needed = neededGrant(r)
            if !policy.subresources.contains(where: { $0.covers(needed) }) {
                return "Policy '\(policy.name)' does not allow subresource \(needed): \(request.summary) was not sent. "
                    + "An operator who wants it adds \(needed) under subresources: in the policy file "
                    + "(\(SubresourceGrant(group: needed.group, resource: needed.resource, subresource: needed.subresource)) would allow it on every object)."
            }
        }
        if write, request.resource?.groupResource == "/namespaces", !policy.namespaceWrites {
            return "Policy '\(policy.name)' does not let plugins change Namespace objects: \(request.summary) was not sent (namespace_writes: true in the policy file allows it)."
        }
        guard let allowed = policy.namespaces else { return nil }
        let list = allowed.joined(separator: ", ")
        if let ns = namespace(of: request) {
            return allowed.contains(ns) ? nil
                : "Namespace '\(ns)' is not allowed by policy '\(policy.name)' (allowed: \(list)). Use one of those namespaces."
        }
        guard let r = request.resource, !isReview(request) else { return nil }  // non-resource GET or review
        if request.isRead && (harmlessClusterWide.contains(r.groupResource) || clusterReads.contains(r.groupResource)) {
            return nil
        }
        return "Policy '\(policy.name)' allows only namespaces \(list): \(request.summary) names no namespace, so it was not sent. Ask per namespace."
    }

    // MARK: Ownership

    package static let ownerAnnotation = "kubeflow-mcp.kubeflow.org/owner"
    package static let ownerLabel = "kubeflow-mcp.kubeflow.org/owner-hash"

    /// Objects created through the server carry who created them.
    package static func stampOwner(_ body: JSON?, identity: String) -> JSON? {
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
    package static func labelSafeHash(_ s: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in s.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
